"""Budget execution reports of local governments — Rb-27S (revenues), Rb-28S (expenditures), Rb-Z (debt) and
Rb-PDP (effects of tax reliefs) — from files to line items, and from line items to the catalogue's variables.

Two kinds of layout in `params/budget_columns.yml` say where each field is: `csv` (a `;` file with headers, as
before) and `dbf` (the Ministry of Finance files as published: a ZIP of DBF files or a bare DBF; see `mf.py` for
what is verified about them). A line item is a unit (the project's TERYT code), a year, dział / rozdział / 4-digit
paragraf (empty for Rb-Z, which has no classification) and the report's value columns (`plan`, `execution`,
`arrears`, `debt`, `rate_reduction`, `relief`, ...). Voivodeship rows and unions of local governments are skipped
and counted. A line whose classification code is outside the years it exists
(`methodology/catalogue/classification.yml`) is refused with its record named, or counted and reported where that
file says `check: warn`.

Every value is a finite number within `CEILING` (a balance — debt, receivables, arrears, overpayments — never
below zero) and every year a whole number within `YEARS`, or the file is refused with its row or record named.

For each year of a file, the catalogue sources of the report valid in that year sum their lines (the source's
`line_mask`) from the value column they name (`column`, default `execution`); for `execution` the plan of the same
lines is kept apart as `plan:<variable>`. A variable whose source is only a note, or names a column the file does
not have, is listed as not derivable rather than guessed.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from jstbench.catalogue.model import Catalogue
from jstbench.catalogue.sources import Source
from jstbench.core.errors import InputError, excerpt
from jstbench.core.yamlio import Strict
from jstbench.data.bdl import read_text
from jstbench.data.mf import (
    FORMAT_REPORT,
    dbf_header,
    dbf_members,
    load_units_dictionary,
    read_dbf,
    report_from_name,
    unit_from_digits,
    year_quarter_from_name,
)

if TYPE_CHECKING:
    import numpy as np

    from jstbench.data.mf import DbfData, Member, UnitsDictionary
    from jstbench.data.readers import Context, Summary

Report = Literal["Rb-27S", "Rb-28S", "Rb-Z", "Rb-PDP"]
COLUMN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
BASE_COLUMNS = ("unit", "year", "dzial", "rozdzial", "paragraf", "row")
YEARS = (1990, 2100)  # local governments (and their budgets) exist since 1990
CEILING = 1e12  # zł: beyond any line of any local budget (Warsaw's whole budget is about 3e10 zł)
BALANCES = ("debt", "receivables", "arrears", "overpayments")  # owed at the year end: never below zero (debt_* too)
NUMBER = re.compile(r"[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?")
MISSING = ("", "-", "x", ".")  # cells that mean "no value"


class BudgetColumns(BaseModel):
    """Where each field is in a budget report CSV file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["csv"] = "csv"
    report: Report
    separator: str = Field(default=";", min_length=1, max_length=1)
    code: str | None = Field(default=None, description="one column with the 7-digit TERYT code (or 4-digit powiat)")
    woj: str | None = None
    pow: str | None = None
    gmi: str | None = None
    typ: str | None = None
    year: str | None = None
    dzial: str
    rozdzial: str
    paragraf: str
    plan: str
    execution: str
    values: dict[str, str] = Field(default_factory=dict)  # further value columns: column name -> header

    @field_validator("values")
    @classmethod
    def _names(cls, v: dict[str, str]) -> dict[str, str]:
        for name in v:
            if not COLUMN.match(name) or name in ("plan", "execution"):
                raise ValueError(f"value column name {name!r}: lower-case letters, digits, _ (plan/execution are set apart)")
        return v

    @property
    def value_columns(self) -> dict[str, str]:
        return {"plan": self.plan, "execution": self.execution, **self.values}


class UnitFields(Strict):
    """The MF unit key fields (BESTIA-DICT in `mf.py`)."""

    woj: str = "WK"
    pow: str = "PK"
    gmi: str = "GK"
    gmina_type: str = "GT"
    jst_type: str | None = "PT"


