"""Normalisation: oriented values (higher = better) onto a common scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from jstbench.core.errors import InputError
from jstbench.stats.composite.registry import NORMALISE, as_array, column_stats, register, shaped_like


@register(NORMALISE, "minmax")
def minmax(x):
    """(x − min) / (max − min) · 100 per column, NaN ignored; a constant column gets 50 (it orders no one)."""
    v = as_array(x)
    lo, hi = np.fmin.reduce(v, axis=0), np.fmax.reduce(v, axis=0)
    spread = hi - lo
    return shaped_like(x, (v - lo) / np.where(spread > 0, spread, np.inf) * 100 + np.where(spread > 0, 0.0, 50.0))


@register(NORMALISE, "zscore")
def zscore(x):
    """(x − mean) / standard deviation (ddof=1) per column, NaN ignored; a constant column gets 0 (its mean)."""
    v = as_array(x)
    mean, sd = column_stats(v)
    constant = np.fmax.reduce(v, axis=0) == np.fmin.reduce(v, axis=0)  # exact: a rounding sd of 1e-17 must not count
    return shaped_like(x, (v - mean) / np.where((sd > 0) & ~constant, sd, np.inf))


RANK_TIES = ("average", "min")


@register(NORMALISE, "rank")
def rank(x, ties: str = "average"):
    """Rank per column (1 = the lowest oriented value, the worst) scaled to 0–100: (rank − 1) / (n − 1) · 100.

    ties (scipy rankdata's method): "average" — tied units share the mean of the ranks they occupy; "min" — they
    share the lowest of them, as in COINr's n_rank and n_prank (R's rank(ties.method = "min")). (rank − 1) / (n − 1)
    is then the share of the other units a unit beats, a tie counting half ("average") or nothing ("min"): the
    percentiles "midrank" and "minrank" of `jstbench.compare.measures.percentile`.
    NaN stay NaN and are not counted in n; a column with a single value gets 50, as in min-max.

    >>> x = np.array([[10.0], [20.0], [20.0], [30.0], [40.0]])
    >>> rank(x).ravel().tolist()
    [0.0, 37.5, 37.5, 75.0, 100.0]
    >>> rank(x, ties="min").ravel().tolist()
    [0.0, 25.0, 25.0, 75.0, 100.0]
    """
    if ties not in RANK_TIES:
        raise InputError(f"rank ties must be one of {', '.join(RANK_TIES)}, not {ties!r}", where="normalise rank")
    v = as_array(x)
    n = (~np.isnan(v)).sum(axis=0)
    r = rankdata(v, method=ties, axis=0, nan_policy="omit")
    return shaped_like(x, (r - 1) / np.where(n > 1, n - 1, np.inf) * 100 + np.where(n > 1, 0.0, 50.0))


def _by_column(x, values, what: str, where: str) -> np.ndarray:
    """One value per column: a dict by indicator for a frame (every column needs one), else a scalar or an array."""
    if isinstance(values, dict) and isinstance(x, pd.DataFrame):
        missing = [c for c in x.columns if c not in values]
        if missing:
            raise InputError(f"no {what} for indicator(s) {missing}", where=where)
        values = [values[c] for c in x.columns]
    return np.broadcast_to(np.asarray(values, dtype=float), as_array(x).shape[1:])


@register(NORMALISE, "distance_to_target")
def distance_to_target(x, target=None):
    """Distance to a reference on the ratio scale, 100 at the target (Handbook 2008, Part 2, "distance to a
    reference"): per column, 100 · x / target when the target is positive (higher-better values), and
    100 · target / x when it is negative (lower-better values are oriented, i.e. negated: this is
    100 · best cost / own cost, so a unit twice as costly as the leader gets 50). Bounded for positive data.
    A target of 0 (a target-range indicator, whose best oriented value is 0) has no ratio scale: the shortfall is
    then measured against target − min, COINr's n_dist2targ: 100 · (x − min) / (target − min).
    target: one value per column (a dict by indicator for a frame); default the column maximum (the leader)."""
    v = as_array(x)
    t = np.fmax.reduce(v, axis=0) if target is None else _by_column(x, target, "target", "distance_to_target")
    lo = np.fmin.reduce(v, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(t > 0, v / t, t / v)
        shortfall = (v - lo) / np.where(t - lo > 0, t - lo, np.inf) + np.where(t - lo > 0, 0.0, 1.0)
    return shaped_like(x, 100 * np.where(t == 0, shortfall, ratio))


@register(NORMALISE, "goalposts")
def goalposts(x, low=None, high=None, clip: bool = True):
    """100 · (x − L) / (U − L) per column with goalposts L (scores 0) and U (scores 100) fixed in advance: the
    HDI's "minimum and maximum values (goalposts)", COINr's n_goalposts. With clip (default, COINr's trunc2posts) a
    value beyond a goalpost counts as at it, so scores stay in [0, 100]; without, they run on linearly past 0 and 100.

    A unit's score depends on its own value only, not on the other units or the year: fixed goalposts keep scores
    comparable across years (see `reference_bounds` for goalposts taken from a reference year's data). Values are
    oriented (higher = better), so goalposts given in an indicator's own units are turned by `oriented_goalposts`.
    low, high: one value per column (a dict by indicator for a frame); each defaults to the column's minimum /
    maximum (both defaulted, this is min-max: a constant column gets 50).

    >>> goalposts(np.array([[40.0], [55.0], [90.0], [10.0]]), low=25, high=85).ravel().tolist()
    [25.0, 50.0, 100.0, 0.0]
    """
    v = as_array(x)
    lo = np.fmin.reduce(v, axis=0) if low is None else _by_column(x, low, "low goalpost", "goalposts")
    hi = np.fmax.reduce(v, axis=0) if high is None else _by_column(x, high, "high goalpost", "goalposts")
    spread = hi - lo
    bad = np.flatnonzero((low is not None or high is not None) & (spread <= 0))  # NaN: a column with no values
    if bad.size:
        names = [x.columns[i] for i in bad] if isinstance(x, pd.DataFrame) else bad.tolist()
        raise InputError(f"the low goalpost must be below the high one; it is not for {names}", where="goalposts")
    with np.errstate(invalid="ignore"):
        score = 100 * (v - lo) / np.where(spread > 0, spread, np.inf) + np.where(spread > 0, 0.0, 50.0)
    return shaped_like(x, np.clip(score, 0.0, 100.0) if clip else score)


def oriented_goalposts(goalposts: dict[str, tuple[float, float]],
                       directions: dict[str, str]) -> tuple[dict[str, float], dict[str, float]]:
    """Goalposts (low, high) given in each indicator's own units, as the (low, high) dicts of `goalposts` on the
    oriented scale: kept for a higher-better indicator; for a lower-better one, whose values `orient` negates,
    (−high, −low), so `low` (the best value) scores 100 and `high` 0 (COINr's n_goalposts with direction = −1:
    (high − x) / (high − low)). For a target-range indicator, oriented as minus the distance to its range, the
    goalposts are distances from the range and turn the same way (low, usually 0, scores 100).

    >>> oriented_goalposts({"life": (25, 85), "cost": (200, 800)}, {"life": "higher-better", "cost": "lower-better"})
    ({'life': 25.0, 'cost': -800.0}, {'life': 85.0, 'cost': -200.0})
    """
    low, high = {}, {}
    for c, (lo, hi) in goalposts.items():
        if not lo < hi:
            raise InputError(f"indicator {c!r}: goalposts must be [low, high] with low < high, not [{lo}, {hi}]", where="goalposts")
        d = directions.get(c)
        if d == "higher-better":
            low[c], high[c] = float(lo), float(hi)
        elif d in ("lower-better", "target-range"):
            low[c], high[c] = -float(hi), -float(lo)
        else:
            raise InputError(f"indicator {c!r}: goalposts need a direction higher-better, lower-better or target-range, "
                             f"not {d!r}", where="goalposts")
    return low, high


def reference_bounds(panel: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Goalposts taken from the data of a reference year: each indicator's (min, max) over the units of `panel`
    (units × indicators, that year's oriented values; NaN left out). Normalising every year by `goalposts` with these
    bounds (oriented already: not to be turned again) puts all years on the reference year's min-max scale, so a
    unit's score moves only when its value does; a value beyond the reference year's range scores past 0 or 100
    unless clipped. (COINr normalises a panel instead with the min and max over all its years, Normalise.purse with
    global = TRUE, which moves every score when a year is added.)

    >>> reference_bounds(pd.DataFrame({"a": [40.0, 60.0, 80.0], "b": [-5.0, np.nan, -1.0]}))
    {'a': (40.0, 80.0), 'b': (-5.0, -1.0)}
    """
    lo, hi = panel.min(), panel.max()
    empty = list(lo.index[lo.isna()])
    if empty:
        raise InputError(f"no values in the reference year for indicator(s) {empty}", where="reference_bounds")
    return {c: (float(lo[c]), float(hi[c])) for c in panel.columns}
