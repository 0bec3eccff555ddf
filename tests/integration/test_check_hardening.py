"""`jstbench check` against hostile series settings, groups and formulas, and `jstbench demo-data` against bad
options: each bad input is a named fixture written here into a fresh copy of the project; the command refuses it with
exit code 1, no traceback, a message naming the file, the field and what is wrong (quoting no more than a bounded
excerpt, and never the content of a file that is not a notebook), and writes nothing."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from typer.testing import CliRunner

from jstbench.cli import app
from jstbench.series.build import TEMPLATE_PARAMETERS

from ..conftest import ROOT, make_project

runner = CliRunner()
SERIES = 'title: "Seria"\nyear: 2024\ndata: output/data/demo\ngroups: [miasta-oswiata]\n'
PASSWD = "root:x:0:0:root:/root:/bin/bash\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """Demo data of the participants only (every group member is there), built once."""
    from jstbench.data.demo import generate
    from jstbench.data.participants import load_participants
    from jstbench.data.store import save

    data = tmp_path_factory.mktemp("store") / "demo"
    save(*generate(load_participants(ROOT / "params" / "participants.yml"), background_scale=0.0), data)
    return data


@pytest.fixture
def root(tmp_path: Path, store: Path) -> Path:
    project = make_project(tmp_path / "project")
    shutil.copytree(store, project / "output" / "data" / "demo")
    return project


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def refused(root: Path, args: list[str], *expected: str) -> str:
    """Run the command; it must refuse with every `expected` fragment in its message and leave the project as it was."""
    before = snapshot(root)
    result = runner.invoke(app, [*args, "--root", str(root)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), f"{result.exception!r} instead of a clear refusal"
    assert "Traceback" not in result.output
    for fragment in expected:
        assert fragment in result.output, result.output
    assert snapshot(root) == before
    return result.output


def series(root: Path, name: str, extra: str = "") -> str:
    (root / "params" / f"{name}.yml").write_text(SERIES + extra, encoding="utf-8")
    return name


def notebook(path: Path, source: str | None, tags: list[str] | None = None) -> str:
    """A notebook whose first code cell holds `source` (tagged `tags`, default: parameters); None: no code cell."""
    cells = [] if source is None else [nbformat.v4.new_code_cell(source)]
    for cell in cells:
        cell.metadata["tags"] = ["parameters"] if tags is None else tags
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[*cells, nbformat.v4.new_code_cell("print(unit)")]), path)
    return path.as_posix()


# --- templates ----------------------------------------------------------------------------------------------------


def test_the_default_templates_pass(root):
    result = runner.invoke(app, ["check", series(root, "ok"), "--root", str(root)])
    assert result.exit_code == 0, result.output


def test_a_template_outside_the_project_is_refused_and_its_content_never_quoted(root):
    out = refused(root, ["check", series(root, "passwd", "templates: {unit: /etc/passwd}\n")],
                  "passwd.yml: templates.unit: notebook template /etc/passwd is outside the project folder")
    assert "root:x" not in out


def test_a_template_reached_by_dot_dot_is_outside_the_project(root):
    (root.parent / "elsewhere.ipynb").write_text(PASSWD, encoding="utf-8")
    refused(root, ["check", series(root, "dotdot", "templates: {group: ../elsewhere.ipynb}\n")],
            "dotdot.yml: templates.group: notebook template ../elsewhere.ipynb is outside the project folder")


def test_a_missing_quality_template_is_refused(root):
    refused(root, ["check", series(root, "noquality", "templates: {quality: notebooks/brak.ipynb}\n")],
            "noquality.yml: templates.quality: notebook template notebooks/brak.ipynb not found")


def test_a_missing_strategy_template_is_named_by_its_field(root):
    refused(root, ["check", series(root, "nostrategy", "strategies: params/strategies\n"
                                                       "templates: {strategy: notebooks/brak.ipynb}\n")],
            "nostrategy.yml: templates.strategy: notebook template notebooks/brak.ipynb not found")


def test_a_folder_as_template_is_refused(root):
    refused(root, ["check", series(root, "folder", "templates: {unit: notebooks}\n")],
            "folder.yml: templates.unit: notebook template notebooks is not a file")


def test_a_template_that_is_not_a_notebook_is_refused_without_quoting_it(root):
    (root / "notebooks" / "passwd.ipynb").write_text(PASSWD, encoding="utf-8")
    out = refused(root, ["check", series(root, "notjson", "templates: {unit: notebooks/passwd.ipynb}\n")],
                  "notjson.yml: templates.unit: notebook template notebooks/passwd.ipynb is not a Jupyter notebook")
    assert "root:x" not in out


def test_a_template_without_a_parameters_cell_is_refused(root):
    notebook(root / "notebooks" / "untagged.ipynb", 'unit: str = "3064011"', tags=[])
    refused(root, ["check", series(root, "untagged", "templates: {unit: notebooks/untagged.ipynb}\n")],
            "untagged.yml: templates.unit: notebook template notebooks/untagged.ipynb has 0 code cells tagged "
            "'parameters'; it needs one")


def test_a_template_missing_a_parameter_the_reports_pass_is_refused(root):
    notebook(root / "notebooks" / "nounit.ipynb", 'year: int = 2024\nseries_dir: str = "../data"')
    refused(root, ["check", series(root, "nounit", "templates: {unit: notebooks/nounit.ipynb}\n")],
            "nounit.yml: templates.unit: notebook template notebooks/nounit.ipynb: its 'parameters' cell does not "
            "declare unit (the reports pass it unit, year, series_dir)")


def test_a_parameters_cell_that_is_not_python_is_refused(root):
    notebook(root / "notebooks" / "magic.ipynb", "%%bash\necho $unit")
    refused(root, ["check", series(root, "magic", "templates: {group: notebooks/magic.ipynb}\n")],
            "magic.yml: templates.group: notebook template notebooks/magic.ipynb: its 'parameters' cell is not plain "
            "Python")


def test_a_long_template_path_is_quoted_in_a_bounded_excerpt(root):
    long = "notebooks/" + "a" * 300 + ".ipynb"
    out = refused(root, ["check", series(root, "long", f"templates: {{unit: {long}}}\n")],
                  "long.yml: templates.unit: notebook template notebooks/aaaa", "… cannot be looked up (File name too long)")
    assert "a" * 100 not in out


def test_every_template_problem_is_reported_at_once(root):
    out = refused(root, ["check", series(root, "many", "templates: {unit: /etc/passwd, group: brak.ipynb, "
                                                       "quality: notebooks/brak.ipynb}\n")],
                  "templates.unit:", "templates.group:", "templates.quality:")
    assert out.count("many.yml: templates.") == 3


def test_the_parameters_checked_are_those_of_the_notebook_models():
    """TEMPLATE_PARAMETERS (series, which may not import views) is the required fields of each template's model."""
    from jstbench.views import params

    models = {"unit": params.UnitReportParams, "group": params.GroupReportParams, "quality": params.QualityParams,
              "survey": params.SurveyReportParams, "strategy": params.StrategyReportParams, "caf": params.CafReportParams}
    for key, model in models.items():
        required = {name for name, f in model.model_fields.items() if f.is_required()}
        assert set(TEMPLATE_PARAMETERS[key]) == required, key


