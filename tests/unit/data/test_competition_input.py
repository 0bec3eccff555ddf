"""konkurs.yml and the jury's workbooks: every bad input is refused naming the file, the cell (or field and line)
and the problem; a good set reads into scores and comments."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jstbench.core.errors import InputError, InputErrors
from jstbench.data.competition import (
    CONFLICT,
    filled,
    load_competition,
    make_score_sheets,
    read_scores,
    score_workbook,
    write_bytes,
)
from jstbench.data.competition_demo import write_demo_scores

from ...conftest import ROOT

FIX = ROOT / "tests" / "fixtures" / "competition" / "konkurs.yml"
GOOD = {"j1": {"e1": (8, 7), "e2": (6, 5.5), "e3": (5, 4)},
        "j2": {"e1": (9, 8), "e2": (7, 6), "e3": (6, 5)},
        "j3": {"e1": (6, 5), "e2": (4, 3.5)}}  # j3 belongs to e3's authority: leaves it blank


@pytest.fixture
def comp():
    return load_competition(FIX)


def write_good(c, folder: Path) -> Path:
    for j in c.jurors:
        scores = {(e, k): v for e, vals in GOOD[j.id].items() for k, v in zip(("efekty", "koszty"), vals, strict=True)}
        write_bytes(folder / f"{j.id}.xlsx", score_workbook(c, j, scores, {"e2": f"uwaga {j.id}"}))
    return folder


def edit(path: Path, cell: str, value: object, sheet: str = "Oceny") -> None:
    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def problems(c, folder: Path) -> list[InputError]:
    with pytest.raises(InputErrors) as exc:
        read_scores(c, folder)
    return exc.value.errors


def one(errors: list[InputError], file: Path | str, where: str | None, text: str) -> None:
    hits = [e for e in errors if (e.file or "").endswith(str(file)) and e.where == where and text in e.problem]
    assert hits, "\n".join(e.message for e in errors)


def test_good_workbooks_read(comp, tmp_path):
    scores, comments = read_scores(comp, write_good(comp, tmp_path))
    assert len(scores) == 3 * 2 + 3 * 2 + 2 * 2
    assert not ((scores["juror"] == "j3") & (scores["entry"] == "e3")).any()
    assert scores.set_index(["juror", "entry", "criterion"]).loc[("j2", "e2", "koszty"), "score"] == 6.0
    assert comments["comment"].tolist() == ["uwaga j1", "uwaga j2", "uwaga j3"]


def test_the_workbook_marks_and_greys_the_jurors_own_authority(comp, tmp_path):
    (path,) = [p for p in make_score_sheets(comp, tmp_path) if p.name == "j3.xlsx"]
    ws = load_workbook(path)["Oceny"]
    assert [ws.cell(6, c).value for c in (1, 4, 5)] == ["e3", CONFLICT, CONFLICT]
    assert ws.cell(6, 4).fill.fgColor.rgb.endswith("BBBBBB") and ws.cell(5, 4).value is None
    rules = ws.data_validations.dataValidation
    assert rules and rules[0].formula1 == "0" and rules[0].formula2 == "10"
    info = {r[0]: r[1] for r in load_workbook(path)["INFO"].iter_rows(values_only=True)}
    assert (info["konkurs"], info["juror"], info["wersja szablonu"]) == ("test-konkurs", "j3", 1)


def test_score_outside_the_scale(comp, tmp_path):
    write_good(comp, tmp_path)
    edit(tmp_path / "j1.xlsx", "D4", 11)
    one(problems(comp, tmp_path), "j1.xlsx", "Oceny!D4", "score 11 is outside the scale 0–10")


def test_score_off_the_step(comp, tmp_path):
    write_good(comp, tmp_path)
    edit(tmp_path / "j2.xlsx", "E5", 6.3)
    one(problems(comp, tmp_path), "j2.xlsx", "Oceny!E5", "score 6.3 is off the scale's step 0.5")


def test_text_in_a_score_cell(comp, tmp_path):
    write_good(comp, tmp_path)
    edit(tmp_path / "j1.xlsx", "D5", "dobry")
    one(problems(comp, tmp_path), "j1.xlsx", "Oceny!D5", "text 'dobry' where a score is expected")


def test_a_numeric_text_with_a_decimal_comma_is_read(comp, tmp_path):
    write_good(comp, tmp_path)
    edit(tmp_path / "j1.xlsx", "D5", "6,5")
    scores, _ = read_scores(comp, tmp_path)
    assert scores.set_index(["juror", "entry", "criterion"]).loc[("j1", "e2", "efekty"), "score"] == 6.5


def test_an_empty_score(comp, tmp_path):
    write_good(comp, tmp_path)
    edit(tmp_path / "j2.xlsx", "E6", None)
    one(problems(comp, tmp_path), "j2.xlsx", "Oceny!E6", "the score is empty")


def test_a_workbook_of_an_unknown_juror(comp, tmp_path):
    write_good(comp, tmp_path)
    shutil.copy(tmp_path / "j1.xlsx", tmp_path / "obcy.xlsx")
    edit(tmp_path / "obcy.xlsx", "B3", "j9", sheet="INFO")
    one(problems(comp, tmp_path), "obcy.xlsx", "INFO!B3", "juror 'j9', who is not listed in konkurs.yml")


def test_a_workbook_of_another_competition(comp, tmp_path):
    write_good(comp, tmp_path)
    edit(tmp_path / "j2.xlsx", "B1", "inny-konkurs", sheet="INFO")
    errors = problems(comp, tmp_path)
    one(errors, "j2.xlsx", "INFO!B1", "workbook of competition 'inny-konkurs', not of 'test-konkurs'")
    assert not any("missing juror j2" in e.problem for e in errors)  # its workbook is there, just wrong


def test_a_workbook_of_another_template_version(comp, tmp_path):
    write_good(comp, tmp_path)
    edit(tmp_path / "j1.xlsx", "B2", 0, sheet="INFO")
    one(problems(comp, tmp_path), "j1.xlsx", "INFO!B2", "template version 0, expected 1")


def test_a_missing_juror_names_the_expected_file(comp, tmp_path):
    write_good(comp, tmp_path)
    (tmp_path / "j2.xlsx").unlink()
    one(problems(comp, tmp_path), str(tmp_path), None, "missing juror j2 (przedstawiciel związku): expected the "
                                                       "workbook j2.xlsx")


def test_two_workbooks_of_one_juror(comp, tmp_path):
    write_good(comp, tmp_path)
    shutil.copy(tmp_path / "j1.xlsx", tmp_path / "j1-kopia.xlsx")
    one(problems(comp, tmp_path), "j1.xlsx", "INFO!B3", "a second workbook of juror 'j1'")


def test_an_entry_row_missing(comp, tmp_path):
    write_good(comp, tmp_path)
    wb = load_workbook(tmp_path / "j1.xlsx")
    wb["Oceny"].delete_rows(5)
    wb.save(tmp_path / "j1.xlsx")
    one(problems(comp, tmp_path), "j1.xlsx", "Oceny", "entry 'e2' has no row")


def test_an_unknown_entry_row(comp, tmp_path):
    write_good(comp, tmp_path)
    edit(tmp_path / "j2.xlsx", "A7", "e9")
    edit(tmp_path / "j2.xlsx", "D7", 5)
    one(problems(comp, tmp_path), "j2.xlsx", "Oceny!A7", "unknown entry 'e9'")


def test_a_juror_scoring_their_own_authority_refuses_the_score_set(comp, tmp_path):
    write_good(comp, tmp_path)
    edit(tmp_path / "j3.xlsx", "D6", 10)
    edit(tmp_path / "j3.xlsx", "E6", 10)
    one(problems(comp, tmp_path), "j3.xlsx", "Oceny!D6:E6",
        "refused: conflict of interest: juror j3 (authority 1413011) scored entry e3 of the same authority")


def test_every_problem_of_every_workbook_is_reported_together(comp, tmp_path):
    write_good(comp, tmp_path)
    edit(tmp_path / "j1.xlsx", "D4", -1)
    edit(tmp_path / "j2.xlsx", "E4", "x")
    (tmp_path / "j3.xlsx").unlink()
    errors = problems(comp, tmp_path)
    assert len(errors) == 3
    one(errors, "j1.xlsx", "Oceny!D4", "outside the scale")
    one(errors, "j2.xlsx", "Oceny!E4", "text 'x'")


def test_filled_tells_an_empty_workbook_from_a_filled_one(comp, tmp_path):
    make_score_sheets(comp, tmp_path)
    assert not filled(tmp_path / "j3.xlsx")  # only conflict markers
    edit(tmp_path / "j3.xlsx", "F4", "komentarz")
    assert filled(tmp_path / "j3.xlsx")


KONKURS = """\
id: k-test
title: "K"
year: 2024
criteria:
  - {id: a, name: "A", weight: 1}
  - {id: b, name: "B", weight: 1}
