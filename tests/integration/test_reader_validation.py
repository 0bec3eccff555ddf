"""Hostile inputs to the BDL (CREL, CTAB, XLSX, API JSON) and TERC readers: every one is refused before anything is
written, with a message naming the input file and the row or cell (the rule of jstbench.data.validate), or, where the
input is right, loaded. Random cell texts never give another exception, a partial load or a non-finite value."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jstbench.catalogue.load import load_catalogue
from jstbench.cli import app
from jstbench.core.errors import InputError, InputErrors
from jstbench.data import readers
from jstbench.data.load import load_files
from jstbench.data.store import Store

from ..conftest import ROOT
from .test_real_data import CREL, CTAB, MAPPING, TERC

API = {"variableId": 72305, "results": [
    {"id": "030210501011", "name": "Bolesławiec", "values": [{"year": "2020", "val": 38486, "attrId": 1}]},
    {"id": "030210501022", "name": "Bolesławiec", "values": [{"year": "2020", "val": 14863, "attrId": 1}]}]}
API_TEXT = json.dumps(API)
"""A saved API response; a case replaces a token of its second result (results[1]) with raw JSON."""


def api(old: str, new: str) -> str:
    """API_TEXT with the second result's `old` replaced (its id, year or val)."""
    head, tail = API_TEXT.split('{"id": "030210501022"', 1)
    return head + ('{"id": "030210501022"' + tail).replace(old, new, 1)


def row4(old: str, new: str) -> str:
    """CREL with `old` replaced in row 4 (0201022, Bolesławiec (2), 2020, 14863)."""
    lines = CREL.split("\r\n")
    lines[3] = lines[3].replace(old, new)
    return "\r\n".join(lines)


