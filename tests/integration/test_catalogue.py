"""The real catalogue loads; broken catalogue entries fail with the file and field named."""

import shutil
from pathlib import Path

import pytest
import yaml

from jstbench.catalogue.load import load_catalogue
from jstbench.catalogue.model import SECTORS
from jstbench.core.errors import InputError

from ..conftest import ROOT

CATALOGUE = ROOT / "methodology" / "catalogue"


def test_real_catalogue_is_valid_and_covers_the_services():
    cat = load_catalogue(CATALOGUE)
    assert len(cat) >= 30
    sectors = {i.sector for i in cat.indicators.values()}
    for needed in ("education", "social_assistance", "culture", "municipal_waste", "water_sewage",
                   "transport_roads", "housing", "administration"):
        assert needed in sectors
    ids = set(cat.indicators)
    assert {"adm_decisions_late_share", "adm_decisions_overturned_share"} <= ids
    assert all(i.changelog and i.version for i in cat.indicators.values())
    assert cat.problems() == []  # every variable is used
    assert set(SECTORS) >= sectors


def test_budget_sources_cite_rozdzial_in_their_dzial():
    cat = load_catalogue(CATALOGUE)
    for v in cat.variables.values():
        for src in v.sources:
            assert all(r.startswith(src.dzial or r[:3]) for r in [*(src.rozdzial or []), *src.exclude_rozdzial])


@pytest.fixture
def broken(tmp_path: Path):
    """A copy of the catalogue and a function to overwrite one indicator file."""
    dest = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE, dest)

    def write(indicator: str, **changes) -> Path:
        path = dest / "indicators" / f"{indicator}.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.update(changes)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return dest, write


def _error(folder: Path) -> str:
    with pytest.raises(InputError) as err:
        load_catalogue(folder)
    return err.value.message


def test_unknown_variable_names_file_and_field(broken):
    folder, write = broken
    write("waste_cost_per_tonne", formula="ratio(exp_90002, tonnes_of_magic)", variables=["exp_90002", "tonnes_of_magic"])
    msg = _error(folder)
    assert "waste_cost_per_tonne.yml: formula: unknown variable(s) ['tonnes_of_magic']" in msg


def test_forbidden_expression_is_rejected(broken):
    folder, write = broken
    write("waste_cost_per_tonne", formula="__import__('os').system('x')")
    msg = _error(folder)
    assert "waste_cost_per_tonne.yml: formula:" in msg and "not allowed" in msg


def test_duplicate_id_is_reported(broken):
    folder, _ = broken
    src = folder / "indicators" / "ctx_density.yml"
    shutil.copy(src, folder / "indicators" / "ctx_density_copy.yml")
    msg = _error(folder)
    assert "ctx_density_copy.yml: id: duplicate indicator id 'ctx_density'" in msg


def test_variables_must_match_formula(broken):
    folder, write = broken
    write("ctx_density", variables=["population"])
    assert "ctx_density.yml: (top level): variables ['population'] differ" in _error(folder)


def test_bad_enumerations_and_missing_fields(broken):
    folder, write = broken
    write("ctx_density", sector="astrology", direction="up")
    msg = _error(folder)
    assert "ctx_density.yml: sector: unknown sector 'astrology'" in msg
    assert "ctx_density.yml: direction:" in msg


def test_target_range_needs_target(broken):
    folder, write = broken
    path = write("edu_pupils_per_class")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["target"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert "needs a target" in _error(folder)


def test_invalid_yaml_names_line(broken):
    folder, _ = broken
    (folder / "indicators" / "ctx_density.yml").write_text("id: [unclosed\n", encoding="utf-8")
    assert "ctx_density.yml: line" in _error(folder)


def test_all_problems_reported_together(broken):
    folder, write = broken
    write("ctx_density", formula="x ** 2")
    write("ctx_ageing", sector="nope")
    msg = _error(folder)
    assert "ctx_density.yml" in msg and "ctx_ageing.yml" in msg


def test_indicators_may_use_other_indicators(broken):
    folder, write = broken
    write("ctx_ageing", formula="ctx_density * 2", variables=["ctx_density"])
    cat = load_catalogue(folder)
    from jstbench.catalogue.load import evaluation_order

    order = [i.id for i in evaluation_order(cat)]
    assert order.index("ctx_density") < order.index("ctx_ageing")


def test_circular_formulas_are_reported(broken):
    folder, write = broken
    write("ctx_ageing", formula="ctx_density * 2", variables=["ctx_density"])
    write("ctx_density", formula="ctx_ageing / 2", variables=["ctx_ageing"])
    msg = _error(folder)
    assert "circular formulas:" in msg and "ctx_ageing" in msg and "ctx_density" in msg


def test_missing_translation_and_no_unit_kind(broken):
    folder, write = broken
    write("ctx_density", name={"pl": "Gęstość"}, applies_to=[])
    msg = _error(folder)
    assert "ctx_density.yml: name.en: Field required" in msg
    assert "ctx_density.yml: applies_to: List should have at least 1 item" in msg


def test_form_variables_must_be_on_their_form(broken):
    folder, _ = broken
    path = folder / "forms.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["forms"][0]["fields"] = data["forms"][0]["fields"][1:]  # drop the first field of the first form
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert "but no form lists it" in _error(folder)


def test_every_form_variable_belongs_to_one_form():
    cat = load_catalogue(CATALOGUE)
    on_forms = [f.variable for form in cat.forms.values() for f in form.fields]
    assert len(on_forms) == len(set(on_forms))
    assert set(on_forms) == {n for n, v in cat.variables.items() if v.form}
    assert len(cat) >= 150
