"""Ministry of Finance budget execution reports Rb-27S (revenues) and Rb-28S (expenditures).

The layout of the published files varies, so columns are given by a mapping (`params/budget_columns.yml`).
Rows are summed into the catalogue variables whose source names this report and a dział, rozdział and/or
paragraf (see `methodology/catalogue/variables.yml`): execution becomes the variable, the plan is kept apart
as `plan:<variable>`. Variables described only by a note (e.g. total current spending) are listed as not
derivable from line items rather than guessed.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from jstbench.catalogue.model import Catalogue
from jstbench.core.errors import InputError
from jstbench.data.bdl import _number, read_text


class BudgetColumns(BaseModel):
    """Where each field is in a budget report file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    report: Literal["Rb-27S", "Rb-28S"]
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


class BudgetMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    layouts: dict[str, BudgetColumns]


def load_budget_mapping(path: Path) -> BudgetMapping:
    from jstbench.core.yamlio import read_yaml_model

    return read_yaml_model(path, BudgetMapping)


def read_budget(path: Path, cols: BudgetColumns, year: int | None = None) -> pd.DataFrame:
    """Line items: unit, year, dzial, rozdzial, paragraf, plan, execution, row."""
    path = Path(path)
    text = read_text(path)
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=cols.separator) if any(c.strip() for c in r)]
    header = [h.strip() for h in rows[0]]
    needed = [c for c in (cols.code, cols.woj, cols.pow, cols.gmi, cols.typ, cols.year, cols.dzial, cols.rozdzial,
                          cols.paragraf, cols.plan, cols.execution) if c]
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(f"columns {missing} not found (the header has {header}); fix params/budget_columns.yml "
                         f"or the file", path, "row 1")
    if cols.year is None and year is None:
        raise InputError("the file has no year column: give the year (--year)", path)
    at = {c: header.index(c) for c in needed}
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) < len(header):
            raise InputError(f"{len(row)} fields, the header has {len(header)} (truncated file?)", path, f"row {n}")

        def cell(name: str, row: list[str] = row) -> str:
            return row[at[name]].strip()

        if cols.code:
            unit = cell(cols.code)
        else:
            woj, pow_, gmi, typ = (cell(c) if c else "" for c in (cols.woj, cols.pow, cols.gmi, cols.typ))
            gmina = gmi.strip("0") != ""
            unit = woj.zfill(2) + pow_.zfill(2) + (gmi.zfill(2) + typ if gmina else "")
        if not re.fullmatch(r"\d{6}[123]|\d{4}", unit):
            raise InputError(f"unit code {unit!r} is not a TERYT code of a gmina or powiat (lost leading zeros?)", path,
                             f"row {n}")
        dz, rz, par = cell(cols.dzial), cell(cols.rozdzial), cell(cols.paragraf)
        for value, width, name in ((dz, 3, cols.dzial), (rz, 5, cols.rozdzial), (par, 4, cols.paragraf)):
            if not re.fullmatch(rf"\d{{{width}}}", value):
                raise InputError(f"{name} {value!r} is not {width} digits", path, f"row {n}, column {name}")
        if not rz.startswith(dz):
            raise InputError(f"rozdział {rz} is not in dział {dz}", path, f"row {n}, column {cols.rozdzial}")
        y = int(cell(cols.year)) if cols.year else year
        out.append((unit, y, dz, rz, par, _number(cell(cols.plan), path, f"row {n}, column {cols.plan}"),
                    _number(cell(cols.execution), path, f"row {n}, column {cols.execution}"), n))
    return pd.DataFrame(out, columns=["unit", "year", "dzial", "rozdzial", "paragraf", "plan", "execution", "row"])


def to_observations(items: pd.DataFrame, catalogue: Catalogue, report: str, source: str) -> tuple[pd.DataFrame, list[str]]:
    """Sum line items into the catalogue variables sourced from `report`; returns observations and the
    names of variables of this report that line items cannot give."""
    frames, not_derivable = [], []
    for v in catalogue.variables.values():
        sources = [s for s in v.sources if s.type == "budget" and s.report == report]
        if not sources:
            continue
        if not all(s.defined for s in sources):
            not_derivable.append(v.name)
            continue
        hit = pd.Series(False, index=items.index)
        for s in sources:
            hit |= s.line_mask(items) & items["year"].map(s.valid_in).astype(bool)
        sums = items[hit].groupby(["unit", "year"])[["plan", "execution"]].sum(min_count=1).reset_index()
        for col, name in (("execution", v.name), ("plan", f"plan:{v.name}")):
            frames.append(pd.DataFrame({"unit": sums["unit"], "year": sums["year"], "variable": name,
                                        "value": sums[col], "flag": None, "source": source}))
    obs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["unit", "year", "variable", "value", "flag", "source"])
    return obs, not_derivable
