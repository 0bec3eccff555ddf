"""Compute catalogue indicators for every unit and year, vectorised over the whole panel.

Formulas are evaluated on numpy arrays of just the variables they use; the rows an indicator applies to are
selected once per set of unit kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jstbench.catalogue.formula import Rows
from jstbench.catalogue.load import evaluation_order
from jstbench.catalogue.model import Catalogue, Indicator


@dataclass(frozen=True)
class _Selection:
    """The rows of the wide frame whose unit is of some kinds: a mask over the frame, the rows, their units and years."""

    applies: np.ndarray
    rows: Rows
    units: np.ndarray
    years: np.ndarray

    @classmethod
    def of(cls, wide: pd.DataFrame, kinds: pd.Series, applies_to: list[str]) -> "_Selection":
        applies = kinds.reindex(wide.index.get_level_values(0)).isin(applies_to).to_numpy()
        index = wide.index[applies]
        return cls(applies, Rows(index), index.get_level_values(0).to_numpy(), index.get_level_values(1).to_numpy(dtype=int))


def _column(wide: pd.DataFrame, name: str) -> np.ndarray:
    """A variable over the whole wide frame; all missing when the frame has no such column."""
    return wide[name].to_numpy(dtype=float) if name in wide.columns else np.full(len(wide), np.nan)


def compute_indicator(ind: Indicator, wide: pd.DataFrame, kinds: pd.Series) -> pd.DataFrame:
    """One indicator for the units it applies to: columns unit, year, indicator, value, reason."""
    sel = _Selection.of(wide, kinds, ind.applies_to)
    values, reason = ind.parsed.evaluate_rows({v: _column(wide, v)[sel.applies] for v in ind.variables}, sel.rows)
    return pd.DataFrame({
        "unit": sel.units,
        "year": sel.years,
        "indicator": ind.id,
        "value": values,
        "reason": sel.rows.reasons(reason),
    })


def compute_all(catalogue: Catalogue, wide: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """All indicators, long format. Rows exist only where an indicator applies to the unit's kind.

    A missing value always has a reason: ``missing`` when no more specific one is known."""
    kinds = units.set_index("code")["kind"] if "code" in units.columns else units["kind"]
    uses_indicators = {v for i in catalogue.indicators.values() for v in i.variables} & set(catalogue.indicators)
    computed: dict[str, np.ndarray] = {}  # indicators later formulas use by their id, over the whole wide frame
    selections: dict[frozenset[str], _Selection] = {}
    parts = []
    for ind in evaluation_order(catalogue):
        key = frozenset(ind.applies_to)
        if key not in selections:
            selections[key] = _Selection.of(wide, kinds, ind.applies_to)
        sel = selections[key]
        columns = {v: (computed[v] if v in computed else _column(wide, v))[sel.applies] for v in ind.variables}
        values, reason = ind.parsed.evaluate_rows(columns, sel.rows)
        reason = np.where(np.isnan(values) & (reason == 0), sel.rows.code("missing"), reason)
        parts.append((ind.id, sel, values, sel.rows.reasons(reason, none=None)))
        if ind.id in uses_indicators:
            computed[ind.id] = np.full(len(wide), np.nan)
            computed[ind.id][sel.applies] = values
    # unit, indicator and reason are written straight into the one block of objects the frame keeps them in:
    # building the frame from separate columns would copy its millions of objects once more to gather them
    text = np.empty((3, sum(len(values) for _, _, values, _ in parts)), dtype=object)
    start = 0
    for ind_id, sel, values, reason in parts:
        end = start + len(values)
        text[0, start:end], text[1, start:end], text[2, start:end] = sel.units, ind_id, reason
        start = end
    out = pd.DataFrame(text.T, columns=["unit", "indicator", "reason"], copy=False)
    out.insert(1, "year", np.concatenate([sel.years for _, sel, _, _ in parts]))
    out.insert(3, "value", np.concatenate([values for _, _, values, _ in parts]))
    return out
