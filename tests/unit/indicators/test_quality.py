import math

import pandas as pd

from jstbench.indicators.quality import coverage, quality_flags, robust_z, variable_kinds, yoy_relative
from jstbench.views.wording import quality_text


def values():
    return pd.DataFrame({"unit": list("abcdef") + ["a"], "indicator": "i", "year": [2024] * 6 + [2023],
                         "value": [10.0, 11.0, 12.0, 13.0, 14.0, 100.0, 5.0]})


def test_robust_z_hand_computed():
    # 2024: median 12.5, absolute deviations 2.5 1.5 .5 .5 1.5 87.5 -> MAD 1.5; z = 0.6745 * (x - 12.5) / 1.5
    z = robust_z(values())
    assert round(z[0], 4) == round(0.6745 * -2.5 / 1.5, 4) == -1.1242
    assert round(z[5], 3) == 39.346
    assert math.isnan(z[6])  # a single value: MAD 0


def test_yoy_relative_and_flags():
    assert yoy_relative(values()).tolist()[0] == 1.0  # (10 - 5) / 5
    assert quality_flags(values()).tolist() == ["jump", None, None, None, None, "outlier", None]
    assert quality_text("outlier,jump").count(";") == 1 and quality_text(None) == ""


def test_coverage_without_a_register_counts_the_units_in_the_data():
    obs = pd.DataFrame({"unit": ["a", "a", "b", "b"], "year": [2023, 2024, 2023, 2024], "variable": "x",
                        "value": [1.0, None, 2.0, 3.0], "flag": None})
    by_var = coverage(obs, None, "variable")
    assert by_var.loc["x", "coverage_pct"] == 75.0
    by_year = coverage(obs, None, "year")
    assert by_year["coverage_pct"].to_dict() == {2024: 50.0, 2023: 100.0}


REGISTER = pd.DataFrame({"code": ["0201011", "0201022", "0201032", "0201042", "0201"],
                         "kind": ["gmina_urban", "gmina_rural", "gmina_rural", "gmina_rural", "powiat"]})


def test_coverage_counts_against_the_register_not_the_units_with_rows():
    """4 gminas in the register, 2 with values: 50%, not the 100% of 'units that have rows'."""
    obs = pd.DataFrame({"unit": ["0201011", "0201022", "0201"], "year": 2024, "variable": "x", "value": [1.0, 2.0, 9.0],
                        "flag": None})
    gminas = {"x": ["gmina_urban", "gmina_rural", "gmina_urban_rural", "city_powiat"]}
    by_var = coverage(obs, REGISTER, "variable", gminas)
    assert by_var.loc["x", ["values", "expected", "units", "register_units"]].tolist() == [2, 4, 2, 4]
    assert by_var.loc["x", "coverage_pct"] == 50.0  # the powiat's value is not asked of it and does not count
    assert coverage(obs, REGISTER, "year", gminas).loc[2024, "coverage_pct"] == 50.0
    assert coverage(obs, REGISTER, "variable").loc["x", "coverage_pct"] == 60.0  # asked of every kind: 3 of 5


def test_coverage_respects_the_register_dates_and_the_first_year_of_a_variable():
    obs = pd.DataFrame({"unit": ["0201011", "0201011", "0201022"], "year": [2023, 2024, 2024], "variable": "x",
                        "value": [1.0, 2.0, 3.0], "flag": None})
    register = REGISTER.iloc[:2].assign(valid_from="2020-01-01", valid_to=[None, "2022-01-01"])  # the second ended in 2022
    by_year = coverage(obs, register, "year")
    assert by_year.loc[2023, ["values", "expected"]].tolist() == [1, 1]
    assert by_year.loc[2024, ["values", "expected"]].tolist() == [2, 2]  # a unit with a value always counts
    late = coverage(obs, REGISTER.iloc[:2], "variable", first_years={"x": 2024})
    assert late.loc["x", ["values", "expected"]].tolist() == [3, 3]  # 2023 is not asked of a variable from 2024


def test_variables_are_asked_of_the_kinds_of_the_indicators_using_them():
    from jstbench.catalogue.load import load_catalogue

    from ...conftest import ROOT

    kinds = variable_kinds(load_catalogue(ROOT / "methodology" / "catalogue"))
    assert set(kinds["population"]) == {"gmina_urban", "gmina_rural", "gmina_urban_rural", "city_powiat", "powiat"}
    assert "powiat" not in kinds["exp_80101"]


def test_input_flags_reach_the_indicator():
    from jstbench.indicators.quality import input_flagged

    vals = pd.DataFrame({"unit": ["a", "b"], "indicator": "i", "year": 2024, "value": [1.0, 2.0]})
    obs = pd.DataFrame({"unit": ["a", "b"], "year": 2024, "variable": ["x", "x"], "value": [5.0, 6.0], "flag": ["x", None]})
    flagged = input_flagged(vals, obs, {"i": ["x", "y"]})
    assert flagged.tolist() == [True, False]
    assert quality_flags(vals, flagged).tolist() == ["input-flag", None]


def test_a_share_of_counts_outside_0_100_is_flagged_impossible():
    vals = pd.DataFrame({"unit": ["a", "b", "c", "d"], "indicator": ["late", "late", "late", "cost"], "year": 2024,
                         "value": [112.5, 100.0, -1.0, 250.0]})
    flags = quality_flags(vals, count_shares={"late"})
    assert flags.tolist() == ["impossible-share", None, "outlier,impossible-share", None]  # −1 is also far from 100 and 112.5
    assert "niespójne" in quality_text("impossible-share")
