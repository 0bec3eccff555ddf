"""Structural adjustment: the value an authority would be expected to have given its conditions.

For each adjustable indicator and year, an OLS regression over every authority the indicator applies to:
value (or log value) on structural features (features.yml; per-indicator override under `adjustment:`),
with unit-kind dummies and heteroskedasticity-robust (HC3) standard errors. For each authority it gives the
expected value (for a log model the conditional median, exp of the fitted log), a prediction interval, the gap
and a position on the adjusted scale (the residual, oriented by direction). Small samples are not fitted and
poor fits are flagged, never hidden. The method is Kolada's "reference cost" made explicit and tested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.diagnostic import het_breuschpagan

from jstbench.catalogue.model import Catalogue, Indicator, Structure
from jstbench.compare.measures import percentile, quartile_from
from jstbench.indicators.features import feature_table

ADJUSTED_COLUMNS = ["unit", "indicator", "year", "value", "expected", "pi_low", "pi_high", "gap_abs", "gap_rel",
                    "residual", "cooks_d", "influential", "raw_percentile", "raw_quartile", "adj_percentile", "adj_quartile"]
VF_BP_LEVEL = 0.05  # the variance function only where Breusch–Pagan rejects constant spread at this level…
VF_UNITS_PER_PARAMETER = 10  # …and with this many units per parameter (fewer: it covers < 87.5% after a false rejection)


@dataclass
class Fit:
    """One fitted (or refused) model with its diagnostics."""

    indicator: str
    year: int
    response: str
    features: list[str]
    n: int
    status: str
    r2: float = np.nan
    r2_adj: float = np.nan
    bp_pvalue: float = np.nan
    coefficients: pd.DataFrame | None = None
    needed: int = 0  # units with data the model needs (min_n, and 3 per parameter)
    min_r2: float = np.nan
    pi_method: str | None = None  # how the prediction intervals were made (`Interval.method`); None when not fitted

    def row(self) -> dict:
        coefs = [] if self.coefficients is None else self.coefficients.reset_index().to_dict("records")
        return dict(indicator=self.indicator, year=self.year, response=self.response, features=",".join(self.features),
                    n=self.n, status=self.status, r2=self.r2, r2_adj=self.r2_adj, bp_pvalue=self.bp_pvalue,
                    needed=self.needed, min_r2=self.min_r2, pi_method=self.pi_method, coefficients=json.dumps(coefs))


def response_scale(ind: Indicator, y: pd.Series) -> str:
    """`log` for positive, skewed quantities (money, rates), `level` for percentages and anything with zeros."""
    if ind.adjustment.response != "auto":
        return ind.adjustment.response
    return "log" if "%" not in ind.unit and len(y) and bool((y > 0).all()) else "level"


def _bounds(ind: Indicator, y: pd.Series) -> tuple[float | None, float | None]:
    """Natural bounds of a level model's predictions: 0 for a quantity never negative, 100 for a percentage."""
    low = 0.0 if (y >= 0).all() else None
    high = 100.0 if ind.unit.strip() == "%" and (y <= 100).all() else None
    return low, high


def design(features: pd.DataFrame, names: list[str], structure: Structure) -> pd.DataFrame:
    """Regressors: a constant, numeric features, and dummies for categorical ones (reference: the most common
    category). Constant columns are dropped (e.g. one kind only)."""
    parts = [pd.Series(1.0, index=features.index, name="const")]
    for name in names:
        col = features[name]
        if structure.feature(name).categorical:
            ref = col.value_counts().idxmax()
            dummies = pd.get_dummies(col, prefix=name, dtype=float).drop(columns=f"{name}_{ref}")
            parts += [dummies[c] for c in sorted(dummies.columns)]
        else:
            parts.append(col.astype(float).rename(name))
    X = pd.concat(parts, axis=1)
    keep = ["const"] + [c for c in X.columns[1:] if X[c].nunique() > 1]
    return X[keep]


