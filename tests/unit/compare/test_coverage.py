"""Register denominators of group statistics and the coverage rule, by hand."""

import numpy as np
import pandas as pd

from jstbench.compare.coverage import register_counts, withheld
from jstbench.compare.measures import compare

REGISTER = pd.DataFrame({"code": ["0201011", "0201022", "0201033", "0201043", "0201"],
                         "kind": ["gmina_urban", "gmina_rural", "gmina_rural", "gmina_rural", "powiat"],
                         "valid_from": "2020-01-01", "valid_to": [None, None, None, "2021-01-01", None]})
GMINAS = ["gmina_urban", "gmina_rural", "gmina_urban_rural", "city_powiat"]
META = pd.DataFrame({"indicator": ["cost"], "direction": ["lower-better"], "target_low": [np.nan], "target_high": [np.nan]})


def national(units: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"group": "kraj", "group_type": "national", "unit": units["code"]})


def test_the_denominator_is_the_register_units_the_indicator_applies_to_in_the_year():
    member = pd.concat([national(REGISTER), pd.DataFrame({"group": "g", "group_type": "exchange", "unit": ["0201011", "0201"]})])
    out = register_counts(member, REGISTER, {"cost": GMINAS, "roads": ["powiat"]}, [2021, 2022]).set_index(["group", "year", "indicator"])
    # four gminas in 2021; the fourth's last register date is 2021-01-01, so three in 2022; one powiat
    assert out.loc[("kraj", 2021, "cost"), "expected"] == 4 and out.loc[("kraj", 2022, "cost"), "expected"] == 3
    assert out.loc[("kraj", 2022, "roads"), "expected"] == 1
    assert out.loc[("g", 2022, "cost"), "expected"] == 1 and out.loc[("g", 2022, "roads"), "expected"] == 1


def four_units_two_with_values(min_coverage: float) -> pd.DataFrame:
    """4 gminas in the register, 2 with a value (one without a row at all, one with a missing value): 50%."""
    units = REGISTER.iloc[:4].drop(columns=["valid_from", "valid_to"])
    values = pd.DataFrame({"unit": ["0201011", "0201022", "0201033"], "year": 2024, "indicator": "cost",
                           "value": [10.0, 30.0, np.nan]})
    member = national(units)
    expected = register_counts(member, units, {"cost": GMINAS}, [2024])
    return compare(values, member, META, min_size=2, expected=expected, min_coverage=min_coverage)


def test_two_of_four_units_is_50_percent_shown_at_a_threshold_of_half():
    out = four_units_two_with_values(0.5)
    assert out["n"].tolist() == [2, 2, 2] and out["expected"].tolist() == [4, 4, 4]
    assert not out["withheld"].any()
    assert out["median"].iloc[0] == 20.0
    assert out.set_index("unit")["rank"].dropna().to_dict() == {"0201011": 1.0, "0201022": 2.0}


def test_the_median_and_positions_are_withheld_at_a_threshold_of_0_6():
    out = four_units_two_with_values(0.6)
    assert out["withheld"].all() and out["expected"].tolist() == [4, 4, 4] and out["n"].tolist() == [2, 2, 2]
    for col in ("median", "mean", "q25", "q75", "best", "rank", "percentile", "quartile", "zscore", "distance_to_best"):
        assert out[col].isna().all(), col
    assert out["value"].notna().sum() == 2  # the values themselves stay


def test_a_unit_with_a_value_always_counts_in_the_denominator():
    values = pd.DataFrame({"unit": ["0201011", "0201022"], "year": 2024, "indicator": "cost", "value": [1.0, 2.0]})
    member = national(REGISTER.iloc[:2])
    expected = pd.DataFrame({"group": ["kraj"], "year": [2024], "indicator": ["cost"], "expected": [1]})  # an outdated register
    out = compare(values, member, META, 2, expected, 1.0)
    assert out["expected"].tolist() == [2, 2] and not out["withheld"].any()


def test_without_a_denominator_nothing_is_withheld():
    values = pd.DataFrame({"unit": ["0201011", "0201022"], "year": 2024, "indicator": "cost", "value": [1.0, 2.0]})
    out = compare(values, national(REGISTER.iloc[:2]), META, 2)
    assert out["expected"].tolist() == [2, 2] and not out["withheld"].any() and out["median"].iloc[0] == 1.5


def test_withheld_rule():
    assert withheld(np.array([195, 1, 0]), np.array([2477, 1, 5]), 0.5).tolist() == [True, False, True]
    assert withheld(np.array([195]), np.array([2477]), 0.0).tolist() == [False]
