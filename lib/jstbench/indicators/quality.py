"""Data quality: coverage, missing and flagged values, outliers (robust z-scores), implausible year-on-year
jumps and values revised between loads. Vectorised over the whole store; used by the data-quality notebook
and, as flags, next to the numbers they affect in the authority reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jstbench.data.load import REVISIONS_FILE
from jstbench.indicators.panel import previous_year

ROBUST_Z = 3.5  # Iglewicz and Hoaglin's cut-off for the modified z-score
JUMP = 0.5  # |change| above 50% of the previous value

def coverage(obs: pd.DataFrame, units: pd.DataFrame, by: str) -> pd.DataFrame:
    """Share of units with a value, by `variable` or `year` (denominator: units × years × variables asked)."""
    present = obs[obs["value"].notna()]
    if by == "variable":
        n_years = obs["year"].nunique()
        asked = obs.groupby("variable", observed=True)["unit"].nunique() * n_years
        got = present.groupby("variable", observed=True).size()
    elif by == "year":
        asked = obs.groupby("year").size()
        got = present.groupby("year").size()
    else:
        raise ValueError("by must be 'variable' or 'year'")
    out = pd.DataFrame({"values": got, "expected": asked}).fillna(0)
    out["coverage_pct"] = 100 * out["values"] / out["expected"]
    return out.sort_values("coverage_pct")


def flagged(obs: pd.DataFrame) -> pd.DataFrame:
    """Counts of missing values and of each attribute flag, by variable."""
    tab = obs.assign(flag=obs["flag"].astype(object).fillna("(bez flagi)"), missing=obs["value"].isna())
    return tab.groupby(["variable", "flag"], observed=True).agg(rows=("value", "size"), missing=("missing", "sum")).reset_index()


def robust_z(values: pd.DataFrame) -> pd.Series:
    """Modified z-score 0.6745·(x − median)/MAD within each indicator and year (NaN where MAD is 0)."""
    g = values.groupby(["indicator", "year"], observed=True)["value"]
    med = g.transform("median")
    mad = (values["value"] - med).abs().groupby([values["indicator"], values["year"]], observed=True).transform("median")
    return 0.6745 * (values["value"] - med) / mad.where(mad > 0)


def yoy_relative(values: pd.DataFrame) -> pd.Series:
    """(x(t) − x(t−1)) / |x(t−1)| for the same unit and indicator; NaN without the previous year."""
    prev = previous_year(values["value"], [values["unit"], values["indicator"]], values["year"])
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (values["value"].to_numpy() - prev) / np.abs(prev)
    return pd.Series(np.where(np.isfinite(rel), rel, np.nan), index=values.index)


def input_flagged(values: pd.DataFrame, observations: pd.DataFrame, inputs: dict[str, list[str]]) -> pd.Series:
    """True where a present input value of the indicator carries a source flag (e.g. a BDL attribute).

    One join, no loop over rows: flagged (unit, year, variable) → (unit, year, indicator) through `inputs`."""
    obs = observations[observations["flag"].notna() & observations["value"].notna()]
    if obs.empty:
        return pd.Series(False, index=values.index)
    links = pd.DataFrame([(i, v) for i, vs in inputs.items() for v in vs], columns=["indicator", "variable"])
    obs = pd.DataFrame({"unit": obs["unit"].astype(str), "year": obs["year"].astype(int), "variable": obs["variable"].astype(str)})
    hits = obs.merge(links, on="variable")[["unit", "year", "indicator"]].drop_duplicates()
    keys = pd.MultiIndex.from_arrays([values["unit"].astype(str), values["year"].astype(int), values["indicator"].astype(str)])
    return pd.Series(keys.isin(pd.MultiIndex.from_frame(hits)), index=values.index)


def quality_flags(values: pd.DataFrame, input_flag: pd.Series | None = None, count_shares: set[str] | None = None,
                  z: pd.Series | None = None, rel: pd.Series | None = None) -> pd.Series:
    """Comma-separated 'outlier', 'jump', 'input-flag', 'impossible-share' (or None) for each indicator value.

    count_shares: indicators that are a share of counts (part of a whole, in %): a value outside 0–100 means the
    inputs contradict each other."""
    z = robust_z(values) if z is None else z
    rel = yoy_relative(values) if rel is None else rel
    parts = [("outlier", z.abs() > ROBUST_Z), ("jump", rel.abs() > JUMP)]
    if count_shares:
        v = values["value"]
        parts.append(("impossible-share", values["indicator"].isin(count_shares) & ((v < 0) | (v > 100 + 1e-9))))
    if input_flag is not None:
        parts.append(("input-flag", input_flag))
    labels = pd.Series("", index=values.index)
    for name, mask in parts:
        labels = labels.where(~mask.to_numpy(), labels + "," + name)
    labels = labels.str.lstrip(",")
    return labels.where(labels != "", None).astype(object)


def revisions(store_dir: Path) -> pd.DataFrame:
    path = Path(store_dir) / REVISIONS_FILE
    cols = ["unit", "year", "variable", "old_value", "new_value", "old_source", "new_source", "load_id"]
    return pd.read_parquet(path) if path.exists() else pd.DataFrame(columns=cols)
