"""The series folder: the one contract between a built series and everything that reads it.

Every file of `output/<series>/data/` is declared here once, with its schema (pandera), the order its rows are
sorted in for fast per-unit reads, and what it holds. `write` is its single writer (called by the build, which
validates each table against its schema before writing it atomically); `SeriesFolder` is its single reader (the
report views, the data-quality notebook and the methodology site read through it). A test checks that a build
writes exactly the files declared here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.parquet as pq
from pandera.errors import SchemaError, SchemaErrors

from jstbench.core.atomic import write_text, write_with
from jstbench.core.errors import InputError

CONTRACT_VERSION = 11  # 3: coverage of group statistics (expected, withheld), population classes from the data; 4: breaks;
# 5: composites' register denominators; 6: typology and national positions and typology statistics of the report year only;
# 7: changes of the report year, similar-authority positions of each unit among its own peers, real terms without the
# nominal value; 8: ties (units sharing a rank) in comparisons; 9: surveys (estimates, waves, changes), participatory budgets;
# 10: good practices (practices, improvements, links) and CAF self-assessments; 11: multi-level composites (domains,
# weights), outlier treatment, imputation flags, Sobol' sensitivity, coherence audit, trends on fixed goalposts
GROUP_TYPES = ("exchange", "typology", "national")
FAIR_GROUP_TYPES = ("similar", "cluster")  # groups of the statistical layer, compared in the report year only
MODEL_STATUSES = ("ok", "poor-fit", "too-few", "constant")
NOT_FITTED = ("too-few", "constant")  # statuses without an expected value
QUALITY_MEASURES = ("observations", "missing", "outlier", "jump", "impossible-share", "input-flag", "population-unknown",
                    "population-earlier")


def _str(nullable: bool = False) -> pa.Column:
    return pa.Column(object, nullable=nullable, coerce=True)


def _num(dtype: type | str = float, nullable: bool = True) -> pa.Column:
    return pa.Column(dtype, nullable=nullable, coerce=True)


def _schema(columns: dict[str, pa.Column], strict: bool | str = True, unique: list[str] | None = None) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(columns, strict=strict, unique=unique, ordered=False)


COMPARISON = {"group": pa.Column("category"), "unit": _str(), "year": _num("int64", False), "indicator": pa.Column("category"),
              **{c: _num("float32") for c in ("value", "n", "expected", "rank", "ties", "percentile", "quartile", "zscore",
                                               "median", "distance_to_best", "yoy_change")}}
RANKS = {"nominal_rank": _num(), "median_rank": _num(), "rank_lo": _num(), "rank_hi": _num(), "n": _num("int64", False)}


@dataclass(frozen=True)
class Table:
    """One parquet file of the series folder."""

    name: str
    schema: pa.DataFrameSchema
    doc: str
    sort: tuple[str, ...] = ()
    key: str | None = None  # "unit" or "group": reports read it by this column (their slice); None: read whole


# CAF self-assessments (series/caf.py computes them)
CAF_ITEMS = [*(str(c) for c in range(1, 10)), "enablers", "results", "overall"]  # the rows of each assessment, in order


_CAF_UNIT = {"unit": _str(), "assessment": _str(), "panel": pa.Column(object, pa.Check.isin(["classical", "fine"]))}
_CAF_DISTRIBUTION = ("min", "q25", "median", "q75", "max")

_CAF_TABLES: dict[str, tuple[pa.DataFrameSchema, str, tuple[str, ...]]] = {
    "caf_scores": (
        _schema({**_CAF_UNIT, "criterion": _num("int64", False), "subcriterion": _str(), "kind": _str(), "name": _str(),
                 "n": _num("int64", False), **{c: _num() for c in ("mean", "median", "min", "max", "spread", "sd")},
                 "consensus_needed": _num(bool, False), "threshold": _num(float, False)},
                unique=["unit", "assessment", "subcriterion"]),
        "CAF self-assessments per authority, assessment and sub-criterion (points 0–100 on both panels): assessors, "
        "mean, median, range, spread (max − min), standard deviation, and whether the spread reaches the consensus "
        "threshold (the team has to agree on a score; `threshold`, in points)",
        ("unit", "assessment", "criterion", "subcriterion")),
    "caf_criteria": (
        _schema({**_CAF_UNIT, "item": pa.Column(object, pa.Check.isin(CAF_ITEMS)), "order": _num("int64", False),
                 "criterion": _num(), "kind": _str(True), "name": _str(),
                 **{c: _num() for c in ("score", "low", "high", "spread_mean", "spread_max")},
                 **{c: _num("int64", False) for c in ("consensus", "subcriteria", "assessors")},
                 "previous_assessment": _str(True), "previous": _num(), "change": _num(),
                 "group_n": _num("int64", False), **{f"group_{c}": _num() for c in _CAF_DISTRIBUTION},
                 "rank": _num(), "band": _num(), "suppressed": _num(bool, False), "min_n": _num("int64", False)},
                unique=["unit", "assessment", "item"]),
        "CAF self-assessments per authority, assessment and criterion (then enablers, results, overall): the mean "
        "of its sub-criteria means, the lowest and highest assessor's own score, spread summaries, the change on the "
        "authority's previous assessment, and the distribution among the authorities that assessed in the same round "
        "(n, min, quartiles, max, the authority's rank and quartile band), suppressed below min_n authorities",
        ("unit", "assessment", "order")),
    "caf_notes": (
        _schema({"unit": _str(), "assessment": _str(), "assessor": _str(), "criterion": _num("int64", False),
                 "subcriterion": _str(), "kind": pa.Column(object, pa.Check.isin(["strength", "improvement"])),
                 "text": _str()}),
        "strengths and areas for improvement written by the assessors, one row per line, per sub-criterion",
        ("unit", "assessment", "criterion", "subcriterion", "kind", "assessor")),
    "caf_plan": (
        _schema({"unit": _str(), "assessment": _str(), "assessor": _str(), "action": _str(), "subcriterion": _str(),
                 "criterion": _num("int64", False), "priority": pa.Column(object, pa.Check.isin(["wysoki", "średni", "niski"])),
                 **{c: _str(True) for c in ("owner", "deadline", "effect")}}),
        "the improvement actions the assessors proposed: sub-criterion, priority, owner, deadline, expected effect",
        ("unit", "assessment", "criterion", "subcriterion", "assessor")),
}



TABLES: dict[str, Table] = {t.name: t for t in [
    Table("units", _schema({"code": _str(), "name": _str(), "kind": _str(), "voivodeship": _str(True), "powiat": _str(True),
                            "population_class": _str(True), "population_year": _num(), "synthetic": _num(bool, False)},
                           strict="filter", unique=["code"]),
          "the units register of the data (code, name, kind, voivodeship, powiat, synthetic) with the size class computed "
          "from the data: population of the report year or of the latest earlier year with one (population_year; "
          "missing: class unknown)"),
    Table("values", _schema({"unit": _str(), "year": _num("int64", False), "indicator": _str(), "value": _num(),
                             "reason": _str(True), "quality": _str(True)}, unique=["unit", "year", "indicator"]),
          "every indicator for every unit and year, with the reason of a missing value and quality flags",
          ("unit", "indicator", "year")),
    Table("membership", _schema({"group": _str(), "group_type": _str(), "group_name": _str(True), "unit": _str()}),
          "which unit is in which exchange, typology and national group"),
    Table("changes", _schema({"unit": _str(), "indicator": _str(), "year": _num("int64", False), "change": _num(),
                              "change_pct": _num(), "target_gap": _num()}, unique=["unit", "year", "indicator"]),
          "values of the report units in the report year: change on the previous year (in per cent only from a positive "
          "base), distance to the target range", ("unit", "indicator", "year")),
    Table("breaks", _schema({"indicator": _str(), "year": _num("int64", False), "variable": _str(), "change": _str()},
                            unique=["indicator", "year", "variable"]),
          "comparability breaks in each indicator's series: from `year` on a variable it uses has a new source or "
          "content (catalogue `breaks`)", ("indicator", "year")),
    Table("group_sectors", _schema({"group": _str(), "unit": _str(), "sector": _str(), "mean_percentile": _num(),
                                    "indicators": _num("int64", False)}),
          "exchange-group members × sectors: mean percentile in the group over the sector's rated indicators", ("group", "unit")),
    Table("group_stats", _schema({"group": pa.Column("category"), "group_type": pa.Column("category"), "year": _num("int64", False),
                                  "indicator": pa.Column("category"), "n": _num("int64", False),
                                  "expected": _num("int64", False), "coverage": _num(), "withheld": _num(bool, False),
                                  **{c: _num() for c in ("median", "mean", "q25", "q75", "best")}}),
          "per group, year and indicator: n (units with a value), expected (the group's units in the register the "
          "indicator applies to), coverage n / expected, withheld (coverage below the series' min_coverage: the "
          "statistics are missing), median, mean, quartiles, best value; exchange and national groups in every year, "
          "typology groups in the report year", ("group", "indicator", "year")),
    *[Table(f"comparison_{gt}", _schema(COMPARISON), f"per unit in its {gt} group(s): position measures{years}", sort)
      for gt, sort, years in (("exchange", ("group", "unit"), ", every year"),
                              ("typology", ("unit", "indicator", "year"), " in the report year"),
                              ("national", ("unit", "indicator", "year"), " in the report year"),
                              ("similar", ("group", "indicator"), " among its own similar authorities, in the report year"),
                              ("cluster", ("group", "indicator"), " in the report year"))],
    Table("features", _schema({"unit": _str(), "year": _num("int64", False)}, strict=False),
          "structural features (one column each) of every unit in the report year and the year before"),
    Table("peers", _schema({"unit": _str(), "peer": _str(), "order": _num("int64", False), "distance": _num()}),
          "the similar authorities of each report unit, nearest first"),
    Table("peer_explanations", _schema({"unit": _str(), "feature": _str(), "order": _num("int64", False),
                                        **{c: _num() for c in ("unit_value", "peers_median", "peers_min", "peers_max",
                                                               "gap_sd", "weight", "share_of_distance")}}),
          "why peers are peers: per report unit and feature, its value and the peers' median and range on the natural "
          "scale, the mean gap in standard deviations, the weight", ("unit", "order")),
    Table("peer_stability", _schema({"unit": _str(), "jaccard_previous": _num(), "jaccard_weights": _num(), "kept_share": _num()}),
          "how stable each report unit's peers are (last year's data, weight noise)"),
    Table("typology", _schema({"unit": _str(), "cluster": _str(True)}), "the data-driven type of every unit"),
    Table("clusters", _schema({"cluster": _str(), "n": _num("int64", False), "stability": _num()}, strict=False),
          "each type: size, feature medians and z-medians (z_<feature>), bootstrap Jaccard stability"),
    Table("composite_scores", _schema({"unit": _str(), **RANKS, "score": _num(), "composite": _str(), "stratum": _str(),
                                       "year": _num("int64", False), "inputs": _num("int64", False), "missing_inputs": _str(),
                                       "expected": _num("int64", False), "imputed_inputs": _str(), "treated_inputs": _str(),
                                       "mean_rank": _num(), "mean_abs_shift": _num()}),
          "each composite in each stratum: score, rank and Monte Carlo rank interval, inputs present and missing, inputs "
          "imputed (indicator:method or indicator:year taken) and treated as outliers (indicator:method), the mean rank and "
          "mean absolute rank shift over the sensitivity design, and the stratum's units in the register it applies to "
          "(`expected`; `n` of them are ranked)"),
    Table("composite_groups", _schema({"unit": _str(), **RANKS, "composite": _str(), "group": _str(), "year": _num("int64", False)}),
          "rank intervals of each composite within each exchange group"),
    Table("composite_shares", _schema({"factor": _str(), "share": _num(), "share_se": _num(), "runs": _num("int64", False),
                                       "composite": _str(), "stratum": _str()}),
          "share of rank variance due to each methodological choice (first order, from the Monte Carlo runs), with its "
          "bootstrap standard error"),
    Table("composite_domains", _schema({"unit": _str(), "domain": _str(), "score": _num(), "rank": _num(), "composite": _str(),
                                        "stratum": _str(), "year": _num("int64", False)}),
          "domain scores of multi-level composites per unit, with the rank in the stratum", ("unit", "composite", "domain")),
    Table("composite_weights", _schema({"indicator": _str(), "domain": _str(), "domain_weight": _num(), "weight": _num(),
                                        "effective_weight": _num(), "composite": _str(), "stratum": _str()}),
          "each indicator's nominal weight inside its domain, the domain's weight and the effective weight in the index"),
    Table("composite_treated", _schema({"unit": _str(True), "indicator": _str(), "method": _str(), "original": _num(),
                                        "treated": _num(), "parameter": _num(), "composite": _str(), "stratum": _str()}),
          "outlier treatment of the nominal composite: each winsorised point (unit, original and treated value) and each "
          "transformed indicator (unit empty; `parameter`: Box–Cox λ)", ("composite", "indicator", "unit")),
    Table("composite_imputed", _schema({"unit": _str(), "indicator": _str(), "method": _str(), "source": _str(True),
                                        "composite": _str(), "stratum": _str()}),
          "the cells of the nominal composite that were imputed: method, and the group or the earlier year used",
          ("unit", "composite", "indicator")),
    Table("composite_sensitivity", _schema({"factor": _str(), "S1": _num(), "S1_conf": _num(), "ST": _num(), "ST_conf": _num(),
                                            "n_base": _num("int64", False), "runs": _num("int64", False),
                                            "evaluations": _num("int64", False), "composite": _str(), "stratum": _str()}),
          "variance-based sensitivity of the mean absolute rank shift: first- and total-order Sobol' indices with the "
          "half-widths of their 95% bootstrap intervals, Saltelli design of n_base · (factors + 2) runs"),
    Table("composite_coherence", _schema({"part": _str(), "composite": _str(), "stratum": _str()}, strict=False),
          "the statistical coherence audit of each composite (`part`: correlations within and across levels, Cronbach's "
          "alpha with alpha-if-deleted, PCA per domain, eigenvalues, loadings)"),
    Table("composite_flags", _schema({"code": _str(), "level": _str(), "a": _str(), "b": _str(True), "value": _num(),
                                      "threshold": _num(), "n": _num(), "message": _str(), "composite": _str(),
                                      "stratum": _str()}),
          "problems the coherence audit found (negative or weak correlation with the domain or index, redundancy, low "
          "alpha, more than one dimension), with a message"),
    Table("composite_trend", _schema({"unit": _str(), "year": _num("int64", False), "score": _num(), "rank": _num(),
                                      "composite": _str(), "stratum": _str()}),
          "composites on fixed goalposts (or a reference year's range) in the report year and the years before it, "
          "comparable across years", ("unit", "composite", "year")),
    Table("models", _schema({"indicator": _str(), "year": _num("int64", False), "response": _str(), "features": _str(),
                             "n": _num("int64", False), "needed": _num("int64", False), "expected": _num("int64", False),
                             "dropped_features": _str(),
                             "status": pa.Column(object, pa.Check.isin(MODEL_STATUSES)),
                             "r2": _num(), "r2_adj": _num(), "min_r2": _num(), "bp_pvalue": _num(), "pi_method": _str(True),
                             "coefficients": _str()}),
          "the structural-adjustment model of every adjustable indicator: status, fit, coefficients (JSON), units in it (n) "
          "of the register's units it applies to (expected), features left out for lack of data (dropped_features)"),
    Table("adjusted", _schema({"unit": _str(), "indicator": _str(), "year": _num("int64", False),
                               **{c: _num() for c in ("value", "expected", "pi_low", "pi_high", "gap_abs", "gap_rel")},
                               **{c: _num("float32") for c in ("residual", "cooks_d", "raw_percentile", "raw_quartile",
                                                               "adj_percentile", "adj_quartile")},
                               "influential": _num(bool, False)}),
          "every unit's expected value, 90% prediction interval, gap and national position before and after adjustment",
          ("unit", "indicator")),
    Table("adjusted_ranks", _schema({"group": _str(), "unit": _str(), "indicator": _str(), "raw_rank": _num(), "adj_rank": _num(),
                                     "inside": _num(bool, False)}),
          "ranks of each exchange group's members on the raw value and on the adjusted scale (residual)",
          ("group", "indicator", "adj_rank")),
    Table("intervals", _schema({"group": _str(), "unit": _str(), "indicator": _str(), "year": _num("int64", False),
                                "trials": _num(), "percentile_lo": _num(), "percentile_hi": _num(), "alpha": _num()}),
          "bootstrap intervals of positions on shares of small counts", ("group", "unit", "indicator")),
    Table("real_terms", _schema({"unit": _str(), "indicator": _str(), "year": _num("int64", False), "value_real": _num("float32")}),
          "money indicators of the report units in constant prices of the report year (current prices: `values`)",
          ("unit", "indicator", "year")),
    Table("trends", _schema({"unit": _str(), "indicator": _str(), "first_year": _num("int64", False), "last_year": _num("int64", False),
                             **{c: _num("float32") for c in ("cagr_nominal", "cagr_real", "slope", "slope_lo", "slope_hi")}}),
          "average yearly change of money indicators of the report units: nominal and real CAGR, log-linear trend with "
          "its 90% confidence interval", ("unit", "indicator")),
    Table("quality_coverage_variable", _schema({"variable": _str(), "values": _num(), "expected": _num(), "coverage_pct": _num(),
                                                "units": _num("int64", False), "register_units": _num("int64", False)}),
          "coverage of every input variable: values present among the unit-years expected of the units register (units "
          "of the kinds the variable's indicators apply to); units with a value, register units of the latest year"),
    Table("quality_coverage_year", _schema({"year": _num("int64", False), "values": _num(), "expected": _num(),
                                            "coverage_pct": _num()}),
          "coverage of the input data by year, against the units register"),
    Table("quality_coverage_indicator", _schema({"indicator": _str(), "n": _num("int64", False), "expected": _num("int64", False),
                                                 "coverage_pct": _num(), "withheld": _num(bool, False)}, unique=["indicator"]),
          "every indicator in the report year: units with a value of the register's units it applies to, and whether its "
          "national statistics are withheld (coverage below min_coverage)", ("coverage_pct", "indicator")),
    Table("quality_flags", _schema({"variable": _str()}, strict=False), "missing and flagged observations per variable"),
    Table("quality_report", _schema({"unit": _str(), "indicator": _str(), "value": _num(), "z": _num(), "change": _num(),
                                     "quality": _str()}),
          "indicator values of the report year with quality flags (robust z, year-on-year change)"),
    Table("quality_counts", _schema({"measure": pa.Column(object, pa.Check.isin(QUALITY_MEASURES), coerce=True),
                                     "n": _num("int64", False)}, unique=["measure"]),
          "counts for the data-quality summary: observations, missing ones, and indicator values with each quality flag"),
    Table("revisions", _schema({}, strict=False), "values revised between loads of the data"),
    Table("survey_estimates", _schema({"unit": _str(), "wave": _num("int64", False), "item": _str(), "kind": _str(),
                                       "service": _str(), "label": _str(), "statistic": _str(), "category": _str(),
                                       **{c: _num() for c in ("estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff")},
                                       "suppressed": _num(bool, False)},
                                      unique=["unit", "wave", "item", "statistic", "category"]),
          "weighted survey estimates per authority, wave and item (a question: mean, share of good answers; a "
          "service: satisfaction index 0-100) with Taylor-linearised intervals; a result resting on fewer than the "
          "series' min_n answers keeps its keys and `suppressed`, every number (n too) is empty",
          ("unit", "wave", "item")),
    Table("survey_waves", _schema({"unit": _str(), "wave": _num("int64", False), "respondents": _num("int64", False),
                                   **{c: _num() for c in ("population", "population_year", "n_eff", "deff", "weight_ratio")},
                                   "method": _str(), "collapsed": _str(True)}, unique=["unit", "wave"]),
          "one row per authority and survey wave: respondents, the population weighted to (of population_year: the "
          "wave's year or the latest earlier one with every sex and age cell), effective sample size, "
          "design effect (Kish), largest/smallest weight, the weighting method and any cells merged",
          ("unit", "wave")),
    Table("survey_changes", _schema({"unit": _str(), "item": _str(), "statistic": _str(), "category": _str(),
                                     "wave": _num("int64", False), "previous_wave": _num("int64", False),
                                     **{c: _num() for c in ("difference", "ci_low", "ci_high", "p_value")},
                                     "significant": _num(bool, False)}),
          "the latest wave against the previous one per authority and item (z test of independent samples); none for "
          "a suppressed side", ("unit", "item")),
    Table("survey_differences", _schema({"unit": _str(), "wave": _num("int64", False), "item": _str(), "other": _str(),
                                         **{c: _num() for c in ("difference", "ci_low", "ci_high", "p_value")},
                                         "significant": _num(bool, False)}),
          "each authority's service indices against every other surveyed member of its exchange groups in the same "
          "wave (z test of independent samples); none for a suppressed side", ("unit", "wave", "item")),
    Table("pb_summary", _schema({"unit": _str(), "year": _num("int64", False), "district": _str(), "record": _str()}),
          "one row per participatory-budget file (Pabulib): its indicators, selected projects and the re-run of the "
          "selection rule, as JSON", ("unit", "year", "district")),
    Table("practices", _schema({"practice": _str(), "unit": _str(), "title": _str(), "service": _str(), "status": _str(),
                                "synthetic": _num(bool, False), "indicators": _str(), "start": _num("int64", False),
                                "end": _num()}, unique=["practice"]),
          "the good practices the series links (params/practices): authority, service, indicators, years", ("practice",)),
    Table("practice_improvements", _schema({"practice": _str(), "unit": _str(), "indicator": _str(), "start": _num("int64", False),
                                            **{c: _num() for c in ("before_year", "before", "after_year", "after", "better",
                                                                   "better_rel")},
                                            "improved": _num(bool, False)}),
          "per practice and indicator, on the series' data: the value before the practice started and the latest since, "
          "the change in the better direction (relative to the value before)", ("practice", "indicator")),
    Table("practice_links", _schema({"unit": _str(), "indicator": _str(), "percentile": _num(),
                                     "basis": pa.Column(object, pa.Check.isin(["typology", "national"])), "practice": _str(),
                                     "practice_unit": _str(), "level": _num("int64", False), "order": _num("int64", False),
                                     **{c: _num() for c in ("before_year", "before", "after_year", "after", "better",
                                                            "better_rel")}}),
          "where a report unit lags (percentile among its kind and size — or in the country where that group is too "
          "small, `basis` — below the series' lag_below): practices of "
          "authorities that improved on the indicator, nearest peers first (level 0 similar, 1 same kind and size, 2 same "
          "kind, 3 other)", ("unit", "indicator", "order")),
    *[Table(name, schema, doc, sort) for name, (schema, doc, sort) in _CAF_TABLES.items()],
]}

_KEYS = {"unit": ("values", "changes", "comparison_typology", "comparison_national", "comparison_similar", "comparison_cluster",
                  "peers", "peer_explanations", "peer_stability", "typology", "composite_scores", "composite_domains",
                  "composite_imputed", "composite_trend", "adjusted", "intervals",
                  "real_terms", "trends", "survey_estimates", "survey_waves", "survey_changes", "survey_differences",
                  "pb_summary", "practice_links", "caf_scores", "caf_criteria", "caf_notes", "caf_plan"),
         "group": ("group_sectors", "group_stats", "comparison_exchange", "composite_groups", "adjusted_ranks")}
TABLES = {name: Table(t.name, t.schema, t.doc, t.sort, next((k for k, names in _KEYS.items() if name in names), None))
          for name, t in TABLES.items()}

FOLDERS = {"strategy": "progress of each authority's strategy towards its targets, written after the tables "
                       "(jstbench.series.strategy: <TERYT>.parquet and <TERYT>-series.parquet)"}
JSON_FILES = {"catalogue": "the catalogue as JSON (indicators, variables, structural features)",
              "series": "the series: name, title, year, groups, composites, settings, contract version"}


def files() -> set[str]:
    """Every file name a built series folder holds."""
    return {f"{name}.parquet" for name in TABLES} | {f"{name}.json" for name in JSON_FILES}


def empty(name: str) -> pd.DataFrame:
    """An empty table with the declared columns and types (an empty result is still a well-typed file)."""
    cols = TABLES[name].schema.columns
    return pd.DataFrame({c: pd.Series([], dtype=str(col.dtype) if col.dtype else object) for c, col in cols.items()})


def write(folder: Path, name: str, df: pd.DataFrame) -> None:
    """Validate a table against its schema and write it atomically, sorted as declared."""
    table = TABLES[name]
    if df.empty and not len(df.columns):
        df = empty(name)
    try:
        df = table.schema.validate(df)
    except (SchemaError, SchemaErrors) as exc:
        raise InputError(f"series table {name!r} does not match its declared schema: {exc}", folder / f"{name}.parquet") from None
    df = df.sort_values(list(table.sort), ignore_index=True) if table.sort else df.reset_index(drop=True)
    arrow = _typed(df)
    # Near-unique floats gain nothing from a dictionary page, which Parquet fills before falling back to plain encoding
    # (a fifth of the national series folder); codes, names and years keep it.
    keyed = [f.name for f in arrow.schema if not pa_arrow.types.is_floating(f.type)]
    write_with(folder / f"{name}.parquet",
               lambda p: pq.write_table(arrow, p, row_group_size=50_000, compression="zstd", use_dictionary=keyed))


def _typed(df: pd.DataFrame) -> pa_arrow.Table:
    """The table as Arrow, a text column without a single value (an empty table, or nothing known) typed as text
    rather than null, so that readers filtering on it work (Arrow refuses to compare null with a string)."""
    t = pa_arrow.Table.from_pandas(df, preserve_index=False)
    fields = [f.with_type(pa_arrow.string()) if pa_arrow.types.is_null(f.type) else f for f in t.schema]
    return t.cast(pa_arrow.schema(fields, metadata=t.schema.metadata))


def write_json(folder: Path, name: str, data: dict) -> None:
    if name not in JSON_FILES:
        raise KeyError(name)
    write_text(folder / f"{name}.json", json.dumps(data, ensure_ascii=False, indent=2))


class _Cached:
    """A table held in memory for the life of the process: text columns as categories (a national `values` table is
    ~100 MB so, ~900 MB as Python strings), with per-column row indexes built on first use."""

    def __init__(self, path: Path):
        schema = pq.read_schema(path)
        text = [f.name for f in schema if pa_arrow.types.is_string(f.type) or pa_arrow.types.is_large_string(f.type)]
        self.frame = pq.read_table(path, read_dictionary=text).to_pandas()
        # Arrow's allocator keeps the pages it decompressed into; handing them back after each table: every national
        # table loaded in one process took 341 MB instead of 584 MB (a report kernel with them, 620 instead of 717 MB)
        pa_arrow.default_memory_pool().release_unused()
        self.text = {c for c in text if c in self.frame.columns}  # served as plain text, as the file declares them
        self._index: dict[str, tuple[pd.Index, np.ndarray, np.ndarray]] = {}
        self._texts: dict[str, np.ndarray] = {}

    def index(self, column: str) -> tuple[pd.Index, np.ndarray, np.ndarray]:
        """(categories, row order grouped by category, start of each category in that order)."""
        if column not in self._index:
            col = self.frame[column]
            codes = col.cat.codes.to_numpy()
            order = np.argsort(codes, kind="stable").astype(np.int32)  # row numbers: half the memory of int64
            counts = np.bincount(codes[codes >= 0], minlength=len(col.cat.categories))
            starts = np.concatenate([[0], np.cumsum(counts)]) + int((codes < 0).sum())
            self._index[column] = (col.cat.categories, order, starts)
        return self._index[column]

    def rows(self, column: str, values: list) -> np.ndarray | None:
        """Row positions where `column` is one of `values` (None: the column has no index)."""
        if not isinstance(self.frame[column].dtype, pd.CategoricalDtype):
            return None
        cats, order, starts = self.index(column)
        found = [cats.get_loc(v) for v in dict.fromkeys(values) if v in cats]
        return np.sort(np.concatenate([order[starts[c]:starts[c + 1]] for c in found] or [np.array([], dtype=np.int64)]))

    def select(self, filters: list | None) -> pd.DataFrame:
        rows = None
        masks = []
        for column, op, value in filters or []:
            wanted = [value] if op == "==" else list(value) if op == "in" else None
            found = self.rows(column, wanted) if wanted is not None and rows is None else None
            if found is not None:
                rows = found
            else:
                masks.append((column, op, value))
        df = self.frame.take(rows) if rows is not None else self.frame
        for column, op, value in masks:
            df = df[_MASKS[op](df[column], value)]
        df = df.reset_index(drop=True) if df is not self.frame else df.copy()
        for c in self.text & set(df.columns):
            if isinstance(df[c].dtype, pd.CategoricalDtype):  # codes into the categories, -1 (missing) into None
                df[c] = self.texts(c)[df[c].cat.codes.to_numpy()]
            else:
                df[c] = df[c].astype(object).where(df[c].notna(), None)
        return df

    def texts(self, column: str) -> np.ndarray:
        """A category column's values as Python text, with None last (where a missing value's code, -1, points)."""
        if column not in self._texts:
            cats = self.frame[column].cat.categories
            texts = np.empty(len(cats) + 1, dtype=object)  # the last stays None
            texts[:-1] = cats.to_numpy(dtype=object)
            self._texts[column] = texts
        return self._texts[column]


_MASKS = {"==": lambda s, v: s == v, "!=": lambda s, v: s != v, "<": lambda s, v: s < v, "<=": lambda s, v: s <= v,
          ">": lambda s, v: s > v, ">=": lambda s, v: s >= v, "in": lambda s, v: s.isin(list(v)),
          "not in": lambda s, v: ~s.isin(list(v))}
_MEMORY: dict[str, tuple[tuple[int, int], object]] = {}


def _remembered(path: Path, load):
    """`load(path)`, kept for the life of the process while the file's size and modification time stay the same
    (a warm report kernel reads each table of a series once, whatever the number of reports)."""
    st = path.stat()
    stamp = (st.st_mtime_ns, st.st_size)
    key = str(path.resolve())
    hit = _MEMORY.get(key)
    if hit is None or hit[0] != stamp:
        hit = (stamp, load(path))
        _MEMORY[key] = hit
    return hit[1]


def forget() -> None:
    """Drop every table held in memory (tests; a long-lived process that moves on to other series)."""
    _MEMORY.clear()


class SeriesFolder:
    """Read access to a built series folder; refuses a folder that is not one, or one built for another year.
    Tables are held in memory once per process (`_remembered`), and per-unit or per-group reads are index lookups."""

    def __init__(self, folder: str | Path, year: int | None = None):
        self.folder = Path(folder)
        for name in JSON_FILES:
            if not (self.folder / f"{name}.json").exists():
                raise InputError("not a built series folder (series data file missing): run `jstbench reports <series>` first",
                                 self.folder / f"{name}.json")
        self.meta = self.json("series")
        if self.meta.get("contract") != CONTRACT_VERSION:
            raise InputError(f"the series folder was built by another version of jstbench (contract {self.meta.get('contract')}, "
                             f"this version reads {CONTRACT_VERSION}): rebuild it with `jstbench reports {self.meta.get('name')}`",
                             self.folder / "series.json")
        if year is not None and int(year) != int(self.meta["year"]):
            raise InputError(f"year {year} (notebook parameter) does not match the series' year {self.meta['year']} "
                             f"(series {self.meta['name']!r}, {self.folder / 'series.json'}): run the report with year="
                             f"{self.meta['year']} or build a series for {year}", "notebook parameters", "year")

    def json(self, name: str) -> dict:
        """A JSON file of the folder (parsed once per process: treat it as read-only)."""
        if name not in JSON_FILES:
            raise KeyError(name)
        return _remembered(self.folder / f"{name}.json", lambda p: json.loads(p.read_text(encoding="utf-8")))

    def read(self, name: str, filters: list | None = None) -> pd.DataFrame:
        """A declared table, or only its rows matching `filters` (pyarrow style: a list of (column, op, value),
        all of which must hold); a fresh frame the caller may change."""
        if name not in TABLES:
            raise KeyError(f"{name!r} is not a declared series table")
        path = self.folder / f"{name}.parquet"
        if not path.exists():
            raise InputError("series data file not found: run `jstbench reports <series>` first", path)
        return _remembered(path, _Cached).select(filters)
