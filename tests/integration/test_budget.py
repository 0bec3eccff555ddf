"""Budget execution reports: CSV files with a layout, and the Ministry of Finance files as published (ZIP of DBF
files in Windows-1250, written here with the `dbf` package). Line items are summed into catalogue variables by the
sources valid in each year (a small catalogue built here, independent of the project's); the plan is kept apart;
voivodeships and unions are skipped and counted; bad files are refused with the file and record named and nothing
is stored."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from jstbench.catalogue.model import Catalogue, Variable
from jstbench.core.errors import InputError
from jstbench.data.load import load_files
from jstbench.data.store import Store

from ..conftest import ROOT, make_project
from .test_real_data import TERC, write

COLUMNS = ROOT / "params" / "budget_columns.yml"


def variable(name: str, *sources: dict) -> dict:
    return {"name": name, "label": {"pl": name, "en": name}, "unit": "zł",
            "sources": [{"type": "budget", **s} for s in sources]}


def catalogue(*variables: dict) -> Catalogue:
    return Catalogue([], [Variable.model_validate(v) for v in variables], "test")


CATALOGUE = catalogue(
    variable("exp_80101", {"report": "Rb-28S", "dzial": "801", "rozdzial": "80101"}),
    variable("exp_80104", {"report": "Rb-28S", "dzial": "801", "rozdzial": ["80104"]}),
    variable("exp_801", {"report": "Rb-28S", "dzial": "801"}),
    variable("exp_90002", {"report": "Rb-28S", "dzial": "900", "rozdzial": "90002"}),
    variable("exp_60014", {"report": "Rb-28S", "dzial": "600", "rozdzial": "60014"}),
    variable("exp_total", {"report": "Rb-28S", "note": "wydatki ogółem"}),
    variable("exp_investment", {"report": "Rb-28S", "paragraphs": "605-606, 617"}),
    variable("rev_property_tax", {"report": "Rb-27S", "dzial": "756", "paragraphs": "0310"}),
    variable("arrears_property_tax", {"report": "Rb-27S", "dzial": "756", "paragraphs": "0310", "column": "arrears"}),
    variable("rev_waste_fee", {"report": "Rb-27S", "dzial": "900", "rozdzial": "90002", "paragraphs": "0490"}),
    variable("debt", {"report": "Rb-Z", "paragraphs": "*", "column": "debt"}),
    variable("tax_rate_reduction_effect", {"report": "Rb-PDP", "dzial": "756", "paragraphs": "031-034",
                                           "column": "rate_reduction"}),
    variable("tax_relief_effect", {"report": "Rb-PDP", "dzial": "756", "paragraphs": "031-034", "column": "relief"}),
)

# ------------------------------------------------------------------------------------------------- CSV layouts

HEADER = "WK;PK;GK;GT;ROK;DZIAL;ROZDZIAL;PARAGRAF;PLAN;WYKONANIE\n"
RB28S = HEADER + (
    "02;01;01;1;2023;801;80101;4010;1 000 000,00;950 000,50\n"      # primary schools, salaries
    "02;01;01;1;2023;801;80101;4210;200 000,00;150 000,00\n"        # primary schools, materials
    "02;01;01;1;2023;801;80104;4010;500 000,00;480 000,00\n"        # kindergartens
    "02;01;01;1;2023;900;90002;4300;300 000,00;310 000,00\n"        # municipal waste, services
    "02;01;;;2023;600;60014;4270;2 000 000,00;1 800 000,00\n"       # powiat roads (powiat row: no GK)
)
RB27S = HEADER + (
    "02;01;01;1;2023;756;75615;0310;700 000,00;720 000,00\n"
    "02;01;01;1;2023;756;75616;0310;300 000,00;290 000,00\n"
    "02;01;01;1;2023;900;90002;0490;300 000,00;305 000,00\n"
)


def load(tmp_path: Path, name: str, text: str | bytes | Path, fmt: str | None, cat: Catalogue = CATALOGUE,
         columns: Path = COLUMNS, **kw):
    store = tmp_path / "store"
    if not (store / "units.parquet").exists():
        load_files(store, [write(tmp_path / "TERC.csv", TERC)])
    if isinstance(text, Path):
        path = text
    elif isinstance(text, bytes):
        path = tmp_path / name
        path.write_bytes(text)
    else:
        path = write(tmp_path / name, text)
    summaries = load_files(store, [path], fmt=fmt, budget_columns=columns, catalogue=cat, **kw)
    return summaries[0], store


def observations(store: Path) -> pd.Series:
    obs = Store.load(store).observations.astype({"unit": str, "variable": str})
    return obs.set_index(["unit", "year", "variable"])["value"]


def nothing_stored(tmp_path: Path) -> bool:
    loads = tmp_path / "store" / "loads.parquet"
    return not loads.exists() or len(pd.read_parquet(loads)) == 1  # only the TERYT register


def test_expenditure_sums_by_rozdzial_and_dzial(tmp_path):
    s, store = load(tmp_path, "rb28s.csv", RB28S, "rb28s")
    obs = observations(store)
    assert obs[("0201011", 2023, "exp_80101")] == pytest.approx(1_100_000.50)  # 950 000,50 + 150 000,00
    assert obs[("0201011", 2023, "exp_80104")] == 480_000
    assert obs[("0201011", 2023, "exp_801")] == pytest.approx(1_580_000.50)  # the whole dział 801
    assert obs[("0201011", 2023, "exp_90002")] == 310_000
    assert obs[("0201", 2023, "exp_60014")] == 1_800_000
    assert obs[("0201011", 2023, "plan:exp_80101")] == 1_200_000  # plan kept apart
    assert "exp_total (described only by a note)" in next(w for w in s.rejected if "not derivable" in w)
    assert s.years == [2023] and s.units == 2


def test_revenue_paragraf_across_rozdzialy(tmp_path):
    s, store = load(tmp_path, "rb27s.csv", RB27S, "rb27s")
    obs = observations(store)
    assert obs[("0201011", 2023, "rev_property_tax")] == 1_010_000  # §0310 in 75615 and 75616
    assert obs[("0201011", 2023, "rev_waste_fee")] == 305_000
    assert "arrears_property_tax (column 'arrears' is not in this file's layout)" in next(
        w for w in s.rejected if "not derivable" in w)


def columns_copy(tmp_path: Path, old: str = "", new: str = "") -> Path:
    """The project's layouts with one change, the classification path kept absolute."""
    text = COLUMNS.read_text(encoding="utf-8").replace(old, new, 1)
    text = text.replace("classification: ../methodology/catalogue/classification.yml",
                        f"classification: {ROOT / 'methodology' / 'catalogue' / 'classification.yml'}")
    cols = tmp_path / "cols.yml"
    cols.write_text(text, encoding="utf-8")
    return cols


