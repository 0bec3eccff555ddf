"""The parts of the BDL reader that decide what a value means: levels of rows, mapping rules, zero placeholders, one
value per unit-year, API response layouts, and the TERC layouts of the units register."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.data import bdl
from jstbench.data.bdl import (
    MIN_UNITS_ALL_ZERO,
    ZERO_PLACEHOLDER,
    BdlTable,
    Mapping,
    MappingRule,
    apply_mapping,
    components,
    level_filter,
    load_mapping,
    mark_zero_placeholders,
    merge_duplicates,
    no_rule_matched,
    parse_api_json,
    read_export,
    row_level,
)
from jstbench.data.teryt import read_terc, units_from_terc

from ...conftest import ROOT

COLUMNS = ["table", "code", "name", "year", "dims", "value", "flag", "unit_of_measure", "row"]


def frame(rows: list[tuple]) -> pd.DataFrame:
    """Long rows (table, code, name, year, dims, value, row) as read_export gives them."""
    return pd.DataFrame([(t, c, n, y, d, v, None, "osoba", r) for t, c, n, y, d, v, r in rows], columns=COLUMNS)


def mapping(*rules: dict) -> Mapping:
    return Mapping(rules=[MappingRule(**r) for r in rules])


# ---- levels and rules ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code,level", [
    ("0201000", "powiat"), ("0201011", "gmina"), ("0201022", "gmina"), ("0201033", "gmina"),
    ("0261000", "both"), ("0261011", "both"), ("1465000", "both"),  # cities with powiat rights, Warsaw
    ("0201034", ""), ("0200000", ""), ("0000000", ""), ("1465108", ""),
    ("011212001000", "powiat"), ("023016121132", "gmina"),  # 12-digit BDL ids
])
def test_row_level(code, level):
    assert row_level(code) == level


def test_rule_level_is_optional_one_or_several(tmp_path):
    path = tmp_path / "m.yml"
    path.write_text("rules:\n  - {table: LUDN_2137, match: {Wiek: ogółem}, variable: population, scale: 1}\n"
                    "  - {table: LUDN_1355, variable: net_migration, level: gmina}\n"
                    "  - {table: API_72305, variable: population, level: [gmina, powiat]}\n", encoding="utf-8")
    rules = load_mapping(path).rules
    assert [r.level for r in rules] == [None, ("gmina",), ("gmina", "powiat")]
    assert (rules[0].total, rules[0].real_zeros) == (None, False)


@pytest.mark.parametrize("level,message", [
    ("województwo", r"m.yml: rules\[0\].level"),
    ("[]", r"m.yml: rules\[0\].level: give gmina, powiat or both"),
])
def test_rule_level_errors_name_the_field(tmp_path, level, message):
    path = tmp_path / "m.yml"
    path.write_text(f"rules:\n  - {{table: LUDN_1355, variable: net_migration, level: {level}}}\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_mapping(path)


def test_the_repository_mapping_is_valid():
    rules = load_mapping(ROOT / "params" / "bdl_mapping.yml").rules
    by_table = {r.table: r for r in rules}
    assert by_table["LUDN_1355"].level == ("gmina",)
    assert by_table["API_72305"].level == ("gmina", "powiat")


def test_apply_mapping_keeps_rule_raw_value_and_first_rule_wins():
    data = frame([("LUDN_2137", "0201011", "B (1)", 2020, "Wiek=ogółem|Płeć=ogółem", 38.5, 2),
                  ("LUDN_2137", "0201011", "B (1)", 2020, "Wiek=ogółem|Płeć=kobiety", 20.0, 3),
                  ("LUDN_9999", "0201011", "B (1)", 2020, "Wiek=ogółem|Płeć=ogółem", 1.0, 4)])
    m = mapping({"table": "LUDN_2137", "match": {"Płeć": "ogółem"}, "variable": "population", "scale": 1000},
                {"table": "LUDN_2137", "match": {}, "variable": "anything"})
    matched, unmatched = apply_mapping(data, m)
    assert matched[["variable", "rule", "raw", "value"]].values.tolist() == [["population", 0, 38.5, 38500.0],
                                                                            ["anything", 1, 20.0, 20.0]]
    assert unmatched.tolist() == [False, False, True]


def test_level_filter_skips_other_levels_and_warns_on_mixed_tables():
    data = frame([("LUDN_1355", "0201000", "Powiat b.", 2015, "label=x|breakdown=ogółem", 5, 2),
                  ("LUDN_1355", "0201011", "B (1)", 2015, "label=x|breakdown=ogółem", 3, 3),
                  ("LUDN_1355", "0261000", "Powiat m. J", 2015, "label=x|breakdown=ogółem", 7, 4)])
    gmina = mapping({"table": "LUDN_1355", "variable": "net_migration", "level": "gmina"})
    kept, rejected, warnings = level_filter(apply_mapping(data, gmina)[0], gmina.rules)
    assert kept["code"].tolist() == ["0201011", "0261000"] and warnings == []
    assert list(rejected.values()) == [1] and "powiat row; rule LUDN_1355 → net_migration applies to level gmina" in next(iter(rejected))
    powiat = mapping({"table": "LUDN_1355", "variable": "net_migration", "level": "powiat"})
    kept, rejected, _ = level_filter(apply_mapping(data, powiat)[0], powiat.rules)
    assert kept["code"].tolist() == ["0201000", "0261000"] and list(rejected.values()) == [1]
    none = mapping({"table": "LUDN_1355", "variable": "net_migration"})
    kept, rejected, warnings = level_filter(apply_mapping(data, none)[0], none.rules)
    assert len(kept) == 3 and rejected == {}
    assert len(warnings) == 1 and "has no `level` and the file holds both powiat rows (WWPP000) and gmina rows" in warnings[0]


# ---- zero placeholders ----------------------------------------------------------------------------------------------

def gminas(n: int) -> list[tuple[str, str]]:
    return [(f"02{p:02d}{g:02d}2", f"G{p}-{g} (2)") for p in range(1, 40) for g in range(1, 10)][:n]


def test_all_zero_variable_year_is_a_placeholder_only_in_a_large_file():
    units = gminas(MIN_UNITS_ALL_ZERO)
    rows = [("LUDN_1355", c, n, y, "label=saldo|breakdown=ogółem", 0.0 if y == 2015 else float(i % 7 - 3), i)
            for i, (c, n) in enumerate(units) for y in (2015, 2016)]
    data = frame(rows)
    m = mapping({"table": "LUDN_1355", "variable": "net_migration"})
    out, warnings = mark_zero_placeholders(data, apply_mapping(data, m)[0], m.rules)
    y2015 = out[out["year"] == 2015]
    assert y2015["value"].isna().all() and (y2015["flag"] == ZERO_PLACEHOLDER).all()
    assert out.loc[out["year"] == 2016, "value"].eq(0).sum() > 0  # 0 among other values is a value
    assert warnings == [f"net_migration 2015: 0 for all {MIN_UNITS_ALL_ZERO} units in the file, BDL's placeholder for 'no data'; "
                        "loaded as missing with flag zero-placeholder; if the zeros are real, add `real_zeros: true` to the "
                        "rule LUDN_1355 → net_migration"]
    small = data[data["code"].isin([c for c, _ in units[:30]])]
    out, warnings = mark_zero_placeholders(small, apply_mapping(small, m)[0], m.rules)
    assert out["value"].notna().all() and warnings == []  # 30 rural gminas may truly all have 0
    real = mapping({"table": "LUDN_1355", "variable": "net_migration", "real_zeros": True})
    out, warnings = mark_zero_placeholders(data, apply_mapping(data, real)[0], real.rules)
    assert out["value"].notna().all() and warnings == []


CTAB_DIMS = ["label=zameldowania ogółem|breakdown=ogółem", "label=zameldowania z miast|breakdown=ogółem",
             "label=zameldowania ze wsi|breakdown=ogółem", "label=wymeldowania ogółem|breakdown=ogółem",
             "label=wymeldowania do miast|breakdown=ogółem", "label=saldo migracji|breakdown=ogółem"]


def test_components_of_a_total():
    assert components(CTAB_DIMS[0], "label", CTAB_DIMS) == CTAB_DIMS[1:3]
    assert components(CTAB_DIMS[3], "label", CTAB_DIMS) == [CTAB_DIMS[4]]
    assert components(CTAB_DIMS[5], "breakdown", CTAB_DIMS) == []  # no other breakdown of "saldo migracji"
    crel = ["Wiek=ogółem|Płeć=ogółem", "Wiek=ogółem|Płeć=mężczyźni", "Wiek=ogółem|Płeć=kobiety", "Wiek=0-4|Płeć=ogółem"]
    assert components(crel[0], "Płeć", crel) == crel[1:3] and components(crel[0], "Wiek", crel) == [crel[3]]
    parts = ["label=l|breakdown=ogółem;miasto", "label=l|breakdown=kobiety;miasto", "label=l|breakdown=kobiety;wieś"]
    assert components(parts[0], "breakdown#0", parts) == [parts[1]]


def test_total_of_zero_with_non_zero_components_is_a_placeholder():
    rows = []
    for i, (code, name) in enumerate(gminas(5)):
        total = 0.0 if i < 2 else 30.0  # two units give 0 although their components are not 0
        rows += [("LUDN_1355", code, name, 2016, CTAB_DIMS[0], total, i), ("LUDN_1355", code, name, 2016, CTAB_DIMS[1], 10.0, i),
                 ("LUDN_1355", code, name, 2016, CTAB_DIMS[2], 20.0, i)]
    rows += [("LUDN_1355", "0209012", "Zero (2)", 2016, d, 0.0, 9) for d in CTAB_DIMS[:3]]  # all 0: a true 0
    data = frame(rows)
    m = mapping({"table": "LUDN_1355", "match": {"label": "zameldowania ogółem"}, "variable": "in_moves"})
    out, warnings = mark_zero_placeholders(data, apply_mapping(data, m)[0], m.rules)
    assert out["flag"].eq(ZERO_PLACEHOLDER).sum() == 2 and out["value"].isna().sum() == 2
    assert out.loc[out["code"] == "0209012", "value"].tolist() == [0.0]
    assert len(warnings) == 1 and warnings[0].startswith("in_moves 2016: 2 totals are 0 while their components are not (e.g. row 0, "
                                                         "0201012 G1-1 (2), 2016: components zameldowania z miast, "
                                                         "zameldowania ze wsi add up to 30)")
    off = mapping({"table": "LUDN_1355", "match": {"label": "zameldowania ogółem"}, "variable": "in_moves", "total": False})
    assert mark_zero_placeholders(data, apply_mapping(data, off)[0], off.rules)[1] == []
    # `total: true` names a total that does not say "ogółem": its components differ in a matched dimension
    named = data.assign(dims=data["dims"].str.replace("zameldowania ogółem", "zameldowania"))
    on = mapping({"table": "LUDN_1355", "match": {"label": "zameldowania"}, "variable": "in_moves", "total": True})
    assert mark_zero_placeholders(named, apply_mapping(named, on)[0], on.rules)[0]["value"].isna().sum() == 2
    auto = mapping({"table": "LUDN_1355", "match": {"label": "zameldowania"}, "variable": "in_moves"})
    assert mark_zero_placeholders(named, apply_mapping(named, auto)[0], auto.rules)[0]["value"].isna().sum() == 0


# ---- one value per unit, year and variable --------------------------------------------------------------------------

def rows_of(*rows: tuple) -> pd.DataFrame:
    """unit, code, name, year, value, row, dims -> mapped rows."""
    return pd.DataFrame([dict(unit=u, code=c, name=n, year=y, value=v, raw=v, row=r, dims=d, variable="population", flag=None)
                         for u, c, n, y, v, r, d in rows])


def test_blank_and_value_merge_identical_values_are_one():
    rows = rows_of(("0201023", "0201022", "Gmina X (2)", 2015, 1100.0, 14, ""), ("0201023", "0201023", "Gmina X (3)", 2015, np.nan, 15, ""),
                   ("0201023", "0201022", "Gmina X (2)", 2016, np.nan, 14, ""), ("0201023", "0201023", "Gmina X (3)", 2016, 1250.0, 15, ""),
                   ("0261011", "0261000", "Powiat m. J", 2016, 80.0, 20, ""), ("0261011", "0261011", "J (1)", 2016, 80.0, 21, ""))
    out, rejected = merge_duplicates(rows, Path("f.csv"))
    assert out[["unit", "year", "value"]].values.tolist() == [["0201023", 2015, 1100.0], ["0201023", 2016, 1250.0],
                                                             ["0261011", 2016, 80.0]]
    assert rejected == {"empty cell; the gmina's other code (before or after its change of type) gives the value": 2,
                        "same value given for the city and its powiat row": 1}


def test_different_values_name_both_rows_and_what_to_do():
    rows = rows_of(("0201023", "0201022", "Gmina X (2)", 2016, 1200.0, 14, ""), ("0201023", "0201023", "Gmina X (3)", 2016, 1250.0, 15, ""),
                   ("0201023", "0201022", "Gmina X (2)", 2017, 1.0, 14, ""), ("0201023", "0201023", "Gmina X (3)", 2017, 2.0, 15, ""))
    with pytest.raises(InputError) as err:
        merge_duplicates(rows, Path("f.csv"))
    assert err.value.message.startswith(
        "f.csv: rows 14 (0201022 Gmina X (2)) and 15 (0201023 Gmina X (3)) give different values for population 2016: 1200 and "
        "1250; 0201022 and 0201023 are one gmina before and after a change of type (the register knows it as 0201023) and a "
        "year has one value: check the value in BDL and clear the wrong cell in the file")
    assert err.value.message.endswith("(and 1 more unit-years in conflict: 0201023 population 2017)")
    city = rows_of(("0261011", "0261000", "Powiat m. J", 2016, 80.0, 20, ""), ("0261011", "0261011", "J (1)", 2016, 81.0, 21, ""))
    with pytest.raises(InputError, match=r"rows 20 \(0261000 Powiat m. J\) and 21 \(0261011 J \(1\)\) give different values for "
                                         r"population 2016: 80 and 81; they are the powiat row and the gmina row of a city"):
        merge_duplicates(city, Path("f.csv"))
    broad = rows_of(("0201011", "0201011", "B (1)", 2020, 38486.0, 2, "Płeć=ogółem"),
                    ("0201011", "0201011", "B (1)", 2020, 20358.0, 3, "Płeć=kobiety"))
    with pytest.raises(InputError, match=r"rows 2 \(0201011 B \(1\)\) and 3 \(0201011 B \(1\)\) give different values for population "
                                         r"2020: 38486 and 20358 \(breakdowns Płeć=ogółem and Płeć=kobiety\); the mapping takes more"):
        merge_duplicates(broad, Path("f.csv"))


# ---- where the table code comes from ----------------------------------------------------------------------------------

def test_no_rule_matched_says_which_table_code_from_where_and_what_to_do(tmp_path):
    data = frame([("moje_dane", "0201011", "B (1)", 2020, "Wiek=ogółem|Płeć=ogółem", 1.0, 2)])
    m = mapping({"table": "LUDN_2137", "match": {"Wiek": "ogółem"}, "variable": "population"})
    renamed = no_rule_matched(BdlTable(tmp_path / "moje_dane.csv", "crel", data, "moje_dane"), m, Path("bdl_mapping.yml")).message
    assert "no mapping rule matched any value of the file: the table code used was moje_dane, taken from the file name" in renamed
    assert "does not start with a BDL table code" in renamed and "LUDN_2137_CREL_20220407210714.csv" in renamed
    other = no_rule_matched(BdlTable(tmp_path / "LUDN_9999_CREL_x.csv", "crel", data.assign(table="LUDN_9999"), "LUDN_9999"), m,
                            Path("bdl_mapping.yml")).message
    assert "bdl_mapping.yml has no rule for table LUDN_9999" in other
    assert "`- {table: LUDN_9999, match: {Wiek: ogółem, Płeć: ogółem}, variable: <catalogue variable>, level: gmina}`" in other
    wrong = no_rule_matched(BdlTable(tmp_path / "LUDN_2137_CREL_x.csv", "crel", data.assign(dims="Wiek=0-4|Płeć=ogółem"),
                                     "LUDN_2137"), m, Path("bdl_mapping.yml")).message
    assert "the rules for LUDN_2137 in bdl_mapping.yml (LUDN_2137 {Wiek: ogółem} → population) select breakdowns the file does " \
           "not have (it has Wiek: 0-4, Płeć: ogółem)" in wrong


def test_xlsx_table_code_from_the_opis_sheet_when_it_holds_one(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "OPIS"
    wb.active.append(["Kategoria:", "LUDNOŚĆ"])
    wb.active.append(["Podgrupa:", "Ludność wg płci (LUDN_2137)"])
    ws = wb.create_sheet("DANE")
    ws.append(["Kod", "Nazwa", "Wiek", "Płeć", "Rok", "Wartosc", "Jednostka miary", "Atrybut"])
    ws.append(["0201011", "Bolesławiec (1)", "ogółem", "ogółem", "2021", 38000, "osoba", " "])
    wb.save(tmp_path / "renamed.xlsx")
    t = read_export(tmp_path / "renamed.xlsx")
    assert (t.table, t.table_from, t.data["table"].iloc[0]) == ("LUDN_2137", "the workbook's OPIS sheet", "LUDN_2137")
    wb["OPIS"]["B2"] = "Ludność wg płci"
    wb.save(tmp_path / "renamed.xlsx")
    t = read_export(tmp_path / "renamed.xlsx")
    assert (t.table, t.table_from) == ("renamed", "the file name")
    assert t.about == "its OPIS sheet describes it as LUDNOŚĆ / Ludność wg płci but holds no table code"


# ---- API responses ----------------------------------------------------------------------------------------------------

UNITS = [{"id": "030210501011", "name": "Bolesławiec", "values": [{"year": "2020", "val": 38486, "attrId": 1},
                                                                 {"year": "2021", "val": 38000, "attrId": 1}]},
         {"id": "030210501022", "name": "Bolesławiec", "values": [{"year": "2020", "val": None, "attrId": 3}]}]
FLAT = [{"unit_id": "030210501011", "unit_name": "Bolesławiec", "year": 2020, "val": 38486.0, "attr_id": 1},
        {"unit_id": "030210501011", "unit_name": "Bolesławiec", "year": 2021, "val": 38000.0, "attr_id": 1},
        {"unit_id": "030210501022", "unit_name": "Bolesławiec", "year": 2020, "val": float("nan"), "attr_id": 3}]
EXPECTED = [["030210501011", 2020, 38486.0, None], ["030210501011", 2021, 38000.0, None], ["030210501022", 2020, None, "3"]]


@pytest.mark.parametrize("doc,table,table_from", [
    ({"totalRecords": 2, "page": 0, "pageSize": 100, "variableId": 72305, "results": UNITS}, "API_72305", "the response's variableId"),
    (UNITS, "API_60559", "the file name"),  # pyBDL api.data.get_data_by_variable: the list of units
    ([UNITS, {"totalRecords": 2, "variableId": 72305}], "API_72305", "the response's variableId"),  # ... return_metadata=True
    (FLAT, "API_60559", "the file name"),  # pyBDL data.get_data_by_variable DataFrame, as records
    (pd.DataFrame(FLAT).to_dict(orient="list"), "API_60559", "the file name"),  # ... column by column
    (json.loads(pd.DataFrame(FLAT).to_json()), "API_60559", "the file name"),  # ... DataFrame.to_json()
    ({"variableId": 72305, "unitLevel": 6, "years": [2020], "fetched": "x", "results": FLAT}, "API_72305", "the response's variableId"),
    ({"variableId": 72305, "results": UNITS}, "API_72305", "the response's variableId"),  # `data fetch-bdl`
    ([{**r, "unit_id": int(r["unit_id"])} for r in FLAT], "API_60559", "the file name"),  # pyBDL's DataFrame makes ids numbers
])
def test_api_layouts(doc, table, table_from):
    data, source = parse_api_json(json.dumps(doc), Path("API_60559_level6.json"))
    assert (data["table"].iloc[0], source.split(" (")[0]) == (table, table_from)
    got = [[r.code, r.year, None if pd.isna(r.value) else r.value, r.flag] for r in data.itertuples()]
    assert got == EXPECTED


def test_content_variable_id_wins_over_the_file_name():
    data, source = parse_api_json(json.dumps({"variableId": 72305, "results": UNITS}), Path("API_60559.json"))
    assert data["table"].iloc[0] == "API_72305" and source == "the response's variableId (the file name says API_60559)"


@pytest.mark.parametrize("doc,message", [
    ({"data": []}, "a JSON object with keys data: not a BDL API data response; expected a page of the API's /data/by-variable"),
    (42, "JSON int: not a BDL API data response"),
    ({"variableId": 1, "results": []}, "the response holds no results"),
    ([{"name": "X"}], "results[0]: each result needs 'id' and a list of 'values' (or, flattened by pyBDL, unit_id, year and val)"),
    ([{"id": "1", "values": [{"val": 3}]}], "results[0].values[0]: value {'val': 3} needs a year and a numeric val"),
])
def test_api_layout_errors(doc, message):
    with pytest.raises(InputError) as err:
        parse_api_json(json.dumps(doc), Path("API_1.json"))
    assert message in err.value.message


# ---- TERC layouts -----------------------------------------------------------------------------------------------------

def test_terc_xml_current_and_older_layouts_and_csv_with_nazdod(tmp_path):
    new = ('<?xml version="1.0" encoding="UTF-8"?><teryt><catalog name="TERC"><row><WOJ>02</WOJ><POW>01</POW><GMI>01</GMI>'
           '<RODZ>1</RODZ><NAZWA>Bolesławiec</NAZWA><NAZWA_DOD>gmina miejska</NAZWA_DOD><STAN_NA>2020-01-01</STAN_NA></row>'
           '</catalog></teryt>')
    old = ('<?xml version="1.0" encoding="UTF-8"?><teryt><catalog name="TERC" type="all" date="2015-01-01"><row>'
           '<col name="WOJ">02</col><col name="POW">01</col><col name="GMI">01</col><col name="RODZ">1</col>'
           '<col name="NAZWA">Bolesławiec</col><col name="NAZDOD">gmina miejska</col><col name="STAN_NA">2015-01-01</col>'
           '</row></catalog></teryt>')
    (tmp_path / "new.xml").write_text(new, encoding="utf-8")
    (tmp_path / "old.xml").write_text(old, encoding="utf-8")
    (tmp_path / "old.csv").write_text("WOJ;POW;GMI;RODZ;NAZWA;NAZDOD;STAN_NA\n02;01;01;1;Bolesławiec;gmina miejska;2015-01-01\n",
                                      encoding="utf-8")
    for name, date in (("new.xml", "2020-01-01"), ("old.xml", "2015-01-01"), ("old.csv", "2015-01-01")):
        terc = read_terc(tmp_path / name)
        assert terc[["extra", "valid_on"]].values.tolist() == [["gmina miejska", date]], name
        assert units_from_terc(terc)["code"].tolist() == ["0201011"]


# ---- variables summed from several tables (parts) ---------------------------------------------------------------

def _part_obs(rows):
    return pd.DataFrame(rows, columns=["unit", "year", "variable", "value", "flag", "source"])


def test_parts_are_summed_per_unit_and_year_and_a_missing_part_leaves_the_sum_missing():
    mapping = bdl.Mapping(rules=[bdl.MappingRule(table="API_72239", variable="pop_65plus", part=True),
                                 bdl.MappingRule(table="API_72240", variable="pop_65plus", part=True)])
    obs = _part_obs([
        ("0201011", 2020, "pop_65plus#API_72239", 1200.0, None, "a"),
        ("0201011", 2020, "pop_65plus#API_72240", 800.0, None, "b"),
        ("0201022", 2020, "pop_65plus#API_72239", 300.0, None, "a"),
        ("0201022", 2020, "pop_65plus#API_72240", None, None, "b"),
        ("0201022", 2020, "population", 5000.0, None, "c"),
    ])
    out = bdl.sum_parts(obs, mapping).set_index(["unit", "variable"])
    assert out.loc[("0201011", "pop_65plus"), "value"] == 2000.0  # 1200 + 800
    assert out.loc[("0201011", "pop_65plus"), "source"] == "a + b"
    assert pd.isna(out.loc[("0201022", "pop_65plus"), "value"])
    assert out.loc[("0201022", "pop_65plus"), "flag"] == "part-missing"
    assert out.loc[("0201022", "population"), "value"] == 5000.0
    assert not out.index.get_level_values("variable").str.contains("#").any()


def test_a_load_with_only_some_parts_is_refused():
    mapping = bdl.Mapping(rules=[bdl.MappingRule(table="API_72239", variable="pop_65plus", part=True),
                                 bdl.MappingRule(table="API_72240", variable="pop_65plus", part=True)])
    obs = _part_obs([("0201011", 2020, "pop_65plus#API_72239", 1200.0, None, "a")])
    with pytest.raises(InputError, match=r"pop_65plus is the sum of API_72239 \+ API_72240, but this load has only API_72239"):
        bdl.sum_parts(obs, mapping)
