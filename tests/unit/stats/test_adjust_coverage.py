"""Prediction intervals of the structural adjustment cover NEW units as stated: a simulation with a known model.

k = 8 parameters (a constant and 7 standard normal features), y = x'β + σ(x) · ε, ε ~ N(0, 1); σ = 1 (constant spread)
or σ = exp(0.5 · x₁) (spread growing with a feature). Each replication fits OLS on n units once and checks the 90%
intervals of 2,000 new units from the same model; coverage is averaged over the replications (REPS).

Monte Carlo error, measured with these seeds (standard deviation across replications / √replications): the coverage
of one replication varies mostly with its fitted s² (sd 0.058 at n = 30, 0.039 at 60, 0.015–0.018 at 300, 0.008–0.009
at 2,000), so the standard error of every asserted mean is ≤ 0.003 (top third ≤ 0.003 where asserted ≥ 0.86):
the ±2.5-point tolerances are ≥ 8 standard errors wide. Measured: 0.899–0.906 everywhere; top third at n ≥ 300
0.892–0.901.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from jstbench.stats.adjust import VF_UNITS_PER_PARAMETER, prediction_interval

BETA = np.array([1.0, 0.5, -0.3, 0.2, 0.0, 0.4, -0.1, 0.3])
COLUMNS = ["const", *(f"x{j}" for j in range(1, 8))]
TOP_THIRD = stats.norm.ppf(2 / 3)  # σ = exp(0.5 x₁) is in its highest third where x₁ > Φ⁻¹(2/3) ≈ 0.431
REPS = {30: 400, 60: 300, 300: 150, 2000: 50}
NEW = 2000


def draw(rng: np.random.Generator, n: int, spread: float) -> tuple[pd.DataFrame, np.ndarray]:
    X = pd.DataFrame(np.column_stack([np.ones(n), rng.normal(size=(n, 7))]), columns=COLUMNS)
    return X, X.to_numpy() @ BETA + np.exp(spread * X["x1"].to_numpy()) * rng.normal(size=n)


def coverage(n: int, spread: float, seed: int) -> tuple[float, float, float]:
    """Mean share of new units inside their 90% interval, the same in the highest-variance third (x₁ > 0.431), and the
    share of replications that used the variance function."""
    rng = np.random.default_rng(seed)
    overall, top, vf = [], [], []
    for _ in range(REPS[n]):
        X, y = draw(rng, n, spread)
        new, y_new = draw(rng, NEW, spread)
        out = prediction_interval(sm.OLS(y, X).fit(), new, 0.1)  # the interval does not depend on the fit's cov_type
        inside = (out.low.to_numpy() <= y_new) & (y_new <= out.high.to_numpy())
        overall.append(inside.mean())
        top.append(inside[new["x1"].to_numpy() > TOP_THIRD].mean())
        vf.append(out.method == "variance-function")
    return float(np.mean(overall)), float(np.mean(top)), float(np.mean(vf))


@pytest.mark.parametrize("n", [30, 60, 300, 2000])
def test_constant_spread_covers_new_units_as_stated(n):
    overall, top, vf = coverage(n, 0.0, seed=n)
    assert 0.875 <= overall <= 0.925, overall
    assert 0.875 <= top <= 0.925, top
    assert vf <= 0.15  # Breusch–Pagan rejects ~5% of the time; otherwise the exact OLS interval


@pytest.mark.parametrize("n", [30, 60, 300, 2000])
def test_spread_growing_with_a_feature_covers_new_units_and_the_most_variable_third(n):
    overall, top, vf = coverage(n, 0.5, seed=10 + n)
    assert 0.875 <= overall <= 0.925, overall
    if n >= VF_UNITS_PER_PARAMETER * len(COLUMNS):  # 80: the variance function is allowed (and BP rejects at n ≥ 300)
        assert vf >= 0.9 and top >= 0.86, (vf, top)
    else:  # pooled: right on average, too narrow for the most variable units (their coverage ≈ 0.77)
        assert vf == 0 and top < 0.86
