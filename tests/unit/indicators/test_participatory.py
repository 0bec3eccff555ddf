"""Participatory-budget indicators and the selection check, with values computed by hand from the fixtures."""

from __future__ import annotations

import dataclasses

import pytest

from jstbench.core.errors import InputError
from jstbench.data.pabulib import read_pb
from jstbench.indicators.participatory import (
    budget_share_pct,
    check_selection,
    cost_distribution,
    district_vs_citywide,
    is_district,
    largest_share_pct,
    pb_summary,
    per_10k,
    per_resident,
    turnout_pct,
    vote_concentration,
)

from ...conftest import REALDATA, ROOT

FIX = ROOT / "tests" / "fixtures" / "pabulib"


def test_ratios_and_missing_inputs_are_none_not_zero():
    assert turnout_pct(6, 2000) == pytest.approx(0.3)
    assert budget_share_pct(100, 10_000) == pytest.approx(1.0)
    assert per_resident(100, 2000) == pytest.approx(0.05)
    assert per_10k(4, 2000) == pytest.approx(20.0)
    assert turnout_pct(6, None) is None and budget_share_pct(100, None) is None and per_10k(3, 0) is None


def test_cost_distribution_quartiles_by_hand():
    # sorted 10, 30, 50, 60: Q1 at position 0.75 -> 10 + 0.75 * 20 = 25; median 40; Q3 at 2.25 -> 50 + 0.25 * 10 = 52.5
    assert cost_distribution([60, 50, 30, 10]) == {"min": 10.0, "q1": 25.0, "median": 40.0, "q3": 52.5, "max": 60.0}
    assert cost_distribution([]) == dict.fromkeys(("min", "q1", "median", "q3", "max"))
    assert largest_share_pct([60, 30, 10], 100) == pytest.approx(60.0) and largest_share_pct([], 100) is None


def test_vote_concentration_by_hand():
    c = vote_concentration([4, 3, 3, 2])  # shares 4/12, 3/12, 3/12, 2/12
    assert c["hhi"] == pytest.approx((16 + 9 + 9 + 4) / 144)
    assert c["top3_pct"] == pytest.approx(100 * 10 / 12)
    assert vote_concentration([5, 0, 0])["hhi"] == pytest.approx(1.0)
    assert vote_concentration([0, 0]) == {"hhi": None, "top3_pct": None}


def test_greedy_check_agrees_on_the_approval_fixture():
    c = check_selection(read_pb(FIX / "approval_greedy.pb"))
    assert (c.selected_in_file, c.selected_by_rule, c.agrees, c.score_source) == (["1", "3", "4"], ["1", "3", "4"], True, "votes")


def test_cumulative_without_selected_column_is_not_a_fake_agreement():
    c = check_selection(read_pb(FIX / "cumulative.pb"))
    # by score: 2 (8 pts, 70) -> 30 left; 1 (5 pts, 40) does not fit; 3 (3 pts, 30) fits
    assert c.selected_by_rule == ["2", "3"] and c.selected_in_file is None and c.agrees is None and c.score_source == "score"


def test_ordinal_ranks_by_the_votes_column():
    c = check_selection(read_pb(FIX / "ordinal.pb"))
    assert c.selected_by_rule == ["b", "c"] and c.agrees is True


def test_equal_shares_differs_from_greedy_and_every_difference_is_reported():
    pb = read_pb(FIX / "equalshares.pb")
    # 4 voters, 100 each. A (300) and C (200), both backed by voters 1-3, tie at 1/3 per unit of cost: C is cheaper;
    # then voters 1-3 have 33.33 left, too little for A; B (100) is paid by voter 4.
    mes = check_selection(pb)
    assert mes.selected_by_rule == ["B", "C"] and mes.agrees is True
    assert check_selection(dataclasses.replace(pb, meta={**pb.meta, "rule": "equalshares/add1"})).selected_by_rule == ["B", "C"]
    g = check_selection(dataclasses.replace(pb, meta={**pb.meta, "rule": "greedy"}))
    assert g.selected_by_rule == ["A", "B"] and g.agrees is False
    assert [(d.project_id, d.in_file, d.by_rule, d.remaining) for d in g.differences] == [("A", False, True, 400.0), ("C", True, False, 100.0)]
    assert g.differences[1].why == "ranked 2 (votes 3); 100 left when reached, it costs 200"


