"""Hygiene of the notebook templates, checked statically (no kernel is started).

* the parameters papermill sees are the fields of the notebook's pydantic model, with the same types;
* templates are committed without outputs or execution counts;
* the parameters cell holds literals only;
* no notebook variable shadows a module the notebook imports.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Literal, get_args, get_origin

import nbformat
import papermill
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from jstbench.views.params import (
    CafReportParams,
    ExploreParams,
    GroupReportParams,
    QualityParams,
    StrategyReportParams,
    SurveyReportParams,
    UnitReportParams,
)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "notebooks").glob("*.ipynb"))
MODELS = {
    "jst_report.ipynb": UnitReportParams,
    "group_report.ipynb": GroupReportParams,
    "data_quality.ipynb": QualityParams,
    "explore_indicator.ipynb": ExploreParams,
    "strategy_report.ipynb": StrategyReportParams,
    "survey_report.ipynb": SurveyReportParams,
    "caf_report.ipynb": CafReportParams,
}

templates = pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])


def code_cells(path: Path) -> list:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def parameters_cell(path: Path):
    cells = [c for c in code_cells(path) if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{path.name}: expected one cell tagged 'parameters', found {len(cells)}"
    return cells[0]


def parse(source: str) -> ast.Module:
    """A code cell as Python; IPython syntax (magics, `!cmd`) is translated first."""
    return ast.parse(TransformerManager().transform_cell(source))


def type_name(annotation: object) -> str:
    """The name papermill would infer for a field: `str` for Literal["a", "b"], else the type's name."""
    if get_origin(annotation) is Literal:
        names = {type(a).__name__ for a in get_args(annotation)}
        assert len(names) == 1, f"Literal with mixed types {annotation}"
        return names.pop()
    return getattr(annotation, "__name__", repr(annotation))


def test_every_template_has_a_parameter_model():
    assert {p.name for p in TEMPLATES} == set(MODELS)


@templates
def test_parameters_match_the_pydantic_model(path, monkeypatch):
    model = MODELS[path.name]
    found = papermill.inspect_notebook(str(path))
    assert list(found) == list(model.model_fields), f"{path.name}: parameters vs {model.__name__} fields"
    inferred = {name: p["inferred_type_name"] for name, p in found.items()}
    declared = {name: type_name(f.annotation) for name, f in model.model_fields.items()}
    assert inferred == declared, f"{path.name}: parameter types vs {model.__name__}"
    # the template's own defaults are valid parameters (paths relative to the notebook's folder, where it runs)
    monkeypatch.chdir(path.parent)
    model.from_notebook(**{name: ast.literal_eval(p["default"]) for name, p in found.items()})


@templates
def test_committed_without_outputs(path):
    dirty = [i for i, c in enumerate(code_cells(path)) if c.outputs != [] or c.execution_count is not None]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs or an execution count; clear them before committing"


@templates
def test_parameters_cell_holds_literals_only(path):
    tree = parse(parameters_cell(path).source)
    assert tree.body, f"{path.name}: empty parameters cell"
    for stmt in tree.body:
        line = ast.unparse(stmt)
        assert isinstance(stmt, (ast.AnnAssign, ast.Assign)), f"{path.name}: not an assignment: {line}"
        targets = [stmt.target] if isinstance(stmt, ast.AnnAssign) else stmt.targets
        assert all(isinstance(t, ast.Name) for t in targets), f"{path.name}: assign to plain names only: {line}"
        assert isinstance(stmt.value, ast.Constant), f"{path.name}: value is not a literal: {line}"


def _bindings(stmts: list[ast.stmt], imports: dict[str, int], assigned: dict[str, int], cell: int) -> None:
    """Names bound at notebook top level, by imports and by everything else (not inside functions or classes)."""
    for stmt in stmts:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name != "*":
                    imports.setdefault(alias.asname or alias.name.split(".")[0], cell)
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            assigned.setdefault(stmt.name, cell)
            continue
        targets: list[ast.AST] = []
        if isinstance(stmt, ast.Assign):
            targets = list(stmt.targets)
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            targets = [stmt.target]
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            targets = [stmt.target]
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            targets = [item.optional_vars for item in stmt.items if item.optional_vars is not None]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    assigned.setdefault(node.id, cell)
        # walrus targets anywhere in the statement's own expressions
        for node in ast.walk(stmt):
            if isinstance(node, ast.NamedExpr):
                assigned.setdefault(node.target.id, cell)
        for field in ("body", "orelse", "finalbody"):
            _bindings(getattr(stmt, field, []), imports, assigned, cell)
        for handler in getattr(stmt, "handlers", []):
            if handler.name:
                assigned.setdefault(handler.name, cell)
            _bindings(handler.body, imports, assigned, cell)


@templates
def test_no_variable_shadows_an_imported_module(path):
    imports: dict[str, int] = {}
    assigned: dict[str, int] = {}
    for i, cell in enumerate(code_cells(path)):
        _bindings(parse(cell.source).body, imports, assigned, i)
    clashes = {name: (assigned[name], imports[name]) for name in sorted(set(imports) & set(assigned))}
    assert not clashes, f"{path.name}: names bound both by an import and by an assignment " + ", ".join(
        f"{name!r} (assigned in code cell {a}, imported in code cell {m})" for name, (a, m) in clashes.items())
