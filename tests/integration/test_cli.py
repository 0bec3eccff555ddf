"""The command line: useful output, JSON catalogue, non-zero exit with a clear message on bad input."""

import json

from typer.testing import CliRunner

from jstbench.cli import app

runner = CliRunner()


def test_indicators_json(small_project):
    res = runner.invoke(app, ["indicators", "--json", "--root", str(small_project)])
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert len(data["indicators"]) >= 30 and data["variables"]


def test_check_ok_and_bad_series(small_project):
    res = runner.invoke(app, ["check", "tests", "--root", str(small_project)])
    assert res.exit_code == 0, res.output
    assert "series tests: year 2024, 2 groups" in res.stdout
    (small_project / "params" / "broken.yml").write_text('title: "x"\nyear: 2024\ndata: output/data/demo\nunits: [201011]\n')
    res = runner.invoke(app, ["check", "broken", "--root", str(small_project)])
    assert res.exit_code == 1
    assert "broken.yml: units" in res.stderr and "quoted strings" in res.stderr


def test_help_lists_commands():
    res = runner.invoke(app, ["--help"])
    for cmd in ("check", "demo-data", "indicators", "reports", "site", "clean"):
        assert cmd in res.stdout


def test_reports_unknown_series_exits_nonzero(small_project):
    res = runner.invoke(app, ["reports", "nope", "--root", str(small_project)])
    assert res.exit_code == 1 and "series file not found" in res.stderr


def test_square_brackets_in_an_error_message_are_printed_not_eaten_as_markup(small_project):
    """Rich markup is off for messages: text such as '[osoba]' (a BDL unit) must reach the user as written."""
    res = runner.invoke(app, ["check", "no-such-[osoba]", "--root", str(small_project)])
    assert res.exit_code == 1 and "[osoba]" in res.output, res.output
