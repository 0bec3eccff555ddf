"""Uncertainty and sensitivity of a composite's ranks: Monte Carlo over the method choices and the weights."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from jstbench.core.errors import InputError
from jstbench.stats.composite.build import Choice, CompositeSpec, Engine, check_method, composite_ranks
from jstbench.stats.composite.registry import EXPLICIT_ONLY, FACTORS, RESIDUAL
from jstbench.stats.composite.sensitivity import Factor, Sensitivity, sobol_sensitivity

ENDS = ("observed", "interpolated")


def _rank_rows(scores: np.ndarray) -> np.ndarray:
    """Ranks within each row (1 = highest score, ties min); NaN scores get no rank and do not count."""
    missing = np.isnan(scores)
    r = rankdata(np.where(missing, np.inf, -scores), method="min", axis=1)
    return np.where(missing, np.nan, r)


def _column_quantiles(a: np.ndarray, alpha: float, ends: str = "observed") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median and the alpha/2 and 1 − alpha/2 quantiles of each column, NaN left out (NaN if none is left).

    ends "observed": the bounds are observed values, the smallest x with F(x) ≥ q (numpy's "inverted_cdf"), so an
    interval's ends are ranks a unit actually took; sorting once keeps it vectorised over the columns.
    ends "interpolated": numpy's default linear interpolation between order statistics (R's type 7, as
    COINr's quantiles are), which can give fractional ranks (methods page "Definicje")."""
    if ends not in ENDS:
        raise InputError(f"interval ends must be one of {ENDS}, not {ends!r}", where="monte_carlo.ends")
    s = np.sort(a, axis=0)  # NaN sort last
    n = (~np.isnan(a)).sum(axis=0)

    def pick(i: np.ndarray) -> np.ndarray:
        return np.take_along_axis(s, np.clip(i, 0, len(s) - 1)[None, :], axis=0)[0]

    median = (pick((n - 1) // 2) + pick(n // 2)) / 2
    if ends == "interpolated":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a unit never ranked
            lo, hi = np.nanquantile(a, [alpha / 2, 1 - alpha / 2], axis=0)
        return median, lo, hi
    return median, pick(np.ceil(alpha / 2 * n).astype(int) - 1), pick(np.ceil((1 - alpha / 2) * n).astype(int) - 1)


def _intervals(ranks: np.ndarray, nominal_rank: pd.Series, alpha: float, ends: str = "observed") -> pd.DataFrame:
    """Median and the middle (1 − alpha) of each unit's ranks over the runs."""
    median, lo, hi = _column_quantiles(ranks, alpha, ends)
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


def _shares(centred: np.ndarray, codes: dict[str, np.ndarray], noise_bins: np.ndarray | None) -> dict[str, float]:
    ss_total = (centred**2).sum(axis=0)
    shares = {f: _first_order(centred, ss_total, c) for f, c in codes.items()}
    shares["weight_noise"] = 0.0 if noise_bins is None else sum(_first_order(centred, ss_total, b) for b in noise_bins.T)
    shares = {f: float(np.clip(v, 0.0, None)) for f, v in shares.items()}  # an estimated variance can dip below 0
    shares[RESIDUAL] = float(np.clip(1.0 - sum(shares.values()), 0.0, None))
    return shares


def _variance_shares(ranks: np.ndarray, codes: dict[str, np.ndarray], noise_bins: np.ndarray | None,
                     resamples: int = 50, max_units: int = 400, seed: int = 0) -> pd.DataFrame:
    """First-order shares of the rank variance (see `_first_order`) with their standard error: the standard
    deviation over `resamples` bootstrap resamples of the runs (on at most `max_units` units, drawn once, which
    the error hardly depends on), so that a view can round a share to the precision it has."""
    ranked = ~np.isnan(ranks).any(axis=0)
    centred = ranks[:, ranked] - ranks[:, ranked].mean(axis=0)
    names = [*codes, "weight_noise", RESIDUAL]
    if not (centred**2).sum() > 0:
        return pd.DataFrame({"share": np.nan, "share_se": np.nan, "runs": len(ranks)}, index=pd.Index(names, name="factor"))
    shares = _shares(centred, codes, noise_bins)
    rng = np.random.default_rng(seed)
    cols = rng.choice(centred.shape[1], size=min(max_units, centred.shape[1]), replace=False)
    boot = []
    for _ in range(resamples):
        rows = rng.integers(len(ranks), size=len(ranks))
        sample = ranks[np.ix_(rows, np.flatnonzero(ranked)[cols])]
        boot.append(_shares(sample - sample.mean(axis=0), {f: c[rows] for f, c in codes.items()},
                            None if noise_bins is None else noise_bins[rows]))
    se = pd.DataFrame(boot).std(ddof=1)
    return pd.DataFrame({"share": pd.Series(shares), "share_se": se, "runs": len(ranks)}).rename_axis("factor").loc[names]


@dataclass
class Uncertainty:
    """Result of `monte_carlo`; ranks is runs × units in the order of nominal.index."""

    nominal: pd.Series
    ranks: np.ndarray
    runs: pd.DataFrame
    intervals: pd.DataFrame
    variance_shares: pd.DataFrame
    options: dict[str, list[str]]
    engine: Engine
    ends: str = "observed"

    def group_intervals(self, members: list[str], alpha: float = 0.1) -> pd.DataFrame:
        """Rank intervals within a subset of units (e.g. an 8-member group), ranks recomputed in every run.

        A member's rank in the subset is 1 + the number of members ranked strictly better in the full run."""
        where = self.nominal.index.get_indexer(members)
        if (where < 0).any():
            missing = [m for m in members if m not in self.nominal.index]
            raise InputError(f"unit(s) {missing} are not in the composite", where="group_intervals")
        r = self.ranks[:, where]
        inside = 1.0 + (r[:, None, :] < r[:, :, None]).sum(axis=2)
        return _intervals(np.where(np.isnan(r), np.nan, inside), composite_ranks(self.nominal.iloc[where]), alpha, self.ends)


def _alternatives(nominal: CompositeSpec, alternatives: dict[str, list] | None, grouped: bool) -> dict[str, list[str]]:
    """Options per factor: the given ones (others fixed at nominal) or, by default, every registered one that needs
    no extra input ("expert" only with expert weights, "goalposts" only with goalposts, grouped imputation only with
    groups) and is fast enough to repeat (not those in EXPLICIT_ONLY, unless nominal)."""
    if alternatives is None:
        def usable(factor: str, name: str) -> bool:
            needs = {"expert": nominal.expert_weights, "goalposts": nominal.goalposts}
            return (name == getattr(nominal, factor) or
                    (bool(needs.get(name, True)) and name not in EXPLICIT_ONLY and (grouped or not name.startswith("group"))))
        alternatives = {f: [n for n in table if usable(f, n)] for f, table in FACTORS.items()}
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
    if "goalposts" in options["normalise"] and not nominal.goalposts:
        raise InputError("normalise 'goalposts' needs nominal.goalposts", where="monte_carlo.alternatives")
    return options


def monte_carlo(x: pd.DataFrame, directions: dict[str, str], nominal: CompositeSpec, alternatives: dict[str, list] | None = None,
                weight_noise: float = 0.25, runs: int = 500, seed: int = 0, targets: dict[str, tuple[float, float]] | None = None,
                alpha: float = 0.1, groups: pd.Series | None = None, ends: str = "observed") -> Uncertainty:
    """Rebuild the composite `runs` times, each run drawing independently one option per factor (outlier treatment,
    imputation, normalisation, weights, aggregation) and a weight multiplier U(1 − weight_noise, 1 + weight_noise)
    per indicator (weights renormalised within each domain).

    Variance shares are first-order sensitivity indices of the ranks (Saltelli et al., Global Sensitivity
    Analysis: The Primer, 2008; Handbook 2008, Part 2, uncertainty and sensitivity analysis), estimated from this
    sample by grouping the runs on each factor's value, with a bootstrap standard error (they vary between seeds:
    by about ±0.02–0.03 at 500 runs); `sensitivity.sobol_sensitivity` gives first- and total-order indices from a
    Saltelli design. Weight noise is continuous and has one multiplier per indicator: each multiplier is binned
    into 10 equal-probability bins and treated as a factor, and "weight_noise" is the sum of their first-order
    indices (the additive part of the weights' effect). What the first-order indices leave unexplained —
    interactions between factors and estimation noise — is "interactions/residual". Only units ranked in every
    run enter the shares. ends: how an interval's ends are read from the runs' ranks (`_column_quantiles`)."""
    if runs < 2 or not 0 <= weight_noise < 1 or not 0 < alpha < 1:
        raise InputError("need runs ≥ 2, 0 ≤ weight_noise < 1 and 0 < alpha < 1", where="monte_carlo")
    options = _alternatives(nominal, alternatives, groups is not None)
    engine = Engine(x, directions, nominal, targets, groups)
    rng = np.random.default_rng(seed)
    codes = {f: rng.integers(len(names), size=runs) for f, names in options.items()}
    noise = rng.uniform(1 - weight_noise, 1 + weight_noise, size=(runs, len(engine.indicators)))
    choices = pd.DataFrame({f: np.asarray(options[f], dtype=object)[c] for f, c in codes.items()})

    scores = np.empty((len(engine.x), runs))
    for key, run in choices.groupby(list(FACTORS)).groups.items():
        run = run.to_numpy()
        scores[:, run] = engine.build(Choice(**dict(zip(FACTORS, key, strict=True))), noise[run].T)[0]
    ranks = _rank_rows(scores.T)

    nominal_scores = engine.nominal().scores
    noise_bins = np.minimum((noise - (1 - weight_noise)) / (2 * weight_noise) * 10, 9).astype(int) if weight_noise > 0 else None
    runs_frame = pd.concat([choices, pd.DataFrame(noise, columns=[f"noise:{c}" for c in engine.indicators])], axis=1)
    return Uncertainty(nominal=nominal_scores, ranks=ranks, runs=runs_frame,
                       intervals=_intervals(ranks, composite_ranks(nominal_scores), alpha, ends),
                       variance_shares=_variance_shares(ranks, codes, noise_bins, seed=seed), options=options,
                       engine=engine, ends=ends)


def composite_sensitivity(engine: Engine, uncertainty: Uncertainty, n_base: int = 64, seed: int = 0, drop_one: bool = True,
                          weight_noise: float = 0.25, weight_sets: int = 16) -> Sensitivity:
    """Variance-based sensitivity of the composite's ranks (`sensitivity.sobol_sensitivity`: first- and total-order
    Sobol' indices of the mean absolute rank shift, Saltelli design) over the factors the Monte Carlo varied (each
    with more than one option), "drop" (leave one indicator out, or none: COINr's "exclude" factor) and the weights
    (one of `weight_sets` vectors of multipliers U(1 ± weight_noise) per indicator, the first one none)."""
    factors = [Factor(f, names) for f, names in uncertainty.options.items() if len(names) > 1]
    if drop_one:
        factors.append(Factor("drop", [None, *engine.indicators]))
    rng = np.random.default_rng(seed)
    sets = np.vstack([np.ones(len(engine.indicators)),
                      rng.uniform(1 - weight_noise, 1 + weight_noise, size=(weight_sets - 1, len(engine.indicators)))])
    if weight_noise > 0:
        factors.append(Factor("weight_noise", list(range(weight_sets))))
    nominal = Choice.nominal(engine.spec)

    def model(choice: dict[str, object]) -> np.ndarray:
        picked = {f: choice.get(f, getattr(nominal, f)) for f in FACTORS}
        c = Choice(**picked, drop=choice.get("drop"))  # type: ignore[arg-type]
        scores = engine.build(c, sets[int(choice.get("weight_noise", 0))][:, None])[0][:, 0]  # type: ignore[call-overload]
        return _rank_rows(scores[None, :])[0]

    if not factors:
        raise InputError("nothing varies: no factor has more than one option", where="composite_sensitivity")
    return sobol_sensitivity(model, factors, composite_ranks(uncertainty.nominal), n_base, seed)
