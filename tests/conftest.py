"""Shared fixtures: a small copy of the project with deterministic demo data (2% of the background)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist's workers start with COLUMNS=80 and LINES=24 in their environment (a serial run has neither): the
    # command line's rich consoles, made at import, would keep that width whatever COLUMNS a test invokes them with
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)

# Session fixtures that only a few modules use: under pytest-xdist (`--dist loadgroup`, pyproject.toml) those modules
# run on one worker, so that each is built once. The small series, which most notebook modules use, is built by each
# worker.
SHARED_FIXTURES = ("forced_rebuild", "voice_series")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests for pytest-xdist's `loadgroup`: a module's tests run on one worker (its module fixtures are built
    once), and the modules that use one of SHARED_FIXTURES on one worker. No effect without xdist."""
    modules: dict[Path, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(Path(item.path), []).append(item)
    for path, module_items in modules.items():
        shared = [f for f in SHARED_FIXTURES if any(f in getattr(i, "fixturenames", ()) for i in module_items)]
        group = shared[0] if shared else (path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path))
        for item in module_items:
            item.add_marker(pytest.mark.xdist_group(group))

SMALL_SERIES = """\
title: "Seria testowa"
year: 2024
data: output/data/demo
groups_file: params/groups.yml
groups: [miasta-oswiata, powiaty-zdrowie]
units: ["3064011", "{empty_unit}"]
workers: 2
timeout_s: 300
composites:
  - id: decyzje
    name: "Indeks jakości decyzji"
    indicators: [adm_decisions_late_share, adm_decisions_appealed_share, adm_decisions_overturned_share]
    uncertainty: {{runs: 100}}
    sensitivity: null         # no sensitivity design: the scores carry no mean rank
  - id: odpady
    name: "Indeks gospodarki odpadami"
    domains:
      - {{id: zbiorka, name: "Zbiórka", weight: 2, indicators: [waste_recycling_rate, waste_separate_share, waste_mixed_kg_per_capita]}}
      - {{id: koszty, name: "Koszty", indicators: [waste_cost_per_tonne, waste_fee_cost_coverage]}}
    impute: group_median
    impute_groups: kind
    treat: winsorise_log
    normalise: goalposts
    reference_year: 2022
    trend_years: 2
    uncertainty: {{runs: 100}}
    sensitivity: {{n_base: 16}}
"""
VOICE_SERIES = """\
title: "Seria testowa: głos mieszkańców"
year: 2024
data: output/data/demo
groups: []
units: ["3064011", "0216"]
templates: {quality: null}
surveys:
  folder: output/data/demo/surveys
  min_n: 200
participatory:
  folder: output/data/demo/pb
strategies: params/strategies
practices: {folder: params/practices}
caf: {folder: output/data/demo/caf, min_n: 3}
"""
VOICE_UNITS = {"3064011": "Poznań", "1661011": "Opole", "2814042": "Dywity"}  # surveyed in the small project


def make_project(dest: Path) -> Path:
    """Copy the project's definitions (not its output) to `dest`."""
    for name in ("methodology", "params", "notebooks"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("_site", ".ipynb_checkpoints"))
    (dest / "output").mkdir()
    return dest


@pytest.fixture(scope="session")
def small_project(tmp_path_factory) -> Path:
    """A project with small demo data, one unit renamed to HTML and one unit without data.

    `tests.yml` reports on two groups, Poznań, and a unit with no observations (its report must fail)."""
    from jstbench.data.demo import generate
    from jstbench.data.participants import load_participants
    from jstbench.data.store import save

    root = make_project(tmp_path_factory.mktemp("project"))
    units, obs = generate(load_participants(root / "params" / "participants.yml"), background_scale=0.02)
    # A hostile name must come out escaped in every HTML page.
    units.loc[units["code"] == "1661011", "name"] = "Opole <script>alert(1)</script> & Co"
    empty = units.loc[units["synthetic"] & (units["kind"] == "gmina_rural"), "code"].iloc[0]
    obs = obs[obs["unit"] != empty]
    save(units, obs, root / "output" / "data" / "demo")
    write_voice(root, obs)
    (root / "params" / "tests.yml").write_text(SMALL_SERIES.format(empty_unit=empty), encoding="utf-8")
    (root / "params" / "voice.yml").write_text(VOICE_SERIES, encoding="utf-8")
    (root / "empty_unit.txt").write_text(empty)
    return root


