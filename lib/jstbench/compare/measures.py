"""Comparison measures: pure, vectorised, direction-aware functions registered by name.

Every function takes a long frame with columns `group`, `year`, `indicator`, `value` and the
indicator's direction (column `direction`, plus `target_low`/`target_high` for target ranges)
and returns a Series aligned with the frame. Conventions:

* the *score* orients values so that higher is always better: the value itself for higher-better,
  minus the value for lower-better, minus the distance to the range for target-range;
  context indicators (direction `none`) get no score, so no rank, percentile or quartile;
* rank 1 is the best; percentile 100 is the best, 0 the worst; quartile 1 is the best quarter;
* ranks, percentiles and quartiles are missing where the group has fewer than `min_size` values.
* in `compare`, every group statistic and position is also missing (withheld) where the group's values cover
  less than `min_coverage` of the register units the indicator applies to (`jstbench.compare.coverage`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from jstbench.compare.coverage import lookup_expected, withheld
from jstbench.core.errors import InputError
from jstbench.indicators.panel import previous_year

KEYS = ["group", "year", "indicator"]
COMPARE: dict[str, Callable[..., pd.Series]] = {}


def register(name: str) -> Callable[[Callable[..., pd.Series]], Callable[..., pd.Series]]:
    def deco(fn: Callable[..., pd.Series]) -> Callable[..., pd.Series]:
        COMPARE[name] = fn
        return fn

    return deco


def distance_to_range(value: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    """0 inside [low, high], otherwise the distance to the nearer bound.

    >>> distance_to_range(pd.Series([5.0, 10.0, 12.0, 30.0]), 10.0, 20.0).tolist()
    [5.0, 0.0, 0.0, 10.0]
    """
    return (low - value).clip(lower=0) + (value - high).clip(lower=0)


@register("score")
def score(df: pd.DataFrame) -> pd.Series:
    """Values oriented so that higher is better; no score for context indicators (direction `none`).

    >>> df = pd.DataFrame({"value": [3.0, 3.0, 3.0], "direction": ["higher-better", "lower-better", "none"]})
    >>> score(df).tolist()
    [3.0, -3.0, nan]
    """
    v = df["value"]
    d = df["direction"]
    out = pd.Series(np.nan, index=df.index)
    out = out.mask(d == "higher-better", v)
    out = out.mask(d == "lower-better", -v)
    if "target_low" in df:
        out = out.mask(d == "target-range", -distance_to_range(v, df["target_low"], df["target_high"]))
    return out


def group_key(df: pd.DataFrame) -> pd.Series:
    """One integer per (group, year, indicator); computed once, grouping by it is fast."""
    if "_key" in df:
        return df["_key"]
    return df.groupby(KEYS, observed=True, sort=False).ngroup()


def _grouped(df: pd.DataFrame, col: pd.Series):
    return col.groupby(group_key(df).to_numpy(), sort=False)


@register("n")
def group_n(df: pd.DataFrame) -> pd.Series:
    """Number of units with a value in the group."""
    return _grouped(df, df["value"]).transform("count")


def _enough(df: pd.DataFrame, min_size: int) -> pd.Series:
    return group_n(df) >= min_size


def _ranks(df: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Ascending min and max ranks of the score within each group, and the count of scores."""
    g = _grouped(df, score(df))
    return g.rank(method="min"), g.rank(method="max"), g.transform("count")


def _rank_from(r_max: pd.Series, n: pd.Series) -> pd.Series:
    return n - r_max + 1


PERCENTILE_DEFINITIONS = ("midrank", "minrank")


def _percentile_from(r_min: pd.Series, r_max: pd.Series, n: pd.Series, definition: str = "midrank") -> pd.Series:
    """From the ascending ranks of the score (1 = worst): r_min − 1 others are worse, r_max − r_min tie with it."""
    if definition == "midrank":
        return 100 * ((r_min - 1) + (r_max - r_min) / 2) / (n - 1)
    if definition == "minrank":
        return 100 * (r_min - 1) / (n - 1)
    raise InputError(f"percentile definition must be one of {', '.join(PERCENTILE_DEFINITIONS)}, not {definition!r}",
                     where="percentile")


