"""A jury's scores in a competition: remove each juror's harshness, total the criteria, and say how certain the
ranking is by resampling the jurors (bootstrap).

Scores are a cube `X[..., juror, entry, criterion]` (NaN: not scored, e.g. a juror's own authority); leading axes
are bootstrap runs. Normalisation methods are pure functions registered by name in NORMALISE (as in
`stats.composite`), each working per juror and criterion so that a harsh or a lenient juror weighs no more than
another, and each returning scores in the scale's points.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from jstbench.core.errors import InputError
from jstbench.stats.composite import register

NORMALISE: dict[str, Callable[[np.ndarray], np.ndarray]] = {}
J, E, C = -3, -2, -1  # axes of the cube: juror, entry, criterion


def _mean(x: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """Mean over `axis` leaving NaN out (NaN where nothing is left), dimensions kept, without warnings."""
    n = (~np.isnan(x)).sum(axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nansum(x, axis=axis, keepdims=True) / n


def juror_spread(x: np.ndarray) -> np.ndarray:
    """The standard deviation (ddof=0) of each juror's scores on each criterion over the entries they scored."""
    m = _mean(x, E)
    return np.sqrt(_mean((x - m) ** 2, E))


@register(NORMALISE, "none")
def none(x: np.ndarray) -> np.ndarray:
    """The scores as given."""
    return np.array(x, dtype=float)


@register(NORMALISE, "centre")
def centre(x: np.ndarray) -> np.ndarray:
    """Per juror and criterion: subtract the juror's mean and add the criterion's grand mean (all scores on it)."""
    x = np.asarray(x, dtype=float)
    return x - _mean(x, E) + _mean(x, (J, E))


@register(NORMALISE, "zscore")
def zscore(x: np.ndarray) -> np.ndarray:
    """Per juror and criterion: standardise, then map back to the criterion's grand mean and typical spread.

    The spread mapped back to is the pooled within-juror SD (root mean of the jurors' variances on the criterion),
    not the SD of all scores, which the differences in harshness being removed would inflate: with it, jurors who
    use the same spread get exactly the centred scores. A juror with zero variance on a criterion (every entry the
    same score, or a single entry) is only centred (see `constant_jurors`)."""
    x = np.asarray(x, dtype=float)
    sd = juror_spread(x)
    scored = ~np.isnan(sd)
    pooled = np.sqrt(_mean(np.where(scored & (sd > 0), sd**2, np.nan), J))
    pooled = np.where(np.isnan(pooled), 0.0, pooled)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(sd > 0, (x - _mean(x, E)) / sd * pooled, x - _mean(x, E))
    return scaled + _mean(x, (J, E))


def constant_jurors(x: np.ndarray) -> np.ndarray:
    """juror × criterion: True where the juror scored the criterion with zero variance (only centred by zscore)."""
    sd = juror_spread(np.asarray(x, dtype=float))[..., 0, :]
    return sd == 0


