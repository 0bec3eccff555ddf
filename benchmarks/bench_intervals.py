"""Coverage of the structural adjustment's 90% prediction intervals for NEW units, in a simulation with a known model,
against the previous method (the baseline) and the plain OLS interval, measured in the same run on the same draws.

Model: k = 8 parameters (a constant and 7 standard normal features), y = x'β + σ(x) · ε, ε ~ N(0, 1), with constant
spread (σ = 1) or spread growing with a feature (σ = exp(0.5 · x₁); its highest-variance third: x₁ > Φ⁻¹(2/3)).
Each replication fits OLS with HC3 standard errors (as `fit_indicator` does) on n units and checks the intervals of
--new new units from the same model; coverage is averaged over --reps replications, n = 30, 60, 300, 2,000.

- before: the previous `adjust.prediction_interval` (HC3 variance of the mean + a log-e² variance function, t quantile),
  copied below as `before_prediction_interval`;
- after: `jstbench.stats.adjust.prediction_interval` (pooled OLS interval unless Breusch–Pagan rejects and n ≥ 10 k,
  then the variance function calibrated on leave-one-out residuals); `vf_share`: replications that used the variance
  function;
- ols: the exact OLS prediction interval (constant spread) throughout.

Also the in-sample coverage (the fit's own units, what the reports show) before and after, at n = 30.

Usage: python benchmarks/bench_intervals.py [--reps 400] [--new 2000] [--seed 2026] [--json] (about two minutes).
Results: printed (one JSON object with --json).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from jstbench.stats.adjust import prediction_interval  # noqa: E402

BETA = np.array([1.0, 0.5, -0.3, 0.2, 0.0, 0.4, -0.1, 0.3])
COLUMNS = ["const", *(f"x{j}" for j in range(1, 8))]
SPREAD = {"homoskedastic": 0.0, "heteroskedastic": 0.5}
TOP_THIRD = stats.norm.ppf(2 / 3)
SIZES = (30, 60, 300, 2000)
ALPHA = 0.1


def before_prediction_interval(res, X: pd.DataFrame, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """The previous method (the baseline), verbatim except that the variance function is fitted on the fit's own
    units (`res.model.exog`) and evaluated at `X`, so that it can predict new units: the HC3 variance of the mean plus
    σ²ᵢ from Harvey's log-e² regression rescaled so that e²/σ²ᵢ averages 1; t quantile with n − k degrees of freedom."""
    pred = res.get_prediction(X)
    mean = np.asarray(pred.predicted_mean)
    e2 = np.asarray(res.resid, dtype=float) ** 2
    variance = sm.OLS(np.log(e2 + 1e-8 * e2.mean()), res.model.exog).fit()
    scale = np.mean(e2 / np.exp(variance.fittedvalues))
    sigma2 = np.exp(np.asarray(variance.predict(X), dtype=float)) * scale
    n, k = res.model.exog.shape
    half = stats.t.ppf(1 - alpha / 2, n - k) * np.sqrt(np.asarray(pred.se_mean) ** 2 + sigma2)
    return mean - half, mean + half


def draw(rng: np.random.Generator, n: int, spread: float) -> tuple[pd.DataFrame, np.ndarray]:
    X = pd.DataFrame(np.column_stack([np.ones(n), rng.normal(size=(n, 7))]), columns=COLUMNS)
    return X, X.to_numpy() @ BETA + np.exp(spread * X["x1"].to_numpy()) * rng.normal(size=n)


def intervals(res, X: pd.DataFrame) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], bool]:
    """(low, high) of each method at X, and whether `after` used the variance function."""
    after = prediction_interval(res, X, ALPHA)
    ols = res.model.fit().get_prediction(X).summary_frame(alpha=ALPHA)
    return ({"before": before_prediction_interval(res, X, ALPHA), "after": (after.low.to_numpy(), after.high.to_numpy()),
             "ols": (ols["obs_ci_lower"].to_numpy(), ols["obs_ci_upper"].to_numpy())}, after.method == "variance-function")


def simulate(rng: np.random.Generator, n: int, spread: float, reps: int, new: int) -> dict:
    """Mean coverage of new units (overall and in the highest-variance third) per method, the share of replications
    that used the variance function, and the in-sample coverage."""
    hits: dict[str, list[float]] = {f"{m}_{part}": [] for m in ("before", "after", "ols") for part in ("all", "top", "in")}
    vf = []
    for _ in range(reps):
        X, y = draw(rng, n, spread)
        res = sm.OLS(y, X).fit(cov_type="HC3")
        X_new, y_new = draw(rng, new, spread)
        top = X_new["x1"].to_numpy() > TOP_THIRD
        out, used = intervals(res, X_new)
        own, _ = intervals(res, X)
        vf.append(used)
        for m, (low, high) in out.items():
            inside = (low <= y_new) & (y_new <= high)
            hits[f"{m}_all"].append(inside.mean())
            hits[f"{m}_top"].append(inside[top].mean())
            hits[f"{m}_in"].append(((own[m][0] <= y) & (y <= own[m][1])).mean())
    return {"n": n, "reps": reps, "vf_share": round(float(np.mean(vf)), 3),
            **{key: round(float(np.mean(v)), 4) for key, v in hits.items()},
            "mc_se": round(float(max(np.std(v) for v in hits.values()) / np.sqrt(reps)), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=400, help="replications (fits) per model and sample size")
    ap.add_argument("--new", type=int, default=2000, help="new units drawn per replication")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--json", action="store_true", help="print one JSON object (the figures) instead of the table")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    results = {name: [simulate(rng, n, spread, args.reps, args.new) for n in SIZES] for name, spread in SPREAD.items()}
    figures = {"alpha": ALPHA, "parameters": len(COLUMNS), "reps": args.reps, "new_units": args.new, "seed": args.seed,
               "coverage": results}
    if args.json:
        print(json.dumps(figures))
        return
    print(f"90% prediction intervals, k = {len(COLUMNS)} parameters: coverage of new units "
          f"({args.reps} fits × {args.new} new units per cell; Monte Carlo s.e. ≤ {max(r['mc_se'] for v in results.values() for r in v):.3f})")
    print(f"{'model':<34}{'n':>6}{'before':>9}{'after':>9}{'ols':>9}{'vf share':>10}")
    for name, rows in results.items():
        parts = [("all", name + (" (overall)" if SPREAD[name] else ""))]
        parts += [("top", name + " (top third)")] if SPREAD[name] else []
        for part, label in parts:
            for r in rows:
                print(f"{label:<34}{r['n']:>6}{r[f'before_{part}']:>9.3f}{r[f'after_{part}']:>9.3f}{r[f'ols_{part}']:>9.3f}"
                      f"{r['vf_share']:>10.2f}")
    print("in-sample coverage at n = 30 (the fit's own units):")
    for name, rows in results.items():
        r = rows[0]
        print(f"  {name:<32}before {r['before_in']:.3f}  after {r['after_in']:.3f}  ols {r['ols_in']:.3f}")


if __name__ == "__main__":
    main()
