import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jstbench.core.errors import InputError
from jstbench.stats.survey import (
    compare,
    distribution_test,
    effective_n,
    estimate_mean,
    estimate_share,
    estimate_table,
    kish_deff,
    poststratify,
    rake,
    satisfaction_index,
    suppress,
)

STRATA = ("sex", "age_group")


def eight() -> pd.DataFrame:
    """Two respondents in each sex × age cell of one unit; q is a 1–5 answer, one missing."""
    return pd.DataFrame({
        "unit": "U", "wave": "2024",
        "sex": ["K", "K", "K", "M", "M", "M", "K", "M"],
        "age_group": ["18-44", "18-44", "45+", "18-44", "45+", "45+", "45+", "18-44"],
        "q": [1, 2, 3, 4, 5, np.nan, 4, 2.0],
    })


CELLS = pd.DataFrame({"unit": "U", "sex": ["K", "K", "M", "M"], "age_group": ["18-44", "45+", "18-44", "45+"],
                      "population": [100.0, 200.0, 150.0, 50.0]})


def margins(sex=(300.0, 200.0), age=(200.0, 300.0), unit="U") -> pd.DataFrame:
    return pd.DataFrame({"unit": unit, "variable": ["sex", "sex", "age_group", "age_group"],
                         "level": ["K", "M", "18-44", "45+"], "population": [*sex, *age]})


# --- weighting ------------------------------------------------------------------------------------------------


def test_poststratification_weights_by_hand():
    result = poststratify(eight(), CELLS, STRATA)
    # N_cell / n_cell: K 18-44 100/2, K 45+ 200/2, M 18-44 150/2, M 45+ 50/2
    assert result.weights.tolist() == pytest.approx([50, 50, 100, 75, 25, 25, 100, 75])
    report = result.report
    assert report.method == "poststratification" and report.collapsed == [] and report.weight_ratio == 4.0
    group = report.groups.iloc[0]
    assert (group["n"], group["population"]) == (8, 500.0)
    assert group["deff"] == pytest.approx(8 * (2 * 50**2 + 2 * 100**2 + 2 * 75**2 + 2 * 25**2) / 500**2)


def test_raking_reaches_margins_exactly_when_the_sample_is_balanced():
    # equal counts per cell: the raked cell totals are 500 × share(sex) × share(age)
    result = rake(eight(), margins(), STRATA)
    # K 18-44: 500 · .6 · .4 = 120 over 2; K 45+: 180; M 18-44: 80; M 45+: 120
    assert result.weights.tolist() == pytest.approx([60, 60, 90, 40, 60, 60, 90, 40])
    assert result.report.method == "raking" and result.report.converged and result.report.max_misfit <= 1e-8
    # the same margins given as population cells (sums per variable: K 300, M 200, 18-44 250, 45+ 250)
    assert rake(eight(), CELLS, STRATA).weights.tolist() == pytest.approx([75, 75, 75, 50, 50, 50, 75, 50])


def test_each_unit_and_wave_is_weighted_to_its_own_population():
    data = pd.concat([eight(), eight().assign(wave="2025"), eight().assign(unit="V")], ignore_index=True)
    both = pd.concat([margins(), margins(sex=(600.0, 400.0), age=(400.0, 600.0), unit="V")])
    w = rake(data, both, STRATA).weights
    totals = w.groupby([data["unit"], data["wave"]]).sum()
    assert totals.to_dict() == pytest.approx({("U", "2024"): 500, ("U", "2025"): 500, ("V", "2024"): 1000})


def test_an_empty_cell_is_collapsed_with_the_adjacent_age_group_and_reported():
    data = eight()
    data.loc[(data["sex"] == "M") & (data["age_group"] == "45+"), "age_group"] = "18-44"  # no older men left
    result = poststratify(data, CELLS, STRATA)
    assert result.report.collapsed == ["unit U, wave 2024: sex=M: age_group 18-44 + 45+"]
    # the four men share 150 + 50
    assert result.weights[data["sex"] == "M"].tolist() == pytest.approx([50] * 4)
    assert result.weights[data["sex"] == "K"].tolist() == pytest.approx([50, 50, 100, 100])


