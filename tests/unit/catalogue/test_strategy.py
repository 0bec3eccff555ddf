"""Strategy files: read against the catalogue; every bad input named with its file, field and line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jstbench.catalogue.load import load_catalogue
from jstbench.catalogue.strategy import kind_of_code, load_strategy
from jstbench.core.errors import InputErrors

ROOT = Path(__file__).resolve().parents[3]
FIX = ROOT / "tests" / "fixtures" / "strategies"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ROOT / "methodology" / "catalogue")


def problems(path: Path, catalogue) -> list[str]:
    with pytest.raises(InputErrors) as exc:
        load_strategy(path, catalogue)
    return [e.message for e in exc.value.errors]


def test_a_valid_strategy(catalogue):
    sf = load_strategy(FIX / "valid.yml", catalogue)
    assert sf.code == "2814042" and sf.warnings == []
    assert [(i.id, i.source, i.increase, i.unit) for i in sf.items] == [
        ("adm_decisions_late_share", "catalogue", False, "%"), ("own_e_services_share", "own", True, "%")]
    assert sf.items[0].name == catalogue.indicators["adm_decisions_late_share"].name.pl


def test_target_year_before_the_baseline(catalogue):
    (msg,) = problems(FIX / "target_before_baseline.yml", catalogue)
    assert msg.startswith(str(FIX / "target_before_baseline.yml"))
    assert "indicators[0].target (line 14)" in msg and "target year 2018 is not after the base year 2020" in msg


def test_unknown_catalogue_indicator(catalogue):
    (msg,) = problems(FIX / "unknown_indicator.yml", catalogue)
    assert "catalogue (line 12)" in msg and "unknown catalogue indicator 'adm_decisions_late_shares'" in msg
    assert "did you mean adm_decisions_late_share" in msg


def test_target_in_the_wrong_unit(catalogue):
    (msg,) = problems(FIX / "wrong_unit.yml", catalogue)
    assert "unit (line 13)" in msg and "unit 'zł' is not the unit of catalogue indicator 'adm_decisions_late_share': '%'" in msg


def test_every_problem_of_a_file_at_once(catalogue):
    msgs = problems(FIX / "problems.yml", catalogue)
    assert len(msgs) == 4
    assert any("target.value (line 16)" in m and "above the baseline 4" in m and "lower-better" in m for m in msgs)
    assert any("goals[1].id (line 18)" in m and "duplicate goal id 'c1'" in m for m in msgs)
    assert any("(line 24)" in m and "'health_beds_per_10k' does not apply to a gmina wiejska" in m for m in msgs)
    assert any("own.id (line 29)" in m and "'ctx_population' is a catalogue indicator" in m for m in msgs)


def test_field_errors_name_field_and_line(catalogue):
    msgs = problems(FIX / "bad_fields.yml", catalogue)
    assert any("authority (line 2)" in m and "quoted strings" in m for m in msgs)
    assert any("indicators[0].target (line 13)" in m and "Field required" in m for m in msgs)


def test_a_baseline_off_the_data_by_more_than_a_rounding_is_a_warning(catalogue):
    def values(v: float) -> pd.DataFrame:
        return pd.DataFrame({"unit": ["2814042"], "year": [2020], "indicator": ["adm_decisions_late_share"], "value": [v]})

    assert load_strategy(FIX / "valid.yml", catalogue, values(4.04)).warnings == []  # shown as 4,0 (1 decimal)
    (w,) = load_strategy(FIX / "valid.yml", catalogue, values(4.06)).warnings
    assert "baseline.value (line 15)" in w.message and "baseline 4 of 'adm_decisions_late_share' differs" in w.message


def test_own_values_contradicting_the_baseline_are_a_warning(catalogue, tmp_path):
    path = tmp_path / "s.yml"
    path.write_text((FIX / "valid.yml").read_text(encoding="utf-8").replace("{2020: 10.0,", "{2020: 11.0,"), encoding="utf-8")
    (w,) = load_strategy(path, catalogue).warnings
    assert "'own_e_services_share' differs from its own values for 2020: 11" in w.message


def test_kind_of_code():
    assert [kind_of_code(c) for c in ("0216", "3064011", "0201011", "2814042", "0201023")] == [
        "powiat", "city_powiat", "gmina_urban", "gmina_rural", "gmina_urban_rural"]