def test_year_from_option_when_no_column(tmp_path):
    cols = columns_copy(tmp_path, "    year: ROK\n", "")
    text = RB27S.replace("ROK;", "").replace(";2023;", ";")
    store = tmp_path / "store"
    load_files(store, [write(tmp_path / "TERC.csv", TERC)])
    with pytest.raises(InputError, match="no year column: give the year"):
        load_files(store, [write(tmp_path / "rb.csv", text)], fmt="rb27s", budget_columns=cols, catalogue=CATALOGUE)
    [s] = load_files(store, [tmp_path / "rb.csv"], fmt="rb27s", budget_columns=cols, catalogue=CATALOGUE, year=2022)
    assert s.years == [2022]


def test_csv_voivodeship_rows_are_skipped_and_a_city_row_is_the_city(tmp_path):
    text = RB28S + "02;00;;;2023;801;80101;4010;1,00;5,00\n" + "02;61;;;2023;801;80101;4010;1,00;7,00\n"
    s, store = load(tmp_path, "rb28s.csv", text, "rb28s")
    obs = observations(store)
    assert obs[("0261011", 2023, "exp_80101")] == 7  # a city with powiat rights: WWPP011, not a fake powiat
    assert not any(u.endswith("00") and len(u) == 4 for u, _, _ in obs.index)
    assert s.rejected["voivodeship (samorząd województwa: not a gmina or powiat)"] == 1


