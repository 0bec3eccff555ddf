"""The Pabulib reader: the hand-written fixtures, broken copies made here (each with its message naming the section
and line), the writer's round trip, the demo generator, and the real samples in ../shared/realdata."""

from __future__ import annotations

from pathlib import Path

import pytest

from jstbench.core.errors import InputError
from jstbench.data.pabulib import InconsistentFile, greedy, read_pb, write_pb
from jstbench.data.pabulib_demo import demo_pb, write_demo_pb

from ...conftest import REALDATA, ROOT

FIX = ROOT / "tests" / "fixtures" / "pabulib"
PABULIB = REALDATA / "pabulib"
needs_real = pytest.mark.skipif(not PABULIB.exists(), reason="../shared/realdata/pabulib is not present (a fresh clone has no shared data)")


def broken(tmp_path: Path, fixture: str, old: str, new: str) -> Path:
    text = (FIX / fixture).read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / fixture
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_approval_fixture_parsed_per_column():
    pb = read_pb(FIX / "approval_greedy.pb")
    assert (pb.vote_type, pb.rule, pb.budget) == ("approval", "greedy", 100.0)
    assert list(pb.projects.index) == ["1", "2", "3", "4"]
    assert pb.projects["cost"].tolist() == [60.0, 50.0, 30.0, 10.0]
    assert pb.projects.at["1", "name"] == "Plac zabaw <Słoneczko>" and pb.projects.at["2", "line"] == 18
    assert pb.votes["vote"].tolist()[2] == ("1", "2", "4") and pb.votes["points"].isna().all()
    assert pb.votes.at[1, "age"] == "None" and pb.votes.at[5, "line"] == 28
    assert pb.selected_in_file() == ["1", "3", "4"] and pb.warnings == ()


def test_cumulative_fixture_points_quoting_and_no_selected_column():
    pb = read_pb(FIX / "cumulative.pb")
    assert pb.projects.at["1", "name"] == "Rower; miejski"  # a quoted ';' stays in the name
    assert pb.votes["points"].tolist() == [(2.0, 3.0), (5.0,), (3.0, 2.0), (1.0,)]
    assert pb.selected_in_file() is None
    assert pb.tallies()["score"].tolist() == [5, 8, 3]


def test_ordinal_tallies_use_positional_points():
    pb = read_pb(FIX / "ordinal.pb")
    assert pb.votes["vote"].tolist() == [("a", "b", "c"), ("b", "a"), ("b",)]
    t = pb.tallies()
    assert t["votes"].tolist() == [2, 3, 1] and t["score"].tolist() == [4, 5, 1]  # a: 3+1, b: 2+2+1, c: 1


def test_greedy_skips_what_does_not_fit_and_keeps_file_order_on_ties():
    steps = greedy([60, 50, 30, 10], [4, 3, 3, 2], 100)
    assert [(s.project_id, s.chosen, s.remaining) for s in steps] == [("0", True, 100), ("1", False, 40), ("2", True, 40), ("3", True, 10)]
    assert [s.chosen for s in greedy([60, 50, 30, 10], [4, 3, 3, 2], 100, no_skip=True)] == [True, False, False, False]
    assert [s.chosen for s in greedy([60, 50, 30, 10], [4, 3, 3, 2], 100, threshold=3)] == [True, False, True, False]


@pytest.mark.parametrize("fixture,old,new,where,words", [
    ("approval_greedy.pb", "v1;34;1,2", "v1;34;1,9", "VOTES line 23", "project 9, which is not in PROJECTS"),
    ("approval_greedy.pb", "3;30;3;Warsztaty", "2;30;3;Warsztaty", "PROJECTS line 19", "project_id 2 repeats line 18"),
    ("approval_greedy.pb", "2;50;3;", "2;pięćdziesiąt;3;", "PROJECTS line 18, column cost", "'pięćdziesiąt' is not a cost"),
    ("approval_greedy.pb", "PROJECTS\nproject_id;cost", "PROJECTS\nproject;cost", "PROJECTS line 16", "lacks the column(s) project_id"),
    ("approval_greedy.pb", "VOTES\n", "", "VOTES", "the section VOTES is missing"),
    ("approval_greedy.pb", "rule;greedy", "rule;bestest", "META rule", "'bestest' is not a Pabulib rule"),
    ("approval_greedy.pb", "budget;100", "budget;sto", "META budget", "'sto' is not a number"),
    ("approval_greedy.pb", "v4;29;2,3", "v4;29;2,2", "VOTES line 26", "names a project twice"),
    ("cumulative.pb", "1;1,2;2,3", "1;1,2;2", "VOTES line 23", "2 projects but 1 points"),
    ("ordinal.pb", "2;b,a", "2;b;a", "VOTES line 20", "3 fields where the header has 2"),
])
def test_broken_copies_name_section_and_line(tmp_path, fixture, old, new, where, words):
    with pytest.raises(InputError) as exc:
        read_pb(broken(tmp_path, fixture, old, new))
    assert f"{fixture}: {where}: " in exc.value.message and words in exc.value.message


@pytest.mark.parametrize("sep,named", [(",", "','"), ("\t", "a tab")])
def test_another_separator_is_detected_and_named(tmp_path, sep, named):
    path = tmp_path / "sep.pb"
    path.write_text((FIX / "ordinal.pb").read_text(encoding="utf-8").replace(";", sep), encoding="utf-8")
    with pytest.raises(InputError, match=f"META line 2: the header uses {named} as the separator; Pabulib files use ';'"):
        read_pb(path)