def test_raking_collapses_an_empty_age_margin():
    young = eight().assign(age_group="18-44")  # unit U has nobody aged 45+; unit V has
    data = pd.concat([young, eight().assign(unit="V")], ignore_index=True)
    result = rake(data, pd.concat([margins(), margins(unit="V")]), STRATA)
    assert result.report.collapsed == ["unit U, wave 2024: age_group 18-44 + 45+"]
    own = data["unit"] == "U"
    assert result.weights[own].groupby(data["sex"]).sum().to_dict() == pytest.approx({"K": 300, "M": 200})


# --- bad inputs -----------------------------------------------------------------------------------------------


def test_margins_with_a_level_the_data_lack():
    cells = pd.concat([CELLS, pd.DataFrame({"unit": "U", "sex": ["K"], "age_group": ["60+"], "population": [10.0]})])
    with pytest.raises(InputError, match=r"age_group: level\(s\) \['60\+'\] in the population margins but in no response"):
        poststratify(eight(), cells, STRATA)


def test_with_the_questionnaire_levels_a_level_nobody_has_is_an_empty_stratum():
    cells = pd.concat([CELLS, pd.DataFrame({"unit": "U", "sex": ["K", "M"], "age_group": ["60+", "60+"],
                                            "population": [10.0, 20.0]})])
    declared = {"sex": ["K", "M"], "age_group": ["18-44", "45+", "60+"]}
    result = poststratify(eight(), cells, STRATA, levels=declared)
    assert result.report.collapsed == ["unit U, wave 2024: sex=K: age_group 45+ + 60+",
                                       "unit U, wave 2024: sex=M: age_group 45+ + 60+"]
    assert result.weights.tolist() == pytest.approx([50, 50, 105, 75, 35, 35, 105, 75])
    with pytest.raises(InputError, match=r"age_group: level\(s\) \['60\+'\] in the population margins but"):
        rake(eight(), cells, STRATA, levels={"sex": ["K", "M"], "age_group": ["18-44", "45+"]})


def test_data_with_a_level_the_margins_lack():
    data = eight()
    data.loc[0, "sex"] = "X"
    with pytest.raises(InputError, match=r"sex: level\(s\) \['X'\] in the responses but not in the population"):
        rake(data, margins(), STRATA)


def test_a_stratum_with_no_respondents_that_cannot_be_collapsed():
    data = eight()[lambda d: d["sex"] == "K"]
    data = pd.concat([data, eight().assign(unit="V")])  # M exists elsewhere, but not in unit U
    both = pd.concat([margins(), margins(unit="V")])
    with pytest.raises(InputError, match=r"unit U, wave 2024: no respondents with sex \['M'\]"):
        rake(data, both, STRATA)
    with pytest.raises(InputError, match=r"unit U, wave 2024 sex=M: no respondents in any of"):
        poststratify(data, pd.concat([CELLS, CELLS.assign(unit="V")]), STRATA)


@pytest.mark.parametrize("bad", [0.0, -5.0, np.nan])
def test_a_zero_negative_or_missing_population(bad):
    cells = CELLS.copy()
    cells.loc[3, "population"] = bad
    with pytest.raises(InputError, match=r"population must be a positive number, got .* for unit=U, sex=M, age_group=45\+"):
        poststratify(eight(), cells, STRATA)


def test_raking_stops_with_a_clear_message_when_it_does_not_converge():
    data = eight()
    data.loc[0, "age_group"] = "45+"  # sex and age no longer independent in the sample: one sweep is not enough
    with pytest.raises(InputError, match=r"raking did not converge within max_iter=1 sweeps"):
        rake(data, margins(), STRATA, max_iter=1)
    assert rake(data, margins(), STRATA, max_iter=100).report.converged


def test_margins_of_different_totals_and_missing_respondent_strata():
    with pytest.raises(InputError, match="margins describe different populations"):
        rake(eight(), margins(sex=(300.0, 300.0)), STRATA)
    data = eight()
    data.loc[2, "sex"] = None
    with pytest.raises(InputError, match=r"1 respondent\(s\) have no 'sex' \(rows 2\)"):
        poststratify(data, CELLS, STRATA)


# --- estimates ------------------------------------------------------------------------------------------------


