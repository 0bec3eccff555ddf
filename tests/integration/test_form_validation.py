"""Hostile data-collection workbooks: every bad cell is refused with its sheet and cell named (never a traceback,
never a non-finite value), a unit outside the group or given twice is named by its cell, a formula never
calculated is called that (not "empty"), an encrypted or oversized workbook is refused before it is read."""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jstbench.core.errors import InputError
from jstbench.core.xlsx import ENCRYPTED, OLE2, open_workbook
from jstbench.data.forms import forms_for_sector, read_workbook

from .test_forms import CAT, MEMBERS, fill_waste_workbook

FORMS = forms_for_sector(CAT, "municipal_waste")
UNCALCULATED = "a formula without a calculated value (the workbook was saved by a program that does not calculate)"


def make_filled(path: Path, forms: list[str] = FORMS) -> Path:
    """A waste-group workbook with every asked cell filled consistently (as in test_forms)."""
    return fill_waste_workbook(path, forms)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_filled(tmp_path_factory.mktemp("form") / "template.xlsx")


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """Two forms only, for the property test (fast to write and read)."""
    return make_filled(tmp_path_factory.mktemp("form") / "small.xlsx", ["odpady", "kadry"])


@pytest.fixture
def filled(template, tmp_path) -> Path:
    return Path(shutil.copy(template, tmp_path / "grupa.xlsx"))


def edit(path: Path, cells: dict[str, object]) -> Path:
    """Set cells given as `Sheet!A1`."""
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        sheet, coord = ref.split("!")
        wb[sheet][coord] = value
    wb.save(path)
    return path


def patch_xml(path: Path, part: str, old: bytes, new: bytes) -> Path:
    """Replace bytes in one part of the package (what openpyxl would not write: 1e999, 400 digits, a false size)."""
    parts = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parts[info.filename] = archive.read(info.filename)
    assert parts[part].count(old) == 1, parts[part][:400]
    parts[part] = parts[part].replace(old, new)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def sheet_part(path: Path, sheet: str) -> str:
    wb = openpyxl.load_workbook(path)
    return f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"


def error(path: Path, **kw) -> str:
    with pytest.raises(InputError) as err:
        read_workbook(path, CAT, **kw)
    return err.value.message


# --------------------------------------------------------------------------------------------- one cell each

@pytest.mark.parametrize("cell,value,message", [
    ("Kadry!D5", dt.datetime(2024, 1, 31), "Kadry!D5: a date or time (2024-01-31 00:00:00) in a numeric cell"),
    ("Kadry!D5", dt.time(8, 30), "Kadry!D5: a date or time (08:30:00) in a numeric cell"),
    ("Odpady!C5", "inf", "Odpady!C5: a value that is not a finite number 'inf' in a numeric cell"),
    ("Odpady!C5", "-Infinity", "Odpady!C5: a value that is not a finite number '-Infinity' in a numeric cell"),
    ("Odpady!C5", "nan", "Odpady!C5: a value that is not a finite number 'nan' in a numeric cell"),  # a required cell
    ("Odpady!C5", 1e308, "Odpady!C5: 1e+308 is more than any count or amount of one local government (at most 1e+12"),
    ("Odpady!C5", "1e308", "Odpady!C5: 1e+308 is more than any count or amount of one local government"),
    ("Odpady!C5", True, "Odpady!C5: a logical value (TRUE) in a numeric cell: type a number"),
    ("Odpady!C5", False, "Odpady!C5: a logical value (FALSE) in a numeric cell"),
    ("Odpady!C5", "#DIV/0!", "Odpady!C5: the error value #DIV/0! (a formula that failed) in a numeric cell"),
    ("Odpady!C5", "1_000", "Odpady!C5: text '1_000' in a numeric cell"),
    ("Odpady!C5", "=A1+1", f"Odpady!C5: {UNCALCULATED}"),
    ("Kadry!A5", "0201019", "Kadry!A5: TERYT code '0201019' is not 4 digits (powiat) or 7 digits ending in 1, 2 or 3"),
    ("Kadry!A5", 201011, "Kadry!A5: TERYT code '201011' is not 4 digits"),
    ("Kadry!A7", "0201033", "Kadry!A7: unit 0201033 is not a member of group test-odpady"),
    ("Kadry!A7", "0201011", "Kadry!A7: unit 0201011 appears twice on this sheet (also in row 5)"),
    ("Kadry!A7", "=A5", f"Kadry!A7: {UNCALCULATED}"),
    ("INFO!B2", "20x3", "INFO!B2: 'rok' must be a year (1990–2100), not '20x3'"),
    ("INFO!B2", 2024.7, "INFO!B2: 'rok' must be a year (1990–2100), not '2024.7'"),
    ("INFO!B2", True, "INFO!B2: 'rok' must be a year (1990–2100), not 'True'"),
    ("INFO!B2", None, "INFO!B2: 'rok' must be a year (1990–2100), not missing"),
    ("INFO!B1", None, "INFO!B1: sheet INFO must give 'grupa'"),
    ("INFO!B4", "0201011,0201x", "INFO!B4: 'jednostki' must list the group's TERYT codes"),
])
def test_bad_cell_is_named(filled, cell, value, message):
    assert message in error(edit(filled, {cell: value}))


