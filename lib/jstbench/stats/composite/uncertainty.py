"""Uncertainty and sensitivity of a composite's ranks: Monte Carlo over the method choices and the weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from jstbench.core.errors import InputError
from jstbench.stats.composite.build import CompositeSpec, check_method, composite_ranks, composite_scores, has_enough, orient, prepare
from jstbench.stats.composite.registry import AGGREGATE, FACTORS, RESIDUAL, WEIGHT


def _rank_rows(scores: np.ndarray) -> np.ndarray:
    """Ranks within each row (1 = highest score, ties min); NaN scores get no rank and do not count."""
    missing = np.isnan(scores)
    r = rankdata(np.where(missing, np.inf, -scores), method="min", axis=1)
    return np.where(missing, np.nan, r)


def _column_quantiles(a: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median and the alpha/2 and 1 − alpha/2 quantiles of each column, NaN left out (NaN if none is left).

    The bounds are observed values, the smallest x with F(x) ≥ q (numpy's "inverted_cdf"); sorting once
    keeps it vectorised over the columns, where np.nanquantile loops over them."""
    s = np.sort(a, axis=0)  # NaN sort last
    n = (~np.isnan(a)).sum(axis=0)

    def pick(i: np.ndarray) -> np.ndarray:
        return np.take_along_axis(s, np.clip(i, 0, len(s) - 1)[None, :], axis=0)[0]

    return (pick((n - 1) // 2) + pick(n // 2)) / 2, pick(np.ceil(alpha / 2 * n).astype(int) - 1), pick(np.ceil((1 - alpha / 2) * n).astype(int) - 1)


def _intervals(ranks: np.ndarray, nominal_rank: pd.Series, alpha: float) -> pd.DataFrame:
    """Median and the middle (1 − alpha) of each unit's ranks over the runs."""
    median, lo, hi = _column_quantiles(ranks, alpha)
    return pd.DataFrame({"nominal_rank": nominal_rank.to_numpy(), "median_rank": median, "rank_lo": lo, "rank_hi": hi,
                         "n": int(nominal_rank.notna().sum())}, index=nominal_rank.index)


def _first_order(centred: np.ndarray, ss_total: np.ndarray, codes: np.ndarray) -> float:
    """Share of the rank variance explained by a discrete factor: Σ_units Var(E[rank | factor]) / Σ_units Var(rank).

    Weighting each unit's index S_u by its rank variance is the same as the ratio of sums. Var(E[rank | factor])
    comes from the means of the runs grouped by the factor's value, corrected for the noise of those means
    (one-way ANOVA's epsilon²: SS_between − (g − 1) · MS_within), without which a factor of no influence
    would get about (g − 1) / runs. Unclipped: a factor of no influence gets a value around 0, either side."""
    runs = len(codes)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1]])
    g = len(starts)
    if g < 2:
        return 0.0
    if runs <= g:
        return np.nan
    sums = np.add.reduceat(centred[order], starts, axis=0)
    ss_between = (sums**2 / np.diff(np.r_[starts, runs])[:, None]).sum(axis=0)
    ms_within = (ss_total - ss_between) / (runs - g)
    return float((ss_between - (g - 1) * ms_within).sum() / ss_total.sum())


def _variance_shares(ranks: np.ndarray, codes: dict[str, np.ndarray], noise_bins: np.ndarray | None) -> pd.Series:
    ranked = ~np.isnan(ranks).any(axis=0)
    centred = ranks[:, ranked] - ranks[:, ranked].mean(axis=0)
    ss_total = (centred**2).sum(axis=0)
    names = [*codes, "weight_noise", RESIDUAL]
    if not ss_total.sum() > 0:
        return pd.Series(np.nan, index=names, name="variance_share")
    shares = {f: _first_order(centred, ss_total, c) for f, c in codes.items()}
    shares["weight_noise"] = 0.0 if noise_bins is None else sum(_first_order(centred, ss_total, b) for b in noise_bins.T)
    shares = {f: float(np.clip(v, 0.0, None)) for f, v in shares.items()}  # an estimated variance can dip below 0
    shares[RESIDUAL] = float(np.clip(1.0 - sum(shares.values()), 0.0, None))
    return pd.Series(shares, name="variance_share")


@dataclass
class Uncertainty:
    """Result of `monte_carlo`; ranks is runs × units in the order of nominal.index."""

    nominal: pd.Series
    ranks: np.ndarray
    runs: pd.DataFrame
    intervals: pd.DataFrame
    variance_shares: pd.Series

    def group_intervals(self, members: list[str], alpha: float = 0.1) -> pd.DataFrame:
        """Rank intervals within a subset of units (e.g. an 8-member group), ranks recomputed in every run.

        A member's rank in the subset is 1 + the number of members ranked strictly better in the full run."""
        where = self.nominal.index.get_indexer(members)
        if (where < 0).any():
            missing = [m for m in members if m not in self.nominal.index]
            raise InputError(f"unit(s) {missing} are not in the composite", where="group_intervals")
        r = self.ranks[:, where]
        inside = 1.0 + (r[:, None, :] < r[:, :, None]).sum(axis=2)
        return _intervals(np.where(np.isnan(r), np.nan, inside), composite_ranks(self.nominal.iloc[where]), alpha)


