"""CAF assessor workbooks: make → fill (openpyxl, as an assessor would) → read, with hand-computed points; every bad
input named with its file, cell and problem; folders of assessments; the synthetic demo."""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from jstbench.catalogue.caf import load_caf
from jstbench.core.errors import InputError, InputErrors
from jstbench.data.caf import NOTES_COLS, PLAN_COLS, SCORES_COLS, make_workbook, read_assessments, read_workbook, safe_name
from jstbench.data.caf_demo import write_demo_caf

ROOT = Path(__file__).resolve().parents[3]
UNIT = "1465011"


@pytest.fixture(scope="module")
def caf():
    return load_caf(ROOT / "methodology" / "catalogue" / "caf.yml")


def blank(folder: Path, caf, panel="classical", assessor="Zespół A", unit=UNIT, assessment="2024",
          name="zespol_a") -> Path:
    path = folder / f"{name}.xlsx"
    make_workbook(path, caf, unit, "Warszawa", assessment, assessor, panel)
    return path


def row_of(ws, sid: str) -> int:
    return next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == sid)


def fill(path: Path, caf, edit=None, panel="classical") -> Path:
    """Score every sub-criterion: classical — level = criterion number mod 6; fine — enablers Plan 30, Do 50,
    Check 20, Act 10; results Trends 40, Targets 70. `edit(wb)` then spoils what a test needs."""
    wb = load_workbook(path)
    ws = wb["Ocena"]
    for r in range(3, 31):
        crit = int(ws.cell(r, 1).value)
        if panel == "classical":
            ws.cell(r, 5).value = crit % 6
        elif crit <= 5:
            for c, v in zip(range(5, 9), (30, 50, 20, 10), strict=True):
                ws.cell(r, c).value = v
        else:
            ws.cell(r, 9).value, ws.cell(r, 10).value = 40, 70
    if edit:
        edit(wb)
    wb.save(path)
    return path


def problems(path: Path, caf) -> list[str]:
    with pytest.raises(InputError) as exc:
        read_workbook(path, caf)
    err = exc.value
    return [e.message for e in err.errors] if isinstance(err, InputErrors) else [err.message]


def test_classical_round_trip(tmp_path, caf):
    def notes(wb):
        ws = wb["Ocena"]
        ws.cell(row_of(ws, "1.1"), 6).value = "Jasna wizja\n\n  Misja znana pracownikom  "
        ws.cell(row_of(ws, "3.2"), 7).value = "2+2 =SUMA(A1) __import__('os')"
        plan = wb["Plan doskonalenia"]
        for j, v in enumerate(["Badanie satysfakcji", "7.1", "Wysoki", "kadry", "2025-06-30", "wyniki"], start=1):
            plan.cell(3, j).value = v

    sheet = read_workbook(fill(blank(tmp_path, caf), caf, notes), caf)
    assert (sheet.unit, sheet.assessment, sheet.assessor, sheet.panel) == (UNIT, "2024", "Zespół A", "classical")
    assert not sheet.synthetic
    s = sheet.scores
    assert list(s.columns) == SCORES_COLS and len(s) == 28
    got = dict(zip(s["subcriterion"], s["points"], strict=True))
    # level = criterion mod 6, points = level × 20: 1.1 → 20, 5.3 → 100, 6.1 → 0, 9.2 → 60
    assert (got["1.1"], got["5.3"], got["6.1"], got["9.2"]) == (20, 100, 0, 60)
    assert s["level"].tolist()[:4] == [1.0, 1.0, 1.0, 1.0]
    assert str(s["criterion"].dtype) == "int64" and set(s["kind"]) == {"enabler", "result"}
    n = sheet.notes
    assert list(n.columns) == NOTES_COLS
    assert n[["subcriterion", "kind", "text"]].values.tolist() == [
        ["1.1", "strength", "Jasna wizja"], ["1.1", "strength", "Misja znana pracownikom"],
        ["3.2", "improvement", "2+2 =SUMA(A1) __import__('os')"]]
    p = sheet.plan
    assert list(p.columns) == PLAN_COLS
    assert p.iloc[0][["action", "subcriterion", "criterion", "priority", "owner", "deadline"]].tolist() == [
        "Badanie satysfakcji", "7.1", 7, "wysoki", "kadry", "2025-06-30"]