# --- groups -------------------------------------------------------------------------------------------------------


def test_a_group_listing_one_member_four_times_is_refused(root):
    groups = {"min_group_size": 4, "exchange_groups": [
        {"id": "miasta-oswiata", "name": "Miasta: oświata", "sector": "education",
         "members": ["1661011", "0262011", "0262011", "0262011", "0262011"]}]}
    (root / "params" / "groups.yml").write_text(yaml.safe_dump(groups, allow_unicode=True), encoding="utf-8")
    out = refused(root, ["check", series(root, "dup")],
                  "groups.yml: exchange_groups[0].members[2]: unit code '0262011' is listed again in group "
                  "'miasta-oswiata' (first at members[1]); a group lists each member once",
                  "exchange_groups[0].members[3]:", "exchange_groups[0].members[4]:")
    assert "members[1]: unit code" not in out


# --- formulas -----------------------------------------------------------------------------------------------------


def base_formula(root: Path) -> dict:
    path = root / "methodology" / "catalogue" / "indicators" / "adm_staff_per_1000.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def indicator(root: Path, formula: str) -> Path:
    """A copy of an indicator of the catalogue with another formula (same variables), under a new id."""
    src = base_formula(root) | {"id": "adm_hostile_formula", "formula": formula}
    path = root / "methodology" / "catalogue" / "indicators" / "adm_hostile_formula.yml"
    path.write_text(yaml.safe_dump(src, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_400_digit_literal_in_a_formula_is_refused_by_check(root):
    indicator(root, f"{base_formula(root)['formula']} * 1{'0' * 399}")
    out = refused(root, ["check"], "adm_hostile_formula.yml", "formula", "is too large (at most 1e+15 in absolute value)")
    assert "0" * 100 not in out


def test_a_formula_nested_beyond_the_bound_is_refused_by_check(root):
    indicator(root, "-" * 150 + f"({base_formula(root)['formula']})")
    refused(root, ["check"], "adm_hostile_formula.yml", "more than 100 operations nested in one another")


# --- demo-data ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("option,value,expected", [
    ("--scale", "1000", "--scale: the share of the synthetic national background must be from 0 to 1 (1 = all ~2,800 "
                        "units), not 1000"),
    ("--scale", "-1", "--scale: the share of the synthetic national background must be from 0 to 1"),
    ("--scale", "nan", "not nan"),
    ("--scale", "inf", "not inf"),
    ("--seed", "-1", "--seed: the seed must be a whole number from 0, not -1"),
], ids=["scale-1000", "scale-negative", "scale-nan", "scale-inf", "seed-negative"])
def test_demo_data_refuses_a_bad_option_and_keeps_the_demo_store(root, option, value, expected):
    refused(root, ["demo-data", option, value], expected)
