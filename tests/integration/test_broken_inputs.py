"""Broken inputs kept as named files (tests/fixtures/broken, listed in its cases.yml): each is placed in a fresh copy
of the project and fed to the command line, which must refuse it with exit code 1 and no traceback, give the
expected message (file and place) and write nothing."""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from jstbench.cli import app

from ..conftest import ROOT, make_project
from .test_real_data import TERC

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "broken"
CASES: dict[str, dict] = yaml.safe_load((BROKEN / "cases.yml").read_text(encoding="utf-8"))["cases"]
TARGETS = {"series", "groups", "indicator", "variables", "data-load", "forms-read", "survey-check", "strategy-check",
           "pb-read", "practices-check"}
NOT_CASES = {"cases.yml", "README.md"}
STORE = "output/data/real"  # the TERYT register, for data loads
VALID_SERIES = 'title: "Seria poprawna"\nyear: 2024\ndata: output/data/demo\n'  # checked with a replaced groups.yml

runner = CliRunner()


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> Path:
    """output/data of a tiny project, built once: demo data of the participants only (no synthetic background;
    every group member is there) and a store holding the units register of a few dolnośląskie units."""
    from jstbench.data.demo import generate
    from jstbench.data.load import load_files
    from jstbench.data.participants import load_participants
    from jstbench.data.store import save

    data = tmp_path_factory.mktemp("stores") / "data"
    units, obs = generate(load_participants(ROOT / "params" / "participants.yml"), background_scale=0.0)
    save(units, obs, data / "demo")
    terc = data.parent / "TERC.csv"
    terc.write_text(TERC, encoding="utf-8")
    load_files(data / "real", [terc])
    return data


def project(tmp_path: Path, stores: Path) -> Path:
    root = make_project(tmp_path)
    shutil.copytree(stores, root / "output" / "data")
    return root


def fixture_files(case: dict) -> list[Path]:
    """The case's file, or every file of its folder."""
    src = BROKEN / case["file"]
    return sorted(p for p in src.rglob("*") if p.is_file()) if src.is_dir() else [src]


def place(case: dict, root: Path) -> list[str]:
    """Put the fixture where its target says; the command line arguments that read it (without --root)."""
    src = BROKEN / case["file"]
    target = case["target"]
    if target == "series":
        dest = root / "params" / src.name
        assert not dest.exists(), f"{src.name} would replace a series of the project"
        shutil.copy(src, dest)
        return ["check", src.stem]
    if target == "groups":
        shutil.copy(src, root / "params" / "groups.yml")
        (root / "params" / "valid.yml").write_text(VALID_SERIES, encoding="utf-8")
        return ["check", "valid"]
    if target == "indicator":
        for path in fixture_files(case):
            dest = root / "methodology" / "catalogue" / "indicators" / path.name
            assert not dest.exists(), f"{path.name} would replace an indicator of the catalogue"
            shutil.copy(path, dest)
        return ["check"]
    if target == "variables":
        path = root / "methodology" / "catalogue" / "variables.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["variables"] = yaml.safe_load(src.read_text(encoding="utf-8")) + data["variables"]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return ["check"]
    if target == "data-load":
        return ["data", "load", str(src), "--format", case["format"], "--store", STORE]
    if target == "forms-read":
        return ["forms", "read", str(src)]
    if target in ("survey-check", "strategy-check"):
        return [target.split("-")[0], "check", str(src)]
    if target == "pb-read":
        return ["pb", "read", str(src)]
    if target == "practices-check":
        return ["practices", "check", str(src), "--data", STORE]
    raise AssertionError(f"unknown target {target!r}")


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the project and its content hash."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_broken_input_is_refused(name, stores, tmp_path):
    case = CASES[name]
    root = project(tmp_path, stores)
    args = place(case, root)
    observations = root / STORE / "observations.parquet"
    before, observations_before = snapshot(root), observations.read_bytes()
    project_option = [] if case["target"] == "pb-read" else ["--root", str(root)]  # a .pb file needs no project
    result = runner.invoke(app, [*args, *project_option])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), f"{result.exception!r} instead of a clear refusal"
    assert "Traceback" not in result.output
    assert case["expect"] in result.output, result.output
    assert observations.read_bytes() == observations_before  # nothing half-loaded
    assert snapshot(root) == before  # nor anything else written


def test_the_unbroken_copy_passes(stores, tmp_path):
    """The refusals above are the fixtures' doing: the same copy, untouched, checks clean."""
    root = project(tmp_path, stores)
    (root / "params" / "valid.yml").write_text(VALID_SERIES, encoding="utf-8")
    result = runner.invoke(app, ["check", "valid", "--root", str(root)])
    assert result.exit_code == 0, result.output


def test_cases_are_complete():
    for name, case in CASES.items():
        assert case["target"] in TARGETS, name
        needed = {"file", "target", "expect", "why"} | ({"format"} if case["target"] == "data-load" else set())
        assert set(case) == needed, f"{name}: fields {sorted(set(case))}, expected {sorted(needed)}"
        assert (BROKEN / case["file"]).exists(), f"{name}: {case['file']} not found"
        assert case["why"].strip() and "\n" not in case["why"].strip(), f"{name}: why is one line"


def test_every_fixture_is_named_by_exactly_one_case():
    named = Counter(p.relative_to(BROKEN).as_posix() for case in CASES.values() for p in fixture_files(case))
    present = {p.relative_to(BROKEN).as_posix() for p in BROKEN.rglob("*") if p.is_file()} - NOT_CASES
    assert sorted(present - set(named)) == [], "fixtures no case names"
    assert sorted(f for f, n in named.items() if n > 1) == [], "fixtures named by several cases"
