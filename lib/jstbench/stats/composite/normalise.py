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


@register(NORMALISE, "rank")
def rank(x):
    """Average rank per column (ties share the mean rank) scaled to 0–100: (rank − 1) / (n − 1) · 100.

    NaN stay NaN and are not counted in n; a column with a single value gets 50, as in min-max."""
    v = as_array(x)
    n = (~np.isnan(v)).sum(axis=0)
    r = rankdata(v, method="average", axis=0, nan_policy="omit")
    return shaped_like(x, (r - 1) / np.where(n > 1, n - 1, np.inf) * 100 + np.where(n > 1, 0.0, 50.0))


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
    if target is None:
        t = np.fmax.reduce(v, axis=0)
    elif isinstance(target, dict) and isinstance(x, pd.DataFrame):
        missing = [c for c in x.columns if c not in target]
        if missing:
            raise InputError(f"no target for indicator(s) {missing}", where="distance_to_target")
        t = np.array([target[c] for c in x.columns], dtype=float)
    else:
        t = np.asarray(target, dtype=float)
    t = np.broadcast_to(t, v.shape[1:])
    lo = np.fmin.reduce(v, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(t > 0, v / t, t / v)
        shortfall = (v - lo) / np.where(t - lo > 0, t - lo, np.inf) + np.where(t - lo > 0, 0.0, 1.0)
    return shaped_like(x, 100 * np.where(t == 0, shortfall, ratio))

