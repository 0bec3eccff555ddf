"""CAF consolidation, criterion scores, change and group distribution against hand computations."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from jstbench.stats.caf import assessor_range, change, consolidate, criterion_scores, group_distribution


def frame(rows: list[tuple[str, str, int, str, str, float]]) -> pd.DataFrame:
    """(assessor, sub-criterion, criterion, kind, assessment, points) of unit "u"."""
    return pd.DataFrame([{"unit": "u", "assessment": a, "assessor": who, "panel": "fine", "criterion": c,
                          "subcriterion": s, "kind": k, "points": p} for who, s, c, k, a, p in rows])


SCORES = frame([
    ("a", "1.1", 1, "enabler", "2024", 10.0), ("b", "1.1", 1, "enabler", "2024", 30.0), ("c", "1.1", 1, "enabler", "2024", 80.0),
    ("a", "1.2", 1, "enabler", "2024", 50.0), ("b", "1.2", 1, "enabler", "2024", 50.0), ("c", "1.2", 1, "enabler", "2024", 56.0),
    ("a", "6.1", 6, "result", "2024", 20.0), ("b", "6.1", 6, "result", "2024", 40.0), ("c", "6.1", 6, "result", "2024", 60.0),
])


def test_consolidate_by_hand():
    c = consolidate(SCORES).set_index("subcriterion")
    # 1.1: 10, 30, 80 -> mean 40, median 30, spread 70, sd sqrt(((−30)² + (−10)² + 40²) / 2) = sqrt(1300)
    assert c.loc["1.1", ["n", "mean", "median", "min", "max", "spread"]].tolist() == [3, 40, 30, 10, 80, 70]
    assert c.loc["1.1", "sd"] == pytest.approx(math.sqrt(1300))
    # 1.2: 50, 50, 56 -> spread 6; 6.1: 20, 40, 60 -> spread exactly 40, the default threshold
    assert c["consensus_needed"].to_dict() == {"1.1": True, "1.2": False, "6.1": True}
    assert consolidate(SCORES, threshold=41)["consensus_needed"].tolist() == [True, False, False]


def test_one_assessor_has_no_standard_deviation():
    c = consolidate(SCORES[SCORES["assessor"] == "a"])
    assert c["n"].tolist() == [1, 1, 1] and c["sd"].isna().all() and (c["spread"] == 0).all()


def test_criterion_scores_and_totals_by_hand():
    s = criterion_scores(consolidate(SCORES)).set_index("item")
    # criterion 1 = (40 + 52) / 2 = 46; criterion 6 = 40; enablers 46, results 40, overall (46 + 40) / 2 = 43
    assert s["score"].to_dict() == pytest.approx({"1": 46, "6": 40, "enablers": 46, "results": 40, "overall": 43})
    assert s.loc["1", ["spread_mean", "spread_max", "consensus", "subcriteria", "assessors"]].tolist() == [38, 70, 1, 2, 3]
    assert s.loc["overall", ["consensus", "subcriteria"]].tolist() == [2, 3]
    assert math.isnan(s.loc["overall", "criterion"]) and s.loc["6", "criterion"] == 6


def test_assessor_range_by_hand():
    r = assessor_range(SCORES).set_index("item")
    # own criterion 1: a (10 + 50) / 2 = 30, b 40, c 68; overall per assessor: a (30 + 20) / 2 = 25, b 40, c 64
    assert r.loc["1", ["low", "high"]].tolist() == [30, 68]
    assert r.loc["overall", ["low", "high"]].tolist() == [25, 64]


def test_change_to_the_latest_earlier_assessment():
    c = pd.DataFrame({"unit": ["u", "u", "u", "v"], "assessment": ["2020", "2022", "2024", "2024"], "item": "1",
                      "score": [30.0, 45.0, 50.0, 60.0]})
    out = change(c).set_index(["unit", "assessment"])
    assert out.loc[("u", "2024"), ["previous_assessment", "previous", "change"]].tolist() == ["2022", 45.0, 5.0]
    assert out.loc[("u", "2022"), "change"] == 15.0
    assert out.loc[("u", "2020"), ["previous_assessment", "change"]].isna().all()  # the first: nothing to compare
    assert out.loc[("v", "2024"), ["previous_assessment", "change"]].isna().all()


def test_change_against_a_separate_history():
    now = pd.DataFrame({"unit": "u", "assessment": ["2024"], "item": "overall", "score": [50.0]})
    before = pd.DataFrame({"unit": "u", "assessment": ["2021", "2023", "2025"], "item": "overall", "score": [20.0, 35.0, 70.0]})
    assert change(now, before)[["previous_assessment", "change"]].iloc[0].tolist() == ["2023", 15.0]


def round_of(n: int) -> pd.DataFrame:
    """`n` authorities of round 2024 scoring 10, 20, … on criterion 1, and one authority of another round."""
    rows = [{"unit": f"u{k}", "assessment": "2024", "item": "1", "score": 10.0 * (k + 1)} for k in range(n)]
    return pd.DataFrame([*rows, {"unit": "x", "assessment": "2022", "item": "1", "score": 99.0}])


def test_group_distribution_suppressed_below_five():
    d = group_distribution(round_of(4), "2024")
    assert len(d) == 4 and d["suppressed"].all() and (d["n"] == 4).all()
    assert d[["min", "q25", "median", "q75", "max", "rank", "band"]].isna().all().all()


def test_group_distribution_shown_at_five():
    d = group_distribution(round_of(5), "2024").set_index("unit")
    assert not d["suppressed"].any() and set(d.index) == {"u0", "u1", "u2", "u3", "u4"}  # the 2022 round left out
    # 10, 20, 30, 40, 50: quartiles (linear) 20 / 30 / 40
    assert d.loc["u0", ["n", "min", "q25", "median", "q75", "max"]].tolist() == [5, 10, 20, 30, 40, 50]
    assert d["rank"].tolist() == [5, 4, 3, 2, 1] and d["band"].tolist() == [1, 2, 2, 3, 4]


def test_group_distribution_ties_share_the_best_rank():
    c = pd.DataFrame({"unit": list("abcdef"), "assessment": "2024", "item": "1", "score": [50.0, 50, 40, 30, 20, 10]})
    d = group_distribution(c, "2024", min_n=6)
    assert d["rank"].tolist() == [1, 1, 3, 4, 5, 6]