jurors:
  - {id: j1, label: "x"}
  - {id: j2, label: "y"}
entries:
  - {id: e1, unit: "3064011", title: "T1"}
  - {id: e2, unit: "0262011", title: "T2"}
"""


def bad_konkurs(tmp_path: Path, old: str, new: str) -> list[InputError]:
    text = KONKURS.replace(old, new)
    assert text != KONKURS
    (tmp_path / "konkurs.yml").write_text(text, encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        load_competition(tmp_path / "konkurs.yml")
    return exc.value.errors


def test_konkurs_weights_are_normalised(tmp_path):
    (tmp_path / "konkurs.yml").write_text(KONKURS, encoding="utf-8")
    c = load_competition(tmp_path / "konkurs.yml")
    assert c.weights == {"a": 0.5, "b": 0.5} and c.normalise == "zscore" and c.bootstrap.runs == 2000


def test_konkurs_duplicate_id_names_field_and_line(tmp_path):
    (err,) = bad_konkurs(tmp_path, '{id: b, name: "B"', '{id: a, name: "B"')
    assert err.where == "criteria[1].id (line 6)" and "duplicate id 'a'" in err.problem


def test_konkurs_weight_must_be_positive(tmp_path):
    (err,) = bad_konkurs(tmp_path, 'name: "B", weight: 1', 'name: "B", weight: 0')
    assert err.where == "criteria[1].weight (line 6)" and "greater than 0" in err.problem


def test_konkurs_entry_unit_must_be_teryt(tmp_path):
    (err,) = bad_konkurs(tmp_path, 'unit: "0262011"', "unit: 262011")
    assert err.where == "entries[1].unit (line 12)" and "quoted strings" in err.problem


def test_konkurs_juror_authority_must_be_teryt(tmp_path):
    (err,) = bad_konkurs(tmp_path, '{id: j2, label: "y"}', '{id: j2, label: "y", authority: "12345"}')
    assert err.where == "jurors[1].authority (line 9)" and "not a TERYT code" in err.problem


def test_konkurs_award_of_an_unknown_entry(tmp_path):
    (err,) = bad_konkurs(tmp_path, 'title: "T2"}\n', 'title: "T2"}\nawards:\n  - {entry: e7, award: laureat}\n')
    assert err.where == "awards[0].entry (line 14)" and "entry 'e7', which is not in `entries`" in err.problem


def test_konkurs_unknown_key_and_bad_scale(tmp_path):
    errors = bad_konkurs(tmp_path, "year: 2024\n", "year: 2024\nskala: 10\nscale: {min: 0, max: 10, step: 3}\n")
    wheres = {e.where for e in errors}
    assert "skala (line 4)" in wheres and "scale (line 5)" in wheres
    assert any("step 3 does not divide the range 0–10" in e.problem for e in errors)


def test_demo_scores_are_deterministic_and_read(tmp_path):
    c = load_competition(ROOT / "params" / "competitions" / "demo-2024" / "konkurs.yml")
    assert write_demo_scores(c, tmp_path / "a", 7) == 5
    write_demo_scores(c, tmp_path / "b", 7)

    def digest(folder: Path) -> list[str]:
        return [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.*"))]

    assert digest(tmp_path / "a") == digest(tmp_path / "b") and len(digest(tmp_path / "a")) == 5
    assert c.synthetic and "(dane demonstracyjne)" in c.title
    scores, _ = read_scores(c, tmp_path / "a")
    # 8 entries x 5 criteria; j3 is of Poznań's authority and leaves Poznań's entry blank
    assert scores.groupby("juror").size().to_dict() == {"j1": 40, "j2": 40, "j3": 35, "j4": 40, "j5": 40}
    means = scores.groupby("juror")["score"].mean()
    assert means.idxmin() == "j4" and means.idxmax() == "j5"  # the harsh and the lenient juror
