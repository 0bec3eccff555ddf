"""Loading the catalogue: every YAML file validated on its own, then all together (unknown or unused variables,
duplicate ids, circular formulas, forms, structural features); every problem named with its file and place,
collected in one pass."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from jstbench.catalogue.formula import FormulaError
from jstbench.catalogue.model import Catalogue, Form, Indicator, Structure, Variable, Years
from jstbench.catalogue.sources import validity_problems
from jstbench.core.errors import InputError, InputErrors
from jstbench.core.yamlio import read_yaml, validation_errors


def load_catalogue(folder: Path) -> Catalogue:
    """Read `variables.yml` and `indicators/*.yml`, validate each and all together.

    Every problem is collected and raised at once as :class:`InputErrors`."""
    folder = Path(folder)
    errors: list[InputError] = []
    digest = hashlib.sha256()

    var_path = folder / "variables.yml"
    raw_vars = read_yaml(var_path)
    digest.update(var_path.read_bytes())
    variables: list[Variable] = []
    if not isinstance(raw_vars, dict) or not isinstance(raw_vars.get("variables"), list):
        raise InputError("expected a mapping with a list under 'variables'", var_path)
    try:
        years = Years.model_validate(raw_vars.get("years"))
    except ValidationError as exc:
        raise InputError("needs `years: {first: 2015, last: 2024}`, the years its sources must cover", var_path,
                         "years") from exc
    seen_vars: set[str] = set()
    for n, item in enumerate(raw_vars["variables"]):
        try:
            var = Variable.model_validate(item)
        except ValidationError as exc:
            errors += validation_errors(exc, var_path, f"variables[{n}].")
            continue
        if var.name in seen_vars:
            errors.append(InputError(f"duplicate variable {var.name!r}", var_path, f"variables[{n}].name"))
        first = max(years.first, var.first_year or years.first)
        for problem in validity_problems(var.sources, var.breaks, first, years.last):
            errors.append(InputError(f"variable {var.name!r}: {problem}", var_path, f"variables[{n}].sources"))
        seen_vars.add(var.name)
        variables.append(var)

    forms = _load_forms(folder / "forms.yml", {v.name: v for v in variables}, errors, digest)

    indicators: list[Indicator] = []
    files = sorted((folder / "indicators").glob("*.yml"))
    if not files:
        errors.append(InputError("no indicator definitions (*.yml) found", folder / "indicators"))
    seen: dict[str, Path] = {}
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        raw = read_yaml(path)
        if not isinstance(raw, dict):
            errors.append(InputError("expected a mapping of fields", path))
            continue
        try:
            ind = Indicator.model_validate(raw)
        except ValidationError as exc:
            errors += validation_errors(exc, path)
            continue
        except FormulaError as exc:
            errors.append(InputError(exc.problem, path, "formula"))
            continue
        if ind.id in seen:
            errors.append(InputError(f"duplicate indicator id {ind.id!r} (also in {seen[ind.id].name})", path, "id"))
            continue
        if path.stem != ind.id:
            errors.append(InputError(f"file name must be the indicator id: {ind.id}.yml", path, "id"))
        seen[ind.id] = path
        indicators.append(ind)
    ids = {i.id for i in indicators}
    for ind in indicators:
        unknown = sorted(set(ind.variables) - seen_vars - ids)
        if unknown:
            errors.append(InputError(f"unknown variable(s) {unknown}: add them to {var_path.name} first "
                                     f"(or name an indicator id)", seen[ind.id], "formula"))
        clash = sorted(set(ind.variables) & seen_vars & ids)
        if ind.id in seen_vars:
            errors.append(InputError(f"indicator id {ind.id!r} is also a variable name", seen[ind.id], "id"))
        if clash:
            errors.append(InputError(f"names {clash} are both variables and indicators", seen[ind.id], "formula"))
    cycle = _cycle({i.id: set(i.variables) & ids for i in indicators})
    if cycle:
        errors.append(InputError(f"circular formulas: {' -> '.join(cycle)}", seen[cycle[0]], "formula"))
    structure = _load_structure(folder / "features.yml", {i.id: i for i in indicators}, seen, errors, digest)
    questionnaires = _load_questionnaires(folder / "surveys", {i.id: i for i in indicators}, seen, seen_vars, errors, digest)
    if errors:
        raise InputErrors(errors)
    return Catalogue(indicators, variables, digest.hexdigest()[:16], forms, structure, years, questionnaires)


def _load_questionnaires(folder: Path, indicators: dict[str, Indicator], files: dict[str, Path], variables: set[str],
                         errors: list[InputError], digest) -> dict:
    """surveys/*.yml (optional: a catalogue without surveys has no survey indicators), checked against the indicators."""
    from jstbench.catalogue.model import SECTORS
    from jstbench.catalogue.questionnaire import load_questionnaires, survey_problems

    questionnaires = {}
    if folder.is_dir() and any(folder.glob("*.yml")):
        for path in sorted(folder.glob("*.yml")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        try:
            questionnaires = load_questionnaires(folder, SECTORS, indicators)
        except InputErrors as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.append(exc)
    errors.extend(survey_problems(indicators, questionnaires, variables, files, folder))
    return questionnaires


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle among indicators that use other indicators, as a list of ids (first = last), or None."""
    from graphlib import CycleError, TopologicalSorter

    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        return list(exc.args[1])
    return None


def evaluation_order(catalogue: "Catalogue") -> list[Indicator]:
    """Indicators with a formula, ordered so that each comes after the indicators its formula uses (survey
    indicators are estimated from answers, not computed from variables)."""
    from graphlib import TopologicalSorter

    ids = set(catalogue.indicators)
    graph = {i.id: set(i.variables) & ids for i in catalogue.indicators.values() if i.formula is not None}
    return [catalogue.indicators[i] for i in TopologicalSorter(graph).static_order()]


def _load_forms(path: Path, variables: dict[str, Variable], errors: list[InputError], digest) -> list[Form]:
    """forms.yml, checked against the variables: each form variable in exactly its form, and back."""
    if not path.exists():
        errors.append(InputError("file not found (the data-collection forms)", path))
        return []
    digest.update(path.read_bytes())
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("forms"), list):
        errors.append(InputError("expected a mapping with a list under 'forms'", path))
        return []
    forms: list[Form] = []
    placed: dict[str, str] = {}
    for n, item in enumerate(raw["forms"]):
        try:
            form = Form.model_validate(item)
        except ValidationError as exc:
            errors.extend(validation_errors(exc, path, f"forms[{n}]."))
            continue
        for m, fld in enumerate(form.fields):
            where = f"forms[{n}].fields[{m}].variable"
            var = variables.get(fld.variable)
            if var is None:
                errors.append(InputError(f"unknown variable {fld.variable!r}", path, where))
            elif var.form != form.id:
                errors.append(InputError(f"variable {fld.variable!r} is not sourced from form {form.id!r} in variables.yml",
                                         path, where))
            elif fld.variable in placed:
                errors.append(InputError(f"variable {fld.variable!r} is already in form {placed[fld.variable]!r}", path, where))
            placed[fld.variable] = form.id
        forms.append(form)
    ids = [f.id for f in forms]
    for fid in {i for i in ids if ids.count(i) > 1}:
        errors.append(InputError(f"duplicate form id {fid!r}", path))
    sheets = [f.sheet for f in forms]
    for sheet in {s for s in sheets if sheets.count(s) > 1}:
        errors.append(InputError(f"duplicate sheet name {sheet!r}", path))
    for name, var in variables.items():
        if var.form and name not in placed:
            errors.append(InputError(f"variable {name!r} is collected on form {var.form!r} but no form lists it",
                                     path.with_name("variables.yml"), f"variables.{name}.sources"))
    return forms


def _load_structure(path: Path, indicators: dict[str, Indicator], files: dict[str, Path], errors: list[InputError],
                    digest) -> Structure | None:
    """features.yml, checked against the indicators: features are context indicators, every feature named exists."""
    if not path.exists():
        errors.append(InputError("file not found (the structural features)", path))
        return None
    digest.update(path.read_bytes())
    try:
        structure = Structure.model_validate(read_yaml(path))
    except ValidationError as exc:
        errors.extend(validation_errors(exc, path))
        return None
    known = {f.id: f for f in structure.features}
    for n, f in enumerate(structure.features):
        if f.indicator is None:
            continue
        ind = indicators.get(f.indicator)
        if ind is None:
            errors.append(InputError(f"unknown indicator {f.indicator!r}", path, f"features[{n}].indicator"))
        elif ind.kind != "context":
            errors.append(InputError(f"{f.indicator!r} is a monitoring indicator; features must be context indicators",
                                     path, f"features[{n}].indicator"))
    lists = [("adjustment.features", structure.adjustment.features), ("similar.weights", list(structure.similar.weights)),
             ("typology.features", structure.typology.features)]
    for where, names in lists:
        for name in names:
            if name not in known:
                errors.append(InputError(f"unknown feature {name!r}; features: {', '.join(known)}", path, where))
    for where, names in lists[1:]:
        for name in names:
            if name in known and known[name].categorical:
                errors.append(InputError(f"feature {name!r} is categorical; distances use numeric features only", path, where))
    for ind in indicators.values():
        for name in ind.adjustment.features or []:
            if name not in known:
                errors.append(InputError(f"unknown feature {name!r}; features in {path.name}: {', '.join(known)}",
                                         files.get(ind.id, path), "adjustment.features"))
            elif known[name].indicator == ind.id:
                errors.append(InputError(f"an indicator cannot be adjusted for itself ({name!r})",
                                         files.get(ind.id, path), "adjustment.features"))
    return structure
