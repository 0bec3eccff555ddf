"""Readers of real data: hand-made files written here, the real samples in ../shared/realdata (skipped when
absent), and every bad input with the message it must produce. Nothing is loaded from a bad file."""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.data.bdl import read_export, unit_code
from jstbench.data.load import load_files
from jstbench.data.store import Store
from jstbench.data.teryt import read_terc_csv, resolve, units_from_terc

from ..conftest import REALDATA, ROOT

MAPPING = ROOT / "params" / "bdl_mapping.yml"
TERC = ('WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA\n02;;;;DOLNOŚLĄSKIE;województwo;2020-01-01\n'
        '02;01;;;bolesławiecki;powiat;2020-01-01\n02;01;01;1;Bolesławiec;gmina miejska;2020-01-01\n'
        '02;01;02;2;Bolesławiec;gmina wiejska;2020-01-01\n02;01;03;3;Nowogrodziec;gmina miejsko-wiejska;2020-01-01\n'
        '02;01;03;4;Nowogrodziec;miasto;2020-01-01\n02;61;;;Jelenia Góra;miasto na prawach powiatu;2020-01-01\n'
        '02;61;01;1;Jelenia Góra;gmina miejska;2020-01-01\n')
CREL = ('"Kod";"Nazwa";"Wiek";"Płeć";"Rok";"Wartosc";"Jednostka miary";"Atrybut";\r\n'
        '0201011;"Bolesławiec (1)";"ogółem";"ogółem";"2020";38486;"osoba";"";\r\n'
        '0201011;"Bolesławiec (1)";"ogółem";"kobiety";"2020";20358;"osoba";"";\r\n'
        '0201022;"Bolesławiec (2)";"ogółem";"ogółem";"2020";14863;"osoba";"";\r\n'
        '0201033;"Nowogrodziec (3)";"ogółem";"ogółem";"2020";14996,5;"osoba";"x";\r\n'
        '0201034;"Nowogrodziec - miasto (4)";"ogółem";"ogółem";"2020";4100;"osoba";"";\r\n'
        '0261000;"Powiat m. Jelenia Góra";"ogółem";"ogółem";"2020";79480;"osoba";"";\r\n'
        '0261011;"Jelenia Góra (1)";"ogółem";"ogółem";"2020";79480;"osoba";"";\r\n')
CTAB = ('"Kod";"Nazwa";"saldo migracji;ogółem;2015;[osoba]";"saldo migracji;ogółem;2016;[osoba]";\r\n'
        '0201011;"Bolesławiec (1)";-120;-98;\r\n0201022;"Bolesławiec (2)";45;;\r\n0201000;"Powiat bolesławiecki";-75;-60;\r\n')


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def store(tmp_path) -> Path:
    folder = tmp_path / "store"
    load_files(folder, [write(tmp_path / "TERC.csv", TERC)])
    return folder


def test_terc_register_and_kinds(tmp_path):
    units = units_from_terc(read_terc_csv(write(tmp_path / "t.csv", "\ufeff" + TERC)))
    assert dict(zip(units["code"], units["kind"], strict=True)) == {
        "0201": "powiat", "0201011": "gmina_urban", "0201022": "gmina_rural", "0201033": "gmina_urban_rural",
        "0261011": "city_powiat"}


def test_name_resolver_never_picks_silently(tmp_path):
    units = units_from_terc(read_terc_csv(write(tmp_path / "t.csv", TERC)))
    assert resolve("Bolesławiec", units).status == "ambiguous"
    assert resolve("Bolesławiec", units, kind="gmina_rural").codes == ["0201022"]
    assert resolve("Boleslawiec (1)", units, kind="gmina_urban").status == "folded"
    unknown = resolve("Nowogrodzic", units)
    assert unknown.status == "unknown" and unknown.candidates == ["0201033 Nowogrodziec (gmina_urban_rural)"]


