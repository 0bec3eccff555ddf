"""Commands print input-derived text (unit names, questionnaire titles, assessor labels, Pabulib META and project
names, catalogue warnings) exactly as written: no markup, emoji codes or terminal control, exit codes unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from jstbench.catalogue.questionnaire import Questionnaire
from jstbench.cli import app, caf, pb, practices, survey
from jstbench.core.yamlio import read_yaml_model
from jstbench.data.store import UNITS_FILE
from jstbench.data.survey_demo import generate_waves

ROOT = Path(__file__).resolve().parents[3]
HOSTILE = "[/b] root:x:0 :thumbs_up: C:\\dane\\"  # a closing tag, emoji codes, a trailing backslash
WIDE = {"COLUMNS": "400"}  # no table cell is wrapped
runner = CliRunner()


def family(sub: typer.Typer, name: str) -> typer.Typer:
    """An app with one command family, as `jstbench` mounts it."""
    parent = typer.Typer()
    parent.add_typer(sub, name=name)
    return parent


def test_check_prints_a_catalogue_warning_literally(monkeypatch):
    monkeypatch.setattr("jstbench.catalogue.model.Catalogue.problems", lambda self: [f"variable {HOSTILE!r} is unused"])
    res = runner.invoke(app, ["check", "--root", str(ROOT)], env=WIDE)
    assert res.exit_code == 0, res.output
    assert f"  warning: variable {HOSTILE!r} is unused\n" in res.stdout
    assert res.stdout.endswith("ok\n")


def test_check_prints_the_caf_model_version_literally(tmp_path):
    for name in ("methodology", "params"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("_site"))
    model = tmp_path / "methodology" / "catalogue" / "caf.yml"
    text = model.read_text(encoding="utf-8")
    version = next(line for line in text.splitlines() if line.startswith("version:"))
    model.write_text(text.replace(version, "version: '[bold]CAF :x: 2020\\'"), encoding="utf-8")
    res = runner.invoke(app, ["check", "--root", str(tmp_path)], env=WIDE)
    assert res.exit_code == 0, res.output
    assert "CAF model: [bold]CAF :x: 2020\\, " in res.stdout


def test_practices_check_prints_the_authority_name_literally(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    pd.DataFrame({"code": ["3027011"], "name": [HOSTILE], "kind": ["gmina_urban"]}).to_parquet(store / UNITS_FILE)
    practice = tmp_path / "praktyka.md"
    src = (ROOT / "params" / "practices" / "demo-turek-selektywna-zbiorka.md").read_text(encoding="utf-8")
    title = next(line for line in src.splitlines() if line.startswith("title:"))
    practice.write_text(src.replace(title, "title: '[/b] :thumbs_up: zbiórka'"), encoding="utf-8")
    res = runner.invoke(family(practices.app, "practices"),
                        ["practices", "check", str(practice), "--data", str(store), "--root", str(ROOT)], env=WIDE)
    assert res.exit_code == 0, res.output
    assert f"{HOSTILE} (3027011)" in res.stdout and "demo-turek-selektywna-zbiorka (fikcyjna)" in res.stdout
    assert f"1 practices valid; units register {store} (1 units)" in res.stdout


def test_practices_check_of_a_bad_file_still_exits_1(tmp_path):
    bad = tmp_path / "zla.md"
    src = (ROOT / "params" / "practices" / "demo-turek-selektywna-zbiorka.md").read_text(encoding="utf-8")
    bad.write_text(src.replace("- waste_separate_share\nperiod", "- waste_separate_share\n- '[/b]:x:'\nperiod"),
                   encoding="utf-8")
    res = runner.invoke(family(practices.app, "practices"), ["practices", "check", str(bad), "--root", str(ROOT)], env=WIDE)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert f"{bad}: indicators[1]: unknown indicator '[/b]:x:'" in res.stderr


@pytest.fixture(scope="module")
def hostile_survey(tmp_path_factory) -> tuple[Path, list[Path]]:
    """A project whose residents' questionnaire has a hostile title, and response files for one authority."""
    root = tmp_path_factory.mktemp("survey_root")
    shutil.copytree(ROOT / "methodology", root / "methodology", ignore=shutil.ignore_patterns("_site"))
    path = root / "methodology" / "catalogue" / "surveys" / "mieszkancy.yml"
    text = path.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    path.write_text(text.replace(title, f"title: {json.dumps(HOSTILE)}"), encoding="utf-8")
    q = read_yaml_model(path, Questionnaire)
    units = pd.DataFrame([{"code": "1426042", "name": "Mała", "sex": s, "age_group": a, "population": 300}
                          for s in ("K", "M") for a in ("18-29", "30-44", "45-59", "60+")])
    folder = root / "responses"
    generate_waves(units, q, [2024], folder, seed=3)
    return root, sorted(folder.glob("mieszkancy_*"))


