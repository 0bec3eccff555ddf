"""Surveys and participatory budgets in a series (`jstbench.series.surveys`): hand-computed estimates, suppression,
the survey indicators' values, population cells from the store, and bad inputs named with their file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jstbench.catalogue.load import load_catalogue
from jstbench.core.errors import InputError, InputErrors
from jstbench.data.pabulib_demo import write_demo_pb
from jstbench.series import surveys
from jstbench.series.spec import ParticipatoryParams, SurveysParams

from ..conftest import ROOT

CATALOGUE = load_catalogue(ROOT / "methodology" / "catalogue")
Q = CATALOGUE.questionnaires["mieszkancy"]
QUESTIONS = [c for c in Q.question_columns]


def write_csv(path, rows: list[dict]) -> None:
    """A microdata file of the residents' questionnaire: every question column, blanks where a row gives none."""
    frame = pd.DataFrame(rows).reindex(columns=["respondent_id", "unit", "wave", "sex", "age", *QUESTIONS])
    frame.to_csv(path, sep=";", index=False)


def respondents(unit: str, wave: int, transport: list[int], roads: list[int]) -> list[dict]:
    return [{"respondent_id": f"{unit}-{wave}-{i}", "unit": unit, "wave": wave, "sex": "KM"[i % 2], "age": 20 + 15 * (i % 4),
             "q_transport": t, "q_roads": r} for i, (t, r) in enumerate(zip(transport, roads, strict=True))]


def wide_population(units: list[str], years: list[int]) -> pd.DataFrame:
    """Each unit's population: 100 in every sex × age cell in every year."""
    idx = pd.MultiIndex.from_product([units, years], names=["unit", "year"])
    return pd.DataFrame({v: 100.0 for _, _, v in Q.margin_cells()} | {"population": 1000.0, "exp_total": 1e7}, index=idx)


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "surveys"
    d.mkdir()
    # unit A: 12 respondents; q_transport 1..5 pattern; q_roads answered by 8 only (below min_n = 10)
    transport = [5, 4, 4, 3, 5, 2, 4, 5, 3, 4, 1, 5]
    roads = [4, 4, 9, 3, 5, 2, 9, 4, 9, 9, 9, 5]  # 9 = "trudno powiedzieć": no opinion
    write_csv(d / "a_2024.csv", respondents("3064011", 2024, transport, roads))
    write_csv(d / "a_2022.csv", respondents("3064011", 2022, [3] * 12, [3] * 12))
    return d


def test_unweighted_estimates_are_the_plain_means_and_shares(folder):
    out = surveys.survey_tables(CATALOGUE, SurveysParams(folder=str(folder), weighting="none", min_n=10), folder,
                                wide_population(["3064011"], [2024]), {"3064011"})
    est = out["survey_estimates"].set_index(["wave", "item", "statistic", "category"])
    transport = [5, 4, 4, 3, 5, 2, 4, 5, 3, 4, 1, 5]
    mean = est.loc[(2024, "q_transport", "mean", "")]
    assert mean["estimate"] == pytest.approx(np.mean(transport)) and mean["n"] == 12 and not mean["suppressed"]
    # linearised se of an unweighted mean: sd / sqrt(n) with the n-1 divisor
    assert mean["se"] == pytest.approx(np.std(transport, ddof=1) / np.sqrt(12))
    good = est.loc[(2024, "q_transport", "share", "dobrze")]
    assert good["estimate"] == pytest.approx(8 / 12)  # answers 4 or 5
    # the transport index: both transport items of the service (q_transport, q_roads), rescaled 0-100; q_roads has
    # 5 "trudno powiedzieć": those respondents have one item of two answered, which is half: they count
    roads = [4, 4, None, 3, 5, 2, None, 4, None, None, None, 5]
    per_person = [np.mean([(t - 1) / 4 * 100] + ([(r - 1) / 4 * 100] if r else [])) for t, r in zip(transport, roads, strict=True)]
    assert est.loc[(2024, "index:transport_roads", "mean", "")]["estimate"] == pytest.approx(np.mean(per_person))
    # q_roads: 7 answers < min_n 10: suppressed, every number blank (n too)
    roads_row = est.loc[(2024, "q_roads", "mean", "")]
    assert roads_row["suppressed"] and roads_row[["estimate", "se", "ci_low", "ci_high", "n"]].isna().all()
    # the survey indicator's value is the index; the change between the waves is tested
    values = out["survey_values"].set_index(["year", "indicator"])
    assert values.loc[(2024, "svy_transport_roads_index"), "value"] == pytest.approx(np.mean(per_person))
    ch = out["survey_changes"].set_index(["item", "statistic", "category"]).loc[("q_transport", "mean", "")]
    assert ch["difference"] == pytest.approx(np.mean(transport) - 3) and ch["previous_wave"] == 2022


