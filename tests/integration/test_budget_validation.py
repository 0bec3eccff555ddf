"""Hostile budget reports: a year that is not one, values that are not finite or beyond any local budget, negative
balances, in CSV files and in MF DBF files (bytes patched where the `dbf` package would refuse to write them).
Each is refused with the file and row or record named, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from jstbench.core.errors import InputError

from .test_budget import (
    BOLESLAWIEC,
    RB27S_SPEC,
    RB28S,
    RB28S_SPEC,
    RBZ_SPEC,
    _patch,
    load,
    nothing_stored,
    observations,
    write_dbf,
    write_zip,
)

KINDERGARTEN = "02;01;01;1;2023;801;80104;4010;500 000,00;480 000,00"  # row 4 of RB28S


def row4(old: str, new: str) -> str:
    assert old in KINDERGARTEN
    return RB28S.replace(KINDERGARTEN, KINDERGARTEN.replace(old, new))


@pytest.mark.parametrize("text,message", [
    (row4(";2023;", ";20x3;"), "row 4, column ROK: year '20x3' is not a year (1990–2100, four digits)"),
    (row4(";2023;", ";2023.7;"), "row 4, column ROK: year '2023.7' is not a year"),
    (row4(";2023;", ";²⁰²³;"), "row 4, column ROK: year '²⁰²³' is not a year"),
    (row4(";2023;", ";0000;"), "row 4, column ROK: 0 is not a year (1990–2100)"),
    (row4("480 000,00", "inf"), "row 4, column WYKONANIE: 'inf' is not a finite number"),
    (row4("480 000,00", "-Infinity"), "row 4, column WYKONANIE: '-Infinity' is not a finite number"),
    (row4("480 000,00", "NaN"), "row 4, column WYKONANIE: 'NaN' is not a finite number"),
    (row4("480 000,00", "1e999"), "row 4, column WYKONANIE: '1e999' is not a finite number"),
    (row4("480 000,00", "1e308"), "row 4, column WYKONANIE: 1e+308 zł is beyond any local budget (at most 1e+12)"),
    (row4("500 000,00", "-2e12"), "row 4, column PLAN: -2e+12 zł is beyond any local budget"),
    (row4("480 000,00", "1_000"), "row 4, column WYKONANIE: not a number: '1_000'"),
    (row4("480 000,00", "x" * 500), "row 4, column WYKONANIE: not a number: 'xxxxxxxx"),
])
def test_bad_csv_values(tmp_path, text, message):
    with pytest.raises(InputError) as err:
        load(tmp_path, "rb28s.csv", text, "rb28s")
    assert f"rb28s.csv: {message}" in err.value.message
    assert len(err.value.message) < len(str(tmp_path)) + 200  # a long value is quoted as an excerpt
    assert nothing_stored(tmp_path)


def test_csv_flows_may_be_negative(tmp_path):
    """A correction or a refund makes an execution line negative: accepted, summed."""
    _, store = load(tmp_path, "rb28s.csv", row4("480 000,00", "-1 000,00"), "rb28s")
    assert observations(store)[("0201011", 2023, "exp_80104")] == -1_000


def test_csv_year_option_out_of_range(tmp_path):
    from .test_budget import RB27S, columns_copy

    cols = columns_copy(tmp_path, "    year: ROK\n", "")
    with pytest.raises(InputError, match=r"rb.csv: --year: 20233 is not a year \(1990–2100\)"):
        load(tmp_path, "rb.csv", RB27S.replace("ROK;", "").replace(";2023;", ";"), "rb27s", columns=cols, year=20233)


# ------------------------------------------------------------------------------------------------ MF DBF files

YEAR_SPEC = RB28S_SPEC + "; ROK N(6,1); KWARTAL N(3,1)"
LINE = (*BOLESLAWIEC, "801", "80101", "401", "0")


def dbf_zip(tmp: Path, spec: str, row: tuple, old: bytes | None = None, new: bytes | None = None, name: str = "Rb28S_2023Q4.zip",
            member: str = "RB28S.DBF") -> Path:
    """An MF ZIP of one DBF of one record, its bytes patched (`old` → `new`, same length) when given."""
    dbf_file = write_dbf(tmp / "x.dbf", spec, [row])
    if old is not None and new is not None:
        _patch(dbf_file, old, new)
    return write_zip(tmp / name, {member: dbf_file})


def bad_r4(value: bytes):
    return lambda tmp: dbf_zip(tmp, RB28S_SPEC, (*LINE, 1, 123456), b"123456.00", value.rjust(9))


@pytest.mark.parametrize("make,message", [
    (bad_r4(b"inf"), "RB28S.DBF: record 1: field R4: 'inf' is not a finite number"),
    (bad_r4(b"-inf"), "RB28S.DBF: record 1: field R4: '-inf' is not a finite number"),
    (bad_r4(b"NaN"), "RB28S.DBF: record 1: field R4: 'NaN' is not a finite number"),
    (bad_r4(b"1e999"), "RB28S.DBF: record 1: field R4: '1e999' is not a finite number"),
    (bad_r4(b"1e308"), "RB28S.DBF: record 1, field R4: 1e+308 zł is beyond any local budget (at most 1e+12)"),
    (lambda tmp: dbf_zip(tmp, RBZ_SPEC, (*BOLESLAWIEC, -5.0, 0, 0, 0, 0), name="RbZ_2021Q4.zip", member="RBZ.DBF"),
     "RBZ.DBF: record 1, field E: -5 is negative: debt is a balance owed at the year end, never below zero"),
    (lambda tmp: dbf_zip(tmp, RBZ_SPEC, (*BOLESLAWIEC, 5.0, 0, 0, 0, -1.0), name="RbZ_2021Q4.zip", member="RBZ.DBF"),
     "RBZ.DBF: record 1, field E4: -1 is negative: debt_due is a balance"),
    (lambda tmp: dbf_zip(tmp, RB27S_SPEC, (*BOLESLAWIEC[:5], "756", "75615", "031", "0", 1, 1, -3, 0, 0), name="Rb27S_2023Q4.zip",
                         member="RB27S.DBF"),
     "RB27S.DBF: record 1, field R5: -3 is negative: arrears is a balance"),
    (lambda tmp: dbf_zip(tmp, YEAR_SPEC, (*LINE, 1, 1, 2023, 4), b"2023.0", b"20x3.0"),
     "RB28S.DBF: record 1: field ROK: '20x3.0' is not a number"),
    (lambda tmp: dbf_zip(tmp, YEAR_SPEC, (*LINE, 1, 1, 2023.5, 4), name="Rb28S.zip"),
     "RB28S.DBF: record 1: field ROK: 2023.5 is not a year (1990–2100)"),
    (lambda tmp: dbf_zip(tmp, YEAR_SPEC, (*LINE, 1, 1, 2023, 4), b"2023.0", b"   inf", name="Rb28S.zip"),
     "RB28S.DBF: record 1: field ROK: 'inf' is not a finite number"),
    (lambda tmp: dbf_zip(tmp, YEAR_SPEC, (*LINE, 1, 1, 2023, 4.5), name="Rb28S.zip"),
     "RB28S.DBF: record 1: field KWARTAL: 4.5 is not a quarter (1–4)"),
])
def test_bad_mf_values(tmp_path, make, message):
    with pytest.raises(InputError) as err:
        load(tmp_path, "", make(tmp_path), None)
    assert message in err.value.message, err.value.message
    assert nothing_stored(tmp_path)


def test_mf_year_option_out_of_range(tmp_path):
    bare = write_dbf(tmp_path / "RB28S.dbf", RB28S_SPEC, [(*LINE, 1, 1)])
    with pytest.raises(InputError, match=r"RB28S.dbf: --year: 3023 is not a year \(1990–2100\)"):
        load(tmp_path, "", bare, "rb28s", year=3023)


def test_mf_year_field_and_empty_values_are_read(tmp_path):
    """The year and quarter fields agree with the name; an empty value field is a missing value, not a problem."""
    archive = dbf_zip(tmp_path, YEAR_SPEC, (*LINE, 10, 7, 2023, 4), b"10.00", b"     ")
    s, store = load(tmp_path, "", archive, None)
    obs = observations(store)
    assert s.years == [2023] and obs[("0201011", 2023, "exp_80101")] == 7
    assert obs.isna()[("0201011", 2023, "plan:exp_80101")]  # the plan (R1) left empty



def test_units_dictionary_workbook_encrypted_or_too_long(tmp_path):
    import openpyxl

    from jstbench.core.xlsx import ENCRYPTED, OLE2
    from jstbench.data.mf import load_units_dictionary

    args = dict(key=["WK", "PK", "GK", "GT", "PT"], code="Kod GUS", kind=["Typ jednostki"], valid_from=[], valid_to=[])
    locked = tmp_path / "slownik.xlsx"
    locked.write_bytes(OLE2 + b"\0" * 504 + ENCRYPTED)
    with pytest.raises(InputError, match=r"slownik.xlsx: the workbook is encrypted \(password-protected\)"):
        load_units_dictionary(locked, **args)
    long = tmp_path / "dlugi.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["WK"])
    wb.active.cell(100_001, 1).value = "02"
    wb.save(long)
    with pytest.raises(InputError, match=r"dlugi.xlsx: Sheet: the sheet has 100,001 rows, more than the 100,000 rows"):
        load_units_dictionary(long, **args)
