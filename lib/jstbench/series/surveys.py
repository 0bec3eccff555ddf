"""The residents' voice in a series: survey microdata -> weights -> estimates (suppressed below `min_n`) -> the
series folder, and survey indicators into the `values` table; participatory-budget files -> one summary per file.

Each authority and wave is weighted to its own population by sex and age group (the store's `pop_<sex>_<ages>`
variables of the wave's year, or the latest earlier year with all of them). Everything published passes through
`stats.survey.suppress`: a result resting on fewer than `min_n` answers keeps its keys and nothing else. Free-text
answers are read (and validated) but never leave this module."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from jstbench.catalogue.model import SECTORS, Catalogue
from jstbench.catalogue.questionnaire import Questionnaire
from jstbench.core.errors import InputError, InputErrors, collect
from jstbench.data.survey import Responses, read_responses
from jstbench.series.spec import ParticipatoryParams, SurveysParams
from jstbench.stats import survey as sv

PATTERNS = ("*.csv", "*.xlsx", "*.sav")
GOOD = "dobrze"  # the share of the two best answers of an ordered scale
ESTIMATES = ["unit", "wave", "item", "kind", "service", "label", "statistic", "category", *sv.ESTIMATE_FIELDS, "suppressed"]
WAVES = ["unit", "wave", "respondents", "population", "population_year", "n_eff", "deff", "weight_ratio", "method",
         "collapsed"]
CHANGES = ["unit", "item", "statistic", "category", "wave", "previous_wave", "difference", "ci_low", "ci_high", "p_value",
           "significant"]
DIFFERENCES = ["unit", "wave", "item", "other", "difference", "ci_low", "ci_high", "p_value", "significant"]


def survey_files(folder: Path) -> list[Path]:
    return sorted(p for pattern in PATTERNS for p in Path(folder).glob(pattern))


def read_surveys(folder: Path, q: Questionnaire, units: set[str]) -> Responses:
    """Every microdata file in `folder`, validated against the questionnaire (every problem of every file at once);
    a unit the store does not know is named with its file."""
    files = survey_files(folder)
    if not files:
        raise InputError(f"no survey files ({', '.join(PATTERNS)})", folder)
    parts: list[Responses] = []
    errors: list[InputError] = []
    for path in files:
        part = collect(errors, read_responses, path, q)
        if part is None:
            continue
        unknown = sorted(set(part.data["unit"]) - units)
        if unknown:
            errors.append(InputError(f"unit(s) {', '.join(unknown)} are not in the units register of the series' data",
                                     path, "column unit"))
        bad = sorted(w for w in set(part.data["wave"]) if not str(w).isdigit() or len(str(w)) != 4)
        if bad:
            errors.append(InputError(f"wave(s) {', '.join(bad)}: a wave is the year of the survey (e.g. 2024)", path, "column wave"))
        parts.append(part)
    if errors:
        raise InputErrors(errors)
    return Responses.combine(parts)


def population_cells(q: Questionnaire, wide: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """unit, wave, sex, age_group, population, year: each unit's population by sex and age group in the year of the
    wave (or the latest earlier `year` with every cell), from the store's `pop_<sex>_<ages>` variables."""
    cells = q.margin_cells()
    names = [v for _, _, v in cells]
    absent = [v for v in names if v not in wide.columns]
    if absent:
        raise InputError(f"the data have no population by sex and age ({', '.join(absent)}): load it (GUS BDL) before "
                         "weighting the residents' surveys")
    rows = []
    for unit, wave in pairs[["unit", "wave"]].itertuples(index=False):
        try:
            own = wide.loc[unit, names]
        except KeyError:
            own = pd.DataFrame(columns=names)
        own = own[(own.index <= int(wave)) & own.notna().all(axis=1)]
        if own.empty:
            raise InputError(f"unit {unit}, wave {wave}: no year up to {wave} has the population of every sex and age "
                             f"group ({', '.join(names)})")
        latest = own.iloc[-1]
        rows += [(unit, wave, sex, age, float(latest[v]), int(own.index[-1])) for sex, age, v in cells]
    return pd.DataFrame(rows, columns=["unit", "wave", "sex", "age_group", "population", "year"])