def totals(adjusted: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per entry: the weighted sum over criteria of the mean over the jurors who scored it (NaN when a criterion of
    the entry has no score). `weights` sum to 1, so a total stays in scale points."""
    means = _mean(adjusted, J)[..., 0, :, :]
    total = (means * np.asarray(weights, dtype=float)).sum(axis=-1)
    return np.where(np.isnan(means).any(axis=-1), np.nan, total)


def ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, 1 = the highest; ties share the best rank; NaN stays NaN (left out of n)."""
    s = np.asarray(scores, dtype=float)
    r = rankdata(np.where(np.isnan(s), np.inf, -s), axis=-1, method="min").astype(float)
    return np.where(np.isnan(s), np.nan, r)


def cube(scores: pd.DataFrame, jurors: list[str], entries: list[str], criteria: list[str]) -> np.ndarray:
    """The long table (juror, entry, criterion, score) as a juror × entry × criterion array (NaN: not scored)."""
    x = np.full((len(jurors), len(entries), len(criteria)), np.nan)
    if len(scores):
        j = pd.Index(jurors).get_indexer(scores["juror"])
        e = pd.Index(entries).get_indexer(scores["entry"])
        c = pd.Index(criteria).get_indexer(scores["criterion"])
        if (j < 0).any() or (e < 0).any() or (c < 0).any():
            raise InputError("scores name a juror, entry or criterion that is not listed")
        x[j, e, c] = scores["score"].to_numpy(dtype=float)
    return x


@dataclass
class Ranking:
    """The outcome of `rank_intervals`.

    table: one row per entry in the order of `places` — entry, total, rank (on all jurors), rank_low, rank_high
    (the rank interval), place, ex_aequo (shares its place with another entry), p_above (the share of runs in which
    the entry above ranks better; NaN for the first), unscored_runs (runs in which no juror scored it).
    adjusted: the normalised scores (juror, entry, criterion, score, adjusted). means: per entry and criterion the
    mean, min and max of the adjusted scores over jurors and the number of jurors. constant: (juror, criterion)
    pairs scored with zero variance. runs: the bootstrap runs."""

    table: pd.DataFrame
    adjusted: pd.DataFrame
    means: pd.DataFrame
    constant: list[tuple[str, str]] = field(default_factory=list)
    runs: int = 0


def normalise(scores: pd.DataFrame, method: str, jurors: list[str], entries: list[str],
              criteria: list[str]) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The scores with a column `adjusted` by `method` (a key of NORMALISE), and the (juror, criterion) pairs with
    zero variance, which zscore only centres."""
    if method not in NORMALISE:
        raise InputError(f"unknown normalisation {method!r}; choose one of {sorted(NORMALISE)}")
    x = cube(scores, jurors, entries, criteria)
    adj = NORMALISE[method](x)
    j, e, c = np.nonzero(~np.isnan(x))
    out = pd.DataFrame({"juror": np.asarray(jurors, dtype=object)[j], "entry": np.asarray(entries, dtype=object)[e],
                        "criterion": np.asarray(criteria, dtype=object)[c], "score": x[j, e, c],
                        "adjusted": adj[j, e, c]})
    flat = constant_jurors(x)
    constant = [(jurors[a], criteria[b]) for a, b in zip(*np.nonzero(flat), strict=True)] if method == "zscore" else []
    return out, constant


def places(boot: np.ndarray, tie_threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Places from bootstrap ranks `boot` (runs × entries, the entries sorted by their total, NaN where an entry was
    not scored in a run), by the leader rule: the first entry heads place 1; each next entry shares the place of the
    current place's head when the head ranks better in fewer than `tie_threshold` of the runs in which both were
    scored (or in none), else it heads a new place, its position. Comparing with the head, not with the entry just
    above, keeps a tie from chaining down the table: A–B and B–C close does not put C level with A. An entry never
    scored gets no place (NaN). Returns (place, ex_aequo, share of runs in which the head ranks better).

    >>> boot = np.array([[1, 2, 3], [2, 1, 3], [1, 3, 2], [1, 2, 3]], dtype=float)
    >>> place, tied, share = places(boot, 0.9)
    >>> place.tolist(), tied.tolist(), share.tolist()
    ([1.0, 1.0, 3.0], [True, True, False], [nan, 0.75, 1.0])
    """
    n = boot.shape[1]
    place, share = np.full(n, np.nan), np.full(n, np.nan)
    tied = np.zeros(n, dtype=bool)
    head = None
    for i in range(n):
        if np.isnan(boot[:, i]).all():
            continue
        if head is not None:
            both = ~np.isnan(boot[:, head]) & ~np.isnan(boot[:, i])
            share[i] = float((boot[both, head] < boot[both, i]).mean()) if both.any() else np.nan
            if not share[i] >= tie_threshold:
                place[i], tied[i], tied[head] = place[head], True, True
                continue
        head, place[i] = i, i + 1
    return place, tied, share


def rank_intervals(scores: pd.DataFrame, weights: dict[str, float], jurors: list[str], entries: list[str],
                   method: str = "zscore", runs: int = 2000, seed: int = 0, level: float = 0.9,
                   tie_threshold: float = 0.9) -> Ranking:
    """Totals, ranks, rank intervals and places of the entries.

    Each of `runs` bootstrap runs draws as many jurors as there are, with replacement (a seeded numpy Generator),
    and recomputes the normalisation, the totals and the ranks; a juror drawn twice counts twice. An entry's rank
    interval is the pair of rank quantiles at (1 − level)/2 and (1 + level)/2 over the runs in which it was scored
    (in a run that drew only jurors who did not score it, its total is NaN and it is left out of that run's ranks;
    `unscored_runs` counts those). Places follow the leader rule of `places`: sorted by the total on all jurors, an
    entry is "ex aequo" with the head of the place above when the head ranks better in fewer than `tie_threshold` of
    the runs in which both were scored; `p_above` is that share."""
    criteria = list(weights)
    w = np.array([weights[c] for c in criteria], dtype=float)
    if not np.isclose(w.sum(), 1.0) or (w <= 0).any():
        raise InputError("criterion weights must be positive and sum to 1")
    if not 0 < level < 1:
        raise InputError(f"level must be between 0 and 1, got {level}")
    if runs < 1:
        raise InputError(f"runs must be at least 1, got {runs}")
    adjusted, constant = normalise(scores, method, jurors, entries, criteria)
    x = cube(scores, jurors, entries, criteria)
    norm = NORMALISE[method]
    total = totals(norm(x), w)
    rank = ranks(total)

    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(jurors), size=(runs, len(jurors)))
    boot = ranks(totals(norm(x[draws]), w))  # runs × entries
    unscored = np.isnan(boot).sum(axis=0)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    low = np.full(len(entries), np.nan)
    high = np.full(len(entries), np.nan)
    for i in range(len(entries)):
        got = boot[~np.isnan(boot[:, i]), i]
        if len(got):
            low[i] = np.quantile(got, lo_q, method="inverted_cdf")
            high[i] = np.quantile(got, hi_q, method="inverted_cdf")

    order = sorted(range(len(entries)), key=lambda i: (np.isnan(total[i]), -np.nan_to_num(total[i]), entries[i]))
    place, tied, share = places(boot[:, order], tie_threshold)
    table = pd.DataFrame({
        "entry": [entries[i] for i in order], "total": total[order], "rank": rank[order], "rank_low": low[order],
        "rank_high": high[order], "place": place, "ex_aequo": tied, "p_above": share,
        "unscored_runs": unscored[order].astype(int)})
    g = adjusted.groupby(["entry", "criterion"], sort=False)["adjusted"]
    means = g.agg(["mean", "min", "max", "count"]).rename(columns={"count": "jurors"}).reset_index()
    return Ranking(table, adjusted, means, constant, runs)
