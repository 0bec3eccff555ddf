"""BDL exports across years and levels, loaded into a store: a gmina whose type changed inside a multi-year table, powiat
rows of gmina-level tables, zeros that stand for "no data", files whose table code the mapping does not know, a units
register older than the data, and the TERC and pyBDL layouts. Every refusal names the file, the rows and what to do,
and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from jstbench.cli import app
from jstbench.core.errors import InputError
from jstbench.data.load import load_files
from jstbench.data.store import Store

from ..conftest import make_project

HEADER = "WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA"
MANY = [(f"{p:02d}", f"{g:02d}") for p in range(10, 22) for g in range(1, 11)]  # 120 rural gminas in 12 powiats


def terc(date: str = "2020-01-01", many: bool = False) -> str:
    """A units register: powiat bolesławiecki with Bolesławiec (urban) and Gmina X (urban-rural since a change of
    type; rural 0201022 before), the city with powiat rights Jelenia Góra, and optionally 120 more rural gminas."""
    rows = [f"02;;;;DOLNOŚLĄSKIE;województwo;{date}", f"02;01;;;bolesławiecki;powiat;{date}",
            f"02;01;01;1;Bolesławiec;gmina miejska;{date}", f"02;01;02;3;Gmina X;gmina miejsko-wiejska;{date}",
            f"02;61;;;Jelenia Góra;miasto na prawach powiatu;{date}", f"02;61;01;1;Jelenia Góra;gmina miejska;{date}"]
    if many:
        rows += [f"02;{p};;;powiat {p};powiat;{date}" for p in sorted({p for p, _ in MANY})]
        rows += [f"02;{p};{g};2;Gmina {p}-{g};gmina wiejska;{date}" for p, g in MANY]
    return "\n".join([HEADER, *rows]) + "\n"


def ctab(columns: list[str], rows: list[tuple[str, str, list[str]]]) -> str:
    """A CTAB export: header cells 'label;breakdown;year;[unit]', then code, name and cells (empty = no value)."""
    head = ";".join(['"Kod"', '"Nazwa"', *(f'"{c}"' for c in columns)]) + ";"
    body = [f'{code};"{name}";' + ";".join(cells) + ";" for code, name, cells in rows]
    return "\r\n".join([head, *body]) + "\r\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


POPULATION = ["ludność;ogółem;2015;[osoba]", "ludność;ogółem;2016;[osoba]", "ludność;ogółem;2017;[osoba]"]
RULES = ("rules:\n"
         "  - {table: LUDN_9001, match: {label: ludność, breakdown: ogółem}, variable: population, level: [gmina, powiat]}\n"
         "  - {table: LUDN_9002, match: {label: saldo migracji, breakdown: ogółem}, variable: net_migration, level: gmina}\n"
         "  - {table: LUDN_9002, match: {label: zameldowania ogółem, breakdown: ogółem}, variable: in_moves, level: gmina}\n"
         "  - {table: LUDN_9003, match: {label: saldo migracji, breakdown: ogółem}, variable: net_migration}\n"
         "  - {table: LUDN_9004, match: {label: saldo migracji, breakdown: ogółem}, variable: net_migration, level: powiat}\n"
         "  - {table: API_72305, variable: population, level: [gmina, powiat]}\n")


@pytest.fixture
def store(tmp_path) -> Path:
    folder = tmp_path / "store"
    load_files(folder, [write(tmp_path / "TERC.csv", terc())])
    return folder


@pytest.fixture
def rules(tmp_path) -> Path:
    return write(tmp_path / "rules.yml", RULES)


def refused(store: Path, path: Path, rules: Path, **kw) -> str:
    """The message of a refused load; nothing of the store has changed."""
    before = {p.name: p.read_bytes() for p in store.iterdir()}
    with pytest.raises(InputError) as err:
        load_files(store, [path], mapping_path=rules, **kw)
    assert {p.name: p.read_bytes() for p in store.iterdir()} == before
    return err.value.message


# ---- 1. a gmina's change of type inside a multi-year table ------------------------------------------------------------

def test_old_and_new_code_of_a_gmina_merge_into_one_series(tmp_path, store, rules):
    """0201022 (rural) until 2015, 0201023 (urban-rural) since 2016: BDL gives each year under one code, the other
    code's cell is empty; the register knows 0201023, so both rows are its series."""
    text = ctab(POPULATION, [("0201011", "Bolesławiec (1)", ["39000", "38900", "38800"]),
                             ("0201022", "Gmina X (2)", ["1100", "", ""]),
                             ("0201023", "Gmina X (3)", ["", "1250", "1260"])])
    [s] = load_files(store, [write(tmp_path / "LUDN_9001_CTAB_x.csv", text)], mapping_path=rules)
    assert s.recoded == {"0201022": "0201023"} and s.values == 6 and s.years == [2015, 2016, 2017]
    assert s.rejected == {"empty cell; the gmina's other code (before or after its change of type) gives the value": 3}
    wide = Store.load(store).wide()
    assert wide.loc["0201023", "population"].tolist() == [1100, 1250, 1260]


