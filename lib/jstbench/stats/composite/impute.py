"""Imputation of missing indicator values: within one year's cross-section (the IMPUTE methods), by the units'
group, or from the unit's earlier years."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from jstbench.core.errors import InputError
from jstbench.stats.composite.registry import IMPUTE, as_array, column_stats, register, shaped_like


@register(IMPUTE, "none")
def impute_none(x, groups=None):
    """Leave NaN: aggregation then averages the indicators a unit has (weights renormalised)."""
    return x


@register(IMPUTE, "mean")
def impute_mean(x, groups=None):
    """Replace NaN by the column mean (a column with no value stays NaN)."""
    v = as_array(x)
    return shaped_like(x, np.where(np.isnan(v), column_stats(v)[0], v))


@register(IMPUTE, "median")
def impute_median(x, groups=None):
    """Replace NaN by the column median (a column with no value stays NaN)."""
    v = as_array(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column
        median = np.nanmedian(v, axis=0)
    return shaped_like(x, np.where(np.isnan(v), median, v))


# --- grouped and panel imputation: they need more than the cross-section, so they are called directly and return
# the filled frame with one flag row per filled cell (unit, indicator, method, source) for the reports.

FLAG_COLUMNS = ["unit", "indicator", "method", "source"]


def _flags(filled: np.ndarray, x: pd.DataFrame, method: str, source: np.ndarray) -> pd.DataFrame:
    """One row per True cell of `filled` (units × indicators, row by row), its source taken from the same cell."""
    rows, cols = np.nonzero(filled)
    return pd.DataFrame({"unit": x.index[rows], "indicator": x.columns[cols], "method": method, "source": source[rows, cols]},
                        columns=FLAG_COLUMNS)


def impute_by_group(x: pd.DataFrame, groups: pd.Series, how: str = "mean",
                    min_group: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each missing value replaced by the mean (or median) of its indicator over the units of the same group
    (COINr's i_mean_grp / i_median_grp: by unit kind or size class); a group with fewer than `min_group` values of
    the indicator leaves the cell missing. Present values are untouched.

    groups: unit -> group label; every unit of x needs one. Returns the filled frame and the flags, one row per
    filled cell: unit, indicator, method "group_mean" or "group_median", source (the group label)."""
    if how not in ("mean", "median"):
        raise InputError(f"how must be 'mean' or 'median', not {how!r}", where="impute_by_group")
    if min_group < 1:
        raise InputError(f"min_group must be at least 1, not {min_group}", where="impute_by_group")
    if groups.index.has_duplicates:
        raise InputError(f"units repeat in groups: {list(groups.index[groups.index.duplicated()][:5])}", where="impute_by_group")
    labels = groups.reindex(x.index)
    if labels.isna().any():
        raise InputError(f"unit(s) without a group: {list(x.index[labels.isna().to_numpy()][:5])}", where="impute_by_group")
    try:
        v = x.astype(float)
    except (TypeError, ValueError):
        raise InputError("indicator values must be numeric", where="impute_by_group") from None
    by = v.groupby(labels.to_numpy(), sort=False)
    filled = (v.isna() & (by.transform("count") >= min_group)).to_numpy()
    out = v.mask(filled, by.transform(how))
    return out, _flags(filled, x, f"group_{how}", np.broadcast_to(labels.to_numpy()[:, None], filled.shape))


def latest_available(long: pd.DataFrame, year: int, max_age: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The `year`'s values (units × indicators) with a missing one taken from the unit's latest earlier year at most
    `max_age` years before (COINr's impute_panel, imp_type "latest", whose max_time counts time points; here the
    limit is in calendar years, so a gap in the panel does not stretch it). Later years are never used.

    long: columns unit, indicator, year, value (one row per unit, indicator and year; NaN value = missing).
    Rows and columns: every unit and indicator of `long`, in order of first appearance. Returns the frame and the
    flags, one row per filled cell: unit, indicator, method "latest_year", source (the year the value is from)."""
    missing = [c for c in ("unit", "indicator", "year", "value") if c not in long.columns]
    if missing:
        raise InputError(f"columns missing: {missing}", where="latest_available")
    if max_age < 0:
        raise InputError(f"max_age must be ≥ 0 years, not {max_age}", where="latest_available")
    dup = long.duplicated(["unit", "indicator", "year"])
    if dup.any():
        first = long[dup].iloc[0]
        raise InputError(f"more than one value for unit {first['unit']!r}, indicator {first['indicator']!r}, "
                         f"year {first['year']}", where="latest_available")
    try:
        value, years = long["value"].astype(float), long["year"].astype(int)
    except (TypeError, ValueError):
        raise InputError("year must be an integer and value numeric", where="latest_available") from None
    shape = pd.DataFrame(index=pd.unique(long["unit"]), columns=pd.unique(long["indicator"]))
    usable = value.notna() & (years <= year) & (years >= year - max_age)
    latest = (pd.DataFrame({"unit": long["unit"], "indicator": long["indicator"], "year": years, "value": value})[usable]
              .sort_values("year").drop_duplicates(["unit", "indicator"], keep="last"))

    def wide(column: str) -> pd.DataFrame:
        frame = latest.pivot(index="unit", columns="indicator", values=column).reindex_like(shape)
        return frame.rename_axis(index=None, columns=None)

    out, source = wide("value").astype(float), wide("year").to_numpy(dtype=float)
    filled = source < year  # NaN: nothing to take
    return out, _flags(filled, out, "latest_year", np.where(filled, source, 0).astype(int))


def _grouped(x: pd.DataFrame, groups: pd.Series | None, how: str) -> pd.DataFrame:
    if groups is None:
        raise InputError(f"imputation 'group_{how}' needs the units' groups (kind or size class)", where="impute")
    return impute_by_group(x, groups, how)[0]


@register(IMPUTE, "group_mean")
def impute_group_mean(x: pd.DataFrame, groups: pd.Series | None = None) -> pd.DataFrame:
    """NaN replaced by the mean of the unit's group (`impute_by_group`)."""
    return _grouped(x, groups, "mean")


@register(IMPUTE, "group_median")
def impute_group_median(x: pd.DataFrame, groups: pd.Series | None = None) -> pd.DataFrame:
    """NaN replaced by the median of the unit's group (`impute_by_group`)."""
    return _grouped(x, groups, "median")
