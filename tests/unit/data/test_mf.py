"""Ministry of Finance files, piece by piece: names, unit keys, the JST dictionary, DBF decoding, finding the annual
files of `data fetch-mf`, layouts and the year-dependent classification (the whole load is in
tests/integration/test_budget.py)."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.data import mf
from jstbench.data.budget import (
    BudgetMapping,
    ClassCode,
    DbfLayout,
    check_classification,
    choose_layout,
    load_budget_mapping,
    load_classification,
    to_observations,
)

from ...conftest import ROOT
from ...integration.test_budget import BOLESLAWIEC, RB28S_SPEC, RBZ_SPEC, catalogue, variable, write_dbf, write_zip

COLUMNS = ROOT / "params" / "budget_columns.yml"


@pytest.mark.parametrize("name,report,year,quarter", [
    ("Rb28S_2023Q4.zip", "Rb-28S", 2023, 4),
    ("RB27S_2019_4kw.zip", "Rb-27S", 2019, 4),
    ("rb-z 2020 Q2.zip", "Rb-Z", 2020, 2),
    ("RbPDP_2024Q4.ZIP", "Rb-PDP", 2024, 4),
    ("RB28S.DBF", "Rb-28S", None, None),
    ("RbZKP_2020Q4.zip", None, 2020, 4),  # another report (Rb-ZKP), not Rb-Z
    ("Rb27ZZ_2020Q4.zip", None, 2020, 4),  # Rb-27ZZ (commissioned tasks), not Rb-27S
    ("Rb28S_2019-2020.zip", "Rb-28S", None, None),  # two years: not one
])
def test_names(name, report, year, quarter):
    assert mf.report_from_name(name) == report
    assert mf.year_quarter_from_name(name) == (year, quarter)


@pytest.mark.parametrize("key,expected", [
    (("02", "01", "01", "1", "0"), ("0201011", None)),  # gmina miejska
    (("02", "01", "03", "3", "0"), ("0201033", None)),  # gmina miejsko-wiejska
    (("02", "01", "00", "0", "1"), ("0201", None)),  # powiat
    (("14", "65", "00", "0", "2"), ("1465011", None)),  # Warszawa, city with powiat rights
    (("02", "61", "00", "", ""), ("0261011", None)),  # a CSV without PT: PK ≥ 61 is the city
    (("02", "00", "00", "0", "0"), (None, mf.VOIVODESHIP)),
    (("24", "69", "01", "Z", "8"), (None, mf.UNION)),
    (("24", "69", "01", "z", "8"), (None, mf.UNION)),
])
def test_unit_from_digits(key, expected):
    assert mf.unit_from_digits(*key) == expected


@pytest.mark.parametrize("key", [("02", "01", "01", "4", "0"), ("02", "00", "00", "0", "9"), ("2", "01", "01", "1", "0"),
                                 ("02", "70", "00", "0", "1")])
def test_unit_keys_the_digits_do_not_tell(key):
    with pytest.raises(ValueError, match="WK, PK and GK|not a kind the digits tell"):
        mf.unit_from_digits(*key)


def test_text_and_numbers():
    raw = np.array(["Bolesławiec ".encode("cp1250"), b"1 ", b"1 "], dtype="S12")
    assert mf.decode_text(raw, "N", "f").tolist() == ["Bolesławiec", "1", "1"]
    assert mf.decode_text(np.array([b"1", b"", b"12"]), "GK", "f", width=2).tolist() == ["01", "", "12"]
    nums = mf.decode_numbers(np.array([b"   12.50", b"        ", b"-3,25", b"1e3"]), "R4", "f")
    assert nums[0] == 12.5 and math.isnan(nums[1]) and nums[2] == -3.25 and nums[3] == 1000
    with pytest.raises(InputError, match=r"f: record 2: field NAZWA: byte 0x98"):
        mf.decode_text(np.array([b"ok", b"\x98"]), "NAZWA", "f")


BESTIA = ("NAZWA;WK;PK;GK;GT;PT;Typ jednostki;Podtyp jednostki;Kod GUS;Kod MSWiA;Data od;Data do\n"
          "dolnośląskie;02;00;00;0;0;Województwo;;0200000;;1999-01-01;\n"
          "bolesławiecki;02;01;00;0;1;Powiat;;0201000;;1999-01-01;\n"
          "BOLESŁAWIEC;02;01;01;1;0;Gmina;Gmina miejska;0201011;;1994-01-01;\n"
          "Jelenia Góra;02;61;00;0;2;Miasto na prawach powiatu;;0261000;;1999-01-01;\n"
          "WAŁBRZYCH;02;21;09;1;0;Gmina;Gmina miejska;0221091;;2003-01-01;2012-12-31\n"
          "Wałbrzych;02;21;09;1;0;Gmina;Gmina miejska;0265011;;2013-01-01;\n"
          "Związek Gmin Dolnego Sanu;18;18;01;Z;8;Związek JST;;181801Z;233;2002-01-16;\n"
          "Inny Związek;18;18;01;Z;8;Związek JST;;181801Z;234;2002-01-16;\n")
DICT_ARGS = dict(key=["WK", "PK", "GK", "GT", "PT"], code="Kod GUS", kind=["Typ jednostki", "Typ Jst Nazwa"],
                 valid_from=["Data od"], valid_to=["Data do"])


def test_units_dictionary_csv_in_windows_1250(tmp_path):
    path = tmp_path / "slownik_jst.csv"
    path.write_bytes(BESTIA.encode("cp1250"))
    d = mf.load_units_dictionary(path, **DICT_ARGS)
    assert d.lookup(("02", "01", "01", "1", "0"), 2020).code == "0201011"
    assert d.lookup(("02", "01", "00", "0", "1"), 2020).code == "0201"
    assert d.lookup(("02", "61", "00", "0", "2"), 2020).code == "0261011"  # Kod GUS 0261000: the city, WWPP011
    assert d.lookup(("02", "00", "00", "0", "0"), 2020).reason == mf.VOIVODESHIP
    assert d.lookup(("18", "18", "01", "Z", "8"), 2020).reason == mf.UNION  # two unions share a key: both skipped
    assert d.lookup(("02", "21", "09", "1", "0"), 2010).code == "0221091"  # entries chosen by their years
    assert d.lookup(("02", "21", "09", "1", "0"), 2015).code == "0265011"
    assert d.lookup(("04", "01", "01", "1", "0"), 2015) is None


def test_units_dictionary_xlsx_with_current_column_names(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["WK", "PK", "GK", "GT", "PT", "Nazwa", "Typ Jst Nazwa", "Kod GUS"])
    ws.append([2, 1, 1, 1, 0, "Bolesławiec", "gmina miejska", 201011])  # numbers lose their zeros in Excel
    ws.append(["30", "64", "00", "0", "2", "Poznań", "miasto na prawach powiatu", "3064000"])
    wb.save(tmp_path / "jst.xlsx")
    d = mf.load_units_dictionary(tmp_path / "jst.xlsx", **DICT_ARGS)
    assert d.lookup(("02", "01", "01", "1", "0"), 2024).code == "0201011"
    assert d.lookup(("30", "64", "00", "0", "2"), 2024).code == "3064011"


def test_units_dictionary_problems(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("WK;PK;GK;GT;PT;Kod\n02;01;01;1;0;0201011\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"d.csv: row 1: the units dictionary has no column\(s\) \['Kod GUS'\]"):
        mf.load_units_dictionary(path, **DICT_ARGS)
    path.write_text("WK;PK;GK;GT;PT;Typ jednostki;Kod GUS\n02;01;01;1;0;Gmina;02010\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"d.csv: row 2: Kod GUS '0002010'|d.csv: row 2: unit kind"):
        mf.load_units_dictionary(path, **DICT_ARGS)
    with pytest.raises(InputError, match="units dictionary not found"):
        mf.load_units_dictionary(tmp_path / "none.csv", **DICT_ARGS)


def test_find_annual_files(tmp_path):
    for name in ("Rb28S_2022Q4.zip", "Rb28S_2022Q3.zip", "Rb27S_2014Q4.zip", "RbZ_2023Q4.ZIP", "opis.zip",
                 "Rb28S.dbf", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    found = mf.find_mf_files(tmp_path, mf.parse_years("2015-2024"), tmp_path / "work")
    assert [p.name for p in found.files] == ["Rb28S_2022Q4.zip", "RbZ_2023Q4.ZIP"]
    why = dict(found.skipped)
    assert why["Rb28S_2022Q3.zip"].startswith("quarterly report (Q3")
    assert why["Rb27S_2014Q4.zip"] == "year 2014 not asked for"
    assert why["opis.zip"].startswith("no report") and why["Rb28S.dbf"].startswith("no year")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "RB28S_2022Q4.zip").write_bytes(b"x")
    with pytest.raises(InputError, match="two files for Rb-28S 2022: Rb28S_2022Q4.zip and RB28S_2022Q4.zip"):
        mf.find_mf_files(tmp_path, None, tmp_path / "work")


def test_find_in_a_bundle_and_a_damaged_bundle(tmp_path):
    inner = write_zip(tmp_path / "Rb28S_2021Q4.zip", {"RB28S.DBF": write_dbf(tmp_path / "a.dbf", RB28S_SPEC, [])})
    bundle = write_zip(tmp_path / "pobrane.zip", {"2021/Rb28S_2021Q4.zip": inner})
    work = tmp_path / "work"
    work.mkdir()
    found = mf.find_mf_files(bundle, None, work)
    assert [p.name for p in found.files] == ["Rb28S_2021Q4.zip"] and found.files[0].is_relative_to(work)
    assert mf.find_mf_files(inner, None, work).files == [inner]  # a report ZIP is itself the file
    (tmp_path / "broken.zip").write_bytes(bundle.read_bytes()[:40])
    with pytest.raises(InputError, match="broken.zip: damaged ZIP archive"):
        mf.find_mf_files(tmp_path / "broken.zip", None, work)


@pytest.mark.parametrize("text,message", [("2015-2024", None), ("2020", None), ("2015,2018-2020", None),
                                          ("15-24", "'15-24' is not a year"), ("2024-2015", "runs backwards")])
def test_parse_years(text, message):
    if message is None:
        assert mf.parse_years(text)
        return
    with pytest.raises(InputError, match=message):
        mf.parse_years(text)


def test_deleted_records_are_not_read(tmp_path):
    import dbf

    path = write_dbf(tmp_path / "x.dbf", RB28S_SPEC, [(*BOLESLAWIEC, "801", "80101", "401", "0", 1, 1)] * 3)
    table = dbf.Table(str(path))
    table.open(dbf.READ_WRITE)
    dbf.delete(table[1])
    table.close()
    data = mf.read_dbf(path, "x.dbf")
    assert data.records == 2 and data.deleted == 1 and data.text("DZIAL").tolist() == ["801", "801"]


# ------------------------------------------------------------------------------------------------------ layouts

def test_project_layouts_and_classification_load():
    mapping = load_budget_mapping(COLUMNS)
    dbf = {n: lay for n, lay in mapping.layouts.items() if isinstance(lay, DbfLayout)}
    assert {lay.report for lay in dbf.values()} == {"Rb-27S", "Rb-28S", "Rb-Z", "Rb-PDP"}
    assert dbf["rb27s-mf"].values["arrears"] == "R5" and dbf["rbz-mf"].values["debt"] == "E"
    assert not dbf["rbz-mf"].classified and dbf["rb28s-mf"].required_fields()[-2:] == ["R1", "R4"]
    assert mapping.layouts["rb28s"].kind == "csv"  # the CSV layouts keep working
    classification = load_classification(COLUMNS.parent / mapping.classification)
    assert {c.code for c in classification.codes} >= {"855", "80149", "80150", "85230", "71013"}
    assert all(c.evidence.split()[0].rstrip(";") in classification.evidence or "SOURCES.md" in c.evidence
               for c in classification.codes)


@pytest.mark.parametrize("layout,message", [
    ({"kind": "dbf", "report": "Rb-28S", "dzial": "DZIAL", "values": {"execution": "R4"}}, "give dzial, rozdzial and paragraf"),
    ({"kind": "dbf", "report": "Rb-28S", "values": {"execution": "R4"}, "unverified": ["plan"]}, "unverified names columns"),
    ({"kind": "dbf", "report": "Rb-28S", "values": {"Wykonanie": "R4"}}, "value column name 'Wykonanie'"),
    ({"kind": "dbf", "report": "Rb-28S", "values": {}}, "at least 1 item"),
    ({"kind": "xls", "report": "Rb-28S"}, "does not match any of the expected tags"),
    ({"report": "Rb-NDS", "dzial": "D", "rozdzial": "R", "paragraf": "P", "plan": "P", "execution": "W"}, "Rb-27S"),
])
def test_bad_layouts(layout, message):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        BudgetMapping.model_validate({"layouts": {"x": layout}})


@pytest.mark.parametrize("code,message", [
    ({"level": "rozdzial", "code": "801", "label": "xx", "valid_from": 2017, "evidence": "EE"}, "has 5 digits"),
    ({"level": "dzial", "code": "855", "label": "xx", "evidence": "EE"}, "give valid_from and/or valid_to"),
    ({"level": "dzial", "code": "855", "label": "xx", "valid_from": 2018, "valid_to": 2017, "evidence": "EE"}, "after"),
])
def test_bad_classification_codes(code, message):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        ClassCode.model_validate(code)


def _member(name: str) -> mf.Member:
    return mf.Member(Path(name), name, Path(name))


def test_choose_layout():
    mapping = load_budget_mapping(COLUMNS)
    fields = ["WK", "PK", "GK", "GT", "PT", "DZIAL", "ROZDZIAL", "PAR", "PAR4", "R1", "R4"]
    assert choose_layout(mapping, COLUMNS, _member("Rb28S_2023Q4.zip"), fields, "mf", None)[0] == "rb28s-mf"
    with pytest.raises(InputError, match=r"cannot tell which report this is \(neither its name nor its fields tell\)"):
        choose_layout(mapping, COLUMNS, _member("dane.dbf"), fields, "mf", None)
    with pytest.raises(InputError, match="cannot tell which report this is \\(its fields fit Rb-27S, Rb-28S\\)"):
        choose_layout(mapping, COLUMNS, _member("dane.dbf"), [*fields, "R5", "R6", "R12B"], "mf", None)
    assert choose_layout(mapping, COLUMNS, _member("dane.dbf"), fields, "rb28s", None)[0] == "rb28s-mf"
    with pytest.raises(InputError, match="layout rbz-mf is for Rb-Z, the file is Rb-28S"):
        choose_layout(mapping, COLUMNS, _member("Rb28S_2023Q4.zip"), fields, "mf", "rbz-mf")
    with pytest.raises(InputError, match="no DBF layout 'rb28s'"):
        choose_layout(mapping, COLUMNS, _member("Rb28S_2023Q4.zip"), fields, "mf", "rb28s")


# --------------------------------------------------------------------------------------------------- summing

def items(rows: list[tuple], columns=("plan", "execution"), classified=True) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["unit", "year", "dzial", "rozdzial", "paragraf", "row", *columns])
    df.attrs.update(classified=classified, file="f", row_label="record")
    return df


def test_to_observations_columns_years_and_plan():
    cat = catalogue(
        variable("inv", {"report": "Rb-28S", "paragraphs": "605-606", "valid_to": 2016},
                 {"report": "Rb-28S", "paragraphs": "605-606, 617", "valid_from": 2017}),
        variable("arrears", {"report": "Rb-28S", "dzial": "801", "column": "arrears"}),
        variable("other", {"report": "Rb-27S", "dzial": "801"}))
    lines = items([("0201011", 2016, "801", "80101", "6050", 1, 10.0, 9.0),
                   ("0201011", 2016, "801", "80101", "6170", 2, 10.0, 9.0),   # 617 counts from 2017 only
                   ("0201011", 2017, "801", "80101", "6057", 3, 20.0, 19.0),
                   ("0201011", 2017, "801", "80101", "6170", 4, 30.0, 29.0)])
    obs, missing = to_observations(lines, cat, "Rb-28S", "src")
    got = obs.set_index(["year", "variable"])["value"]
    assert got[(2016, "inv")] == 9 and got[(2017, "inv")] == 19 + 29 and got[(2017, "plan:inv")] == 50
    assert missing == ["arrears (column 'arrears' is not in this file's layout)"]
    assert set(obs["source"]) == {"src"}


def test_to_observations_of_a_report_without_classification():
    cat = catalogue(variable("debt", {"report": "Rb-Z", "paragraphs": "*", "column": "debt"}),
                    variable("loans", {"report": "Rb-Z", "dzial": "757", "column": "debt_loans"}))
    lines = items([("0201011", 2020, "", "", "", 1, 100.0, 60.0)], columns=("debt", "debt_loans"), classified=False)
    obs, missing = to_observations(lines, cat, "Rb-Z", "src")
    assert obs.set_index("variable")["value"].to_dict() == {"debt": 100.0}
    assert missing == ["loans (the report has no classification lines: a source sums them with paragraphs '*')"]


def test_classification_check_refuses_or_counts():
    from jstbench.data.budget import Classification

    cl = Classification.model_validate({"codes": [
        {"level": "dzial", "code": "855", "label": "Rodzina", "valid_from": 2017, "evidence": "KLAS"},
        {"level": "paragraf", "code": "471", "label": "PPK", "valid_from": 2019, "evidence": "GP2020", "check": "warn"}]})
    lines = items([("0201011", 2018, "801", "80101", "4710", 7, 1.0, 1.0)])
    notes: dict[str, int] = {}
    check_classification(lines, cl, notes)
    assert list(notes) == ["(not rows) 1 lines use paragraf 471 outside the years it exists (from 2019, GP2020): kept, check them"]
    with pytest.raises(InputError, match=r"f: record 9: dział 855 \(Rodzina\) is outside the classification valid in 2016"):
        check_classification(items([("0201011", 2016, "855", "85501", "3110", 9, 1.0, 1.0)]), cl, notes)


def test_a_zip_of_several_reports(tmp_path):
    """One archive may hold several reports: each DBF is told apart by its name and read with its own layout."""
    from jstbench.data.load import load_files

    from ...integration.test_budget import CATALOGUE, TERC, write

    rb28 = write_dbf(tmp_path / "a.dbf", RB28S_SPEC, [(*BOLESLAWIEC, "801", "80101", "401", "0", 1, 5)])
    rbz = write_dbf(tmp_path / "b.dbf", RBZ_SPEC, [(*BOLESLAWIEC, 7.0, 0, 7.0, 0, 0)])
    archive = write_zip(tmp_path / "budzety_2020.zip", {"RB28S.DBF": rb28, "RBZ.DBF": rbz})
    store = tmp_path / "store"
    load_files(store, [write(tmp_path / "TERC.csv", TERC)])
    [s] = load_files(store, [archive], budget_columns=COLUMNS, catalogue=CATALOGUE)
    assert s.layout == "rb28s-mf, rbz-mf" and s.variables == ["debt", "exp_801", "exp_80101"] and s.years == [2020]
    with zipfile.ZipFile(archive) as z:
        assert len(z.namelist()) == 2
