"""The statistical layer of a series: fair comparisons and honest uncertainty, computed once per series.

* structural adjustment (`adjust`): expected value given conditions, for every adjustable indicator;
* similar authorities (`similar`): nearest neighbours on structural features, their stability, and the
  data-driven typology;
* composite indices (`composite`), optional per series, with Monte Carlo rank intervals;
* bootstrap intervals (`bootstrap`) of positions on shares of small counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .bootstrap import binomial_draws, percentile_interval
from .catalogue import Catalogue


def binomial_intervals(catalogue: Catalogue, wide: pd.DataFrame, groups: dict[str, list[str]], year: int,
                       min_size: int, reps: int = 2000, alpha: float = 0.1, seed: int = 0) -> pd.DataFrame:
    """For each group and each share-of-counts indicator: every member's percentile interval in the group.

    `wide` is the (unit, year) × variable table. One set of Jeffreys draws per group and indicator; groups
    with fewer than `min_size` members with data get none (their positions are not shown either)."""
    cur = wide.xs(year, level="year") if year in wide.index.get_level_values("year") else wide.iloc[:0]
    rows = []
    for ind in catalogue.indicators.values():
        if ind.uncertainty != "binomial":
            continue
        succ_var, trial_var = ind.count_share
        if succ_var not in cur or trial_var not in cur:
            continue
        for gid, members in groups.items():
            k = cur[succ_var].reindex(members)
            n = cur[trial_var].reindex(members)
            ok = (n > 0) & k.notna()
            if ok.sum() < min_size:
                continue
            units = [str(u) for u in k.index[ok]]
            rng = np.random.default_rng([seed, len(rows)])
            draws = binomial_draws(k[ok].to_numpy(float), n[ok].to_numpy(float), reps, rng)
            for unit in units:
                iv = percentile_interval(draws, units, unit, ind.direction, alpha)
                rows.append(dict(group=gid, unit=unit, indicator=ind.id, year=year, trials=float(n[unit]),
                                 percentile_lo=iv["percentile_lo"], percentile_hi=iv["percentile_hi"], alpha=alpha))
    cols = ["group", "unit", "indicator", "year", "trials", "percentile_lo", "percentile_hi", "alpha"]
    return pd.DataFrame(rows, columns=cols)