@pytest.mark.parametrize("text,message", [
    (RB28S.replace("ROZDZIAL", "ROZDZ"), "columns ['ROZDZIAL'] not found"),
    (RB28S.replace("02;01;01;1;2023;801;80104", "2;1;01;1;2023;801;80104"), ""),  # short codes are padded: fine
    (RB28S.replace("801;80104", "801;90104"), "row 4, column ROZDZIAL: rozdział 90104 is not in dział 801"),
    (RB28S.replace("4210", "42a0"), "row 3, column PARAGRAF: PARAGRAF '42a0' is not 4 digits"),
    (RB28S.replace("150 000,00", "sto tysięcy"), "row 3, column WYKONANIE: not a number"),
    (RB28S.replace("02;01;01;1;2023;900", "02;09;01;1;2023;900"), "row 5: unit code '0209011' is not in the units register"),
    (RB28S.rsplit("\n", 2)[0].rsplit(";", 3)[0] + "\n", "fields, the header has 10"),
    (RB28S.replace("02;01;01;1;2023;900", "02;01;01;7;2023;900"), "row 5: unit '0201017': not a kind the digits tell"),
    (RB28S.replace("801;80104;4010", "855;85501;3110").replace(";2023;", ";2016;"),
     "row 4: dział 855 (Rodzina) is outside the classification valid in 2016: it exists from 2017"),
])
def test_bad_budget_files(tmp_path, text, message):
    if not message:
        s, _ = load(tmp_path, "ok.csv", text, "rb28s")
        assert s.units == 2
        return
    with pytest.raises(InputError) as err:
        load(tmp_path, "bad.csv", text, "rb28s")
    assert message in err.value.message
    assert nothing_stored(tmp_path)


# ------------------------------------------------------------------------------------ Ministry of Finance files

UNIT_FIELDS = "WK C(2); PK C(2); GK C(2); GT C(1); PT C(1)"
RB28S_SPEC = f"{UNIT_FIELDS}; DZIAL C(3); ROZDZIAL C(5); PAR C(3); PAR4 C(1); R1 N(15,2); R4 N(15,2)"
RB27S_SPEC = f"{UNIT_FIELDS}; DZIAL C(3); ROZDZIAL C(5); PAR C(3); PAR4 C(1); R1 N(15,2); R4 N(15,2); R5 N(15,2); R6 N(15,2); R10 N(15,2)"
RBZ_SPEC = f"{UNIT_FIELDS}; E N(15,2); E1 N(15,2); E2 N(15,2); E3 N(15,2); E4 N(15,2)"
RBPDP_SPEC = f"{UNIT_FIELDS}; DZIAL C(3); ROZDZIAL C(5); PAR C(3); PAR4 C(1); R7 N(15,2); R8 N(15,2); R11Z N(15,2); R11R N(15,2)"
BOLESLAWIEC = ("02", "01", "01", "1", "0")  # gmina miejska 0201011 (MF: GT = TERYT kind, PT 0)
POWIAT = ("02", "01", "00", "0", "1")  # powiat bolesławiecki 0201
JELENIA_GORA = ("02", "61", "00", "0", "2")  # city with powiat rights: the project's 0261011
VOIVODESHIP = ("02", "00", "00", "0", "0")
UNION = ("02", "01", "03", "Z", "8")  # a union of gminas (związek JST)


def write_dbf(path: Path, spec: str, rows: list[tuple], codepage: str = "cp1250") -> Path:
    """A DBF as MF publishes them (dBase III, Windows-1250), written with the `dbf` package."""
    import dbf

    table = dbf.Table(str(path), spec, codepage=codepage, dbf_type="db3")
    table.open(dbf.READ_WRITE)
    for row in rows:
        table.append(row)
    table.close()
    return path