def test_rules_not_re_run_say_why():
    pb = read_pb(FIX / "approval_greedy.pb")
    c = check_selection(dataclasses.replace(pb, meta={**pb.meta, "rule": "unknown"}))
    assert (c.rerun, c.agrees, c.selected_by_rule) == (False, None, None) and "'unknown' is not re-run" in (c.reason or "")
    cum = read_pb(FIX / "cumulative.pb")
    c = check_selection(dataclasses.replace(cum, meta={**cum.meta, "rule": "equalshares"}))
    assert not c.rerun and "approval ballots only" in (c.reason or "")
    with pytest.raises(InputError, match="greedy-threshold needs min_project_score_threshold"):
        check_selection(dataclasses.replace(pb, meta={**pb.meta, "rule": "greedy-threshold"}))
    t = check_selection(dataclasses.replace(pb, meta={**pb.meta, "rule": "greedy-threshold", "min_project_score_threshold": "3"}))
    assert t.selected_by_rule == ["1", "3"] and t.differences[0].why == "score 2 is below the threshold 3"


def test_pb_summary_by_hand():
    s = pb_summary(read_pb(FIX / "approval_greedy.pb"), population=2000, spending=10_000)
    assert (s["projects"], s["voters"], s["budget"], s["selected_source"], s["selected_count"]) == (4, 6, 100.0, "file", 3)
    assert s["turnout_pct"] == pytest.approx(0.3) and s["selected_per_10k"] == pytest.approx(15.0)
    assert s["largest_selected_share_pct"] == pytest.approx(60.0) and s["selected_cost"] == 100.0
    assert [r["project_id"] for r in s["selected"]] == ["1", "3", "4"] and s["selected"][0]["votes"] == 4
    assert s["selection_agrees"] is True and s["district"] is False
    bare = pb_summary(read_pb(FIX / "cumulative.pb"))
    assert bare["turnout_pct"] is None and bare["budget_per_resident"] is None and bare["selected_source"] == "rule"
    assert bare["district"] is True and bare["subunit"] == "Północ"


def test_district_vs_citywide():
    city = read_pb(FIX / "approval_greedy.pb")  # budget 100, no district
    north = read_pb(FIX / "cumulative.pb")  # budget 100, district Północ
    north = dataclasses.replace(north, meta={**north.meta, "instance": "2024"})
    south = dataclasses.replace(north, meta={**north.meta, "district": "Południe", "subunit": "Południe", "budget": "300"})
    split = district_vs_citywide([city, north, south])
    assert split == {"district_budget": 400.0, "citywide_budget": 100.0, "district_instances": 2, "citywide_instances": 1,
                     "district_share_pct": pytest.approx(80.0)}
    assert is_district({"subunit": "Citywide"}) is False and is_district({"subunit": "Wola"}) is True
    with pytest.raises(InputError, match="different authorities or years"):
        district_vs_citywide([city, read_pb(FIX / "ordinal.pb")])


@pytest.mark.skipif(not (REALDATA / "pabulib").exists(), reason="../shared/realdata/pabulib is not present")
def test_real_files_selection_check():
    wawer = check_selection(read_pb(REALDATA / "pabulib" / "poland_warszawa_2017_wawer.pb", strict=False))
    assert wawer.agrees is False
    assert [(d.project_id, d.in_file, d.by_rule, d.remaining) for d in wawer.differences] == [
        ("74", True, False, 753.0), ("2450", True, False, 753.0), ("2464", True, False, 753.0)]
    rakow = check_selection(read_pb(REALDATA / "pabulib" / "poland_czestochowa_2020_rakow.pb", strict=False))
    assert rakow.agrees is None and rakow.selected_in_file is None and rakow.selected_by_rule == ["208", "86", "71", "583", "12", "449", "403"]
