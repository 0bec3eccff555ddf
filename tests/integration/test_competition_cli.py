"""`jstbench competition make` → fill → `competition score`: the outputs, escaping, atomic reruns, refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from jstbench.cli import competition

from ..conftest import ROOT

FIX = ROOT / "tests" / "fixtures" / "competition" / "konkurs.yml"
runner = CliRunner()
app = typer.Typer()
app.add_typer(competition.app, name="competition")
FILL = {"j1": {"e1": (8, 7), "e2": (6, 5.5), "e3": (5, 4)},
        "j2": {"e1": (9, 8), "e2": (7, 6), "e3": (6, 5)},
        "j3": {"e1": (6, 5), "e2": (4, 3.5)}}


def setup(tmp_path: Path, title: str | None = None) -> Path:
    folder = tmp_path / "konkurs"
    folder.mkdir()
    text = FIX.read_text(encoding="utf-8")
    if title:
        text = text.replace('title: "Konkurs testowy 2024"', f"title: {title!r}")
    (folder / "konkurs.yml").write_text(text, encoding="utf-8")
    return folder


def fill(folder: Path) -> None:
    """What a juror does: type scores and a comment into the workbook `make` wrote."""
    for juror, by_entry in FILL.items():
        path = folder / "oceny" / f"{juror}.xlsx"
        wb = load_workbook(path)
        ws = wb["Oceny"]
        for r in range(4, 7):
            for col, v in zip((4, 5), by_entry.get(ws.cell(r, 1).value, ()), strict=False):
                ws.cell(r, col).value = v
        ws.cell(5, 6).value = f"<b>komentarz {juror}</b>"
        wb.save(path)


def run(*args: str):
    return runner.invoke(app, ["competition", *args, "--root", str(ROOT)])


def test_make_fill_score_end_to_end(tmp_path):
    folder = setup(tmp_path, "<script>alert(1)</script> Konkurs")
    res = run("make", str(folder))
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (folder / "oceny").iterdir()) == ["j1.xlsx", "j2.xlsx", "j3.xlsx"]
    fill(folder)
    out = tmp_path / "wyniki"
    res = run("score", str(folder), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "feedback", "feedback/e1.xlsx", "feedback/e2.xlsx", "feedback/e3.xlsx", "wyniki.html", "wyniki.xlsx"]
    assert "e1: Geodezja" in res.stdout and "Poznań" in res.stdout and "laureat" in res.stdout
    page = (out / "wyniki.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Konkurs" in page
    assert "Zgłoszenia: 3; jurorzy: 3; kryteria (2) i ich wagi: Efekty (75%), Koszty (25%)" in page
    assert "200 losowań" in page and "90%" in page and "laureat" in page
    ws = load_workbook(out / "feedback" / "e2.xlsx").active
    values = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    assert ["Juror 1", "<b>komentarz j1</b>"] in values and ["Juror 3", "<b>komentarz j3</b>"] in values
    assert not any("j1" in str(v[0]) for v in values if v)  # jurors are anonymised
    results = load_workbook(out / "wyniki.xlsx")
    assert results.sheetnames == ["Wyniki", "Kryteria", "Oceny"] and results["Wyniki"].max_row == 4


def test_a_rerun_replaces_the_output_folder_atomically(tmp_path):
    folder = setup(tmp_path)
    assert run("make", str(folder)).exit_code == 0
    fill(folder)
    out = tmp_path / "wyniki"
    assert run("score", str(folder), "--out", str(out)).exit_code == 0
    (out / "stary.txt").write_text("z poprzedniego przebiegu", encoding="utf-8")
    first = (out / "wyniki.html").read_bytes()
    res = run("score", str(folder), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert not (out / "stary.txt").exists() and (out / "wyniki.html").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["konkurs", "wyniki"]  # no staging folder left


def test_make_refuses_to_overwrite_filled_workbooks(tmp_path):
    folder = setup(tmp_path)
    assert run("make", str(folder)).exit_code == 0
    fill(folder)
    res = run("make", str(folder))
    assert res.exit_code == 1 and "already hold scores: j1.xlsx, j2.xlsx, j3.xlsx" in res.stderr
    assert load_workbook(folder / "oceny" / "j1.xlsx")["Oceny"]["D4"].value == 8
    assert run("make", str(folder), "--force").exit_code == 0
    assert load_workbook(folder / "oceny" / "j1.xlsx")["Oceny"]["D4"].value is None


def test_score_reports_bad_workbooks_without_a_traceback(tmp_path):
    folder = setup(tmp_path)
    assert run("make", str(folder)).exit_code == 0
    fill(folder)
    wb = load_workbook(folder / "oceny" / "j3.xlsx")
    wb["Oceny"]["D6"] = 9
    wb.save(folder / "oceny" / "j3.xlsx")
    shutil.move(folder / "oceny" / "j2.xlsx", tmp_path / "j2.xlsx")
    res = run("score", str(folder), "--out", str(tmp_path / "wyniki"))
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "j3.xlsx: Oceny!D6: refused: conflict of interest: juror j3" in res.stderr
    assert "missing juror j2" in res.stderr and not (tmp_path / "wyniki").exists()