def test_fine_round_trip(tmp_path, caf):
    sheet = read_workbook(fill(blank(tmp_path, caf, "fine"), caf, panel="fine"), caf)
    got = dict(zip(sheet.scores["subcriterion"], sheet.scores["points"], strict=True))
    assert got["1.1"] == (30 + 50 + 20 + 10) / 4 == 27.5
    assert got["9.2"] == (40 + 70) / 2 == 55
    assert sheet.scores["level"].isna().all() and set(sheet.scores["panel"]) == {"fine"}


def test_make_is_deterministic_and_info_keeps_text(tmp_path, caf):
    import datetime as dt

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for p in (a, b):
        make_workbook(p, caf, "0201011", "Bolesławiec", "2024", "A", "fine", generated=dt.date(2024, 1, 2))
    assert a.read_bytes() == b.read_bytes()
    info = {r[0]: r[1] for r in load_workbook(a)["INFO"].iter_rows(values_only=True)}
    assert info["jst (TERYT)"] == "0201011" and info["wersja szablonu"] == 1 and info["wygenerowano"] == "2024-01-02"
    ws = load_workbook(a)["Ocena"]
    grey = [ws.cell(r, c).fill.fgColor.rgb == "00BBBBBB" for r in (3, 30) for c in range(5, 11)]
    # 1.1 (enabler): Trendy/Cele grey; 9.2 (result): Plan–Act grey
    assert grey == [False] * 4 + [True] * 2 + [True] * 4 + [False] * 2


def cell(ws, sid, col):
    return ws.cell(row_of(ws, sid), col)


@pytest.mark.parametrize("value, problem", [
    (6, "Ocena!E3: level 6 is outside the classical panel: a whole number 0–5"),
    (-1, "Ocena!E3: level -1 is outside the classical panel: a whole number 0–5"),
    (2.5, "Ocena!E3: level 2.5 is outside the classical panel: a whole number 0–5"),
    ("dobrze", "Ocena!E3: text 'dobrze' is not a score"),
    (True, "Ocena!E3: True is not a number"),
])
def test_classical_scores_outside_the_panel(tmp_path, caf, value, problem):
    path = fill(blank(tmp_path, caf), caf, lambda wb: setattr(cell(wb["Ocena"], "1.1", 5), "value", value))
    assert problems(path, caf) == [f"{path}: {problem}"]


@pytest.mark.parametrize("value, problem", [
    (101, "Ocena!I30: score 101 is outside the fine-tuned panel: 0–100"),
    (-1, "Ocena!I30: score -1 is outside the fine-tuned panel: 0–100"),
    ("", None),
])
def test_fine_scores_outside_the_panel(tmp_path, caf, value, problem):
    # row 30 is 9.2 (a result), column I its trends
    path = fill(blank(tmp_path, caf, "fine"), caf, lambda wb: setattr(wb["Ocena"]["I30"], "value", value), "fine")
    want = problem or "Ocena!I30: sub-criterion 9.2 is not scored (Trendy)"
    assert problems(path, caf) == [f"{path}: {want}"]


def test_a_score_in_a_grey_cell(tmp_path, caf):
    path = fill(blank(tmp_path, caf, "fine"), caf, lambda wb: setattr(wb["Ocena"]["E30"], "value", 50), "fine")
    assert problems(path, caf) == [f"{path}: Ocena!E30: a score in a grey cell: 'plan' does not apply to a result "
                                   "(leave it empty)"]


def test_an_unscored_and_a_missing_subcriterion(tmp_path, caf):
    def spoil(wb):
        ws = wb["Ocena"]
        cell(ws, "2.3", 5).value = None
        ws.delete_rows(row_of(ws, "4.6"))

    path = fill(blank(tmp_path, caf), caf, spoil)
    assert problems(path, caf) == [
        f"{path}: Ocena!E9: sub-criterion 2.3 is not scored",
        f"{path}: Ocena: sub-criterion 4.6 (Zarządzanie infrastrukturą (obiektami)) is missing (row deleted?)"]


def test_a_fine_phase_left_empty(tmp_path, caf):
    path = fill(blank(tmp_path, caf, "fine"), caf, lambda wb: setattr(wb["Ocena"]["G4"], "value", None), "fine")
    assert problems(path, caf) == [f"{path}: Ocena!G4: sub-criterion 1.2 is not scored (Check)"]


