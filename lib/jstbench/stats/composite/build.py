"""The composite of one cross-section: orient, impute, normalise, weight, aggregate, rank."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jstbench.compare.measures import distance_to_range
from jstbench.core.errors import InputError
from jstbench.stats.composite.registry import AGGREGATE, FACTORS, IMPUTE, NORMALISE, WEIGHT


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


def has_enough(oriented: pd.DataFrame, min_indicators: float) -> np.ndarray:
    return oriented.notna().to_numpy().sum(axis=1) >= min_indicators * oriented.shape[1] - 1e-9


def prepare(oriented: pd.DataFrame, impute: str, normalise: str) -> pd.DataFrame:
    return NORMALISE[normalise](IMPUTE[impute](oriented))


def composite_scores(x: pd.DataFrame, directions: dict[str, str], spec: CompositeSpec,
                     targets: dict[str, tuple[float, float]] | None = None) -> pd.Series:
    """Score per unit: orient → impute → normalise → weight → aggregate; NaN with too few indicators."""
    oriented = orient(x, directions, targets)
    normalised = prepare(oriented, spec.impute, spec.normalise)
    scores = AGGREGATE[spec.aggregate](normalised, WEIGHT[spec.weights](normalised, spec.expert_weights))
    return scores.where(has_enough(oriented, spec.min_indicators)).rename("score")


def composite_ranks(scores: pd.Series) -> pd.Series:
    """1 = best; ties share the best rank; no score, no rank."""
    return scores.rank(ascending=False, method="min").rename("rank")

