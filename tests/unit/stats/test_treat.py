import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jstbench.core.errors import InputError
from jstbench.stats.composite import treat as t
from jstbench.stats.composite.registry import TREAT


def col(values, name="a"):
    return pd.DataFrame({name: values}, dtype=float)


def scipy_skew_kurt(v):
    v = np.asarray(v, dtype=float)
    v = v[~np.isnan(v)]
    return stats.skew(v, bias=False), stats.kurtosis(v, bias=False)


def coinr_winsorise(v, limit, skew=2.0, kurt=3.5):
    """COINr's winsorise() loop, transcribed: while |skew| ≥ 2 and kurt ≥ 3.5, set the points at the max (skew ≥ 0)
    or at the min to the next value; here it stops before a step would exceed `limit` points (COINr checks
    nwin < winmax before the step; the two agree without ties)."""
    x = np.asarray(v, dtype=float).copy()
    ok = ~np.isnan(x)
    done = np.zeros(len(x), bool)
    while True:
        sk, kt = scipy_skew_kurt(x)
        if not (abs(sk) >= skew and kt >= kurt):
            return x
        end = np.nanmax(x) if sk >= 0 else np.nanmin(x)
        at = ok & (x == end)
        if (done | at).sum() > limit:
            return x
        rest = x[ok & ~at]
        x[at] = rest.max() if sk >= 0 else rest.min()
        done |= at


# --- the estimators and the rule ---------------------------------------------------------------------------------


def test_skew_kurt_hand_computed_and_equal_to_scipy():
    # [0, 0, 0, 4]: n 4, mean 1, deviations -1 -1 -1 3: m2 = 12/4 = 3, m3 = 24/4 = 6, m4 = 84/4 = 21
    # G1 = 6 / 3^1.5 · √(4·3) / 2 = 2;  G2 = ((4+1)(21/9 − 3) + 6) · 3 / (2 · 1) = (−10/3 + 6) · 1.5 = 4
    sk, kt = t.skew_kurt(col([0, 0, 0, 4]))
    assert math.isclose(sk[0], 2.0) and math.isclose(kt[0], 4.0)
    rng = np.random.default_rng(1)
    v = np.column_stack([rng.lognormal(size=300), rng.normal(size=300), -rng.pareto(2.0, 300) * 1e6])
    v[::7, 0] = np.nan
    sk, kt = t.skew_kurt(v)
    for c in range(3):
        assert np.allclose((sk[c], kt[c]), scipy_skew_kurt(v[:, c]), rtol=1e-10)
    # too few values (kurtosis needs 4) or constant: no statistics, never treated
    sk, kt = t.skew_kurt(np.array([[1.0, 5.0], [2.0, 5.0], [9.0, 5.0], [np.nan, 5.0]]))
    assert np.isnan(sk).all() and np.isnan(kt).all()


def test_rule_is_skew_and_kurtosis_at_or_above_the_thresholds():
    x = col([0, 0, 0, 4, np.nan])  # skew 2, kurtosis 4 (above)
    assert t.winsorise(x, skew=2 - 1e-9).indicators["method"][0] == "winsorise"
    assert t.winsorise(x, skew=2 + 1e-9).indicators["method"][0] == "none"
    assert t.winsorise(x, skew=2 - 1e-9, kurt=4 + 1e-9).indicators["method"][0] == "none"  # both must fail


# --- winsorisation -----------------------------------------------------------------------------------------------


def test_coinr_documented_example():
    # COINr reference, winsorise(c(1:10, 30, 100)): x becomes 1..10, 30, 30; nwin 1; point 12 "winhi".
    # skew/kurt before 3.06 / 9.74 (fail), after 1.71 / 1.82 (pass)
    out = t.winsorise(col([*range(1, 11), 30, 100]))
    assert out.values["a"].tolist() == [*range(1, 11), 30, 30]
    log = out.log[["unit", "indicator", "method", "original", "treated"]]
    assert log.values.tolist() == [[11, "a", "winsorise", 100.0, 30.0]]
    row = out.indicators.iloc[0]
    assert (row["method"], row["points"]) == ("winsorise", 1)
    moments = row[["skew_before", "kurt_before", "skew_after", "kurt_after"]].to_numpy(float)
    assert np.allclose(moments, [3.0632, 9.7414, 1.7120, 1.8158], atol=1e-4)