def _items(q: Questionnaire, catalogue: Catalogue) -> tuple[dict[str, dict | None], list[dict]]:
    """The answers' columns to estimate (questions, and an index per service) and their descriptions."""
    scales = q.scale_map
    specs: dict[str, dict | None] = {}
    about: list[dict] = []
    tops: dict[str, dict[str, list[int]]] = {}
    for ind in catalogue.indicators.values():
        if ind.survey and ind.survey.questionnaire == q.id and ind.survey.statistic == "top" and ind.survey.question:
            tops.setdefault(ind.survey.question, {})[f"codes:{','.join(map(str, ind.survey.codes))}"] = ind.survey.codes
    for question in q.questions:
        if not q.rated(question):
            continue
        valid = scales[question.scale or ""].valid_codes
        best = valid[-2:] if scales[question.scale or ""].order == "higher-better" else valid[:2]
        specs[question.id] = None
        specs[f"{question.id}#share"] = {GOOD: best, **tops.get(question.id, {})}
        about.append({"item": question.id, "kind": "question", "service": question.service, "label": question.text})
    services = sorted({x.service for x in q.questions if q.rated(x)} - {"context"}, key=list(SECTORS).index)
    for service in services:
        specs[f"index:{service}"] = None
        about.append({"item": f"index:{service}", "kind": "index", "service": service,
                      "label": f"Indeks zadowolenia: {SECTORS[service]['pl']}"})
    return specs, about


def _index_columns(q: Questionnaire, data: pd.DataFrame) -> pd.DataFrame:
    """The satisfaction index (0-100) of every service per respondent, items on a lower-better scale reversed."""
    out = {}
    for service in {x.service for x in q.questions if q.rated(x)} - {"context"}:  # context: not a service
        items = q.service_items(service)
        scaled = pd.DataFrame(index=data.index)
        for x in items:
            s = q.scale_map[x.scale or ""]
            lo, hi = min(s.valid_codes), max(s.valid_codes)
            answers = data[x.id] if s.order == "higher-better" else lo + hi - data[x.id]
            scaled[x.id] = (answers - lo) / (hi - lo)
        out[f"index:{service}"] = sv.satisfaction_index(scaled, list(scaled.columns), 0.0, 1.0)
    return pd.DataFrame(out, index=data.index)


def survey_tables(catalogue: Catalogue, params: SurveysParams, folder: Path, wide: pd.DataFrame,
                  units: set[str], exchange: Mapping[str, Sequence[str]] | None = None,
                  responses: Responses | None = None) -> dict[str, pd.DataFrame]:
    """survey_estimates, survey_waves, survey_changes, survey_differences (against the other surveyed members of
    each authority's `exchange` groups: id -> members) and the survey indicators' rows of `values`. `responses`:
    the answers of `folder` when the check has read them already."""
    q = catalogue.questionnaires.get(params.questionnaire)
    if q is None:
        raise InputError(f"unknown questionnaire {params.questionnaire!r}; questionnaires: "
                         f"{', '.join(catalogue.questionnaires) or 'none'}", where="surveys.questionnaire")
    answers = (responses or read_surveys(folder, q, units)).data.reset_index(drop=True)
    weighting, waves = weigh(answers, q, wide, params.weighting)
    specs, about = _items(q, catalogue)
    frame = pd.concat([answers, _index_columns(q, answers)], axis=1)
    for item in [i for i in specs if i.endswith("#share")]:  # the same answers, estimated as shares
        frame[item] = frame[item.removesuffix("#share")]
    est = sv.estimate_table(frame, weighting, specs, min_n=params.min_n)
    est = est.rename(columns={"question": "item"}).astype({"wave": int})
    est["item"] = est["item"].str.removesuffix("#share")
    est = est.merge(pd.DataFrame(about), on="item", how="left")[ESTIMATES]
    return {"survey_estimates": est, "survey_waves": waves, "survey_changes": changes(est),
            "survey_differences": differences(est, exchange or {}),
            "survey_values": survey_values(catalogue, q, est, params.min_n)}