def test_linearised_mean_by_hand():
    data = eight()
    w = poststratify(data, CELLS, STRATA).weights
    est = estimate_mean(data["q"], w)
    # answered: y 1 2 3 4 5 4 2, w 50 50 100 75 25 100 75; Σw = 475, Σwy = 1425 → mean 3
    # w(y − 3): −100 −50 0 75 50 100 −75, squares sum to 36250; v = 7/6 · 36250 / 475²
    se = math.sqrt(7 / 6 * 36250 / 475**2)
    assert est["estimate"] == pytest.approx(3.0) and est["se"] == pytest.approx(se)
    half = stats.t.ppf(0.975, 6) * se
    assert (est["ci_low"], est["ci_high"]) == pytest.approx((3 - half, 3 + half))
    assert est["n"] == 7
    assert est["deff"] == pytest.approx(7 * 36875 / 475**2) and est["n_eff"] == pytest.approx(475**2 / 36875)


def test_the_variance_credits_post_stratification_by_hand():
    data = eight()
    weighting = poststratify(data, CELLS, STRATA)
    est = estimate_mean(data["q"], weighting)
    # residuals from the cell means (weights equal within a cell): K 18-44 y 1, 2 → ∓0.5 × 50; K 45+ 3, 4 → ∓0.5 × 100;
    # M 18-44 4, 2 → ±1 × 75; M 45+ only 5 answered → 0. Σ (w e)² = 2·25² + 2·50² + 2·75² = 17500
    assert est["estimate"] == pytest.approx(3.0)
    assert est["se"] == pytest.approx(math.sqrt(7 / 6 * 17500 / 475**2))
    assert est["se"] < estimate_mean(data["q"], weighting.weights)["se"]  # fixed weights: 36250 instead of 17500
    assert weighting.classes["cell"].tolist() == [0, 0, 1, 2, 3, 3, 1, 2]


def test_linearised_share_by_hand_and_korn_graubard_at_the_boundary():
    data = eight()
    w = poststratify(data, CELLS, STRATA).weights
    est = estimate_share(data["q"], w, [4, 5])
    p = 200 / 475  # answers 4, 5, 4 with weights 75, 25, 100
    z = np.array([0, 0, 0, 1, 1, 1, 0]) - p
    ww = np.array([50, 50, 100, 75, 25, 100, 75])
    assert est["estimate"] == pytest.approx(p)
    assert est["se"] == pytest.approx(math.sqrt(7 / 6 * ((ww * z) ** 2).sum() / 475**2))
    assert 0 < est["ci_low"] < p < est["ci_high"] < 1
    # 5 of 5 with equal weights: Clopper–Pearson, lower bound 0.025^(1/5), upper 1
    all_yes = estimate_share(pd.Series([4.0, 5, 4, 5, 5]), pd.Series(1.0, index=range(5)), [4, 5])
    assert (all_yes["estimate"], all_yes["se"]) == (1.0, 0.0)
    assert (all_yes["ci_low"], all_yes["ci_high"]) == pytest.approx((0.025 ** (1 / 5), 1.0))
    none = estimate_share(pd.Series([1.0, 2, 1, 2, 3]), pd.Series(1.0, index=range(5)), [4, 5])
    assert (none["ci_low"], none["ci_high"]) == pytest.approx((0.0, 1 - 0.025 ** (1 / 5)))


def test_kish_deff_and_effective_n():
    assert kish_deff([1, 1, 2, 2]) == pytest.approx(4 * 10 / 36)
    assert effective_n([1, 1, 2, 2]) == pytest.approx(3.6)
    assert kish_deff([3, 3, 3]) == pytest.approx(1.0) and effective_n([3, 3, 3]) == pytest.approx(3.0)


def test_satisfaction_index():
    answers = pd.DataFrame({"a": [1, 3, 5, 2.0], "b": [5, np.nan, 5, np.nan], "c": [np.nan, np.nan, 5, 4.0]})
    index = satisfaction_index(answers, ["a", "b", "c"], 1, 5)
    # row 0: (0 + 100) / 2; row 1: one item of three, fewer than half; row 3: (25 + 75) / 2
    assert index.iloc[[0, 2, 3]].tolist() == [50.0, 100.0, 50.0] and math.isnan(index.iloc[1])
    answers.loc[2, "b"] = 7
    with pytest.raises(InputError, match=r"row 2, column b: answer 7.0 is not a number within the scale 1–5"):
        satisfaction_index(answers, ["a", "b", "c"], 1, 5)