def write_voice(root: Path, obs: pd.DataFrame) -> None:
    """Two survey waves of three authorities (Dywity is small: with the series' min_n of 200 all of its results are
    suppressed), a city-wide and a district participatory budget of Poznań, and CAF self-assessments of the same three
    authorities (Poznań and Dywity twice: 2022 and 2024)."""
    from jstbench.catalogue.caf import load_caf
    from jstbench.catalogue.load import load_catalogue
    from jstbench.data.caf_demo import write_demo_caf
    from jstbench.data.demo_voice import population_cells
    from jstbench.data.pabulib_demo import write_demo_pb
    from jstbench.data.survey_demo import generate_waves

    data = root / "output" / "data" / "demo"
    q = load_catalogue(root / "methodology" / "catalogue").questionnaires["mieszkancy"]
    cells = population_cells(q, obs, list(VOICE_UNITS), VOICE_UNITS, 2024)
    generate_waves(cells, q, [2022, 2024], data / "surveys", seed=7)
    (data / "surveys" / "true_values.csv").replace(data / "surveys_true_values.csv")
    write_demo_pb(data / "pb", "3064011", "Poznań", 540_000, 2024, seed=3)
    write_demo_pb(data / "pb", "3064011", "Poznań", 540_000, 2024, seed=4, district="Wilda")
    caf = load_caf(root / "methodology" / "catalogue" / "caf.yml")
    write_demo_caf(data / "caf", [("3064011", "Poznań"), ("1661011", "Opole"), ("2814042", "Dywity")], 7, caf)


@pytest.fixture(scope="session")
def small_series(small_project: Path) -> dict:
    """The `tests` series built once (reports + data), shared by the notebook and site tests."""
    from jstbench.core.project import Project
    from jstbench.series import run as reports

    manifest = reports.run(Project(small_project), "tests", workers=2, progress=False)
    return manifest


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def forced_rebuild(small_project: Path, small_series: dict, tmp_path_factory) -> dict:
    """A copy of the small project whose `tests` series was built again with `force`, by one worker: the series data
    computed again and every report run again. Built once and shared by the incremental and process tests (one full
    rebuild instead of one per test): `root` of the copy, the rebuild's `manifest`, and the files of the series as
    `small_series` built them (`first`, by two workers) and as the rebuild left them (`second`)."""
    from jstbench.core.project import Project
    from jstbench.series import run as reports

    root = Path(shutil.copytree(small_project, tmp_path_factory.mktemp("forced") / "project", symlinks=True))
    first = snapshot(root / "output" / "tests")
    manifest = reports.run(Project(root), "tests", workers=1, progress=False, force=True)
    return {"root": root, "manifest": manifest, "first": first, "second": snapshot(root / "output" / "tests")}


@pytest.fixture(scope="session")
def voice_series(small_project: Path) -> dict:
    """The `voice` series (surveys, participatory budgets, strategies; three authority reports, no groups) built once."""
    from jstbench.core.project import Project
    from jstbench.series import run as reports

    return reports.run(Project(small_project), "voice", workers=2, progress=False)


@pytest.fixture(scope="module")
def voice_built(small_project: Path, voice_series: dict) -> tuple[Path, dict]:
    """The `voice` series' output folder and its manifest."""
    return small_project / "output" / "voice", voice_series


def reports(manifest: dict, kind: str) -> dict[str, dict]:
    """The manifest's reports of one kind, by key."""
    return {r["key"]: r for r in manifest["reports"] if r["kind"] == kind}


@pytest.fixture
def panel() -> pd.DataFrame:
    """A tiny wide panel (unit, year) × variables for formula tests."""
    idx = pd.MultiIndex.from_tuples(
        [("a", 2020), ("a", 2021), ("b", 2020), ("b", 2021), ("c", 2021)], names=["unit", "year"])
    return pd.DataFrame({"x": [10.0, 12.0, None, 4.0, 5.0], "pop": [1000.0, 0.0, 500.0, 400.0, 50.0],
                         "y": [2.0, 3.0, 4.0, 5.0, 0.0]}, index=idx)