def write_zip(path: Path, members: dict[str, Path]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, file in members.items():
            archive.write(file, name)
    return path


def mf_zip(tmp_path: Path, name: str, spec: str, rows: list[tuple], member: str | None = None, **kw) -> Path:
    dbf_file = write_dbf(tmp_path / f"_{Path(name).stem}.dbf", spec, rows, **kw)
    return write_zip(tmp_path / name, {member or f"{Path(name).stem.split('_')[0].upper()}.DBF": dbf_file})


INVESTMENT = [  # Rb-28S lines of Bolesławiec: paragraph, plan (R1), execution (R4)
    ("605", "0", 110.0, 100.0),   # 6050 investment: in 605-606
    ("605", "7", 220.0, 200.0),   # 6057 EU-funded: in
    ("605", "9", 330.0, 300.0),   # 6059 own share: in
    ("606", "0", 440.0, 400.0),   # 6060 investment purchases: in
    ("617", "0", 550.0, 500.0),   # 6170 contributions to investment funds: in
    ("421", "0", 660.0, 600.0),   # 4210 materials: not investment
]


def test_rb28s_investment_paragraph_set_hand_computed(tmp_path):
    rows = [(*BOLESLAWIEC, "801", "80101", par, d4, plan, ex) for par, d4, plan, ex in INVESTMENT]
    rows.append((*POWIAT, "600", "60014", "605", "0", 1000.0, 900.0))
    s, store = load(tmp_path, "Rb28S_2023Q4.zip", mf_zip(tmp_path, "Rb28S_2023Q4.zip", RB28S_SPEC, rows), None)
    obs = observations(store)
    assert obs[("0201011", 2023, "exp_investment")] == 100 + 200 + 300 + 400 + 500  # = 1500; 4210 not in '605-606, 617'
    assert obs[("0201011", 2023, "plan:exp_investment")] == 110 + 220 + 330 + 440 + 550
    assert obs[("0201011", 2023, "exp_80101")] == 2100  # every paragraph of the rozdział
    assert obs[("0201", 2023, "exp_investment")] == 900
    assert s.layout == "rb28s-mf" and s.rows == 7 and s.years == [2023]
    loads = pd.read_parquet(store / "loads.parquet")
    assert loads["format"].tolist() == ["terc", "mf"]  # detected from the .zip


def test_rb27s_arrears_column(tmp_path):
    rows = [(*BOLESLAWIEC, "756", "75615", "031", "0", 700_000, 720_000, 15_000, 1_000, 40_000),
            (*BOLESLAWIEC, "756", "75616", "031", "0", 300_000, 290_000, 5_000, 0, 10_000),
            (*BOLESLAWIEC, "756", "75616", "032", "0", 50_000, 49_000, 2_500, 0, 2_500)]  # agricultural tax: not 0310
    s, store = load(tmp_path, "rb27s.zip", mf_zip(tmp_path, "Rb27S_2022Q4.zip", RB27S_SPEC, rows), None)
    obs = observations(store)
    assert obs[("0201011", 2022, "arrears_property_tax")] == 15_000 + 5_000  # R5 "w tym zaległości", not R10 or R4
    assert obs[("0201011", 2022, "rev_property_tax")] == 720_000 + 290_000
    assert ("0201011", 2022, "plan:arrears_property_tax") not in obs.index  # a plan only for execution
    assert s.layout == "rb27s-mf"


def test_rbz_debt(tmp_path):
    rows = [(*BOLESLAWIEC, 5_250_000.55, 0, 5_000_000, 250_000.55, 0),
            (*POWIAT, 1_000_000, 1_000_000, 0, 0, 0),
            (*VOIVODESHIP, 9e9, 0, 9e9, 0, 0)]
    s, store = load(tmp_path, "RbZ_2021Q4.zip", mf_zip(tmp_path, "RbZ_2021Q4.zip", RBZ_SPEC, rows), None)
    obs = observations(store)
    assert obs[("0201011", 2021, "debt")] == pytest.approx(5_250_000.55)  # E: zadłużenie ogółem
    assert obs[("0201", 2021, "debt")] == 1_000_000
    assert s.rejected["voivodeship (samorząd województwa: not a gmina or powiat)"] == 1
    assert s.layout == "rbz-mf"


def test_rbpdp_rate_reduction_and_relief(tmp_path):
    rows = [(*BOLESLAWIEC, "756", "75615", "031", "0", 120_000, 30_000, 1_000, 0),   # property tax, legal persons
            (*BOLESLAWIEC, "756", "75616", "031", "0", 80_000, 5_000, 0, 2_000),     # property tax, natural persons
            (*BOLESLAWIEC, "756", "75616", "034", "0", 10_000, 0, 0, 0),             # tax on means of transport
            (*BOLESLAWIEC, "756", "75616", "036", "0", 999, 999, 0, 0)]              # inheritance tax: not 031-034
    s, store = load(tmp_path, "RbPDP_2023Q4.zip", mf_zip(tmp_path, "RbPDP_2023Q4.zip", RBPDP_SPEC, rows), None)
    obs = observations(store)
    assert obs[("0201011", 2023, "tax_rate_reduction_effect")] == 120_000 + 80_000 + 10_000
    assert obs[("0201011", 2023, "tax_relief_effect")] == 30_000 + 5_000
    assert any("'rate_reduction' of Rb-PDP comes from field R7" in w and "no source confirms" in w for w in s.rejected)


def test_voivodeship_and_union_rows_skipped_and_city_mapped(tmp_path):
    rows = [(*BOLESLAWIEC, "801", "80101", "401", "0", 10, 10),
            (*VOIVODESHIP, "801", "80101", "401", "0", 99, 99),
            (*UNION, "900", "90002", "430", "0", 55, 55),
            (*UNION, "900", "90002", "421", "0", 5, 5),
            (*JELENIA_GORA, "801", "80101", "401", "0", 700, 650)]
    s, store = load(tmp_path, "Rb28S_2023Q4.zip", mf_zip(tmp_path, "Rb28S_2023Q4.zip", RB28S_SPEC, rows), None)
    obs = observations(store)
    assert obs[("0261011", 2023, "exp_80101")] == 650  # MF: WK 02 PK 61 GK 00 GT 0 PT 2 → 0261011
    assert s.rejected["voivodeship (samorząd województwa: not a gmina or powiat)"] == 1
    assert s.rejected["union of local governments (związek JST, GT 'Z' / PT '8')"] == 2
    assert set(u for u, _, _ in obs.index) == {"0201011", "0261011"} and s.rows == 5


def test_bare_dbf_year_from_option_or_name_and_quarters(tmp_path):
    rows = [(*BOLESLAWIEC, "801", "80101", "401", "0", 10, 10)]
    bare = write_dbf(tmp_path / "RB28S.dbf", RB28S_SPEC, rows)
    with pytest.raises(InputError, match="no year: neither the file name"):
        load(tmp_path, "", bare, None)
    s, _ = load(tmp_path, "", bare, "rb28s", year=2020)
    assert s.years == [2020]
    with pytest.raises(InputError, match="the year is not clear: the ZIP's name says 2023, --year says 2022"):
        load(tmp_path, "", mf_zip(tmp_path, "Rb28S_2023Q4.zip", RB28S_SPEC, rows), None, year=2022)
    with pytest.raises(InputError, match=r"a quarterly report \(the ZIP's name: Q2, cumulative from January\)"):
        load(tmp_path, "", mf_zip(tmp_path, "Rb28S_2023Q2.zip", RB28S_SPEC, rows), None)


def test_report_from_fields_when_the_name_does_not_tell(tmp_path):
    rows = [(*BOLESLAWIEC, 100.0, 0, 100.0, 0, 0)]
    s, _ = load(tmp_path, "", mf_zip(tmp_path, "zadluzenie_2020.zip", RBZ_SPEC, rows, member="DANE.DBF"), None)
    assert s.layout == "rbz-mf" and s.variables == ["debt"]
    with pytest.raises(InputError, match="the file name says Rb-28S, but --format rb27s is Rb-27S"):
        load(tmp_path, "", mf_zip(tmp_path, "Rb28S_2023Q4.zip", RB28S_SPEC, [(*BOLESLAWIEC, "801", "80101", "401", "0", 1, 1)]),
             "rb27s")


def test_sources_by_year(tmp_path):
    """2016 from 852/85211, 2017 from 855/85501: each year's lines summed by the source valid that year."""
    cat = catalogue(variable("exp_child_benefit",
                             {"report": "Rb-28S", "dzial": "852", "rozdzial": "85211", "valid_to": 2016},
                             {"report": "Rb-28S", "dzial": "855", "rozdzial": "85501", "valid_from": 2017}))
    both = [(*BOLESLAWIEC, "852", "85211", "311", "0", 0, 1_000), (*BOLESLAWIEC, "855", "85501", "311", "0", 0, 2_000)]
    only_2016 = [both[0]]
    s16, store = load(tmp_path, "", mf_zip(tmp_path, "Rb28S_2016Q4.zip", RB28S_SPEC, only_2016), None, cat=cat)
    s17, store = load(tmp_path, "", mf_zip(tmp_path, "Rb28S_2017Q4.zip", RB28S_SPEC, both), None, cat=cat)
    obs = observations(store)
    assert obs[("0201011", 2016, "exp_child_benefit")] == 1_000
    assert obs[("0201011", 2017, "exp_child_benefit")] == 2_000  # 85211 after 2016 is not summed
    assert any("rozdział 85211 outside the years it exists" in w for w in s17.rejected)  # check: warn, counted


def test_units_dictionary(tmp_path):
    """A unit kind the digits do not tell needs the MF dictionary; a key missing from it is refused, named."""
    metropolis = ("02", "00", "00", "0", "9")
    rows = [(*BOLESLAWIEC, "801", "80101", "401", "0", 10, 10), (*metropolis, "801", "80101", "401", "0", 5, 5)]
    archive = mf_zip(tmp_path, "Rb28S_2023Q4.zip", RB28S_SPEC, rows)
    with pytest.raises(InputError) as err:
        load(tmp_path, "", archive, None)
    assert "Rb28S_2023Q4.zip › RB28S.DBF: record 2: MF unit WK=02 PK=00 GK=00 GT=0 PT=9 not a kind the digits tell" in err.value.message
    assert "--units-dictionary" in err.value.message
    dictionary = tmp_path / "slownik.csv"
    dictionary.write_bytes(("NAZWA;WK;PK;GK;GT;PT;Typ jednostki;Podtyp jednostki;Kod GUS\n"
                            "BOLESŁAWIEC;02;01;01;1;0;Gmina;Gmina miejska;0201011\n").encode("cp1250"))
    with pytest.raises(InputError) as err:
        load(tmp_path, "", archive, None, units_dictionary=dictionary)
    assert "RB28S.DBF: record 2: MF unit WK=02 PK=00 GK=00 GT=0 PT=9 is not in the units dictionary slownik.csv" in err.value.message
    dictionary.write_bytes(dictionary.read_bytes() + "Metropolia;02;00;00;0;9;Związek metropolitalny;;0200000\n".encode("cp1250"))
    s, store = load(tmp_path, "", archive, None, units_dictionary=dictionary)
    assert s.rejected["metropolitan union (związek metropolitalny)"] == 1
    assert observations(store)[("0201011", 2023, "exp_80101")] == 10


def test_unit_missing_from_the_dictionary_is_refused(tmp_path):
    dictionary = tmp_path / "slownik.csv"
    dictionary.write_text("WK;PK;GK;GT;PT;Typ jednostki;Kod GUS\n02;01;00;0;1;Powiat;0201000\n", encoding="utf-8")
    rows = [(*POWIAT, "600", "60014", "427", "0", 1, 1), (*BOLESLAWIEC, "801", "80101", "401", "0", 10, 10)]
    with pytest.raises(InputError) as err:
        load(tmp_path, "", mf_zip(tmp_path, "Rb28S_2023Q4.zip", RB28S_SPEC, rows), None, units_dictionary=dictionary)
    assert ("Rb28S_2023Q4.zip › RB28S.DBF: record 2: MF unit WK=02 PK=01 GK=01 GT=1 PT=0 is not in the units "
            "dictionary slownik.csv") in err.value.message
    assert nothing_stored(tmp_path)


def _truncate(path: Path, keep: int) -> Path:
    path.write_bytes(path.read_bytes()[:keep])
    return path


def _patch(path: Path, old: bytes, new: bytes) -> Path:
    data = path.read_bytes()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))
    return path


