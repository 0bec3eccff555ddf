"""Change over time: compound annual growth, linear trends with confidence intervals, and constant prices.

Money values are turned into constant prices with a deflator from `methodology/catalogue/deflators.yml`:
annual price indices (previous year = 100) chained into a price level that equals 1 in a chosen base year.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from jstbench.catalogue.deflators import Deflator
from jstbench.core.errors import InputError


def cagr(first, last, years):
    """Compound annual growth rate (last / first) ** (1 / years) − 1, a fraction (0.1 = 10% a year).

    NaN where first ≤ 0, last ≤ 0 or years ≤ 0: growth between signs or from zero has no compound rate.
    Works element-wise on arrays too."""
    first, last, years = (np.asarray(a, dtype=float) for a in (first, last, years))
    ok = (first > 0) & (last > 0) & (years > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ok, (last / first) ** (1 / years) - 1, np.nan)
    return float(out) if out.ndim == 0 else out


def cagr_table(values: pd.DataFrame, start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """CAGR per (unit, indicator) between the first and last year with a value within [start, end].

    values: unit, indicator, year, value. Every (unit, indicator) of the input gets a row; where there is no
    value in the window, or only one year, the years and values present are shown and cagr is NaN."""
    keys = ["unit", "indicator"]
    window = values["value"].notna()
    if start is not None:
        window &= values["year"] >= start
    if end is not None:
        window &= values["year"] <= end
    g = values[window].sort_values("year").groupby(keys, observed=True, sort=False)
    out = pd.DataFrame({"first_year": g["year"].first(), "last_year": g["year"].last(),
                        "first": g["value"].first(), "last": g["value"].last()})
    out = out.reindex(pd.MultiIndex.from_frame(values[keys].drop_duplicates())).sort_index()
    out[["first_year", "last_year"]] = out[["first_year", "last_year"]].astype("Int64")
    span = (out["last_year"] - out["first_year"]).astype(float)
    out["cagr"] = cagr(out["first"].to_numpy(), out["last"].to_numpy(), span.to_numpy())
    return out.reset_index()


def linear_trend(years, values, alpha: float = 0.1, log: bool = False) -> dict:
    """OLS trend of value on year: slope per year with its (1 − alpha) confidence interval, p-value, n and R².

    With log=True the model is log(value) ~ year and slope, lo and hi are exp(b) − 1, the growth per year
    as a fraction (0.05 = 5% a year, the scale of `cagr`); non-positive values then give NaNs.
    Pairs with a NaN are dropped; fewer than 3 points left, or a single year, give NaNs with n;
    a flat series gives slope and interval 0 with p-value and R² NaN."""
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n = len(x)
    result = {"slope": np.nan, "lo": np.nan, "hi": np.nan, "p_value": np.nan, "n": n, "r2": np.nan}
    if n < 3 or np.ptp(x) == 0 or (log and (y <= 0).any()):
        return result
    if log:
        y = np.log(y)
    if np.ptp(y) == 0:  # a flat series: no change, nothing to explain
        return result | {"slope": 0.0, "lo": 0.0, "hi": 0.0}
    with np.errstate(divide="ignore", invalid="ignore"):
        fit = sm.OLS(y, sm.add_constant(x - x.mean())).fit()
        lo, hi = fit.conf_int(alpha)[1]
        slope, p_value, r2 = fit.params[1], fit.pvalues[1], fit.rsquared
    if log:
        slope, lo, hi = np.expm1([slope, lo, hi])
    return result | {"slope": float(slope), "lo": float(lo), "hi": float(hi), "p_value": float(p_value), "r2": float(r2)}


def linear_trends(frame: pd.DataFrame, keys: list[str], alpha: float = 0.1, log: bool = False) -> pd.DataFrame:
    """`linear_trend` of `value` on `year` for every group of `keys` at once (closed-form least squares, the same
    numbers as statsmodels' OLS): columns keys + slope, lo, hi, n. Rows with a NaN are dropped first; with log=True a
    group with a non-positive value gets NaNs, like fewer than 3 points or a single year; a flat series gives 0."""
    d = frame[[*keys, "year", "value"]].dropna(subset=["year", "value"])
    g = d.groupby(keys, observed=True, sort=True)
    n = g["value"].size()
    bad = g["value"].min() <= 0 if log else pd.Series(False, index=n.index)
    y = np.log(d["value"].where(d["value"] > 0)) if log else d["value"].astype(float)
    d = d.assign(x=d["year"].astype(float), y=y)
    g = d.groupby(keys, observed=True, sort=True)
    xm, ym = g["x"].transform("mean"), g["y"].transform("mean")
    d = d.assign(dx=d["x"] - xm, dy=d["y"] - ym)
    d = d.assign(xx=d["dx"] ** 2, xy=d["dx"] * d["dy"], yy=d["dy"] ** 2)
    sums = d.groupby(keys, observed=True, sort=True)[["xx", "xy", "yy"]].sum()
    sxx, sxy, syy = (sums[c].to_numpy() for c in ("xx", "xy", "yy"))
    nn = n.to_numpy().astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = sxy / sxx
        rss = np.clip(syy - slope * sxy, 0, None)
        se = np.sqrt(rss / (nn - 2) / sxx)
        t = stats.t.ppf(1 - alpha / 2, np.maximum(nn - 2, 1))
        lo, hi = slope - t * se, slope + t * se
    flat = syy <= 1e-24 * np.maximum(1.0, np.abs(ym.groupby([d[k] for k in keys], observed=True, sort=True).first().to_numpy()))
    slope, lo, hi = (np.where(flat, 0.0, a) for a in (slope, lo, hi))
    invalid = (nn < 3) | (sxx == 0) | bad.to_numpy() | ~np.isfinite(slope)
    slope, lo, hi = (np.where(invalid, np.nan, a) for a in (slope, lo, hi))
    if log:
        slope, lo, hi = np.expm1(slope), np.expm1(lo), np.expm1(hi)
    return pd.DataFrame({"slope": slope, "lo": lo, "hi": hi, "n": n.to_numpy()}, index=n.index).reset_index()


def price_level(deflator: Deflator, base_year: int) -> pd.Series:
    """Price level by year, 1.0 in base_year, chained from the yearly indices.

    The first index links its year to the year before, so the level covers that year too."""
    years = [min(deflator.values) - 1, *deflator.values]
    chained = np.cumprod([1.0, *(np.array(list(deflator.values.values())) / 100)])
    level = pd.Series(chained, index=pd.Index(years, name="year"), name=deflator.id)
    if base_year not in level.index:
        raise InputError(f"base year {base_year} is outside the years the deflator {deflator.id!r} covers ({years[0]}–{years[-1]})")
    return level / level[base_year]


def to_real(values: pd.DataFrame, level: pd.Series, base_year: int) -> pd.DataFrame:
    """Add value_real, the value in prices of base_year (NaN where the deflator does not cover the year).

    values: long with `year` and `value`; level: price level by year (from `price_level`), rebased here to base_year."""
    span = f"{level.index.min()}–{level.index.max()}"
    if base_year not in level.index:
        raise InputError(f"base year {base_year} is outside the years the price level covers ({span})")
    factor = (level / level[base_year]).reindex(values["year"]).to_numpy()
    out = values.copy()
    out["value_real"] = out["value"].to_numpy() / factor
    return out


def is_money(unit: str) -> bool:
    """True for an indicator unit in złoty ("zł na mieszk.", "tys. zł", "zł/t"), not for a percentage."""
    return bool(re.search(r"\bzł\b", unit, re.IGNORECASE)) and "%" not in unit
