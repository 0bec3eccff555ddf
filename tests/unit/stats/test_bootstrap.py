import math

import numpy as np
import pandas as pd
import pytest

from jstbench.compare import measures as compare
from jstbench.core.errors import InputError
from jstbench.stats.bootstrap import (
    binomial_draws,
    percentile_interval,
    percentile_of,
    share_percentile_intervals,
    survey_draws,
    survey_percentile_interval,
)


def test_percentile_of_with_ties_by_hand():
    scores = np.array([[1.0, 2.0, 2.0, 3.0],    # unit 1 beats 1 of 3 others, ties 1: (1 + .5) / 3
                       [3.0, 2.0, 1.0, 0.0],    # beats 2 of 3
                       [2.0, 2.0, 2.0, 2.0],    # all tied: (0 + 3 / 2) / 3
                       [np.nan, 5.0, 1.0, 9.0],  # NaN left out: beats 1 of 2
                       [1.0, np.nan, 2.0, 3.0]])  # no own score
    p = percentile_of(scores, 1)
    assert p[:4].tolist() == pytest.approx([50.0, 200 / 3, 50.0, 50.0]) and math.isnan(p[4])
    assert percentile_of(scores, 3)[:2].tolist() == [100.0, 0.0]
    assert math.isnan(percentile_of(np.array([[1.0, np.nan]]), 0)[0])  # a group of one


def test_percentile_of_matches_compare_percentile():
    values = [10.0, 30.0, 20.0, 30.0, 5.0]
    expected = compare.percentile(pd.DataFrame({"group": "g", "year": 2024, "indicator": "i", "value": values,
                                                "direction": "higher-better"}))
    got = [percentile_of(np.array([values]), i)[0] for i in range(len(values))]
    assert got == pytest.approx(expected.tolist())


def test_jeffreys_draws_mean_and_spread():
    rng = np.random.default_rng(1)
    draws = binomial_draws(np.array([0, 3, 12]), np.array([12, 12, 12]), 40_000, rng)
    assert draws.shape == (40_000, 3)
    assert draws.mean(axis=0) == pytest.approx(100 * np.array([0.5, 3.5, 12.5]) / 13, abs=0.3)
    assert (draws > 0).all() and (draws < 100).all()  # 0 of 12 is not certainly 0%
    with pytest.raises(InputError):
        binomial_draws(np.array([5]), np.array([4]), 10, rng)
    with pytest.raises(InputError):
        binomial_draws(np.array([0]), np.array([0]), 10, rng)


def test_huge_margin_gives_interval_at_the_top():
    trials = pd.Series(1000, index=list("abcde"))
    successes = pd.Series([990, 100, 150, 200, 120], index=list("abcde"))
    r = share_percentile_intervals(successes, trials, "higher-better").loc["a"]
    assert (r["percentile_lo"], r["percentile_hi"], r["percentile_median"]) == (100.0, 100.0, 100.0)
    assert r["reps"] == 2000 and r["alpha"] == 0.1 and r["n_units"] == 5 and r["trials"] == 1000
    low = share_percentile_intervals(successes, trials, "lower-better").loc["a"]
    assert (low["percentile_lo"], low["percentile_hi"]) == (0.0, 0.0)


def test_identical_samples_give_a_wide_interval():
    units = list("abcde")
    r = share_percentile_intervals(pd.Series(500, index=units), pd.Series(1000, index=units), "higher-better").loc["c"]
    assert r["percentile_lo"] == 0.0 and r["percentile_hi"] == 100.0
    responses = pd.DataFrame({"unit": np.repeat(units, 50), "value": np.tile(np.arange(50.0) % 5, 5)})
    s = survey_percentile_interval(responses, "c", "higher-better")
    assert s["percentile_lo"] == 0.0 and s["percentile_hi"] == 100.0 and s["n_units"] == 5


