"""Structural adjustment: coefficients recovered, statsmodels reproduced independently, honest refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from jstbench.catalogue.model import Indicator, Structure
from jstbench.stats.adjust import adjust_all, design, fit_indicator, positions, prediction_interval, quartile_changes, response_scale

STRUCTURE = Structure.model_validate({
    "features": [
        {"id": "log_population", "label": {"pl": "l", "en": "l"}, "indicator": "ctx_population", "transform": "log"},
        {"id": "ageing", "label": {"pl": "a", "en": "a"}, "indicator": "ctx_ageing"},
        {"id": "kind", "label": {"pl": "k", "en": "k"}, "column": "kind"},
    ],
    "adjustment": {"features": ["log_population", "ageing", "kind"], "min_n": 30, "min_r2": 0.1, "alpha": 0.1},
    "similar": {"k": 3, "weights": {"log_population": 1}},
    "typology": {"features": ["log_population", "ageing"]},
})
TRUE = {"const": 2.0, "log_population": 0.5, "ageing": -0.03, "kind_gmina_urban": 0.4, "kind_powiat": -0.2}


def indicator(unit: str = "zł na mieszk.", direction: str = "lower-better", **extra) -> Indicator:
    return Indicator.model_validate({
        "id": "cost", "name": {"pl": "Koszt", "en": "Cost"}, "sector": "education", "kind": "monitoring", "unit": unit,
        "direction": direction, "applies_to": ["all"], "formula": "ratio(a, b)", "variables": ["a", "b"],
        "description": "d", "interpretation": "i", "caveats": ["c"], "version": "1.0",
        "changelog": [{"date": "2026-01-01", "version": "1.0", "change": "x"}], **extra})


def fixture(n: int = 400, noise: float = 0.1, seed: int = 1) -> tuple[pd.DataFrame, pd.Series]:
    """Units with known structure; log y = the TRUE linear model + normal noise (gmina_rural is the reference)."""
    rng = np.random.default_rng(seed)
    codes = [f"{i:07d}" for i in range(n)]
    kind = rng.choice(["gmina_rural", "gmina_urban", "powiat"], size=n, p=[0.5, 0.3, 0.2])
    feats = pd.DataFrame({"log_population": rng.normal(9, 1, n), "ageing": rng.normal(18, 3, n), "kind": kind},
                         index=pd.Index(codes, name="unit"))
    log_y = (TRUE["const"] + TRUE["log_population"] * feats["log_population"] + TRUE["ageing"] * feats["ageing"]
             + np.select([kind == "gmina_urban", kind == "powiat"], [TRUE["kind_gmina_urban"], TRUE["kind_powiat"]], 0.0)
             + rng.normal(0, noise, n))
    return feats, np.exp(log_y).rename("y")


def test_design_dummies_against_the_most_common_kind_and_drops_constants():
    feats, _ = fixture(50)
    feats["ageing"] = 5.0  # constant: dropped
    X = design(feats, ["log_population", "ageing", "kind"], STRUCTURE)
    assert list(X.columns) == ["const", "log_population", "kind_gmina_urban", "kind_powiat"]
    assert X.loc[feats["kind"] == "gmina_rural", ["kind_gmina_urban", "kind_powiat"]].to_numpy().sum() == 0


def test_recovers_known_coefficients_and_matches_statsmodels_fitted_independently():
    feats, y = fixture()
    fit, rows = fit_indicator(indicator(), y, feats, STRUCTURE, 2024)
    assert fit.status == "ok" and fit.response == "log" and fit.n == 400
    coefs = fit.coefficients["coef"]
    for term, value in TRUE.items():
        assert coefs[term] == pytest.approx(value, abs=0.05), term
    # the same model fitted here without jstbench
    X = pd.DataFrame({"const": 1.0, "log_population": feats["log_population"], "ageing": feats["ageing"],
                      "kind_gmina_urban": (feats["kind"] == "gmina_urban").astype(float),
                      "kind_powiat": (feats["kind"] == "powiat").astype(float)})
    ref = sm.OLS(np.log(y), X).fit(cov_type="HC3")
    np.testing.assert_allclose(coefs[X.columns], ref.params, rtol=1e-10)
    np.testing.assert_allclose(fit.coefficients["se"][X.columns], ref.bse, rtol=1e-10)
    assert fit.r2 == pytest.approx(ref.rsquared)
    pi = ref.get_prediction(X).summary_frame(alpha=0.1)
    np.testing.assert_allclose(rows["expected"], np.exp(pi["mean"]), rtol=1e-10)
    np.testing.assert_allclose(rows["gap_rel"], y.to_numpy() / np.exp(pi["mean"].to_numpy()) - 1, rtol=1e-10)
    # constant spread (Breusch–Pagan p ≈ 0.43): the exact OLS prediction interval, rebuilt here with numpy:
    # ŷ ± t(0.95; n − k) · s · √(1 + x'(X'X)⁻¹x), s² = SSR / (n − k)
    assert fit.pi_method == "pooled" and fit.bp_pvalue > 0.05 and fit.row()["pi_method"] == "pooled"
    Xn = X.to_numpy()
    s2 = np.sum(ref.resid.to_numpy() ** 2) / (len(Xn) - Xn.shape[1])
    h = np.einsum("ij,jk,ik->i", Xn, np.linalg.inv(Xn.T @ Xn), Xn)
    half = stats.t.ppf(0.95, len(Xn) - Xn.shape[1]) * np.sqrt(s2 * (1 + h))
    np.testing.assert_allclose(rows["pi_low"], np.exp(pi["mean"] - half), rtol=1e-8)
    np.testing.assert_allclose(rows["pi_high"], np.exp(pi["mean"] + half), rtol=1e-8)


def test_variance_function_interval_rebuilt_by_leaving_each_unit_out():
    """Spread growing with a feature: the interval is ŷ ± q · σ(x), σ from log e² on the regressors and q the
    ⌈0.9 · 121⌉ = 109th smallest of |yᵢ − ŷ₋ᵢ| / σ₋ᵢ(xᵢ), both refitted here without unit i, one unit at a time."""
    rng = np.random.default_rng(5)
    n = 120  # 4 parameters: 10 per parameter needs 40
    X = pd.DataFrame({"const": 1.0, "a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    y = 1 + X["a"] - X["b"] + np.exp(0.8 * X["a"]) * rng.normal(size=n)
    new = pd.DataFrame({"const": 1.0, "a": [-1.0, 0.0, 1.5], "b": 0.0, "c": 0.0}, index=["p", "q", "r"])
    out = prediction_interval(sm.OLS(y, X).fit(cov_type="HC3"), new, 0.1)
    assert out.method == "variance-function" and out.bp_pvalue < 0.05
    Xn, yn = X.to_numpy(), y.to_numpy()
    e2 = (yn - Xn @ np.linalg.lstsq(Xn, yn, rcond=None)[0]) ** 2
    z = np.log(e2 + 1e-8 * e2.mean())
    score = np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        beta = np.linalg.lstsq(Xn[keep], yn[keep], rcond=None)[0]
        gamma = np.linalg.lstsq(Xn[keep], z[keep], rcond=None)[0]
        score[i] = abs(yn[i] - Xn[i] @ beta) / np.exp(Xn[i] @ gamma / 2)
    q = np.sort(score)[108]
    mean = new.to_numpy() @ np.linalg.lstsq(Xn, yn, rcond=None)[0]
    half = q * np.exp(new.to_numpy() @ np.linalg.lstsq(Xn, z, rcond=None)[0] / 2)
    np.testing.assert_allclose(out.low, mean - half, rtol=1e-8)
    np.testing.assert_allclose(out.high, mean + half, rtol=1e-8)
    assert list(out.mean.index) == ["p", "q", "r"] and (out.high - out.low).is_monotonic_increasing  # wider where a is larger


def test_prediction_interval_covers_about_90_percent_when_the_model_is_right():
    feats, y = fixture(n=2000, seed=7)
    _, rows = fit_indicator(indicator(), y, feats, STRUCTURE, 2024)
    inside = ((rows["value"] >= rows["pi_low"]) & (rows["value"] <= rows["pi_high"])).mean()
    assert 0.87 <= inside <= 0.93


def test_intervals_follow_a_spread_that_differs_between_small_and_large_units():
    """Noise shrinks with population: a pooled interval would over-cover large units and under-cover small ones."""
    rng = np.random.default_rng(11)
    feats, _ = fixture(n=3000, seed=11)
    sd = 0.5 * np.exp(-0.8 * (feats["log_population"] - 9))
    share = pd.Series(np.clip(6 * feats["log_population"] + rng.normal(0, 1, 3000) * 8 * sd, 0, 100), index=feats.index)
    fit, rows = fit_indicator(indicator(unit="%"), share, feats, STRUCTURE, 2024)
    assert fit.status == "ok" and fit.bp_pvalue < 0.001 and fit.pi_method == "variance-function"
    rows = rows.set_index("unit").join(feats["log_population"])
    terciles = pd.qcut(rows["log_population"], 3, labels=["small", "mid", "large"])
    inside = ((rows["value"] >= rows["pi_low"]) & (rows["value"] <= rows["pi_high"])).groupby(terciles, observed=True).mean()
    assert inside.between(0.84, 0.97).all(), inside.to_dict()
    width = (rows["pi_high"] - rows["pi_low"]).groupby(terciles, observed=True).median()
    assert width["small"] > 2 * width["large"]


def test_a_constant_indicator_is_not_fitted():
    feats, _ = fixture(n=200)
    for value, unit in ((5.0, "zł na mieszk."), (100.0, "%"), (0.3, "%")):
        fit, rows = fit_indicator(indicator(unit=unit), pd.Series(value, index=feats.index), feats, STRUCTURE, 2024)
        assert fit.status == "constant" and rows.empty


def test_small_samples_are_refused_and_noise_is_a_poor_fit():
    feats, y = fixture(n=20)
    fit, rows = fit_indicator(indicator(), y, feats, STRUCTURE, 2024)
    assert fit.status == "too-few" and rows.empty and fit.n == 20 and fit.needed == 30 and fit.row()["pi_method"] is None
    feats, _ = fixture(n=300)
    noise = pd.Series(np.random.default_rng(3).lognormal(0, 1, 300), index=feats.index)
    fit, rows = fit_indicator(indicator(), noise, feats, STRUCTURE, 2024)
    assert fit.status == "poor-fit" and fit.r2 < 0.1 and len(rows) == 300 and fit.min_r2 == 0.1


def test_response_scale_and_natural_bounds_of_level_models():
    assert response_scale(indicator(unit="%"), pd.Series([1.0, 2.0])) == "level"
    assert response_scale(indicator(), pd.Series([0.0, 2.0])) == "level"
    assert response_scale(indicator(), pd.Series([1.0, 2.0])) == "log"
    assert response_scale(indicator(adjustment={"response": "level"}), pd.Series([1.0, 2.0])) == "level"
    feats, _ = fixture(n=200)
    share = pd.Series(np.random.default_rng(2).uniform(0, 3, 200), index=feats.index)  # a % near zero
    fit, rows = fit_indicator(indicator(unit="%"), share, feats, STRUCTURE, 2024)
    assert fit.response == "level" and rows["pi_low"].min() >= 0 and rows["pi_high"].max() <= 100


def test_positions_rank_residuals_by_direction():
    rows = pd.DataFrame({"indicator": "cost", "year": 2024, "direction": "lower-better",
                         "value": [10.0, 20.0, 30.0, 40.0, 50.0], "residual": [0.5, 0.1, -0.2, -0.4, 0.0]})
    out = positions(rows)
    # raw: lowest cost is best; adjusted: most negative residual (cheaper than expected) is best
    assert out["raw_percentile"].tolist() == [100.0, 75.0, 50.0, 25.0, 0.0]
    assert out["adj_percentile"].tolist() == [0.0, 25.0, 75.0, 100.0, 50.0]
    assert out["adj_quartile"].tolist() == [4.0, 3.0, 1.0, 1.0, 2.0]
    assert out["raw_quartile"].tolist() == [1.0, 1.0, 2.0, 3.0, 4.0]
    assert quartile_changes(out)["cost"] == 1.0
    assert quartile_changes(out.assign(adj_quartile=[1.0, 1.0, 2.0, 3.0, 3.0]))["cost"] == pytest.approx(1 / 5)


def test_adjust_all_uses_units_the_indicator_applies_to(tmp_path):
    from jstbench.catalogue.model import Catalogue

    feats, y = fixture(n=200)
    units = pd.DataFrame({"code": feats.index, "kind": feats["kind"].to_numpy()})
    ctx = pd.concat([pd.DataFrame({"unit": feats.index, "year": 2024, "indicator": "ctx_population",
                                   "value": np.exp(feats["log_population"]).to_numpy()}),
                     pd.DataFrame({"unit": feats.index, "year": 2024, "indicator": "ctx_ageing", "value": feats["ageing"].to_numpy()}),
                     pd.DataFrame({"unit": feats.index, "year": 2024, "indicator": "cost", "value": y.to_numpy()})])
    ind = Indicator.model_validate(indicator().model_dump() | {"applies_to": ["all_gminas"]})
    cat = Catalogue([ind], [], "x", structure=STRUCTURE)
    models, adjusted = adjust_all(cat, ctx, units, 2024)
    assert models.loc[0, "n"] == (feats["kind"] != "powiat").sum()
    assert set(adjusted["unit"]) == set(feats.index[feats["kind"] != "powiat"])
    assert "kind_powiat" not in models.loc[0, "coefficients"]
    assert models.loc[0, "pi_method"] == "pooled"  # constant spread (normal noise on the log scale)