def test_the_unedited_workbook_reads(filled):
    obs, year, group = read_workbook(filled, CAT)
    assert (year, group) == (2024, "test-odpady") and set(obs["unit"]) == {code for code, _ in MEMBERS}
    assert obs["value"].dropna().map(math.isfinite).all()


def test_numbers_typed_as_text_and_not_applicable(filled):
    edit(filled, {"Odpady!C5": "1 234,5", "Odpady!C6": " 12.0 ", "Kadry!D5": "nie dotyczy"})
    v = read_workbook(filled, CAT)[0].set_index(["unit", "variable"])["value"]
    assert v[("0201011", "waste_recycled_t")] == 1234.5 and v[("0201022", "waste_recycled_t")] == 12
    assert math.isnan(v[("0201011", "staff_leavers")])  # "nie dotyczy": empty, not a problem


def test_members_given_by_the_caller_win(filled):
    """The group as params/groups.yml defines it, when the caller gives it, rather than the workbook's own list."""
    assert "Odpady!A7: unit 0201 is not a member of group test-odpady" in error(filled, members=["0201011", "0201022"])


def test_a_long_value_is_quoted_as_an_excerpt(filled):
    message = error(edit(filled, {"Kadry!D5": "x" * 5_000}))
    assert "Kadry!D5: text 'xxxx" in message and "…' in a numeric cell" in message and len(message) < 300


def test_a_value_the_xml_holds_beyond_any_float(filled):
    """Numbers that openpyxl does not write but a hostile file can hold: 1e999 (inf when read) and 400 digits."""
    edit(filled, {"Odpady!C5": 123.25, "Odpady!C6": 456.25})
    part = sheet_part(filled, "Odpady")
    patch_xml(filled, part, b"<v>123.25</v>", b"<v>1e999</v>")
    patch_xml(filled, part, b"<v>456.25</v>", b"<v>" + b"9" * 400 + b"</v>")
    message = error(filled)
    assert "Odpady!C5: a value that is not a finite number (inf) in a numeric cell" in message
    assert "Odpady!C6: a value that is not a finite number (" in message


def test_a_required_formula_without_value_is_not_called_empty(filled):
    message = error(edit(filled, {"Odpady!C5": "=1+1", "Odpady!C6": "=C5*2"}))
    assert "Odpady: a formula without a calculated value" in message and "in 2 cells: C5, C6" in message
    assert "required value is empty" not in message


def test_a_formula_with_a_calculated_value_is_read(filled):
    edit(filled, {"Odpady!C5": 123.0})
    patch_xml(filled, sheet_part(filled, "Odpady"), b'<c r="C5" t="n"><v>123</v></c>', b'<c r="C5"><f>100+23</f><v>123</v></c>')
    v = read_workbook(filled, CAT)[0].set_index(["unit", "variable"])["value"]
    assert v[("0201011", "waste_recycled_t")] == 123


# ------------------------------------------------------------------------------------------ whole workbooks

def test_encrypted_workbook(tmp_path):
    """A password-protected workbook is an OLE2 compound file holding an EncryptionInfo stream."""
    path = tmp_path / "haslo.xlsx"
    path.write_bytes(OLE2 + b"\0" * 504 + ENCRYPTED + b"\0" * 1000)
    assert "haslo.xlsx: the workbook is encrypted (password-protected): open it, remove the password" in error(path)