GOOD = [(*BOLESLAWIEC, "801", "80101", "401", "0", 10, 10)]
NAMED = f"{UNIT_FIELDS}; NAZWA C(20); DZIAL C(3); ROZDZIAL C(5); PAR C(3); PAR4 C(1); R1 N(15,2); R4 N(15,2)"


def bad_wrong_codepage(tmp: Path) -> Path:
    return mf_zip(tmp, "Rb28S_2023Q4.zip", RB28S_SPEC, GOOD, codepage="cp1252")


def bad_text_not_cp1250(tmp: Path) -> Path:  # 0x98 is not a character in Windows-1250
    dbf_file = write_dbf(tmp / "x.dbf", NAMED, [(*BOLESLAWIEC, "GMINA XQX", "801", "80101", "401", "0", 1, 1)])
    return write_zip(tmp / "Rb28S_2023Q4.zip", {"RB28S.DBF": _patch(dbf_file, b"XQX", b"X\x98X")})


def bad_utf8_text(tmp: Path) -> Path:  # "ł" in UTF-8 is C5 82, in Windows-1250 "Ĺ‚": same length, wrong text
    dbf_file = write_dbf(tmp / "x.dbf", NAMED, [(*BOLESLAWIEC, "Boleslawiec", "801", "80101", "401", "0", 1, 1)])
    return write_zip(tmp / "Rb28S_2023Q4.zip", {"RB28S.DBF": _patch(dbf_file, b"Boleslawiec ", "Bolesławiec".encode("utf-8"))})