def table_data(n_a: int, n_b: int) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"unit": ["A"] * n_a + ["B"] * n_b, "wave": "2024",
                         "q": rng.integers(1, 6, n_a + n_b).astype(float)})
    return data, pd.Series(rng.uniform(0.5, 2, len(data)), index=data.index)


def test_estimate_table_matches_single_estimates_and_suppresses_below_min_n():
    data, w = table_data(9, 10)
    table = estimate_table(data, w, {"q": None}, min_n=10)
    a, b = table.iloc[0], table.iloc[1]
    assert a["unit"] == "A" and a["suppressed"] and all(math.isnan(a[f]) for f in
                                                        ["estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff"])
    assert b["unit"] == "B" and not b["suppressed"] and b["n"] == 10
    single = estimate_mean(data.loc[data["unit"] == "B", "q"], w)
    assert b[list(single)].astype(float).tolist() == pytest.approx(list(single.values()))
    # at min_n − 1 = 9 both are published
    assert not estimate_table(data, w, {"q": None}, min_n=9)["suppressed"].any()


def test_estimate_table_with_a_weighting_matches_single_estimates_per_unit():
    rng = np.random.default_rng(1)
    data = pd.concat([pd.concat([eight()] * 4, ignore_index=True).assign(unit=u) for u in "UV"], ignore_index=True)
    data["q"] = rng.integers(1, 6, len(data)).astype(float)
    data.loc[[40, 41, 42], "age_group"] = "45+"
    weighting = rake(data, pd.concat([margins(), margins(unit="V", sex=(100.0, 400.0))]), STRATA)
    table = estimate_table(data, weighting, {"q": None}, min_n=10).set_index("unit")
    shares = estimate_table(data, weighting, {"q": {"dobrze": [4, 5]}}, min_n=10).set_index("unit")
    for unit in "UV":
        own = data["unit"] == unit
        assert table.loc[unit, "se"] == pytest.approx(estimate_mean(data.loc[own, "q"], weighting)["se"])
        assert shares.loc[unit, "ci_low"] == pytest.approx(estimate_share(data.loc[own, "q"], weighting, [4, 5])["ci_low"])


def test_estimate_table_shares_per_category():
    data, w = table_data(12, 15)
    table = estimate_table(data, w, {"q": {"dobrze": [4, 5], "źle": [1, 2]}})
    assert table[["unit", "category"]].values.tolist() == [["A", "dobrze"], ["B", "dobrze"], ["A", "źle"], ["B", "źle"]]
    mask = data["unit"] == "A"
    expected = estimate_share(data.loc[mask, "q"], w, [1, 2])
    assert table.iloc[2]["estimate"] == pytest.approx(expected["estimate"])
    assert table.iloc[2]["ci_low"] == pytest.approx(expected["ci_low"])


def test_suppress_any_table_with_n():
    chart = pd.DataFrame({"year": [2023, 2024, 2025], "n": [12, 11, np.nan], "share": [0.4, 0.5, 0.6]})
    out = suppress(chart, 12, keep=["year"])
    assert out["suppressed"].tolist() == [False, True, True]
    assert out["year"].tolist() == [2023, 2024, 2025]  # kept keys
    assert out.loc[0, "share"] == 0.4 and out.loc[1:, ["n", "share"]].isna().all().all()
    with pytest.raises(InputError, match="integer ≥ 2"):
        suppress(chart, 1)


# --- comparisons ----------------------------------------------------------------------------------------------


def test_compare_two_independent_estimates_by_hand():
    out = compare({"estimate": 3.4, "se": 0.1}, {"estimate": 3.1, "se": 0.2})
    se = math.sqrt(0.1**2 + 0.2**2)
    assert out["difference"] == pytest.approx(0.3) and out["se"] == pytest.approx(se)
    assert out["z"] == pytest.approx(0.3 / se) and out["p_value"] == pytest.approx(2 * stats.norm.sf(0.3 / se))
    assert not out["significant"]  # z = 1.34
    assert compare({"estimate": 3.6, "se": 0.1}, {"estimate": 3.1, "se": 0.1})["significant"]  # z = 3.54
    with pytest.raises(InputError, match="estimate b is suppressed"):
        compare({"estimate": 3.4, "se": 0.1}, {"estimate": np.nan, "se": np.nan, "suppressed": True})