class DbfLayout(Strict):
    """Where each field is in an MF DBF file of one report."""

    kind: Literal["dbf"]
    report: Report
    units: UnitFields = Field(default_factory=UnitFields)
    dzial: str | None = None
    rozdzial: str | None = None
    paragraf: str | None = None  # 3 digits (PAR), or 4 without `paragraf4`
    paragraf4: str | None = None  # the 4th digit (PAR4)
    year: str | None = None  # a field with the year, used when the file has it (otherwise the file name, or --year)
    period: str | None = None  # a field with the quarter, used when the file has it
    values: dict[str, str] = Field(min_length=1)  # value column -> DBF field
    unverified: list[str] = Field(default_factory=list)  # value columns whose field no source confirms
    detect: list[str] = Field(default_factory=list)  # fields that tell this report when the file name does not
    evidence: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> "DbfLayout":
        classification = (self.dzial, self.rozdzial, self.paragraf)
        if any(classification) and not all(classification):
            raise ValueError("give dzial, rozdzial and paragraf together, or none (a report without classification)")
        if self.paragraf4 and not self.paragraf:
            raise ValueError("paragraf4 is the 4th digit of paragraf: give paragraf too")
        for name in self.values:
            if not COLUMN.match(name):
                raise ValueError(f"value column name {name!r}: lower-case letters, digits, _")
        unknown = sorted(set(self.unverified) - set(self.values))
        if unknown:
            raise ValueError(f"unverified names columns not in values: {unknown}")
        return self

    @property
    def classified(self) -> bool:
        return self.dzial is not None

    def required_fields(self) -> list[str]:
        u = self.units
        fields = [u.woj, u.pow, u.gmi, u.gmina_type, u.jst_type, self.dzial, self.rozdzial, self.paragraf, self.paragraf4,
                  *self.values.values()]
        return [f for f in dict.fromkeys(fields) if f]

    def known_fields(self) -> set[str]:
        return {*self.required_fields(), *(f for f in (self.year, self.period) if f)}


def _layout_kind(v: object) -> str:
    return str(v.get("kind", "csv")) if isinstance(v, dict) else str(getattr(v, "kind", "csv"))


Layout = Annotated[Annotated[BudgetColumns, Tag("csv")] | Annotated[DbfLayout, Tag("dbf")], Discriminator(_layout_kind)]


class DictionaryColumns(Strict):
    """Columns of the MF JST dictionary (BESTIA-DICT; the current XLSX names the kind "Typ Jst Nazwa")."""

    key: list[str] = Field(default_factory=lambda: ["WK", "PK", "GK", "GT", "PT"], min_length=5, max_length=5)
    code: str = "Kod GUS"
    kind: list[str] = Field(default_factory=lambda: ["Typ jednostki", "Typ Jst Nazwa", "Typ JST"])
    valid_from: list[str] = Field(default_factory=lambda: ["Data od"])
    valid_to: list[str] = Field(default_factory=lambda: ["Data do"])


class BudgetMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    classification: str | None = None  # year-dependent classification codes, relative to this file
    units_dictionary: str | None = None  # the MF JST dictionary, relative to this file (`fetch-mf --units-dictionary` wins)
    dictionary: DictionaryColumns = Field(default_factory=DictionaryColumns)
    layouts: dict[str, Layout]


class ClassCode(Strict):
    """A classification code that exists only in some years."""

    level: Literal["dzial", "rozdzial", "paragraf"]
    code: str = Field(pattern=r"^\d{3,5}$")
    label: str = Field(min_length=2)
    valid_from: int | None = Field(default=None, ge=1995, le=2100)
    valid_to: int | None = Field(default=None, ge=1995, le=2100)
    evidence: str = Field(min_length=2)
    check: Literal["refuse", "warn"] = "refuse"  # warn: counted and reported (the years are not confirmed)
    note: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> "ClassCode":
        width = {"dzial": (3,), "rozdzial": (5,), "paragraf": (3, 4)}[self.level]
        if len(self.code) not in width:
            raise ValueError(f"a {self.level} code has {' or '.join(map(str, width))} digits, not {self.code!r}")
        if self.valid_from is None and self.valid_to is None:
            raise ValueError("give valid_from and/or valid_to")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError(f"valid_from {self.valid_from} is after valid_to {self.valid_to}")
        return self

    def years_text(self) -> str:
        a, b = self.valid_from, self.valid_to
        return f"in {a}–{b}" if a and b else f"from {a}" if a else f"until {b}"


class Classification(Strict):
    evidence: dict[str, str] = Field(default_factory=dict)  # evidence keys -> where they are
    codes: list[ClassCode]


def load_budget_mapping(path: Path) -> BudgetMapping:
    from jstbench.core.yamlio import read_yaml_model

    return read_yaml_model(path, BudgetMapping)


@lru_cache(maxsize=4)
def _classification(path: Path, mtime: float) -> Classification:
    from jstbench.core.yamlio import read_yaml_model

    return read_yaml_model(path, Classification)


def load_classification(path: Path) -> Classification:
    path = Path(path)
    if not path.exists():
        raise InputError("classification file not found (set `classification` in params/budget_columns.yml)", path)
    return _classification(path, path.stat().st_mtime)


# ------------------------------------------------------------------------------------------------ values, years