def test_truncated_votes_cut_mid_row(tmp_path):
    text = (FIX / "cumulative.pb").read_text(encoding="utf-8")
    path = tmp_path / "cut.pb"
    path.write_text(text[: text.rindex("4;3;1") + 3], encoding="utf-8")  # the last line ends "4;3"
    with pytest.raises(InputError) as exc:
        read_pb(path)
    assert "VOTES line 26: 2 fields where the header has 3" in exc.value.message
    assert "VOTES line 26: the file ends in the middle of this line, with 4 of the 4 ballots in num_votes: it is truncated" in exc.value.message


def test_truncated_votes_fewer_rows_than_num_votes(tmp_path):
    text = (FIX / "approval_greedy.pb").read_text(encoding="utf-8")
    path = tmp_path / "short.pb"
    path.write_text(text[: text.index("v5;")], encoding="utf-8")
    with pytest.raises(InconsistentFile, match="META num_votes: 6 in META but the section VOTES has 4 rows"):
        read_pb(path)
    assert len(read_pb(path, strict=False).votes) == 4


def test_budget_below_the_cost_of_the_selected_projects(tmp_path):
    path = broken(tmp_path, "approval_greedy.pb", "budget;100", "budget;90")
    with pytest.raises(InconsistentFile, match="PROJECTS, column selected: the 3 projects marked selected cost 100, above the budget 90"):
        read_pb(path)
    pb = read_pb(path, strict=False)
    assert any("above the budget 90" in w for w in pb.warnings)


def test_meta_limits_counts_and_tallies_are_checked(tmp_path):
    with pytest.raises(InconsistentFile, match=r"VOTES line 25: 1 ballot\(s\) outside max_length 2 in META, e.g. this one: length 3"):
        read_pb(broken(tmp_path, "approval_greedy.pb", "max_length;3", "max_length;2"))
    with pytest.raises(InconsistentFile, match="META num_projects: 5 in META but the section PROJECTS has 4 rows"):
        read_pb(broken(tmp_path, "approval_greedy.pb", "num_projects;4", "num_projects;5"))
    with pytest.raises(InconsistentFile,
                       match=r"VOTES line 23: 3 ballot\(s\) outside max_sum_points 4 in META, e.g. this one: sum points 5; lines 23, 24, 25"):
        read_pb(broken(tmp_path, "cumulative.pb", "max_sum_points;5", "max_sum_points;4"))
    with pytest.raises(InconsistentFile, match="PROJECTS line 18, column votes: 1 project.* 2: 9 in the column, 3 counted"):
        read_pb(broken(tmp_path, "approval_greedy.pb", "2;50;3;", "2;50;9;"))


def test_writer_round_trip(tmp_path):
    pb = read_pb(FIX / "cumulative.pb")
    again = read_pb(write_pb(tmp_path / "copy.pb", pb.meta, pb.projects, pb.votes))
    assert again.meta == pb.meta
    assert again.projects.drop(columns="line").equals(pb.projects.drop(columns="line"))
    assert again.votes["vote"].tolist() == pb.votes["vote"].tolist() and again.votes["points"].tolist() == pb.votes["points"].tolist()


def test_demo_generator_is_deterministic_synthetic_and_greedy_consistent(tmp_path):
    a = write_demo_pb(tmp_path / "a", "1465011", "Warszawa Test", 40_000, 2024, seed=5)
    b = write_demo_pb(tmp_path / "b", "1465011", "Warszawa Test", 40_000, 2024, seed=5)
    assert a.read_bytes() == b.read_bytes()
    assert demo_pb("1465011", "Warszawa Test", 40_000, 2024, seed=6)[0]["budget"] != read_pb(a).meta["budget"]
    pb = read_pb(a)  # strict: META counts, limits and the votes column agree with the sections
    assert pb.meta["synthetic"] == "yes" and pb.meta["description"].startswith("SYNTHETIC")
    chosen = [s for s in greedy(pb.projects["cost"].tolist(), pb.projects["votes"].astype(float).tolist(), pb.budget) if s.chosen]
    assert sorted(pb.projects.index[int(s.project_id)] for s in chosen) == sorted(pb.selected_in_file() or [])
    district = read_pb(write_demo_pb(tmp_path, "1465011", "Warszawa Test", 40_000, 2024, seed=5, district="Wola"))
    assert district.meta["district"] == "Wola" and district.budget < pb.budget


@needs_real
@pytest.mark.parametrize("name,projects,votes,meta_projects,meta_votes", [
    ("poland_czestochowa_2020_rakow.pb", 26, 1162, 27, 1163),
    ("poland_warszawa_2017_wawer.pb", 56, 3676, 56, 3677),
])
def test_real_files_sections_disagree_with_meta_counts(name, projects, votes, meta_projects, meta_votes):
    """The sections of both samples hold one ballot fewer than META num_votes says (and Raków one project fewer):
    the strict read refuses them naming META, the lenient read keeps the warning."""
    with pytest.raises(InconsistentFile, match=f"META num_votes: {meta_votes} in META but the section VOTES has {votes} rows"):
        read_pb(PABULIB / name)
    pb = read_pb(PABULIB / name, strict=False)
    assert (int(pb.meta["num_projects"]), int(pb.meta["num_votes"])) == (meta_projects, meta_votes)
    assert (len(pb.projects), len(pb.votes)) == (projects, votes)


@needs_real
def test_real_wawer_selected_projects_cost_more_than_the_budget():
    pb = read_pb(PABULIB / "poland_warszawa_2017_wawer.pb", strict=False)
    assert pb.vote_type == "approval" and len(pb.selected_in_file() or []) == 16
    assert any("the 16 projects marked selected cost 540,806, above the budget 426,483" in w for w in pb.warnings)
    assert any("154 ballot(s) outside max_sum_cost 426483" in w for w in pb.warnings)