def bad_no_dbf(tmp: Path) -> Path:
    return write_zip(tmp / "Rb28S_2023Q4.zip", {"README.txt": write(tmp / "r.txt", "opis")})


def bad_unknown_fields(tmp: Path) -> Path:
    return mf_zip(tmp, "Rb28S_2023Q4.zip", RB28S_SPEC.replace("R4 N", "WYK N"), GOOD)


def bad_outside_classification(tmp: Path) -> Path:
    rows = [*GOOD, (*BOLESLAWIEC, "801", "80150", "401", "0", 5, 5)]
    return mf_zip(tmp, "Rb28S_2014Q4.zip", RB28S_SPEC, rows)


def bad_damaged_zip(tmp: Path) -> Path:
    archive = mf_zip(tmp, "Rb28S_2023Q4.zip", RB28S_SPEC, GOOD)
    return _truncate(archive, archive.stat().st_size - 30)


def bad_crc(tmp: Path) -> Path:
    dbf_file = write_dbf(tmp / "x.dbf", RB28S_SPEC, GOOD)
    archive = tmp / "Rb28S_2023Q4.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.write(dbf_file, "RB28S.DBF")
    return _patch(archive, b"80101", b"80102")


def bad_truncated_dbf(tmp: Path) -> Path:
    dbf_file = write_dbf(tmp / "x.dbf", RB28S_SPEC, GOOD * 3)
    return write_zip(tmp / "Rb28S_2023Q4.zip", {"RB28S.DBF": _truncate(dbf_file, dbf_file.stat().st_size - 40)})


