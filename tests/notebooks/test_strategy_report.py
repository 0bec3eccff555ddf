"""`jstbench strategy check|report` end to end on a small hand-made series folder (never the national demo): the
progress tables, the executed report, the annex files, and the accessibility checks of the pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import typer
from typer.testing import CliRunner

from jstbench.cli import strategy
from jstbench.site.audit import audit_folder
from tests.unit.views.test_strategy_view import CODE, VALID, small_series

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "strategies"


def cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(strategy.app, name="strategy")
    return app


def project(tmp_path: Path) -> Path:
    """A project with the real catalogue and notebook templates, one strategy file and a small built series."""
    for name in ("methodology", "notebooks"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "params" / "strategies").mkdir(parents=True)
    shutil.copy(VALID, tmp_path / "params" / "strategies" / f"{CODE}.yml")
    small_series(tmp_path / "output" / "tests" / "data")
    return tmp_path


def test_check_names_every_bad_file():
    res = CliRunner().invoke(cli(), ["strategy", "check", str(VALID), str(FIX / "wrong_unit.yml"),
                                     str(FIX / "target_before_baseline.yml"), "--root", str(ROOT)])
    assert res.exit_code == 1
    assert f"{VALID}: {CODE}, 1 goals, 2 indicators (1 own)" in res.stdout
    assert "wrong_unit.yml: goals[0].objectives[0].indicators[0].unit (line 13)" in res.stderr
    assert "target year 2018 is not after the base year 2020" in res.stderr and "Traceback" not in res.stderr


def test_report_end_to_end(tmp_path):
    root = project(tmp_path)
    res = CliRunner().invoke(cli(), ["strategy", "report", "tests", "--workers", "1", "--root", str(root)])
    assert res.exit_code == 0, res.stdout + res.stderr
    out = root / "output" / "tests" / "strategie"
    assert {p.name for p in out.iterdir()} == {f"{CODE}.html", f"{CODE}-zalacznik.xlsx", f"{CODE}-zalacznik.html"}
    html = (out / f"{CODE}.html").read_text(encoding="utf-8")
    assert "Realizacja strategii: Dywity" in html and "▲▲▲ na dobrej drodze" in html
    assert "mediana 2,6, pozycja 3 z 5 (percentyl 50)" in html
    ws = openpyxl.load_workbook(out / f"{CODE}-zalacznik.xlsx").active
    assert ws.max_row == 3
    audit = audit_folder(out)
    assert not audit.problems, audit.problems


def test_report_refuses_an_unknown_only_code(tmp_path):
    root = project(tmp_path)
    res = CliRunner().invoke(cli(), ["strategy", "report", "tests", "--only", "0216", "--root", str(root)])
    assert res.exit_code == 1 and "--only: no strategy file for 0216" in res.stderr
