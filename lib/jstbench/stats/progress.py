"""Progress towards a strategy's targets, as Open SDG and Statistics Canada measure progress towards the SDGs.

The reference is Open SDG's progress measurement (sdg-build `progress_measure`, documented at
https://open-sdg.readthedocs.io/en/latest/progress-methodology/, which follows Statistics Canada's methodology for the
Canadian Indicator Framework, https://sdgcif-data-canada-oddcic-donnee.github.io/methodology). For an indicator with a
quantitative target:

1. the target is reached when the latest value is at or beyond it in the desired direction (increase or decrease
   desired): status "target_reached", whatever the rates;
2. otherwise the observed compound annual growth rate from the base year to the latest year,
   CAGR_o = (x_t / x_0) ** (1 / (t − t_0)) − 1, is divided by the rate required to reach the target in the target year,
   CAGR_r = (x_T / x_0) ** (1 / (T − t_0)) − 1;
3. the ratio is classed with Open SDG's default thresholds for a quantitative target: ≥ 0.95 on track ("substantial
   progress"), 0.6–0.95 moderate, 0–0.6 insufficient ("limited progress"), below 0 moving away ("deterioration").

Where the compound rate is undefined — a base, latest or target value of zero or below — Open SDG replaces a zero
target by 0.001; that makes the required rate depend on the unit of measurement (0.001 % and 0.001 zł give different
statuses), so here the ratio is taken of the average absolute yearly changes instead,
(x_t − x_0) / (t − t_0) over (x_T − x_0) / (T − t_0), with the same thresholds, and the method used is returned with
the status so that no report passes it off as a growth rate.

The forecast to the target year is a linear trend fitted by ordinary least squares (statsmodels) with its prediction
interval. A trend rather than Holt's exponential smoothing: the series of a strategy are short (5–10 yearly values),
too short to estimate smoothing parameters, while the t-based prediction interval of a straight line widens honestly
when there are few points; a line rather than a log-line, because it is defined for zeros and negative values too.
With fewer than 3 observations there is no forecast (a line through two points has no residual variance to build an
interval from).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm

from jstbench.stats.trends import cagr

__all__ = ["MIN_FORECAST_POINTS", "MODERATE", "ON_TRACK", "STATUSES", "Progress", "cagr", "forecast", "progress_status",
           "required_cagr"]

STATUSES = ("target_reached", "on_track", "moderate", "insufficient", "moving_away", "insufficient_data")
ON_TRACK = 0.95  # Open SDG's default thresholds of the growth ratio for a quantitative target ("high", "med")
MODERATE = 0.6
MIN_FORECAST_POINTS = 3

Method = Literal["cagr", "absolute"]


def required_cagr(baseline: float, target: float, baseline_year: int, target_year: int) -> float:
    """The compound annual growth rate that takes `baseline` to `target` between the two years (NaN where undefined:
    a value ≤ 0 or a target year not after the base year).

    >>> round(required_cagr(100, 121, 2020, 2022), 6)
    0.1
    """
    return cagr(baseline, target, target_year - baseline_year)


@dataclass(frozen=True)
class Progress:
    """A status with the numbers it rests on: the observed and required yearly rates (compound growth fractions for
    method "cagr", average yearly changes in the indicator's unit for "absolute") and their ratio."""

    status: str
    method: Method | None = None
    observed: float = math.nan
    required: float = math.nan
    ratio: float = math.nan


def _rates(baseline: float, latest: float, target: float, years_observed: int, years_planned: int) -> tuple[Method, float, float]:
    if baseline > 0 and latest > 0 and target > 0:
        return "cagr", cagr(baseline, latest, years_observed), cagr(baseline, target, years_planned)
    return "absolute", (latest - baseline) / years_observed, (target - baseline) / years_planned


def progress_status(baseline: float, baseline_year: int, latest: float | None, latest_year: int | None, target: float,
                    target_year: int, increase: bool) -> Progress:
    """The progress status of one indicator (see the module's description of the method).

    `increase`: whether an increase is desired. Raises ValueError when the target lies on the wrong side of the
    baseline for that direction, or the target year is not after the base year (`load_strategy` refuses both).

    Observed +3% a year against +4.14% required (100 → 150 in 10 years): ratio 0.72, moderate:

    >>> p = progress_status(100, 2020, 100 * 1.03 ** 5, 2025, 150, 2030, increase=True)
    >>> p.status, p.method, round(p.ratio, 2)
    ('moderate', 'cagr', 0.72)
    """
    if target_year <= baseline_year:
        raise ValueError(f"target year {target_year} is not after the base year {baseline_year}")
    if (target - baseline) * (1 if increase else -1) < 0:
        raise ValueError(f"target {target} is on the wrong side of the baseline {baseline} for a desired "
                         f"{'increase' if increase else 'decrease'}")
    if latest is None or latest_year is None or not math.isfinite(latest) or not math.isfinite(baseline) \
            or latest_year <= baseline_year:
        return Progress("insufficient_data")
    method, observed, required = _rates(baseline, latest, target, latest_year - baseline_year, target_year - baseline_year)
    reached = latest >= target if increase else latest <= target
    if reached:
        return Progress("target_reached", method, observed, required, observed / required if required else math.nan)
    if required == 0:  # a "keep the level" target, and the latest value is on the wrong side of it
        return Progress("moving_away", method, observed, required)
    ratio = observed / required
    status = "on_track" if ratio >= ON_TRACK else "moderate" if ratio >= MODERATE else "insufficient" if ratio >= 0 \
        else "moving_away"
    return Progress(status, method, observed, required, ratio)


def forecast(years, values, target_year: int, level: float = 0.9) -> pd.DataFrame | None:
    """A linear trend of `values` on `years` (OLS) extended to `target_year`: one row per year after the last
    observed one up to the target year, with the trend (`mean`) and the `level` prediction interval (`low`, `high`)
    for a single future value (statsmodels `get_prediction(...).summary_frame`, columns obs_ci_*).

    None with fewer than 3 observed values (missing ones are skipped) or when the target year is not after the last
    observed year.

    >>> f = forecast([2020, 2021, 2022], [10.0, 12.0, 14.0], 2024)
    >>> f["year"].tolist(), f["mean"].round(6).tolist()
    ([2023, 2024], [16.0, 18.0])
    """
    if not 0 < level < 1:
        raise ValueError(f"level {level} must be between 0 and 1")
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < MIN_FORECAST_POINTS or len(np.unique(x)) < MIN_FORECAST_POINTS or target_year <= x.max():
        return None
    last = x.max()
    fit = sm.OLS(y, sm.add_constant(x - last)).fit()
    ahead = np.arange(int(last) + 1, int(target_year) + 1)
    frame = fit.get_prediction(sm.add_constant(ahead - last, has_constant="add")).summary_frame(alpha=1 - level)
    return pd.DataFrame({"year": ahead.astype("int64"), "mean": frame["mean"].to_numpy(),
                         "low": frame["obs_ci_lower"].to_numpy(), "high": frame["obs_ci_upper"].to_numpy()})
