"""Aggregation: one score per unit from its normalised, weighted indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jstbench.core.errors import InputError
from jstbench.stats.composite.registry import AGGREGATE, as_array, register


def _weight_matrix(x, weights) -> np.ndarray:
    if isinstance(x, pd.DataFrame) and isinstance(weights, pd.Series | dict):
        w = pd.Series(weights, dtype=float)
        missing = [c for c in x.columns if c not in w.index]
        if missing:
            raise InputError(f"no weight for indicator(s) {missing}", where="aggregate")
        return w[list(x.columns)].to_numpy()
    return np.asarray(weights, dtype=float)


def _weighted_mean(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Σ w·v / Σ w over each unit's non-missing values; NaN where no weight is left."""
    present = ~np.isnan(v)
    total = present @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.where(present, v, 0.0) @ w) / np.where(total > 0, total, np.nan)


def _per_unit(x, out: np.ndarray):
    return pd.Series(out, index=x.index, name="score") if isinstance(x, pd.DataFrame) else out


@register(AGGREGATE, "arithmetic")
def arithmetic(normalised, weights):
    """Weighted mean over the indicators a unit has (weights renormalised over them).

    weights: per indicator (a Series/dict by indicator for a frame), or a k × m matrix of m weight vectors,
    which gives units × m scores."""
    return _per_unit(normalised, _weighted_mean(as_array(normalised), _weight_matrix(normalised, weights)))


@register(AGGREGATE, "geometric")
def geometric(normalised, weights):
    """Weighted geometric mean over the indicators a unit has: exp(Σ w·ln x / Σ w).

    Needs positive values, but min-max and rank put the worst unit at 0 and z-scores are negative. If any
    value is ≤ 0, all values are shifted by one common constant, 1 − min, so that the smallest becomes 1;
    being common, the shift keeps the indicators on their shared normalised scale (min-max data become
    1–101). COINr asks for the same thing in another way: min-max onto [1, 100] before a_gmean. Weights as
    in `arithmetic`."""
    v = as_array(normalised)
    low = np.fmin.reduce(v, axis=None)
    shift = 1.0 - low if low <= 0 else 0.0
    return _per_unit(normalised, np.exp(_weighted_mean(np.log(v + shift), _weight_matrix(normalised, weights))))

