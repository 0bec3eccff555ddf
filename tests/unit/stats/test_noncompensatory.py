import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from jstbench.core.errors import InputError
from jstbench.stats.composite import noncompensatory as nc
from jstbench.stats.composite.aggregate import arithmetic
from jstbench.stats.composite.registry import AGGREGATE


def lst(values):
    return [None if (isinstance(v, float) and math.isnan(v)) else round(float(v), 6) for v in np.ravel(values)]


def frame(rows: dict[str, list[float]], columns=None) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns, dtype=float)


# --- Copeland -------------------------------------------------------------------------------------------------------


def test_outranking_reproduces_the_handbook_tai_example():
    """Handbook 2008, section 6.13: Table 35 (five TAI countries, raw values, equal weights 1/8) gives the
    outranking matrix of Table 36. E.g. Finland vs USA: Finland is better on internet, telephones, electricity
    and university, 4 · 1/8 = 0.5."""
    tai = pd.DataFrame({"patents": [187, 289, 271, 994, 779], "royalties": [125.6, 130, 156.6, 64.6, 9.8],
                        "internet": [200.2, 179.1, 125.8, 49, 4.8], "exports": [50.7, 66.2, 59.7, 80.8, 66.7],
                        "telephones": [3.080, 2.997, 3.096, 3.003, 2.972], "electricity": [4.150, 4.073, 4.145, 3.865, 3.653],
                        "schooling": [10, 12, 11.4, 9.5, 10.8], "university": [27.4, 13.9, 15.3, 10, 23.2]},
                       index=["Finland", "USA", "Sweden", "Japan", "Korea"], dtype=float)
    w = pd.Series(1 / 8, index=tai.columns)
    e = nc.outranking(tai, w)
    assert list(e.index) == list(e.columns) == list(tai.index)
    assert lst(e) == [None, 0.5, 0.375, 0.75, 0.625,
                      0.5, None, 0.5, 0.625, 0.625,
                      0.625, 0.5, None, 0.75, 0.625,
                      0.25, 0.375, 0.25, None, 0.75,
                      0.375, 0.375, 0.375, 0.25, None]
    # wins − losses from the rows (0.5 = tie): Finland ties USA, loses to Sweden, beats Japan and Korea: +1;
    # USA ties Finland and Sweden, beats Japan and Korea: +2; Sweden +3; Japan beats only Korea: −2; Korea −4
    assert lst(nc.net_wins(tai, w)) == [1.0, 2.0, 3.0, -2.0, -4.0]
    # 0–100: 50 + 50 · net / (n − 1) = 50 + 12.5 · net
    scores = nc.copeland(tai, w)
    assert scores.name == "score" and list(scores.index) == list(tai.index)
    assert lst(scores) == [62.5, 75.0, 87.5, 25.0, 0.0]


def handbook_profile(orders: list[str], countries: str) -> pd.DataFrame:
    """One column per group of indicators ranking the countries in the given order (first = best): value =
    number of countries below."""
    return pd.DataFrame({f"g{i}": {c: len(order) - 1 - order.index(c) for c in countries} for i, order in enumerate(orders)},
                        dtype=float)


def test_condorcet_winner_of_the_handbook_beats_the_mean_winner():
    """Handbook 2008, Table 25: 21 indicators rank four countries, in four groups of 3, 5, 7 and 6 indicators
    (orders abcd, acbd, bdca, cbda); the weights are the group sizes. Its outranking matrix is Table 27 (in
    numbers of indicators): e_ab = 3 + 5 = 8, e_ba = 7 + 6 = 13, e_bc = 3 + 7 = 10, e_cb = 5 + 6 = 11, e_bd = 21,
    e_cd = 3 + 5 + 6 = 14, e_dc = 7. c beats everyone (Condorcet winner), b beats a and d, d beats a:
    c > b > d > a, as the handbook finds."""
    x = handbook_profile(["abcd", "acbd", "bdca", "cbda"], "abcd")
    w = pd.Series([3.0, 5.0, 7.0, 6.0], index=x.columns)
    assert lst(nc.outranking(x, w) * 21) == [None, 8, 8, 8, 13, None, 10, 21, 13, 11, None, 14, 13, 0, 7, None]
    assert lst(nc.net_wins(x, w)) == [-3, 1, 3, -1]
    assert lst(nc.copeland(x, w)) == [0.0, round(200 / 3, 6), 100.0, round(100 / 3, 6)]
    # the weighted mean of these rank scores is Borda's count / 21 (a 24, b 44, c 38, d 20): it picks b, not c
    assert arithmetic(x, w).idxmax() == "b"