@pytest.mark.parametrize("code,expected", [
    ("0201011", ("0201011", None)), ("0201000", ("0201", None)), ("0261000", ("0261011", None)),
    ("0201034", (None, "town or rural area of an urban-rural gmina (a statistical part, not an authority)")),
    ("0200000", (None, "above powiat level (country, voivodeship, region or subregion)")),
    ("023016121132", ("3021132", None)), ("061813404092", ("1804092", None)), ("011212001000", ("1201", None)),
    ("1465108", (None, "unit kind 8 (district or delegation), not an authority")),
])
def test_unit_codes(code, expected):
    assert unit_code(code) == expected


def test_crel_values_flags_and_rejections(tmp_path, store):
    [s] = load_files(store, [write(tmp_path / "LUDN_2137_CREL_x.csv", CREL)], mapping_path=MAPPING)
    assert (s.layout, s.rows, s.units, s.values, s.flags, s.new) == ("crel", 7, 4, 4, 1, 4)
    assert s.rejected == {"town or rural area of an urban-rural gmina (a statistical part, not an authority)": 1,
                          "no mapping rule for this BDL variable/breakdown": 1,
                          "same value given for the city and its powiat row": 1}
    obs = Store.load(store).observations.set_index(["unit", "variable"])
    assert obs.loc[("0201033", "population"), "value"] == 14996.5  # decimal comma
    assert obs.loc[("0201033", "population"), "flag"] == "x"
    assert obs.loc[("0261011", "population"), "value"] == 79480
    assert obs.loc[("0201011", "population"), "source"].startswith("crel:LUDN_2137_CREL_x.csv@")


def test_ctab_windows_1250_and_empty_cells(tmp_path, store):
    path = write(tmp_path / "LUDN_1355_CTAB_x.csv", CTAB, "cp1250")
    [s] = load_files(store, [path], mapping_path=MAPPING)
    assert s.years == [2015, 2016] and s.values == 3  # one empty cell is a missing value, not a zero
    # the rule has `level: gmina`: the powiat row (the sum of its gminas) is not the powiat's value
    assert [n for why, n in s.rejected.items() if why.startswith("powiat row; rule LUDN_1355")] == [2]
    wide = Store.load(store).wide()
    assert wide.loc[("0201011", 2016), "net_migration"] == -98
    assert pd.isna(wide.loc[("0201022", 2016), "net_migration"])
    assert Store.load(store).units.loc["0201", "name"] == "bolesławiecki"


def test_revisions_are_kept_and_reported(tmp_path, store):
    load_files(store, [write(tmp_path / "LUDN_2137_CREL_a.csv", CREL)], mapping_path=MAPPING)
    revised = CREL.replace("38486", "38500")
    [s] = load_files(store, [write(tmp_path / "LUDN_2137_CREL_b.csv", revised)], mapping_path=MAPPING)
    assert (s.new, s.revised, s.unchanged) == (0, 1, 3)
    rev = pd.read_parquet(store / "revisions.parquet")
    assert rev[["unit", "old_value", "new_value"]].values.tolist() == [["0201011", 38486.0, 38500.0]]
    assert rev["old_source"].iloc[0].startswith("crel:LUDN_2137_CREL_a.csv")
    loads = pd.read_parquet(store / "loads.parquet")
    assert list(loads["format"]) == ["terc", "crel", "crel"] and loads["sha256"].str.len().eq(64).all()


def test_xlsx_dane_sheet(tmp_path, store):
    wb = openpyxl.Workbook()
    wb.active.title = "OPIS"
    ws = wb.create_sheet("DANE")
    ws.append(["Kod", "Nazwa", "Wiek", "Płeć", "Rok", "Wartosc", "Jednostka miary", "Atrybut"])
    ws.append(["0201011", "Bolesławiec (1)", "ogółem", "ogółem", "2021", 38000, "osoba", " "])
    wb.save(tmp_path / "LUDN_2137_XPIV_x.xlsx")
    [s] = load_files(store, [tmp_path / "LUDN_2137_XPIV_x.xlsx"], mapping_path=MAPPING)
    assert (s.layout, s.values, s.years) == ("xlsx", 1, [2021])