def amount_problem(value: float, column: str) -> str | None:
    """Why a finite value of a report's value column cannot be right (beyond any local budget, a negative balance),
    or None. Flows (plan, execution, ...) may be negative: corrections and refunds make some lines so."""
    if abs(value) > CEILING:
        return f"{value:g} zł is beyond any local budget (at most {CEILING:g})"
    if value < 0 and column.split("_")[0] in BALANCES:
        return f"{value:g} is negative: {column} is a balance owed at the year end, never below zero"
    return None


def _amount(text: str, column: str, path: Path, where: str) -> float | None:
    """A value cell of a CSV report: a finite number in range (a decimal comma and spaces allowed), or None."""
    text = text.replace("\u00a0", "").replace(" ", "")
    if text in MISSING:
        return None
    value = float(text.replace(",", ".")) if NUMBER.fullmatch(text) else None
    if value is None or not math.isfinite(value):
        not_finite = value is not None or re.fullmatch(r"[+-]?(inf(inity)?|nan)", text, re.I)
        raise InputError(f"{excerpt(text)!r} is not a finite number" if not_finite else f"not a number: {excerpt(text)!r}",
                         path, where)
    problem = amount_problem(value, column)
    if problem:
        raise InputError(problem, path, where)
    return value


def _check_amounts(values: np.ndarray, column: str, field: str, name: str) -> None:
    """Refuse the first record of a DBF value field beyond any local budget or a negative balance (empty: NaN;
    `decode_numbers` refused what is not finite)."""
    import numpy as np

    bad = np.abs(values) > CEILING
    if column.split("_")[0] in BALANCES:
        bad |= values < 0
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(str(amount_problem(float(values[k]), column)), name, f"record {k + 1}, field {field}")


def check_year(value: float | int, file: str | Path | None, where: str | None) -> int:
    """A year of local budgets (a whole number, 1990–2100)."""
    if not (YEARS[0] <= value <= YEARS[1] and float(value).is_integer()):
        raise InputError(f"{excerpt(value)} is not a year ({YEARS[0]}–{YEARS[1]})", file, where)
    return int(value)


def _csv_year(text: str, path: Path, where: str) -> int:
    if not re.fullmatch(r"[0-9]{4}", text):
        raise InputError(f"year {excerpt(text)!r} is not a year ({YEARS[0]}–{YEARS[1]}, four digits)", path, where)
    return check_year(int(text), path, where)


# ----------------------------------------------------------------------------------------------------------- CSV

def _csv_unit(unit: str) -> tuple[str | None, str | None]:
    """A unit column value (WWPP, WWPP000 or WWPPGGK) as the project's code, or None and why the row is skipped:
    read by the same rule as MF unit keys (`mf.unit_from_digits`)."""
    if not re.fullmatch(r"[0-9]{4}(000)?|[0-9]{6}[123]", unit):
        raise ValueError(f"unit code {unit!r} is not a TERYT code of a gmina or powiat (lost leading zeros?)")
    return unit_from_digits(unit[:2], unit[2:4], unit[4:6] or "00", unit[6:] or "0", "")


