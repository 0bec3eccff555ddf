"""A valid series without `composites:` (as in the README's example), and one whose only group is too small for a
composite rank in it, build end to end: the composite tables are written empty with their declared types and the
unit report renders (once, an empty composite-groups table was written with null-typed columns and every unit report
died on an Arrow type error)."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from jstbench.core.project import Project
from jstbench.series import folder as sf
from jstbench.series import run as reports

POZNAN = "3064011"
NO_COMPOSITES = f"""\
title: "Seria bez indeksów złożonych"
year: 2024
data: output/data/demo
groups: []
units: ["{POZNAN}"]
templates: {{quality: null}}
"""
# one group of two cities: below min_group_size (4), so no group has enough scored members for a composite rank
TWO_CITIES = f"""\
min_group_size: 4
exchange_groups:
  - {{id: dwa-miasta, name: "Dwa miasta", sector: administration, members: ["{POZNAN}", "1661011"]}}
"""
SMALL_GROUP = """\
title: "Seria z grupą za małą na indeks"
year: 2024
data: output/data/demo
groups_file: params/two_cities.yml
templates: {quality: null, group: null}
composites:
  - id: decyzje
    name: "Indeks jakości decyzji"
    indicators: [adm_decisions_late_share, adm_decisions_appealed_share, adm_decisions_overturned_share]
    uncertainty: {runs: 20}
    sensitivity: {n_base: 8}
"""


def build(root: Path, name: str, text: str) -> tuple[dict, sf.SeriesFolder]:
    (root / "params" / f"{name}.yml").write_text(text, encoding="utf-8")
    manifest = reports.run(Project(root), name, workers=2, progress=False)
    return manifest, sf.SeriesFolder(root / "output" / name / "data")


def page(root: Path, name: str, code: str) -> str:
    return BeautifulSoup((root / "output" / name / "jst" / f"{code}.html").read_text(encoding="utf-8"),
                         "html.parser").get_text(" ")


def test_a_series_without_composites_builds_and_its_unit_report_renders(small_project):
    manifest, data = build(small_project, "bez-indeksow", NO_COMPOSITES)
    assert (manifest["ok"], manifest["failed"]) == (1, 0), manifest["reports"]
    groups = data.read("composite_groups")
    assert groups.empty and str(groups["rank_lo"].dtype) == "float64"
    assert "Ta seria nie definiuje indeksów złożonych." in page(small_project, "bez-indeksow", POZNAN)


def test_a_series_whose_groups_are_too_small_for_a_composite_builds_and_its_unit_reports_render(small_project):
    (small_project / "params" / "two_cities.yml").write_text(TWO_CITIES, encoding="utf-8")
    manifest, data = build(small_project, "mala-grupa", SMALL_GROUP)
    assert (manifest["ok"], manifest["failed"]) == (2, 0), manifest["reports"]
    assert data.read("composite_groups").empty and len(data.read("composite_scores"))
    text = page(small_project, "mala-grupa", POZNAN)
    assert "Indeks jakości decyzji" in text