def test_rao_scott_across_two_authorities():
    data = pd.DataFrame({"unit": ["A"] * 40 + ["B"] * 40,
                         "q": [1] * 10 + [2] * 10 + [3] * 20 + [1] * 20 + [2] * 12 + [3] * 8})
    equal = pd.Series(1.0, index=data.index)
    out = distribution_test(data, equal, "q")
    # equal weights, independent samples: the first-order statistic is Pearson's
    assert out["chisq"] == pytest.approx(stats.chi2_contingency(pd.crosstab(data["unit"], data["q"]), correction=False)[0])
    assert out["df"] == 2 and out["n"] == 80 and out["p_value_f"] < 0.05
    same = pd.DataFrame({"unit": ["A"] * 30 + ["B"] * 30, "q": ([1] * 10 + [2] * 20) * 2})
    assert distribution_test(same, pd.Series(1.0, index=same.index), "q")["p_value_f"] > 0.99
    with pytest.raises(InputError, match=r"group\(s\) \['B'\] of 'unit' have fewer than 10 answers"):
        distribution_test(data.iloc[:49], equal, "q")


# --- coverage -------------------------------------------------------------------------------------------------

AGES = ["18-29", "30-44", "45-59", "60+"]


def population(rng: np.random.Generator, size: int = 20_000) -> pd.DataFrame:
    """Answers 1–5 that rise with age (and are higher for women); older people and women respond more often."""
    sex = rng.choice(["K", "M"], size, p=[0.53, 0.47])
    age = rng.choice(AGES, size, p=[0.2, 0.27, 0.25, 0.28])
    base = np.where(sex == "K", 0.2, 0.0) + pd.Series(age).map(dict(zip(AGES, [0, 0.3, 0.6, 1.0], strict=True))).to_numpy()
    y = np.clip(np.round(1.8 + base + rng.normal(0, 1.2, size)), 1, 5)
    propensity = np.where(sex == "K", 1.4, 0.8) * pd.Series(age).map(dict(zip(AGES, [0.4, 0.7, 1.0, 1.6], strict=True))).to_numpy()
    return pd.DataFrame({"unit": "U", "wave": "1", "sex": sex, "age_group": age, "y": y, "propensity": propensity})


def test_coverage_of_the_raked_interval_and_undercoverage_without_weights():
    rng = np.random.default_rng(2026)
    pop = population(rng)
    truth = pop["y"].mean()
    cells = pop.groupby(list(STRATA), as_index=False).size().rename(columns={"size": "population"}).assign(unit="U")
    p = 400 * pop["propensity"] / pop["propensity"].sum()
    weighted = unweighted = 0
    reps = 300
    for _ in range(reps):
        sample = pop[rng.random(len(pop)) < p]
        est = estimate_mean(sample["y"], rake(sample, cells, STRATA))
        flat = estimate_mean(sample["y"], pd.Series(1.0, index=sample.index))
        weighted += est["ci_low"] <= truth <= est["ci_high"]
        unweighted += flat["ci_low"] <= truth <= flat["ci_high"]
    assert 0.92 <= weighted / reps <= 0.98
    assert unweighted / reps < 0.5  # the respondents are older than the population: biased without weights


def test_bad_estimation_inputs():
    data, w = table_data(12, 12)
    bad = w.copy()
    bad.iloc[3] = 0.0
    with pytest.raises(InputError, match="weights must be positive numbers; respondent 3 has 0.0"):
        estimate_table(data, bad, {"q": None})
    with pytest.raises(InputError, match=r"no weight for 1 respondent\(s\) \(first: 23\)"):
        estimate_mean(data["q"], w.iloc[:-1])
    with pytest.raises(InputError, match="at least 2 answers are needed"):
        estimate_mean(pd.Series([4.0, np.nan]), pd.Series([1.0, 1.0]))
    data["q"] = data["q"].astype(object)
    data.loc[5, "q"] = "dobrze"
    with pytest.raises(InputError, match="row 5, column q: answer 'dobrze' is not a number code"):
        estimate_table(data, w, {"q": None})
