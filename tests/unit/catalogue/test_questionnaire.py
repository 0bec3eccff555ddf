"""Questionnaires: the project's three load against the catalogue; each broken definition is refused naming the file
and the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from jstbench.catalogue.load import load_catalogue
from jstbench.catalogue.model import SECTORS
from jstbench.catalogue.questionnaire import load_questionnaires
from jstbench.core.errors import InputError

from ...conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "surveys" / "ankieta.yml"


@pytest.fixture(scope="module")
def indicators():
    return load_catalogue(ROOT / "methodology" / "catalogue").indicators


def test_the_projects_questionnaires_load(indicators):
    qs = load_questionnaires(ROOT / "methodology" / "catalogue" / "surveys", SECTORS, indicators)
    assert set(qs) == {"mieszkancy", "organizacje", "przedsiebiorcy"}
    res = qs["mieszkancy"]
    assert 10 <= sum(q.type != "text" for q in res.questions) <= 14
    assert [q.id for q in res.questions if q.type == "text"] == ["q_comment"]
    age = next(s for s in res.strata if s.id == "age_group")
    assert [(c.label, c.min, c.max) for c in age.classes or []] == [
        ("18-29", 18, 29), ("30-44", 30, 44), ("45-59", 45, 59), ("60+", 60, None)]
    assert res.scale_map["ocena5"].labels[9] == "trudno powiedzieć" and res.scale_map["ocena5"].missing == [9]
    # every question names a sector the catalogue uses for services
    assert {q.service for q in res.questions} >= {"transport_roads", "municipal_waste", "education", "culture",
                                                    "social_assistance", "administration"}


def _write(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    edit(raw)
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "ankieta.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return folder


def test_fixture_loads(tmp_path, indicators):
    q = load_questionnaires(_write(tmp_path, lambda r: None), SECTORS, indicators)["ankieta"]
    assert list(q.question_columns) == ["q_waste", "q_office", "q_voted", "q_uses_1", "q_uses_2", "q_years", "q_comment"]


def _set(path: str, value):
    def edit(raw):
        node = raw
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        node[int(keys[-1]) if keys[-1].isdigit() else keys[-1]] = value
    return edit


@pytest.mark.parametrize("edit,where,problem", [
    (_set("scales.0.missing", [3]), "scales[0]", "missing codes [3] lie inside the range of valid codes 1–9"),
    (_set("questions.1.id", "q_waste"), "(top level)", "duplicate question ids ['q_waste']"),
    (_set("questions.0.scale", "ocena7"), "(top level)", "unknown scales: q_waste -> ocena7"),
    (_set("questions.0.service", "space"), "questions[0].service", "unknown service 'space'"),
    (_set("questions.1.indicator", "no_such_indicator"), "questions[1].indicator", "unknown indicator 'no_such_indicator'"),
    (_set("questions.1.indicator", "waste_separate_share"), "questions[1].indicator",
     "indicator 'waste_separate_share' belongs to sector 'municipal_waste', not to the question's service 'administration'"),
    (_set("strata.1.classes.1.min", 45), "strata[1]", "classes '18-39' (18–39) and '40+' (from 45) leave a gap"),
    (_set("strata.1.classes.1.min", 35), "strata[1]", "classes '18-39' (18–39) and '40+' (from 35) overlap"),
    (_set("strata.1.classes.0.min", 16), "(top level)", "the age groups of a residents 18+ survey start at 18, not 16"),
    (_set("strata.0.id", "gender"), "(top level)", "a residents survey is weighted by strata `sex`"),
    (_set("questions.4.scale", "ocena5"), "questions[4]", "a number question takes no `scale`"),
    (_set("version", "1.1"), "(top level)", "version 1.1 differs from the last change log entry 1.0"),
])
def test_broken_definitions_name_file_and_field(tmp_path, indicators, edit, where, problem):
    folder = _write(tmp_path, edit)
    with pytest.raises(InputError) as exc:
        load_questionnaires(folder, SECTORS, indicators)
    assert f"{folder / 'ankieta.yml'}: {where}" in exc.value.message
    assert problem in exc.value.message


def test_file_must_be_named_after_the_id(tmp_path, indicators):
    folder = _write(tmp_path, _set("id", "inna"))
    with pytest.raises(InputError, match=r"ankieta.yml: id: file name must be the questionnaire id: inna.yml"):
        load_questionnaires(folder, SECTORS, indicators)
