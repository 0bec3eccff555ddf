"""A report series: check its inputs, compute indicators and comparisons once, write them for the notebooks."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from jstbench.catalogue.caf import CafModel, load_caf
from jstbench.catalogue.deflators import Deflator, load_deflators
from jstbench.catalogue.load import load_catalogue
from jstbench.catalogue.model import Catalogue
from jstbench.compare.coverage import coverage_share, register_counts, withheld
from jstbench.compare.groups import GroupsFile, load_groups, membership
from jstbench.compare.measures import compare, compare_and_stats, distance_to_range, group_stats
from jstbench.core.errors import InputError, InputErrors, collect, excerpt
from jstbench.core.project import Project
from jstbench.core.units import valid_in
from jstbench.data.caf import Assessments, read_assessments
from jstbench.data.practices import Loaded, competition_entries, load_practices
from jstbench.data.store import Store
from jstbench.data.survey import Responses
from jstbench.indicators.compute import compute_all
from jstbench.indicators.features import with_population_class
from jstbench.indicators.panel import previous_year
from jstbench.indicators.quality import (
    coverages,
    flagged,
    input_flagged,
    quality_flags,
    revisions,
    robust_z,
    variable_kinds,
    yoy_relative,
)
from jstbench.series import folder as sf
from jstbench.series.composites import composite_spec, composite_tables
from jstbench.series.folder import FAIR_GROUP_TYPES, GROUP_TYPES
from jstbench.series.spec import CompositeDef, SeriesSpec, load_series, series_path
from jstbench.series.statistics import (
    adjusted_ranks,
    adjustment_catalogue,
    binomial_intervals,
    real_terms,
    similar_membership,
    similar_tables,
)
from jstbench.stats.adjust import adjust_all
from jstbench.stats.composite import WEIGHT, check_method

# Per-unit columns kept in the series' comparison files (group statistics live in group_stats.parquet).
UNIT_COLUMNS = ["unit", "year", "indicator", "value", "n", "expected", "rank", "ties", "percentile", "quartile", "zscore",
                "median", "distance_to_best", "yoy_change"]


@dataclass
class Checked:
    """Everything a series needs, validated."""

    name: str
    path: Path
    spec: SeriesSpec
    catalogue: Catalogue
    store: Store
    groups: GroupsFile
    group_ids: list[str]
    unit_codes: list[str]
    deflators: dict[str, Deflator]
    inputs: dict[str, Path] = field(default_factory=dict)  # folders of surveys, participatory budgets, strategies
    responses: Responses | None = None  # the survey answers, read (and validated) once by the check
    practices: list[Loaded] = field(default_factory=list)  # the good practices, validated by the check
    caf: tuple[CafModel, Assessments] | None = None  # the CAF model and self-assessments, read once by the check


def check_series(project: Project, name: str) -> Checked:
    """Validate the series file, the catalogue, the data and the groups; collect every problem."""
    path = series_path(project.params_dir, name)
    spec = load_series(path)
    catalogue = load_catalogue(project.catalogue_dir)
    store = Store.load(project.resolve(spec.data))
    groups = load_groups(project.resolve(spec.groups_file), store.units)
    errors: list[InputError] = []
    if spec.year not in store.years:
        errors.append(InputError(f"year {spec.year} is not in the data (years: {store.years[0]}-{store.years[-1]})",
                                 path, "year"))
    known = [g.id for g in groups.exchange_groups]
    if spec.groups == "all":
        group_ids = known
    else:
        group_ids = list(spec.groups)
        for i, gid in enumerate(group_ids):
            if gid not in known:
                errors.append(InputError(f"unknown group {gid!r}; groups in {spec.groups_file}: {', '.join(known)}",
                                         path, f"groups[{i}]"))
    extra = list(store.units.index[valid_in(store.units, spec.year).to_numpy()]) if spec.all_units else spec.units
    for i, code in enumerate(extra):
        if code not in store.units.index:
            errors.append(InputError(f"unknown unit code {code!r} (not in the units register of {spec.data})",
                                     path, f"units[{i}]"))
    errors += template_problems(project, spec, path)
    features = {f.id: f for f in catalogue.structure.features} if catalogue.structure else {}
    numeric = [f for f, v in features.items() if not v.categorical]
    for name in (spec.similar.weights or {}):
        if name not in features:
            errors.append(InputError(f"unknown feature {name!r}; numeric features: {', '.join(numeric)}", path, f"similar.weights.{name}"))
        elif features[name].categorical:
            errors.append(InputError(f"feature {name!r} is categorical; similar authorities use numeric features only "
                                     f"({', '.join(numeric)})", path, f"similar.weights.{name}"))
    for n, c in enumerate(spec.composites):
        errors += composite_problems(c, catalogue, path, f"composites[{n}]", spec.year)
    deflators = load_deflators(project.catalogue_dir / "deflators.yml")
    if spec.deflator not in deflators:
        errors.append(InputError(f"unknown deflator {spec.deflator!r}; deflators: {', '.join(deflators)}", path, "deflator"))
    inputs, responses = voice_inputs(project, spec, catalogue, set(store.units.index), path, errors)
    practices, caf = learning_inputs(project, spec, catalogue, store, path, errors, inputs)
    if errors:
        raise InputErrors(errors)
    members = [c for gid in group_ids for c in groups.exchange(gid).members]
    unit_codes = list(dict.fromkeys([*members, *extra]))
    return Checked(name, path, spec, catalogue, store, groups, group_ids, unit_codes, deflators, inputs, responses,
                   practices, caf)


def learning_inputs(project: Project, spec: SeriesSpec, catalogue: Catalogue, store: Store, path: Path,
                    errors: list[InputError], inputs: dict[str, Path]) -> tuple[list[Loaded], tuple[CafModel, Assessments] | None]:
    """The good practices the series links, each checked against the catalogue, the store's units register and the
    competition records (params/competitions); the CAF self-assessments, every workbook checked. Their folders join
    `inputs` (a change in them rebuilds the series data)."""
    loaded: list[Loaded] = []
    caf, assessments = None, None
    if spec.practices is not None:
        folder = input_folder(project, "practices", spec.practices.folder, path, errors, inputs)
        if folder is not None:
            if project.competitions_dir.is_dir():
                inputs["competitions"] = project.competitions_dir
            awards = collect(errors, competition_entries, project.competitions_dir)
            loaded = collect(errors, load_practices, [folder], catalogue, store.units, awards, folder) or []
    if spec.caf is not None:
        folder = input_folder(project, "caf", spec.caf.folder, path, errors, inputs)
        caf = collect(errors, load_caf, project.catalogue_dir / "caf.yml") if folder is not None else None
        assessments = collect(errors, read_assessments, folder, caf) if folder is not None and caf is not None else None
        if folder is not None and assessments is not None:
            unknown = sorted(set(assessments.scores["unit"]) - set(store.units.index))
            if unknown:
                errors.append(InputError(f"CAF assessments of units not in the units register of {spec.data}: "
                                         f"{', '.join(unknown)}", folder))
    return loaded, (caf, assessments) if caf is not None and assessments is not None else None


def input_folder(project: Project, key: str, folder: str, path: Path, errors: list[InputError],
                 inputs: dict[str, Path]) -> Path | None:
    """An input folder of the series (`key`: surveys, strategies, practices, caf …), recorded in `inputs` (the
    series digest); None with the problem added to `errors` when it is missing (its report template is checked by
    `template_problems`)."""
    inputs[key] = project.resolve(folder)
    if not inputs[key].is_dir():
        errors.append(InputError(f"folder {folder} not found", path, key))
        return None
    return inputs[key]


# The parameters `jstbench.series.run.plan` passes to each template of `templates:` (the fields without a default
# of the template's model in `jstbench.views.params`).
TEMPLATE_PARAMETERS = {"unit": ("unit", "year", "series_dir"), "group": ("group", "year", "series_dir"),
                       "quality": ("series_dir", "year"), "survey": ("unit", "wave", "year", "series_dir"),
                       "strategy": ("unit", "year", "series_dir"), "caf": ("unit", "assessment", "year", "series_dir")}


def template_problems(project: Project, spec: SeriesSpec, path: Path) -> list[InputError]:
    """Every template the series runs (unit, group, quality; survey, strategy, CAF when it has those inputs) must be
    a notebook inside the project with a `parameters` cell declaring the parameters the reports pass it."""
    runs = {"survey": spec.surveys is not None, "strategy": spec.strategies is not None, "caf": spec.caf is not None}
    errors = []
    for key, names in TEMPLATE_PARAMETERS.items():
        template = getattr(spec.templates, key)
        problem = template_problem(project, template, names) if template and runs.get(key, True) else None
        if problem:
            errors.append(InputError(problem, path, f"templates.{key}"))
    return errors


def template_problem(project: Project, template: str, names: tuple[str, ...]) -> str | None:
    """What is wrong with a notebook template, None if nothing; the template's content is never quoted."""
    import nbformat

    shown = f"notebook template {excerpt(template)}"
    file = project.resolve(template)
    try:
        inside = file.resolve().is_relative_to(project.root.resolve())
        exists, regular = file.exists(), file.is_file()
    except (OSError, RuntimeError) as exc:  # a name too long, a loop of symbolic links
        return f"{shown} cannot be looked up ({getattr(exc, 'strerror', None) or exc})"
    if not inside:
        return f"{shown} is outside the project folder (templates are notebooks of the project, e.g. notebooks/)"
    if not exists:
        return f"{shown} not found"
    if not regular:
        return f"{shown} is not a file"
    try:
        nb = nbformat.read(file, as_version=4)
    except Exception:  # noqa: BLE001 - whatever nbformat makes of the file (JSON, encoding, format), it is no notebook
        return f"{shown} is not a Jupyter notebook (nbformat cannot read it)"
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code" and _tagged(c, "parameters")]
    if len(cells) != 1:
        return f"{shown} has {len(cells)} code cells tagged 'parameters'; it needs one (the reports' parameters follow it)"
    declared = _assigned(str(cells[0].get("source", "")))
    if declared is None:
        return f"{shown}: its 'parameters' cell is not plain Python (literal assignments only)"
    missing = [n for n in names if n not in declared]
    if missing:
        return (f"{shown}: its 'parameters' cell does not declare {', '.join(missing)} (the reports pass it "
                f"{', '.join(names)})")
    return None


