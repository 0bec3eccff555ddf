"""Composite indices per service, with an uncertainty and sensitivity analysis.

The steps follow the OECD/JRC Handbook on Constructing Composite Indicators (Nardo et al., OECD 2008) and the
R package COINr: orient the indicators (higher = better), optionally impute missing values, normalise onto a
common scale, weight, aggregate. `monte_carlo` rebuilds the composite under alternative choices and random
weights (the handbook's uncertainty analysis) and reports rank intervals and the share of the rank
variance each choice explains (its sensitivity analysis).

Each step is a pure, vectorised function registered by name in NORMALISE, IMPUTE, WEIGHT or AGGREGATE.
Frames are units × indicators; rank 1 is the best, ties share the best rank.
"""

from jstbench.stats.composite.aggregate import arithmetic, geometric
from jstbench.stats.composite.build import CompositeSpec, check_method, composite_ranks, composite_scores, orient
from jstbench.stats.composite.impute import impute_mean, impute_median, impute_none
from jstbench.stats.composite.normalise import distance_to_target, minmax, rank, zscore
from jstbench.stats.composite.registry import AGGREGATE, FACTORS, IMPUTE, NORMALISE, RESIDUAL, WEIGHT, register
from jstbench.stats.composite.uncertainty import Uncertainty, monte_carlo
from jstbench.stats.composite.weights import equal_weights, expert_weights, pca_weights

__all__ = ["AGGREGATE", "FACTORS", "IMPUTE", "NORMALISE", "RESIDUAL", "WEIGHT", "CompositeSpec", "Uncertainty", "arithmetic",
           "check_method", "composite_ranks", "composite_scores", "distance_to_target", "equal_weights", "expert_weights",
           "geometric", "impute_mean", "impute_median", "impute_none", "minmax", "monte_carlo", "orient", "pca_weights", "rank",
           "register", "zscore"]