def quartile_from(p: pd.Series) -> pd.Series:
    """Quartile of a percentile: 1 for 75-100, 2 for 50-75, 3 for 25-50, 4 below 25.

    >>> quartile_from(pd.Series([100.0, 75.0, 74.9, 50.0, 25.0, 10.0, np.nan])).tolist()
    [1.0, 1.0, 2.0, 2.0, 3.0, 4.0, nan]
    """
    q = pd.Series(np.select([p >= 75, p >= 50, p >= 25], [1, 2, 3], 4), index=p.index, dtype=float)
    return q.where(p.notna())


@register("rank")
def rank(df: pd.DataFrame, min_size: int = 4) -> pd.Series:
    """1 = best; ties share the best rank.

    >>> df = pd.DataFrame({"group": "g", "year": 2024, "indicator": "i", "direction": "higher-better", "value": [10.0, 30.0, 20.0, 30.0]})
    >>> rank(df).tolist()
    [4.0, 1.0, 3.0, 1.0]
    >>> rank(df.assign(direction="lower-better")).tolist()
    [1.0, 3.0, 2.0, 3.0]
    >>> rank(df, min_size=5).tolist()
    [nan, nan, nan, nan]
    """
    _, r_max, n = _ranks(df)
    return _rank_from(r_max, n).where(_enough(df, min_size))


@register("percentile")
def percentile(df: pd.DataFrame, min_size: int = 4, definition: str = "midrank") -> pd.Series:
    """Share of the other members this unit does better than, 0-100.

    definition: "midrank" (default) — a tie counts half, 100 · (worse + tied / 2) / (n − 1); "minrank" — a tie
    counts as not beaten, 100 · (r_min − 1) / (n − 1) with r_min the lowest ascending rank of the tied values:
    COINr's percentile ranks, n_prank (R/normalise.R: (rank(x, ties.method = "min") − 1) / (n − 1), here · 100).
    Without ties they agree. `normalise` "rank" of the composites gives the same numbers (ties "average", "min").

    >>> df = pd.DataFrame({"group": "g", "year": 2024, "indicator": "i", "direction": "higher-better", "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> percentile(df).tolist()
    [0.0, 25.0, 50.0, 75.0, 100.0]

    With a tie, 2 beats one of the three others and ties with one: (1 + 0.5) / 3 = 50%:

    >>> df = pd.DataFrame({"group": "g", "year": 2024, "indicator": "i", "direction": "higher-better", "value": [1.0, 2.0, 2.0, 3.0]})
    >>> percentile(df).tolist()
    [0.0, 50.0, 50.0, 100.0]

    Both definitions on the same data: the two 20s beat one other and tie with one, (1 + 0.5) / 4 = 37.5% as
    midrank, 1 / 4 = 25% as minrank:

    >>> df = pd.DataFrame({"group": "g", "year": 2024, "indicator": "i", "direction": "higher-better", "value": [10.0, 20.0, 20.0, 30.0, 40.0]})
    >>> percentile(df).tolist()
    [0.0, 37.5, 37.5, 75.0, 100.0]
    >>> percentile(df, definition="minrank").tolist()
    [0.0, 25.0, 25.0, 75.0, 100.0]
    """
    r_min, r_max, n = _ranks(df)
    return _percentile_from(r_min, r_max, n, definition).where(_enough(df, min_size))


@register("quartile")
def quartile(df: pd.DataFrame, min_size: int = 4) -> pd.Series:
    """1 = best quarter (percentile >= 75), 4 = worst quarter (percentile < 25).

    Percentiles 0, 25, 50, 75, 100 (see `percentile`):

    >>> df = pd.DataFrame({"group": "g", "year": 2024, "indicator": "i", "direction": "higher-better", "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> quartile(df).tolist()
    [4.0, 3.0, 2.0, 1.0, 1.0]
    """
    return quartile_from(percentile(df, min_size))


