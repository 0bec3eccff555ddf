"""The one rule every reader applies to what it read, before anything is written: a number is finite and of a
plausible size, a year a whole number within YEARS, a date a real calendar date, and a value within its variable's
range (declared by the catalogue's form, or not below 0 for a count). Every problem is an InputError naming the
input file and the row or cell; a value is quoted as a bounded excerpt."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jstbench.core.errors import InputError, InputErrors, excerpt

if TYPE_CHECKING:
    import pandas as pd

    from jstbench.catalogue.model import Catalogue, Variable

MAX_MAGNITUDE = 1e15
"""The largest absolute value a reader accepts: far above any quantity of a Polish authority (the state budget is
about 10^12 zł), far below where sums and ratios of values could overflow."""
YEARS = (1990, 2100)
"""The years the store holds (its schema checks the same range)."""
MAX_LISTED = 10
"""The most problems one error lists; the rest are counted."""
MISSING_CELLS = frozenset({"", "-", "x", "."})
"""Cells that stand for no value in a statistical table (GUS: '-' nothing, 'x' not applicable, '.' no data)."""

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")
_YEAR = re.compile(r"[0-9]{4}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SPACES = re.compile(r"\s+")


def _sized(value: float, shown: object, file: str | Path | None, where: str | None) -> float:
    """`value` if finite and within ±MAX_MAGNITUDE; `shown` is what the input said (digits that overflowed to
    infinity, like 1e400, are beyond the limit, not infinite)."""
    if math.isnan(value) or (math.isinf(value) and not isinstance(shown, str)):
        raise InputError(f"not a finite number: {excerpt(str(shown))!r}", file, where)
    if abs(value) > MAX_MAGNITUDE:
        raise InputError(f"{excerpt(str(shown))} is beyond ±{MAX_MAGNITUDE:.0e}: not a plausible value", file, where)
    return value


def number(cell: object, file: str | Path | None, where: str | None) -> float | None:
    """A cell as a number: text with a decimal point or comma and spaces between thousands, or an int or float
    (a spreadsheet's, JSON's); a missing-value mark (MISSING_CELLS) or an empty cell is None. Refused: words,
    `inf`, `nan`, digits other than 0-9, booleans and values beyond ±MAX_MAGNITUDE."""
    if cell is None:
        return None
    if isinstance(cell, bool) or not isinstance(cell, (str, int, float)):
        raise InputError(f"not a number: {excerpt(cell)}", file, where)
    if isinstance(cell, int):
        if abs(cell) > MAX_MAGNITUDE:
            raise InputError(f"{excerpt(cell)} is beyond ±{MAX_MAGNITUDE:.0e}: not a plausible value", file, where)
        return float(cell)
    if isinstance(cell, float):
        return _sized(cell, cell, file, where)
    if cell.isascii() and "_" not in cell:  # the common case, quickly: float() alone would take 1_0, ١٠, inf
        try:
            value = float(cell)
        except ValueError:
            pass
        else:
            if math.isfinite(value) and abs(value) <= MAX_MAGNITUDE:
                return value
    text = _SPACES.sub("", cell)
    if text in MISSING_CELLS:
        return None
    if not _NUMBER.fullmatch(text):
        problem = "not a finite number" if text.lower().lstrip("+-") in ("inf", "infinity", "nan") else "not a number"
        raise InputError(f"{problem}: {excerpt(text)!r}", file, where)
    return _sized(float(text.replace(",", ".")), text, file, where)


def year(cell: object, file: str | Path | None, where: str | None) -> int:
    """A year: four digits 0-9, or a whole number (a spreadsheet's 2020.0 too), within YEARS; 2020.7, `²⁰²⁰`, True
    and 20x3 are refused, never truncated."""
    if isinstance(cell, str) and _YEAR.fullmatch(cell.strip()):
        value = int(cell)
    elif isinstance(cell, int) and not isinstance(cell, bool):
        value = cell
    elif isinstance(cell, float) and cell.is_integer():
        value = int(cell)
    else:
        shown = repr(excerpt(cell)) if isinstance(cell, str) else excerpt(cell)
        raise InputError(f"year {shown} is not a year (four digits)", file, where)
    if not YEARS[0] <= value <= YEARS[1]:
        raise InputError(f"year {excerpt(value)} is outside {YEARS[0]}–{YEARS[1]}", file, where)
    return value


def date(cell: object, file: str | Path | None, where: str | None) -> str:
    """A calendar date written YYYY-MM-DD (2020-01-01), in YEARS; `2020-0`, `2020-13-45` and words are refused."""
    text = str(cell).strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"date {excerpt(text)!r} is not a calendar date written YYYY-MM-DD", file, where) from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise InputError(f"date {text} is outside the years {YEARS[0]}–{YEARS[1]}", file, where)
    return text


# ---- observations about to be stored ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Range:
    """The values a variable can take, and where that is said."""

    low: float | None
    high: float | None
    why: str

    def problem(self, value: float) -> str | None:
        if self.low is not None and value < self.low:
            return f"{value:.15g} is below {self.low:.15g} ({self.why})"
        if self.high is not None and value > self.high:
            return f"{value:.15g} is above {self.high:.15g} ({self.why})"
        return None


def _signed(variable: Variable) -> bool:
    """Whether a variable without a declared range may be negative: an amount of money (a budget's result, a
    returned grant) or a balance (`net_…`, e.g. net migration). Everything else counts or measures something."""
    return variable.unit.startswith("zł") or variable.name.startswith("net_")


def value_ranges(catalogue: Catalogue | None) -> dict[str, Range]:
    """The range of each catalogue variable: the min/max its form field declares, else 0 and up for a variable that
    counts or measures (see `_signed`). No catalogue, no ranges."""
    if catalogue is None:
        return {}
    out = {name: Range(0.0, None, f"a count or measure in {v.unit} is never negative")
           for name, v in catalogue.variables.items() if not _signed(v)}
    for form in catalogue.forms.values():
        for f in form.fields:
            if f.min is not None or f.max is not None:
                out[f.variable] = Range(f.min, f.max, f"the range form {form.id} declares")
    return out


def check_observations(obs: pd.DataFrame, file: str | Path, where: Callable[[Hashable], str],
                       ranges: Mapping[str, Range] | None = None) -> None:
    """Observations (year, variable, value; a missing value is NaN) about to be stored, by the one rule: every year
    within YEARS, every value finite, within ±MAX_MAGNITUDE and within its variable's range. `where(index)` names
    the row or cell an observation came from. Raises an InputError (InputErrors for several) listing the first
    MAX_LISTED problems in the order of the rows."""
    import numpy as np

    value = obs["value"].astype(float).to_numpy()
    years = obs["year"].to_numpy()
    ranges = ranges or {}
    variables = obs["variable"].astype(str)
    low = variables.map({k: r.low for k, r in ranges.items() if r.low is not None}).astype(float).fillna(-np.inf).to_numpy()
    high = variables.map({k: r.high for k, r in ranges.items() if r.high is not None}).astype(float).fillna(np.inf).to_numpy()
    finite = np.isnan(value) | (np.isfinite(value) & (np.abs(value) <= MAX_MAGNITUDE))
    bad = (years < YEARS[0]) | (years > YEARS[1]) | ~finite | (value < low) | (value > high)
    if not bad.any():
        return
    errors = []
    for i in np.flatnonzero(bad)[:MAX_LISTED]:
        label, variable, y, x = obs.index[i], variables.iloc[i], years[i], value[i]
        if not YEARS[0] <= y <= YEARS[1]:
            problem = f"year {y} is outside {YEARS[0]}–{YEARS[1]}"
        elif not finite[i]:
            problem = f"{variable}: value {x:.15g} is not a finite number within ±{MAX_MAGNITUDE:.0e}"
        else:
            problem = f"{variable}: value {ranges[variable].problem(float(x))}"
        errors.append(InputError(problem, file, where(label)))
    more = int(bad.sum()) - len(errors)
    if more:
        errors.append(InputError(f"and {more} more values or years like these", file))
    raise errors[0] if len(errors) == 1 else InputErrors(errors)
