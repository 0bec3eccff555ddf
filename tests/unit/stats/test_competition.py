"""Jury scores: normalisation per juror (hand-computed), totals, rank intervals, places by the leader rule."""

from __future__ import annotations

import math
import typing

import numpy as np
import pandas as pd
import pytest

from jstbench.data.competition import Competition
from jstbench.stats.competition import NORMALISE, centre, cube, normalise, places, rank_intervals, totals, zscore

JURORS, ENTRIES, CRITERIA = ["a", "b", "h"], ["x", "y", "z"], ["c1", "c2"]
# h is harsh: on c1 it gives a's scores minus 3, on c2 a's minus 3 as well (same spread as a)
SCORES = {"a": {"c1": (8, 6, 4), "c2": (6, 6, 3)},
          "b": {"c1": (9, 6, 3), "c2": (6, 5, 4)},
          "h": {"c1": (5, 3, 1), "c2": (3, 3, 0)}}
HALF = {"c1": 0.5, "c2": 0.5}


def frame(scores: dict = SCORES, skip: set[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    rows = [(j, e, c, float(v)) for j, by in scores.items() for c, vals in by.items()
            for e, v in zip(ENTRIES, vals, strict=True) if (j, e) not in skip]
    return pd.DataFrame(rows, columns=["juror", "entry", "criterion", "score"])


def adjusted(method: str, df: pd.DataFrame | None = None) -> pd.DataFrame:
    out, _ = normalise(frame() if df is None else df, method, JURORS, ENTRIES, CRITERIA)
    return out.set_index(["juror", "entry", "criterion"])["adjusted"]


def test_centre_removes_the_harsh_jurors_offset():
    # c1: juror means a 6, b 6, h 3; grand mean (18 + 18 + 9) / 9 = 5 -> a: 7 5 3, b: 8 5 2, h: 7 5 3
    # c2: juror means a 5, b 5, h 2; grand mean (15 + 15 + 6) / 9 = 4 -> a: 5 5 2, b: 5 4 3, h: 5 5 2
    adj = adjusted("centre")
    expect = {("a", "c1"): (7, 5, 3), ("b", "c1"): (8, 5, 2), ("h", "c1"): (7, 5, 3),
              ("a", "c2"): (5, 5, 2), ("b", "c2"): (5, 4, 3), ("h", "c2"): (5, 5, 2)}
    for (j, c), vals in expect.items():
        assert [adj[(j, e, c)] for e in ENTRIES] == pytest.approx(vals)
    raw = frame().set_index(["juror", "entry", "criterion"])["score"]
    assert raw[("h", "x", "c1")] != raw[("a", "x", "c1")] and adj[("h", "x", "c1")] == adj[("a", "x", "c1")]


def test_centre_totals_by_hand():
    # entry means c1: x 22/3, y 5, z 8/3; c2: x 5, y 14/3, z 7/3; totals with weights 0.5 / 0.5
    x = centre(cube(frame(), JURORS, ENTRIES, CRITERIA))
    assert totals(x, np.array([0.5, 0.5])) == pytest.approx([37 / 6, 29 / 6, 2.5])


def test_zscore_maps_back_to_the_grand_mean_and_pooled_spread():
    # c1: every juror's z-scores are (+√1.5, 0, −√1.5) (a and h: SD √(8/3); b: SD √6); the pooled SD is
    # √((8/3 + 6 + 8/3) / 3) = √34 / 3, so x gets 5 + √1.5 · √34 / 3 = 5 + √51 / 3 from every juror
    adj = adjusted("zscore")
    for j in JURORS:
        assert [adj[(j, e, "c1")] for e in ENTRIES] == pytest.approx([5 + math.sqrt(51) / 3, 5, 5 - math.sqrt(51) / 3])


def test_zscore_equals_centre_when_jurors_use_the_same_spread():
    same = {"a": {"c1": (8, 6, 4)}, "h": {"c1": (5, 3, 1)}}
    df = frame(same)
    z, _ = normalise(df, "zscore", ["a", "h"], ENTRIES, ["c1"])
    c, _ = normalise(df, "centre", ["a", "h"], ENTRIES, ["c1"])
    assert z["adjusted"].tolist() == pytest.approx(c["adjusted"].tolist())
    assert z["adjusted"].tolist() == pytest.approx([6.5, 4.5, 2.5, 6.5, 4.5, 2.5])  # grand mean 4.5


def test_a_juror_with_zero_variance_is_only_centred_and_named():
    # grand mean (18 + 15) / 6 = 5.5; b: 5 − 5 + 5.5; a (the only juror with a spread, so the pooled SD is a's):
    # 5.5 + (8, 6, 4) − 6
    flat = {"a": {"c1": (8, 6, 4)}, "b": {"c1": (5, 5, 5)}}
    out, constant = normalise(frame(flat), "zscore", ["a", "b"], ENTRIES, ["c1"])
    assert out[out["juror"] == "b"]["adjusted"].tolist() == pytest.approx([5.5, 5.5, 5.5])
    assert out[out["juror"] == "a"]["adjusted"].tolist() == pytest.approx([7.5, 5.5, 3.5])
    assert constant == [("b", "c1")]
    assert normalise(frame(flat), "centre", ["a", "b"], ENTRIES, ["c1"])[1] == []


def test_none_keeps_the_scores_and_unknown_methods_are_refused():
    raw = frame().set_index(["juror", "entry", "criterion"])["score"]
    assert adjusted("none").sort_index().tolist() == raw.sort_index().tolist()
    with pytest.raises(ValueError, match="unknown normalisation 'minmax'"):
        normalise(frame(), "minmax", JURORS, ENTRIES, CRITERIA)


def test_registered_methods_are_the_ones_konkurs_yml_accepts():
    allowed = typing.get_args(Competition.model_fields["normalise"].annotation)
    assert set(NORMALISE) == set(allowed) == {"zscore", "centre", "none"}
    x = cube(frame(), JURORS, ENTRIES, CRITERIA)
    assert np.allclose(NORMALISE["zscore"](x), zscore(x))


def test_identical_scores_are_ex_aequo():
    same = {j: {"c1": (7, 7, 3)} for j in JURORS}
    same["b"] = {"c1": (8, 8, 2)}
    r = rank_intervals(frame(same), {"c1": 1.0}, JURORS, ENTRIES, "centre", runs=300, seed=3)
    t = r.table.set_index("entry")
    assert t.loc["x", "total"] == t.loc["y", "total"]
    assert t.loc["x", "place"] == t.loc["y", "place"] == 1 and t.loc["x", "ex_aequo"] and t.loc["y", "ex_aequo"]
    assert t.loc["y", "p_above"] == 0  # the one above never ranks strictly better
    assert t.loc["z", "place"] == 3 and not t.loc["z", "ex_aequo"]


def test_a_clear_winner_is_never_tied():
    r = rank_intervals(frame(), HALF, JURORS, ENTRIES, "zscore", runs=500, seed=0)
    t = r.table
    assert t["entry"].tolist() == ["x", "y", "z"]
    assert t["place"].tolist() == [1, 2, 3] and not t["ex_aequo"].any()
    assert t["p_above"].iloc[1:].tolist() == [1.0, 1.0]
    assert (t["rank_low"] == t["rank_high"]).all() and t["rank_low"].tolist() == [1, 2, 3]


def test_places_follow_the_leader_rule():
    """Ten runs of entries A–D sorted by total (E never scored): 6 runs rank them A B C D, 2 runs A C B D, 2 runs
    A B D C. B ranks better than C in 8 of 10 runs (< 0.9: ex aequo), C better than D in 8 (a chain rule would tie D
    with C, hence with B), but B, the head of C's place, beats D in 10 of 10: D heads place 4."""
    orders = [[1, 2, 3, 4]] * 6 + [[1, 3, 2, 4]] * 2 + [[1, 2, 4, 3]] * 2
    boot = np.array([[*o, np.nan] for o in orders], dtype=float)
    place, tied, share = places(boot, 0.9)
    assert place[:4].tolist() == [1, 2, 2, 4] and np.isnan(place[4])
    assert tied.tolist() == [False, True, True, False, False]
    assert share[1:4].tolist() == [1.0, 0.8, 1.0]


def test_an_entry_unscored_in_a_run_is_left_out_and_counted():
    # x is scored only by a (b and h have a conflict): a run that draws no a leaves x without a total
    df = frame(skip={("b", "x"), ("h", "x")})
    runs, seed = 400, 11
    r = rank_intervals(df, HALF, JURORS, ENTRIES, "none", runs=runs, seed=seed)
    draws = np.random.default_rng(seed).integers(0, 3, size=(runs, 3))
    expected = int((~(draws == 0).any(axis=1)).sum())
    t = r.table.set_index("entry")
    assert t.loc["x", "unscored_runs"] == expected > 0
    assert t.loc["y", "unscored_runs"] == 0 and r.runs == runs
    assert t.loc["x", "total"] == pytest.approx(0.5 * 8 + 0.5 * 6)  # a's own scores


def test_rank_intervals_are_reproducible_with_the_seed():
    a = rank_intervals(frame(), HALF, JURORS, ENTRIES, runs=200, seed=5).table
    b = rank_intervals(frame(), HALF, JURORS, ENTRIES, runs=200, seed=5).table
    pd.testing.assert_frame_equal(a, b)


def test_weights_must_sum_to_one():
    with pytest.raises(ValueError, match="sum to 1"):
        rank_intervals(frame(), {"c1": 1.0, "c2": 1.0}, JURORS, ENTRIES)
