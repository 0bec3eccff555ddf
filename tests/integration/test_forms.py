"""Data-collection workbooks: made per group, filled, read back with every problem named by sheet and cell."""

from pathlib import Path

import openpyxl
import pytest

from jstbench.catalogue.load import load_catalogue
from jstbench.core.errors import InputError
from jstbench.data.forms import FIRST_DATA_ROW, forms_for_sector, make_workbook, read_workbook
from jstbench.data.load import load_files
from jstbench.data.store import Store

from ..conftest import ROOT
from .test_real_data import TERC, write

CAT = load_catalogue(ROOT / "methodology" / "catalogue")
MEMBERS = [("0201011", "Bolesławiec"), ("0201022", "Bolesławiec"), ("0201", "bolesławiecki")]


def fill_waste_workbook(path: Path, forms: list[str] | None = None) -> Path:
    """A waste-group workbook with every asked cell filled consistently (parts below their wholes)."""
    make_workbook(path, CAT, MEMBERS, "test-odpady", 2024, forms or forms_for_sector(CAT, "municipal_waste"))
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets[1:]:
        names = [c.value for c in ws[1]]
        for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(MEMBERS)):
            for j, name in enumerate(names[2:], start=3):
                if ws.cell(r, j).value != "nie dotyczy":
                    ws.cell(r, j).value = 10 if any(k in name for k in ("late", "appealed", "overturned", "leavers",
                                                                        "recycled")) else 100
    wb.save(path)
    return path


@pytest.fixture
def filled(tmp_path):
    return fill_waste_workbook(tmp_path / "grupa.xlsx")


def test_workbook_layout(tmp_path):
    path = tmp_path / "g.xlsx"
    make_workbook(path, CAT, MEMBERS, "g", 2024, ["odpady", "decyzje"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["INFO", "Odpady", "Decyzje"]
    ws = wb["Odpady"]
    assert [c.value for c in ws[1]] == ["code", "name", "waste_recycled_t"]
    assert ws["C3"].value == "t" and "recyklingowi" in ws["C4"].value
    assert ws["A5"].value == "0201011" and ws["C7"].value == "nie dotyczy"  # a powiat has no waste form to fill
    assert [r.coord for r in ws.data_validations.dataValidation[0].sqref.ranges] == ["C5:C7"]


def test_read_and_load(filled, tmp_path):
    obs, year, group = read_workbook(filled, CAT)
    assert (year, group) == (2024, "test-odpady")
    v = obs.set_index(["unit", "variable"])["value"]
    assert v[("0201011", "waste_recycled_t")] == 10 and v[("0201011", "staff_fte")] == 100
    store = tmp_path / "store"
    load_files(store, [write(tmp_path / "TERC.csv", TERC)])
    [s] = load_files(store, [filled], "form", catalogue=CAT)
    assert s.layout == "form:test-odpady" and s.new == len(obs)
    assert Store.load(store).wide().loc[("0201022", 2024), "dec_waste_late"] == 10


def edit(path, sheet, cell, value):
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def error(path) -> str:
    with pytest.raises(InputError) as err:
        read_workbook(path, CAT)
    return err.value.message


def test_negative_value(filled):
    edit(filled, "Odpady", "C6", -5)
    assert "Odpady!C6: below the minimum 0" in error(filled)


def test_text_in_numeric_cell(filled):
    edit(filled, "Kadry", "D5", "około 3")
    assert "Kadry!D5: text 'około 3' in a numeric cell" in error(filled)


def test_required_value_empty(filled):
    edit(filled, "Odpady", "C5", None)
    assert "Odpady!C5: a required value is empty" in error(filled)


def test_part_exceeds_whole(filled):
    wb = openpyxl.load_workbook(filled)
    ws = wb["Decyzje"]
    col = [c.value for c in ws[1]].index("decisions_late") + 1
    ws.cell(FIRST_DATA_ROW, col).value = 1000
    wb.save(filled)
    ref = f"Decyzje!{openpyxl.utils.get_column_letter(col)}{FIRST_DATA_ROW}"
    assert f"{ref}: decisions_late (1000) exceeds decisions_issued (100)" in error(filled)


def test_renamed_and_missing_sheets(filled):
    wb = openpyxl.load_workbook(filled)
    wb["Odpady"].title = "Odpady 2024"
    wb.save(filled)
    assert "missing sheets ['Odpady']; unknown sheets ['Odpady 2024'] (renamed?)" in error(filled)


def test_merged_cells(filled):
    wb = openpyxl.load_workbook(filled)
    wb["Kadry"].merge_cells("C5:D5")
    wb.save(filled)
    assert "Kadry!C5:D5: merged cells are not allowed" in error(filled)


def test_edited_header(filled):
    edit(filled, "Odpady", "C1", "odpady")
    assert "Odpady!A1: row 1 must hold" in error(filled)


def test_not_a_workbook(tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"not a zip")
    assert "not a readable XLSX workbook" in error(tmp_path / "x.xlsx")
