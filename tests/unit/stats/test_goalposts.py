"""Goalposts, multi-year normalisation and the ties of rank normalisation (methodology/methods/definitions.qmd)."""

import math

import numpy as np
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.stats.composite.aggregate import arithmetic
from jstbench.stats.composite.build import orient
from jstbench.stats.composite.normalise import goalposts, minmax, oriented_goalposts, rank, reference_bounds
from jstbench.stats.composite.registry import NORMALISE


def lst(values):
    return [None if (isinstance(v, float) and math.isnan(v)) else round(float(v), 6) for v in np.ravel(values)]


def col(values, name="i"):
    return pd.DataFrame({name: values}, dtype=float)


# --- fixed goalposts -----------------------------------------------------------------------------------------------


def test_goalposts_hand_computed_clipped_and_not():
    x = col([25, 55, 85, 95, 10, np.nan])
    # 100 * (x - 25) / 60: 0, 50, 100, 116.67, -25
    assert lst(goalposts(x, low={"i": 25}, high={"i": 85})) == [0.0, 50.0, 100.0, 100.0, 0.0, None]
    assert lst(goalposts(x, low={"i": 25}, high={"i": 85}, clip=False)) == [0.0, 50.0, 100.0, round(7000 / 60, 6), -25.0, None]
    assert NORMALISE["goalposts"] is goalposts


def test_goalposts_default_to_the_data_min_and_max():
    x = pd.DataFrame({"a": [2.0, 4.0, 6.0, 10.0], "b": [7.0, 7.0, 7.0, np.nan]})
    assert goalposts(x).equals(minmax(x))  # b is constant: 50, as in min-max
    # a fixed natural zero and the observed maximum (the HDI of 2010-2014: life expectancy 20 and the maximum seen)
    assert lst(goalposts(col([20, 40, 60]), low=0)) == [round(100 / 3, 6), round(200 / 3, 6), 100.0]


def test_hdi_worked_example_with_fixed_goalposts():
    """The HDI technical note's three-country illustration (goalposts of the HDR of the time: life expectancy 25 and
    85 years, adult literacy and combined gross enrolment 0 and 100 %, GDP per capita log 100 and log 40,000 PPP$;
    education = 2/3 literacy + 1/3 enrolment; HDI = the mean of the three indices), as reproduced in the technical
    notes at http://www.sardc.net/HDev/MHDR2000/Eng/TechNotes/8.html. Published to 3 decimals, e.g. Germany's life
    expectancy index (77.2 - 25) / (85 - 25) = 52.2 / 60 = 0.870."""
    raw = pd.DataFrame({"life": [77.2, 69.8, 42.3], "literacy": [99.0, 82.9, 39.5], "enrolment": [88.1, 68.9, 32.0],
                        "gdp": np.log([21260.0, 3130.0, 740.0])}, index=["Germany", "China", "Mozambique"])
    posts = {"life": (25, 85), "literacy": (0, 100), "enrolment": (0, 100), "gdp": (math.log(100), math.log(40000))}
    low, high = oriented_goalposts(posts, dict.fromkeys(raw.columns, "higher-better"))
    index = goalposts(raw, low, high) / 100
    published = {"life": [0.870, 0.747, 0.288], "literacy": [0.990, 0.829, 0.395], "enrolment": [0.881, 0.689, 0.320],
                 "gdp": [0.895, 0.575, 0.334]}
    for indicator, values in published.items():
        assert index[indicator].round(3).tolist() == values
    education = arithmetic(index[["literacy", "enrolment"]], {"literacy": 2.0, "enrolment": 1.0})
    assert education.round(3).tolist() == [0.954, 0.782, 0.370]
    hdi = arithmetic(pd.DataFrame({"life": index["life"], "education": education, "gdp": index["gdp"]}), [1.0, 1.0, 1.0])
    assert hdi.round(3).tolist() == [0.906, 0.701, 0.331]


def test_lower_better_goalposts_are_turned():
    # a cost per resident, goalposts 200 (best) and 800 (worst) zł: (800 - cost) / 600, COINr's n_goalposts(direction = -1)
    cost = col([150, 200, 350, 800, 900], "cost")
    low, high = oriented_goalposts({"cost": (200, 800)}, {"cost": "lower-better"})
    assert (low, high) == ({"cost": -800.0}, {"cost": -200.0})
    scores = goalposts(orient(cost, {"cost": "lower-better"}), low, high)
    assert lst(scores) == [100.0, 100.0, 75.0, 0.0, 0.0]  # 350: 450 / 600 = 0.75; 150 and 900 clipped