def test_an_empty_workbook_is_one_message(tmp_path, caf):
    path = blank(tmp_path, caf)
    assert problems(path, caf) == [f"{path}: Ocena: no sub-criterion is scored (an empty workbook?)"]


def test_unknown_and_duplicated_subcriteria(tmp_path, caf):
    def spoil(wb):
        ws = wb["Ocena"]
        ws["B31"], ws["E31"] = "2.7", 3
        ws["B32"], ws["E32"] = "1.1", 4

    path = fill(blank(tmp_path, caf), caf, spoil)
    assert problems(path, caf) == [f"{path}: Ocena!B31: unknown sub-criterion '2.7' (CAF 2020 has 1.1–9.2)",
                                   f"{path}: Ocena!B32: sub-criterion 1.1 appears twice (also row 3)"]


def test_another_template_version(tmp_path, caf):
    path = fill(blank(tmp_path, caf), caf, lambda wb: setattr(wb["INFO"]["B2"], "value", 2))
    assert problems(path, caf) == [f"{path}: INFO: workbook template version 2, expected 1 (CAF 2020): make a new "
                                   "workbook with `jstbench caf make`"]


def test_not_a_caf_workbook(tmp_path, caf):
    forms = tmp_path / "forms.xlsx"
    wb = Workbook()
    wb.active.title = "INFO"
    wb.active.append(["grupa", "miasta"])
    wb.save(forms)
    assert "INFO: not a CAF workbook: sheet INFO has no 'arkusz: CAF – arkusz samooceny' row" in problems(forms, caf)[0]
    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    assert problems(other, caf) == [f"{other}: not a CAF workbook: no sheet 'INFO' (make workbooks with "
                                    "`jstbench caf make`)"]


def test_panel_that_does_not_match_the_columns(tmp_path, caf):
    path = fill(blank(tmp_path, caf), caf, lambda wb: setattr(wb["INFO"]["B8"], "value", "fine"))
    assert problems(path, caf) == [f"{path}: Ocena!A1: INFO says panel 'fine' but the columns are those of the "
                                   "'classical' panel (do not edit INFO or rows 1–2)"]


def test_a_formula_without_a_saved_value(tmp_path, caf):
    path = fill(blank(tmp_path, caf), caf, lambda wb: setattr(cell(wb["Ocena"], "1.2", 5), "value", "=1+2"))
    msgs = problems(path, caf)
    assert msgs[0] == (f"{path}: Ocena!E4: a formula without a saved value (open and save the file in Excel, "
                       "or type the value)")
    assert msgs[1:] == [f"{path}: Ocena!E4: sub-criterion 1.2 is not scored"]


def test_encrypted_and_non_xlsx_files(tmp_path, caf):
    ole = tmp_path / "haslo.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # the OLE container of an encrypted workbook
    assert problems(ole, caf) == [f"{ole}: an encrypted (password-protected) or old-format .xls workbook: save it "
                                  "as .xlsx without a password"]
    text = tmp_path / "notatki.xlsx"
    text.write_text("ocena 3", encoding="utf-8")
    assert problems(text, caf) == [f"{text}: not an XLSX workbook (not a zip container)"]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04garbage")
    assert problems(broken, caf)[0].startswith(f"{broken}: not a readable XLSX workbook:")


def test_bad_plan_rows(tmp_path, caf):
    def spoil(wb):
        plan = wb["Plan doskonalenia"]
        for j, v in enumerate(["", "2.9", "pilne", "", "", "efekt"], start=1):
            plan.cell(4, j).value = v or None

    path = fill(blank(tmp_path, caf), caf, spoil)
    assert problems(path, caf) == [
        f"{path}: Plan doskonalenia!A4: the action is empty",
        f"{path}: Plan doskonalenia!B4: unknown sub-criterion '2.9' (CAF 2020 has 1.1–9.2)",
        f"{path}: Plan doskonalenia!C4: priority 'pilne' is not one of ['wysoki', 'średni', 'niski']"]


def test_safe_names_from_untrusted_labels():
    assert safe_name("Zespół A / Łódź") == "Zespol_A_Lodz"
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("CON?*") == "CON" and safe_name("…") == "oceniajacy"