def test_max_share_limits_the_points_winsorised():
    # 1..20, 200, 300, 400 (n 23): skew 2.71, kurt 6.59 fail
    x = col([*range(1, 21), 200, 300, 400])
    # max_share 0.05: ⌊1.15⌋ = 1 point: 400 -> 300; still failing (2.49, 4.91) but the limit is reached
    one = t.winsorise(x, max_share=0.05)
    assert one.values["a"].tolist()[-3:] == [200, 300, 300]
    assert one.indicators["points"][0] == 1 and one.indicators["skew_after"][0] > 2
    # 0.1: ⌊2.3⌋ = 2: 400 -> 300, then both 300 -> 200 (2.32, 3.76: still failing)
    assert t.winsorise(x, max_share=0.1).values["a"].tolist()[-3:] == [200, 200, 200]
    # 0.2: ⌊4.6⌋ = 4: the three -> 20 after 3 points (-0.16, -1.32: passes), no 4th point
    four = t.winsorise(x, max_share=0.2)
    assert four.values["a"].tolist()[-4:] == [20, 20, 20, 20]
    assert four.log["original"].tolist() == [200, 300, 400] and four.log["unit"].tolist() == [20, 21, 22]
    # fewer than 20 points: still 1 point may be winsorised
    assert t.winsorise(col([*range(1, 11), 30, 100]), max_share=0.01).indicators["points"][0] == 1


def test_tied_extremes_are_winsorised_together_within_the_limit():
    # 1..30, 100, 100 (n 32): skew 2.90, kurt 8.92 fail; the two 100s are one step of 2 points
    x = col([*range(1, 31), 100, 100])
    assert t.winsorise(x, max_share=0.05).indicators["method"][0] == "none"  # limit ⌊1.6⌋ = 1 < 2: not even one step
    out = t.winsorise(x, max_share=0.1)  # limit 3
    assert out.values["a"].tolist()[-3:] == [30, 30, 30] and out.indicators["points"][0] == 2


def test_low_outliers_winsorised_from_the_bottom_nan_kept():
    out = t.winsorise(col([-100, np.nan, *range(1, 11), -30]))  # the mirror image of COINr's example, with a NaN
    assert out.values["a"].tolist()[0] == -30 and math.isnan(out.values["a"][1])
    assert out.log[["unit", "original", "treated"]].values.tolist() == [[0, -100.0, -30.0]]


def test_symmetric_column_untouched():
    x = pd.DataFrame({"n": np.random.default_rng(2).normal(size=500)})
    for method in TREAT:
        out = t.treat(x, method)
        assert out.values.equals(x) and out.log.empty and out.indicators["method"][0] == "none"


def test_same_as_coinr_loop_on_random_heavy_tailed_columns():
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"lognormal": rng.lognormal(0, 1.3, 400), "pareto": np.round(rng.pareto(1.2, 400), 1),  # rounded: ties
                      "negative": -rng.lognormal(0, 1, 400) - 50, "normal": rng.normal(size=400)})
    x.iloc[::11, 0] = np.nan
    out = t.winsorise(x, max_share=0.1)
    for c in x.columns:
        expected = coinr_winsorise(x[c], max(1, int(0.1 * x[c].notna().sum())))
        assert np.array_equal(out.values[c].to_numpy(), expected, equal_nan=True), c
        changed = x[c].to_numpy() != expected
        assert sorted(out.log.loc[out.log["indicator"] == c, "unit"]) == list(x.index[changed & x[c].notna().to_numpy()])


# --- transforms --------------------------------------------------------------------------------------------------


def heavy():
    rng = np.random.default_rng(4)
    x = pd.DataFrame({"cost": rng.pareto(0.7, 300), "normal": rng.normal(size=300), "range": rng.lognormal(0, 1.5, 300)})
    x.iloc[5, 0] = np.nan
    return x


