"""Composite indices per service, with an uncertainty and sensitivity analysis.

The steps follow the OECD/JRC Handbook on Constructing Composite Indicators (Nardo et al., OECD 2008) and the
R package COINr: orient the indicators (higher = better), optionally impute missing values, normalise onto a
common scale, weight, aggregate. `monte_carlo` rebuilds the composite under alternative choices and random
weights (the handbook's uncertainty analysis) and reports rank intervals and the share of the rank
variance each choice explains (its sensitivity analysis).

Each step is a pure, vectorised function registered by name in TREAT (outliers), IMPUTE, NORMALISE, WEIGHT or
AGGREGATE (compensatory means, and the non-compensatory Copeland and benefit-of-the-doubt methods); a composite has one
level (indicators → index) or two (indicators → domains → index). Frames are units × indicators; rank 1 is the best,
ties share the best rank. Modules: registry, treat, impute, normalise, weights, aggregate, noncompensatory, build (the
engine), uncertainty (Monte Carlo), sensitivity (Sobol' indices), coherence (the statistical audit).
"""

from jstbench.stats.composite import noncompensatory, treat  # noqa: F401  (register their methods)
from jstbench.stats.composite.aggregate import arithmetic, geometric
from jstbench.stats.composite.build import (
    Built,
    Choice,
    CompositeSpec,
    Domain,
    Engine,
    check_method,
    composite_ranks,
    composite_scores,
    orient,
)
from jstbench.stats.composite.impute import impute_mean, impute_median, impute_none
from jstbench.stats.composite.normalise import distance_to_target, goalposts, minmax, rank, zscore
from jstbench.stats.composite.registry import AGGREGATE, FACTORS, IMPUTE, NORMALISE, RESIDUAL, TREAT, WEIGHT, register
from jstbench.stats.composite.uncertainty import Uncertainty, composite_sensitivity, monte_carlo
from jstbench.stats.composite.weights import equal_weights, expert_weights, pca_weights

__all__ = ["AGGREGATE", "FACTORS", "IMPUTE", "NORMALISE", "RESIDUAL", "TREAT", "WEIGHT", "Built", "Choice", "CompositeSpec",
           "Domain", "Engine", "Uncertainty", "arithmetic", "check_method", "composite_ranks", "composite_scores",
           "composite_sensitivity", "distance_to_target", "equal_weights", "expert_weights", "geometric", "goalposts",
           "impute_mean", "impute_median", "impute_none", "minmax", "monte_carlo", "orient", "pca_weights", "rank",
           "register", "zscore"]
