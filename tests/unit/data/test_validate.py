"""The one rule of jstbench.data.validate: numbers finite and plausible, years whole and in range, dates real, values
within their variable's range; every refusal names the file and the place."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jstbench.catalogue.model import Catalogue, Form, Variable
from jstbench.core.errors import InputError, InputErrors
from jstbench.data.validate import MAX_MAGNITUDE, Range, check_observations, date, number, value_ranges, year

FILE = "in.csv"


def refused(check, *args) -> str:
    with pytest.raises(InputError) as err:
        check(*args, FILE, "row 2, column 3")
    return err.value.message


@pytest.mark.parametrize("cell,expected", [
    ("38486", 38486.0), ("14996,5", 14996.5), ("-120", -120.0), ("1 234,5", 1234.5), ("1\u00a0234", 1234.0),
    ("1\u202f234,25", 1234.25), (" 7 ", 7.0), ("1e3", 1000.0), (".5", 0.5), ("", None), ("-", None), ("x", None),
    (".", None), (None, None), (12, 12.0), (2.5, 2.5), (str(MAX_MAGNITUDE), MAX_MAGNITUDE),
])
def test_numbers_read(cell, expected):
    assert number(cell, FILE, "row 2, column 3") == expected


@pytest.mark.parametrize("cell,problem", [
    ("inf", "not a finite number: 'inf'"), ("-Infinity", "not a finite number: '-Infinity'"),
    ("NaN", "not a finite number: 'NaN'"), ("1e999", "1e999 is beyond ±1e+15"), ("1e400", "1e400 is beyond ±1e+15"),
    ("1e308", "1e308 is beyond ±1e+15: not a plausible value"), (float("inf"), "not a finite number: 'inf'"),
    (float("nan"), "not a finite number: 'nan'"), (10**400, "<an integer of about 401 digits> is beyond ±1e+15"),
    (True, "not a number: True"), ("1_000", "not a number: '1_000'"), ("１２", "not a number: '１２'"),
    ("٣", "not a number: '٣'"), ("12x456", "not a number: '12x456'"), ("około 15 tys.", "not a number: 'około15tys.'"),
    ("9" * 500, "is beyond ±1e+15"),
])
def test_numbers_refused(cell, problem):
    message = refused(number, cell)
    assert message.startswith(f"{FILE}: row 2, column 3: ") and problem in message


def test_a_long_cell_is_quoted_as_an_excerpt():
    message = refused(number, "a" * 10_000)
    assert len(message) < 150 and message.endswith("…'")


@pytest.mark.parametrize("cell,expected", [("2020", 2020), (" 2015 ", 2015), (2024, 2024), (2020.0, 2020), ("1990", 1990)])
def test_years_read(cell, expected):
    assert year(cell, FILE, "row 2, column 3") == expected


@pytest.mark.parametrize("cell,problem", [
    ("2020.7", "year '2020.7' is not a year (four digits)"), (2020.7, "year 2020.7 is not a year"),
    ("²⁰²⁰", "year '²⁰²⁰' is not a year"), ("٢٠٢٠", "year '٢٠٢٠' is not a year"), ("20x3", "year '20x3' is not a year"),
    (True, "year True is not a year"), (None, "year None is not a year"), ("1815", "year 1815 is outside 1990–2100"),
    (1, "year 1 is outside 1990–2100"), (2101, "year 2101 is outside 1990–2100"), ("02020", "year '02020' is not a year"),
])
def test_years_refused(cell, problem):
    message = refused(year, cell)
    assert message.startswith(f"{FILE}: row 2, column 3: ") and problem in message


@pytest.mark.parametrize("cell,problem", [
    ("2020-0", "date '2020-0' is not a calendar date written YYYY-MM-DD"), ("2020-13-45", "date '2020-13-45' is not a calendar"),
    ("2021-02-29", "date '2021-02-29' is not a calendar"), ("banana", "date 'banana' is not a calendar"),
    ("", "date '' is not a calendar"), ("20200101", "date '20200101' is not a calendar"),
    ("1899-01-01", "date 1899-01-01 is outside the years 1990–2100"),
])
def test_dates_refused(cell, problem):
    message = refused(date, cell)
    assert message.startswith(f"{FILE}: row 2, column 3: ") and problem in message


def test_dates_read():
    assert date(" 2020-01-01 ", FILE, "row 2") == "2020-01-01" and date("2024-02-29", FILE, "row 2") == "2024-02-29"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=30), st.sampled_from(["inf", "nan", "1e999", "1e308", "-0", "1,5e3", "+.5", "١", "1_0"])))
def test_any_text_is_a_finite_number_none_or_refused(cell):
    try:
        value = number(cell, FILE, "row 2")
    except InputError as exc:
        assert exc.file == FILE and exc.where == "row 2"
    else:
        assert value is None or (math.isfinite(value) and abs(value) <= MAX_MAGNITUDE)


# ---- ranges and observations ----------------------------------------------------------------------------------------

def _variable(name: str, unit: str) -> Variable:
    return Variable.model_validate({"name": name, "label": {"pl": name, "en": name}, "unit": unit,
                                    "sources": [{"type": "bdl", "bdl_id": "1"}]})


def test_ranges_come_from_forms_or_counts():
    form = Form.model_validate({"id": "oswiata", "name": "Oświata", "sheet": "Oświata", "fields": [
        {"variable": "pupils", "instruction": "Liczba uczniów", "min": 0, "max": 5000}]})
    cat = Catalogue([], [_variable("population", "osoby"), _variable("net_migration", "osoby"), _variable("revenue", "zł"),
                         _variable("pupils", "osoby")], "digest", forms=[form])
    ranges = value_ranges(cat)
    assert ranges["population"] == Range(0.0, None, "a count or measure in osoby is never negative")
    assert ranges["pupils"] == Range(0, 5000, "the range form oswiata declares")
    assert "net_migration" not in ranges and "revenue" not in ranges  # a balance and money may be negative
    assert value_ranges(None) == {}


OBS = pd.DataFrame({"year": [2020, 2020, 2021], "variable": ["population", "net_migration", "population"],
                    "value": [38486.0, -120.0, float("nan")]}, index=[10, 11, 12])
RANGES = {"population": Range(0.0, None, "a count")}


def place(i) -> str:
    return f"row {i}"


def test_good_observations_pass():
    check_observations(OBS, FILE, place, RANGES)


@pytest.mark.parametrize("change,message", [
    ({"year": [2020, 1815, 2021]}, "in.csv: row 11: year 1815 is outside 1990–2100"),
    ({"value": [float("inf"), -120.0, 1.0]}, "in.csv: row 10: population: value inf is not a finite number within ±1e+15"),
    ({"value": [1e308, -120.0, 1.0]}, "in.csv: row 10: population: value 1e+308 is not a finite number within ±1e+15"),
    ({"value": [38486.0, -120.0, -3.0]}, "in.csv: row 12: population: value -3 is below 0 (a count)"),
])
def test_bad_observations_are_refused(change, message):
    with pytest.raises(InputError) as err:
        check_observations(OBS.assign(**change), FILE, place, RANGES)
    assert err.value.message == message


def test_many_problems_are_listed_up_to_ten_in_row_order():
    obs = pd.DataFrame({"year": 2020, "variable": "population", "value": [-1.0] * 25})
    with pytest.raises(InputErrors) as err:
        check_observations(obs, FILE, place, RANGES)
    lines = err.value.message.splitlines()
    assert lines[0] == "in.csv: row 0: population: value -1 is below 0 (a count)" and lines[9].startswith("in.csv: row 9:")
    assert lines[10] == "in.csv: and 15 more values or years like these" and len(lines) == 11