def read_budget(path: Path, cols: BudgetColumns, year: int | None = None) -> pd.DataFrame:
    """Line items of a CSV report: unit, year, dzial, rozdzial, paragraf, row and the value columns; rows of
    voivodeships are skipped and counted in `attrs['skipped']`."""

    path = Path(path)
    text = read_text(path)
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=cols.separator) if any(c.strip() for c in r)]
    header = [h.strip() for h in rows[0]]
    values = cols.value_columns
    needed = [c for c in (cols.code, cols.woj, cols.pow, cols.gmi, cols.typ, cols.year, cols.dzial, cols.rozdzial,
                          cols.paragraf, *values.values()) if c]
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(f"columns {missing} not found (the header has {header}); fix params/budget_columns.yml "
                         f"or the file", path, "row 1")
    if cols.year is None and year is None:
        raise InputError("the file has no year column: give the year (--year)", path)
    if year is not None:
        check_year(year, path, "--year")
    at = {c: header.index(c) for c in needed}
    out: list[tuple] = []
    skipped: dict[str, int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if len(row) < len(header):
            raise InputError(f"{len(row)} fields, the header has {len(header)} (truncated file?)", path, f"row {n}")

        def cell(name: str, row: list[str] = row) -> str:
            return row[at[name]].strip()

        try:
            if cols.code:
                unit, why = _csv_unit(cell(cols.code))
            else:
                woj, pow_, gmi, typ = (cell(c) if c else "" for c in (cols.woj, cols.pow, cols.gmi, cols.typ))
                unit, why = unit_from_digits(woj.zfill(2), (pow_ or "0").zfill(2), (gmi or "0").zfill(2), typ, "")
        except ValueError as exc:
            shown = cell(cols.code) if cols.code else "".join(cell(c) for c in (cols.woj, cols.pow, cols.gmi, cols.typ) if c)
            raise InputError(f"unit {shown!r}: {exc}", path, f"row {n}") from None
        if unit is None:
            skipped[str(why)] = skipped.get(str(why), 0) + 1
            continue
        dz, rz, par = cell(cols.dzial), cell(cols.rozdzial), cell(cols.paragraf)
        for value, width, name in ((dz, 3, cols.dzial), (rz, 5, cols.rozdzial), (par, 4, cols.paragraf)):
            if not re.fullmatch(rf"[0-9]{{{width}}}", value):
                raise InputError(f"{name} {value!r} is not {width} digits", path, f"row {n}, column {name}")
        if not rz.startswith(dz):
            raise InputError(f"rozdział {rz} is not in dział {dz}", path, f"row {n}, column {cols.rozdzial}")
        y = _csv_year(cell(cols.year), path, f"row {n}, column {cols.year}") if cols.year else year
        out.append((unit, y, dz, rz, par, n, *(_amount(cell(h), name, path, f"row {n}, column {h}")
                                              for name, h in values.items())))
    items = pd.DataFrame(out, columns=[*BASE_COLUMNS, *values])
    items = items.astype({c: float for c in values})
    items.attrs.update(file=str(path), row_label="row", skipped=skipped, classified=True)
    return items


# ---------------------------------------------------------------------------------------------------------- DBF

def choose_layout(mapping: BudgetMapping, mapping_path: Path, member: Member, fields: list[str], fmt: str,
                  layout_name: str | None) -> tuple[str, DbfLayout]:
    """The DBF layout for a file: the one named, else one of the report (from --format, the file name, or the
    fields a layout `detect`s) whose fields the file has."""

    dbf_layouts = {n: lay for n, lay in mapping.layouts.items() if isinstance(lay, DbfLayout)}
    named = report_from_name(Path(member.name.split(" › ")[-1]).name) or report_from_name(member.outer.name)
    given = FORMAT_REPORT.get(fmt)
    if given and named and given != named:
        raise InputError(f"the file name says {named}, but --format {fmt} is {given}", member.name)
    if layout_name is not None:
        lay = mapping.layouts.get(layout_name)
        if not isinstance(lay, DbfLayout):
            raise InputError(f"no DBF layout {layout_name!r} in {mapping_path.name} (DBF layouts: {', '.join(dbf_layouts)})",
                             mapping_path)
        if (given or named) and lay.report != (given or named):
            raise InputError(f"layout {layout_name} is for {lay.report}, the file is {given or named}", member.name)
        report: str | None = lay.report
        candidates = {layout_name: lay}
    else:
        report = given or named
        if report is None:
            have = set(fields)
            told = {lay.report for lay in dbf_layouts.values() if lay.detect and set(lay.detect) <= have}
            if len(told) != 1:
                why = f"its fields fit {', '.join(sorted(told))}" if told else "neither its name nor its fields tell"
                raise InputError(f"cannot tell which report this is ({why}): give --format rb27s, rb28s, rbz or rbpdp",
                                 member.name)
            report = told.pop()
        candidates = {n: lay for n, lay in dbf_layouts.items() if lay.report == report}
        if not candidates:
            raise InputError(f"no DBF layout for {report} in {mapping_path.name}", mapping_path)
    have = set(fields)
    for name, lay in candidates.items():
        if set(lay.required_fields()) <= have:
            return name, lay
    problems = []
    for name, lay in candidates.items():
        missing = [f for f in lay.required_fields() if f not in have]
        unknown = [f for f in fields if f not in lay.known_fields()]
        problems.append(f"layout {name} needs {missing}" + (f", the file has fields it does not know: {unknown}" if unknown else ""))
    raise InputError(f"the DBF's fields do not fit a {report} layout of {mapping_path.name}: {'; '.join(problems)} "
                     f"(fields of the file: {', '.join(fields)})", member.name)


def _file_year(member: Member, data: DbfData, lay: DbfLayout, given: int | None) -> int:
    """The year of a DBF: its year field if it has one, its name (or the ZIP's), or --year; they must agree. A
    quarterly (Q1–Q3, cumulative) report is refused: the store holds yearly values."""
    said: dict[str, int] = {}
    quarters: dict[str, int] = {}
    for label, name in (("the ZIP's name", member.outer.name), ("the file name", member.name.split(" › ")[-1])):
        y, q = year_quarter_from_name(name)
        if y is not None:
            said[label] = y
        if q is not None:
            quarters[label] = q
    for fieldname, target, low, high in ((lay.year, said, *YEARS), (lay.period, quarters, 1, 4)):
        if fieldname and fieldname in data.columns and data.records:
            found = _whole_values(data, fieldname, low, high)
            if len(found) > 1:
                raise InputError(f"field {fieldname} holds several values {sorted(found)}: one report file is one period",
                                 data.name)
            if found:
                target[f"field {fieldname}"] = found.pop()
    if given is not None:
        said["--year"] = check_year(given, data.name, "--year")
    if len(set(said.values())) > 1:
        raise InputError("the year is not clear: " + ", ".join(f"{k} says {v}" for k, v in said.items()), data.name)
    bad_q = {k: q for k, q in quarters.items() if q != 4}
    if bad_q:
        k, q = next(iter(bad_q.items()))
        raise InputError(f"a quarterly report ({k}: Q{q}, cumulative from January): only annual (Q4) reports are "
                         "loaded as yearly values", data.name)
    if not said:
        raise InputError("no year: neither the file name (e.g. Rb28S_2023Q4.zip) nor a year field tells it; give --year",
                         data.name)
    return next(iter(said.values()))


def _whole_values(data: DbfData, fieldname: str, low: int, high: int) -> set[int]:
    """The distinct values of a year or quarter field, each a whole number from `low` to `high` (empty: skipped)."""
    import numpy as np

    values = data.numbers(fieldname)
    given = ~np.isnan(values)
    bad = given & ((np.mod(values, 1, where=given, out=np.zeros_like(values)) != 0) | (values < low) | (values > high))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        what = "a year" if high > 4 else "a quarter"
        raise InputError(f"field {fieldname}: {values[k]:g} is not {what} ({low}–{high})", data.name, f"record {k + 1}")
    return {int(v) for v in np.unique(values[given])}


def _combined(data: DbfData, fields: Sequence[tuple[str | None, int]]) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """The distinct combinations of several text fields (zero-padded to their widths; an absent field is "") and, per
    record, the index of its combination — computed on integer codes, not on 1.2 million strings."""
    import numpy as np

    n = data.records
    combined = np.zeros(n, dtype=np.int64)
    tables = []
    for name, width in fields:
        if name:
            values, inverse = data.codes(name)
            tables.append([v.zfill(width) if v else v for v in values])
        else:
            tables.append([""])
            inverse = np.zeros(n, dtype=np.int64)
        combined = combined * len(tables[-1]) + inverse
    uniq, inv = np.unique(combined, return_inverse=True)
    out = []
    for value in uniq.tolist():
        parts = []
        for table in reversed(tables):
            value, k = divmod(value, len(table))
            parts.append(table[k])
        out.append(tuple(reversed(parts)))
    return out, inv.reshape(-1)


def _categorical(values: list[str], inverse: np.ndarray) -> pd.Categorical:
    cats = list(dict.fromkeys(values))
    pos = {c: i for i, c in enumerate(cats)}
    import numpy as np

    remap = np.array([pos[v] for v in values], dtype=np.int64)
    return pd.Categorical.from_codes(remap[inverse] if len(inverse) else inverse, categories=cats)


def read_mf(data: DbfData, lay: DbfLayout, year: int, dictionary: UnitsDictionary | None) -> pd.DataFrame:
    """Line items of one MF DBF (see `read_budget` for the columns); voivodeship and union rows are skipped and
    counted in `attrs['skipped']`."""
    import numpy as np


    n = data.records
    u = lay.units
    key_fields = [(u.woj, 2), (u.pow, 2), (u.gmi, 2), (u.gmina_type, 1), (u.jst_type, 1)]
    keys, key_of = _combined(data, key_fields)
    unit_of, why_of = [], []
    for k, key in enumerate(keys):
        entry = dictionary.lookup(key, year) if dictionary is not None else None
        try:
            if entry is not None:
                code, why = entry.code, entry.reason
            elif dictionary is not None:  # not in the dictionary: only a voivodeship or a union may be skipped by digits
                try:
                    code, why = unit_from_digits(*key)
                except ValueError:
                    code, why = "", None
                if code is not None:
                    raise ValueError(f"is not in the units dictionary {dictionary.path.name}")
            else:
                code, why = unit_from_digits(*key)
        except ValueError as exc:
            rec = int(np.flatnonzero(key_of == k)[0]) + 1
            shown = " ".join(f"{f}={v}" for (f, _), v in zip(key_fields, key, strict=True) if f)
            hint = "" if dictionary is not None else "; give the MF units dictionary (--units-dictionary, column Kod GUS)"
            raise InputError(f"MF unit {shown} {exc}{hint}", data.name, f"record {rec}") from None
        unit_of.append(code)
        why_of.append(why)
    unit = np.array(unit_of, dtype=object)[key_of] if n else np.array([], dtype=object)
    keep = pd.notna(unit)
    reasons = np.array(why_of, dtype=object)[key_of] if n else np.array([], dtype=object)
    skipped = {str(r): int(c) for r, c in pd.Series(reasons[~keep]).value_counts().items()}
    cols: dict[str, object] = {"unit": unit, "year": np.full(n, year, dtype=np.int64)}
    if lay.classified:
        assert lay.dzial and lay.rozdzial and lay.paragraf
        checks = []
        for fields, width, label in (([(lay.dzial, 3)], 3, lay.dzial), ([(lay.rozdzial, 5)], 5, lay.rozdzial),
                                     ([(lay.paragraf, 3), (lay.paragraf4, 1)] if lay.paragraf4 else [(lay.paragraf, 4)], 4,
                                      "paragraf (PAR + PAR4)" if lay.paragraf4 else lay.paragraf)):
            combos, inverse = _combined(data, fields)
            values = ["".join(c) for c in combos]
            for k, value in enumerate(values):
                if not re.fullmatch(rf"[0-9]{{{width}}}", value):
                    hit = inverse == k
                    rec = int(np.flatnonzero(hit & keep)[0] if (hit & keep).any() else np.flatnonzero(hit)[0]) + 1
                    raise InputError(f"{label} {value!r} is not {width} digits", data.name, f"record {rec}, field {fields[0][0]}")
            checks.append(_categorical(values, inverse))
        dz, rz, par = checks
        pairs = pd.DataFrame({"d": dz.codes, "r": rz.codes}).drop_duplicates()
        for d_code, r_code in pairs.itertuples(index=False):
            d, r = dz.categories[d_code], rz.categories[r_code]
            if not r.startswith(d):
                rec = int(np.flatnonzero((dz.codes == d_code) & (rz.codes == r_code))[0]) + 1
                raise InputError(f"rozdział {r} is not in dział {d}", data.name, f"record {rec}, field {lay.rozdzial}")
        cols.update(dzial=dz, rozdzial=rz, paragraf=par)
    else:
        empty = pd.Categorical.from_codes(np.zeros(n, dtype=np.int64), categories=[""])
        cols.update(dzial=empty, rozdzial=empty, paragraf=empty)
    cols["row"] = np.arange(1, n + 1)
    for name, fieldname in lay.values.items():
        cols[name] = numbers = data.numbers(fieldname)
        _check_amounts(numbers, name, fieldname, data.name)
    items = pd.DataFrame(cols)
    if not keep.all():
        items = items[keep].reset_index(drop=True)
    items.attrs.update(file=data.name, row_label="record", skipped=skipped, classified=lay.classified)
    return items


# ------------------------------------------------------------------------------------------------ classification

def check_classification(items: pd.DataFrame, classification: Classification, notes: dict[str, int]) -> None:
    """Refuse a line whose code is outside the years it exists (the record named), or count it in `notes`."""
    if not len(items) or not items.attrs.get("classified", True):
        return
    years = items["year"]
    for c in classification.codes:
        col = items[c.level]
        if c.level == "paragraf" and len(c.code) == 3:
            hit = col.astype(str).str.startswith(c.code)
        else:
            hit = col == c.code
        hit = hit.to_numpy()
        if not hit.any():
            continue
        outside = hit & ~years.between(c.valid_from or 0, c.valid_to or 9999).to_numpy()
        if not outside.any():
            continue
        first = items[outside].iloc[0]
        level = {"dzial": "dział", "rozdzial": "rozdział", "paragraf": "paragraf"}[c.level]
        problem = (f"{level} {c.code} ({c.label}) is outside the classification valid in {int(first['year'])}: it exists "
                   f"{c.years_text()} ({c.evidence})")
        if c.check == "refuse":
            raise InputError(f"{problem}; see methodology/catalogue/classification.yml", items.attrs.get("file"),
                             f"{items.attrs.get('row_label', 'row')} {int(first['row'])}")
        notes[f"(not rows) {int(outside.sum())} lines use {level} {c.code} outside the years it exists ({c.years_text()}, "
              f"{c.evidence}): kept, check them"] = 0


# ---------------------------------------------------------------------------------------------------- variables

def _numeric(col: pd.Series) -> pd.Series:
    """Paragraph codes as numbers (per category when the column is categorical)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = pd.to_numeric(pd.Series(col.cat.categories.astype(str)), errors="coerce").to_numpy(dtype=float)
        codes = col.cat.codes.to_numpy()
        out = cats[codes] if len(cats) else codes.astype(float)
        out[codes < 0] = float("nan")
        return pd.Series(out, index=col.index)
    return pd.to_numeric(col.astype(str), errors="coerce")


def _usable(s: Source, columns: list[str], classified: bool) -> str | None:
    """Why a budget source cannot sum lines of this file, or None."""
    if not s.defined:
        return "described only by a note"
    if s.column not in columns:
        return f"column {s.column!r} is not in this file's layout"
    if not classified and (s.dzial or s.rozdzial or s.exclude_rozdzial or s.exclude_paragraphs
                           or (s.paragraphs or "*").strip() != "*"):
        return "the report has no classification lines: a source sums them with paragraphs '*'"
    return None


def to_observations(items: pd.DataFrame, catalogue: Catalogue, report: str, source: str) -> tuple[pd.DataFrame, list[str]]:
    """Sum line items into the catalogue variables sourced from `report`: for each year of the file, the sources
    valid in that year sum their lines from the column they name; for `execution` the plan of the same lines is
    kept as `plan:<variable>`. Returns the observations and the variables of this report that the lines cannot give
    (with why)."""
    empty = pd.DataFrame(columns=["unit", "year", "variable", "value", "flag", "source"])
    columns = [c for c in items.columns if c not in BASE_COLUMNS]
    classified = bool(items.attrs.get("classified", True))
    file_years = sorted(int(y) for y in items["year"].unique()) if len(items) else []
    lines = items
    if classified and len(items):  # numeric paragraphs once: ParagraphSet masks compare numbers
        lines = items.assign(paragraf=_numeric(items["paragraf"]))
    masks: dict[int, pd.Series] = {}
    frames, not_derivable = [], []
    for v in catalogue.variables.values():
        mine = [s for s in v.sources if s.type == "budget" and s.report == report]
        if not mine:
            continue
        problems, parts = [], []
        for s in mine:
            years = [y for y in file_years if s.valid_in(y)]
            if not years and file_years:
                continue
            why = _usable(s, columns, classified)
            if why:
                problems.append(why)
                continue
            if not file_years:
                continue
            if id(s) not in masks:
                masks[id(s)] = s.line_mask(lines) if classified else pd.Series(True, index=lines.index)
            hit = masks[id(s)] & items["year"].isin(years)
            keep = ["unit", "year", s.column] + (["plan"] if s.column == "execution" and "plan" in columns else [])
            parts.append(items.loc[hit, keep].rename(columns={s.column: "value"}))
        if problems:
            not_derivable.append(f"{v.name} ({'; '.join(dict.fromkeys(problems))})")
        if not parts:
            continue
        lines_v = pd.concat(parts, ignore_index=True)
        sums = lines_v.groupby(["unit", "year"], observed=True).sum(min_count=1).reset_index()
        frames.append(pd.DataFrame({"unit": sums["unit"], "year": sums["year"], "variable": v.name, "value": sums["value"],
                                    "flag": None, "source": source}))
        if "plan" in sums.columns:
            frames.append(pd.DataFrame({"unit": sums["unit"], "year": sums["year"], "variable": f"plan:{v.name}",
                                        "value": sums["plan"], "flag": None, "source": source}))
    obs = pd.concat(frames, ignore_index=True) if frames else empty
    return obs, not_derivable


# ----------------------------------------------------------------------------------------------------- a report

def _resolve(mapping_path: Path, rel: str | Path | None) -> Path | None:
    if rel is None:
        return None
    p = Path(rel)
    return p if p.is_absolute() else (mapping_path.parent / p).resolve()


def observations_from_report(path: Path, fmt: str, source: str, ctx: Context) -> tuple[pd.DataFrame, Summary]:
    """One budget report file (CSV, MF ZIP of DBFs, or DBF) into observations and a Summary; nothing is returned
    (and so nothing stored) when any line is wrong."""
    from jstbench.data.readers import Summary, _known_units
    from jstbench.data.teryt import kind_change_crosswalk

    mapping_path, catalogue = ctx.budget_columns, ctx.catalogue
    if mapping_path is None or catalogue is None:
        raise InputError("budget reports need the column layouts (params/budget_columns.yml) and the catalogue")
    if ctx.units is None:
        raise InputError("the store has no units register yet: load a TERYT TERC file first", ctx.store_dir)
    mapping = load_budget_mapping(mapping_path)
    classification_path = _resolve(mapping_path, mapping.classification)
    classification = load_classification(classification_path) if classification_path else None
    notes: dict[str, int] = {}
    per_report: list[tuple[str, str, DbfLayout | BudgetColumns, pd.DataFrame]] = []
    rows = 0
    path = Path(path)
    if path.suffix.lower() in (".zip", ".dbf"):
        dictionary_path = ctx.units_dictionary or _resolve(mapping_path, mapping.units_dictionary)
        d = mapping.dictionary
        dictionary = (load_units_dictionary(dictionary_path, d.key, d.code, d.kind, d.valid_from, d.valid_to)
                      if dictionary_path else None)
        seen: dict[tuple[str, int], str] = {}
        with tempfile.TemporaryDirectory(prefix="jstbench-mf-") as tmp:
            for member in dbf_members(path, Path(tmp)):

                fields = [f.name for f in dbf_header(member.path, member.name).fields]
                name, lay = choose_layout(mapping, mapping_path, member, fields, fmt, ctx.layout)
                data = read_dbf(member.path, member.name)
                year = _file_year(member, data, lay, ctx.year)
                if (lay.report, year) in seen:
                    raise InputError(f"two DBF files of {lay.report} {year} in one archive: {seen[(lay.report, year)]} and "
                                     f"{member.name}", path)
                seen[(lay.report, year)] = member.name
                items = read_mf(data, lay, year, dictionary)
                rows += data.records
                if data.codepage_assumed:
                    notes[f"(not rows) {member.name}: the DBF does not name its codepage; read as Windows-1250"] = 0
                if data.deleted:
                    notes[f"(not rows) {member.name}: {data.deleted} records marked deleted, not read"] = 0
                extra = [f for f in data.fields if f not in lay.known_fields()]
                if extra:
                    notes[f"(not rows) fields of {member.name} not in layout {name}: {', '.join(extra)}"] = 0
                per_report.append((name, lay.report, lay, items))
    else:
        if fmt == "mf":
            raise InputError("not a Ministry of Finance file (.zip or .dbf): give --format rb27s or rb28s with a CSV layout",
                             path)
        name = ctx.layout or fmt
        lay_csv = mapping.layouts.get(name)
        if lay_csv is None:
            raise InputError(f"no layout {name!r} in {mapping_path.name} (layouts: {', '.join(mapping.layouts)})", mapping_path)
        if not isinstance(lay_csv, BudgetColumns):
            raise InputError(f"layout {name} is for MF DBF files, not this CSV: give --layout with a CSV layout", path)
        items = read_budget(path, lay_csv, ctx.year)
        rows += len(items) + sum(items.attrs["skipped"].values())
        per_report.append((name, lay_csv.report, lay_csv, items))
    summary = Summary(str(path), ", ".join(dict.fromkeys(p[0] for p in per_report)), rows=rows)
    for _, _, _, items in per_report:
        for why, n in items.attrs["skipped"].items():
            summary.rejected[why] = summary.rejected.get(why, 0) + n
        if classification is not None:
            check_classification(items, classification, notes)
    all_units = {str(u) for _, _, _, items in per_report for u in items["unit"].unique()}
    crosswalk = kind_change_crosswalk(all_units, ctx.units)
    frames, not_derivable = [], []
    for name, report, layout, items in per_report:
        attrs = dict(items.attrs)
        if crosswalk:
            items = items.assign(unit=items["unit"].replace(crosswalk))
        known = _known_units(items, ctx.units, ctx.skip_unknown_units, summary, Path(attrs["file"]),
                             lambda r, label=attrs["row_label"]: (f"{r['unit']!r}", f"{label} {r['row']}"), ctx)
        known.attrs.update(attrs)
        obs, missing = to_observations(known, catalogue, report, source)
        not_derivable += [m for m in missing if m not in not_derivable]
        if isinstance(layout, DbfLayout) and layout.unverified and len(obs):
            used = {s.column for v in catalogue.variables.values() for s in v.sources
                    if s.type == "budget" and s.report == report and s.column in layout.unverified
                    and (v.name in set(obs["variable"]))}
            for col in sorted(used):
                notes[f"(not rows) column {col!r} of {report} comes from field {layout.values[col]} of layout {name}, which no "
                      "source confirms (see params/budget_columns.yml): check it against the MF file description"] = 0
        frames.append(obs)
    obs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["unit", "year", "variable", "value", "flag", "source"])
    if crosswalk:
        summary.recoded = {old: new for old, new in sorted(crosswalk.items())}
    if not_derivable:
        summary.rejected[f"(not rows) variables not derivable from line items: {', '.join(not_derivable)}"] = 0
    summary.rejected.update(notes)
    execution = obs[~obs["variable"].astype(str).str.startswith("plan:")]
    summary.units, summary.values = int(obs["unit"].nunique()), int(execution["value"].notna().sum())
    summary.years = sorted(int(y) for y in obs["year"].unique())
    summary.variables = sorted(execution["variable"].unique())
    obs = obs.astype({"unit": str, "variable": str, "source": str}).astype({"year": "int64", "value": float})
    return obs.assign(flag=obs["flag"].astype(object)), summary


__all__ = ["BudgetColumns", "DbfLayout", "BudgetMapping", "Classification", "load_budget_mapping", "read_budget",
           "read_mf", "to_observations", "observations_from_report"]
