"""How certain is an authority's position in its group when its inputs are noisy?

The position is the percentile of `jstbench.compare.measures` (0–100, 100 = best, ties count half) computed on many
replicates of the inputs: shares drawn from their posterior given the counts, survey means from resampled
respondents. The interval is the middle (1 − alpha) of the replicated percentiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jstbench.core.errors import InputError

ORIENT = {"higher-better": 1.0, "lower-better": -1.0}


def percentile_of(scores: np.ndarray, index: int) -> np.ndarray:
    """Percentile of unit `index` in each run (row) of scores (higher = better), ties count half.

    Equals 100 * ((r_min − 1) + (r_max − r_min) / 2) / (n − 1) of `compare.percentile`; NaN scores are
    left out of n, and a run where the unit has no score or fewer than two units have one gives NaN."""
    scores = np.asarray(scores, dtype=float)
    own = scores[:, [index]]
    below = (scores < own).sum(axis=1)
    tied_others = (scores == own).sum(axis=1) - 1
    n = (~np.isnan(scores)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 100 * (below + tied_others / 2) / (n - 1)
    return np.where(np.isnan(own[:, 0]) | (n < 2), np.nan, p)


def binomial_draws(successes: np.ndarray, trials: np.ndarray, reps: int, rng: np.random.Generator) -> np.ndarray:
    """reps × units draws of each share in % from the Jeffreys posterior Beta(k + ½, n − k + ½).

    A unit with 0 late decisions out of 12 is not certainly at 0%: with few trials the observed share is
    noisy, and the Jeffreys prior (the standard non-informative one for a proportion) gives a posterior
    that never collapses to 0 or 100 and is wider the fewer the trials."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if not ((n > 0) & (k >= 0) & (k <= n)).all():
        raise InputError("every unit needs trials > 0 and 0 ≤ successes ≤ trials")
    return 100 * rng.beta(k + 0.5, n - k + 0.5, size=(reps, len(k)))


def survey_draws(responses: pd.DataFrame, reps: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Units (sorted) and reps × units means of respondents resampled with replacement within each unit.

    responses: unit, value, one row per respondent; missing values are left out."""
    answered = responses.dropna(subset=["value"])
    units, draws = [], []
    for unit, values in answered["value"].groupby(answered["unit"].astype(str)):
        v = values.to_numpy(dtype=float)
        units.append(unit)
        draws.append(v[rng.integers(0, len(v), size=(reps, len(v)))].mean(axis=1))
    return units, np.column_stack(draws) if draws else np.empty((reps, 0))


def percentile_interval(draws: np.ndarray, units: list[str], unit: str, direction: str, alpha: float = 0.1) -> dict:
    """The middle (1 − alpha) and the median of `unit`'s percentile over the replicates (rows) of draws.

    Replicates where the percentile is undefined (fewer than two units) are left out; reps counts the rest."""
    if direction not in ORIENT:
        raise InputError(f"direction must be one of {list(ORIENT)}, not {direction!r}")
    if unit not in units:
        raise InputError(f"unit {unit!r} is not among the units drawn")
    p = percentile_of(ORIENT[direction] * np.asarray(draws, dtype=float), units.index(unit))
    p = p[~np.isnan(p)]
    lo, median, hi = np.quantile(p, [alpha / 2, 0.5, 1 - alpha / 2], method="inverted_cdf") if len(p) else [np.nan] * 3
    return {"percentile_lo": float(lo), "percentile_hi": float(hi), "percentile_median": float(median), "reps": len(p), "alpha": alpha}


def share_percentile_intervals(successes: pd.Series, trials: pd.Series, direction: str, reps: int = 2000,
                               alpha: float = 0.1, seed: int = 0) -> pd.DataFrame:
    """Percentile interval of every unit for a share successes / trials (Series indexed by unit code), from one
    set of Jeffreys draws: one row per unit with percentile_lo, percentile_hi, percentile_median, reps, alpha,
    trials and n_units. Units with no trials (0 or NaN), a missing count or an impossible one (below 0 or above
    the trials) take no part; fewer than two units give an empty frame."""
    k, n = successes.align(trials, join="outer")
    ok = (n > 0) & (k >= 0) & (k <= n)
    units = [str(u) for u in k.index[ok]]
    if len(units) < 2:
        return pd.DataFrame(columns=["percentile_lo", "percentile_hi", "percentile_median", "reps", "alpha", "trials", "n_units"])
    draws = binomial_draws(k[ok].to_numpy(float), n[ok].to_numpy(float), reps, np.random.default_rng(seed))
    out = pd.DataFrame.from_dict({u: percentile_interval(draws, units, u, direction, alpha) for u in units}, orient="index")
    return out.assign(trials=n[ok].to_numpy(float), n_units=len(units))


def survey_percentile_interval(responses: pd.DataFrame, unit: str, direction: str, min_respondents: int = 30, reps: int = 2000,
                               alpha: float = 0.1, seed: int = 0) -> dict:
    """Percentile interval of `unit` for a survey mean (responses: unit, value; one row per respondent).

    Units with fewer than min_respondents answers are suppressed: left out of the group (n_units counts the
    rest) and, for `unit` itself, the dict has suppressed=True and no interval."""
    answered = responses.dropna(subset=["value"])
    counts = answered["unit"].astype(str).value_counts()
    if unit not in set(responses["unit"].astype(str)):
        raise InputError(f"unit {unit!r} is not in the responses")
    kept = counts.index[counts >= min_respondents]
    base = {"unit": unit, "n_respondents": int(counts.get(unit, 0)), "min_respondents": min_respondents, "n_units": len(kept),
            "suppressed": unit not in kept}
    if base["suppressed"]:
        return base
    units, draws = survey_draws(answered[answered["unit"].astype(str).isin(kept)], reps, np.random.default_rng(seed))
    return base | percentile_interval(draws, units, unit, direction, alpha)
