"""The composite engine: two levels (indicators → domains → index), effective weights, availability thresholds per
level, leaving one indicator out, outlier treatment and grouped imputation inside a build, goalposts, interval ends,
the Sobol' sensitivity of a composite — hand-computed where a number is asserted."""

import numpy as np
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.stats import composite as c
from jstbench.stats.composite.uncertainty import _column_quantiles

UP = "higher-better"


def lst(values):
    return [None if np.isnan(v) else round(float(v), 4) for v in np.ravel(values)]


@pytest.fixture
def x():
    # minmax: a -> 0, 33.33, 66.67, 100; b -> 100, 66.67, 33.33, 0; c -> 0, 0, 100, 100
    return pd.DataFrame({"a": [0.0, 10, 20, 30], "b": [30.0, 20, 10, 0], "c": [0.0, 0, 10, 10]}, index=list("pqrs"))


def two_levels(**kw) -> c.CompositeSpec:
    domains = (c.Domain("d1", ("a", "b"), weight=2.0), c.Domain("d2", ("c",), weight=1.0))
    return c.CompositeSpec(domains=domains, **kw)


def test_two_levels_by_hand(x):
    built = c.Engine(x, dict.fromkeys(x, UP), two_levels()).nominal()
    # d1 = (a + b) / 2 = 50 for everyone; d2 = c; index = (2 · d1 + 1 · d2) / 3
    assert lst(built.domains["d1"]) == [50.0] * 4
    assert lst(built.domains["d2"]) == [0.0, 0.0, 100.0, 100.0]
    assert lst(built.scores) == [33.3333, 33.3333, 66.6667, 66.6667]
    w = built.weights.set_index("indicator")
    # inside d1 each of a, b has 1/2; d1 has 2/3 of the index: effective 1/3 each; c: 1 × 1/3
    assert lst(w["weight"]) == [0.5, 0.5, 1.0] and lst(w["domain_weight"]) == [0.6667, 0.6667, 0.3333]
    assert lst(w["effective_weight"]) == [0.3333, 0.3333, 0.3333] and w["effective_weight"].sum() == pytest.approx(1)


def test_a_one_level_composite_is_its_single_domain(x):
    spec = c.CompositeSpec()
    built = c.Engine(x, dict.fromkeys(x, UP), spec).nominal()
    assert list(built.domains.columns) == ["all"]
    assert lst(built.scores) == lst(c.composite_scores(x, dict.fromkeys(x, UP), spec))
    # (a + b + c) / 3 = (100 + c) / 3
    assert lst(built.scores) == [33.3333, 33.3333, 66.6667, 66.6667]


def test_availability_thresholds_per_level(x):
    x.loc["q", "b"] = np.nan  # q: d1 has 1 of 2 indicators
    x.loc["r", "c"] = np.nan  # r: d2 has none
    strict = c.Engine(x, dict.fromkeys(x, UP), c.CompositeSpec(
        domains=(c.Domain("d1", ("a", "b"), 2.0, min_indicators=1.0), c.Domain("d2", ("c",))), min_domains=1.0)).nominal()
    assert lst(strict.domains["d1"]) == [50.0, None, 50.0, 50.0]
    assert lst(strict.scores) == [33.3333, None, None, 66.6667]  # q lacks d1, r lacks d2: both domains needed
    lenient = c.Engine(x, dict.fromkeys(x, UP), two_levels(min_domains=0.5)).nominal()
    # q: d1 from a alone (minmax of a is unchanged: 33.33), index (2 · 33.33 + 0) / 3; r: d1 only, weights renormalised
    assert lst(lenient.scores) == [33.3333, 22.2222, 50.0, 66.6667]


def test_leaving_one_indicator_out(x):
    engine = c.Engine(x, dict.fromkeys(x, UP), two_levels())
    index, domains = engine.build(c.Choice("none", "none", "minmax", "equal", "arithmetic", drop="c"))
    assert lst(index) == [50.0] * 4 and np.isnan(domains[:, 1]).all()  # d2 is gone and the index is d1
    index, _ = engine.build(c.Choice("none", "none", "minmax", "equal", "arithmetic", drop="a"))
    # d1 = b: 100, 66.67, 33.33, 0; index = (2 · b + c) / 3
    assert lst(index) == [66.6667, 44.4444, 55.5556, 33.3333]


def test_weight_multipliers_give_one_column_per_vector(x):
    engine = c.Engine(x, dict.fromkeys(x, UP), two_levels())
    noise = np.array([[1.0, 3.0], [1.0, 1.0], [1.0, 1.0]])  # second vector: a weighs 3 times b inside d1
    index, _ = engine.build(c.Choice.nominal(engine.spec), noise)
    # second vector: d1 = (3a + b) / 4 = 25, 41.67, 58.33, 75; index = (2 · d1 + c) / 3
    assert lst(index[:, 0]) == [33.3333, 33.3333, 66.6667, 66.6667]
    assert lst(index[:, 1]) == [16.6667, 27.7778, 72.2222, 83.3333]


def test_spec_and_engine_refuse_inconsistent_structures(x):
    with pytest.raises(InputError, match="domain ids repeat"):
        c.CompositeSpec(domains=(c.Domain("d", ("a",)), c.Domain("d", ("b",))))
    with pytest.raises(InputError, match="has no indicators"):
        c.Domain("d", ())
    with pytest.raises(InputError, match="weight must be finite"):
        c.Domain("d", ("a",), weight=float("inf"))
    with pytest.raises(InputError, match="rank_ties must be average or min"):
        c.CompositeSpec(rank_ties="max")
    with pytest.raises(InputError, match=r"the domains and the indicators differ: \['c'\]"):
        c.Engine(x, dict.fromkeys(x, UP), c.CompositeSpec(domains=(c.Domain("d", ("a", "b")),)))
    with pytest.raises(InputError, match="unknown treat method 'trim'"):
        c.CompositeSpec(treat="trim")


