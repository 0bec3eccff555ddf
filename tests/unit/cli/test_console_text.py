"""Input text reaches the console literally: no markup, emoji codes, highlighting or terminal control; an input
error is one message and exit code 1, never a traceback."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import typer
from typer.testing import CliRunner

from jstbench.cli.common import friendly, run_reports
from jstbench.core.errors import InputError, InputErrors

runner = CliRunner()


def failing(error: Exception) -> typer.Typer:
    """A one-command app whose command raises `error`."""
    app = typer.Typer()

    @app.command()
    @friendly
    def run() -> None:
        raise error

    return app


@pytest.mark.parametrize("text", ["[/b]", "[bold]x[/]", "root:x:0", ":thumbs_up:", "[/]", "C:\\dane\\",
                                  "C:\\[red]x", "1e999 [osoba] 0x1F https://x.pl 2024-01-01"])
def test_input_text_in_an_error_prints_exactly(text):
    res = runner.invoke(failing(InputError(f"bad value {text}", "bdl[/b].csv", "row 2")))
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit)
    assert res.stderr == f"error: bdl[/b].csv: row 2: bad value {text}\n"
    assert res.stdout == ""


def test_several_problems_print_one_per_line_literally():
    res = runner.invoke(failing(InputErrors([InputError("unit [/b]", "a.yml", "line 1"),
                                             InputError(":x: twice", "b.yml", "line 2")])))
    assert res.exit_code == 1 and res.stderr == "error: a.yml: line 1: unit [/b]\n  b.yml: line 2: :x: twice\n"


def test_terminal_control_characters_are_shown_not_sent():
    res = runner.invoke(failing(InputError("name \x1b[31mred\x1b[0m\rover", "f.csv", "row 1")))
    assert res.exit_code == 1 and res.stderr == "error: f.csv: row 1: name \\x1b[31mred\\x1b[0m\\x0dover\n"


def test_a_missing_file_message_prints_literally():
    res = runner.invoke(failing(FileNotFoundError(2, "No such file or directory", "[bold]:x:.csv")))
    assert res.exit_code == 1 and res.stderr == "error: [Errno 2] No such file or directory: '[bold]:x:.csv'\n"


def test_failed_reports_print_label_and_error_literally(monkeypatch, tmp_path):
    folder = tmp_path / "[b]out:x:"
    results = [SimpleNamespace(status="ok", job=SimpleNamespace(label="0201011"), error=None),
               SimpleNamespace(status="failed", job=SimpleNamespace(label="[/b]:thumbs_up:"), error="root:x:0 [bold]")]
    monkeypatch.setattr("jstbench.series.runner.execute", lambda jobs, series_dir, workers: results)
    app = typer.Typer()
    app.command()(lambda: run_reports([], tmp_path, 1, "unit", folder))
    res = runner.invoke(app)
    assert res.exit_code == 1
    assert res.stdout == f"1 unit reports ok, 1 failed → {folder}\n"
    assert res.stderr == "failed: [/b]:thumbs_up:: root:x:0 [bold]\n"