def terc_row(n: int, old: str, new: str) -> str:
    """TERC with `old` replaced in row `n` (2 DOLNOŚLĄSKIE, 3 bolesławiecki, 4 Bolesławiec (1), 5 Bolesławiec (2),
    6 Nowogrodziec (3), 7 Nowogrodziec (4), 8 Jelenia Góra, 9 Jelenia Góra (1))."""
    lines = TERC.split("\n")
    lines[n - 1] = lines[n - 1].replace(old, new)
    return "\n".join(lines)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ROOT / "methodology" / "catalogue")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A store holding the TERC register of a few dolnośląskie units (0201, 0201011, 0201022, 0201033, 0261011)."""
    folder = tmp_path_factory.mktemp("base")
    (folder / "TERC.csv").write_text(TERC, encoding="utf-8")
    load_files(folder / "store", [folder / "TERC.csv"])
    return folder / "store"


@pytest.fixture
def store(base, tmp_path) -> Path:
    return Path(shutil.copytree(base, tmp_path / "store"))


def files(store: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(store.iterdir())}


def refused(store: Path, paths: list[Path], **kw) -> InputError:
    """The error of a refused load; nothing of the store has changed."""
    before = files(store)
    with pytest.raises(InputError) as err:
        load_files(store, paths, **{"mapping_path": MAPPING, **kw})
    assert files(store) == before
    return err.value


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


# ---- refused: (file name, content, where: what is wrong) ------------------------------------------------------------

BAD = {
    # the file
    "bom-only": ("LUDN_2137_CREL_bom-only.csv", b"\xef\xbb\xbf", "the file is empty (only a byte order mark)"),
    "bom-and-blank-lines": ("LUDN_2137_CREL_bom-blank.csv", b"\xef\xbb\xbf\r\n \r\n", "the file is empty"),
    "header-repeats-a-column": ("LUDN_2137_CREL_dup-column.csv", CREL.replace('"Płeć";', '"Płeć";"Płeć";', 1).replace(
        '"ogółem";"ogółem";', '"ogółem";"ogółem";"ogółem";'), "row 1: column 'Płeć' appears twice in the header (columns 4 and 5)"),
    "header-repeats-rok-wartosc": ("LUDN_2137_CREL_dup-tail.csv", CREL.replace('"Rok";"Wartosc";', '"Rok";"Wartosc";"Rok";"Wartosc";', 1),
                                   "row 1: column 'Rok' appears twice in the header (columns 5 and 7)"),
    "ctab-header-repeats-a-column": ("LUDN_1355_CTAB_dup-column.csv", CTAB.replace(
        '"saldo migracji;ogółem;2016;[osoba]"', '"saldo migracji;ogółem;2015;[osoba]"'),
        "row 1: column 'saldo migracji;ogółem;2015;[osoba]' appears twice in the header (columns 3 and 4)"),
    # years
    "year-superscript": ("LUDN_2137_CREL_year-sup.csv", row4('"2020"', '"²⁰²⁰"'), "row 4, column Rok: year '²⁰²⁰' is not a year"),
    "year-arabic-digits": ("LUDN_2137_CREL_year-ar.csv", row4('"2020"', '"٢٠٢٠"'), "row 4, column Rok: year '٢٠٢٠' is not a year"),
    "year-fraction": ("LUDN_2137_CREL_year-frac.csv", row4('"2020"', '"2020.7"'), "row 4, column Rok: year '2020.7' is not a year"),
    "year-out-of-range": ("LUDN_2137_CREL_year-1815.csv", row4('"2020"', '"1815"'), "row 4, column Rok: year 1815 is outside 1990–2100"),
    "year-budget-typo": ("LUDN_2137_CREL_year-20x3.csv", row4('"2020"', '"20x3"'), "row 4, column Rok: year '20x3' is not a year"),
    "ctab-year-superscript": ("LUDN_1355_CTAB_year-sup.csv", CTAB.replace(";2016;", ";²⁰¹⁶;"),
                              "row 1, column 4: header cell 'saldo migracji;ogółem;²⁰¹⁶;[osoba]' is not 'variable;...;year;[unit]'"),
    "ctab-year-out-of-range": ("LUDN_1355_CTAB_year-1815.csv", CTAB.replace(";2016;", ";1815;"),
                               "row 1, column 4: year 1815 is outside 1990–2100"),
    # values
    "value-inf": ("LUDN_2137_CREL_inf.csv", row4("14863", "inf"), "row 4, column Wartosc: not a finite number: 'inf'"),
    "value-nan": ("LUDN_2137_CREL_nan.csv", row4("14863", "NaN"), "row 4, column Wartosc: not a finite number: 'NaN'"),
    "value-1e999": ("LUDN_2137_CREL_1e999.csv", row4("14863", "1e999"), "row 4, column Wartosc: 1e999 is beyond ±1e+15"),
    "value-1e400": ("LUDN_2137_CREL_1e400.csv", row4("14863", "1e400"), "row 4, column Wartosc: 1e400 is beyond ±1e+15"),
    "value-1e308": ("LUDN_2137_CREL_1e308.csv", row4("14863", "1e308"), "row 4, column Wartosc: 1e308 is beyond ±1e+15"),
    "value-fullwidth-digits": ("LUDN_2137_CREL_fullwidth.csv", row4("14863", "１４８６３"), "row 4, column Wartosc: not a number: '１４８６３'"),
    "value-underscores": ("LUDN_2137_CREL_underscore.csv", row4("14863", "14_863"), "row 4, column Wartosc: not a number: '14_863'"),
    "population-negative": ("LUDN_2137_CREL_negative.csv", row4("14863", "-14863"),
                            "row 4, column Wartosc: population: value -14863 is below 0 (a count or measure in osoby is never negative)"),
    "ctab-value-inf": ("LUDN_1355_CTAB_inf.csv", CTAB.replace(";-98;", ";-inf;"), "row 2, column 4: not a finite number: '-inf'"),
    "ctab-value-1e400": ("LUDN_1355_CTAB_1e400.csv", CTAB.replace(";45;", ";1e400;"), "row 3, column 3: 1e400 is beyond ±1e+15"),
    # codes
    "code-letter-o": ("LUDN_2137_CREL_letter-o.csv", row4("0201022", "02O1022"),
                      "row 4, column Kod: code '02O1022' is neither a TERYT code (7 digits) nor a BDL unit id (12 digits)"),
    "bdl-id-region-contradicts-voivodeship": ("LUDN_2137_CREL_bdl-id.csv", row4("0201022", "070210501022"),
                                              "row 4, column Kod: BDL unit id '070210501022' is inconsistent: its macroregion "
                                              "digits 07 contradict its voivodeship 02 (in macroregion 03)"),
    "bdl-id-no-such-voivodeship": ("LUDN_2137_CREL_bdl-id-99.csv", row4("0201022", "079910501022"),
                                   "row 4, column Kod: BDL unit id '079910501022' names voivodeship 99, which does not exist"),
    # API responses
    "api-val-infinity": ("API_72305_inf.json", api("14863", "Infinity"), "results[1].values[0].val: not a finite number: 'inf'"),
    "api-val-1e999": ("API_72305_1e999.json", api("14863", "1e999"), "results[1].values[0].val: not a finite number: 'inf'"),
    "api-val-1e308": ("API_72305_1e308.json", api("14863", "1e308"), "results[1].values[0].val: 1e+308 is beyond ±1e+15"),
    "api-val-nan-without-attribute": ("API_72305_nan.json", api("14863", "NaN"), "results[1].values[0].val: not a finite number: 'nan'"),
    "api-val-400-digits": ("API_72305_digits.json", api("14863", "9" * 400),
                           "results[1].values[0].val: <an integer of about"),
    "api-val-true": ("API_72305_true.json", api("14863", "true"), "results[1].values[0].val: not a number: True"),
    "api-population-negative": ("API_72305_negative.json", api("14863", "-14863"),
                                "results[1].values[0]: population: value -14863 is below 0"),
    "api-year-fraction": ("API_72305_year-frac.json", api('"2020"', "2020.7"), "results[1].values[0].year: year 2020.7 is not a year"),
    "api-year-true": ("API_72305_year-true.json", api('"2020"', "true"), "results[1].values[0].year: year True is not a year"),
    "api-year-out-of-range": ("API_72305_year-1.json", api('"2020"', "1"), "results[1].values[0].year: year 1 is outside 1990–2100"),
    "api-id-region-contradicts-voivodeship": ("API_72305_id.json", api("030210501022", "070210501022"),
                                              "results[1].id: BDL unit id '070210501022' is inconsistent"),
    "api-id-not-text": ("API_72305_id-list.json", api('"030210501022"', "[1]"), "results[1].id: unit id [1] is not a BDL unit id"),
    # TERC
    "terc-date-cut": ("TERC_cut.csv", terc_row(4, "2020-01-01", "2020-0"),
                      "row 4, column STAN_NA: date '2020-0' is not a calendar date written YYYY-MM-DD"),
    "terc-date-impossible": ("TERC_impossible.csv", terc_row(4, "2020-01-01", "2020-13-45"),
                             "row 4, column STAN_NA: date '2020-13-45' is not a calendar date"),
    "terc-date-words": ("TERC_banana.csv", terc_row(2, "2020-01-01", "banana"), "row 2, column STAN_NA: date 'banana' is not a calendar"),
    "terc-dates-differ": ("TERC_two-dates.csv", terc_row(9, "2020-01-01", "2021-01-01"),
                          "row 9, column STAN_NA: STAN_NA 2021-01-01 differs from 2020-01-01 (row 2): a TERC file is one snapshot"),
    "terc-row-twice": ("TERC_twice.csv", TERC + "02;01;01;1;Bolesławiec;gmina miejska;2020-01-01\n",
                       "row 10: the unit 02;01;01;1 appears twice (also row 4): a TERC snapshot lists each unit once"),
    "terc-kind-not-a-digit": ("TERC_rodz.csv", terc_row(5, ";2;", ";x;"), "row 5, column RODZ: RODZ 'x' is not a kind of gmina"),
    "terc-woj-arabic-digits": ("TERC_woj.csv", terc_row(9, "02;61", "٠٢;61"), "row 9, column WOJ: WOJ '٠٢' is not 2 digits"),
    "terc-gmina-without-powiat": ("TERC_gmi.csv", terc_row(4, "02;01;01", "02;;01"), "row 4, column POW: GMI 01 without a POW"),
    "terc-name-empty": ("TERC_name.csv", terc_row(4, "Bolesławiec", ""), "row 4, column NAZWA: NAZWA is empty"),
    "terc-header-only": ("TERC_header.csv", TERC.split("\n")[0] + "\n", "no units: the file has only its header"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_is_refused_naming_file_and_place(case, store, tmp_path, catalogue):
    name, content, expected = BAD[case]
    path = write(tmp_path / name, content)
    err = refused(store, [path], catalogue=catalogue)
    assert f"{path}: {expected}" in err.message


def test_a_file_with_one_bad_code_loads_nothing(store, tmp_path):
    """The letter O in one code (02O1022) used to reject that row and load the others."""
    good = write(tmp_path / "LUDN_2137_CREL_good.csv", CREL)
    bad = write(tmp_path / "LUDN_2137_CREL_bad.csv", row4("0201022", "02O1022"))
    assert "LUDN_2137_CREL_bad.csv: row 4, column Kod" in refused(store, [good, bad]).message
    assert len(Store.load(store).observations) == 0


@pytest.mark.parametrize("scale,problem", [(".nan", "Input should be a finite number"), (".inf", "Input should be a finite number"),
                                           ("-1", "Input should be greater than 0"), ("0", "Input should be greater than 0")])
def test_mapping_scale_must_be_finite_and_positive(scale, problem, store, tmp_path):
    mapping = write(tmp_path / "mapping.yml", "rules:\n  - {table: LUDN_2137, match: {Wiek: ogółem, Płeć: ogółem}, "
                                              f"variable: population, scale: {scale}}}\n")
    message = refused(store, [write(tmp_path / "LUDN_2137_CREL_x.csv", CREL)], mapping_path=mapping).message
    assert str(mapping) in message and "rules[0].scale" in message and problem in message


def test_a_scale_taking_a_value_beyond_the_limit_is_refused_at_its_row(store, tmp_path):
    mapping = write(tmp_path / "mapping.yml", "rules:\n  - {table: LUDN_2137, match: {Wiek: ogółem, Płeć: ogółem}, "
                                              "variable: population, scale: 1e300}\n")
    path = write(tmp_path / "LUDN_2137_CREL_x.csv", CREL)
    err = refused(store, [path], mapping_path=mapping)
    assert isinstance(err, InputErrors)
    assert err.errors[0].message == (f"{path}: row 2, column Wartosc: population: value 3.8486e+304 is not a finite number "
                                     f"within ±1e+15")


def test_an_xlsx_sheet_names_the_sheet_row_of_a_bad_cell(store, tmp_path):
    """Blank rows of the sheet are counted: the message names the row as the spreadsheet shows it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "DANE"
    ws.append(["Kod", "Nazwa", "Wiek", "Płeć", "Rok", "Wartosc", "Jednostka miary", "Atrybut"])
    ws.append([])
    ws.append(["0201011", "Bolesławiec (1)", "ogółem", "ogółem", 2020, True, "osoba", None])
    wb.save(tmp_path / "LUDN_2137_XPIV_x.xlsx")
    message = refused(store, [tmp_path / "LUDN_2137_XPIV_x.xlsx"]).message
    assert "LUDN_2137_XPIV_x.xlsx: row 3, column Wartosc: not a number: True" in message