def _tagged(cell: dict, tag: str) -> bool:
    tags = cell.get("metadata", {}).get("tags")
    return isinstance(tags, list) and tag in tags


def _assigned(source: str) -> set[str] | None:
    """The names a cell assigns (`x = …`, `x: int = …`), read with `ast` (never run); None if it is not Python."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    targets = [t for node in tree.body if isinstance(node, ast.Assign) for t in node.targets]
    targets += [node.target for node in tree.body if isinstance(node, ast.AnnAssign)]
    return {t.id for t in targets if isinstance(t, ast.Name)}


def voice_inputs(project: Project, spec: SeriesSpec, catalogue: Catalogue, units: set[str], path: Path,
                 errors: list[InputError]) -> tuple[dict[str, Path], Responses | None]:
    """The folders of the series' surveys, participatory budgets and strategies, with every file in them checked
    (answers against the questionnaire, .pb sections, strategies against the catalogue) before anything is built;
    the survey answers read."""
    from jstbench.catalogue.strategy import load_strategy
    from jstbench.series.surveys import read_surveys

    inputs: dict[str, Path] = {}
    responses = None
    for key, folder in (("surveys", spec.surveys and spec.surveys.folder),
                        ("participatory", spec.participatory and spec.participatory.folder),
                        ("strategies", spec.strategies)):
        if folder:
            input_folder(project, key, folder, path, errors, inputs)
    if spec.surveys and "surveys" in inputs and inputs["surveys"].is_dir():
        q = catalogue.questionnaires.get(spec.surveys.questionnaire)
        if q is None:
            errors.append(InputError(f"unknown questionnaire {spec.surveys.questionnaire!r}; questionnaires: "
                                     f"{', '.join(catalogue.questionnaires) or 'none'}", path, "surveys.questionnaire"))
        else:
            responses = collect(errors, read_surveys, inputs["surveys"], q, units)
    if "strategies" in inputs and inputs["strategies"].is_dir():
        for file in sorted(inputs["strategies"].glob("*.yml")):
            sf = collect(errors, load_strategy, file, catalogue)
            if sf is not None and sf.code not in units:
                errors.append(InputError(f"authority {sf.code} is not in the units register of {spec.data}", file, "authority"))
    return inputs, responses


def composite_problems(c: CompositeDef, catalogue: Catalogue, path: Path, where: str, year: int) -> list[InputError]:
    """A composite's indicators are rated monitoring indicators sharing a unit kind; its methods exist; its goalposts
    name its indicators; its reference year is not after the report year."""
    errors = []
    inds = []
    places = ([f"{where}.domains[{d}].indicators[{i}]" for d, dom in enumerate(c.domains) for i in range(len(dom.indicators))]
              if c.domains else [f"{where}.indicators[{i}]" for i in range(len(c.indicators))])
    for place, ind_id in zip(places, c.indicators, strict=True):
        ind = catalogue.indicators.get(ind_id)
        if ind is None:
            errors.append(InputError(f"unknown indicator {ind_id!r}", path, place))
        elif ind.direction == "none":
            errors.append(InputError(f"{ind_id!r} is a context indicator (not rated); a composite needs rated ones", path, place))
        else:
            inds.append(ind)
    if inds and not set.intersection(*(set(i.applies_to) for i in inds)):
        errors.append(InputError("the indicators share no unit kind (e.g. gmina-only with powiat-only)", path, f"{where}.indicators"))
    for ind_id in sorted(set(c.goalposts or {}) - set(c.indicators)):
        errors.append(InputError(f"goalposts for {ind_id!r}, which is not an indicator of this composite", path, f"{where}.goalposts"))
    for ind_id in [i for i in c.indicators if c.goalposts is not None and i not in c.goalposts]:
        errors.append(InputError(f"no goalposts for indicator {ind_id!r}", path, f"{where}.goalposts"))
    if c.reference_year is not None and c.reference_year > year:
        errors.append(InputError(f"reference year {c.reference_year} is after the report year {year}", path, f"{where}.reference_year"))
    checks: list[tuple[str, Callable[[], object]]] = [(where, lambda: composite_spec(c))]
    alternatives = c.uncertainty.alternatives or {}
    if c.weights == "expert" or "expert" in alternatives.get("weights", []):  # the weighting function checks its input
        checks.append((f"{where}.expert_weights", lambda: WEIGHT["expert"](pd.DataFrame(columns=c.indicators), c.expert_weights)))
    checks += [(f"{where}.uncertainty.alternatives.{factor}", partial(check_method, factor, name))
               for factor, names in alternatives.items() for name in names]
    for place, check in checks:
        try:
            check()
        except InputError as exc:
            errors.append(InputError(exc.problem, path, place))
    return errors


def catalogue_meta(catalogue: Catalogue) -> pd.DataFrame:
    rows = []
    for ind in catalogue.indicators.values():
        rows.append(dict(indicator=ind.id, direction=ind.direction,
                         target_low=ind.target.low if ind.target else float("nan"),
                         target_high=ind.target.high if ind.target else float("nan")))
    return pd.DataFrame(rows)


def applies(catalogue: Catalogue) -> dict[str, list[str]]:
    """Indicator -> the unit kinds it applies to (the register denominator of its statistics)."""
    return {i.id: list(i.applies_to) for i in catalogue.indicators.values()}


def compute(checked: Checked) -> dict[str, pd.DataFrame]:
    """Indicators for all units and years, and every comparison measure in every group.

    The population class of every unit (typology groups) is computed here from the data, whatever the register
    says; every group statistic carries its register denominator and is withheld below the series' min_coverage."""
    wide = checked.store.wide()
    units = with_population_class(checked.store.units.reset_index(drop=True), wide, checked.spec.year)
    values = compute_all(checked.catalogue, wide, units)
    voice = residents_voice(checked, wide)
    survey_values = voice.pop("survey_values")
    if len(survey_values):
        values = pd.concat([values, survey_values.astype({"year": values["year"].dtype})], ignore_index=True)
    obs = checked.store.observations
    flagged_obs = obs[obs["flag"].notna() & obs["value"].notna()]
    inputs = {i.id: i.variables for i in checked.catalogue.indicators.values()}
    shares = {i.id for i in checked.catalogue.indicators.values() if i.uncertainty == "binomial"}
    z, rel = robust_z(values), yoy_relative(values)  # computed once: for the flags and for the data-quality report
    values["quality"] = quality_flags(values, input_flagged(values, flagged_obs, inputs) if len(flagged_obs) else None, shares,
                                      z=z, rel=rel)
    member = membership(checked.groups, units)
    meta = catalogue_meta(checked.catalogue)
    expected = register_counts(member, units, applies(checked.catalogue), values["year"].unique())
    comp, stats = comparisons(values, member, meta, expected, checked)
    tables = {"values": values, "membership": member, "comparison": comp, "group_stats": stats, "units": units,
              "group_sectors": group_sectors(comp, checked.catalogue, checked.spec.year),
              "changes": changes(values, checked.catalogue, checked.unit_codes, checked.spec.year), "breaks": breaks(checked.catalogue),
              **voice}
    national = expected[expected["group"] == checked.groups.national.id]
    tables |= fair_tables(checked, values, wide, units, meta, national)
    return tables | quality_tables(checked, values, z, rel, units, national) | learning_tables(checked, tables, units)