def bad(tmp_path, store, name, content, encoding="utf-8", **kw):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write(path, content, encoding)
    before = (store / "observations.parquet").read_bytes()
    with pytest.raises(InputError) as err:
        load_files(store, [path], mapping_path=MAPPING, **kw)
    assert (store / "observations.parquet").read_bytes() == before  # nothing partially loaded
    return err.value.message


@pytest.mark.parametrize("name,content,message", [
    ("LUDN_2137_CREL_e.csv", "", "the file is empty"),
    ("LUDN_2137_CREL_u.csv", CREL.encode("utf-16"), "UTF-16 or binary content"),
    ("LUDN_2137_CREL_c.csv", CREL.replace(";", ","), "fields must be separated by ';' (it uses ',')"),
    ("LUDN_2137_CREL_t.csv", CREL[: CREL.rindex('"osoba"')], "row 8: 6 fields, the header has 8 (truncated or damaged file?)"),
    ("LUDN_2137_CREL_n.csv", CREL.replace("14863", "około 15 tys."), "row 4, column Wartosc: not a number: 'około15tys.'"),
    ("LUDN_2137_CREL_d.csv", CREL + CREL.splitlines(keepends=True)[1], "the same unit, year and breakdown appears twice (rows 2, 9)"),
    ("LUDN_2137_CREL_z.csv", CREL.replace("0201022;", "201022;"), "row 4, column Kod: code '201022' has lost its leading zero"),
    ("LUDN_2137_CREL_k.csv", CREL.replace("0201022;", "0299022;"),
     "row 4, column Kod: unit code '0299022' (Bolesławiec (2)) is not in the units register"),
])
def test_bad_inputs(tmp_path, store, name, content, message):
    assert message in bad(tmp_path, store, name, content)