def assessment(folder: Path, caf, unit=UNIT, year="2024", assessors=("A", "B"), panel="classical") -> list[Path]:
    out = []
    for a in assessors:
        d = folder / unit / year
        d.mkdir(parents=True, exist_ok=True)
        out.append(fill(blank(d, caf, panel, assessor=a, unit=unit, assessment=year, name=safe_name(a)), caf,
                        panel=panel))
    return out


def test_read_assessments_combines_assessors(tmp_path, caf):
    assessment(tmp_path, caf)
    assessment(tmp_path, caf, year="2022", assessors=("A", "B", "C"), panel="fine")
    data = read_assessments(tmp_path, caf)
    assert data.keys == [(UNIT, "2022"), (UNIT, "2024")]
    assert len(data.scores) == 5 * 28 and list(data.scores.columns) == SCORES_COLS
    assert data.names == {UNIT: "Warszawa"}
    mean = data.scores.groupby("assessment")["points"].mean()
    # classical: levels 1,1,1,1,2,2,2,2,3,3,3,4×6,5×3,0,0,1,1,2,2,3,3 → 20·(4·1+4·2+3·3+6·4+3·5+2·1+2·2+2·3)/28
    assert math.isclose(mean["2024"], 20 * (4 + 8 + 9 + 24 + 15 + 2 + 4 + 6) / 28)
    assert math.isclose(mean["2022"], (20 * 27.5 + 8 * 55) / 28)


def test_folder_problems_are_collected(tmp_path, caf):
    a = assessment(tmp_path, caf, assessors=("A", "B"))
    # the same assessor twice, a workbook of another unit in the folder, and a broken file: all reported at once
    shutil.copy(a[0], a[0].with_name("kopia.xlsx"))
    other = blank(tmp_path, caf, unit="0201011", name="obcy")
    shutil.move(fill(other, caf), a[0].with_name("obcy.xlsx"))
    bad = a[1].with_name("zepsuty.xlsx")
    bad.write_text("x", encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        read_assessments(tmp_path, caf)
    msg = exc.value.message
    assert f"{bad}: not an XLSX workbook" in msg
    assert f"{a[0].with_name('obcy.xlsx')}: INFO: the workbook lies in {UNIT}/2024 but INFO names unit 0201011" in msg
    assert f"{a[0].parent}: the workbooks of one folder mix units ['0201011', '{UNIT}']" in msg
    assert (f"{a[0].with_name('kopia.xlsx')}: INFO: assessor 'A' appears twice in assessment '2024' of {UNIT} "
            f"(also {a[0]})") in msg


def test_mixed_panels_in_one_folder(tmp_path, caf):
    assessment(tmp_path, caf, assessors=("A",))
    assessment(tmp_path, caf, assessors=("B",), panel="fine")
    with pytest.raises(InputErrors, match=r"mix panels \['classical', 'fine'\]"):
        read_assessments(tmp_path, caf)


def test_no_workbooks(tmp_path, caf):
    with pytest.raises(InputError, match="no CAF workbooks"):
        read_assessments(tmp_path, caf)


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.xlsx")}


def test_demo_is_deterministic_and_readable(tmp_path, caf):
    units = [("0201011", "Bolesławiec"), ("0216", "polkowicki"), ("3064011", "Poznań")]
    assert write_demo_caf(tmp_path / "a", units, 5, caf) == 5  # 2024 for all, 2022 for the 1st and the 3rd
    write_demo_caf(tmp_path / "b", units, 5, caf)
    assert digest(tmp_path / "a") == digest(tmp_path / "b") and len(digest(tmp_path / "a")) >= 15
    data = read_assessments(tmp_path / "a", caf)
    assert data.keys == [("0201011", "2022"), ("0201011", "2024"), ("0216", "2024"), ("3064011", "2022"),
                         ("3064011", "2024")]
    assert all(s.synthetic for s in data.sheets)
    assert set(data.scores["panel"]) == {"classical", "fine"}
    counts = data.scores.groupby(["unit", "assessment"])["assessor"].nunique()
    assert counts.between(3, 5).all()
    spread = data.scores.groupby(["unit", "assessment", "subcriterion"])["points"].agg(lambda p: p.max() - p.min())
    assert (spread >= 40).groupby(level=[0, 1]).sum().ge(1).all()  # the disputed sub-criteria
    assert not data.notes.empty and not data.plan.empty
    assert set(data.plan["priority"]) <= {"wysoki", "średni", "niski"}