# ---- accepted -------------------------------------------------------------------------------------------------------

def test_a_blank_first_line_is_skipped_and_rows_keep_their_numbers(store, tmp_path):
    [s] = load_files(store, [write(tmp_path / "LUDN_2137_CREL_blank.csv", "\r\n" + CREL)], mapping_path=MAPPING)
    assert s.values == 4
    bad = write(tmp_path / "LUDN_2137_CREL_blank-bad.csv", "\r\n" + row4("14863", "inf"))
    assert "LUDN_2137_CREL_blank-bad.csv: row 5, column Wartosc: not a finite number" in refused(store, [bad]).message


def test_a_blank_first_line_in_terc_is_skipped(store, tmp_path):
    [s] = load_files(store, [write(tmp_path / "TERC_blank.csv", "\n" + TERC)])
    assert s.units == 5


def test_negative_balances_and_missing_marks_load(store, tmp_path, catalogue):
    """Net migration may be negative; '-', 'x' and empty cells are missing values; a pyBDL NaN with its attribute is a
    missing value too; a spreadsheet's whole-number float year is a year."""
    [s] = load_files(store, [write(tmp_path / "LUDN_1355_CTAB_x.csv", CTAB.replace(";45;", ";-;"))], mapping_path=MAPPING,
                     catalogue=catalogue)
    assert s.values == 2 and Store.load(store).wide().loc[("0201011", 2015), "net_migration"] == -120
    flat = [{"unit_id": 30210501011, "unit_name": "B", "year": 2020.0, "val": 38486.0, "attr_id": 1},
            {"unit_id": 30210501022, "unit_name": "B", "year": 2020, "val": float("nan"), "attr_id": 3}]
    [s] = load_files(store, [write(tmp_path / "API_72305_flat.json", json.dumps(flat))], mapping_path=MAPPING,
                     catalogue=catalogue)
    assert (s.values, s.flags) == (1, 1)