def test_bad_workbooks(tmp_path, store):
    wb = openpyxl.Workbook()
    wb.active.title = "Arkusz1"
    wb.save(tmp_path / "LUDN_2137_XPIV_s.xlsx")
    with pytest.raises(InputError, match="no sheet 'DANE' \\(sheets: Arkusz1\\)"):
        load_files(store, [tmp_path / "LUDN_2137_XPIV_s.xlsx"], mapping_path=MAPPING)
    (tmp_path / "LUDN_2137_XPIV_b.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="not a readable XLSX workbook"):
        load_files(store, [tmp_path / "LUDN_2137_XPIV_b.xlsx"], mapping_path=MAPPING)


def test_unknown_units_can_be_skipped_and_counted(tmp_path, store):
    [s] = load_files(store, [write(tmp_path / "LUDN_2137_CREL_k.csv", CREL.replace("0201022;", "0299022;"))],
                     mapping_path=MAPPING, skip_unknown_units=True)
    assert s.rejected["unit not in the register"] == 1


def test_mapping_to_unknown_catalogue_variable(tmp_path, store):
    mapping = write(tmp_path / "m.yml", "rules:\n  - {table: LUDN_2137, match: {}, variable: nonsense}\n")
    with pytest.raises(InputError, match=r"m.yml: rules\[0\].variable: unknown catalogue variable 'nonsense'"):
        load_files(store, [write(tmp_path / "LUDN_2137_CREL_x.csv", CREL)], mapping_path=mapping,
                   known_variables={"population"})


needs_real = pytest.mark.skipif(not REALDATA.exists(), reason="../shared/realdata is not present (a fresh clone has no shared data)")


@needs_real
@pytest.mark.parametrize("name,layout,rows,units,years,first", [
    ("bdl_csv/KULT_3881_CTAB_20220211231432.csv", "ctab", 1900, 380, [2018], ("0201000", 23.0)),
    ("bdl_csv/LUDN_1355_CTAB_20250616155247_2015.csv", "ctab", 35199, 3911, [2015], ("0000000", 0.0)),
    ("bdl_csv/LUDN_2137_CREL_20220407210714.csv", "crel", 7431, 2477, [2020], ("0201011", 38486.0)),
    ("bdl_csv/LUDN_2425_CTAB_20220211224427.csv", "ctab", 380, 380, [2020], ("0201000", 69.0)),
    ("bdl_csv/RYNE_2392_CREL_20230312150319.csv", "crel", 1387, 73, list(range(2004, 2023)), ("011212000000", 14.8)),
    ("bdl_xlsx/LUDN_2137_XPIV_20260112162304.xlsx", "xlsx", 1520, 380, [2024], ("0201000", 4502.0)),
])
def test_real_samples(name, layout, rows, units, years, first):
    t = read_export(REALDATA / name)
    assert (t.layout, len(t.data), t.data["code"].nunique()) == (layout, rows, units)
    assert sorted(t.data["year"].unique().tolist())[: len(years)] == years[: len(years)]
    assert (t.data["code"].iloc[0], t.data["value"].iloc[0]) == first


@needs_real
def test_real_ctab_selected_value():
    t = read_export(REALDATA / "bdl_csv" / "LUDN_1355_CTAB_20250616155247_2015.csv").data
    row = t[(t["code"] == "3064011") & (t["dims"] == "label=zameldowania z miast|breakdown=ogółem")]
    assert row["value"].tolist() == [3211.0] and row["name"].iloc[0] == "Poznań (1)" and row["row"].iloc[0] == 3694


@needs_real
def test_real_register_and_population(tmp_path):
    store = tmp_path / "real"
    load_files(store, [REALDATA / "teryt" / "TERC_2020-01-01.csv"])
    [s] = load_files(store, [REALDATA / "bdl_csv" / "LUDN_2137_CREL_20220407210714.csv"], mapping_path=MAPPING)
    assert (s.units, s.values, s.new) == (2477, 2477, 2477)
    wide = Store.load(store).wide()
    assert wide.loc[("3064011", 2020), "population"] == 532048  # Poznań, as in the file
    assert Store.load(store).units["kind"].value_counts().to_dict() == {
        "gmina_rural": 1533, "gmina_urban_rural": 642, "powiat": 314, "gmina_urban": 236, "city_powiat": 66}


@needs_real
def test_real_flags_preserved():
    t = read_export(REALDATA / "bdl_csv" / "RYNE_2392_CREL_20230312150319.csv")
    assert set(t.data["flag"].dropna()) == {"x"}
    assert unit_code(t.data["code"].iloc[0])[1] == "above powiat level (country, voivodeship, region or subregion)"


def test_api_json_response(tmp_path, store):
    import json

    doc = {"variableId": 72305, "results": [
        {"id": "030210501011", "name": "Bolesławiec", "values": [{"year": "2020", "val": 38486, "attrId": 1},
                                                                {"year": "2021", "val": 38000, "attrId": 1}]},
        {"id": "030210501022", "name": "Bolesławiec", "values": [{"year": "2020", "val": 14863, "attrId": 3}]},
    ]}
    mapping = write(tmp_path / "m.yml", "rules:\n  - {table: API_72305, variable: population}\n")
    [s] = load_files(store, [write(tmp_path / "API_72305.json", json.dumps(doc))], mapping_path=mapping)
    assert (s.layout, s.units, s.values, s.flags, s.years) == ("api-json", 2, 3, 1, [2020, 2021])
    assert Store.load(store).wide().loc[("0201022", 2020), "population"] == 14863
    with pytest.raises(InputError, match="API_bad.json: line 1, column 2: not valid JSON"):
        load_files(store, [write(tmp_path / "API_bad.json", "{oops")], mapping_path=mapping)


@needs_real
def test_real_api_fixture(tmp_path):
    import json

    results = json.loads((REALDATA / "bdl_api_fixtures" / "samples_raw_data.json").read_text(encoding="utf-8"))
    path = write(tmp_path / "API_1.json", json.dumps({"results": results["get_data_by_variable"]}))
    t = read_export(path)
    assert t.layout == "api-json" and t.data["code"].iloc[0] == "000000000000"
    assert t.data["value"].iloc[0] == 168 and t.data["year"].iloc[0] == 1995  # POLSKA, 1995, as recorded


def test_kind_change_crosswalk(tmp_path, store):
    """Nowogrodziec as a rural gmina (…032) in an old export joins the current urban-rural code (…033)."""
    old = CREL.replace("0201033;", "0201032;")
    [s] = load_files(store, [write(tmp_path / "LUDN_2137_CREL_old.csv", old)], mapping_path=MAPPING)
    assert s.recoded == {"0201032": "0201033"}
    assert Store.load(store).wide().loc[("0201033", 2020), "population"] == 14996.5


@needs_real
def test_real_codes_changed_since_2015(tmp_path):
    """30 gminas changed type between 2015 and 2020 and are recoded; Ostrowice (abolished 2019) is refused."""
    store = tmp_path / "real"
    load_files(store, [REALDATA / "teryt" / "TERC_2020-01-01.csv"])
    sample = REALDATA / "bdl_csv" / "LUDN_1355_CTAB_20250616155247_2015.csv"
    with pytest.raises(InputError, match=r"row 3727, column Kod: unit code '3203042' \(Ostrowice \(2\)\)"):
        load_files(store, [sample], mapping_path=MAPPING)
    [s] = load_files(store, [sample], mapping_path=MAPPING, skip_unknown_units=True)
    assert len(s.recoded) == 30 and s.recoded["0202031"] == "0202033"  # Pieszyce: urban -> urban-rural
    assert s.rejected["unit not in the register"] == 1


def test_fetch_bdl_through_pybdl_with_a_mocked_transport(tmp_path, store):
    """pyBDL does the requests; a mocked HTTP transport answers with a recorded-style page (no network)."""
    import httpx

    from jstbench.data.bdl_api import fetch, make_client

    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.path.endswith("/data/by-variable/72305")
        page = {"totalRecords": 1, "page": 0, "pageSize": 100, "variableId": 72305, "results": [
            {"id": "030210501011", "name": "Bolesławiec", "values": [{"year": "2020", "val": 38486, "attrId": 1}]}]}
        return httpx.Response(200, json=page)

    client = make_client(tmp_path / "cache")
    client.api.data.session = httpx.Client(transport=httpx.MockTransport(handler))
    [path] = fetch(["72305"], [2020], 6, tmp_path / "cache", client=client)
    assert seen and seen[0].url.params["year"] == "2020" and seen[0].url.params["unit-level"] == "6"
    assert path.name == "API_72305_level6_2020.json"
    [s] = load_files(store, [path], "api-json", MAPPING)
    assert Store.load(store).wide().loc[("0201011", 2020), "population"] == 38486 and s.new == 1


def terc_xml(rows: list[tuple]) -> str:
    cols = ["WOJ", "POW", "GMI", "RODZ", "NAZWA", "NAZWA_DOD", "STAN_NA"]
    body = "".join("<row>" + "".join(f'<col name="{c}">{v}</col>' for c, v in zip(cols, r, strict=True)) + "</row>"
                   for r in rows)
    return f'<?xml version="1.0" encoding="UTF-8"?><teryt><catalog name="TERC">{body}</catalog></teryt>'


def test_terc_xml_and_history(tmp_path):
    """Two snapshots: a rural gmina becomes urban-rural (kind 2 -> 3), another gmina is abolished."""
    old = [("02", "01", "", "", "bolesławiecki", "powiat", "2018-01-01"),
           ("02", "01", "01", "1", "Bolesławiec", "gmina miejska", "2018-01-01"),
           ("02", "01", "03", "2", "Nowogrodziec", "gmina wiejska", "2018-01-01"),
           ("02", "01", "05", "2", "Zniesiona", "gmina wiejska", "2018-01-01")]
    new = [("02", "01", "", "", "bolesławiecki", "powiat", "2020-01-01"),
           ("02", "01", "01", "1", "Bolesławiec", "gmina miejska", "2020-01-01"),
           ("02", "01", "03", "3", "Nowogrodziec", "gmina miejsko-wiejska", "2020-01-01")]
    store = tmp_path / "store"
    load_files(store, [write(tmp_path / "terc2018.xml", terc_xml(old))])
    [s] = load_files(store, [write(tmp_path / "terc2020.xml", terc_xml(new))])
    assert s.recoded == {"0201032": "0201033"}
    units = Store.load(store).units
    assert "0201032" not in units.index  # the old code joins the new one
    assert units.loc["0201033", ["valid_from", "valid_to"]].tolist() == ["2020-01-01", None]
    assert units.loc["0201052", ["valid_from", "valid_to"]].tolist() == ["2018-01-01", "2018-01-01"]
    assert pd.read_parquet(store / "crosswalk.parquet").values.tolist() == [["0201032", "0201033", "2020-01-01"]]
    # data for the old code load into the new one; the abolished gmina keeps its history
    old_data = CREL.replace("0201033;", "0201032;").replace("0201022;", "0201052;")
    [s] = load_files(store, [write(tmp_path / "LUDN_2137_CREL_2018.csv", old_data)], mapping_path=MAPPING,
                     skip_unknown_units=True)
    wide = Store.load(store).wide()
    assert wide.loc[("0201033", 2020), "population"] == 14996.5 and wide.loc[("0201052", 2020), "population"] == 14863


def test_bad_terc_xml(tmp_path):
    with pytest.raises(InputError, match="not valid XML"):
        load_files(tmp_path / "s", [write(tmp_path / "t.xml", "<teryt><row>")])
    with pytest.raises(InputError, match=r"row 1: row lacks columns \['STAN_NA'\]"):
        load_files(tmp_path / "s", [write(tmp_path / "t.xml", '<teryt><row><col name="WOJ">02</col><col name="POW"/>'
                                                             '<col name="GMI"/><col name="RODZ"/><col name="NAZWA">X</col>'
                                                             '<col name="NAZWA_DOD">w</col></row></teryt>')])


# ---- BDL exports across years and levels, on the real samples -----------------------------------------------------

MIGRATION_2015 = "bdl_csv/LUDN_1355_CTAB_20250616155247_2015.csv"


@needs_real
def test_real_migration_2015_totals_are_placeholders_and_powiat_rows_skipped(tmp_path):
    """SOURCES.md (a) 14: in the 2015 gmina export "saldo migracji" is 0 for all 3,911 units while the components of
    the totals are not; the rule has `level: gmina`, so the powiat rows (sums of their gminas) are not loaded."""
    store = tmp_path / "real"
    load_files(store, [REALDATA / "teryt" / "TERC_2020-01-01.csv"])
    with pytest.raises(InputError, match=r"the units register \(as of 2020-01-01\) is not older than the data \(2015\)"):
        load_files(store, [REALDATA / MIGRATION_2015], mapping_path=MAPPING)
    [s] = load_files(store, [REALDATA / MIGRATION_2015], mapping_path=MAPPING, skip_unknown_units=True)
    assert (s.values, s.flags, s.units) == (0, 2402, 2402)
    assert [n for why, n in s.rejected.items() if why.startswith("powiat row; rule LUDN_1355")] == [307]
    assert any(w.startswith("(not rows) warning: net_migration 2015: 0 for all 3,911 units in the file") for w in s.rejected)
    obs = Store.load(store).observations
    assert obs["value"].isna().all() and set(obs["flag"]) == {"zero-placeholder"}
    assert not obs["unit"].astype(str).str.fullmatch(r"\d{4}").any()


@needs_real
def test_real_migration_totals_against_their_components():
    """In a part of the file too small for the all-zero rule (one powiat), 'zameldowania ogółem' = 0 is still a
    placeholder: its components 'z miast' and 'ze wsi' are not 0."""
    from jstbench.data.bdl import Mapping, MappingRule, apply_mapping, components, mark_zero_placeholders

    data = read_export(REALDATA / MIGRATION_2015).data
    dims = list(dict.fromkeys(data["dims"]))
    assert components("label=zameldowania ogółem|breakdown=ogółem", "label", dims) == [
        "label=zameldowania z miast|breakdown=ogółem", "label=zameldowania ze wsi|breakdown=ogółem"]
    assert components("label=wymeldowania ogółem|breakdown=ogółem", "label", dims) == [
        "label=wymeldowania do miast|breakdown=ogółem", "label=wymeldowania na wieś|breakdown=ogółem",
        "label=wymeldowania za granicę|breakdown=ogółem"]
    part = data[data["code"].str.startswith("0201")]
    mapping = Mapping(rules=[MappingRule(table="LUDN_1355", match={"label": "zameldowania ogółem"}, variable="in_moves")])
    out, [warning] = mark_zero_placeholders(part, apply_mapping(part, mapping)[0], mapping.rules)
    assert out["value"].isna().all() and len(out) == 9  # the powiat, its 6 gminas, the town and rural area of one
    assert warning.startswith("in_moves 2015: 9 totals are 0 while their components are not (e.g. row 4, 0201000 Powiat "
                              "bolesławiecki, 2015: components zameldowania z miast, zameldowania ze wsi add up to 1179)")


@needs_real
def test_real_xlsx_holds_no_table_code(tmp_path):
    """The XLSX's OPIS sheet names the category, group and subgroup, not the table: the code comes from the file
    name, and a renamed copy no rule matches is refused saying so."""
    import shutil

    t = read_export(REALDATA / "bdl_xlsx" / "LUDN_2137_XPIV_20260112162304.xlsx")
    assert (t.table, t.table_from) == ("LUDN_2137", "the file name")
    assert t.about == "its OPIS sheet describes it as LUDNOŚĆ / STAN LUDNOŚCI / Ludność wg grup wieku i płci but holds no table code"
    store = tmp_path / "real"
    load_files(store, [REALDATA / "teryt" / "TERC_2020-01-01.csv"])
    renamed = tmp_path / "ludnosc powiatow.xlsx"
    shutil.copy(REALDATA / "bdl_xlsx" / "LUDN_2137_XPIV_20260112162304.xlsx", renamed)
    with pytest.raises(InputError) as err:
        load_files(store, [renamed], mapping_path=MAPPING)
    assert ("no mapping rule matched any value of the file: the table code used was ludnosc powiatow, taken from the file "
            "name; its OPIS sheet describes it as LUDNOŚĆ / STAN LUDNOŚCI / Ludność wg grup wieku i płci but holds no table "
            "code; the file name does not start with a BDL table code") in err.value.message


@needs_real
def test_real_api_fixture_in_every_layout_pybdl_gives(tmp_path):
    """The recorded by-variable response served to pyBDL through a mocked transport: what its API layer returns
    (with and without metadata) and its DataFrame layer's rows all read as the raw page does."""
    import json

    import httpx

    from jstbench.data.bdl import parse_api_json
    from jstbench.data.bdl_api import make_client

    results = json.loads((REALDATA / "bdl_api_fixtures" / "samples_raw_data.json").read_text(encoding="utf-8"))["get_data_by_variable"]
    page = {"totalRecords": len(results), "page": 0, "pageSize": 100, "variableId": 3643, "results": results}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/data/by-variable/3643"), request.url
        return httpx.Response(200, json=page)

    client = make_client(tmp_path / "cache")
    client.api.data.session = httpx.Client(transport=httpx.MockTransport(handler))
    raw, _ = parse_api_json(json.dumps(page), tmp_path / "page.json")
    layouts = {
        "api list": client.api.data.get_data_by_variable("3643"),
        "api with metadata": client.api.data.get_data_by_variable("3643", return_metadata=True),
        "data frame records": json.loads(client.data.get_data_by_variable("3643").to_json(orient="records")),
        "data frame columns": json.loads(client.data.get_data_by_variable("3643").to_json()),
    }
    for name, doc in layouts.items():
        data, source = parse_api_json(json.dumps(doc), tmp_path / "API_3643_x.json")
        cols = ["table", "code", "year", "value", "flag"]
        assert data[cols].equals(raw[cols]), name
    assert raw["table"].iloc[0] == "API_3643" and len(raw) == sum(len(u["values"]) for u in results)
