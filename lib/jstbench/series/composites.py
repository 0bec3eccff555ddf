"""The composite indices of a series (`composites:` in its spec), computed once per series in each stratum (gminas,
powiats) over every unit all the composite's indicators apply to:

* scores and ranks with their Monte Carlo rank intervals, nationally and within each exchange group, and the share of
  the rank variance each choice explains (with its standard error and the number of runs);
* the multi-level structure: domain scores and the indicators' effective weights;
* what was treated (outliers) and imputed (grouped or from an earlier year), for the reports to flag;
* the variance-based sensitivity analysis (Saltelli design: first- and total-order indices with confidence
  intervals; per unit the mean rank and mean absolute rank shift);
* the statistical coherence audit (correlations within and across levels, Cronbach's alpha, PCA per domain, flags);
* with fixed goalposts (or a reference year), the index for earlier years on the same scale.
"""

from __future__ import annotations

import pandas as pd

from jstbench.catalogue.model import Catalogue
from jstbench.compare.measures import distance_to_range
from jstbench.core.units import valid_in
from jstbench.indicators.features import strata
from jstbench.series.spec import CompositeDef
from jstbench.stats.composite import CompositeSpec, Domain, Engine, monte_carlo
from jstbench.stats.composite.coherence import audit
from jstbench.stats.composite.impute import latest_available
from jstbench.stats.composite.uncertainty import composite_sensitivity

TABLE_NAMES = ("composite_scores", "composite_groups", "composite_shares", "composite_domains", "composite_weights",
               "composite_treated", "composite_imputed", "composite_sensitivity", "composite_coherence", "composite_flags",
               "composite_trend")


def composite_spec(c: CompositeDef, goalposts: dict[str, tuple[float, float]] | None = None) -> CompositeSpec:
    """The statistics layer's spec of a series' composite (goalposts: those of a reference year, computed)."""
    domains = tuple(Domain(d.id, tuple(d.indicators), d.weight, d.aggregate, d.min_indicators) for d in c.domains)
    return CompositeSpec(c.normalise, c.weights, c.aggregate, c.impute, c.expert_weights, c.min_indicators, c.treat, domains,
                         c.index_aggregate, c.min_domains, goalposts or c.goalposts, c.reference_year is None, c.rank_ties)


def _groups(units: pd.DataFrame, how: str) -> pd.Series:
    """The units' groups for grouped imputation: kind, or kind and population class."""
    u = units.set_index(units["code"].astype(str))
    return u["kind"].astype(str) if how == "kind" else u["kind"].astype(str) + "/" + u["population_class"].astype(str)