def test_target_range_goalposts_are_distances_from_the_range():
    # range [10, 20]; distances 0, 5, 15, 5; goalposts 0 (in the range: 100) and 10 (10 away: 0)
    x = col([15, 25, 35, 5], "t")
    oriented = orient(x, {"t": "target-range"}, {"t": (10, 20)})
    assert lst(oriented) == [0.0, -5.0, -15.0, -5.0]
    low, high = oriented_goalposts({"t": (0, 10)}, {"t": "target-range"})
    assert lst(goalposts(oriented, low, high)) == [100.0, 50.0, 0.0, 50.0]


def test_goalposts_errors_name_the_indicator():
    with pytest.raises(InputError, match=r"no high goalpost for indicator\(s\) \['b'\]"):
        goalposts(pd.DataFrame({"a": [1.0], "b": [2.0]}), low={"a": 0, "b": 0}, high={"a": 5})
    with pytest.raises(InputError, match=r"low goalpost must be below the high one; it is not for \['a'\]"):
        goalposts(pd.DataFrame({"a": [1.0]}), low={"a": 5}, high={"a": 5})
    with pytest.raises(InputError, match=r"indicator 'a': goalposts must be \[low, high\] with low < high, not \[9, 1\]"):
        oriented_goalposts({"a": (9, 1)}, {"a": "higher-better"})
    with pytest.raises(InputError, match="indicator 'a': goalposts need a direction"):
        oriented_goalposts({"a": (0, 1)}, {"a": "none"})


# --- multi-year: a reference year's min and max as goalposts -------------------------------------------------------


def test_reference_year_keeps_progress_visible():
    """Every unit gains 10 points between 2020 and 2023. Min-max within each year hides it (0, 50, 100 both years);
    goalposts from 2020's data (40, 80) show it: (50 - 40) / 40 = 25, (70 - 40) / 40 = 75, (90 - 40) / 40 = 125."""
    y2020 = col([40, 60, 80], "a")
    y2023 = col([50, 70, 90], "a")
    bounds = reference_bounds(y2020)
    assert bounds == {"a": (40.0, 80.0)}
    low, high = {k: b[0] for k, b in bounds.items()}, {k: b[1] for k, b in bounds.items()}
    assert lst(goalposts(y2020, low, high)) == [0.0, 50.0, 100.0]
    assert lst(goalposts(y2023, low, high, clip=False)) == [25.0, 75.0, 125.0]
    assert lst(goalposts(y2023, low, high)) == [25.0, 75.0, 100.0]
    assert lst(minmax(y2023)) == [0.0, 50.0, 100.0]
    # a unit's score hangs on its own value only: without the best unit the others keep theirs (min-max would not)
    assert lst(goalposts(y2023.iloc[:2], low, high)) == [25.0, 75.0]
    assert lst(minmax(y2023.iloc[:2])) == [0.0, 100.0]


def test_reference_bounds_ignore_missing_and_need_a_value():
    assert reference_bounds(pd.DataFrame({"a": [3.0, np.nan, 1.0], "b": [-2.0, -7.0, np.nan]})) == {"a": (1.0, 3.0), "b": (-7.0, -2.0)}
    with pytest.raises(InputError, match=r"no values in the reference year for indicator\(s\) \['b'\]"):
        reference_bounds(pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan, np.nan]}))


# --- ties in rank normalisation ------------------------------------------------------------------------------------


def test_rank_ties_average_and_min():
    x = col([10, 20, 20, 30, 40, np.nan])
    # ascending ranks among the 5 values: average 1, 2.5, 2.5, 4, 5; min 1, 2, 2, 4, 5; (rank - 1) / 4 * 100
    assert lst(rank(x)) == [0.0, 37.5, 37.5, 75.0, 100.0, None]
    assert lst(rank(x, ties="min")) == [0.0, 25.0, 25.0, 75.0, 100.0, None]
    assert rank(x, ties="average").equals(rank(x))
    # without ties the two agree
    assert rank(col([3, 1, 2]), ties="min").equals(rank(col([3, 1, 2])))
    with pytest.raises(InputError, match="rank ties must be one of average, min, not 'dense'"):
        rank(x, ties="dense")
