"""Composite indices per service, with an uncertainty and sensitivity analysis.

The steps follow the OECD/JRC Handbook on Constructing Composite Indicators (Nardo et al., OECD 2008) and the
R package COINr: orient the indicators (higher = better), optionally impute missing values, normalise onto a
common scale, weight, aggregate. `monte_carlo` rebuilds the composite under alternative choices and random
weights (the handbook's uncertainty analysis) and reports rank intervals and the share of the rank
variance each choice explains (its sensitivity analysis).

Each step is a pure, vectorised function registered by name in NORMALISE, IMPUTE, WEIGHT or AGGREGATE.
Frames are units × indicators; rank 1 is the best, ties share the best rank.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from jstbench.compare.measures import distance_to_range
from jstbench.core.errors import InputError

NORMALISE: dict[str, Callable] = {}
IMPUTE: dict[str, Callable] = {}
WEIGHT: dict[str, Callable] = {}
AGGREGATE: dict[str, Callable] = {}
FACTORS = {"normalise": NORMALISE, "weights": WEIGHT, "aggregate": AGGREGATE, "impute": IMPUTE}
RESIDUAL = "interactions/residual"


def register(table: dict[str, Callable], name: str) -> Callable[[Callable], Callable]:
    def deco(fn: Callable) -> Callable:
        table[name] = fn
        return fn

    return deco


def _values(x) -> np.ndarray:
    return x.to_numpy(dtype=float) if isinstance(x, pd.DataFrame) else np.asarray(x, dtype=float)


def _like(x, values: np.ndarray):
    """values shaped like x: a frame with x's labels if x is a frame, else the array."""
    return pd.DataFrame(values, index=x.index, columns=x.columns) if isinstance(x, pd.DataFrame) else values