def test_log_only_failing_columns_coinr_log_ct():
    x = heavy()
    out = t.treat(x, "log", skip={"range"})
    c = x["cost"]
    lo, hi = c.min(), c.max()
    assert np.allclose(out.values["cost"], np.log(c - lo + 0.01 * (hi - lo)), equal_nan=True)  # ln(x − min + 0.01 · range)
    assert math.isnan(out.values["cost"][5])
    assert out.values["normal"].equals(x["normal"]) and out.values["range"].equals(x["range"])  # passes; skipped
    assert out.log[["unit", "indicator", "method"]].values.tolist() == [[None, "cost", "log"]]
    assert out.indicators.set_index("indicator")["method"].to_dict() == {"cost": "log", "normal": "none", "range": "none"}
    assert out.indicators["points"].tolist() == [299, 0, 0]


def test_log_of_a_left_skewed_column_is_mirrored():
    x = col(-heavy()["range"].to_numpy())
    lo, hi = x["a"].min(), x["a"].max()
    out = t.treat(x, "log")
    assert np.allclose(out.values["a"], -np.log(hi - x["a"] + 0.01 * (hi - lo)))  # −ln(max − x + a)
    assert abs(out.indicators["skew_after"][0]) < abs(out.indicators["skew_before"][0])


def test_boxcox_only_failing_columns_lambda_by_maximum_likelihood():
    x = heavy()
    out = t.treat(x, "boxcox")
    assert out.values["normal"].equals(x["normal"])
    c = x["cost"].dropna()
    shifted = c - c.min() + 0.01 * (c.max() - c.min())
    lam = stats.boxcox_normmax(shifted, method="mle")
    assert out.log.set_index("indicator").loc["cost", "parameter"] == pytest.approx(lam, rel=1e-4)
    assert np.allclose(out.values["cost"].dropna(), stats.boxcox(shifted, lam), rtol=1e-4)
    assert math.isnan(out.values["cost"][5])
    assert set(out.log["indicator"]) == {"cost", "range"} and out.log["unit"].isna().all()
    assert (out.indicators.set_index("indicator").loc[["cost", "range"], "skew_after"].abs() < 2).all()  # now passing


def test_winsorise_log_coinr_default():
    x = heavy()
    out = t.treat(x, "winsorise_log")
    # cost: still failing after 5% (14 of 299 points): log_CT of the ORIGINAL values (COINr's combine_treat = FALSE)
    c = x["cost"]
    assert np.allclose(out.values["cost"], np.log(c - c.min() + 0.01 * (c.max() - c.min())), equal_nan=True)
    # range: passes after 11 points, not logged
    assert out.values["range"].equals(t.winsorise(x[["range"]]).values["range"])
    assert out.indicators.set_index("indicator")["method"].to_dict() == {"cost": "log", "normal": "none", "range": "winsorise"}
    assert out.log.groupby("indicator").size().to_dict() == {"cost": 1, "range": 11}
    # skipped: winsorised up to the limit though still failing, never transformed
    kept = t.treat(x, "winsorise_log", skip={"cost"}).indicators.set_index("indicator").loc["cost"]
    assert (kept["method"], kept["points"]) == ("winsorise", 14) and kept["skew_after"] > 2


def test_every_method_keeps_labels_and_the_log_columns():
    x = heavy().set_axis([f"u{i}" for i in range(300)])
    for method in TREAT:
        out = t.treat(x, method)
        assert out.values.index.equals(x.index) and list(out.values.columns) == list(x.columns)
        assert list(out.log.columns) == ["unit", "indicator", "method", "original", "treated", "parameter"]
        assert list(out.indicators.columns) == ["indicator", "skew_before", "kurt_before", "skew_after", "kurt_after", "method",
                                                "points"]
    assert t.treat(x, "winsorise").log["unit"].str.startswith("u").all()


def test_errors():
    x = col([1, 2, 3, 4])
    with pytest.raises(InputError, match="unknown treatment method 'trim'"):
        t.treat(x, "trim")
    with pytest.raises(InputError, match=r"unknown treatment parameter\(s\) \['winmax'\]"):
        t.treat(x, "winsorise", winmax=5)
    with pytest.raises(InputError, match="max_share"):
        t.treat(x, "winsorise", max_share=0.5)
    with pytest.raises(InputError, match="numeric"):
        t.treat(pd.DataFrame({"a": ["x", "y"]}))