def test_a_condorcet_cycle_is_a_tie():
    """Handbook 2008, Table 28 (Condorcet's own example): 60 indicators, groups of 23, 17, 2, 10, 8 ranking
    abc, bca, bac, cab, cba. Table 30: e_ab = 23 + 10 = 33, e_bc = 23 + 17 + 2 = 42, e_ca = 10 + 17 + 8 = 35:
    a beats b, b beats c, c beats a — one win and one loss each, so all three get 50."""
    x = handbook_profile(["abc", "bca", "bac", "cab", "cba"], "abc")
    w = [23.0, 17.0, 2.0, 10.0, 8.0]
    assert lst(nc.outranking(x, w) * 60) == [None, 33, 25, 27, None, 42, 35, 18, None]
    assert lst(nc.copeland(x, w)) == [50.0, 50.0, 50.0]


def test_a_failure_on_one_indicator_is_not_hidden():
    """A is excellent on one indicator and poor on two: best on the mean, last on Copeland. Equal weights 1/3;
    e_AB = 1/3 (A better on i only), e_AC = 1/3 (i only), e_BC = 2/3 (i and j): B beats A and C, C beats A."""
    x = frame({"A": [100, 30, 30], "B": [40, 50, 50], "C": [20, 40, 60]}, ["i", "j", "k"])
    w = pd.Series(1 / 3, index=x.columns)
    assert lst(arithmetic(x, w)) == [round(160 / 3, 6), round(140 / 3, 6), 40.0]  # A first
    assert lst(nc.outranking(x, w)) == lst([np.nan, 1 / 3, 1 / 3, 2 / 3, np.nan, 2 / 3, 2 / 3, 1 / 3, np.nan])
    assert lst(nc.copeland(x, w)) == [0.0, 100.0, 50.0]  # B: +2, C: 0, A: −2


def test_equal_values_count_half_and_weights_decide():
    # X = (1, 2), Y = (1, 1), weights ½ each: e_XY = ½ (j) + ½ · ½ (i equal) = 0.75
    assert lst(nc.outranking(frame({"X": [1, 2], "Y": [1, 1]}), [0.5, 0.5])) == [None, 0.75, 0.25, None]
    # X = (1, 2), Y = (2, 1): each better on one indicator; equal weights tie (50 each), else the heavier one wins
    x = frame({"X": [1, 2], "Y": [2, 1]})
    assert lst(nc.copeland(x, [0.5, 0.5])) == [50.0, 50.0]
    assert lst(nc.copeland(x, [0.6, 0.4])) == [0.0, 100.0]
    # a weight sum equal up to rounding is still a tie: 0.1 + 0.2 on one side, 0.3 on the other
    assert lst(nc.net_wins(frame({"X": [1, 1, 0], "Y": [0, 0, 1]}), [0.1, 0.2, 0.3])) == [0.0, 0.0]


def test_missing_values_compare_over_the_indicators_both_have():
    """P and Q share i and j, on which each is better once: e_PQ = ½, a tie. P and R share nothing: no
    comparison, a tie. Q and R share k, where Q is better: e_QR = 1. S has no value: NaN, and not counted in
    n = 3, so 50 + 25 · net."""
    x = frame({"P": [1, 2, np.nan], "Q": [2, 1, 5], "R": [np.nan, np.nan, 1], "S": [np.nan] * 3})
    w = [1 / 3] * 3
    assert lst(nc.outranking(x, w)) == [None, 0.5, None, None, 0.5, None, 1.0, None, None, 0.0, None, None, None, None, None, None]
    assert lst(nc.net_wins(x, w)) == [0.0, 1.0, -1.0, None]
    assert lst(nc.copeland(x, w)) == [50.0, 75.0, 25.0, None]


