"""Imputation of missing indicator values (within one year's cross-section)."""

from __future__ import annotations

import warnings

import numpy as np

from jstbench.stats.composite.registry import IMPUTE, as_array, column_stats, register, shaped_like


@register(IMPUTE, "none")
def impute_none(x):
    """Leave NaN: aggregation then averages the indicators a unit has (weights renormalised)."""
    return x


@register(IMPUTE, "mean")
def impute_mean(x):
    """Replace NaN by the column mean (a column with no value stays NaN)."""
    v = as_array(x)
    return shaped_like(x, np.where(np.isnan(v), column_stats(v)[0], v))


@register(IMPUTE, "median")
def impute_median(x):
    """Replace NaN by the column median (a column with no value stays NaN)."""
    v = as_array(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column
        median = np.nanmedian(v, axis=0)
    return shaped_like(x, np.where(np.isnan(v), median, v))