# ---- through the command line -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["bom-only", "year-superscript", "code-letter-o", "population-negative", "terc-date-words"])
def test_the_command_line_refuses_with_exit_1_and_no_traceback(case, store, tmp_path):
    name, content, expected = BAD[case]
    path = write(tmp_path / name, content)
    before = files(store)
    result = CliRunner().invoke(app, ["data", "load", str(path), "--store", str(store), "--root", str(ROOT)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert expected.split(":")[0] in result.output and path.name in result.output
    assert files(store) == before


# ---- random cell texts ----------------------------------------------------------------------------------------------

CELL = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["inf", "-inf", "NaN", "1e999", "1e400", "1e308", "-5", "1,5", "1 234", "²⁰²⁰", "2020.7", "", "-", "x",
                     "02O1011", "0201011", "201011", "030210501011", "070210501011", "٢٠٢٠", "2020", "ogółem", ";", '"', "\n"]))
CREL_HEADER = ["Kod", "Nazwa", "Wiek", "Płeć", "Rok", "Wartosc", "Jednostka miary", "Atrybut"]
CREL_ROW = ["0201011", "Bolesławiec (1)", "ogółem", "ogółem", "2020", "38486", "osoba", ""]
CTAB_HEADER = ["Kod", "Nazwa", "saldo migracji;ogółem;2015;[osoba]", "saldo migracji;ogółem;2016;[osoba]"]
CTAB_ROW = ["0201011", "Bolesławiec (1)", "-120", "-98"]