def test_outlier_treatment_inside_the_build_is_logged_and_moves_scores():
    rng = np.random.default_rng(3)
    heavy = np.r_[rng.normal(10, 1, 59), 400.0]  # one extreme point: skew and kurtosis far beyond 2 and 3.5
    x = pd.DataFrame({"cost": heavy, "share": rng.normal(50, 5, 60)}, index=[f"u{i}" for i in range(60)])
    directions = {"cost": "lower-better", "share": UP}
    plain = c.Engine(x, directions, c.CompositeSpec()).nominal()
    treated = c.Engine(x, directions, c.CompositeSpec(treat="winsorise")).nominal()
    assert plain.treated.empty
    log = treated.treated
    assert list(log["unit"]) == ["u59"] and log["original"].iloc[0] == 400.0
    assert log["treated"].iloc[0] == pytest.approx(np.sort(heavy)[-2])  # replaced by the next highest value
    # untreated, the outlier squeezes every other cost to ~100 after min-max; treated, costs spread over 0–100
    assert plain.normalised["cost"].drop("u59").min() > 95
    assert treated.normalised["cost"].min() == 0
    assert not np.allclose(plain.scores, treated.scores)


def test_grouped_imputation_inside_the_build_is_flagged_with_the_group(x):
    x.loc["p", "a"] = np.nan
    groups = pd.Series({"p": "g1", "q": "g1", "r": "g1", "s": "g1"})  # a group needs 3 values to impute from
    built = c.Engine(x, dict.fromkeys(x, UP), c.CompositeSpec(impute="group_median"), groups=groups).nominal()
    assert built.imputed.to_dict("records") == [{"unit": "p", "indicator": "a", "method": "group_median", "source": "g1"}]
    # p's a becomes the median of q, r, s in g1 (10, 20, 30 → 20): min-max over 10–30 gives 50
    assert built.normalised.loc["p", "a"] == pytest.approx(50.0)
    with pytest.raises(InputError, match="needs the units' groups"):
        c.Engine(x, dict.fromkeys(x, UP), c.CompositeSpec(impute="group_median")).nominal()


def test_goalposts_in_the_indicators_own_units(x):
    spec = c.CompositeSpec(normalise="goalposts", goalposts={"a": (0, 40), "b": (0, 40), "c": (0, 20)})
    built = c.Engine(x, {"a": UP, "b": "lower-better", "c": UP}, spec).nominal()
    # a: 100 · a / 40; b (lower-better): 100 · (40 − b) / 40; c: 100 · c / 20
    assert lst(built.normalised["a"]) == [0.0, 25.0, 50.0, 75.0]
    assert lst(built.normalised["b"]) == [25.0, 50.0, 75.0, 100.0]
    assert lst(built.normalised["c"]) == [0.0, 0.0, 50.0, 50.0]
    with pytest.raises(InputError, match="needs goalposts"):
        c.Engine(x, dict.fromkeys(x, UP), c.CompositeSpec(normalise="goalposts")).nominal()


def test_interval_ends_observed_or_interpolated():
    ranks = np.array([1, 1, 2, 2, 2, 3, 3, 4, 5, 9], dtype=float)[:, None]  # the example of the methods page
    median, lo, hi = _column_quantiles(ranks, 0.1, "observed")
    assert (median[0], lo[0], hi[0]) == (2.5, 1.0, 9.0)
    median, lo, hi = _column_quantiles(ranks, 0.1, "interpolated")
    assert (lo[0], hi[0]) == (1.0, pytest.approx(7.2))  # 9 + 0.55 · 9 positions: 5 + 0.55 · (9 − 5)
    with pytest.raises(InputError, match="interval ends must be one of"):
        _column_quantiles(ranks, 0.1, "nearest")


def test_monte_carlo_tries_copeland_only_when_listed(x):
    directions = dict.fromkeys(x, UP)
    default = c.monte_carlo(x, directions, c.CompositeSpec(), runs=40)
    assert "copeland" not in default.options["aggregate"] and "bod" not in default.options["aggregate"]
    listed = c.monte_carlo(x, directions, c.CompositeSpec(), {"aggregate": ["arithmetic", "copeland"]}, runs=40)
    assert set(listed.runs["aggregate"]) == {"arithmetic", "copeland"}


def test_sensitivity_of_a_composite_names_its_factors_and_units(x):
    directions = dict.fromkeys(x, UP)
    spec = two_levels()
    u = c.monte_carlo(x, directions, spec, {"normalise": ["minmax", "rank"]}, runs=40)
    sens = c.composite_sensitivity(c.Engine(x, directions, spec), u, n_base=8)
    assert list(sens.indices["factor"]) == ["normalise", "drop", "weight_noise"]
    assert sens.runs == 8 * (3 + 2)
    assert list(sens.units.index) == list("pqrs")
    assert np.isfinite(sens.indices[["S1", "ST"]].to_numpy()).all()
    # leaving out a whole domain (c) moves ranks most: its total index is the largest
    assert sens.indices.set_index("factor")["ST"].idxmax() == "drop"
