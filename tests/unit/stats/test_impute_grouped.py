import numpy as np
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.stats.composite.impute import impute_by_group, latest_available

NAN = np.nan


def cells(frame):
    return [[None if pd.isna(v) else v for v in row] for row in frame.to_numpy().tolist()]


# --- by group --------------------------------------------------------------------------------------------------


def grouped():
    x = pd.DataFrame({"a": [1, 2, NAN, 6, NAN, 10], "b": [NAN, 4, 5, 9, 7, 8]}, index=["u1", "u2", "u3", "u4", "u5", "u6"])
    groups = pd.Series({"u6": "urban", "u5": "urban", "u4": "rural", "u3": "rural", "u2": "rural", "u1": "rural"})
    return x, groups


def test_group_mean_and_median_hand_computed():
    x, groups = grouped()
    # rural a: 1, 2, 6 -> mean 3, median 2 (u3); rural b: 4, 5, 9 -> mean 6, median 5 (u1)
    # urban a: only 10, fewer than min_group = 3 values -> u5 stays missing
    out, flags = impute_by_group(x, groups, "mean")
    assert cells(out) == [[1, 6], [2, 4], [3, 5], [6, 9], [None, 7], [10, 8]]
    assert flags.values.tolist() == [["u1", "b", "group_mean", "rural"], ["u3", "a", "group_mean", "rural"]]
    out, flags = impute_by_group(x, groups, "median")
    assert cells(out) == [[1, 5], [2, 4], [2, 5], [6, 9], [None, 7], [10, 8]]
    assert flags["method"].tolist() == ["group_median", "group_median"]


def test_group_size_limit_and_present_values_untouched():
    x, groups = grouped()
    out, flags = impute_by_group(x, groups, "mean", min_group=1)  # urban a: 10 alone is enough now
    assert out.loc["u5", "a"] == 10 and flags.values.tolist()[-1] == ["u5", "a", "group_mean", "urban"]
    out, flags = impute_by_group(x, groups, "mean", min_group=4)  # rural has only 3 values of each
    assert out.equals(x) and flags.empty and list(flags.columns) == ["unit", "indicator", "method", "source"]
    present = x.notna()
    assert out[present].equals(x[present])
    assert x.isna().sum().sum() == 3  # the input is not modified


def test_group_errors():
    x, groups = grouped()
    with pytest.raises(InputError, match=r"without a group: \['u6'\]"):
        impute_by_group(x, groups.drop("u6"))
    with pytest.raises(InputError, match="'mean' or 'median'"):
        impute_by_group(x, groups, "mode")
    with pytest.raises(InputError, match="units repeat"):
        impute_by_group(x, pd.concat([groups, groups]))
    with pytest.raises(InputError, match="min_group"):
        impute_by_group(x, groups, min_group=0)


# --- latest available year ---------------------------------------------------------------------------------------


def panel():
    rows = [
        ("u1", "a", 2020, 1.0), ("u1", "a", 2022, NAN), ("u1", "a", 2021, 2.0),  # 2022 missing: 2021 (the latest) used
        ("u1", "b", 2022, 5.0),  # present
        ("u2", "a", 2019, 7.0),  # 3 years old
        ("u2", "b", 2023, 9.0),  # a later year: never used
        ("u3", "a", 2022, 4.0), ("u3", "b", 2020, 6.0),  # 2 years old
    ]
    return pd.DataFrame(rows, columns=["unit", "indicator", "year", "value"])


def test_latest_available_hand_computed():
    out, flags = latest_available(panel(), 2022, max_age=2)
    assert list(out.index) == ["u1", "u2", "u3"] and list(out.columns) == ["a", "b"]
    assert cells(out) == [[2, 5], [None, None], [4, 6]]  # u2 a: 2019 is older than 2022 − 2
    assert flags.values.tolist() == [["u1", "a", "latest_year", 2021], ["u3", "b", "latest_year", 2020]]


def test_latest_available_age_limit():
    out, flags = latest_available(panel(), 2022, max_age=3)
    assert out.loc["u2", "a"] == 7 and ["u2", "a", "latest_year", 2019] in flags.values.tolist()
    out, flags = latest_available(panel(), 2022, max_age=0)  # the year's values only
    assert cells(out) == [[None, 5], [None, None], [4, None]] and flags.empty
    # 2021: u1 a present (2021); the 2022 and 2023 values are later, never used; u3 b from 2020 (1 year old)
    out, flags = latest_available(panel(), 2021, max_age=1)
    assert cells(out) == [[2, None], [None, None], [None, 6]]
    assert flags.values.tolist() == [["u3", "b", "latest_year", 2020]]


def test_latest_available_errors():
    long = panel()
    with pytest.raises(InputError, match="more than one value for unit 'u1', indicator 'a', year 2020"):
        latest_available(pd.concat([long, long.iloc[[0]]]), 2022, 2)
    with pytest.raises(InputError, match=r"columns missing: \['value'\]"):
        latest_available(long.drop(columns="value"), 2022, 2)
    with pytest.raises(InputError, match="max_age"):
        latest_available(long, 2022, -1)
