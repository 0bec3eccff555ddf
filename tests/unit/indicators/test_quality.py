import math

import pandas as pd

from jstbench.indicators.quality import coverage, quality_flags, robust_z, yoy_relative
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


def test_coverage_by_variable_and_year():
    obs = pd.DataFrame({"unit": ["a", "a", "b", "b"], "year": [2023, 2024, 2023, 2024], "variable": "x",
                        "value": [1.0, None, 2.0, 3.0], "flag": None})
    by_var = coverage(obs, None, "variable")
    assert by_var.loc["x", "coverage_pct"] == 75.0
    by_year = coverage(obs, None, "year")
    assert by_year["coverage_pct"].to_dict() == {2024: 50.0, 2023: 100.0}


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