def test_two_values_for_one_gmina_year_name_both_rows(tmp_path, store, rules):
    text = ctab(POPULATION, [("0201011", "Bolesławiec (1)", ["39000", "38900", "38800"]),
                             ("0201022", "Gmina X (2)", ["1100", "1200", ""]),
                             ("0201023", "Gmina X (3)", ["", "1250", "1260"])])
    message = refused(store, write(tmp_path / "LUDN_9001_CTAB_x.csv", text), rules)
    assert message == (f"{tmp_path / 'LUDN_9001_CTAB_x.csv'}: rows 3 (0201022 Gmina X (2)) and 4 (0201023 Gmina X (3)) give "
                       "different values for population 2016: 1200 and 1250; 0201022 and 0201023 are one gmina before and "
                       "after a change of type (the register knows it as 0201023) and a year has one value: check the value "
                       "in BDL and clear the wrong cell in the file, or export the years before and after the change in "
                       "separate files")


def test_a_city_with_powiat_rights_twice_with_identical_values_is_one_observation(tmp_path, store, rules):
    text = ctab(POPULATION, [("0261000", "Powiat m. Jelenia Góra", ["80000", "79500", ""]),
                             ("0261011", "Jelenia Góra (1)", ["80000", "79500", "79000"])])
    [s] = load_files(store, [write(tmp_path / "LUDN_9001_CTAB_x.csv", text)], mapping_path=rules)
    assert s.rejected == {"same value given for the city and its powiat row": 2,
                          "empty cell; the city's other row (powiat WWPP000 or gmina WWPP011) gives the value": 1}
    assert Store.load(store).wide().loc["0261011", "population"].tolist() == [80000, 79500, 79000]
    different = text.replace('"Powiat m. Jelenia Góra";80000', '"Powiat m. Jelenia Góra";80001')
    message = refused(store, write(tmp_path / "LUDN_9001_CTAB_y.csv", different), rules)
    assert ("rows 2 (0261000 Powiat m. Jelenia Góra) and 3 (0261011 Jelenia Góra (1)) give different values for population "
            "2015: 80001 and 80000; they are the powiat row and the gmina row of a city with powiat rights") in message


# ---- 2. levels --------------------------------------------------------------------------------------------------------

MIGRATION = ctab(["saldo migracji;ogółem;2016;[osoba]"],
                 [("0201000", "Powiat bolesławiecki", ["-75"]), ("0201011", "Bolesławiec (1)", ["-120"]),
                  ("0201023", "Gmina X (3)", ["45"]), ("0261000", "Powiat m. Jelenia Góra", ["-300"]),
                  ("0261011", "Jelenia Góra (1)", ["-300"])])


def test_a_gmina_level_rule_skips_powiat_rows(tmp_path, store, rules):
    [s] = load_files(store, [write(tmp_path / "LUDN_9002_CTAB_x.csv", MIGRATION)], mapping_path=rules)
    assert s.rejected == {
        "powiat row; rule LUDN_9002 {label: saldo migracji, breakdown: ogółem} → net_migration applies to level gmina (in a "
        "gmina-level table a powiat row is the sum of its gminas, not the powiat authority's value)": 1,
        "same value given for the city and its powiat row": 1}
    obs = Store.load(store).observations
    assert sorted(obs["unit"].astype(str)) == ["0201011", "0201023", "0261011"]  # the city is both levels


