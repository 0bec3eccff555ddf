"""Explore an indicator: compare a variant formula with the catalogue version for one group, and their
structural-adjustment models."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.stats import spearmanr

from jstbench.catalogue.model import Catalogue
from jstbench.catalogue.variant import variant_of
from jstbench.compare.groups import GroupsFile, membership
from jstbench.compare.measures import rank
from jstbench.core.errors import InputError
from jstbench.data.store import Store
from jstbench.indicators.compute import compute_indicator
from jstbench.indicators.features import feature_table, with_population_class
from jstbench.stats.adjust import fit_indicator


@dataclass
class VariantComparison:
    table: pd.DataFrame  # unit, name, catalogue, variant, rank_catalogue, rank_variant
    spearman_group: float
    spearman_national: float
    n_group: int
    n_national: int


def compare_variant(store: Store, catalogue: Catalogue, groups: GroupsFile, indicator: str, formula_text: str,
                    group: str, year: int) -> VariantComparison:
    if indicator not in catalogue.indicators:
        raise InputError(f"unknown indicator {indicator!r}", "indicator")
    base = catalogue.indicators[indicator]
    variant = variant_of(base, formula_text, catalogue)
    wide = store.wide()
    units = with_population_class(store.units.reset_index(drop=True), wide, year)  # typology groups as in a series
    kinds = units.set_index("code")["kind"]
    a = compute_indicator(base, wide, kinds)
    b = compute_indicator(variant, wide, kinds)
    both = a[["unit", "year", "value"]].merge(b[["unit", "year", "value"]], on=["unit", "year"],
                                              suffixes=("_catalogue", "_variant"))
    both = both[both["year"] == year]
    member = membership(groups, units)
    in_group = member.loc[member["group"] == group, "unit"]
    if in_group.empty:
        raise InputError(f"unknown group {group!r}", "group")
    nat = both.copy()
    grp = both[both["unit"].isin(set(in_group))].copy()

    def ranked(df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for col in ("catalogue", "variant"):
            frame = pd.DataFrame({"group": "g", "year": year, "indicator": indicator,
                                  "value": df[f"value_{col}"], "direction": base.direction,
                                  "target_low": base.target.low if base.target else float("nan"),
                                  "target_high": base.target.high if base.target else float("nan")})
            out[f"rank_{col}"] = rank(frame, min_size=2)
        return out

    def rho(df: pd.DataFrame) -> tuple[float, int]:
        ok = df.dropna(subset=["value_catalogue", "value_variant"])
        if len(ok) < 3:
            return float("nan"), len(ok)
        return float(spearmanr(ok["value_catalogue"], ok["value_variant"]).statistic), len(ok)

    grp = ranked(grp)
    grp.insert(1, "name", [store.units.loc[c, "name"] for c in grp["unit"]])
    rg, ng = rho(grp)
    rn, nn = rho(nat)
    table = grp.rename(columns={"value_catalogue": "catalogue", "value_variant": "variant"}).drop(columns="year")
    return VariantComparison(table.sort_values("rank_catalogue").reset_index(drop=True), rg, rn, ng, nn)


def adjustment_of_variant(store: Store, catalogue: Catalogue, indicator: str, formula_text: str, year: int) -> pd.DataFrame:
    """The structural-adjustment model of the catalogue version and of the variant, side by side (columns `katalog`,
    `wariant`): rows n, R² and status (a code of `stats.adjust`), then per model term its coefficient and HC3
    standard error."""
    base = catalogue.indicators[indicator]
    if not base.adjustable:
        raise InputError(f"{indicator!r} is not adjusted for structure (context, target-range or disabled)", "indicator")
    variant = variant_of(base, formula_text, catalogue)
    structure = catalogue.require_structure()
    units = store.units.reset_index(drop=True)
    wide = store.wide()
    kinds = units.set_index("code")["kind"]
    ctx = pd.concat([compute_indicator(catalogue.indicators[f.indicator], wide, kinds)
                     for f in structure.features if f.indicator])
    feats = feature_table(ctx, units, structure, year)
    columns = {}
    for label, ind in (("katalog", base), ("wariant", variant)):
        v = compute_indicator(ind, wide, kinds)
        y = v[v["year"] == year].set_index("unit")["value"].dropna()
        fit, _ = fit_indicator(ind, y[kinds.reindex(y.index).isin(ind.applies_to).to_numpy()], feats, structure, year)
        col = {"n": fit.n, "R²": fit.r2, "status": fit.status}
        if fit.coefficients is not None:
            col |= {f"{t}: współczynnik": c for t, c in fit.coefficients["coef"].items()}
            col |= {f"{t}: błąd std. (HC3)": s for t, s in fit.coefficients["se"].items()}
        columns[label] = pd.Series(col, dtype=object)
    return pd.DataFrame(columns)