def bad_paragraph(tmp: Path) -> Path:
    return mf_zip(tmp, "Rb28S_2023Q4.zip", RB28S_SPEC, [*GOOD, (*BOLESLAWIEC, "801", "80101", "40", "", 5, 5)])


def bad_number(tmp: Path) -> Path:
    dbf_file = write_dbf(tmp / "x.dbf", RB28S_SPEC, [(*BOLESLAWIEC, "801", "80101", "401", "0", 1, 123456)])
    return write_zip(tmp / "Rb28S_2023Q4.zip", {"RB28S.DBF": _patch(dbf_file, b"123456.00", b"12x456.00")})


@pytest.mark.parametrize("make,message", [
    (bad_wrong_codepage, "RB28S.DBF: header byte 29: the DBF codepage byte is 0x03 (cp1252"),
    (bad_text_not_cp1250, "RB28S.DBF: record 1: field NAZWA: byte 0x98 in b'GMINA X\\x98X"),
    (bad_utf8_text, "RB28S.DBF: record 1: field NAZWA: 'Bolesławiec' is UTF-8 text"),
    (bad_no_dbf, "Rb28S_2023Q4.zip: the ZIP holds no DBF file (it has: README.txt)"),
    (bad_unknown_fields, "RB28S.DBF: the DBF's fields do not fit a Rb-28S layout of budget_columns.yml: layout rb28s-mf "
                         "needs ['R4'], the file has fields it does not know: ['WYK']"),
    (bad_outside_classification, "RB28S.DBF: record 2: rozdział 80150 (specjalna organizacja nauki i metod pracy — szkoły) "
                                 "is outside the classification valid in 2014: it exists from 2015"),
    (bad_damaged_zip, "Rb28S_2023Q4.zip: damaged ZIP archive"),
    (bad_crc, "Rb28S_2023Q4.zip: damaged ZIP archive (Bad CRC-32"),
    (bad_truncated_dbf, "RB28S.DBF: truncated DBF: the header announces 3 records, the file holds 2 complete ones"),
    (bad_paragraph, "RB28S.DBF: record 2, field PAR: paragraf (PAR + PAR4) '040' is not 4 digits"),
    (bad_number, "RB28S.DBF: record 1: field R4: '12x456.00' is not a number"),
])
def test_bad_mf_files(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(InputError) as err:
        load(tmp_path, "", path, None)
    assert message in err.value.message, err.value.message
    assert nothing_stored(tmp_path)


def test_one_bad_file_stores_nothing(tmp_path):
    good = mf_zip(tmp_path, "Rb28S_2023Q4.zip", RB28S_SPEC, GOOD)
    (tmp_path / "b").mkdir()
    bad = bad_outside_classification(tmp_path / "b")
    load_files(tmp_path / "store", [write(tmp_path / "TERC.csv", TERC)])
    with pytest.raises(InputError, match="80150"):
        load_files(tmp_path / "store", [good, bad], budget_columns=COLUMNS, catalogue=CATALOGUE)
    assert nothing_stored(tmp_path) and Store.load(tmp_path / "store").observations.empty


# ---------------------------------------------------------------------------------------------- data fetch-mf

def test_fetch_mf_loads_the_annual_files_of_the_years(tmp_path):
    from jstbench.cli import app

    project = make_project(tmp_path / "project")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    rows = [(*BOLESLAWIEC, "801", "80101", "401", "0", 10, 10)]
    for name in ("Rb28S_2022Q4.zip", "Rb28S_2023Q4.zip", "Rb28S_2023Q2.zip", "Rb28S_2014Q4.zip"):
        mf_zip(downloads, name, RB28S_SPEC, rows)
    mf_zip(downloads, "RbZ_2023Q4.zip", RBZ_SPEC, [(*BOLESLAWIEC, 500.0, 0, 500.0, 0, 0)])
    bundle = write_zip(tmp_path / "bundle.zip", {p.name: p for p in downloads.glob("*.zip")})
    runner = CliRunner()
    store = project / "output" / "data" / "mf"
    res = runner.invoke(app, ["data", "load", str(write(tmp_path / "TERC.csv", TERC)), "--store", str(store),
                              "--root", str(project)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["data", "fetch-mf", str(bundle), "--store", str(store), "--years", "2015-2024",
                              "--root", str(project)])
    assert res.exit_code == 0, res.output
    assert "Rb28S_2023Q2.zip: quarterly report (Q2, cumulative)" in res.output
    assert "Rb28S_2014Q4.zip: year 2014 not asked for" in res.output
    loads = pd.read_parquet(store / "loads.parquet")
    assert sorted(loads["file"])[:3] == ["Rb28S_2022Q4.zip", "Rb28S_2023Q4.zip", "RbZ_2023Q4.zip"]
    obs = Store.load(store).observations.astype({"unit": str})
    assert set(obs.loc[obs["unit"] == "0201011", "year"]) == {2022, 2023}  # the project's catalogue sums the lines
    res = runner.invoke(app, ["data", "fetch-mf", str(downloads), "--store", str(store), "--years", "2030",
                              "--root", str(project)])
    assert res.exit_code == 1 and "no MF report files for the years asked" in res.output