@dataclass(frozen=True)
class Interval:
    """Fitted means and (1 − alpha) prediction intervals of some units; `method`: "pooled" or "variance-function";
    `bp_pvalue`: the Breusch–Pagan test of constant spread on the fit's residuals (NaN for a constant-only model)."""

    mean: pd.Series
    low: pd.Series
    high: pd.Series
    method: str
    bp_pvalue: float


def prediction_interval(res, X: pd.DataFrame, alpha: float) -> Interval:
    """Fitted mean and a (1 − alpha) prediction interval from an OLS fit `res` for units with regressors `X` (the fit's
    design columns; new units, or the fit's own in `fit_indicator`), with the stated coverage for new units
    (benchmarks/bench_intervals.py).

    Pooled (the default): the exact OLS interval ŷ ± t(1 − alpha/2; n − k) · s · √(1 + x'(X'X)⁻¹x) (statsmodels
    `obs_ci_*`). Variance function, only where Breusch–Pagan rejects constant spread (p < VF_BP_LEVEL) with at least
    VF_UNITS_PER_PARAMETER units per parameter: σᵢ from Harvey's (1976) multiplicative model (log e² on the same
    regressors) and ŷ ± q · σᵢ, q the ⌈(1 − alpha)(n + 1)⌉-th smallest |leave-one-out residual| / leave-one-out σᵢ
    (jackknife with locally weighted scores: Lei et al. 2018, JASA 113; Barber et al. 2021, Ann. Statist. 49), so
    the variance function's own estimation error is paid for; a t quantile times σᵢ ignores it and under-covers."""
    design = res.model.exog
    n, k = design.shape
    resid = np.asarray(res.resid, dtype=float)
    bp = float(het_breuschpagan(resid, design)[1]) if k > 1 else np.nan
    rank = int(np.ceil((1 - alpha) * (n + 1)))
    if not (bp < VF_BP_LEVEL and n >= VF_UNITS_PER_PARAMETER * k and rank <= n):
        # refitted without HC3: the exact interval uses s²(X'X)⁻¹
        frame = res.model.fit().get_prediction(X).summary_frame(alpha=alpha)
        low, high = (pd.Series(frame[c].to_numpy(), index=X.index) for c in ("obs_ci_lower", "obs_ci_upper"))
        return Interval(pd.Series(frame["mean"].to_numpy(), index=X.index), low, high, "pooled", bp)
    e2 = resid ** 2
    log_e2 = np.log(e2 + 1e-8 * e2.mean())
    variance = sm.OLS(log_e2, design).fit()
    log_s2_loo = log_e2 - variance.get_influence().resid_press  # the variance function at unit i fitted without i
    score = np.abs(res.get_influence().resid_press) / np.exp(log_s2_loo / 2)
    half = np.sort(score)[rank - 1] * np.exp(np.asarray(variance.predict(X), dtype=float) / 2)
    mean = pd.Series(np.asarray(res.predict(X), dtype=float), index=X.index)
    return Interval(mean, mean - half, mean + half, "variance-function", bp)


