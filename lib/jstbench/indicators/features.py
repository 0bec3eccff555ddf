"""Structural features of every authority in one year (features.yml): the conditions it works in."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jstbench.catalogue.model import Structure
from jstbench.core.units import KIND_GROUPS


def feature_table(values: pd.DataFrame, units: pd.DataFrame, structure: Structure, year: int,
                  features: list[str] | None = None) -> pd.DataFrame:
    """Units × features for `year`: numeric features transformed as declared (log of a non-positive value is
    missing), categorical ones as strings. `values` is the long indicator table (unit, year, indicator, value)."""
    wanted = [structure.feature(f) for f in (features or [f.id for f in structure.features])]
    codes = units["code"].astype(str)
    out = pd.DataFrame(index=pd.Index(codes, name="unit"))
    ind_ids = [f.indicator for f in wanted if f.indicator]
    cur = values[(values["year"] == year) & values["indicator"].isin(ind_ids)]
    wide = cur.pivot_table(index="unit", columns="indicator", values="value", observed=True).reindex(out.index)
    for f in wanted:
        if f.column:
            out[f.id] = units.set_index(codes)[f.column].astype(str)
            continue
        x = wide[f.indicator] if f.indicator in wide else pd.Series(np.nan, index=out.index)
        out[f.id] = np.log(x.where(x > 0)) if f.transform == "log" else x
    return out


def strata(units: pd.DataFrame) -> pd.Series:
    """Comparison stratum of each unit: gminas (incl. cities with powiat rights) or powiats."""
    gminas = set(KIND_GROUPS["all_gminas"])
    return pd.Series(np.where(units["kind"].isin(gminas), "gminy", "powiaty"), index=units["code"].astype(str).to_numpy())
