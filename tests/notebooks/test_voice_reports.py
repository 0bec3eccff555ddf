"""The residents' voice end to end in the small project's `voice` series (tests/conftest.py): survey reports per
authority and wave, strategy reports with their annex, the participatory-budget and survey sections of authority and group reports,
suppression below the series' min_n, and free-text answers that never reach any output."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from jstbench.series.folder import SeriesFolder

from ..conftest import VOICE_UNITS, reports


def test_a_survey_report_per_authority_and_wave_and_a_strategy_report_per_file(voice_built):
    folder, manifest = voice_built
    surveys = reports(manifest, "survey")
    assert sorted(surveys) == sorted(f"{c}-{w}" for c in VOICE_UNITS for w in (2022, 2024))
    assert all(r["status"] == "ok" for r in surveys.values())
    strategies = reports(manifest, "strategy")
    assert sorted(strategies) == ["0216", "2814042", "3064011"] and all(r["status"] == "ok" for r in strategies.values())
    for code in strategies:
        assert (folder / "strategie" / f"{code}-zalacznik.xlsx").stat().st_size > 0
        assert (folder / "strategie" / f"{code}-zalacznik.html").exists()
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "Badania opinii mieszkańców" in index and "ankiety/3064011-2024.html" in index
    assert "Strategie rozwoju" in index and "strategie/0216-zalacznik.xlsx" in index


def test_survey_indicators_equal_the_estimates_and_are_hidden_below_min_n(voice_built):
    folder, _ = voice_built
    data = SeriesFolder(folder / "data")
    est = data.read("survey_estimates")
    values = data.read("values")
    svy = values[values["indicator"] == "svy_transport_roads_index"].set_index(["unit", "year"])
    index = est[(est["item"] == "index:transport_roads") & (est["statistic"] == "mean")].set_index(["unit", "wave"])
    for (unit, wave), row in index.iterrows():
        if row["suppressed"]:
            assert pd.isna(svy.loc[(unit, wave), "value"]) and svy.loc[(unit, wave), "reason"] == "suppressed:200"
        else:
            assert svy.loc[(unit, wave), "value"] == pytest.approx(row["estimate"])
    # the series' min_n of 200 hides small Dywity's results (about 150 respondents) and none of Poznań's indices
    assert est.loc[est["unit"] == "2814042", "suppressed"].all()
    assert not index.loc["3064011", "suppressed"].any()
    hidden = est[est["suppressed"]]
    assert hidden[["estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff"]].isna().all().all()


def test_a_suppressed_result_shows_no_number_in_the_survey_report(voice_built):
    folder, _ = voice_built
    est = SeriesFolder(folder / "data").read("survey_estimates", [("unit", "==", "2814042")])
    wave = int(est["wave"].max())
    page = BeautifulSoup((folder / "ankiety" / f"2814042-{wave}.html").read_text(encoding="utf-8"), "html.parser")
    text = page.get_text(" ")
    assert "ukryte" in text
    assert len(page.find_all("h1")) == 1 and "nan" not in re.findall(r"\bnan\b", text.lower())


def test_free_text_answers_reach_no_output(voice_built, small_project):
    folder, _ = voice_built
    truth = small_project / "output" / "data" / "demo" / "surveys"
    from jstbench.catalogue.load import load_catalogue
    from jstbench.data.survey import Responses, read_responses
    from jstbench.series.surveys import survey_files

    q = load_catalogue(small_project / "methodology" / "catalogue").questionnaires["mieszkancy"]
    texts = set(Responses.combine([read_responses(p, q) for p in survey_files(truth)]).free_text["text"])
    assert texts  # the demo waves do have free-text answers
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".json", ".csv", ".parquet", ".xlsx"):
            body = path.read_bytes()
            leaked = [t for t in texts if t.encode("utf-8") in body]
            assert not leaked, f"{path.relative_to(folder)} publishes free-text answers: {leaked[:2]}"


def test_authority_report_has_the_residents_and_participatory_budget_sections(voice_built):
    folder, _ = voice_built
    page = BeautifulSoup((folder / "jst" / "3064011.html").read_text(encoding="utf-8"), "html.parser")
    assert page.find(id="mieszkancy") is not None and page.find(id="budzet-obywatelski") is not None
    toc = page.get_text(" ")
    assert "Głos mieszkańców" in toc and "Budżet obywatelski" in toc
    link = page.find("a", href="../ankiety/3064011-2024.html")
    assert link is not None
    pb = SeriesFolder(folder / "data").read("pb_summary", [("unit", "==", "3064011")])
    record = json.loads(pb.loc[pb["district"] == "", "record"].iloc[0])
    assert record["split"]["district_instances"] == 1  # Wilda beside the city-wide budget
    section = page.find(id="budzet-obywatelski").find_parent().get_text(" ")
    assert "dzielnic" in section.lower()


def test_an_authority_without_survey_or_budget_has_neither_section(voice_built):
    folder, manifest = voice_built
    others = [k for k, r in reports(manifest, "unit").items() if r["status"] == "ok" and k not in VOICE_UNITS]
    page = BeautifulSoup((folder / "jst" / f"{others[0]}.html").read_text(encoding="utf-8"), "html.parser")
    assert page.find(id="mieszkancy") is None and page.find(id="budzet-obywatelski") is None


def test_survey_weight_writes_weights_that_add_up_to_each_population(small_project, tmp_path):
    from typer.testing import CliRunner

    from jstbench.cli import app

    files = sorted((small_project / "output" / "data" / "demo" / "surveys").glob("mieszkancy_3064011_*"))
    out = tmp_path / "wagi.csv"
    result = CliRunner().invoke(app, ["survey", "weight", *map(str, files), "--out", str(out), "--root", str(small_project)])
    assert result.exit_code == 0, result.output
    weights = pd.read_csv(out, sep=";", dtype={"unit": str})
    assert set(weights["wave"]) == {2022, 2024} and (weights["weight"] > 0).all()
    for wave, part in weights.groupby("wave"):
        assert f"{wave}" in result.output
        assert part["weight"].sum() == pytest.approx(float(re.sub(r"\s", "", re.search(
            rf"3064011 │ {wave} │ \d+\s+│ ([\d\s]+) │", result.output).group(1))), rel=1e-4)


def test_survey_report_executes_the_survey_reports_of_a_built_series_again(voice_built, small_project):
    from typer.testing import CliRunner

    from jstbench.cli import app

    folder, _ = voice_built
    page = folder / "ankiety" / "1661011-2024.html"
    before = page.stat().st_mtime_ns
    result = CliRunner().invoke(app, ["survey", "report", "voice", "--only", "1661011", "--workers", "1",
                                      "--root", str(small_project)])
    assert result.exit_code == 0, result.output
    assert "2 survey reports ok, 0 failed" in result.output
    assert page.stat().st_mtime_ns > before
