"""`jstbench caf make|read`: workbooks per assessor with safe file names; reading prints per criterion the mean and
the spread between assessors, flags sub-criteria to settle in the team and writes the consolidated workbook; bad
inputs end with a clear message (exit 1, no traceback)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from jstbench.catalogue.caf import load_caf
from jstbench.cli import caf as caf_cli
from jstbench.data.caf_demo import write_demo_caf

ROOT = Path(__file__).resolve().parents[2]
app = typer.Typer()
app.add_typer(caf_cli.app, name="caf")
runner = CliRunner()
UNITS = [("0201011", "Bolesławiec"), ("0216", "polkowicki"), ("3064011", "Poznań"), ("1465011", "Warszawa"),
         ("1426042", "Mała"), ("2814042", "Wiejska")]


def invoke(*args: str):
    return runner.invoke(app, ["caf", *args, "--root", str(ROOT)], terminal_width=200)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, int]:
    folder = tmp_path_factory.mktemp("caf_demo")
    return folder, write_demo_caf(folder, UNITS, 11, load_caf(ROOT / "methodology" / "catalogue" / "caf.yml"))


def test_make_writes_one_workbook_per_assessor_with_safe_names(tmp_path):
    result = invoke("make", "--unit", "1465011", "--name", "Warszawa", "--assessment", "2024",
                    "--assessors", "Zespół A, ../../Zespół B,", "--panel", "fine", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "1465011" / "2024"
    assert sorted(p.name for p in folder.iterdir()) == ["Zespol_A.xlsx", "Zespol_B.xlsx"]
    info = {r[0]: r[1] for r in load_workbook(folder / "Zespol_B.xlsx")["INFO"].iter_rows(values_only=True)}
    assert info["oceniający"] == "../../Zespół B" and info["panel"] == "fine" and info["ocena"] == "2024"
    again = invoke("make", "--unit", "1465011", "--name", "Warszawa", "--assessment", "2024",
                   "--assessors", "Zespół A", "--panel", "fine", "--out", str(tmp_path))
    assert again.exit_code == 1 and "workbooks exist (use --force to overwrite)" in again.output


def test_make_lists_every_bad_option(tmp_path):
    result = invoke("make", "--unit", "146501", "--name", "X", "--assessment", "../24", "--assessors", "A/B,A_B",
                    "--panel", "tuned", "--out", str(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    for part in ("--unit: unit code '146501' is not a TERYT code", "--panel: unknown panel 'tuned'",
                 "--assessment: assessment id '../24' must be", "would share the file name A_B.xlsx"):
        assert part in result.output, result.output
    assert not any(tmp_path.iterdir())


def test_read_the_demo(demo, tmp_path):
    folder, n = demo
    assert n == 9  # 6 authorities in 2024, 3 of them also in 2022
    out = tmp_path / "zestawienie.xlsx"
    result = invoke("read", str(folder), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "9 assessment(s), " in result.output and "Bolesławiec (0201011), samoocena 2024" in result.output
    assert "do uzgodnienia w zespole" in result.output and "(dane syntetyczne)" in result.output
    sheets = pd.read_excel(out, sheet_name=None, dtype={"unit": str, "assessment": str, "subcriterion": str})
    assert list(sheets) == ["scores", "consolidated", "strengths", "areas", "plan"]
    cons = sheets["consolidated"]
    assert len(cons) == 9 * 28
    assert (cons["spread"] == cons["max"] - cons["min"]).all()
    assert set(cons.loc[cons["spread"] >= 40, "consensus"]) == {"do uzgodnienia w zespole"}
    assert not sheets["strengths"].empty and not sheets["areas"].empty and not sheets["plan"].empty


def test_read_computes_mean_and_spread(tmp_path):
    """Two assessors, classical panel: A gives every sub-criterion level 2, B level 4 except 1.1 (level 0)."""
    made = invoke("make", "--unit", "0216", "--name", "polkowicki", "--assessment", "2024", "--assessors", "A,B",
                  "--panel", "classical", "--out", str(tmp_path))
    assert made.exit_code == 0, made.output
    for name, level in (("A", 2), ("B", 4)):
        path = tmp_path / "0216" / "2024" / f"{name}.xlsx"
        wb = load_workbook(path)
        for r in range(3, 31):
            wb["Ocena"].cell(r, 5).value = level
        if name == "B":
            wb["Ocena"]["E3"] = 0
        wb.save(path)
    out = tmp_path / "c.xlsx"
    result = invoke("read", str(tmp_path / "0216"), "--out", str(out))
    assert result.exit_code == 0, result.output
    # criterion 1: A 40 on all four; B (0 + 80·3)/4 = 60 → mean 50, spread 20; 1.1: 40 vs 0 → spread 40, flagged
    # criterion 2: 40 vs 80 → mean 60, spread 40; each of 2.1–2.4 spread 40 too
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 4}
    assert "50,0" in lines["1"] and "20,0" in lines["1"] and "1.1 (40)" in lines["1"]
    assert "60,0" in lines["2"] and "40,0" in lines["2"] and "2.1 (40)" in lines["2"]
    assert "28 podkryteriów z rozrzutem ≥ 40 pkt" in result.output
    cons = pd.read_excel(out, sheet_name="consolidated", dtype={"subcriterion": str}).set_index("subcriterion")
    assert cons.loc["1.1", ["mean", "min", "max", "spread", "n"]].tolist() == [20, 0, 40, 40, 2]
    assert cons.loc["9.2", ["mean", "spread"]].tolist() == [60, 40]


def test_read_reports_every_problem(demo, tmp_path):
    folder, _ = demo
    src = next((folder / "0201011" / "2024").glob("*.xlsx"))  # the 1st authority: classical panel
    bad = tmp_path / "0201011" / "2024" / src.name
    bad.parent.mkdir(parents=True)
    wb = load_workbook(src)
    wb["Ocena"]["E3"], wb["Ocena"]["E4"] = 7, "świetnie"
    wb.save(bad)
    result = invoke("read", str(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{bad}: Ocena!E3: level 7 is outside the classical panel" in result.output.replace("\n", "")
    assert "Ocena!E4: text 'świetnie' is not a score" in result.output
    assert invoke("read", str(tmp_path), "--out", str(tmp_path / "x.csv")).exit_code == 1