def _text(rows: list[list[str]], quoted: bool) -> str:
    """Rows as a BDL CSV: written by the csv module (cells with ; or quotes stay cells), or joined raw (they break the
    row, as a hand edit would)."""
    if not quoted:
        return "".join(";".join(r) + ";\r\n" for r in rows)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.sampled_from(["crel", "ctab"]), row=st.integers(0, 2), cells=st.dictionaries(st.integers(0, 7), CELL, max_size=3),
       quoted=st.booleans())
def test_random_cells_give_observations_or_an_error_naming_the_file(layout, row, cells, quoted, base, tmp_path_factory):
    header, template = (CREL_HEADER, CREL_ROW) if layout == "crel" else (CTAB_HEADER, CTAB_ROW)
    rows = [list(header), list(template), list(template)]
    rows[2][0] = "0201022"
    for col, text in cells.items():
        if col < len(header):
            rows[row][col] = text
    path = tmp_path_factory.getbasetemp() / ("LUDN_2137_CREL_h.csv" if layout == "crel" else "LUDN_1355_CTAB_h.csv")
    write(path, _text(rows, quoted))
    ctx = readers.Context(base, Store.load(base).units.reset_index(drop=True), MAPPING)
    try:
        obs, _ = readers.get(layout).read(path, layout, "test", ctx)
    except InputError as exc:
        errors = exc.errors if isinstance(exc, InputErrors) else [exc]
        assert all(e.file == str(path) for e in errors), exc.message
        event("refused")
    else:
        assert all(math.isfinite(v) for v in obs["value"].dropna())
        event("read")