@register("zscore")
def zscore(df: pd.DataFrame) -> pd.Series:
    """(value − group mean) / group standard deviation (sample, ddof=1); sign follows the value.

    Mean 4, sample standard deviation sqrt((4 + 0 + 4) / 2) = 2; not flipped for lower-better:

    >>> df = pd.DataFrame({"group": "g", "year": 2024, "indicator": "i", "direction": "lower-better", "value": [2.0, 4.0, 6.0]})
    >>> zscore(df).tolist()
    [-1.0, 0.0, 1.0]
    """
    g = _grouped(df, df["value"])
    sd = g.transform("std")
    return ((df["value"] - g.transform("mean")) / sd.where(sd > 0))


@register("median")
def group_median(df: pd.DataFrame) -> pd.Series:
    return _grouped(df, df["value"]).transform("median")


@register("mean")
def group_mean(df: pd.DataFrame) -> pd.Series:
    """Unweighted mean of members (Kolada's group value)."""
    return _grouped(df, df["value"]).transform("mean")


@register("q25")
def group_q25(df: pd.DataFrame) -> pd.Series:
    return _grouped(df, df["value"]).transform("quantile", 0.25)


@register("q75")
def group_q75(df: pd.DataFrame) -> pd.Series:
    return _grouped(df, df["value"]).transform("quantile", 0.75)


@register("best")
def group_best(df: pd.DataFrame) -> pd.Series:
    """The best value in the group according to direction (for target ranges: the closest to it).

    >>> df = pd.DataFrame({"group": "g", "year": 2024, "indicator": "i", "direction": "lower-better", "value": [3.0, 1.0, 2.0]})
    >>> group_best(df).tolist()
    [1.0, 1.0, 1.0]
    """
    s = score(df)
    idx = _grouped(df, s.fillna(-np.inf)).transform("idxmax")
    best = pd.Series(df["value"].to_numpy()[idx.to_numpy()], index=df.index)
    return best.where(_grouped(df, s).transform("max").notna())


@register("distance_to_best")
def distance_to_best(df: pd.DataFrame) -> pd.Series:
    """value − best value of the group (0 for the best unit).

    >>> df = pd.DataFrame({"group": "g", "year": 2024, "indicator": "i", "direction": "lower-better", "value": [3.0, 1.0, 2.0]})
    >>> distance_to_best(df).tolist()
    [2.0, 0.0, 1.0]
    """
    return df["value"] - group_best(df)


@register("distance_to_median")
def distance_to_median(df: pd.DataFrame) -> pd.Series:
    return df["value"] - group_median(df)


def ratio_of_sums(numerator: pd.Series, denominator: pd.Series, keys: list[pd.Series]) -> pd.Series:
    """Group value as sum of numerators / sum of denominators (the group as one big unit).

    Only units with both parts present count in either sum: (10 + 50) / (100 + 300) = 0.15.

    >>> g = pd.Series(["g", "g", "g"])
    >>> ratio_of_sums(pd.Series([10.0, 50.0, 7.0]), pd.Series([100.0, 300.0, np.nan]), [g]).tolist()
    [0.15, 0.15, 0.15]
    """
    both = numerator.notna() & denominator.notna()
    num = numerator.where(both).groupby(keys, observed=True).transform("sum")
    den = denominator.where(both).groupby(keys, observed=True).transform("sum")
    return num / den.where(den != 0)


def yoy_change(values: pd.Series, keys: pd.Series | list[pd.Series], years: pd.Series) -> pd.Series:
    """value(t) − value(t−1) for the same unit (or keys); missing where year t−1 is absent.

    >>> units, years = pd.Series(["A", "A", "B"]), pd.Series([2022, 2023, 2023])
    >>> yoy_change(pd.Series([100.0, 110.0, 50.0]), units, years).tolist()
    [nan, 10.0, nan]
    """
    return pd.Series(values.to_numpy() - previous_year(values, keys, years), index=values.index)


