"""Structural features of every authority in one year (features.yml): the conditions it works in.

Every feature comes from the data of the store, never from the units register, except the kind of unit (which the
TERYT code itself says): numeric features are context indicators of the catalogue, and the population class of
the typology groups is computed here from the `population` variable (`population_classes`), so the demo and a store
of real data go through the same path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jstbench.catalogue.model import Structure
from jstbench.core.units import KIND_GROUPS, population_class

POPULATION = "population"  # the input variable the population class is computed from


def population_classes(wide: pd.DataFrame, units: pd.DataFrame, year: int, variable: str = POPULATION) -> pd.DataFrame:
    """Per unit of the register (index: code): `population`, the `population_year` it is from and the
    `population_class` (see `jstbench.core.units.population_class`).

    The population of `year`, or where a unit has none, of the latest earlier year with a value (the year used is
    returned so that reports can say so); a unit without any population up to `year` gets class `unknown` and no
    year. `wide` is the (unit, year) × variable table of the store."""
    codes = pd.Index(units["code"].astype(str), name="code")
    pop = wide[variable] if variable in wide.columns else pd.Series(np.nan, index=wide.index, dtype=float, name=variable)
    pop = pop.dropna()
    pop = pop[(pop.index.get_level_values("year") <= year) & (pop > 0)]
    latest = pop.reset_index().sort_values("year").drop_duplicates("unit", keep="last").set_index("unit")
    latest.index = latest.index.astype(str)
    out = pd.DataFrame(index=codes)
    out["population"] = latest[variable].reindex(codes).astype(float)
    out["population_year"] = latest["year"].reindex(codes).astype(float)
    out["population_class"] = [population_class(p) for p in out["population"]]
    return out


def with_population_class(units: pd.DataFrame, wide: pd.DataFrame, year: int) -> pd.DataFrame:
    """The register with `population_class` computed from the data (whatever the register said) and
    `population_year`, the year of the population it rests on (missing: class unknown)."""
    classes = population_classes(wide, units, year)
    codes = units["code"].astype(str)
    return units.assign(population_class=classes["population_class"].reindex(codes).to_numpy(),
                        population_year=classes["population_year"].reindex(codes).to_numpy())


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


def available_features(features: pd.DataFrame, names: list[str], units: list[str] | pd.Index,
                       min_share: float) -> tuple[list[str], list[str]]:
    """(kept, dropped): of the features `names`, those with a value for at least `min_share` of the `units` that
    have any numeric feature among `names`, and the others. Categorical features (the register's kind) are always
    kept, and so is the best-covered numeric feature. A store without, e.g., budget data has no own revenue: a
    model needing every feature would then fit no authority at all; without it, it fits those that have the others.

    >>> f = pd.DataFrame({"a": [1.0, 2.0, 3.0, np.nan], "b": [1.0, np.nan, np.nan, np.nan], "kind": "x"}, index=list("pqrs"))
    >>> available_features(f, ["a", "b", "kind"], list("pqrs"), 0.5)
    (['a', 'kind'], ['b'])
    >>> available_features(f, ["a", "b", "kind"], list("pqrs"), 0.9)  # a is in 3 of 3, b in 1 of 3
    (['a', 'kind'], ['b'])
    """
    part = features.reindex(index=pd.Index(units))
    numeric = [n for n in names if n in part.columns and pd.api.types.is_numeric_dtype(part[n])]
    if not numeric:
        return list(names), []
    base = part[numeric].notna().any(axis=1)
    if not base.any():  # no data at all: nothing to choose between (the model will say it has too few units)
        return list(names), []
    present = part.loc[base, numeric].notna().sum()
    dropped = [n for n in numeric if present[n] < min_share * int(base.sum())]
    if len(dropped) == len(numeric):  # keep the best-covered one: a model on the kind alone adjusts for nothing
        dropped.remove(str(present.idxmax()))
    return [n for n in names if n not in dropped], dropped


def strata(units: pd.DataFrame) -> pd.Series:
    """Comparison stratum of each unit: gminas (incl. cities with powiat rights) or powiats."""
    gminas = set(KIND_GROUPS["all_gminas"])
    return pd.Series(np.where(units["kind"].isin(gminas), "gminy", "powiaty"), index=units["code"].astype(str).to_numpy())