def _alternatives(nominal: CompositeSpec, alternatives: dict[str, list] | None) -> dict[str, list[str]]:
    """Options per factor: the given ones (others fixed at nominal) or, by default, every registered one
    that needs no extra input ("expert" only with expert weights)."""
    if alternatives is None:
        alternatives = {f: [n for n in table if n != "expert" or nominal.expert_weights] for f, table in FACTORS.items()}
    unknown = [f for f in alternatives if f not in FACTORS]
    if unknown:
        raise InputError(f"unknown factor(s) {unknown}; known: {', '.join(FACTORS)}", where="monte_carlo.alternatives")
    options = {f: list(alternatives.get(f, [getattr(nominal, f)])) for f in FACTORS}
    for f, names in options.items():
        if not names:
            raise InputError(f"no options for {f}", where="monte_carlo.alternatives")
        for name in names:
            check_method(f, name)
    if "expert" in options["weights"] and not nominal.expert_weights:
        raise InputError("weights 'expert' need nominal.expert_weights", where="monte_carlo.alternatives")
    return options


def monte_carlo(x: pd.DataFrame, directions: dict[str, str], nominal: CompositeSpec, alternatives: dict[str, list] | None = None,
                weight_noise: float = 0.25, runs: int = 500, seed: int = 0, targets: dict[str, tuple[float, float]] | None = None,
                alpha: float = 0.1) -> Uncertainty:
    """Rebuild the composite `runs` times, each run drawing independently one option per factor and a weight
    multiplier U(1 − weight_noise, 1 + weight_noise) per indicator (weights renormalised to sum 1).

    Variance shares are first-order sensitivity indices of the ranks (Saltelli et al., Global Sensitivity
    Analysis: The Primer, 2008; Handbook 2008, Part 2, uncertainty and sensitivity analysis; COINr's
    get_sensitivity, which estimates them with a dedicated Saltelli design instead), estimated from this sample
    by grouping the runs on each factor's value. Weight noise is continuous and has one multiplier per
    indicator: each multiplier is binned into 10 equal-probability bins and treated as a factor, and
    "weight_noise" is the sum of their first-order indices (the additive part of the weights' effect).
    What the first-order indices leave unexplained — interactions between factors and estimation noise —
    is "interactions/residual". Only units ranked in every run enter the shares."""
    if runs < 2 or not 0 <= weight_noise < 1 or not 0 < alpha < 1:
        raise InputError("need runs ≥ 2, 0 ≤ weight_noise < 1 and 0 < alpha < 1", where="monte_carlo")
    options = _alternatives(nominal, alternatives)
    oriented = orient(x, directions, targets)
    enough = has_enough(oriented, nominal.min_indicators)
    rng = np.random.default_rng(seed)
    codes = {f: rng.integers(len(names), size=runs) for f, names in options.items()}
    noise = rng.uniform(1 - weight_noise, 1 + weight_noise, size=(runs, oriented.shape[1]))
    choices = pd.DataFrame({f: np.asarray(options[f], dtype=object)[c] for f, c in codes.items()})

    scores = np.empty((oriented.shape[0], runs))
    prepared: dict[tuple[str, str], pd.DataFrame] = {}
    for (imp, norm, wts, agg), run in choices.groupby(["impute", "normalise", "weights", "aggregate"]).groups.items():
        if (imp, norm) not in prepared:
            prepared[imp, norm] = prepare(oriented, imp, norm)
        normalised, run = prepared[imp, norm], run.to_numpy()
        w = WEIGHT[wts](normalised, nominal.expert_weights).to_numpy()[:, None] * noise[run].T
        scores[:, run] = AGGREGATE[agg](normalised.to_numpy(), w / w.sum(axis=0))
    scores[~enough] = np.nan
    ranks = _rank_rows(scores.T)

    nominal_scores = composite_scores(x, directions, nominal, targets)
    noise_bins = np.minimum((noise - (1 - weight_noise)) / (2 * weight_noise) * 10, 9).astype(int) if weight_noise > 0 else None
    runs_frame = pd.concat([choices, pd.DataFrame(noise, columns=[f"noise:{c}" for c in oriented.columns])], axis=1)
    return Uncertainty(nominal=nominal_scores, ranks=ranks, runs=runs_frame,
                       intervals=_intervals(ranks, composite_ranks(nominal_scores), alpha),
                       variance_shares=_variance_shares(ranks, codes, noise_bins))