def learning_tables(checked: Checked, tables: dict[str, pd.DataFrame], units: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Good practices: the practices, their authorities' improvements on the data, and for every report unit where
    it lags (percentile among authorities of its kind and size class, or in the country where that group is too small
    to rank in), practices of authorities that improved."""
    from jstbench.series import practices as sp

    out = {"practices": sp.practices_table(checked.practices)} | caf_series_tables(checked)
    if checked.spec.practices is None:
        return out | {name: sf.empty(name) for name in ("practice_improvements", "practice_links")}
    params, year, comp = checked.spec.practices, checked.spec.year, tables["comparison"]
    improved = sp.improvements(checked.practices, tables["values"], checked.catalogue, year)
    now = comp[(comp["year"] == year) & comp["group_type"].isin(["typology", "national"]) & comp["percentile"].notna()]
    now = now[["unit", "indicator", "percentile", "group_type"]].astype({"indicator": str, "group_type": str})
    # among authorities of the same kind and size, else (a typology group too small to rank in) in the country
    positions = now.sort_values("group_type", key=lambda g: g.map({"typology": 0, "national": 1}))
    positions = positions.drop_duplicates(["unit", "indicator"]).rename(columns={"group_type": "basis"})
    synthetic = {x.practice.id: x.practice.synthetic for x in checked.practices}
    out["practice_improvements"] = improved
    out["practice_links"] = sp.links(checked.unit_codes, positions, improved, units, tables["peers"], params.lag_below,
                                     params.per_indicator, checked.store.synthetic, synthetic)
    return out


def caf_series_tables(checked: Checked) -> dict[str, pd.DataFrame]:
    """The CAF tables (`series.caf`): consolidated scores, criteria with change and group distribution, notes, plan;
    empty without `caf:`."""
    from jstbench.series.caf import caf_tables

    if checked.caf is None or checked.spec.caf is None:
        return {name: sf.empty(name) for name in ("caf_scores", "caf_criteria", "caf_notes", "caf_plan")}
    model, a = checked.caf
    return caf_tables(a.scores, a.notes, a.plan, model, min_n=checked.spec.caf.min_n)


def residents_voice(checked: Checked, wide: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Survey tables and survey indicators' values (empty without `surveys:`), participatory-budget summaries
    (empty without `participatory:`)."""
    from jstbench.series import surveys

    spec, known = checked.spec, set(checked.store.units.index)
    out = {name: sf.empty(name) for name in ("survey_estimates", "survey_waves", "survey_changes", "survey_differences",
                                             "pb_summary")}
    out["survey_values"] = pd.DataFrame(columns=["unit", "year", "indicator", "value", "reason"])
    if spec.surveys is not None:
        groups = {g.id: g.members for g in checked.groups.exchange_groups}
        out |= surveys.survey_tables(checked.catalogue, spec.surveys, checked.inputs["surveys"], wide, known, groups,
                                     checked.responses)
    if spec.participatory is not None:
        out["pb_summary"] = surveys.pb_tables(spec.participatory, checked.inputs["participatory"], wide, known)
    return out


def comparisons(values: pd.DataFrame, member: pd.DataFrame, meta: pd.DataFrame, expected: pd.DataFrame,
                checked: Checked) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Positions and group statistics, computed where the reports use them: exchange groups in every year (their
    trends), typology and national groups in the report year (positions) — and national statistics in every year
    (the band of the trend charts)."""
    year, min_size, cover = checked.spec.year, checked.groups.min_group_size, checked.spec.min_coverage
    values = values[["unit", "year", "indicator", "value"]].astype({"unit": "category", "indicator": "category"})
    exchange = member[member["group_type"] == "exchange"]
    big = member[member["group_type"] != "exchange"]
    national = member[member["group_type"] == "national"]
    now = values[values["year"].isin([year - 1, year])]  # the year before: for the year-on-year change
    comp_exchange, stats_exchange = compare_and_stats(values, exchange, meta, min_size, expected, cover)
    comp_big, stats_big = compare_and_stats(now, big, meta, min_size, expected, cover)
    earlier = group_stats(values[values["year"] < year - 1], national, meta, expected, cover)
    comp = pd.concat([comp_exchange, comp_big[comp_big["year"] == year]], ignore_index=True)
    stats_big = stats_big[(stats_big["group_type"] == "national") | (stats_big["year"] == year)]
    stats = pd.concat([stats_exchange, stats_big, earlier], ignore_index=True)
    stats = stats.drop(columns=["sd"])
    stats.insert(6, "coverage", coverage_share(stats["n"], stats["expected"]))
    for col in ("group", "group_type", "indicator"):
        comp[col], stats[col] = comp[col].astype(str), stats[col].astype(str).astype("category")
    return comp, stats


def breaks(catalogue: Catalogue) -> pd.DataFrame:
    """Comparability breaks in each indicator's series, from the breaks of the variables it uses."""
    rows = [(ind.id, year, var, change) for ind in catalogue.indicators.values() for year, var, change, _ in catalogue.breaks(ind)]
    return pd.DataFrame(rows, columns=["indicator", "year", "variable", "change"])


def changes(values: pd.DataFrame, catalogue: Catalogue, report_units: list[str], year: int) -> pd.DataFrame:
    """Per value of a report unit in the report year: change on the previous year (absolute; in per cent only from
    a positive base) and, for target-range indicators, the distance to the target range (0 inside)."""
    v = values[values["unit"].isin(report_units) & values["year"].isin([year - 1, year])]
    prev = pd.Series(previous_year(v["value"], [v["unit"], v["indicator"]], v["year"]), index=v.index)
    v, prev = v[v["year"] == year], prev[v["year"] == year]
    change = v["value"] - prev
    bounds = {i.id: (i.target.low, i.target.high) for i in catalogue.indicators.values() if i.target}
    low = v["indicator"].map({k: b[0] for k, b in bounds.items()}).astype(float)
    high = v["indicator"].map({k: b[1] for k, b in bounds.items()}).astype(float)
    return pd.DataFrame({"unit": v["unit"], "indicator": v["indicator"], "year": v["year"], "change": change,
                         "change_pct": (100 * change / prev).where(prev > 0), "target_gap": distance_to_range(v["value"], low, high)})


def group_sectors(comparison: pd.DataFrame, catalogue: Catalogue, year: int) -> pd.DataFrame:
    """Exchange-group members × sectors in the report year: mean percentile in the group over the sector's
    monitoring indicators with a position, and how many indicators that is."""
    cur = comparison[(comparison["group_type"] == "exchange") & (comparison["year"] == year) & comparison["percentile"].notna()]
    monitoring = {i.id: i.sector for i in catalogue.indicators.values() if i.kind == "monitoring"}
    cur = cur[cur["indicator"].isin(set(monitoring))]
    cur = cur.assign(sector=cur["indicator"].astype(str).map(monitoring))
    out = cur.groupby(["group", "unit", "sector"], observed=True)["percentile"].agg(["mean", "size"]).reset_index()
    return out.rename(columns={"mean": "mean_percentile", "size": "indicators"}).astype({"group": str, "unit": str})


def indicator_coverage(values: pd.DataFrame, national: pd.DataFrame, year: int, min_coverage: float) -> pd.DataFrame:
    """Every indicator in `year`: units with a value (n) of the register's units it applies to (`national`: the
    national group's `register_counts`), and whether its national statistics are withheld — the same numbers as
    the national rows of group_stats."""
    exp = national[national["year"] == year].set_index("indicator")["expected"]
    cur = values[values["year"] == year]
    n = cur.groupby("indicator", observed=True)["value"].count().reindex(exp.index, fill_value=0).astype("int64")
    expected = pd.concat([exp, n], axis=1).max(axis=1).astype("int64")
    return pd.DataFrame({"indicator": exp.index.astype(str), "n": n.to_numpy(), "expected": expected.to_numpy(),
                         "coverage_pct": 100 * coverage_share(n, expected),
                         "withheld": withheld(n, expected, min_coverage)})


def quality_tables(checked: Checked, values: pd.DataFrame, z: pd.Series, rel: pd.Series, units: pd.DataFrame,
                   national: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """What the data-quality report shows: coverage against the units register (variables by the kinds their
    indicators apply to, indicators of the report year), missing and flagged inputs, flagged values of the report
    units in the report year (robust z `z`, year-on-year change `rel`), units without a population (class unknown)
    or with one of an earlier year, revisions between loads."""
    obs, year, catalogue = checked.store.observations, checked.spec.year, checked.catalogue
    kinds = variable_kinds(catalogue)
    first = {v.name: v.first_year for v in catalogue.variables.values() if v.first_year}
    flagged_rows = values["quality"].notna() & (values["year"] == checked.spec.year) & values["unit"].isin(checked.unit_codes)
    report = values[flagged_rows]
    flags = values["quality"].dropna()  # few values carry flags: count on those only
    alive = units[valid_in(units, year).to_numpy()]  # the units of the register that existed in the report year
    covered = coverages(obs, units, kinds, first)
    return {"quality_coverage_variable": covered["variable"].reset_index(),
            "quality_coverage_year": covered["year"].reset_index(),
            "quality_coverage_indicator": indicator_coverage(values, national, year, checked.spec.min_coverage),
            "quality_flags": flagged(obs),
            "quality_report": pd.DataFrame({"unit": report["unit"], "indicator": report["indicator"], "value": report["value"],
                                            "z": z[flagged_rows], "change": rel[flagged_rows],
                                            "quality": report["quality"]}),
            "quality_counts": pd.DataFrame({"measure": sf.QUALITY_MEASURES, "n": [
                len(obs), int(obs["value"].isna().sum()),
                *(int(flags.str.contains(f, regex=False).sum()) for f in sf.QUALITY_MEASURES[2:6]),
                int((alive["population_class"] == "unknown").sum()), int((alive["population_year"] < year).sum())]}),
            "revisions": revisions(checked.store.folder)}


def fair_tables(checked: Checked, values: pd.DataFrame, wide: pd.DataFrame, units: pd.DataFrame,
                meta: pd.DataFrame, national: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The statistical layer for the report year: adjustment (on the structural features the data have), intervals,
    similar authorities and typology, composites (see `jstbench.series.statistics`). `national`: the register
    denominators of the national group (`register_counts`)."""
    year, spec = checked.spec.year, checked.spec
    adj_catalogue, dropped = adjustment_catalogue(checked.catalogue, values, units, year, spec.min_coverage)
    models, adjusted = adjust_all(adj_catalogue, values, units, year)
    if len(models):
        exp = national[national["year"] == year].set_index("indicator")["expected"]
        models = models.assign(expected=models["indicator"].map(exp).fillna(0).astype("int64"),
                               dropped_features=[",".join(dropped.get(i, [])) for i in models["indicator"]])
    groups = {gid: checked.groups.exchange(gid).members for gid in checked.group_ids}
    intervals = binomial_intervals(checked.catalogue, wide, groups, year, checked.groups.min_group_size)
    similar = similar_tables(checked.catalogue, values, units, year, checked.unit_codes, spec.similar.k, spec.similar.weights)
    member = similar_membership(similar["peers"], similar["typology"])
    expected = register_counts(member, units, applies(checked.catalogue), [year])
    comp = compare(values[values["year"] == year], member, meta, checked.groups.min_group_size, expected, spec.min_coverage)
    own = comp["group"].astype(str) == "podobne-" + comp["unit"].astype(str)
    comp = comp[(comp["group_type"] != "similar") | own]  # among its similar authorities a report shows the unit itself
    composites = composite_tables(checked.catalogue, spec.composites, values, units, year, groups, checked.groups.min_group_size)
    ranks = adjusted_ranks(checked.catalogue, adjusted, groups)
    prices = real_terms(checked.catalogue, values, checked.unit_codes, checked.deflators[spec.deflator], year)
    return ({"models": models, "adjusted": adjusted, "adjusted_ranks": ranks, "intervals": intervals, "comparison_fair": comp}
            | similar | composites | prices)


def write_data(checked: Checked, tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """The series folder (`jstbench.series.folder`): every declared table, validated and sorted, and the JSON files."""
    folder.mkdir(parents=True, exist_ok=True)
    comparisons = {}
    for key, types in (("comparison", GROUP_TYPES), ("comparison_fair", FAIR_GROUP_TYPES)):
        comp = tables[key][["group", "group_type", *UNIT_COLUMNS]].astype({c: "float32" for c in UNIT_COLUMNS[3:]})
        for gt in types:  # every file is written, empty if the series has no such group
            part = comp[comp["group_type"] == gt].drop(columns=["group_type"])
            comparisons[f"comparison_{gt}"] = part.assign(group=part["group"].astype(str).astype("category"),
                                                          indicator=part["indicator"].astype(str).astype("category"))
    by_name = {k: v for k, v in tables.items() if k in sf.TABLES} | comparisons
    missing = sorted(set(sf.TABLES) - set(by_name))
    if missing:
        raise ValueError(f"the build computed no table for {missing}")
    for name, df in by_name.items():
        sf.write(folder, name, df)
    sf.write_json(folder, "catalogue", checked.catalogue.to_dict())
    groups = [dict(id=g.id, name=g.name, sector=g.sector, members=g.members) for g in checked.groups.exchange_groups]
    sf.write_json(folder, "series", {
        "contract": sf.CONTRACT_VERSION, "name": checked.name, "title": checked.spec.title, "year": checked.spec.year,
        "synthetic": checked.store.synthetic, "min_group_size": checked.groups.min_group_size,
        "exchange_groups": groups, "report_units": checked.unit_codes,
        "report_groups": list(checked.group_ids), "national_id": checked.groups.national.id,
        "national_name": checked.groups.national.name, "deflator": checked.spec.deflator,
        "min_coverage": checked.spec.min_coverage,
        "composites": [c.model_dump(mode="json") for c in checked.spec.composites],
        "practices": checked.spec.practices.model_dump(mode="json") if checked.spec.practices else None,
        "similar": {"k": checked.spec.similar.k or checked.catalogue.require_structure().similar.k,
                    "weights": checked.spec.similar.weights or checked.catalogue.require_structure().similar.weights},
    })
