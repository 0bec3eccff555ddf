"""The CAF 2020 structure as data: the project's file loads, `points` puts both panels on 0–100, and every broken
structure is named with its file, field and line."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from jstbench.catalogue.caf import load_caf
from jstbench.core.errors import InputErrors

ROOT = Path(__file__).resolve().parents[3]
CAF_FILE = ROOT / "methodology" / "catalogue" / "caf.yml"
TEXT = CAF_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def caf():
    return load_caf(CAF_FILE)


def test_structure_of_caf_2020(caf):
    assert caf.version == "CAF 2020" and caf.template_version == 1
    assert [c.number for c in caf.criteria] == list(range(1, 10))
    assert [c.kind for c in caf.criteria] == ["enabler"] * 5 + ["result"] * 4
    ids = [s.id for _, s in caf.subcriteria()]
    assert len(ids) == 28 and ids[0] == "1.1" and ids[-1] == "9.2"
    assert [len(c.subcriteria) for c in caf.criteria] == [4, 4, 3, 6, 3, 2, 2, 2, 2]
    assert caf.criteria[0].name.pl == "Przywództwo" and caf.criteria[8].name.pl == "Kluczowe wyniki działalności"
    assert "WORKING TRANSLATION" in caf.translation_note


def test_panels(caf):
    assert [lv.phase for lv in caf.panels.classical.enabler] == [None, "plan", "do", "check", "act", "pdca"]
    assert [tuple(lv.range) for lv in caf.panels.classical.result][-1] == (91, 100)
    assert caf.entries("classical", "result") == ["level"]
    assert caf.entries("fine", "enabler") == ["plan", "do", "check", "act"]
    assert caf.entries("fine", "result") == ["trends", "targets"]


def test_points(caf):
    # classical: level × 20
    assert [caf.points("classical", "enabler", {"level": k}) for k in range(6)] == [0, 20, 40, 60, 80, 100]
    assert caf.points("classical", "result", {"level": 2}) == 40
    # fine-tuned: (30 + 50 + 20 + 10) / 4 = 27.5; (40 + 70) / 2 = 55
    assert caf.points("fine", "enabler", {"plan": 30, "do": 50, "check": 20, "act": 10}) == 27.5
    assert math.isclose(caf.points("fine", "result", {"trends": 40, "targets": 70}), 55)


def broken(tmp_path: Path, old: str, new: str, count: int = 1) -> list[str]:
    assert old in TEXT
    path = tmp_path / "caf.yml"
    path.write_text(TEXT.replace(old, new, count), encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        load_caf(path)
    return [e.message for e in exc.value.errors]


def line_of(fragment: str, nth: int = 1) -> int:
    lines = [i for i, line in enumerate(TEXT.splitlines(), start=1) if fragment in line]
    return lines[nth - 1]


def test_criteria_out_of_order(tmp_path):
    msgs = broken(tmp_path, "  - number: 3\n", "  - number: 4\n")
    assert any("caf.yml: criteria (line" in m and "numbered 1–9 in order" in m for m in msgs), msgs


def test_a_result_among_enablers(tmp_path):
    msgs = broken(tmp_path, "  - number: 5\n    kind: enabler", "  - number: 5\n    kind: result")
    assert any("5 enablers then 4 results" in m for m in msgs), msgs


def test_duplicate_and_misprefixed_subcriterion(tmp_path):
    msgs = broken(tmp_path, '      - id: "4.6"', '      - id: "4.5"')
    want = line_of('- id: "4.6"')
    assert any(f"criteria[3].subcriteria[5].id (line {want})" in m and "duplicate sub-criterion id '4.5'" in m
               for m in msgs), msgs
    msgs = broken(tmp_path, '      - id: "9.2"', '      - id: "8.3"')
    assert any("'8.3' is not prefixed by its criterion number 9" in m for m in msgs), msgs


def test_a_missing_level(tmp_path):
    start = TEXT.index("      - {level: 5, phase: pdca")
    end = TEXT.index("    result:", start)
    path = tmp_path / "caf.yml"
    path.write_text(TEXT[:start] + TEXT[end:], encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        load_caf(path)
    assert any("panels.classical.enabler" in e.message and "levels 0–5 in order, found [0, 1, 2, 3, 4]" in e.message
               for e in exc.value.errors), exc.value.message


def test_points_outside_the_band_and_a_wrong_phase(tmp_path):
    msgs = broken(tmp_path, "{level: 3, phase: check, range: [51, 70], points: 60,",
                  "{level: 3, phase: act, range: [51, 70], points: 75,")
    line = line_of("{level: 3, phase: check")
    assert any(f"panels.classical.enabler[3].points (line {line})" in m and "outside the level's range 51–70" in m
               for m in msgs), msgs
    assert any("must name the PDCA phase 'check', found 'act'" in m for m in msgs), msgs


def test_unknown_key_and_wrong_type_name_the_line(tmp_path):
    msgs = broken(tmp_path, "template_version: 1", "template_version: one\ncolour: red")
    assert any(f"template_version (line {line_of('template_version: 1')})" in m for m in msgs), msgs
    assert any("colour" in m and "Extra inputs are not permitted" in m for m in msgs), msgs