def test_intervals_widen_when_trials_shrink():
    units = list("abcde")
    shares = np.array([0.40, 0.46, 0.50, 0.54, 0.60])  # the same shares, ever fewer trials
    width = {}
    for n in (50, 500, 50_000):
        r = share_percentile_intervals(pd.Series(shares * n, index=units), pd.Series(n, index=units), "higher-better").loc["c"]
        width[n] = r["percentile_hi"] - r["percentile_lo"]
    assert width[50] > width[500] > width[50_000] == 0.0


def test_units_without_trials_or_with_impossible_counts_are_left_out_and_counted():
    successes = pd.Series({"a": 5, "b": 3, "c": 0, "d": 1, "e": 4, "f": 12, "g": np.nan})
    trials = pd.Series({"a": 10, "b": 10, "c": 0, "d": np.nan, "e": 10, "f": 10, "g": 10})
    r = share_percentile_intervals(successes, trials, "lower-better")
    assert list(r.index) == ["a", "b", "e"] and (r["n_units"] == 3).all()
    assert share_percentile_intervals(successes[["a", "c"]], trials[["a", "c"]], "lower-better").empty
    with pytest.raises(InputError, match="direction"):
        share_percentile_intervals(successes, trials, "target-range")


def test_survey_draws_resample_within_units():
    responses = pd.DataFrame({"unit": ["b"] * 3 + ["a"] * 4, "value": [2.0, 2.0, 2.0, 1.0, 3.0, np.nan, 5.0]})
    units, draws = survey_draws(responses, 500, np.random.default_rng(0))
    assert units == ["a", "b"] and draws.shape == (500, 2)
    assert (draws[:, 1] == 2.0).all()  # every respondent of b answered 2
    assert draws[:, 0].min() >= 1.0 and draws[:, 0].max() <= 5.0 and draws[:, 0].mean() == pytest.approx(3.0, abs=0.15)
    assert len(np.unique(draws[:, 0])) > 3


def test_survey_suppression_below_the_minimum():
    rng = np.random.default_rng(3)
    sizes = {"a": 40, "b": 35, "c": 10, "d": 60, "e": 29}
    responses = pd.DataFrame({"unit": np.repeat(list(sizes), list(sizes.values())), "value": rng.normal(3, 1, sum(sizes.values()))})
    small = survey_percentile_interval(responses, "c", "higher-better")
    assert small == {"unit": "c", "n_respondents": 10, "min_respondents": 30, "n_units": 3, "suppressed": True}
    r = survey_percentile_interval(responses, "a", "higher-better")
    assert not r["suppressed"] and r["n_units"] == 3 and r["n_respondents"] == 40 and "percentile_lo" in r
    assert survey_percentile_interval(responses, "c", "higher-better", min_respondents=10)["n_units"] == 5


def test_determinism_with_the_seed():
    units = list("abcdef")
    successes, trials = pd.Series([3, 4, 5, 6, 7, 8], index=units), pd.Series(20, index=units)
    first = share_percentile_intervals(successes, trials, "higher-better", seed=7)
    pd.testing.assert_frame_equal(share_percentile_intervals(successes, trials, "higher-better", seed=7), first)
    responses = pd.DataFrame({"unit": np.repeat(units, 30), "value": np.random.default_rng(0).normal(size=180)})
    assert survey_percentile_interval(responses, "b", "lower-better", seed=5) == survey_percentile_interval(responses, "b", "lower-better", seed=5)


def test_percentile_interval_on_given_draws():
    draws = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [1.0, 3.0, 2.0], [2.0, 1.0, 3.0]])
    r = percentile_interval(draws, ["a", "b", "c"], "a", "higher-better", alpha=0.5)
    # a's percentiles per replicate: 0, 100, 0, 50 -> sorted 0 0 50 100; 25% -> 0, 50% -> 0, 75% -> 50
    assert (r["percentile_lo"], r["percentile_median"], r["percentile_hi"], r["reps"]) == (0.0, 0.0, 50.0, 4)
