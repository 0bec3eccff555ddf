import math

import numpy as np
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.stats.composite.coherence import INDEX, LEVELS, audit, cronbach, principal_components

# three items over four units (the hand-computed example of the alpha and corrected item-total tests)
X1, X2, X3 = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 4.0, 6.0], [1.0, 1.0, 3.0, 3.0]


def small() -> pd.DataFrame:
    return pd.DataFrame({"x1": X1, "x2": X2, "x3": X3})


def composite(x: pd.DataFrame, domains: dict[str, list[str]]) -> tuple[pd.DataFrame, pd.Series]:
    """Domain scores as the mean of the indicators a unit has; the index as the mean of the domain scores."""
    scores = pd.DataFrame({d: x[m].mean(axis=1) for d, m in domains.items()})
    return scores, scores.mean(axis=1)


def two_domains(n: int = 40, seed: int = 3) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Domains A (three indicators) and C (four), each driven by its own factor; c4 is oriented the wrong way round.

    (With three, the rest of c1 would be the mean of c2 and the reversed c3, about noise.)"""
    rng = np.random.default_rng(seed)
    f, g = rng.normal(size=n), rng.normal(size=n)
    x = pd.DataFrame({"a1": f, "a2": f, "a3": f, "c1": g, "c2": g, "c3": g, "c4": -g}) + rng.normal(scale=0.5, size=(n, 7))
    return x, {"A": ["a1", "a2", "a3"], "C": ["c1", "c2", "c3", "c4"]}


# --- Cronbach's alpha ---------------------------------------------------------------------------------------------


def test_cronbach_hand_computed():
    # sample variances (ddof 1): x1 dev -1.5 -.5 .5 1.5 -> 5/3; x2 dev -2 0 0 2 -> 8/3; x3 dev -1 -1 1 1 -> 4/3; sum 17/3
    # total 4 7 10 13: dev -4.5 -1.5 1.5 4.5 -> 45/3 = 15 (= 17/3 + 2 * (cov12 2 + cov13 4/3 + cov23 4/3))
    # raw alpha = 3/2 * (1 - (17/3) / 15) = 3/2 * 28/45 = 14/15
    # r12 = 2 / sqrt(5/3 * 8/3) = 6/sqrt(40), r13 = (4/3) / sqrt(5/3 * 4/3) = 4/sqrt(20),
    # r23 = (4/3) / sqrt(8/3 * 4/3) = 4/sqrt(32)
    rbar = (6 / math.sqrt(40) + 4 / math.sqrt(20) + 4 / math.sqrt(32)) / 3
    x = pd.concat([small(), pd.DataFrame({"x1": [9.0], "x2": [1.0], "x3": [np.nan]})], ignore_index=True)  # incomplete: left out
    out = cronbach(x).set_index("dropped", drop=False)
    whole = out.iloc[0]
    assert whole["dropped"] is None and whole["n"] == 4 and whole["k"] == 3
    assert whole["alpha_raw"] == pytest.approx(14 / 15)
    assert whole["alpha_std"] == pytest.approx(3 * rbar / (1 + 2 * rbar))
    # without x3: variances 5/3 + 8/3 = 13/3, total 13/3 + 2 * 2 = 25/3 -> 2 * (1 - 13/25) = 24/25; standardised 2r/(1 + r)
    r12 = 6 / math.sqrt(40)
    assert out.loc["x3", "alpha_raw"] == pytest.approx(24 / 25)
    assert out.loc["x3", "alpha_std"] == pytest.approx(2 * r12 / (1 + r12))
    assert out.loc["x3", "k"] == 2 and out.loc["x3", "n"] == 4  # the same units as the whole


def test_alpha_formulas_on_random_data():
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.normal(size=(50, 4)) + rng.normal(size=(50, 1)), columns=list("abcd"))
    k = 4
    expected = k / (k - 1) * (1 - x.var().sum() / x.sum(axis=1).var())
    r = x.corr().to_numpy()
    rbar = r[np.triu_indices(k, 1)].mean()
    out = cronbach(x).iloc[0]
    assert out["alpha_raw"] == pytest.approx(expected)
    assert out["alpha_std"] == pytest.approx(k * rbar / (1 + (k - 1) * rbar))
    # the standardised alpha is the raw alpha of the z-scored items
    assert cronbach((x - x.mean()) / x.std()).iloc[0]["alpha_raw"] == pytest.approx(out["alpha_std"])
    # "alpha if item deleted" is the alpha of the other items
    assert cronbach(x).iloc[1]["alpha_raw"] == pytest.approx(cronbach(x[["b", "c", "d"]]).iloc[0]["alpha_raw"])


def test_cronbach_undefined_cases():
    assert cronbach(small()[["x1"]])[["alpha_raw", "alpha_std"]].isna().all().all()  # one item
    few = cronbach(small(), min_units=5)  # 4 complete units < 5
    assert few[["alpha_raw", "alpha_std"]].isna().all().all() and (few["n"] == 4).all()


# --- correlations -------------------------------------------------------------------------------------------------


def test_corrected_item_total_hand_computed():
    x = small()
    scores, index = composite(x, {"D": ["x1", "x2", "x3"]})
    c = audit(x, {"D": ["x1", "x2", "x3"]}, scores, index, min_pairs=3).correlations
    row = c[(c["level"] == "indicator-domain") & (c["a"] == "x3")].iloc[0]
    # rest of x3 = mean(x1, x2) = 1.5 3 3.5 5, dev -1.75 -.25 .25 1.75; x3 dev -1 -1 1 1
    # corrected r = (1.75 + .25 + .25 + 1.75) / sqrt(4 * 6.25) = 4 / 5
    assert row["pearson_corrected"] == pytest.approx(0.8) and row["n_corrected"] == 4
    # with the domain (which holds x3): cov(x3, total) = 4/3 * 3 = 4, sd(x3) * sd(total) = sqrt(4/3 * 15) -> 4 / sqrt(20)
    assert row["pearson"] == pytest.approx(4 / math.sqrt(20))
    # Spearman: x3 ranks 1.5 1.5 3.5 3.5, rest ranks 1 2 3 4 -> 4 / sqrt(4 * 5)
    assert row["spearman_corrected"] == pytest.approx(4 / math.sqrt(20))
    assert set(c["level"]) == {"indicator-indicator", "indicator-domain", "indicator-index", "domain-index"}
    assert set(c["level"]) <= set(LEVELS)


def test_correlation_table_levels_and_pairwise_nan():
    x, domains = two_domains()
    x.loc[:9, "a1"] = np.nan  # 30 of 40 units left for a1
    scores, index = composite(x, domains)
    c = audit(x, domains, scores, index).correlations
    pair = c[(c["a"] == "a1") & (c["b"] == "c2")].iloc[0]
    both = x[["a1", "c2"]].dropna()
    assert pair["level"] == "indicator-indicator" and not pair["within"] and pair["n"] == 30
    assert pair["pearson"] == pytest.approx(both["a1"].corr(both["c2"]))
    assert pair["spearman"] == pytest.approx(both["a1"].corr(both["c2"], method="spearman"))
    counts = c.groupby("level").size()
    # 7 indicators: 21 pairs; 7 x 2 indicator-domain; 7 with the index; 1 domain pair; 2 domains with the index
    assert counts.to_dict() == {"domain-domain": 1, "domain-index": 2, "indicator-domain": 14, "indicator-index": 7,
                                "indicator-indicator": 21}
    # corrected versions only for an indicator and its own domain
    own = (c["level"] == "indicator-domain") & c["within"]
    assert c.loc[own, "pearson_corrected"].notna().all() and c.loc[~own, "pearson_corrected"].isna().all()
    assert c.loc[(c["level"] == "indicator-index"), "b"].eq(INDEX).all()


def test_too_few_pairs_give_nan_and_no_flag():
    x, domains = two_domains()
    x["a4"] = -x["a1"]  # perfectly reversed, and perfectly (anti)correlated with a1 ...
    x.loc[4:, "a4"] = np.nan  # ... but only 4 units have it
    domains["A"].append("a4")
    scores, index = composite(x, domains)
    out = audit(x, domains, scores, index, min_pairs=10)
    c = out.correlations
    rows = c[(c["a"] == "a4") | (c["b"] == "a4")]
    assert (rows["n"] <= 4).all() and rows[["pearson", "spearman", "pearson_corrected"]].isna().all().all()
    assert "a4" not in set(out.flags["a"]) | set(out.flags["b"].dropna())
    # alpha and components of A need the 4 complete units: NaN, so no alpha or PCA flag for A
    a = out.alpha[(out.alpha["group"] == "A") & out.alpha["dropped"].isna()].iloc[0]
    assert a["n"] == 4 and math.isnan(a["alpha_raw"])
    assert not ((out.flags["level"] == "domain") & (out.flags["a"] == "A")).any()
    assert out.pca.set_index("group").loc["A", "kaiser"] is pd.NA


# --- flags --------------------------------------------------------------------------------------------------------


def test_negatively_oriented_indicator_is_flagged():
    x, domains = two_domains()
    x["a2"] = x["a1"] + np.linspace(-0.1, 0.1, len(x))  # a near copy of a1
    scores, index = composite(x, domains)
    flags = audit(x, domains, scores, index).flags
    negative = flags[flags["code"].str.startswith("negative")]
    assert set(zip(negative["code"], negative["a"], negative["b"], strict=True)) >= {("negative-domain", "c4", "C")}
    assert set(negative["a"]) == {"c4"}
    msg = negative.loc[negative["code"] == "negative-domain", "message"].iloc[0]
    r = negative.loc[negative["code"] == "negative-domain", "value"].iloc[0]
    assert r < -0.5 and "c4" in msg and "domeny C" in msg and f"{abs(r):.2f}".replace(".", ",") in msg
    # its domain's alpha suffers, and leaving c4 out restores it
    alpha = audit(x, domains, scores, index).alpha.set_index(["group", "dropped"], drop=False)
    whole = alpha[(alpha["group"] == "C") & alpha["dropped"].isna()].iloc[0]
    assert whole["alpha_raw"] < 0.7 < alpha.loc[("C", "c4"), "alpha_raw"]
    assert ("low-alpha", "C") in set(zip(flags["code"], flags["a"], strict=True))
    # the near copy is redundant; indicators sharing a factor with noise of half its sd (r about 0.8) are not
    redundant = flags[flags["code"] == "redundant"]
    assert list(zip(redundant["a"], redundant["b"], strict=True)) == [("a1", "a2")]
    assert (redundant["value"] > 0.9).all() and redundant["message"].str.contains("redundancja").all()


def test_weak_and_thresholds_are_parameters():
    x, domains = two_domains()
    scores, index = composite(x, domains)
    # every indicator correlates with the index at about 0.7 in absolute value: weak only with a high bar
    weak = audit(x, domains, scores, index, weak=0.99).flags
    assert {"a1", "a2", "a3", "c1", "c2", "c3"} <= set(weak.loc[weak["code"] == "weak-index", "a"])
    assert (weak.loc[weak["code"] == "weak-index", "threshold"] == 0.99).all()
    lenient = audit(x, domains, scores, index, redundant=1.0, min_alpha=-math.inf).flags
    assert not lenient["code"].isin(["redundant", "low-alpha"]).any()


# --- principal components -----------------------------------------------------------------------------------------


def test_principal_components_of_two_items():
    # r = 6 / sqrt(40) (see the alpha test): eigenvalues 1 + r, 1 - r; first eigenvector (1, 1) / sqrt(2)
    r = 6 / math.sqrt(40)
    values, first, n = principal_components(small()[["x1", "x2"]])
    assert n == 4 and values == pytest.approx([1 + r, 1 - r]) and first == pytest.approx([2**-0.5, 2**-0.5])


def test_principal_components_match_numpy_and_sum_to_k():
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.normal(size=(60, 5)) + rng.normal(size=(60, 1)), columns=list("abcde"))
    values, first, _ = principal_components(x)
    assert values == pytest.approx(np.sort(np.linalg.eigvalsh(np.corrcoef(x.to_numpy(), rowvar=False)))[::-1])
    assert values.sum() == pytest.approx(5) and (np.diff(values) <= 0).all()
    # the sign convention: the first eigenvector sums to a positive number, whatever the sign eigh returns
    flipped = principal_components(-x)[1]
    assert first.sum() > 0 and flipped == pytest.approx(first)


def test_pca_tables():
    x, domains = two_domains()
    scores, index = composite(x, domains)
    out = audit(x, domains, scores, index)
    pca = out.pca.set_index("group")
    assert list(pca.index) == ["A", "C", INDEX] and pca.loc[INDEX, "k"] == 7
    assert out.eigenvalues.groupby("group")["eigenvalue"].sum().to_dict() == pytest.approx({"A": 3.0, "C": 4.0, INDEX: 7.0})
    # two independent factors over all seven indicators: two eigenvalues > 1, one per domain
    assert pca.loc[INDEX, "kaiser"] == 2 and pca.loc["A", "kaiser"] == 1
    loadings = out.loadings.set_index(["group", "item"])["loading"]
    assert loadings["C", "c4"] < 0 < loadings["C", "c1"]  # the reversed indicator runs against its domain
    # a loading is the correlation with the first component: squared, they sum to the first eigenvalue
    first = out.eigenvalues.query("group == 'A' and component == 1")["eigenvalue"].iloc[0]
    assert (loadings["A"] ** 2).sum() == pytest.approx(first)


def test_pca_flags_on_a_two_dimensional_domain():
    x, _ = two_domains()
    x = x[["a1", "a2", "c1", "c2"]]
    domains = {"M": ["a1", "a2", "c1", "c2"]}  # two unrelated pairs in one domain
    scores, index = composite(x, domains)
    flags = audit(x, domains, scores, index).flags.set_index("code")
    assert flags.loc["multidimensional", "a"] == "M" and flags.loc["multidimensional", "value"] == 2
    assert flags.loc["low-pc1-share", "value"] < 0.6 and "składowa" in flags.loc["low-pc1-share", "message"]


# --- shapes and inputs --------------------------------------------------------------------------------------------


def test_one_domain_composite():
    x, _ = two_domains()
    x = x[["a1", "a2", "a3"]]
    domains = {"all": ["a1", "a2", "a3"]}
    scores, index = composite(x, domains)
    out = audit(x, domains, scores, index)
    assert not (out.correlations["level"] == "domain-domain").any()
    alpha = out.alpha[out.alpha["dropped"].isna()].set_index("group")
    assert alpha.loc["all", "alpha_raw"] > 0.9 and math.isnan(alpha.loc[INDEX, "alpha_raw"])  # index over one domain: k = 1
    assert alpha.loc[INDEX, "k"] == 1
    assert set(out.flags["code"]) <= {"redundant"}
    table = out.table()
    assert set(table["part"]) == {"correlations", "alpha", "pca", "eigenvalues", "loadings"}
    assert str(table["n"].dtype) == "Int64" and str(table["within"].dtype) == "boolean"


@pytest.mark.parametrize("domains, problem", [
    ({"A": ["a1", "zz"]}, "not in normalised"),
    ({"A": ["a1"], "B": ["a1"]}, "more than one domain"),
    ({INDEX: ["a1", "a2"]}, "names the index"),
    ({"A": ["a1"], "B": []}, "at least one indicator"),
])
def test_input_errors(domains, problem):
    x = pd.DataFrame({"a1": [1.0, 2, 3], "a2": [3.0, 1, 2]})
    scores = pd.DataFrame({d: x.mean(axis=1) for d in domains})
    with pytest.raises(InputError, match=problem):
        audit(x, domains, scores, x.mean(axis=1), min_pairs=3)


def test_input_errors_units_and_loose_indicators():
    x = pd.DataFrame({"a1": [1.0, 2, 3], "a2": [3.0, 1, 2]})
    with pytest.raises(InputError, match="in no domain"):
        audit(x, {"A": ["a1"]}, pd.DataFrame({"A": x["a1"]}), x["a1"], min_pairs=3)
    with pytest.raises(InputError, match="same units"):
        audit(x, {"A": ["a1", "a2"]}, pd.DataFrame({"A": x.mean(axis=1)}).iloc[:2], x.mean(axis=1), min_pairs=3)
    with pytest.raises(InputError, match="min_pairs"):
        audit(x, {"A": ["a1", "a2"]}, pd.DataFrame({"A": x.mean(axis=1)}), x.mean(axis=1), min_pairs=2)
