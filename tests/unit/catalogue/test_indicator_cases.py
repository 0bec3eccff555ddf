"""Every catalogue indicator against a hand-computed example (tests/fixtures/indicator_cases.yml)."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from jstbench.catalogue.load import load_catalogue
from jstbench.indicators.compute import compute_indicator

from ...conftest import ROOT

CASES = yaml.safe_load((Path(__file__).parents[2] / "fixtures" / "indicator_cases.yml").read_text(encoding="utf-8"))
CATALOGUE = load_catalogue(ROOT / "methodology" / "catalogue")


FORMULAS = {i for i, ind in CATALOGUE.indicators.items() if ind.formula is not None}


def test_every_indicator_has_a_hand_computed_case():
    """Indicators with a formula; survey indicators are estimates from answers (hand-computed cases in
    tests/unit/stats/test_survey.py and tests/integration/test_survey_series.py)."""
    assert sorted(FORMULAS - set(CASES)) == []
    assert sorted(set(CASES) - FORMULAS) == []


@pytest.mark.parametrize("indicator", sorted(CASES))
def test_indicator_value(indicator):
    case = CASES[indicator]
    ind = CATALOGUE.indicators[indicator]
    assert set(case["inputs"]) == set(ind.variables), "the case must give exactly the formula's inputs"
    earlier = case.get("history") or [{**case["inputs"], **case.get("previous", {})}]  # oldest first
    years = range(2024 - len(earlier), 2025)
    idx = pd.MultiIndex.from_tuples([("u", y) for y in years], names=["unit", "year"])
    panel = pd.DataFrame([*earlier, case["inputs"]], index=idx, dtype=float)
    kinds = pd.Series({"u": ind.applies_to[0]})
    out = compute_indicator(ind, panel, kinds).set_index("year")
    assert out.loc[2024, "value"] == pytest.approx(case["expected"], rel=1e-6)
    assert out.loc[2024, "reason"] is None or pd.isna(out.loc[2024, "reason"])


@pytest.mark.parametrize("indicator", sorted(CASES))
def test_indicator_with_a_missing_input_is_missing_with_reason(indicator):
    case = CASES[indicator]
    ind = CATALOGUE.indicators[indicator]
    first = sorted(case["inputs"])[0]
    inputs = {**case["inputs"], first: float("nan")}
    idx = pd.MultiIndex.from_tuples([("u", 2023), ("u", 2024)], names=["unit", "year"])
    panel = pd.DataFrame([inputs, inputs], index=idx, dtype=float)
    out = compute_indicator(ind, panel, pd.Series({"u": ind.applies_to[0]})).set_index("year")
    assert pd.isna(out.loc[2024, "value"])
    assert out.loc[2024, "reason"] == f"missing:{first}"