def test_a_rule_without_level_on_both_levels_loads_with_a_warning(tmp_path, store, rules):
    [s] = load_files(store, [write(tmp_path / "LUDN_9003_CTAB_x.csv", MIGRATION)], mapping_path=rules)
    assert Store.load(store).wide().loc[("0201", 2016), "net_migration"] == -75
    [warning] = [w for w in s.rejected if w.startswith("(not rows) warning:")]
    assert ("rule LUDN_9003 {label: saldo migracji, breakdown: ogółem} → net_migration has no `level` and the file holds both "
            "powiat rows (WWPP000) and gmina rows") in warning and "add `level: gmina` to the rule" in warning


def test_a_powiat_level_rule_skips_gmina_rows(tmp_path, store, rules):
    [s] = load_files(store, [write(tmp_path / "LUDN_9004_CTAB_x.csv", MIGRATION)], mapping_path=rules)
    assert [n for w, n in s.rejected.items() if w.startswith("gmina row; rule LUDN_9004")] == [2]
    assert sorted(Store.load(store).observations["unit"].astype(str)) == ["0201", "0261011"]


def test_the_warning_is_printed_by_data_load(tmp_path, rules):
    root = make_project(tmp_path / "project")
    runner = CliRunner()
    terc_file = write(tmp_path / "TERC.csv", terc())
    store = "output/data/real"
    assert runner.invoke(app, ["data", "load", str(terc_file), "--store", store, "--root", str(root)]).exit_code == 0
    mapping = write(tmp_path / "m.yml", "rules:\n  - {table: LUDN_9003, match: {label: saldo migracji}, variable: net_migration}\n")
    result = runner.invoke(app, ["data", "load", str(write(tmp_path / "LUDN_9003_CTAB_x.csv", MIGRATION)), "--store", store,
                                 "--mapping", str(mapping), "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert "note: (not rows) warning: rule LUDN_9003" in " ".join(result.output.split())


# ---- 3. zeros that stand for "no data" ------------------------------------------------------------------------------

def test_zero_placeholders_load_as_missing_with_a_flag(tmp_path):
    """Like the real 2015 migration export: saldo migracji 2015 is 0 for every unit and the total of zameldowania is 0
    while its components are not; 2016 has real values, zeros among them."""
    store = tmp_path / "store"
    load_files(store, [write(tmp_path / "TERC.csv", terc(many=True))])
    columns = ["zameldowania ogółem;ogółem;2015;[osoba]", "zameldowania z miast;ogółem;2015;[osoba]",
               "zameldowania ze wsi;ogółem;2015;[osoba]", "saldo migracji;ogółem;2015;[osoba]", "saldo migracji;ogółem;2016;[osoba]"]
    rows = [(f"02{p}{g}2", f"Gmina {p}-{g} (2)", ["0" if i % 2 else str(10 + i), "4", str(6 + i), "0", str(i % 5 - 2)])
            for i, (p, g) in enumerate(MANY)]
    rules = write(tmp_path / "rules.yml", RULES)
    [s] = load_files(store, [write(tmp_path / "LUDN_9002_CTAB_x.csv", ctab(columns, rows))], mapping_path=rules)
    obs = Store.load(store).observations.astype({"unit": str, "variable": str, "flag": object})
    saldo = obs[obs["variable"] == "net_migration"].set_index("year")
    assert saldo.loc[2015, "value"].isna().all() and (saldo.loc[2015, "flag"] == "zero-placeholder").all()
    assert saldo.loc[2016, "value"].notna().all() and (saldo.loc[2016, "value"] == 0).sum() == 24
    moves = obs[obs["variable"] == "in_moves"]
    assert moves["value"].isna().sum() == 60 and moves["flag"].eq("zero-placeholder").sum() == 60  # the odd rows
    assert (s.values, s.flags) == (120 + 60, 120 + 60)
    warnings = [w for w in s.rejected if w.startswith("(not rows) warning:")]
    assert warnings[0].startswith("(not rows) warning: net_migration 2015: 0 for all 120 units in the file, BDL's placeholder "
                                  "for 'no data'; loaded as missing with flag zero-placeholder")
    assert warnings[1].startswith("(not rows) warning: in_moves 2015: 60 totals are 0 while their components are not (e.g. row 3, "
                                  "0210022 Gmina 10-02 (2), 2015: components zameldowania z miast, zameldowania ze wsi add up to 11)")


# ---- 4. the table code ------------------------------------------------------------------------------------------------

def test_a_renamed_file_no_rule_matches_is_refused(tmp_path, store, rules):
    text = ctab(POPULATION, [("0201011", "Bolesławiec (1)", ["39000", "38900", "38800"])])
    message = refused(store, write(tmp_path / "moja ludność.csv", text), rules)
    assert ("no mapping rule matched any value of the file: the table code used was moja ludność, taken from the file name; "
            "the file name does not start with a BDL table code") in message
    assert "name the file like the BDL download it came from, starting with its table code (e.g. LUDN_2137_CREL_" in message
    message = refused(store, write(tmp_path / "LUDN_2137_CTAB_x.csv", text), rules)  # another table's name
    assert "rules.yml has no rule for table LUDN_2137" in message and "add a rule, e.g. `- {table: LUDN_2137, match: " \
                                                                      "{label: ludność, breakdown: ogółem}" in message


def test_a_renamed_file_exits_non_zero(tmp_path):
    root = make_project(tmp_path / "project")
    runner = CliRunner()
    store = "output/data/real"
    assert runner.invoke(app, ["data", "load", str(write(tmp_path / "TERC.csv", terc())), "--store", store,
                               "--root", str(root)]).exit_code == 0
    crel = ('"Kod";"Nazwa";"Wiek";"Płeć";"Rok";"Wartosc";"Jednostka miary";"Atrybut";\r\n'
            '0201011;"Bolesławiec (1)";"ogółem";"ogółem";"2020";38486;"osoba";"";\r\n')
    result = runner.invoke(app, ["data", "load", str(write(tmp_path / "ludnosc.csv", crel)), "--store", store, "--root", str(root)])
    assert result.exit_code == 1
    assert "no mapping rule matched any value of the file: the table code used was ludnosc, taken from the file name" in \
           " ".join(result.output.split())
    result = runner.invoke(app, ["data", "load", str(write(tmp_path / "LUDN_2137_CREL_1.csv", crel)), "--store", store,
                                 "--root", str(root)])
    assert result.exit_code == 0, result.output


def test_an_api_response_keeps_its_table_code_when_renamed(tmp_path, store, rules):
    doc = {"totalRecords": 1, "page": 0, "pageSize": 100, "variableId": 72305,
           "results": [{"id": "030210501011", "name": "Bolesławiec", "values": [{"year": "2020", "val": 38486, "attrId": 1}]}]}
    [s] = load_files(store, [write(tmp_path / "ludnosc.json", json.dumps(doc))], mapping_path=rules)
    assert s.values == 1 and "(not rows) table code API_72305 taken from the response's variableId" in s.rejected


# ---- 5. TERC and pyBDL layouts --------------------------------------------------------------------------------------

def test_older_terc_xml_and_pybdl_flattened_rows(tmp_path, rules):
    rows = [("02", "01", "", "", "bolesławiecki", "powiat"), ("02", "01", "01", "1", "Bolesławiec", "gmina miejska")]
    body = "".join("<row>" + "".join(f'<col name="{c}">{v}</col>' for c, v in zip(
        ["WOJ", "POW", "GMI", "RODZ", "NAZWA", "NAZDOD", "STAN_NA"], (*r, "2016-01-01"), strict=True)) + "</row>" for r in rows)
    store = tmp_path / "store"
    [s] = load_files(store, [write(tmp_path / "TERC_2016.xml", f'<teryt><catalog name="TERC">{body}</catalog></teryt>')])
    assert s.units == 2
    flat = pd.DataFrame({"unit_id": ["030210501011", "030210501011"], "unit_name": ["Bolesławiec"] * 2, "year": [2015, 2016],
                         "val": [39000.0, None], "attr_id": [1, 3]})
    doc = {"variableId": 72305, "unitLevel": 6, "years": [2015, 2016], "fetched": "2025-01-01T00:00:00+00:00",
           "results": json.loads(flat.to_json(orient="records"))}
    [s] = load_files(store, [write(tmp_path / "API_72305_level6_2015-2016.json", json.dumps(doc))], mapping_path=rules)
    assert (s.values, s.flags) == (1, 1)
    assert Store.load(store).wide().loc[("0201011", 2015), "population"] == 39000


# ---- 6. a register older than the data ------------------------------------------------------------------------------

def test_unknown_units_with_a_register_older_than_the_data(tmp_path, store, rules):
    text = ctab(["ludność;ogółem;2022;[osoba]", "ludność;ogółem;2023;[osoba]"],
                [("0201011", "Bolesławiec (1)", ["38000", "37900"]), ("0201042", "Nowa Gmina (2)", ["3000", "3010"])])
    message = refused(store, write(tmp_path / "LUDN_9001_CTAB_x.csv", text), rules)
    assert ("row 3, column Kod: unit code '0201042' (Nowa Gmina (2)) is not in the units register (2 rows); the units register "
            "is as of 2020-01-01, the file has data for 2022–2023: load a newer TERC snapshot (as of 2023-01-01 or later") in message
    older = ctab(["ludność;ogółem;2019;[osoba]"], [("0201042", "Stara Gmina (2)", ["3000"])])
    message = refused(store, write(tmp_path / "LUDN_9001_CTAB_y.csv", older), rules)
    assert "the units register (as of 2020-01-01) is not older than the data (2019): check the code" in message
    newer = tmp_path / "TERC_2023.csv"
    write(newer, terc("2023-01-01") + "02;01;04;2;Nowa Gmina;gmina wiejska;2023-01-01\n")
    load_files(store, [newer])
    [s] = load_files(store, [tmp_path / "LUDN_9001_CTAB_x.csv"], mapping_path=rules)
    assert s.values == 4


# ---- a variable summed from several BDL variables -----------------------------------------------------------------

def _api(path: Path, variable_id: int, values: dict[str, float | None]) -> Path:
    """A saved API response: 12-digit BDL ids of Bolesławiec (0201011) and Gmina X (0201023), year 2019."""
    ids = {"0201011": "030200001011", "0201023": "030200001023"}
    results = [{"id": ids[code], "name": code, "values": [{"year": "2019", "val": v, "attrId": 1}]}
               for code, v in values.items()]
    return write(path, json.dumps({"variableId": variable_id, "results": results}))


def test_parts_from_two_responses_load_as_their_sum(tmp_path, store):
    """pop_65plus = ages 65–69 (72239) + 70 and over (72240): one value per unit-year, the sum; a unit whose part is
    missing stays missing, flagged; loading only one part is refused and stores nothing."""
    parts = write(tmp_path / "parts.yml", "rules:\n"
                  "  - {table: API_72239, variable: pop_65plus, part: true}\n"
                  "  - {table: API_72240, variable: pop_65plus, part: true}\n")
    a = _api(tmp_path / "API_72239.json", 72239, {"0201011": 1500.0, "0201023": 90.0})
    b = _api(tmp_path / "API_72240.json", 72240, {"0201011": 2100.0, "0201023": None})
    message = refused(store, a, parts)
    assert "pop_65plus is the sum of API_72239 + API_72240, but this load has only API_72239" in message
    load_files(store, [a, b], mapping_path=parts)
    obs = Store.load(store).observations.set_index(["unit", "variable"])
    assert obs.loc[("0201011", "pop_65plus"), "value"] == 3600.0  # 1500 + 2100
    assert pd.isna(obs.loc[("0201023", "pop_65plus"), "value"])
    assert obs.loc[("0201023", "pop_65plus"), "flag"] == "part-missing"
