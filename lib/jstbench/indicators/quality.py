"""Data quality: coverage, missing and flagged values, outliers (robust z-scores), implausible year-on-year
jumps and values revised between loads. Vectorised over the whole store; used by the data-quality notebook
and, as flags, next to the numbers they affect in the authority reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jstbench.catalogue.model import Catalogue
from jstbench.core.units import UNIT_KINDS, valid_in
from jstbench.data.load import REVISIONS_FILE
from jstbench.indicators.panel import previous_year

ROBUST_Z = 3.5  # Iglewicz and Hoaglin's cut-off for the modified z-score
JUMP = 0.5  # |change| above 50% of the previous value


def variable_kinds(catalogue: Catalogue) -> dict[str, list[str]]:
    """The unit kinds each input variable is asked of: those of the indicators using it (directly or through an
    indicator built on other indicators). A variable no indicator uses is asked of no kind in particular (absent
    here: every kind)."""
    asked: dict[str, set[str]] = {}
    for ind in catalogue.indicators.values():
        for name in catalogue.inputs(ind):
            asked.setdefault(name, set()).update(ind.applies_to)
    return {name: [k for k in UNIT_KINDS if k in asked[name]] for name in catalogue.variables if asked.get(name)}


def coverage(obs: pd.DataFrame, units: pd.DataFrame | None, by: str, kinds: dict[str, list[str]] | None = None,
             first_years: dict[str, int] | None = None) -> pd.DataFrame:
    """Values present among the values expected, by `variable` or `year` (`coverages`, which gives both at once)."""
    if by not in ("variable", "year"):
        raise ValueError("by must be 'variable' or 'year'")
    return coverages(obs, units, kinds, first_years)[by]


def coverages(obs: pd.DataFrame, units: pd.DataFrame | None, kinds: dict[str, list[str]] | None = None,
              first_years: dict[str, int] | None = None) -> dict[str, pd.DataFrame]:
    """Values present among the values expected, by variable and by year (keys `variable`, `year`), counted against
    the units register, from one pass over the observations.

    Expected: for every variable and year of the data, the units of the register of the kinds the variable is asked
    of (`kinds`, e.g. from `variable_kinds`; a variable absent there: every kind) that existed in that year
    (`jstbench.core.units.valid_in`), from the variable's first year on (`first_years`); a unit with a value always
    counts. A variable present for 195 units of a register of 2,477 gminas covers 7.9%, not 100%. Without a register
    (`units` None) the units that appear in `obs` stand in for it.

    Columns: values, expected, coverage_pct; by variable also `units` (units with a value in any year) and
    `register_units` (units expected in the latest year)."""
    if units is None:
        units = pd.DataFrame({"code": sorted({str(u) for u in pd.unique(obs["unit"])}), "kind": "unknown"})
    reg = units.assign(code=units["code"].astype(str)).drop_duplicates("code").set_index("code")
    years = sorted(int(y) for y in obs["year"].unique())
    variables = sorted({str(v) for v in pd.unique(obs["variable"])})
    all_kinds = sorted(set(reg["kind"].astype(str)))
    asked = pd.DataFrame([(v, k) for v in variables for k in (kinds or {}).get(v, all_kinds)], columns=["variable", "kind"])
    alive = pd.DataFrame({y: valid_in(reg, y).to_numpy() for y in years}, index=reg.index)
    # register units per (variable, year): units of an asked kind alive in the year, from the variable's first year
    per_kind = alive.groupby(reg["kind"].astype(str).to_numpy()).sum()  # kind × year
    reg_n = asked.merge(per_kind.rename_axis("kind").reset_index().melt(id_vars="kind", var_name="year", value_name="n"), on="kind")
    reg_n = reg_n.groupby(["variable", "year"])["n"].sum()
    first = pd.Series([(first_years or {}).get(v, 0) or 0 for v, _ in reg_n.index], index=reg_n.index)
    reg_n = reg_n.where(reg_n.index.get_level_values("year").to_numpy() >= first.to_numpy(), 0)
    # values present, of units of an asked kind; those of units not alive in the year count in the denominator too.
    # Counted on integer codes (a national store has millions of observations; names are looked up once per code).
    present = obs.loc[obs["value"].notna(), ["unit", "year", "variable"]]
    unit, variable = (pd.Categorical(present[c]).rename_categories(lambda x: str(x)) for c in ("unit", "variable"))
    kind_names = pd.Index(all_kinds)
    unit_kind = kind_names.get_indexer(reg["kind"].astype(str).reindex(unit.categories))[unit.codes]  # -1: not registered
    var = pd.Index(variables).get_indexer(variable.categories)[variable.codes]
    year = pd.Index(years).get_indexer(present["year"].astype(int).to_numpy())
    asked_matrix = np.zeros((len(variables), len(all_kinds)), dtype=bool)
    asked_at = pd.Index(variables).get_indexer(asked["variable"]), kind_names.get_indexer(asked["kind"])
    known = asked_at[1] >= 0  # a kind the register does not hold has no unit to count
    asked_matrix[asked_at[0][known], asked_at[1][known]] = True
    keep = (unit_kind >= 0) & asked_matrix[var, np.maximum(unit_kind, 0)]
    row = reg.index.get_indexer(unit.categories)[unit.codes]  # the unit's row in the register
    alive_now = alive.to_numpy(dtype=bool)[row, year] & keep
    cell = var * len(years) + year  # (variable, year) as one number, in the order of `idx`
    idx = pd.MultiIndex.from_product([variables, years], names=["variable", "year"])
    got = pd.Series(np.bincount(cell[keep], minlength=len(idx)), index=idx)
    extra = pd.Series(np.bincount(cell[keep & ~alive_now], minlength=len(idx)), index=idx)
    pairs = np.unique(var[keep].astype(np.int64) * (len(unit.categories) + 1) + unit.codes[keep])
    units_with_value = pd.Series(np.bincount(pairs // (len(unit.categories) + 1), minlength=len(variables)),
                                 index=pd.Index(variables, name="variable"))
    table = pd.DataFrame({"values": got, "expected": reg_n.reindex(idx, fill_value=0) + extra})
    table["expected"] = table[["expected", "values"]].max(axis=1)
    result = {}
    for by in ("variable", "year"):
        out = table.groupby(level=by).sum()
        if by == "variable":
            out["units"] = units_with_value.reindex(out.index, fill_value=0)
            out["register_units"] = reg_n.xs(years[-1], level="year").reindex(out.index, fill_value=0) if years else 0
        out["coverage_pct"] = (100 * out["values"] / out["expected"].where(out["expected"] > 0)).astype(float)
        result[by] = out.astype({"values": "int64", "expected": "int64"}).sort_values("coverage_pct")
    return result


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