GROUP_STATISTICS = ["rank", "ties", "percentile", "quartile", "zscore", "median", "mean", "q25", "q75", "best", "distance_to_best",
                    "distance_to_median"]
"""Every measure that describes a unit against its group, or the group itself: withheld together when the group's
data cover too few of the units they should (`jstbench.compare.coverage`)."""

SUMMARY = ["n", "median", "mean", "sd", "q25", "q75", "best"]
"""What `group_stats` says about each (group, year, indicator)."""


def _long(values: pd.DataFrame, membership: pd.DataFrame, catalogue_meta: pd.DataFrame) -> pd.DataFrame:
    """One row per (group, unit, year, indicator) with the indicator's direction and targets, and the integer key
    `_key`. Units and indicators are joined as categories (their codes, not millions of strings); where every unit
    is in one group at most (national, typology), the group is looked up rather than joined."""
    unit = values["unit"].astype("category") if values["unit"].dtype != "category" else values["unit"]
    mem = membership[["group", "group_type", "unit"]]
    mem = mem.assign(unit=mem["unit"].astype(unit.dtype), group=mem["group"].astype("category"),
                     group_type=mem["group_type"].astype("category")).dropna(subset=["unit"])
    if mem["unit"].duplicated().any():
        df = mem.merge(values.assign(unit=unit), on="unit", how="inner")
    else:
        inside = unit.isin(mem["unit"]).to_numpy()
        df = values[inside].assign(unit=unit[inside])
        by_unit = mem.set_index("unit")
        for col in ("group", "group_type"):
            df.insert(0, col, df["unit"].map(by_unit[col]).astype(by_unit[col].dtype))
        df = df.reset_index(drop=True)
    df["indicator"] = df["indicator"].astype("category")
    meta = catalogue_meta.set_index("indicator")
    for col in meta.columns:
        df[col] = df["indicator"].map(meta[col]).astype(meta[col].dtype if col != "direction" else "category")
    year = df["year"].to_numpy()
    years = int(year.max() - year.min() + 1) if len(df) else 1
    ind = df["indicator"].cat.codes.to_numpy(np.int64)
    combined = (df["group"].cat.codes.to_numpy(np.int64) * years + (year - (year.min() if len(df) else 0))) \
        * (ind.max() + 1 if len(df) else 1) + ind
    df["_key"] = pd.factorize(combined)[0]
    return df


