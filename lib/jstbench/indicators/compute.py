"""Compute catalogue indicators for every unit and year, vectorised over the whole panel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jstbench.catalogue.load import evaluation_order
from jstbench.catalogue.model import Catalogue, Indicator


def compute_indicator(ind: Indicator, wide: pd.DataFrame, kinds: pd.Series) -> pd.DataFrame:
    """One indicator for the units it applies to: columns unit, year, indicator, value, reason."""
    frame = wide.reindex(columns=sorted(set(wide.columns) | set(ind.variables)))
    applies = kinds.reindex(frame.index.get_level_values(0)).isin(ind.applies_to).to_numpy()
    frame = frame[applies]
    values, reason = ind.parsed.evaluate(frame)
    return pd.DataFrame({
        "unit": frame.index.get_level_values(0),
        "year": frame.index.get_level_values(1).astype(int),
        "indicator": ind.id,
        "value": values.to_numpy(dtype=float),
        "reason": reason.to_numpy(dtype=object),
    })


def compute_all(catalogue: Catalogue, wide: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """All indicators, long format. Rows exist only where an indicator applies to the unit's kind."""
    kinds = units.set_index("code")["kind"] if "code" in units.columns else units["kind"]
    frames = []
    uses_indicators = {v for i in catalogue.indicators.values() for v in i.variables} & set(catalogue.indicators)
    wide = wide.copy() if uses_indicators else wide
    for ind in evaluation_order(catalogue):
        frame = compute_indicator(ind, wide, kinds)
        frames.append(frame)
        if ind.id in uses_indicators:  # later formulas may use this indicator by its id
            wide[ind.id] = pd.Series(frame["value"].to_numpy(), index=pd.MultiIndex.from_arrays(
                [frame["unit"], frame["year"]])).reindex(wide.index)
    out = pd.concat(frames, ignore_index=True)
    out["reason"] = out["reason"].where(out["reason"].notna(), None)
    out.loc[np.isnan(out["value"]) & out["reason"].isna(), "reason"] = "missing"
    return out