def _column_stats(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample standard deviation (ddof=1) per column, NaN left out (NaN where undefined)."""
    n = (~np.isnan(v)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nansum(v, axis=0) / n
        sd = np.sqrt(np.nansum((v - mean) ** 2, axis=0) / (n - 1))
    return mean, sd


# --- normalisation: oriented values (higher = better) onto a common scale -------------------------------------


@register(NORMALISE, "minmax")
def minmax(x):
    """(x − min) / (max − min) · 100 per column, NaN ignored; a constant column gets 50 (it orders no one)."""
    v = _values(x)
    lo, hi = np.fmin.reduce(v, axis=0), np.fmax.reduce(v, axis=0)
    spread = hi - lo
    return _like(x, (v - lo) / np.where(spread > 0, spread, np.inf) * 100 + np.where(spread > 0, 0.0, 50.0))


@register(NORMALISE, "zscore")
def zscore(x):
    """(x − mean) / standard deviation (ddof=1) per column, NaN ignored; a constant column gets 0 (its mean)."""
    v = _values(x)
    mean, sd = _column_stats(v)
    constant = np.fmax.reduce(v, axis=0) == np.fmin.reduce(v, axis=0)  # exact: a rounding sd of 1e-17 must not count
    return _like(x, (v - mean) / np.where((sd > 0) & ~constant, sd, np.inf))


@register(NORMALISE, "rank")
def rank(x):
    """Average rank per column (ties share the mean rank) scaled to 0–100: (rank − 1) / (n − 1) · 100.

    NaN stay NaN and are not counted in n; a column with a single value gets 50, as in min-max."""
    v = _values(x)
    n = (~np.isnan(v)).sum(axis=0)
    r = rankdata(v, method="average", axis=0, nan_policy="omit")
    return _like(x, (r - 1) / np.where(n > 1, n - 1, np.inf) * 100 + np.where(n > 1, 0.0, 50.0))


@register(NORMALISE, "distance_to_target")
def distance_to_target(x, target=None):
    """Distance to a reference on the ratio scale, 100 at the target (Handbook 2008, Part 2, "distance to a
    reference"): per column, 100 · x / target when the target is positive (higher-better values), and
    100 · target / x when it is negative (lower-better values are oriented, i.e. negated: this is
    100 · best cost / own cost, so a unit twice as costly as the leader gets 50). Bounded for positive data.
    A target of 0 (a target-range indicator, whose best oriented value is 0) has no ratio scale: the shortfall is
    then measured against target − min, COINr's n_dist2targ: 100 · (x − min) / (target − min).
    target: one value per column (a dict by indicator for a frame); default the column maximum (the leader)."""
    v = _values(x)
    if target is None:
        t = np.fmax.reduce(v, axis=0)
    elif isinstance(target, dict) and isinstance(x, pd.DataFrame):
        missing = [c for c in x.columns if c not in target]
        if missing:
            raise InputError(f"no target for indicator(s) {missing}", where="distance_to_target")
        t = np.array([target[c] for c in x.columns], dtype=float)
    else:
        t = np.asarray(target, dtype=float)
    t = np.broadcast_to(t, v.shape[1:])
    lo = np.fmin.reduce(v, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(t > 0, v / t, t / v)
        shortfall = (v - lo) / np.where(t - lo > 0, t - lo, np.inf) + np.where(t - lo > 0, 0.0, 1.0)
    return _like(x, 100 * np.where(t == 0, shortfall, ratio))


# --- imputation ------------------------------------------------------------------------------------------------


@register(IMPUTE, "none")
def impute_none(x):
    """Leave NaN: aggregation then averages the indicators a unit has (weights renormalised)."""
    return x


@register(IMPUTE, "mean")
def impute_mean(x):
    """Replace NaN by the column mean (a column with no value stays NaN)."""
    v = _values(x)
    return _like(x, np.where(np.isnan(v), _column_stats(v)[0], v))


@register(IMPUTE, "median")
def impute_median(x):
    """Replace NaN by the column median (a column with no value stays NaN)."""
    v = _values(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column
        median = np.nanmedian(v, axis=0)
    return _like(x, np.where(np.isnan(v), median, v))


# --- weights: a Series over indicators summing to 1 --------------------------------------------------------------


@register(WEIGHT, "equal")
def equal_weights(normalised: pd.DataFrame, expert: dict[str, float] | None = None) -> pd.Series:
    return pd.Series(1.0 / normalised.shape[1], index=normalised.columns)


@register(WEIGHT, "expert")
def expert_weights(normalised: pd.DataFrame, expert: dict[str, float] | None = None) -> pd.Series:
    """The given weights of the frame's indicators (others in `expert` are ignored), rescaled to sum to 1."""
    if not expert:
        raise InputError("weights 'expert' need expert_weights", where="CompositeSpec.expert_weights")
    missing = [c for c in normalised.columns if c not in expert]
    if missing:
        raise InputError(f"no expert weight for indicator(s) {missing}", where="CompositeSpec.expert_weights")
    w = pd.Series({c: float(expert[c]) for c in normalised.columns})
    if not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
        raise InputError("expert weights must be finite, ≥ 0 and sum to a positive number", where="CompositeSpec.expert_weights")
    return w / w.sum()


@register(WEIGHT, "pca")
def pca_weights(normalised: pd.DataFrame, expert: dict[str, float] | None = None) -> pd.Series:
    """Squared loadings of the first principal component of the correlation matrix, rescaled to sum to 1.

    A documented simplification of the handbook's PCA weighting (Handbook 2008, Part 2, weights from principal
    components: keep the components with eigenvalue > 1, rotate them, weight each by its explained variance):
    only the first component is used, so the weights are the squared entries of its unit eigenvector, which
    already sum to 1. Correlations are pairwise over units with both values; an undefined one (a constant
    column) counts as 0. The method rewards redundancy: correlated indicators take the weight and one
    independent of the rest gets little or none; with (nearly) uncorrelated indicators the first component,
    and so the weights, are ill-determined."""
    corr = normalised.corr().fillna(0.0).to_numpy()
    np.fill_diagonal(corr, 1.0)
    vectors = np.linalg.eigh(corr)[1]
    return pd.Series(vectors[:, -1] ** 2, index=normalised.columns)


# --- aggregation: one score per unit -------------------------------------------------------------------------------


def _weight_matrix(x, weights) -> np.ndarray:
    if isinstance(x, pd.DataFrame) and isinstance(weights, pd.Series | dict):
        w = pd.Series(weights, dtype=float)
        missing = [c for c in x.columns if c not in w.index]
        if missing:
            raise InputError(f"no weight for indicator(s) {missing}", where="aggregate")
        return w[list(x.columns)].to_numpy()
    return np.asarray(weights, dtype=float)


def _weighted_mean(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Σ w·v / Σ w over each unit's non-missing values; NaN where no weight is left."""
    present = ~np.isnan(v)
    total = present @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.where(present, v, 0.0) @ w) / np.where(total > 0, total, np.nan)


def _per_unit(x, out: np.ndarray):
    return pd.Series(out, index=x.index, name="score") if isinstance(x, pd.DataFrame) else out


@register(AGGREGATE, "arithmetic")
def arithmetic(normalised, weights):
    """Weighted mean over the indicators a unit has (weights renormalised over them).

    weights: per indicator (a Series/dict by indicator for a frame), or a k × m matrix of m weight vectors,
    which gives units × m scores."""
    return _per_unit(normalised, _weighted_mean(_values(normalised), _weight_matrix(normalised, weights)))


@register(AGGREGATE, "geometric")
def geometric(normalised, weights):
    """Weighted geometric mean over the indicators a unit has: exp(Σ w·ln x / Σ w).

    Needs positive values, but min-max and rank put the worst unit at 0 and z-scores are negative. If any
    value is ≤ 0, all values are shifted by one common constant, 1 − min, so that the smallest becomes 1;
    being common, the shift keeps the indicators on their shared normalised scale (min-max data become
    1–101). COINr asks for the same thing in another way: min-max onto [1, 100] before a_gmean. Weights as
    in `arithmetic`."""
    v = _values(normalised)
    low = np.fmin.reduce(v, axis=None)
    shift = 1.0 - low if low <= 0 else 0.0
    return _per_unit(normalised, np.exp(_weighted_mean(np.log(v + shift), _weight_matrix(normalised, weights))))


# --- the composite ------------------------------------------------------------------------------------------------


def _checked(x: pd.DataFrame) -> pd.DataFrame:
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise InputError("no units or no indicators to combine", where="composite")
    try:
        return x.astype(float)
    except (TypeError, ValueError):
        raise InputError("indicator values must be numeric", where="composite") from None


def orient(x: pd.DataFrame, directions: dict[str, str], targets: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Values turned so that higher is better: kept (higher-better), negated (lower-better) or, for a
    target range, minus the distance to [low, high] (0 inside), as `compare.score` does."""
    x = _checked(x)
    out = {}
    for c in x.columns:
        d = directions.get(c)
        if d == "higher-better":
            out[c] = x[c]
        elif d == "lower-better":
            out[c] = -x[c]
        elif d == "target-range":
            if not targets or c not in targets:
                raise InputError(f"target-range indicator {c!r} needs targets[{c!r}] = (low, high)", where="orient")
            low, high = targets[c]
            out[c] = -distance_to_range(x[c], low, high)
        else:
            raise InputError(f"indicator {c!r}: direction must be higher-better, lower-better or target-range, not {d!r}",
                             where="orient")
    return pd.DataFrame(out, index=x.index)


def check_method(factor: str, name: str) -> None:
    if name not in FACTORS[factor]:
        raise InputError(f"unknown {factor} method {name!r}; known: {', '.join(FACTORS[factor])}", where=f"CompositeSpec.{factor}")


@dataclass(frozen=True)
class CompositeSpec:
    """The choices of one composite; min_indicators: the share of indicators a unit needs values for (before
    imputation) to get a score."""

    normalise: str = "minmax"
    weights: str = "equal"
    aggregate: str = "arithmetic"
    impute: str = "none"
    expert_weights: dict[str, float] | None = None
    min_indicators: float = 0.5

    def __post_init__(self):
        for factor in FACTORS:
            check_method(factor, getattr(self, factor))
        if not 0 <= self.min_indicators <= 1:
            raise InputError(f"min_indicators must be a share in [0, 1], not {self.min_indicators}", where="CompositeSpec.min_indicators")


def _enough(oriented: pd.DataFrame, min_indicators: float) -> np.ndarray:
    return oriented.notna().to_numpy().sum(axis=1) >= min_indicators * oriented.shape[1] - 1e-9


def _prepare(oriented: pd.DataFrame, impute: str, normalise: str) -> pd.DataFrame:
    return NORMALISE[normalise](IMPUTE[impute](oriented))


def composite_scores(x: pd.DataFrame, directions: dict[str, str], spec: CompositeSpec,
                     targets: dict[str, tuple[float, float]] | None = None) -> pd.Series:
    """Score per unit: orient → impute → normalise → weight → aggregate; NaN with too few indicators."""
    oriented = orient(x, directions, targets)
    normalised = _prepare(oriented, spec.impute, spec.normalise)
    scores = AGGREGATE[spec.aggregate](normalised, WEIGHT[spec.weights](normalised, spec.expert_weights))
    return scores.where(_enough(oriented, spec.min_indicators)).rename("score")


def composite_ranks(scores: pd.Series) -> pd.Series:
    """1 = best; ties share the best rank; no score, no rank."""
    return scores.rank(ascending=False, method="min").rename("rank")


# --- uncertainty and sensitivity -------------------------------------------------------------------------------------


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
    enough = _enough(oriented, nominal.min_indicators)
    rng = np.random.default_rng(seed)
    codes = {f: rng.integers(len(names), size=runs) for f, names in options.items()}
    noise = rng.uniform(1 - weight_noise, 1 + weight_noise, size=(runs, oriented.shape[1]))
    choices = pd.DataFrame({f: np.asarray(options[f], dtype=object)[c] for f, c in codes.items()})

    scores = np.empty((oriented.shape[0], runs))
    prepared: dict[tuple[str, str], pd.DataFrame] = {}
    for (imp, norm, wts, agg), run in choices.groupby(["impute", "normalise", "weights", "aggregate"]).groups.items():
        if (imp, norm) not in prepared:
            prepared[imp, norm] = _prepare(oriented, imp, norm)
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