def test_survey_check_prints_the_questionnaire_title_literally(hostile_survey):
    root, files = hostile_survey
    res = runner.invoke(family(survey.app, "survey"), ["survey", "check", str(files[0]), "--root", str(root)], env=WIDE)
    assert res.exit_code == 0, res.output
    assert f"{HOSTILE} (mieszkancy, wersja " in res.stdout
    assert "q_transport" in res.stdout and res.stdout.endswith("ok\n")


def test_survey_check_names_a_hostile_column_literally_and_exits_1(hostile_survey, tmp_path):
    root, files = hostile_survey
    csv = next(f for f in files if f.suffix == ".csv")
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    sep = lines[0][len("respondent_id")]
    bad = tmp_path / "zle.csv"
    bad.write_text("\n".join([lines[0] + sep + "[/b]:x:", *(line + sep for line in lines[1:])]) + "\n", encoding="utf-8")
    res = runner.invoke(family(survey.app, "survey"), ["survey", "check", str(bad), "-q", "mieszkancy", "--root", str(root)],
                        env=WIDE)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "[/b]:x:" in res.stderr


def test_caf_make_and_read_print_names_and_assessor_labels_literally(tmp_path):
    labels = ["[/b] A :x:", "B :thumbs_up:"]
    made = runner.invoke(family(caf.app, "caf"),
                         ["caf", "make", "--unit", "0216", "--name", HOSTILE, "--assessment", "2024", "--assessors",
                          ",".join(labels), "--panel", "classical", "--out", str(tmp_path), "--root", str(ROOT)], env=WIDE)
    assert made.exit_code == 0, made.output
    books = sorted((tmp_path / "0216" / "2024").glob("*.xlsx"))
    assert f"  {labels[0]}: " in made.stdout and f"  {labels[1]}: " in made.stdout
    for level, path in zip((2, 4), books, strict=True):
        wb = load_workbook(path)
        for r in range(3, 31):
            wb["Ocena"].cell(r, 5).value = level
        wb.save(path)
    res = runner.invoke(family(caf.app, "caf"), ["caf", "read", str(tmp_path / "0216"), "--root", str(ROOT)], env=WIDE)
    assert res.exit_code == 0, res.output
    assert f"\n{HOSTILE} (0216), samoocena 2024, panel klasyczny\n" in res.stdout
    assessors = next(line for line in res.stdout.splitlines() if line.startswith("oceniający (2): "))
    assert sorted(assessors.removeprefix("oceniający (2): ").split(", ")) == sorted(labels)


def test_pb_read_prints_meta_and_project_names_literally(tmp_path):
    text = (ROOT / "tests" / "fixtures" / "pabulib" / "approval_greedy.pb").read_text(encoding="utf-8")
    hostile = tmp_path / "hostile.pb"
    hostile.write_text(text.replace("unit;Testowo", "unit;[/b] root:x:0 :thumbs_up:")
                       .replace("4;10;2;Stojaki;None;1", "4;10;2;[bold]Stojaki :x:;None;0"), encoding="utf-8")
    res = runner.invoke(family(pb.app, "pb"), ["pb", "read", str(hostile)], env=WIDE)
    assert res.exit_code == 0, res.output
    assert "[/b] root:x:0 :thumbs_up: (city-wide), 2024: approval ballots, rule greedy" in res.stdout
    assert "selection check: differs from the file" in res.stdout and "[bold]Stojaki :x:" in res.stdout


def test_audit_prints_page_names_and_snippets_literally(tmp_path):
    page = tmp_path / "[b]strona:x:.html"
    page.write_text('<!doctype html><html><head><title>t</title></head><body><h1>t</h1>'
                    '<img src="a.png" title="[/b] :thumbs_up:"></body></html>', encoding="utf-8")
    res = runner.invoke(app, ["audit", str(tmp_path), "--no-axe"], env=WIDE)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "[b]strona:x:.html: lang: " in res.stdout and "[b]strona:x:.html: img-alt: " in res.stdout
    assert '[/b] :thumbs_up:' in res.stdout


def test_reports_prints_a_failed_report_literally(monkeypatch, tmp_path):
    manifest = {"ok": 1, "failed": 1, "reused": 0, "duration_s": 1.0,
                "reports": [{"status": "ok", "label": "0201011"}, {"status": "failed", "label": HOSTILE, "error": "[bold]:x:"}]}
    monkeypatch.setattr("jstbench.series.build.check_series", lambda project, series: None)
    monkeypatch.setattr("jstbench.series.run.run", lambda *args, **kwargs: manifest)
    (tmp_path / "output").mkdir()
    res = runner.invoke(app, ["reports", "[b]seria:x:", "--root", str(tmp_path)], env=WIDE)
    assert res.exit_code == 1
    assert res.stdout == f"1 reports ok, 1 failed in 1.0 s → {tmp_path / 'output' / '[b]seria:x:' / 'index.html'}\n"
    assert res.stderr == f"failed: {HOSTILE}: [bold]:x:\n"