def fit_indicator(ind: Indicator, y: pd.Series, features: pd.DataFrame, structure: Structure, year: int,
                  ) -> tuple[Fit, pd.DataFrame]:
    """Fit one indicator's model on units with a value and every feature; return the fit and per-unit rows."""
    names = structure.adjustment_features(ind)
    data = features[names].join(y.rename("y"), how="inner").dropna()
    response = response_scale(ind, data["y"])
    defaults = structure.adjustment
    if len(data) == 0:
        return Fit(ind.id, year, response, names, 0, "too-few", needed=defaults.min_n, min_r2=defaults.min_r2), pd.DataFrame()
    X = design(data, names, structure)
    n, k = X.shape
    needed = max(defaults.min_n, 3 * k)
    if n < needed:
        return Fit(ind.id, year, response, names, n, "too-few", needed=needed, min_r2=defaults.min_r2), pd.DataFrame()
    target = np.log(data["y"]) if response == "log" else data["y"]
    if np.ptp(target) <= 1e-9 * max(1.0, float(np.abs(target).max())):
        return Fit(ind.id, year, response, names, n, "constant", needed=needed, min_r2=defaults.min_r2), pd.DataFrame()
    res = sm.OLS(target, X).fit(cov_type="HC3")
    interval = prediction_interval(res, X, defaults.alpha)
    back = np.exp if response == "log" else (lambda v: v)
    cooks = res.get_influence().cooks_distance[0]
    coefs = pd.DataFrame({"coef": res.params, "se": res.bse, "p": res.pvalues}).rename_axis("term")
    status = "ok" if res.rsquared >= defaults.min_r2 else "poor-fit"
    fit = Fit(ind.id, year, response, names, n, status, float(res.rsquared), float(res.rsquared_adj), interval.bp_pvalue,
              coefs, needed, defaults.min_r2, interval.method)
    low, high = _bounds(ind, data["y"])
    expected = back(interval.mean).clip(low, high)
    rows = pd.DataFrame({
        "unit": data.index, "indicator": ind.id, "year": year, "value": data["y"], "expected": expected,
        "pi_low": back(interval.low).clip(low, high), "pi_high": back(interval.high).clip(low, high),
        "gap_abs": data["y"] - expected, "gap_rel": (data["y"] / expected - 1).where(expected > 0),
        "residual": res.resid, "cooks_d": cooks, "influential": cooks > 4 / n,
        "direction": ind.direction,
    }).reset_index(drop=True)
    return fit, rows


def positions(rows: pd.DataFrame) -> pd.DataFrame:
    """National percentile and quartile of the raw value and of the residual, over the same units
    (rows of many indicators at once: columns indicator, year, value, residual, direction)."""
    base = rows[["year", "indicator", "direction"]].assign(group="national")
    base["_key"] = base.groupby(["year", "indicator"], sort=False).ngroup()
    raw, adj = base.assign(value=rows["value"]), base.assign(value=rows["residual"])
    p_raw, p_adj = percentile(raw, 1), percentile(adj, 1)
    return rows.assign(raw_percentile=p_raw, raw_quartile=quartile_from(p_raw), adj_percentile=p_adj,
                       adj_quartile=quartile_from(p_adj))


def adjust_all(catalogue: Catalogue, values: pd.DataFrame, units: pd.DataFrame, year: int,
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit every adjustable indicator for one year: (models, one row per model), (adjusted, one row per unit)."""
    structure = catalogue.require_structure()
    feats = feature_table(values, units, structure, year)
    kinds = units.set_index(units["code"].astype(str))["kind"]
    cur = values[values["year"] == year]
    by_ind = dict(tuple(cur.groupby("indicator", observed=True)))
    fits, rows = [], []
    for ind in catalogue.indicators.values():
        if not ind.adjustable or ind.id not in by_ind:
            continue
        y = by_ind[ind.id].set_index("unit")["value"]
        y = y[kinds.reindex(y.index).isin(ind.applies_to).to_numpy()]
        fit, per_unit = fit_indicator(ind, y, feats, structure, year)
        fits.append(fit.row())
        rows.append(per_unit)
    rows = [r for r in rows if len(r)]
    if not rows:
        return pd.DataFrame(fits), pd.DataFrame(columns=ADJUSTED_COLUMNS)
    return pd.DataFrame(fits), positions(pd.concat(rows, ignore_index=True))[ADJUSTED_COLUMNS]


def quartile_changes(adjusted: pd.DataFrame) -> pd.Series:
    """Per indicator: share of units whose national quartile differs after adjustment."""
    ok = adjusted.dropna(subset=["raw_quartile", "adj_quartile"])
    return (ok["raw_quartile"] != ok["adj_quartile"]).groupby(ok["indicator"]).mean()