def weigh(responses: pd.DataFrame, q: Questionnaire, wide: pd.DataFrame,
          method: str = "rake") -> tuple[pd.Series | sv.Weighting, pd.DataFrame]:
    """Weights of every respondent, each authority and wave to its own population by sex and age group (`method`:
    rake, poststratify or none), and one row per authority and wave (`WAVES`: respondents, population weighted to,
    effective sample size, design effect, weight ratio, merged cells)."""
    weighting: pd.Series | sv.Weighting
    years: dict[tuple[str, str], int] = {}
    if method == "none" or not q.margin_cells():
        weights = weighting = pd.Series(1.0, index=responses.index)
        name, collapsed = "none", []
    else:
        cells = population_cells(q, wide, responses[["unit", "wave"]].drop_duplicates())
        years = cells.groupby(["unit", "wave"])["year"].first().to_dict()
        levels = {s.id: s.values for s in q.strata}
        weighting = (sv.rake if method == "rake" else sv.poststratify)(responses, cells.drop(columns="year"), levels=levels)
        weights, name, collapsed = weighting.weights, weighting.report.method, weighting.report.collapsed
    return weighting, _waves(responses, weights, name, collapsed, years)


def _waves(responses: pd.DataFrame, weights: pd.Series, method: str, collapsed: list[str],
           years: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = []
    for (unit, wave), part in responses.groupby(["unit", "wave"], sort=True):
        w = weights[part.index]
        merged = [c for c in collapsed if c.startswith(f"unit {unit}, wave {wave}")]
        rows.append({"unit": unit, "wave": int(wave), "respondents": len(part), "population": float(w.sum()),
                     "population_year": years.get((unit, wave), np.nan),
                     "n_eff": sv.effective_n(w), "deff": sv.kish_deff(w),
                     "weight_ratio": float(w.max() / w.min()) if w.min() > 0 else np.nan,
                     "method": method, "collapsed": "; ".join(c.split(": ", 1)[-1] for c in merged)})
    return pd.DataFrame(rows, columns=WAVES)


def changes(est: pd.DataFrame) -> pd.DataFrame:
    """Each unit's latest wave against its previous one, per item (independent samples: a z test on the linearised
    standard errors); nothing for a suppressed side."""
    rows = []
    keys = ["unit", "item", "statistic", "category"]
    for key, part in est.groupby(keys, sort=True):
        part = part.sort_values("wave")
        if len(part) < 2:
            continue
        now, before = part.iloc[-1], part.iloc[-2]
        if now["suppressed"] or before["suppressed"] or not (now["se"] > 0 or before["se"] > 0):
            continue
        c = sv.compare(now.to_dict(), before.to_dict())
        rows.append({**dict(zip(keys, key, strict=True)), "wave": int(now["wave"]), "previous_wave": int(before["wave"]),
                     **{k: c[k] for k in ("difference", "ci_low", "ci_high", "p_value", "significant")}})
    return pd.DataFrame(rows, columns=CHANGES)


def differences(est: pd.DataFrame, groups: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Each authority's service indices against every other surveyed member of its exchange groups in the same wave
    (independent samples: a z test on the linearised standard errors); suppressed results are not compared."""
    idx = est[(est["kind"] == "index") & (est["statistic"] == "mean") & ~est["suppressed"] & (est["se"] > 0)]
    rows_of = {key: row for key, row in zip(zip(idx["unit"], idx["wave"], idx["item"], strict=True),
                                            idx.to_dict("records"), strict=True)}
    peers = {u: sorted({m for members in groups.values() if u in members for m in members} - {u}) for u in set(idx["unit"])}
    rows = []
    for (unit, wave, item), row in sorted(rows_of.items()):
        for other in peers.get(unit, []):
            theirs = rows_of.get((other, wave, item))
            if theirs is None:
                continue
            c = sv.compare(row, theirs)
            rows.append({"unit": unit, "wave": int(wave), "item": item, "other": other,
                         **{k: c[k] for k in ("difference", "ci_low", "ci_high", "p_value", "significant")}})
    return pd.DataFrame(rows, columns=DIFFERENCES)


def survey_values(catalogue: Catalogue, q: Questionnaire, est: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Rows of `values` for the survey indicators: unit, year (the wave), indicator, value (shares in %), reason
    (`suppressed:<min_n>` for a hidden result)."""
    parts = []
    for ind in catalogue.indicators.values():
        ref = ind.survey
        if ref is None or ref.questionnaire != q.id:
            continue
        if ref.statistic == "index":
            sel = (est["item"] == f"index:{ref.service}") & (est["statistic"] == "mean")
        elif ref.statistic == "mean":
            sel = (est["item"] == ref.question) & (est["statistic"] == "mean")
        else:
            sel = ((est["item"] == ref.question) & (est["statistic"] == "share")
                   & (est["category"] == f"codes:{','.join(map(str, ref.codes))}"))
        part = est[sel]
        scale = 100.0 if ref.statistic == "top" else 1.0
        parts.append(pd.DataFrame({"unit": part["unit"].to_numpy(), "year": part["wave"].astype(int).to_numpy(),
                                   "indicator": ind.id, "value": part["estimate"].to_numpy() * scale,
                                   "reason": part["suppressed"].map({True: f"suppressed:{min_n}", False: None}).to_numpy()}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["unit", "year", "indicator", "value", "reason"])


def pb_tables(params: ParticipatoryParams, folder: Path, wide: pd.DataFrame, units: set[str]) -> pd.DataFrame:
    """One row per participatory-budget file: unit, year, district, record (the `pb_summary` as JSON, with the
    authority's population and total spending of that year where the store has them)."""
    from jstbench.data.pabulib import read_pb
    from jstbench.indicators.participatory import district_vs_citywide, pb_summary

    files = sorted(Path(folder).glob("*.pb"))
    if not files:
        raise InputError("no participatory-budget files (*.pb)", folder)
    rows: list[dict] = []
    errors: list[InputError] = []
    parsed: dict[tuple[str, int], list] = {}
    for path in files:
        try:
            pb = read_pb(path, strict=False)
        except InputError as exc:
            errors.append(exc)
            continue
        unit = params.units.get(path.name) or params.units.get(path.stem) or str(pb.meta.get("teryt", ""))
        if unit not in units:
            errors.append(InputError(f"the file names no authority of the series' data (META `teryt` {unit or 'absent'}; "
                                     "or map the file in participatory.units)", path, "META"))
            continue
        year = _pb_year(pb.meta, path)
        row = wide.loc[unit].loc[:year] if unit in wide.index.get_level_values(0) else pd.DataFrame()
        population = _last(row, "population")
        spending = _last(row, "exp_total")
        record = pb_summary(pb, population=population, spending=spending)
        parsed.setdefault((unit, year), []).append(pb)
        rows.append({"unit": unit, "year": year, "district": str(record.get("subunit") or "") if record.get("district") else "",
                     "record": record})
    if errors:
        raise InputErrors(errors)
    for row in rows:  # every instance of an authority and year knows the district / city-wide split of its edition
        row["record"]["split"] = district_vs_citywide(parsed[(row["unit"], row["year"])])
        row["record"] = json.dumps(row["record"], ensure_ascii=False, default=_plain, sort_keys=True)
    return pd.DataFrame(rows, columns=["unit", "year", "district", "record"])


def _pb_year(meta: dict, path: Path) -> int:
    text = str(meta.get("instance", ""))[:4]
    if not text.isdigit():
        raise InputError(f"META instance {meta.get('instance')!r} does not start with the year", path, "META instance")
    return int(text)


def _last(frame: pd.DataFrame, column: str) -> float | None:
    if column not in getattr(frame, "columns", []):
        return None
    values = frame[column].dropna()
    return float(values.iloc[-1]) if len(values) else None


def _plain(x: object) -> object:
    if isinstance(x, (np.integer, np.floating)):
        return x.item()
    if isinstance(x, (pd.DataFrame, pd.Series)):
        return x.to_dict()
    return str(x)