def test_a_suppressed_survey_indicator_has_no_value_and_says_why(folder):
    out = surveys.survey_tables(CATALOGUE, SurveysParams(folder=str(folder), weighting="none", min_n=13), folder,
                                wide_population(["3064011"], [2024]), {"3064011"})
    values = out["survey_values"]
    assert values["value"].isna().all() and set(values["reason"]) == {"suppressed:13"}
    assert out["survey_changes"].empty  # nothing is compared with a suppressed side


def test_raking_reproduces_the_population_of_each_margin(folder):
    out = surveys.survey_tables(CATALOGUE, SurveysParams(folder=str(folder), weighting="rake", min_n=5), folder,
                                wide_population(["3064011"], [2020, 2024]), {"3064011"})
    waves = out["survey_waves"].set_index("wave")
    assert waves.loc[2024, "population"] == pytest.approx(800)  # 8 cells of 100
    assert waves.loc[2024, "respondents"] == 12 and waves.loc[2024, "method"] == "raking"
    assert waves.loc[2024, "population_year"] == 2024
    assert 1 <= waves.loc[2024, "deff"] and waves.loc[2024, "n_eff"] <= 12


def test_population_cells_take_the_latest_year_up_to_the_wave():
    wide = wide_population(["3064011"], [2020, 2023, 2025])
    wide.loc[("3064011", 2023), "pop_women_18_29"] = 300.0
    wide.loc[("3064011", 2025), "pop_women_18_29"] = 900.0
    cells = surveys.population_cells(Q, wide, pd.DataFrame({"unit": ["3064011"], "wave": ["2024"]}))
    assert cells.set_index(["sex", "age_group"]).loc[("K", "18-29"), "population"] == 300.0
    assert set(cells["year"]) == {2023}
    with pytest.raises(InputError, match="no year up to 2019"):
        surveys.population_cells(Q, wide, pd.DataFrame({"unit": ["3064011"], "wave": ["2019"]}))


def test_bad_survey_files_are_named_with_file_row_and_column(folder):
    rows = respondents("3064011", 2024, [5, 7], [4, 4])  # 7 is not on the scale
    write_csv(folder / "bad.csv", rows)
    write_csv(folder / "unknown_unit.csv", respondents("9999999", 2024, [5], [4]))
    with pytest.raises(InputErrors) as err:
        surveys.read_surveys(folder, Q, {"3064011"})
    text = err.value.message
    assert "bad.csv" in text and "row 3" in text and "q_transport" in text
    assert "unknown_unit.csv" in text and "9999999" in text


def test_pb_files_give_one_summary_each_with_the_district_split(tmp_path):
    pb = tmp_path / "pb"
    write_demo_pb(pb, "3064011", "Poznań", 500_000, 2024, seed=1)
    write_demo_pb(pb, "3064011", "Poznań", 500_000, 2024, seed=2, district="Wilda")
    table = surveys.pb_tables(ParticipatoryParams(folder=str(pb)), pb, wide_population(["3064011"], [2024]), {"3064011"})
    assert sorted(table["district"]) == ["", "Wilda"]
    import json

    records = [json.loads(r) for r in table["record"]]
    split = records[0]["split"]
    assert split["district_instances"] == 1 and split["citywide_instances"] == 1
    assert split["district_share_pct"] == pytest.approx(100 * split["district_budget"]
                                                        / (split["district_budget"] + split["citywide_budget"]))
    assert all(r["population"] == 1000.0 for r in records)


def test_a_pb_file_of_an_unknown_authority_is_refused(tmp_path):
    pb = tmp_path / "pb"
    write_demo_pb(pb, "3064011", "Poznań", 500_000, 2024, seed=1)
    with pytest.raises(InputErrors, match="META"):
        surveys.pb_tables(ParticipatoryParams(folder=str(pb)), pb, wide_population(["1465011"], [2024]), {"1465011"})


def test_authorities_of_one_group_are_compared_in_the_same_wave(folder):
    write_csv(folder / "b_2024.csv", respondents("3064021", 2024, [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2], [1] * 12))
    out = surveys.survey_tables(CATALOGUE, SurveysParams(folder=str(folder), weighting="none", min_n=10), folder,
                                wide_population(["3064011", "3064021"], [2024]), {"3064011", "3064021"},
                                {"g": ["3064011", "3064021"], "other": ["3064011"]})
    d = out["survey_differences"].set_index(["unit", "item"])
    est = out["survey_estimates"].set_index(["unit", "wave", "item", "statistic", "category"])["estimate"]
    a, b = (est[(u, 2024, "index:transport_roads", "mean", "")] for u in ("3064011", "3064021"))
    row = d.loc[("3064011", "index:transport_roads")]
    assert row["other"] == "3064021" and row["difference"] == pytest.approx(a - b) and row["significant"]
    assert d.loc[("3064021", "index:transport_roads"), "difference"] == pytest.approx(b - a)
    assert set(d["wave"]) == {2024}  # the 2022 wave of 3064011 has no peer in that wave