def _summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per `_key` (0..k-1, in order): `SUMMARY` by aggregation (each group's values read once, not per row)."""
    key = df["_key"].to_numpy()
    g = df["value"].groupby(key, sort=True)
    out = g.agg(["count", "median", "mean", "std"]).rename(columns={"count": "n", "std": "sd"})
    out["q25"] = g.quantile(0.25)
    out["q75"] = g.quantile(0.75)
    s = score(df)
    scored = s.notna().to_numpy()
    best_at = s[scored].groupby(key[scored], sort=True).idxmax()
    out["best"] = pd.Series(df["value"].to_numpy()[best_at.to_numpy()], index=best_at.index)
    return out.reindex(np.arange(int(key.max()) + 1 if len(key) else 0))[SUMMARY]


def _coverage(keys: pd.DataFrame, n: pd.Series, expected: pd.DataFrame | None, min_coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """The register denominator of each group statistic (at least n) and whether it is withheld."""
    if expected is None:
        return n.to_numpy(float), (n == 0).to_numpy()
    exp = np.maximum(lookup_expected(keys, expected).to_numpy(), n.to_numpy(float))
    return exp, withheld(n, exp, min_coverage)


def group_stats(values: pd.DataFrame, membership: pd.DataFrame, catalogue_meta: pd.DataFrame,
                expected: pd.DataFrame | None = None, min_coverage: float = 0.0) -> pd.DataFrame:
    """One row per (group, year, indicator): group_type, n (units with a value), expected (register denominator),
    withheld, median, mean, sd, q25, q75, best (statistics missing where withheld). Arguments as in `compare`."""
    df = _long(values[["unit", "year", "indicator", "value"]], membership, catalogue_meta)
    return _stats(df, expected, min_coverage)


def _stats(df: pd.DataFrame, expected: pd.DataFrame | None, min_coverage: float) -> pd.DataFrame:
    first = df.drop_duplicates("_key").sort_values("_key")
    stats = _summary(df)
    out = first[["group", "group_type", "year", "indicator"]].reset_index(drop=True)
    for col in SUMMARY:
        out[col] = stats[col].to_numpy()
    out["n"] = out["n"].fillna(0).astype("int64")
    out["expected"], out["withheld"] = _coverage(out, out["n"], expected, min_coverage)
    out["expected"] = out["expected"].astype("int64")
    for col in SUMMARY[1:]:
        out[col] = out[col].mask(out["withheld"])
    return out


def compare(values: pd.DataFrame, membership: pd.DataFrame, catalogue_meta: pd.DataFrame,
            min_size: int = 4, expected: pd.DataFrame | None = None, min_coverage: float = 0.0) -> pd.DataFrame:
    """Every measure for every (group, unit, year, indicator).

    values: unit, year, indicator, value; membership: group, group_type, unit;
    catalogue_meta: indicator, direction, target_low, target_high;
    expected: group, year, indicator, expected — the register denominator of each group statistic
    (`jstbench.compare.coverage.register_counts`); a unit with a value always counts, so expected >= n.
    Where n / expected is below `min_coverage`, every measure of `GROUP_STATISTICS` is withheld (missing) and
    `withheld` is true; without `expected`, the denominator is n (nothing is withheld)."""
    return compare_and_stats(values, membership, catalogue_meta, min_size, expected, min_coverage)[0]


def compare_and_stats(values: pd.DataFrame, membership: pd.DataFrame, catalogue_meta: pd.DataFrame,
                      min_size: int = 4, expected: pd.DataFrame | None = None,
                      min_coverage: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`compare` and the `group_stats` of the same groups: the statistics are aggregated once per group, then
    attached to its rows."""
    values = values.loc[values["unit"].isin(membership["unit"]), ["unit", "year", "indicator", "value"]]
    values = values.astype({"unit": "category", "indicator": "category"})
    values["yoy_change"] = yoy_change(values["value"], [values["unit"], values["indicator"]], values["year"])
    df = _long(values, membership, catalogue_meta)
    stats = _stats(df, expected, min_coverage)
    key = df["_key"].to_numpy()
    out = df[["group", "group_type", "unit", "year", "indicator", "value"]].copy()
    for col in ("n", "median", "mean", "q25", "q75", "best", "expected", "withheld"):
        out[col] = stats[col].to_numpy()[key]
    out["n"] = out["n"].astype(float)
    r_min, r_max, n_scored = _ranks(df)
    enough = out["n"] >= min_size
    out["rank"] = _rank_from(r_max, n_scored).where(enough)
    out["percentile"] = _percentile_from(r_min, r_max, n_scored).where(enough)
    out["quartile"] = quartile_from(out["percentile"])
    out["ties"] = (r_max - r_min + 1).where(enough)
    sd = stats["sd"].to_numpy()[key]
    out["zscore"] = (out["value"] - out["mean"]) / np.where(sd > 0, sd, np.nan)
    out["distance_to_best"] = out["value"] - out["best"]
    out["distance_to_median"] = out["value"] - out["median"]
    out["yoy_change"] = df["yoy_change"]
    out["expected"] = out["expected"].astype(float)
    for col in GROUP_STATISTICS:
        out[col] = out[col].mask(out["withheld"])
    return out, stats
