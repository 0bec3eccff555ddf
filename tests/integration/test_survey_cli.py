"""`jstbench survey check`: counts per unit, wave and stratum for good files; every problem and exit 1 for bad ones."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from jstbench.catalogue.questionnaire import Questionnaire
from jstbench.cli import survey
from jstbench.core.yamlio import read_yaml_model
from jstbench.data.survey_demo import generate_waves

from ..conftest import ROOT

app = typer.Typer()
app.add_typer(survey.app, name="survey")
runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    q = read_yaml_model(ROOT / "methodology" / "catalogue" / "surveys" / "mieszkancy.yml", Questionnaire)
    units = pd.DataFrame([{"code": "1426042", "name": "Mała", "sex": s, "age_group": a, "population": 300}
                          for s in ("K", "M") for a in ("18-29", "30-44", "45-59", "60+")])
    folder = tmp_path_factory.mktemp("survey")
    generate_waves(units, q, [2022, 2024], folder, seed=3)
    return sorted(folder.glob("mieszkancy_*"))


def test_check_prints_counts_and_marks_small_strata(files):
    result = runner.invoke(app, ["survey", "check", *map(str, files), "--root", str(ROOT)], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "mieszkancy, wersja 1.0" in result.output
    assert "1426042" in result.output and "2022" in result.output and "2024" in result.output
    assert "*" in result.output and "mniej niż 10 respondentów" in result.output
    assert "q_transport" in result.output and result.output.rstrip().endswith("ok")


def test_check_lists_every_problem_and_exits_1(tmp_path, files):
    bad = tmp_path / "zle.csv"
    text = files[0].read_text(encoding="utf-8-sig") if files[0].suffix == ".csv" else None
    assert text is not None
    lines = text.splitlines()
    cells = lines[1].split(lines[0][13])  # the delimiter follows "respondent_id"
    header = lines[0].split(lines[0][13])
    cells[header.index("q_waste")] = "8"
    bad.write_text("\n".join([lines[0], lines[0][13].join(cells)]) + "\n", encoding="utf-8")
    other = tmp_path / "copy.xlsx"
    shutil.copy(next(f for f in files if f.suffix == ".xlsx"), other)
    result = runner.invoke(app, ["survey", "check", str(bad), str(other), "-q", "mieszkancy", "--root", str(ROOT)],
                           terminal_width=250)
    assert result.exit_code == 1
    assert f"{bad}: row 2, column q_waste: answer 8 is outside scale 'ocena5'" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_unknown_questionnaire_is_named(files):
    result = runner.invoke(app, ["survey", "check", str(files[0]), "-q", "ankieta", "--root", str(ROOT)])
    assert result.exit_code == 1
    assert "unknown questionnaire 'ankieta'; known: mieszkancy, organizacje, przedsiebiorcy" in result.output
