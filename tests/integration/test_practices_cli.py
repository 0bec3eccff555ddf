"""`jstbench practices check|template`: the demo base checks clean against a register and the competition records; a
filled template passes; every problem of every bad file is listed with exit 1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import typer
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from jstbench.cli import practices
from jstbench.data.store import UNITS_FILE

from ..conftest import ROOT, make_project

runner = CliRunner()
app = typer.Typer()
app.add_typer(practices.app, name="practices")


def project_with_register(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "p")
    store = root / "output" / "data" / "demo"
    store.mkdir(parents=True)
    codes = {"3027011": "gmina_urban", "1435022": "gmina_rural", "0262011": "city_powiat", "0663011": "city_powiat",
             "1408011": "gmina_urban", "1413011": "gmina_urban", "3001022": "gmina_rural", "3064011": "city_powiat"}
    pd.DataFrame({"code": list(codes), "name": [f"JST {c}" for c in codes], "kind": list(codes.values())}).to_parquet(
        store / UNITS_FILE)
    return root


def test_the_demo_base_checks_clean(tmp_path):
    root = project_with_register(tmp_path)
    res = runner.invoke(app, ["practices", "check", "--root", str(root)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    n = len(list((ROOT / "params" / "practices").glob("*.md")))
    assert f"{n} practices valid; units register {root / 'output' / 'data' / 'demo'} (8 units); 1 competition record(s)" \
        in res.stdout


def test_a_practice_of_an_unknown_unit_and_indicator_exits_1_naming_both(tmp_path):
    root = project_with_register(tmp_path)
    src = root / "params" / "practices" / "demo-turek-selektywna-zbiorka.md"
    bad = tmp_path / "zla.md"
    text = src.read_text(encoding="utf-8").replace("unit: '3027011'", "unit: '3027021'")
    bad.write_text(text.replace("- waste_separate_share\nperiod", "- waste_separate_share\n- waste_magic\nperiod"),
                   encoding="utf-8")
    res = runner.invoke(app, ["practices", "check", str(bad), "--root", str(root)])
    assert res.exit_code == 1
    assert f"{bad}: unit: unknown unit '3027021'" in res.stderr
    assert "indicators[1]: unknown indicator 'waste_magic'" in res.stderr


def test_an_award_that_no_competition_records_exits_1(tmp_path):
    root = project_with_register(tmp_path)
    shutil.rmtree(root / "params" / "competitions")
    res = runner.invoke(app, ["practices", "check", "--root", str(root)])
    assert res.exit_code == 1
    assert "award.competition: award names competition 'demo-2024', of which there is no record (known competitions: none)" \
        in res.stderr


def test_filled_excel_template_passes(tmp_path):
    root = project_with_register(tmp_path)
    path = tmp_path / "zgloszenie.xlsx"
    res = runner.invoke(app, ["practices", "template", str(path), "--root", str(root)])
    assert res.exit_code == 0, res.output
    wb = load_workbook(path)
    values = {"id": "budzyn-test", "title": "Praktyka z arkusza", "unit": "3001022", "service": "water_sewage",
              "indicators": "water_sewer_coverage", "period.start": 2019, "problem": "Brak kanalizacji we wsiach.",
              "actions": "Przydomowe oczyszczalnie.", "contact.role": "Referat gospodarki komunalnej",
              "date": "2024-06-01", "status": "submitted"}
    for row in wb["Praktyka"].iter_rows(min_row=2):
        if row[0].value in values:
            row[2].value = values[row[0].value]
    for j, v in enumerate(["Odsetek ludności korzystającej z sieci", "water_sewer_coverage", "%", 2018, 25.6, 2024, 35.7],
                          start=1):
        wb["Wyniki"].cell(3, j).value = v
    wb.save(path)
    res = runner.invoke(app, ["practices", "check", str(path), "--root", str(root)])
    assert res.exit_code == 0, res.output
    assert "1 practices valid" in res.stdout
    res = runner.invoke(app, ["practices", "template", str(path), "--root", str(root)])
    assert res.exit_code == 1 and "file exists" in res.stderr


def test_markdown_template_names_its_placeholder(tmp_path):
    root = project_with_register(tmp_path)
    path = tmp_path / "zgloszenie.md"
    assert runner.invoke(app, ["practices", "template", str(path), "--root", str(root)]).exit_code == 0
    data = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    assert data["unit"] == "0000000"
    res = runner.invoke(app, ["practices", "check", str(path), "--root", str(root)])
    assert res.exit_code == 1 and "unit: unit code '0000000' is not a TERYT code" in res.stderr


def test_a_competition_entry_naming_a_missing_practice_exits_1(tmp_path):
    root = project_with_register(tmp_path)
    (root / "params" / "practices" / "demo-budzyn-kanalizacja.md").unlink()
    res = runner.invoke(app, ["practices", "check", "--root", str(root)])
    assert res.exit_code == 1
    assert "konkurs.yml: entries[6].practice: entry 'e07' names practice 'demo-budzyn-kanalizacja', which is not in" \
        in res.stderr
