import math

import numpy as np
import pandas as pd
import pytest

from jstbench.compare import measures as c


def frame(values, direction="higher-better", low=np.nan, high=np.nan, groups=None):
    n = len(values)
    return pd.DataFrame({"group": groups or ["g"] * n, "year": 2024, "indicator": "i",
                         "value": values, "direction": direction, "target_low": low, "target_high": high})


def lst(s):
    return [None if (isinstance(x, float) and math.isnan(x)) else round(float(x), 6) for x in s]


def test_score_orients_values():
    assert lst(c.score(frame([1.0, 2.0]))) == [1.0, 2.0]
    assert lst(c.score(frame([1.0, 2.0], "lower-better"))) == [-1.0, -2.0]
    assert lst(c.score(frame([5.0, 12.0, 30.0], "target-range", 10.0, 20.0))) == [-5.0, 0.0, -10.0]
    assert lst(c.score(frame([1.0, 2.0], "none"))) == [None, None]


def test_rank_higher_and_lower_better_with_ties():
    assert lst(c.rank(frame([10.0, 30.0, 20.0, 30.0]))) == [4.0, 1.0, 3.0, 1.0]
    assert lst(c.rank(frame([10.0, 30.0, 20.0, 30.0], "lower-better"))) == [1.0, 3.0, 2.0, 3.0]


def test_rank_hidden_below_minimum_group_size():
    assert lst(c.rank(frame([1.0, 2.0, 3.0]), min_size=4)) == [None, None, None]
    assert lst(c.rank(frame([1.0, 2.0, 3.0, np.nan]), min_size=4)) == [None, None, None, None]


def test_percentile_hand_computed():
    # 5 distinct values: better than 0, 1, 2, 3, 4 of the 4 others -> 0, 25, 50, 75, 100
    assert lst(c.percentile(frame([1.0, 2.0, 3.0, 4.0, 5.0]))) == [0.0, 25.0, 50.0, 75.0, 100.0]
    # ties count half: [1, 2, 2, 3] -> 0, (1 + 0.5)/3, same, 3/3
    assert lst(c.percentile(frame([1.0, 2.0, 2.0, 3.0]))) == [0.0, 50.0, 50.0, 100.0]
    assert lst(c.percentile(frame([1.0, 2.0, 3.0, 4.0, 5.0], "lower-better"))) == [100.0, 75.0, 50.0, 25.0, 0.0]


def test_quartile_from_percentile():
    assert lst(c.quartile(frame([1.0, 2.0, 3.0, 4.0, 5.0]))) == [4.0, 3.0, 2.0, 1.0, 1.0]


def test_target_range_values_inside_share_the_best_rank():
    f = frame([15.0, 18.0, 9.0, 25.0], "target-range", 10.0, 20.0)
    assert lst(c.rank(f)) == [1.0, 1.0, 3.0, 4.0]


def test_context_indicators_get_no_position():
    f = frame([1.0, 2.0, 3.0, 4.0], "none")
    assert lst(c.rank(f)) == [None] * 4 and lst(c.percentile(f)) == [None] * 4


def test_zscore_median_mean():
    f = frame([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    # mean 5, sample sd = sqrt(32/7)
    sd = math.sqrt(32 / 7)
    assert lst(c.zscore(f))[0] == round((2 - 5) / sd, 6)
    assert set(lst(c.group_mean(f))) == {5.0}
    assert set(lst(c.group_median(f))) == {4.5}


def test_quantiles():
    f = frame([1.0, 2.0, 3.0, 4.0, 5.0])
    assert set(lst(c.group_q25(f))) == {2.0} and set(lst(c.group_q75(f))) == {4.0}


def test_groups_are_independent():
    f = frame([1.0, 2.0, 10.0, 20.0], groups=["a", "a", "b", "b"])
    assert lst(c.group_median(f)) == [1.5, 1.5, 15.0, 15.0]
    assert lst(c.rank(f, min_size=2)) == [2.0, 1.0, 2.0, 1.0]


def test_best_and_distances_are_direction_aware():
    f = frame([10.0, 30.0, 20.0], "lower-better")
    assert lst(c.group_best(f)) == [10.0, 10.0, 10.0]
    assert lst(c.distance_to_best(f)) == [0.0, 20.0, 10.0]
    assert lst(c.distance_to_median(f)) == [-10.0, 10.0, 0.0]
    t = frame([5.0, 12.0, 30.0], "target-range", 10.0, 20.0)
    assert lst(c.group_best(t)) == [12.0, 12.0, 12.0]


def test_ratio_of_sums_uses_complete_pairs_only():
    num = pd.Series([10.0, 20.0, 30.0, 5.0])
    den = pd.Series([100.0, 100.0, np.nan, 50.0])
    keys = [pd.Series(["g", "g", "g", "h"])]
    assert lst(c.ratio_of_sums(num, den, keys)) == [0.15, 0.15, 0.15, 0.1]


def test_yoy_change_needs_the_previous_year():
    v = pd.Series([10.0, 12.0, 7.0, 9.0])
    units = pd.Series(["a", "a", "b", "b"])
    years = pd.Series([2020, 2021, 2020, 2022])
    assert lst(c.yoy_change(v, units, years)) == [None, 2.0, None, None]


def test_registry_names_the_families():
    assert {"rank", "percentile", "quartile", "zscore", "median", "mean", "best", "distance_to_best",
            "distance_to_median", "score", "n"} <= set(c.COMPARE)


def test_compare_table_matches_functions():
    values = pd.DataFrame({"unit": ["a", "b", "c", "d"], "year": 2024, "indicator": "i", "value": [1.0, 2.0, 3.0, 4.0]})
    member = pd.DataFrame({"group": "g", "group_type": "exchange", "unit": ["a", "b", "c", "d"]})
    meta = pd.DataFrame({"indicator": ["i"], "direction": ["lower-better"], "target_low": [np.nan], "target_high": [np.nan]})
    out = c.compare(values, member, meta, min_size=4).set_index("unit")
    assert out.loc["a", "rank"] == 1 and out.loc["d", "rank"] == 4
    assert out.loc["a", "percentile"] == 100 and out.loc["a", "quartile"] == 1
    assert out.loc["b", "median"] == pytest.approx(2.5) and out.loc["b", "best"] == 1.0


def test_compare_counts_the_units_sharing_a_position():
    values = pd.DataFrame({"unit": list("abcde"), "year": 2024, "indicator": "i", "value": [1.0, 1.0, 1.0, 3.0, 4.0]})
    member = pd.DataFrame({"group": "g", "group_type": "exchange", "unit": list("abcde")})
    meta = pd.DataFrame({"indicator": ["i"], "direction": ["lower-better"], "target_low": [np.nan], "target_high": [np.nan]})
    out = c.compare(values, member, meta, min_size=4).set_index("unit")
    assert out["rank"].tolist() == [1, 1, 1, 4, 5]  # three tied at the top share positions 1-3
    assert out["ties"].tolist() == [3, 3, 3, 1, 1]
