"""Survey microdata: CSV, XLSX and .sav read into one validated frame; every bad cell is named by file, row and
column; free text is kept apart."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from jstbench.catalogue.questionnaire import Questionnaire
from jstbench.core.errors import InputError, InputErrors
from jstbench.core.yamlio import read_yaml_model
from jstbench.data.survey import Responses, read_responses, response_rates, strata_counts

from ...conftest import ROOT

FIX = ROOT / "tests" / "fixtures" / "surveys"
HEADER = ["respondent_id", "unit", "wave", "sex", "age", "q_waste", "q_office", "q_voted", "q_uses_1", "q_uses_2", "q_years",
          "q_comment"]


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return read_yaml_model(FIX / "ankieta.yml", Questionnaire)


def csv_file(tmp_path: Path, rows: list[str], header: str = ";".join(HEADER), name: str = "odp.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def problems(path: Path, q: Questionnaire, **kw) -> str:
    with pytest.raises(InputError) as exc:
        read_responses(path, q, **kw)
    return exc.value.message


def test_csv_with_bom_semicolons_and_decimal_comma(q):
    r = read_responses(FIX / "dobre.csv", q)
    d = r.data
    assert list(d["respondent_id"]) == ["r1", "r2", "r3"]
    assert list(d["unit"]) == ["0201011"] * 3  # leading zero kept
    assert list(d["wave"]) == ["2022"] * 3
    assert list(d["sex"]) == ["K", "M", "K"]  # "kobieta" (the label) read as its code
    assert list(d["age_group"]) == ["18-39", "40+", "40+"]  # 40 is the first year of 40+
    assert d["q_waste"].tolist()[0] == 4.0 and math.isnan(d["q_waste"][1])  # 9 = trudno powiedzieć -> NaN
    assert math.isnan(d["q_office"][1])  # empty cell
    assert d["q_years"].tolist() == [2.5, 40.0, 0.0]  # "2,5"
    assert "q_comment" not in d.columns
    assert r.free_text.to_dict("records") == [{"respondent_id": "r1", "unit": "0201011", "wave": "2022",
                                                "question": "q_comment", "text": "Więcej koszy na śmieci"}]


def test_strata_counts_include_empty_strata_and_rates_count_missing_codes_as_no_answer(q):
    r = read_responses(FIX / "dobre.csv", q)
    counts = strata_counts(r)
    assert counts[["sex", "age_group", "respondents"]].values.tolist() == [
        ["K", "18-39", 1], ["K", "40+", 1], ["M", "18-39", 0], ["M", "40+", 1]]
    rates = response_rates(r).loc[("0201011", "2022")]
    assert rates["q_waste"] == pytest.approx(2 / 3) and rates["q_voted"] == 1.0


def test_comma_separated_file_gives_the_same_answers(tmp_path, q):
    path = csv_file(tmp_path, ["r1,0201011,2022,K,25,4,5,1,1,0,2.5,", "r2,0201011,2022,M,67,9,,2,,,40,"],
                    header=",".join(HEADER))
    d = read_responses(path, q).data
    assert d["q_years"].tolist() == [2.5, 40.0] and d["q_waste"].tolist()[0] == 4.0


@pytest.mark.parametrize("row,column,problem", [
    ("r1;0201011;2022;K;25;6;5;1;1;0;2;", "q_waste", "answer 6 is outside scale 'ocena5' (codes 1, 2, 3, 4, 5; missing 9 = trudno powiedzieć)"),
    ("r1;0201011;2022;K;25;4;dobrze;1;1;0;2;", "q_office", "not a number: 'dobrze'"),
    ("r1;0201011;2022;K;25;4,5;5;1;1;0;2;", "q_waste", "answer 4.5 is outside scale 'ocena5'"),
    ("r1;0201011;2022;K;25;4;5;9;1;0;2;", "q_voted", "answer 9 is outside scale 'tak_nie' (codes 1, 2)"),
    ("r1;0201011;2022;K;25;4;5;1;2;0;2;", "q_uses_1", "answer 2 to a multiple-choice option must be 1 (chosen) or 0 (not chosen)"),
    ("r1;0201011;2022;K;25;4;5;1;1;0;101;", "q_years", "answer 101 is above the maximum 100"),
    ("r1;201011;2022;K;25;4;5;1;1;0;2;", "unit", "unit code '201011' is not a TERYT code"),
    ("r1;0201011;2022;X;25;4;5;1;1;0;2;", "sex", "unknown sex 'X'; expected one of K (kobieta), M (mężczyzna)"),
    ("r1;0201011;2022;K;17;4;5;1;1;0;2;", "age", "age 17 is under 18 (the survey covers residents 18+)"),
    ("r1;0201011;2022;K;;4;5;1;1;0;2;", "age", "empty cell: the age (or age_group) of every respondent is needed"),
    ("r1;0201011;;K;25;4;5;1;1;0;2;", "wave", "empty cell: every respondent needs it"),
])
def test_bad_cells_name_file_row_and_column(tmp_path, q, row, column, problem):
    path = csv_file(tmp_path, ["r0;0201011;2022;M;50;3;3;2;0;0;1;", row])
    message = problems(path, q)
    assert f"{path}: row 3, column {column}: {problem}" in message


def test_every_problem_is_reported_at_once(tmp_path, q):
    path = csv_file(tmp_path, ["r1;0201011;2022;K;25;6;5;1;1;0;2;", "", "r1;0201011;2022;K;25;4;7;1;1;0;2;"])
    with pytest.raises(InputErrors) as exc:
        read_responses(path, q)
    assert [e.where for e in exc.value.errors] == ["row 2, column q_waste", "row 4, column respondent_id", "row 4, column q_office"]
    assert "duplicate respondent id 'r1' (first in row 2)" in exc.value.message  # the blank line 3 keeps its number


def test_a_column_not_in_the_questionnaire_and_a_missing_one(tmp_path, q):
    header = ";".join([c for c in HEADER if c != "sex"] + ["q_extra"])
    path = csv_file(tmp_path, ["r1;0201011;2022;25;4;5;1;1;0;2;;1"], header=header)
    message = problems(path, q)
    assert f"{path}: row 1, column q_extra: not a question of questionnaire 'ankieta'" in message
    assert f"{path}: row 1 (header): missing required column 'sex'" in message


def test_empty_file_and_header_only(tmp_path, q):
    empty = tmp_path / "pusty.csv"
    empty.write_text("", encoding="utf-8")
    assert f"{empty}: empty file: no respondents" in problems(empty, q)
    assert "empty file: no respondents" in problems(csv_file(tmp_path, [], name="naglowek.csv"), q)


def test_not_utf8_is_refused(tmp_path, q):
    path = tmp_path / "cp1250.csv"
    path.write_bytes((";".join(HEADER) + "\nr1;0201011;2022;K;25;4;5;1;1;0;2;zażółć\n").encode("cp1250"))
    assert f"{path}: not UTF-8 text" in problems(path, q)


def xlsx_file(tmp_path: Path, rows: list[list[object]], sheet: str = "dane") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "opis"
    ws.append(["to nie są dane"])
    data = wb.create_sheet(sheet)
    data.append(HEADER)
    for r in rows:
        data.append(r)
    path = tmp_path / "odp.xlsx"
    wb.save(path)
    return path


def test_xlsx_named_sheet(tmp_path, q):
    path = xlsx_file(tmp_path, [["r1", "0201011", 2022, "K", 25, 4, 5, 1, 1, 0, 2.5, "tekst"]])
    d = read_responses(path, q, sheet="dane").data
    assert d[["unit", "wave", "age_group"]].values.tolist() == [["0201011", "2022", "18-39"]]
    assert d["q_years"].tolist() == [2.5]
    with pytest.raises(InputError, match="no sheet 'odpowiedzi'; sheets: opis, dane"):
        read_responses(path, q, sheet="odpowiedzi")


def test_xlsx_teryt_typed_as_a_number_is_refused_with_the_cell(tmp_path, q):
    path = xlsx_file(tmp_path, [["r1", "0201011", 2022, "K", 25, 4, 5, 1, 1, 0, 2, None],
                                ["r2", 201011, 2022, "M", 30, 11, 5, 1, 1, 0, 2, None]])
    message = problems(path, q, sheet="dane")
    assert f"{path}: row 3, column unit (cell B3): unit code 201011 is a int; write TERYT codes as quoted strings" in message
    assert f"{path}: row 3, column q_waste (cell F3): answer 11 is outside scale 'ocena5'" in message


def sav_file(tmp_path: Path, labels: dict[str, dict[float, str]], waste: list[float] | None = None) -> Path:
    df = pd.DataFrame({"respondent_id": ["a", "b"], "unit": ["0201011", "0201011"], "wave": ["2024", "2024"],
                       "sex": [1.0, 2.0], "age_group": ["18-39", "40+"], "q_waste": waste or [5.0, 9.0],
                       "q_office": [1.0, 2.0], "q_voted": [1.0, 2.0], "q_uses_1": [1.0, 0.0], "q_uses_2": [0.0, 0.0],
                       "q_years": [3.0, 12.0], "q_comment": ["", "Więcej zieleni"]})
    path = tmp_path / "odp.sav"
    pyreadstat.write_sav(df, str(path), variable_value_labels={"sex": {1.0: "kobieta", 2.0: "mężczyzna"}, **labels},
                         missing_ranges={"q_waste": [9.0]})
    return path


OCENA5 = {1.0: "bardzo źle", 2.0: "raczej źle", 3.0: "ani dobrze, ani źle", 4.0: "raczej dobrze", 5.0: "bardzo dobrze",
          9.0: "trudno powiedzieć"}


def test_sav_with_matching_labels_and_user_missing_codes(tmp_path, q):
    r = read_responses(sav_file(tmp_path, {"q_waste": OCENA5, "q_voted": {1.0: "TAK", 2.0: "nie"}}), q)
    assert r.data["sex"].tolist() == ["K", "M"]  # numeric codes read through their value labels
    assert r.data["q_waste"].tolist()[0] == 5.0 and math.isnan(r.data["q_waste"][1])  # 9 is missing whether or not SPSS says so
    assert r.free_text["text"].tolist() == ["Więcej zieleni"]


def test_sav_label_that_differs_names_variable_code_and_both_labels(tmp_path, q):
    path = sav_file(tmp_path, {"q_waste": {**OCENA5, 1.0: "bardzo zle"}, "q_office": {**OCENA5, 7.0: "nie dotyczy"}})
    message = problems(path, q)
    assert (f"{path}: variable q_waste: code 1 is labelled 'bardzo zle' in the file but 'bardzo źle' in questionnaire "
            f"'ankieta' (scale 'ocena5')") in message
    assert f"{path}: variable q_office: value label 7 = 'nie dotyczy' is not a code of scale 'ocena5'" in message


def test_sav_answer_outside_the_scale_names_the_case(tmp_path, q):
    path = sav_file(tmp_path, {}, waste=[5.0, 0.0])
    assert f"{path}: row 2, column q_waste: answer 0 is outside scale 'ocena5'" in problems(path, q)


def test_combine_requires_one_questionnaire(q):
    r = read_responses(FIX / "dobre.csv", q)
    both = Responses.combine([r, r])
    assert len(both.data) == 6 and len(both.free_text) == 2
    other = Responses(q.model_copy(update={"id": "inna"}), r.data, r.free_text)
    with pytest.raises(ValueError, match="different questionnaires"):
        Responses.combine([r, other])
