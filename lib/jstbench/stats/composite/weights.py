"""Weights: a Series over indicators summing to 1."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jstbench.core.errors import InputError
from jstbench.stats.composite.registry import WEIGHT, register


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