def test_old_xls_workbook(tmp_path):
    path = tmp_path / "stary.xlsx"
    path.write_bytes(OLE2 + b"\0" * 2000)
    assert "stary.xlsx: an Excel 97–2003 (.xls) or other OLE file, not an XLSX workbook" in error(path)


def test_missing_file(tmp_path):
    assert "nie-ma.xlsx: file not found" in error(tmp_path / "nie-ma.xlsx")


def rows_workbook(path: Path, rows: int, write_only: bool = False) -> Path:
    """A workbook of one sheet of `rows` rows; a write-only one declares no size."""
    wb = openpyxl.Workbook(write_only=write_only)
    ws = wb.create_sheet("INFO") if write_only else wb.active
    ws.title = "INFO"
    for n in range(rows):
        ws.append([n])
    wb.save(path)
    return path


def test_workbook_with_too_many_rows(tmp_path):
    path = rows_workbook(tmp_path / "wiersze.xlsx", 5_001)
    assert "wiersze.xlsx: INFO: the sheet has 5,001 rows, more than the 5,000 rows a sheet of this workbook may have" in error(path)
    path = rows_workbook(tmp_path / "bez-wymiaru.xlsx", 5_001, write_only=True)
    assert "bez-wymiaru.xlsx: INFO: the sheet has more than the 5,000 rows a sheet of this workbook may have" in error(path)


def test_a_declared_million_rows_are_refused_unread(tmp_path):
    path = patch_xml(rows_workbook(tmp_path / "milion.xlsx", 3), "xl/worksheets/sheet1.xml", b'<dimension ref="A1:A3"',
                     b'<dimension ref="A1:XFD1048576"')
    assert "milion.xlsx: INFO: the sheet has 1,048,576 rows, more than the 5,000 rows" in error(path)


def test_rows_are_counted_when_the_declared_size_understates(tmp_path):
    path = patch_xml(rows_workbook(tmp_path / "wiersze.xlsx", 30), "xl/worksheets/sheet1.xml", b'<dimension ref="A1:A30"',
                     b'<dimension ref="A1:A3"')
    with pytest.raises(InputError, match="INFO: the sheet has more than the 20 rows"):
        open_workbook(path, max_rows=20)
    assert open_workbook(path, max_rows=30)["INFO"].max_row == 30


def test_workbook_unpacking_to_too_much(filled):
    with pytest.raises(InputError, match=r"grupa.xlsx: the workbook unpacks to 0 MB, more than the 0 MB"):
        open_workbook(filled, max_unpacked=1_000)


def test_damaged_part(filled):
    patch_xml(filled, sheet_part(filled, "Odpady"), b"<sheetData>", b"<sheetData><row")
    assert "grupa.xlsx: not a readable XLSX workbook" in error(filled)


# ------------------------------------------------------------------------------------------------- property

CELL_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.sampled_from(["inf", "-inf", "NaN", "1e308", "1e999", "1,5", " 7 ", "nie dotyczy", "#N/A", "=1+1", "1_0", "0x10"]),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1)), st.times(),
)
TARGETS = ["Odpady!C5", "Odpady!C6", "Kadry!C5", "Kadry!D5", "Kadry!C6", "Kadry!D7"]
REF = re.compile(r"^\S*grupa\.xlsx: (Odpady|Kadry)(![A-Z]+\d+)?: ")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(CELL_VALUES, min_size=1, max_size=len(TARGETS)))
def test_random_cells_give_rows_or_named_errors(small, tmp_path, values):
    """Whatever is typed into numeric cells, `read_workbook` returns finite values (empty cells as NaN) or an
    InputError naming each problem's sheet and cell; never another exception."""
    path = Path(shutil.copy(small, tmp_path / "grupa.xlsx"))
    wb = openpyxl.load_workbook(path)
    for ref, value in zip(TARGETS, values, strict=False):
        sheet, coord = ref.split("!")
        wb[sheet][coord] = value
    wb.save(path)
    try:
        obs, _, _ = read_workbook(path, CAT)
    except InputError as exc:
        lines = exc.message.splitlines()
        assert lines and all(REF.match(line) for line in lines), exc.message
        return
    assert not obs["value"].map(math.isinf).any()