def reference_outranking(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The definition, pair by pair."""
    n = len(v)
    e = np.full((n, n), np.nan)
    for j in range(n):
        for k in range(n):
            both = ~np.isnan(v[j]) & ~np.isnan(v[k])
            if j != k and w[both].sum() > 0:
                e[j, k] = (w[both & (v[j] > v[k])].sum() + 0.5 * w[both & (v[j] == v[k])].sum()) / w[both].sum()
    return e


def test_row_blocks_give_the_pairwise_definition(monkeypatch):
    rng = np.random.default_rng(3)
    v = rng.integers(0, 4, size=(40, 5)).astype(float)  # few distinct values: many equal pairs
    v[rng.random(v.shape) < 0.2] = np.nan
    w = rng.uniform(0.1, 1.0, size=(5, 3))
    monkeypatch.setattr(nc, "BLOCK_BYTES", 8 * 40 * 8 * 3)  # 3 rows per block
    e = reference_outranking(v, w[:, 0])
    assert np.allclose(nc.outranking(v, w[:, 0]), e, equal_nan=True)
    net = np.nansum(np.sign(np.where(np.isclose(e, 0.5), 0.0, e - 0.5)), axis=1)
    assert np.array_equal(nc.net_wins(v, w[:, 0]), net)
    # a k × m weight matrix gives one column per weight vector
    matrix = nc.copeland(v, w)
    assert matrix.shape == (40, 3)
    for j in range(3):
        assert np.allclose(matrix[:, j], nc.copeland(v, w[:, j]))


def test_weight_matrix_on_a_frame_keeps_the_unit_labels():
    x = frame({"X": [1, 2], "Y": [2, 1]})
    out = nc.copeland(x, np.array([[0.6, 0.4, 0.5], [0.4, 0.6, 0.5]]))
    assert isinstance(out, pd.DataFrame) and list(out.index) == ["X", "Y"]
    assert lst(out) == [0.0, 100.0, 50.0, 100.0, 0.0, 50.0]


def test_registered_and_checked():
    assert AGGREGATE["copeland"] is nc.copeland and AGGREGATE["bod"] is nc.bod
    x = frame({"X": [1, 2], "Y": [2, 1]}, ["a", "b"])
    with pytest.raises(InputError, match="finite and ≥ 0"):
        nc.copeland(x, {"a": 1.0, "b": -1.0})
    with pytest.raises(InputError, match=r"one row per indicator \(2\)"):
        nc.bod(x.to_numpy(), [0.5, 0.3, 0.2])
    with pytest.raises(InputError, match="no weight for indicator"):
        nc.bod(x, {"a": 1.0})
    with pytest.raises(InputError, match="one weight vector"):
        nc.outranking(x.to_numpy(), np.ones((2, 2)))
    with pytest.raises(InputError, match="tolerance must be ≥ 0"):
        nc.bod(x, {"a": 1.0, "b": 1.0}, tolerance=-0.1)


# --- benefit of the doubt -------------------------------------------------------------------------------------------


def two_indicators() -> pd.DataFrame:
    return frame({"A": [4, 1], "B": [1, 4], "C": [3, 3], "D": [2, 2], "E": [1, 1]}, ["i", "j"])


def test_bod_hand_solved_two_indicators():
    """Unrestricted: the frontier is A–C–B (C lies above the line A–B, x + y = 5). A is best on i alone
    (w = (1/4, 0)), B on j alone, C = (3, 3) with w = (1/6, 1/6): all 1. D and E lie on the ray through C: 2/3, 1/3.

    Equal weights, tolerance ½: shares s_i = w_i y_ci / Σ w y_c within [¼, ¾]. For A the binding constraint is
    C's, and A puts the most it may on i: s_i = 4 w_i / (4 w_i + w_j) = ¾ gives w_j = 4 w_i / 3; A's composite is
    4 w_i + 4 w_i / 3 = 16 w_i / 3 and C's is 3 w_i + 4 w_i = 7 w_i ≤ 1, so A = 16/21 (B alike). C keeps
    shares (½, ½) and stays at 1; D and E are bound by C on the ray as before.

    Tolerance 0 fixes the shares at ½: A's z = max_j ½ (y_ji / 4 + y_jj / 1) = B's ½ (¼ + 4) = 17/8, so 8/17."""
    x = two_indicators()
    w = {"i": 0.5, "j": 0.5}
    assert lst(nc.bod(x, w, tolerance=None)) == [100.0, 100.0, 100.0, round(200 / 3, 6), round(100 / 3, 6)]
    restricted = nc.bod(x, w)
    assert restricted.name == "score" and list(restricted.index) == list("ABCDE")
    assert lst(restricted) == [round(1600 / 21, 6), round(1600 / 21, 6), 100.0, round(200 / 3, 6), round(100 / 3, 6)]
    assert lst(nc.bod(x, w, tolerance=0)) == [round(800 / 17, 6), round(800 / 17, 6), 100.0, round(200 / 3, 6), round(100 / 3, 6)]


def test_bod_missing_values_score_a_unit_over_what_it_has():
    """G has only j (its share is 1): z = max_j y_jj / 3 = 4/3 (B), so 75 with or without restrictions. G's
    constraint row (0, 3) is dominated by B's, so nobody else moves. H has nothing: NaN."""
    x = pd.concat([two_indicators(), frame({"G": [np.nan, 3], "H": [np.nan, np.nan]}, ["i", "j"])])
    for tolerance in (None, 0.5):
        out = nc.bod(x, {"i": 0.5, "j": 0.5}, tolerance=tolerance)
        assert lst(out[["G", "H"]]) == [75.0, None]
        assert lst(out.iloc[:5]) == lst(nc.bod(two_indicators(), {"i": 0.5, "j": 0.5}, tolerance=tolerance))


def test_bod_shifts_non_positive_data_and_penalises_a_zero():
    """Min-max data with zeros are shifted by 1: X = (1, 101), Y = (101, 1), Z = (51, 51), Z on the segment X–Y.
    Unrestricted, all three are on the frontier. With shares in [¼, ¾], X must give ≥ ¼ of its composite to
    its failed indicator: z = max(Y: 101 · ¼ + ¾ / 101, Z: 51 · ¼ + 51 · ¾ / 101) = 25.25 + 0.75 / 101."""
    x = frame({"X": [0, 100], "Y": [100, 0], "Z": [50, 50]})
    assert lst(nc.bod(x, [0.5, 0.5], tolerance=None)) == [100.0, 100.0, 100.0]
    out = nc.bod(x, [0.5, 0.5])
    assert lst(out) == lst(nc.bod(x + 1, [0.5, 0.5]))
    assert lst(out) == lst([100 / (25.25 + 0.75 / 101)] * 2 + [100.0])


def test_bod_lower_and_upper_share_bounds_both_bind():
    """Three indicators, equal weights, tolerance ½: shares within [1/6, ½].
    U1 = (2, 2, 1) must give its weak k at least 1/6: against U2 = (1, 1, 8), z = ½ · 5/6 + 8 · 1/6 = 7/4, so 4/7
    (with s_k = 0, as without restrictions, it would be on the frontier).
    U2 may give its strong k at most ½: against U1, z = 2 · ½ + ⅛ · ½ = 17/16, so 16/17 (all on k: 1)."""
    x = frame({"U1": [2, 2, 1], "U2": [1, 1, 8]})
    assert lst(nc.bod(x, [1, 1, 1])) == [round(400 / 7, 6), round(1600 / 17, 6)]
    assert lst(nc.bod(x, [1, 1, 1], tolerance=None)) == [100.0, 100.0]


def reference_bod(v: np.ndarray, w: np.ndarray, tolerance: float | None) -> np.ndarray:
    """The documented LP unit by unit in the weights themselves (Handbook eq. 22 plus pie-share rows), every
    unit's constraint included (missing = 0), no dominance filter, no batching."""
    y = np.nan_to_num(v, nan=0.0)
    out = []
    for c in range(len(v)):
        used = ~np.isnan(v[c])
        yc, share = y[c, used], w[used] / w[used].sum()
        rows = [y[:, used]]
        if tolerance is not None:
            rows += [np.outer(share * (1 - tolerance), yc) - np.diag(yc), np.diag(yc) - np.outer(share * (1 + tolerance), yc)]
        a = np.vstack(rows)
        lp = linprog(-yc, A_ub=a, b_ub=np.r_[np.ones(len(v)), np.zeros(len(a) - len(v))], method="highs")
        out.append(-100 * lp.fun)
    return np.array(out)


def test_bod_matches_the_lp_in_weights_for_every_batch_size(monkeypatch):
    rng = np.random.default_rng(5)
    v = rng.uniform(1, 100, size=(60, 4))
    v[rng.random(v.shape) < 0.1] = np.nan
    w = rng.uniform(0.5, 1.5, size=(4, 2))
    restricted, free = nc.bod(v, w), nc.bod(v, w, tolerance=None)
    assert restricted.shape == (60, 2)
    for j in range(2):
        assert np.allclose(restricted[:, j], reference_bod(v, w[:, j], 0.5), atol=1e-6)
        assert np.allclose(free[:, j], reference_bod(v, w[:, j], None), atol=1e-6)
    assert (restricted > 0).all() and (restricted <= 100 + 1e-9).all() and np.allclose(free.max(axis=0), 100)
    assert (restricted <= free + 1e-9).all() and (restricted < free - 1).any()  # the restrictions bind somewhere
    monkeypatch.setattr(nc, "LP_NONZEROS", 1)  # one unit per LP
    assert np.allclose(nc.bod(v, w[:, 1]), restricted[:, 1], atol=1e-7)
