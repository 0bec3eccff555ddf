"""Resident surveys: weights to population margins, estimates with intervals, comparisons, disclosure control.

Each authority (and each wave) is a separate sample weighted to its own population by sex × age group: either
post-stratification to the cells or raking to the two margins, both done by `svy` (the maintained successor of
samplics). Estimates use single-stage with-replacement Taylor linearisation on the final weights (svy): for a
weighted mean ȳ_w = Σwy / Σw, v = n/(n−1) Σ (w_i (y_i − ȳ_w))² / (Σw)², a t interval with n − 1 degrees of
freedom; shares get the Korn–Graubard interval (Clopper–Pearson on the effective sample size), which stays inside
[0, 1]. Given the `Weighting` that made the weights, the variance credits the calibration (the y are centred within
the post-strata or raking margins, as R's survey package does); given plain weights, it treats them as fixed.

Disclosure control: a row based on fewer than `min_n` respondents keeps its keys and a `suppressed` flag and
nothing else: every number including n is NaN, so no later step can publish it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import pandas as pd
import polars as pl
import svy
from scipy import stats

from jstbench.core.errors import InputError

ESTIMATE_FIELDS = ["estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff"]
GROUP = ("unit", "wave")


@dataclass
class WeightingReport:
    """What weighting did: method, the cells it merged, convergence and the spread of the weights.

    max_iter is the bound on raking sweeps (svy does not report how many it used) and max_misfit the largest
    relative margin misfit reached; non-convergence raises instead. groups: one row per unit × wave with n,
    population, weight_ratio (max / min weight), deff and n_eff."""

    method: str
    collapsed: list[str]
    converged: bool
    max_iter: int | None
    max_misfit: float
    weight_ratio: float
    groups: pd.DataFrame = field(repr=False)


@dataclass
class Weighting:
    """Weights per respondent (a Series on the responses' index, summing to the population of each unit × wave)
    and the classes they were calibrated to: integer codes per respondent, one column per margin (one column of
    cells for post-stratification), distinct between unit × wave groups. Passed instead of plain weights, it lets
    the variance credit the calibration."""

    weights: pd.Series
    report: WeightingReport
    classes: pd.DataFrame = field(repr=False)


# ---------------------------------------------------------------------------------------------------------------
# checks shared by both weighting methods


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what} lack the column(s) {missing}; found {list(frame.columns)}")


def _check_strata_values(responses: pd.DataFrame, strata: Sequence[str]) -> None:
    for col in (*GROUP, *strata):
        empty = responses.index[responses[col].isna()]
        if len(empty):
            shown = ", ".join(str(i) for i in empty[:5]) + (" …" if len(empty) > 5 else "")
            raise InputError(f"{len(empty)} respondent(s) have no {col!r} (rows {shown}): every respondent needs "
                             "a unit, a wave and every stratum", where=f"column {col}")


def _check_levels(responses: pd.DataFrame, population: pd.DataFrame, variables: Mapping[str, pd.Series],
                  declared: Mapping[str, Sequence[str]] | None) -> None:
    """Levels in the data that the population lacks and vice versa, per stratum variable, named. With `declared`
    (the questionnaire's levels), the margins must match those and the data may leave some out (an empty stratum)."""
    problems = []
    for var, pop_levels in variables.items():
        data = set(responses[var].astype(str))
        pop = set(pop_levels.astype(str))
        if declared is not None:
            if var not in declared:
                raise InputError(f"the questionnaire declares no levels for stratum {var!r}")
            expected = {str(v) for v in declared[var]}
            if data - expected:
                problems.append(f"{var}: level(s) {sorted(data - expected)} in the responses but not in the "
                                "questionnaire")
            data = expected
        if data - pop:
            problems.append(f"{var}: level(s) {sorted(data - pop)} in the responses but not in the population margins")
        if pop - data:
            problems.append(f"{var}: level(s) {sorted(pop - data)} in the population margins but in no response "
                            "(the margins do not match the questionnaire's strata)")
    if problems:
        raise InputError("; ".join(problems))
    units = set(responses["unit"].astype(str)) - set(population["unit"].astype(str))
    if units:
        raise InputError(f"no population for unit(s) {sorted(units)}")


def _check_population(population: pd.DataFrame, keys: Sequence[str]) -> None:
    counts = pd.to_numeric(population["population"], errors="coerce")
    bad = population[~(counts > 0)]
    if len(bad):
        row = bad.iloc[0]
        cell = ", ".join(f"{k}={row[k]}" for k in keys)
        raise InputError(f"population must be a positive number, got {row['population']!r} for {cell}"
                         + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""), where="column population")
    dup = population.duplicated(list(keys), keep=False)
    if dup.any():
        row = population[dup].iloc[0]
        raise InputError("population given twice for " + ", ".join(f"{k}={row[k]}" for k in keys))


def _population_for(population: pd.DataFrame, unit: str, wave: str) -> pd.DataFrame:
    rows = population[population["unit"].astype(str) == unit]
    if "wave" in rows.columns:
        rows = rows[rows["wave"].astype(str) == wave]
        if rows.empty:
            raise InputError(f"no population for unit {unit}, wave {wave}")
    return rows


def _merge_empty(levels: list[str], counts: Mapping[str, int], where: str) -> list[list[str]]:
    """Ordered levels merged until every group has a respondent: an empty level joins the next one (the last
    joins the previous). Raises when no level has any."""
    groups = [[lv] for lv in levels]
    while True:
        empty = [i for i, g in enumerate(groups) if sum(counts.get(lv, 0) for lv in g) == 0]
        if not empty:
            return groups
        if len(groups) == 1:
            raise InputError(f"{where}: no respondents in any of {levels}; the stratum cannot be weighted")
        i = empty[0]
        j = i + 1 if i + 1 < len(groups) else i - 1
        a, b = sorted((i, j))
        groups[a:b + 1] = [groups[a] + groups[b]]


def _column(sample: svy.Sample, name: str) -> np.ndarray:
    data = sample.data
    return (data.collect() if isinstance(data, pl.LazyFrame) else data)[name].to_numpy()


def _classes(index: pd.Index, labels: Mapping[str, list[pd.Series]]) -> pd.DataFrame:
    """Integer codes of the calibration classes per respondent, one column per margin."""
    return pd.DataFrame({var: pd.Series(pd.factorize(pd.concat(parts))[0], index=pd.concat(parts).index)
                         for var, parts in labels.items()}).reindex(index)


def _label(group: list[str]) -> str:
    return "+".join(group)


def _group_summary(unit: str, wave: str, w: np.ndarray, population: float) -> dict:
    return {"unit": unit, "wave": wave, "n": len(w), "population": population, "weight_ratio": float(w.max() / w.min()),
            "deff": kish_deff(w), "n_eff": effective_n(w)}


def _prepare(responses: pd.DataFrame, strata: Sequence[str], collapse: str | None) -> tuple[pd.DataFrame, str]:
    if not strata:
        raise InputError("at least one stratum column is needed")
    _require_columns(responses, [*GROUP, *strata], "responses")
    if responses.empty:
        raise InputError("there are no respondents to weight")
    _check_strata_values(responses, strata)
    collapse = strata[-1] if collapse is None else collapse
    if collapse not in strata:
        raise InputError(f"collapse column {collapse!r} is not one of the strata {list(strata)}")
    frame = responses[[*GROUP, *strata]].astype(str)
    return frame, collapse


def _ordered_levels(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(values.astype(str)))


# ---------------------------------------------------------------------------------------------------------------
# weighting


def poststratify(responses: pd.DataFrame, cells: pd.DataFrame, strata: Sequence[str] = ("sex", "age_group"),
                 collapse: str | None = None, levels: Mapping[str, Sequence[str]] | None = None) -> Weighting:
    """Weights so each unit × wave reproduces its population in every stratum cell (weight = N_cell / n_cell).

    cells: unit, the strata columns, population (optionally wave: otherwise one population for every wave).
    A cell with no respondents is merged with the adjacent level of `collapse` (default: the last stratum, e.g.
    age group; order as the cells table lists the levels) within the same other strata, and the merge reported.
    levels: the questionnaire's levels per stratum; without them a level no respondent has is taken for a mismatch
    between the margins and the questionnaire, with them for an empty stratum."""
    frame, collapse = _prepare(responses, strata, collapse)
    _require_columns(cells, ["unit", *strata, "population"], "population cells")
    keys = ["unit", *(["wave"] if "wave" in cells.columns else []), *strata]
    _check_population(cells, keys)
    _check_levels(frame, cells, {s: cells[s] for s in strata}, levels)
    order = _ordered_levels(cells[collapse])
    others = [s for s in strata if s != collapse]
    weights = pd.Series(np.nan, index=responses.index, name="weight")
    collapsed, summary, labels = [], [], []
    for (unit, wave), rows in frame.groupby(list(GROUP), sort=True):
        pop = _population_for(cells, unit, wave).astype({s: str for s in strata})
        where = f"unit {unit}, wave {wave}"
        missing = rows.merge(pop[list(strata)], how="left", on=list(strata), indicator=True)
        absent = missing[missing["_merge"] == "left_only"]
        if len(absent):
            cell = ", ".join(f"{s}={absent.iloc[0][s]}" for s in strata)
            raise InputError(f"{where}: respondents in cell {cell} but no population for it")
        cell_of_row = pd.Series("", index=rows.index)
        controls: dict[svy.Category, svy.Number] = {}
        for other, pop_part in (pop.groupby(others, sort=False) if others else [((), pop)]):
            other = other if isinstance(other, tuple) else (other,)
            mine = rows[(rows[others] == list(other)).all(axis=1)] if others else rows
            counts = mine[collapse].value_counts().to_dict()
            present = [lv for lv in order if lv in set(pop_part[collapse])]
            label = " ".join(f"{s}={v}" for s, v in zip(others, other, strict=True))
            for group in _merge_empty(present, counts, f"{where} {label}".strip()):
                name = "|".join([*other, _label(group)])
                controls[name] = float(pop_part.loc[pop_part[collapse].isin(group), "population"].astype(float).sum())
                cell_of_row[mine.index[mine[collapse].isin(group)]] = name
                if len(group) > 1:
                    collapsed.append(f"{where}: {label + ': ' if label else ''}{collapse} {' + '.join(group)}")
        labels.append(unit + "\x1f" + wave + "\x1f" + cell_of_row)
        sample = svy.Sample(pl.DataFrame({"cell": cell_of_row.to_numpy(), "w0": np.ones(len(rows))}),
                            svy.Design(wgt="w0"))
        w = _column(sample.weighting.poststratify(controls, cells="cell", wgt_name="w"), "w")
        weights[rows.index] = w
        summary.append(_group_summary(unit, wave, w, sum(controls.values())))
    groups = pd.DataFrame(summary)
    report = WeightingReport("poststratification", collapsed, True, None, 0.0, float(groups["weight_ratio"].max()),
                             groups)
    return Weighting(weights, report, _classes(responses.index, {"cell": labels}))


def _margins_of(margins: pd.DataFrame, strata: Sequence[str]) -> pd.DataFrame:
    """Long margins (unit[, wave], variable, level, population) from either long margins or population cells."""
    extra = ["wave"] if "wave" in margins.columns else []
    if {"variable", "level"} <= set(margins.columns):
        _require_columns(margins, ["unit", "variable", "level", "population"], "population margins")
        long = margins[["unit", *extra, "variable", "level", "population"]].copy()
        _check_population(long, ["unit", *extra, "variable", "level"])
        unknown = set(long["variable"].astype(str)) - set(strata)
        if unknown:
            raise InputError(f"margins for variable(s) {sorted(unknown)} that are not strata {list(strata)}")
        return long.astype({"unit": str, "variable": str, "level": str, **{e: str for e in extra}})
    _require_columns(margins, ["unit", *strata, "population"], "population margins")
    _check_population(margins, ["unit", *extra, *strata])
    keys = {c: margins[c].astype(str).to_numpy() for c in ["unit", *extra]}
    parts = [pd.DataFrame({**keys, "variable": s, "level": margins[s].astype(str).to_numpy(),
                           "population": margins["population"].to_numpy()}) for s in strata]
    return pd.concat(parts, ignore_index=True).groupby(["unit", *extra, "variable", "level"], sort=False,
                                                       as_index=False)["population"].sum()


def rake(responses: pd.DataFrame, margins: pd.DataFrame, strata: Sequence[str] = ("sex", "age_group"),
         max_iter: int = 100, tol: float = 1e-8, collapse: str | None = None,
         levels: Mapping[str, Sequence[str]] | None = None) -> Weighting:
    """Weights so each unit × wave reproduces its population margins of every stratum variable (iterative
    proportional fitting by svy, at most max_iter sweeps, converged when every margin is within tol relative).

    margins: either long (unit, variable, level, population) or population cells (unit, the strata columns,
    population), optionally with wave. A level of `collapse` (default: the last stratum) with no respondents is
    merged with the adjacent level and reported; an empty level of another variable is an error. levels: as in
    `poststratify`."""
    if max_iter < 1 or not tol > 0:
        raise InputError(f"max_iter must be ≥ 1 and tol > 0, got max_iter={max_iter}, tol={tol}")
    frame, collapse = _prepare(responses, strata, collapse)
    long = _margins_of(margins, strata)
    _check_levels(frame, long, {s: long.loc[long["variable"] == s, "level"] for s in strata}, levels)
    missing = set(strata) - set(long["variable"])
    if missing:
        raise InputError(f"no margins for stratum variable(s) {sorted(missing)}")
    order = _ordered_levels(long.loc[long["variable"] == collapse, "level"])
    weights = pd.Series(np.nan, index=responses.index, name="weight")
    collapsed, summary, misfits = [], [], []
    labels: dict[str, list[pd.Series]] = {var: [] for var in strata}
    for (unit, wave), rows in frame.groupby(list(GROUP), sort=True):
        where = f"unit {unit}, wave {wave}"
        own = _population_for(long, unit, wave)
        controls: dict[str, dict[svy.Category, svy.Number]] = {}
        columns: dict[str, np.ndarray] = {}
        for var in strata:
            mine = own[own["variable"] == var]
            pop = dict(zip(mine["level"], mine["population"].astype(float), strict=True))
            counts = rows[var].value_counts().to_dict()
            absent = sorted(set(counts) - set(pop))
            if absent:
                raise InputError(f"{where}: respondents with {var} {absent} but no population margin for it")
            if var == collapse:
                groups = _merge_empty([lv for lv in order if lv in pop], counts, f"{where} {var}")
            else:
                empty = [lv for lv in pop if counts.get(lv, 0) == 0]
                if empty:
                    raise InputError(f"{where}: no respondents with {var} {empty}; raking cannot reach that margin "
                                     f"(only {collapse} levels are merged)")
                groups = [[lv] for lv in pop]
            label = {lv: _label(g) for g in groups for lv in g}
            controls[var] = {_label(g): sum(pop[lv] for lv in g) for g in groups}
            columns[var] = rows[var].map(label).to_numpy()
            labels[var].append(unit + "\x1f" + wave + "\x1f" + rows[var].map(label))
            collapsed += [f"{where}: {var} {' + '.join(g)}" for g in groups if len(g) > 1]
        totals = {var: float(sum(c.values())) for var, c in controls.items()}
        if max(totals.values()) - min(totals.values()) > 1e-9 * max(totals.values()):
            raise InputError(f"{where}: the margins describe different populations {totals}; every margin must "
                             "sum to the same total")
        sample = svy.Sample(pl.DataFrame({**columns, "w0": np.ones(len(rows))}), svy.Design(wgt="w0"))
        raked = sample.weighting.rake(controls=controls, max_iter=max_iter, tol=tol, wgt_name="w",
                                      on_nonconvergence="ignore")
        w = _column(raked, "w")
        misfit = max(abs(w[columns[var] == lv].sum() - target) / target
                     for var in strata for lv, target in controls[var].items())
        if not misfit <= tol:
            raise InputError(f"{where}: raking did not converge within max_iter={max_iter} sweeps (largest relative "
                             f"margin misfit {misfit:.3g}, tol {tol:g}); raise max_iter or check the margins")
        misfits.append(misfit)
        weights[rows.index] = w
        summary.append(_group_summary(unit, wave, w, totals[strata[0]]))
    groups = pd.DataFrame(summary)
    report = WeightingReport("raking", collapsed, True, max_iter, float(max(misfits)),
                             float(groups["weight_ratio"].max()), groups)
    return Weighting(weights, report, _classes(responses.index, labels))


def kish_deff(weights) -> float:
    """Kish's design effect of unequal weights, n Σw² / (Σw)² = 1 + CV² of the weights."""
    w = np.asarray(weights, dtype=float)
    return float(len(w) * (w ** 2).sum() / w.sum() ** 2)


def effective_n(weights) -> float:
    """Effective sample size (Σw)² / Σw² = n / Kish deff."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w ** 2).sum())


# ---------------------------------------------------------------------------------------------------------------
# estimation


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise InputError(f"confidence level must be between 0 and 1, got {level}")


def _aligned_weights(index: pd.Index, weights: pd.Series) -> pd.Series:
    """The weights for `index`; every one finite and positive."""
    missing = index.difference(weights.index) if not index.equals(weights.index) else index[:0]
    if len(missing):
        raise InputError(f"no weight for {len(missing)} respondent(s) (first: {missing[0]})")
    w = pd.to_numeric(weights.reindex(index), errors="coerce")
    bad = w.index[~(np.isfinite(w) & (w > 0))]
    if len(bad):
        raise InputError(f"weights must be positive numbers; respondent {bad[0]} has {weights.loc[bad[0]]}")
    return w.astype(float)


Weights: TypeAlias = "pd.Series | Weighting"
"""Plain weights (treated as fixed in the variance) or a `Weighting` (its weights; the variance credits the
calibration to its classes, as R's survey package does after rake or postStratify)."""


def _resolve(index: pd.Index, weights: Weights) -> tuple[np.ndarray, np.ndarray | None, str | None]:
    """The weights for `index`, and the calibration classes with the method when `weights` is a Weighting."""
    if isinstance(weights, Weighting):
        w = _aligned_weights(index, weights.weights).to_numpy()
        kind = "raking" if weights.report.method == "raking" else "poststratification"
        return w, weights.classes.reindex(index).to_numpy(dtype=np.int64), kind
    return _aligned_weights(index, weights).to_numpy(), None, None


def _frame(est: svy.Estimate | list[svy.Estimate], single: bool, key: np.ndarray) -> pd.DataFrame:
    """svy's estimates as pandas, with the group code column g also when there was a single group."""
    assert isinstance(est, svy.Estimate)  # one variable gives one Estimate
    frame = pd.DataFrame(est.to_polars().to_dict(as_series=False))
    return frame.assign(g=key[0]) if single else frame


def _taylor(key: np.ndarray, y: np.ndarray, w: np.ndarray, share: bool, level: float,
            classes: np.ndarray | None = None, kind: str | None = None) -> pd.DataFrame:
    """Estimates per group code (independent samples: the group is the stratum and the domain) by svy: estimate,
    se, ci_low, ci_high, n, n_eff, deff. Every group needs at least two answers. With the calibration classes
    (respondents × margins, integer codes) and the method, the variance is centred within the classes."""
    single = len(np.unique(key)) == 1  # one sample: no strata and no domains (the same numbers, much faster)
    data: dict[str, np.ndarray] = {"g": key, "y": y, "w": w}
    adjustment = None
    if classes is not None and kind is not None:
        names = tuple(f"c{j}" for j in range(classes.shape[1]))
        data.update({name: classes[:, j] for j, name in enumerate(names)}, w0=np.ones(len(w)))
        adjustment = svy.WgtAdjustment(kind=kind, prev_wgt="w0", new_wgt="w", cells=names)  # type: ignore[arg-type]
    design = svy.Design(stratum=None if single else "g", wgt="w", wgt_adjustment=adjustment)
    sample = svy.Sample(pl.DataFrame(data), design)
    by = None if single else "g"
    alpha = 1 - level
    if share:
        rows = _frame(sample.estimation.prop("y", by=by, ci_method="korn-graubard", alpha=alpha), single, key)
        ones = rows[rows["y"] == 1.0].set_index("g")
        zeros = rows[rows["y"] == 0.0].set_index("g")  # a group with no "yes" at all: the complement of "no"
        flipped = zeros.assign(est=1 - zeros["est"], lci=1 - zeros["uci"], uci=1 - zeros["lci"])
        est = pd.concat([ones, flipped.loc[flipped.index.difference(ones.index)]])
    else:
        est = _frame(sample.estimation.mean("y", by=by, alpha=alpha), single, key).set_index("g")
    codes, at = np.unique(key, return_inverse=True)
    n = np.bincount(at)
    n_eff = np.bincount(at, w) ** 2 / np.bincount(at, w ** 2)
    est = est.reindex(codes)
    return pd.DataFrame({"estimate": est["est"], "se": est["se"], "ci_low": est["lci"], "ci_high": est["uci"],
                         "n": n, "n_eff": n_eff, "deff": n / n_eff}, index=codes)


def _single(values: pd.Series, weights: Weights, level: float, share_of: Sequence[float] | None) -> dict:
    _check_level(level)
    answered = values.dropna()
    if len(answered) < 2:
        raise InputError(f"at least 2 answers are needed for a standard error, got {len(answered)}")
    w, classes, kind = _resolve(answered.index, weights)
    y = answered.to_numpy(dtype=float)
    if share_of is not None:
        y = np.isin(y, np.asarray(share_of, dtype=float)).astype(float)
    row = _taylor(np.zeros(len(y), dtype=np.int64), y, w, share_of is not None, level, classes, kind).iloc[0]
    return {k: (int(row[k]) if k == "n" else float(row[k])) for k in ESTIMATE_FIELDS}


def estimate_mean(values: pd.Series, weights: Weights, level: float = 0.95) -> dict:
    """Weighted mean of the answers (NaN = no answer) with its linearised se and t interval (n − 1 df):
    estimate, se, ci_low, ci_high, n (respondents answering), n_eff and deff (Kish, of their weights).
    weights: a Series (fixed weights) or the `Weighting` that made them (the se credits the calibration)."""
    return _single(values, weights, level, None)


def estimate_share(values: pd.Series, weights: Weights, codes: Sequence[float], level: float = 0.95) -> dict:
    """Weighted share (0–1) of the answers in `codes` among those answering, with its linearised se and the
    Korn–Graubard interval (inside [0, 1] even at 0 or 1); fields as in `estimate_mean`."""
    if not len(codes):
        raise InputError("a share needs at least one answer code")
    return _single(values, weights, level, codes)


def satisfaction_index(responses: pd.DataFrame, items: Sequence[str], scale_min: float, scale_max: float) -> pd.Series:
    """0–100 per respondent: the mean of the answered items rescaled as 100 (x − min) / (max − min); NaN for a
    respondent who answered fewer than half of the items. Estimate it like any answer (`estimate_mean`)."""
    if not items:
        raise InputError("a satisfaction index needs at least one item")
    if not scale_max > scale_min:
        raise InputError(f"scale_max must exceed scale_min, got {scale_min}–{scale_max}")
    _require_columns(responses, items, "responses")
    x = responses[list(items)].apply(pd.to_numeric, errors="coerce")
    for item in items:
        bad = x.index[(x[item] < scale_min) | (x[item] > scale_max) | (x[item].isna() & responses[item].notna())]
        if len(bad):
            raise InputError(f"answer {responses.loc[bad[0], item]} is not a number within the scale {scale_min}–{scale_max}",
                             where=f"row {bad[0]}, column {item}")
    scaled = 100 * (x - scale_min) / (scale_max - scale_min)
    index = scaled.mean(axis=1)
    return index.where(2 * x.notna().sum(axis=1) >= len(items)).rename("satisfaction_index")


def suppress(table: pd.DataFrame, min_n: int, keep: Sequence[str] = ()) -> pd.DataFrame:
    """Disclosure control on any table with an `n` column (respondents behind each row): rows with n < min_n,
    or no n, get suppressed = True and every numeric column except those in `keep` — n included — set to NaN."""
    if isinstance(min_n, bool) or not isinstance(min_n, (int, np.integer)) or min_n < 2:
        raise InputError(f"the minimum number of respondents must be an integer ≥ 2, got {min_n!r}")
    _require_columns(table, ["n"], "the table to suppress")
    out = table.copy()
    n = pd.to_numeric(out["n"], errors="coerce")
    hidden = ~(n >= min_n)
    if "suppressed" in out.columns:
        hidden |= out["suppressed"].fillna(True).astype(bool)
    numbers = [c for c in out.columns
               if c not in keep and c != "suppressed" and pd.api.types.is_numeric_dtype(out[c])]
    out[numbers] = out[numbers].astype(float)
    out.loc[hidden, numbers] = np.nan
    out["suppressed"] = hidden.to_numpy()
    return out


def estimate_table(responses: pd.DataFrame, weights: Weights,
                   questions: Mapping[str, Mapping[str, Sequence[float]] | None],
                   by: Sequence[str] = GROUP, min_n: int = 10, level: float = 0.95) -> pd.DataFrame:
    """One row per group (`by`) × question (× category for shares), suppressed below min_n respondents answering.

    questions: column -> None for a mean of the answers, or {category label: answer codes} for the share of
    answers in those codes (e.g. {"dobrze": [4, 5]}). Columns: the `by` columns, question, statistic ("mean" or
    "share"), category ("" for means), estimate, se, ci_low, ci_high, n, n_eff, deff, suppressed. A suppressed row
    keeps only its keys: its numbers, n included, are NaN (see `suppress`). weights: as in `estimate_mean`."""
    _check_level(level)
    suppress(pd.DataFrame({"n": []}), min_n)  # validates min_n
    _require_columns(responses, [*by, *questions], "responses")
    for col in by:
        empty = responses.index[responses[col].isna()]
        if len(empty):
            raise InputError(f"{len(empty)} respondent(s) have no {col!r} (first: row {empty[0]})", where=f"column {col}")
    w, classes, kind = _resolve(responses.index, weights)
    groups = responses[list(by)].drop_duplicates().sort_values(list(by)).reset_index(drop=True)
    code = responses.groupby(list(by), sort=True).ngroup().to_numpy()
    parts = []
    for question, categories in questions.items():
        values = pd.to_numeric(responses[question], errors="coerce")
        bad = responses.index[values.isna() & responses[question].notna()]
        if len(bad):
            raise InputError(f"answer {responses.loc[bad[0], question]!r} is not a number code",
                             where=f"row {bad[0]}, column {question}")
        answered = values.notna().to_numpy()
        n = np.bincount(code[answered], minlength=len(groups))
        enough = answered & (n[code] >= min_n)
        specs = [("mean", "", None)] if categories is None else [("share", c, codes) for c, codes in categories.items()]
        for statistic, category, codes in specs:
            rows = groups.assign(question=question, statistic=statistic, category=category, n=n)
            if enough.any():
                y = values.to_numpy()[enough]
                if codes is not None:
                    y = np.isin(y, np.asarray(codes, dtype=float)).astype(float)
                est = _taylor(code[enough], y, w[enough], codes is not None, level,
                              None if classes is None else classes[enough], kind)
                rows = rows.join(est.drop(columns="n"))
            else:
                rows = rows.assign(**{f: np.nan for f in ESTIMATE_FIELDS if f != "n"})
            parts.append(rows)
    columns = [*by, "question", "statistic", "category", *ESTIMATE_FIELDS]
    table = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    return suppress(table, min_n, keep=by)


# ---------------------------------------------------------------------------------------------------------------
# comparisons


def compare(est_a: Mapping[str, object], est_b: Mapping[str, object], alpha: float = 0.05) -> dict:
    """Difference a − b of two estimates from independent samples (two authorities, or two waves of one) with a
    z test on their linearised standard errors: difference, se, ci_low, ci_high, z, p_value, significant.
    Refused when either side is suppressed or has no estimate."""
    _check_level(1 - alpha)
    for name, est in (("a", est_a), ("b", est_b)):
        if bool(est.get("suppressed", False)):
            raise InputError(f"estimate {name} is suppressed (too few respondents): it cannot be compared")
        missing = [k for k in ("estimate", "se") if not np.isfinite(float(est.get(k, np.nan)))]  # type: ignore[arg-type]
        if missing:
            raise InputError(f"estimate {name} has no {' and no '.join(missing)}: it cannot be compared")
    diff = float(est_a["estimate"]) - float(est_b["estimate"])  # type: ignore[arg-type]
    se = float(np.hypot(float(est_a["se"]), float(est_b["se"])))  # type: ignore[arg-type]
    if se == 0:
        raise InputError("both standard errors are zero: there is no sampling variation to test against")
    z = diff / se
    p = float(2 * stats.norm.sf(abs(z)))
    half = float(stats.norm.isf(alpha / 2)) * se
    return {"difference": diff, "se": se, "ci_low": diff - half, "ci_high": diff + half, "z": z, "p_value": p,
            "significant": p < alpha}


def distribution_test(responses: pd.DataFrame, weights: Weights, question: str, by: str = "unit",
                      min_n: int = 10) -> dict:
    """Rao–Scott corrected chi-square (svy) of the answers to `question` across the groups in `by` (each an
    independent sample, e.g. the authorities of one wave): chisq, df, p_value (first-order correction) and f,
    df_num, df_den, p_value_f (second order, the one to report), n. Needs two groups of at least min_n answers."""
    suppress(pd.DataFrame({"n": []}), min_n)  # validates min_n
    _require_columns(responses, [by, question], "responses")
    answered = responses[responses[question].notna()]
    n = answered[by].value_counts()
    if len(n) < 2:
        raise InputError(f"the distribution of {question!r} needs at least two groups of {by!r} with answers")
    small = n[n < min_n]
    if len(small):
        raise InputError(f"group(s) {sorted(map(str, small.index))} of {by!r} have fewer than {min_n} answers to "
                         f"{question!r}: they are suppressed and cannot be tested")
    w = _resolve(answered.index, weights)[0]
    frame = pl.DataFrame({"g": answered[by].astype(str).to_numpy(), "y": answered[question].astype(str).to_numpy(),
                          "w": w})
    table = svy.Sample(frame, svy.Design(stratum="g", wgt="w")).categorical.tabulate("g", "y")
    if table.stats is None or table.stats.f is None:
        raise InputError(f"no Rao–Scott test for {question!r} across {by!r}: the table has a single answer category")
    first, second = table.stats.chisq, table.stats.f
    return {"chisq": float(first.value), "df": float(first.df), "p_value": float(first.p_value),
            "f": float(second.value), "df_num": float(second.df_num), "df_den": float(second.df_den),
            "p_value_f": float(second.p_value), "n": int(len(answered))}


