"""`jstbench pb read`: the table, the JSON keys, exit 1 with the section and line on a broken file."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from jstbench.cli import pb

from ..conftest import REALDATA, ROOT

FIX = ROOT / "tests" / "fixtures" / "pabulib"
WAWER = REALDATA / "pabulib" / "poland_warszawa_2017_wawer.pb"
runner = CliRunner()
app = typer.Typer()
app.add_typer(pb.app, name="pb")


def test_read_table():
    res = runner.invoke(app, ["pb", "read", str(FIX / "approval_greedy.pb"), "--population", "2000"])
    assert res.exit_code == 0, res.output
    assert "Testowo (city-wide), 2024" in res.stdout and "0.30%" in res.stdout and "agrees" in res.stdout


def test_read_json_keys():
    res = runner.invoke(app, ["pb", "read", str(FIX / "cumulative.pb"), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["projects"], data["voters"], data["budget"]) == (3, 4, 100.0)
    assert data["selected_in_file"] is None and data["selected_by_rule"] == ["2", "3"] and data["selection_agrees"] is None


def test_broken_file_exits_1_naming_section_and_line(tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text((FIX / "ordinal.pb").read_text(encoding="utf-8").replace("3;b\n", "3;x\n"), encoding="utf-8")
    res = runner.invoke(app, ["pb", "read", str(bad)])
    assert res.exit_code == 1 and "VOTES line 21" in res.stderr and "project x, which is not in PROJECTS" in res.stderr
    res = runner.invoke(app, ["pb", "read", str(FIX / "ordinal.pb"), "--population", "0"])
    assert res.exit_code == 1 and "--population: must be above 0" in res.stderr


def test_inconsistent_file_suggests_lenient(tmp_path):
    bad = tmp_path / "over.pb"
    bad.write_text((FIX / "approval_greedy.pb").read_text(encoding="utf-8").replace("budget;100", "budget;90"), encoding="utf-8")
    res = runner.invoke(app, ["pb", "read", str(bad)])
    assert res.exit_code == 1 and "above the budget 90" in res.stderr and "--lenient" in res.stderr
    res = runner.invoke(app, ["pb", "read", str(bad), "--lenient", "--json"])
    data = json.loads(res.stdout)
    assert res.exit_code == 0 and data["selection_agrees"] is False and len(data["warnings"]) == 1


@pytest.mark.skipif(not WAWER.exists(), reason="../shared/realdata/pabulib is not present")
def test_real_wawer_json():
    res = runner.invoke(app, ["pb", "read", str(WAWER), "--lenient", "--json"])
    data = json.loads(res.stdout)
    assert (data["projects"], data["voters"], data["selection_agrees"]) == (56, 3676, False)
    assert [d["project_id"] for d in data["differences"]] == ["74", "2450", "2464"]