def _wide(values: pd.DataFrame, c: CompositeDef, codes: pd.Index, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The composite's inputs in `year` (units × indicators) and the cells taken from an earlier year."""
    part = values[values["indicator"].isin(c.indicators) & values["unit"].isin(codes)]
    if c.latest_year:
        wide, flags = latest_available(part[["unit", "indicator", "year", "value"]], year, c.latest_year)
        flags = flags.astype({"source": str})  # the year taken, as text like a group label
    else:
        cur = part[part["year"] == year]
        wide = cur.pivot_table(index="unit", columns="indicator", values="value", observed=True)
        flags = pd.DataFrame(columns=["unit", "indicator", "method", "source"])
    return wide.reindex(index=codes, columns=c.indicators), flags


def _reference_goalposts(values: pd.DataFrame, c: CompositeDef, codes: pd.Index,
                         targets: dict[str, tuple[float, float]] | None) -> dict[str, tuple[float, float]] | None:
    """Each indicator's minimum and maximum over the stratum in the reference year, in its own units (for a
    target-range indicator, of the distance to its range, as `oriented_goalposts` reads them); None: not every
    indicator has two different values in that year."""
    ref = values[(values["year"] == c.reference_year) & values["indicator"].isin(c.indicators) & values["unit"].isin(codes)]
    ref = ref.assign(value=ref["value"].astype(float))
    for ind, (low, high) in (targets or {}).items():
        rows = ref["indicator"] == ind
        ref.loc[rows, "value"] = distance_to_range(ref.loc[rows, "value"], low, high)
    span = ref.groupby("indicator", observed=True)["value"].agg(["min", "max"])
    span = span[span["min"] < span["max"]]
    if set(span.index) != set(c.indicators):
        return None
    return {str(i): (float(r["min"]), float(r["max"])) for i, r in span.iterrows()}


def _listing(cells: pd.DataFrame, how: str) -> pd.Series:
    """Per unit, a comma-separated list of its treated or imputed inputs (indicator:how)."""
    if cells.empty:
        return pd.Series(dtype=object)
    text = cells["indicator"].astype(str) + ":" + cells[how].astype(str)
    return text.groupby(cells["unit"].astype(str)).agg(",".join)


def composite_tables(catalogue: Catalogue, composites: list[CompositeDef], values: pd.DataFrame, units: pd.DataFrame,
                     year: int, groups: dict[str, list[str]], min_size: int) -> dict[str, pd.DataFrame]:
    """Every table of `TABLE_NAMES` for the series' composites (see the module docstring); `expected` in the scores:
    the units of the stratum in the register (existing in `year`) the composite applies to, against which the reports
    judge how many were ranked."""
    out: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLE_NAMES}
    stratum = strata(units)
    alive = set(units.loc[valid_in(units, year).to_numpy(bool), "code"].astype(str))
    for c in composites:
        inds = [catalogue.indicators[i] for i in c.indicators]
        kinds = set.intersection(*(set(i.applies_to) for i in inds))
        directions: dict[str, str] = {i.id: str(i.direction) for i in inds}
        targets = {i.id: (i.target.low, i.target.high) for i in inds if i.target} or None
        applicable = units.loc[units["kind"].isin(kinds), "code"].astype(str)
        labels = _groups(units, c.impute_groups) if c.impute.startswith("group") else None
        for name, codes in applicable.groupby(stratum.reindex(applicable).to_numpy(), sort=True):
            codes = pd.Index(codes)
            x, from_earlier = _wide(values, c, codes, year)
            if x.notna().any(axis=1).sum() < min_size:
                continue
            goalposts = _reference_goalposts(values, c, codes, targets) if c.reference_year is not None else None
            if c.reference_year is not None and goalposts is None:
                continue  # the reference year lacks an indicator in this stratum: no comparable scale
            spec = composite_spec(c, goalposts)
            tag = {"composite": c.id, "stratum": name}
            u = c.uncertainty
            alternatives: dict[str, list] | None = dict(u.alternatives.items()) if u.alternatives is not None else None
            result = monte_carlo(x, directions, spec, alternatives,
                                 u.weight_noise, u.runs, u.seed, targets, groups=labels, ends=u.interval_ends)
            engine = result.engine  # its treated, imputed and normalised frames and the nominal build are reused
            built = engine.nominal()
            imputed = pd.concat([from_earlier, built.imputed], ignore_index=True) if len(from_earlier) else built.imputed
            present = x.notna()  # a value from an earlier year (latest_year) is present, and listed as imputed
            missing = present.apply(lambda r: ",".join(r.index[~r.to_numpy()]), axis=1).rename("missing_inputs")
            scores = (result.intervals.join(result.nominal.rename("score")).join(present.sum(axis=1).rename("inputs"))
                      .join(missing).rename_axis("unit").reset_index()
                      .assign(**tag, year=year, expected=len(alive & set(codes))))
            scores["imputed_inputs"] = scores["unit"].map(_listing(imputed, "source" if c.latest_year else "method")).fillna("")
            scores["treated_inputs"] = scores["unit"].map(_listing(built.treated.dropna(subset=["unit"]), "method")).fillna("")
            scores = scores.assign(mean_rank=float("nan"), mean_abs_shift=float("nan"))  # without a sensitivity design
            if c.sensitivity is not None:
                sens = composite_sensitivity(engine, result, c.sensitivity.n_base, c.sensitivity.seed, c.sensitivity.drop_one,
                                             u.weight_noise)
                scores = scores.drop(columns=["mean_rank", "mean_abs_shift"]).merge(
                    sens.units[["mean_rank", "mean_abs_shift"]].rename_axis("unit").reset_index(), on="unit", how="left")
                out["composite_sensitivity"].append(sens.table().assign(**tag))
            out["composite_scores"].append(scores)
            out["composite_shares"].append(result.variance_shares.reset_index().assign(**tag))
            out["composite_domains"].append(_domains(built.domains, engine).assign(**tag, year=year))
            out["composite_weights"].append(built.weights.assign(**tag))
            out["composite_treated"].append(built.treated.assign(**tag))
            out["composite_imputed"].append(imputed.assign(**tag))
            coherence = audit(built.normalised, {d.id: list(d.indicators) for d in engine.domains}, built.domains, built.scores)
            out["composite_coherence"].append(coherence.table().assign(**tag))
            out["composite_flags"].append(coherence.flags.assign(**tag))
            if c.fixed_scale and c.trend_years:
                out["composite_trend"].append(_trend(values, c, spec, codes, year, directions, targets, labels).assign(**tag))
            scored = set(result.nominal.index[result.nominal.notna()])
            for gid, members in groups.items():
                inside = [m for m in members if m in scored]
                if len(inside) >= min_size:
                    gi = result.group_intervals(inside).rename_axis("unit").reset_index()
                    out["composite_groups"].append(gi.assign(composite=c.id, group=gid, year=year))
    # the series folder gives an empty table its declared columns and types
    return {name: pd.concat(kept, ignore_index=True) if (kept := [p for p in parts if len(p)]) else pd.DataFrame()
            for name, parts in out.items()}


def _domains(domains: pd.DataFrame, engine: Engine) -> pd.DataFrame:
    """Domain scores per unit (long), with the rank in the stratum (1 = best, ties share the best rank)."""
    if len(engine.domains) == 1:
        return pd.DataFrame()
    long = domains.rename_axis("unit").reset_index().melt(id_vars="unit", var_name="domain", value_name="score")
    long["rank"] = long.groupby("domain")["score"].rank(ascending=False, method="min")
    return long


def _trend(values: pd.DataFrame, c: CompositeDef, spec: CompositeSpec, codes: pd.Index, year: int,
           directions: dict[str, str], targets: dict[str, tuple[float, float]] | None, labels: pd.Series | None) -> pd.DataFrame:
    """The nominal index in the report year and the `trend_years` before it, on the fixed goalposts (comparable across
    years), with the rank in each year."""
    rows = []
    for y in range(year - c.trend_years, year + 1):
        x, _ = _wide(values, c, codes, y)
        if x.notna().any(axis=1).sum() == 0:
            continue
        s = Engine(x, directions, spec, targets, labels).nominal().scores
        rows.append(pd.DataFrame({"unit": s.index.astype(str), "year": y, "score": s.to_numpy(),
                                  "rank": s.rank(ascending=False, method="min").to_numpy()}))
    return pd.concat(rows, ignore_index=True).dropna(subset=["score"]) if rows else pd.DataFrame()

