"""Population classes and feature availability computed from the data, by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from jstbench.indicators.features import available_features, population_classes, with_population_class


def wide(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    """A (unit, year) × variable table with one variable, `population`."""
    idx = pd.MultiIndex.from_tuples([(u, y) for u, y, _ in rows], names=["unit", "year"])
    return pd.DataFrame({"population": [p for _, _, p in rows], "other": 1.0}, index=idx)


UNITS = pd.DataFrame({"code": ["0201011", "0201022", "0201033", "0201043", "0202011", "0202022", "0201"],
                      "kind": ["gmina_urban", "gmina_rural", "gmina_urban_rural", "gmina_urban_rural", "gmina_urban",
                               "gmina_rural", "powiat"],
                      "population_class": "unknown"})


@pytest.fixture
def classes() -> pd.DataFrame:
    data = wide([
        ("0201011", 2024, 4_999.0),     # just below the 5 000 bound
        ("0201022", 2024, 5_000.0),     # on the bound: the upper class
        ("0201033", 2022, 300_000.0),   # no 2023-2024: the latest earlier year, 2022
        ("0201033", 2021, 1_000.0),
        ("0201043", 2025, 20_000.0),    # only a later year: unknown in 2024
        ("0202011", 2023, 12_000.0),    # 2024 present but missing: 2023
        ("0202011", 2024, np.nan),
        ("0201", 2024, 99_999.0),
    ])  # 0202022 has no population at all
    return population_classes(data, UNITS, 2024)


def test_class_bounds_of_the_report_year(classes):
    assert classes.loc["0201011", "population_class"] == "lt5k"
    assert classes.loc["0201022", "population_class"] == "5-10k"
    assert classes.loc["0201", "population_class"] == "50-100k"
    assert classes.loc["0201011", "population_year"] == 2024


def test_the_latest_earlier_year_stands_in_and_is_named(classes):
    assert classes.loc["0201033", ["population", "population_year", "population_class"]].tolist() == [300_000.0, 2022, "300k+"]
    assert classes.loc["0202011", ["population", "population_year", "population_class"]].tolist() == [12_000.0, 2023, "10-20k"]


def test_units_without_population_stay_unknown(classes):
    for code in ("0202022", "0201043"):  # none at all; only after the report year
        assert classes.loc[code, "population_class"] == "unknown"
        assert math.isnan(classes.loc[code, "population_year"])
    assert (classes["population_class"] == "unknown").sum() == 2
    assert list(classes.index) == list(UNITS["code"])


def test_the_register_value_is_replaced_not_needed():
    units = UNITS.assign(population_class="300k+")  # whatever the register says
    out = with_population_class(units, wide([("0201011", 2024, 4_999.0)]), 2024)
    assert out.set_index("code")["population_class"].to_dict() == {
        "0201011": "lt5k", "0201022": "unknown", "0201033": "unknown", "0201043": "unknown", "0202011": "unknown",
        "0202022": "unknown", "0201": "unknown"}
    assert out["population_year"].tolist()[0] == 2024 and out["population_year"].isna().sum() == 6


def test_a_store_without_the_population_variable_gives_unknown_classes():
    data = wide([("0201011", 2024, 1.0)]).drop(columns="population")
    assert set(population_classes(data, UNITS, 2024)["population_class"]) == {"unknown"}


def test_features_the_data_lack_are_left_out_of_the_model_but_the_kind_stays():
    feats = pd.DataFrame({"log_population": [8.0, 9.0, 10.0, np.nan], "log_own_revenue": np.nan,
                          "ageing": [15.0, np.nan, 20.0, np.nan], "kind": ["gmina_rural"] * 4}, index=list("abcd"))
    names = ["log_population", "log_own_revenue", "ageing", "kind"]
    # 3 units have a feature; ageing in 2 of 3 (67%), own revenue in none
    assert available_features(feats, names, list("abcd"), 0.5) == (["log_population", "ageing", "kind"], ["log_own_revenue"])
    assert available_features(feats, names, list("abcd"), 0.7) == (["log_population", "kind"], ["log_own_revenue", "ageing"])
    # no data at all: nothing is chosen (the model reports too few units)
    assert available_features(feats, names, ["d"], 0.5) == (names, [])
