"""Deterministic synthetic survey waves for the demo: one response file per unit and wave, in a mix of CSV (`;` with
a BOM and decimal commas, or `,`), XLSX and SPSS .sav, so that every reader of `data/survey.py` is exercised.

Every answer is synthetic. Each unit has a true satisfaction level per question that moves a little between waves;
opinions differ by stratum (older respondents, and the first category of a category stratum, e.g. women, are a
little more satisfied). Unit non-response depends on the strata too (the first class of a class stratum answers
least, the last most; the first category more than the others: for residents young men answer least, 60+ most), so
an unweighted mean is biased and weighting matters. Answers carry item non-response and "trudno powiedzieć". The true
population values are returned and written to `true_values.csv` for a coverage check of the weighting.
Same inputs and seed -> byte-identical files (the time stamps XLSX and .sav files carry are fixed).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from jstbench.catalogue.questionnaire import Question, Questionnaire, Scale
from jstbench.core.atomic import write_text, write_with
from jstbench.core.errors import InputError
from jstbench.core.xlsx import deterministic

FORMATS = ("csv", "xlsx", "sav")
TRUE_VALUES_FILE = "true_values.csv"
DONT_KNOW = 0.06  # share of "trudno powiedzieć" where the scale has a missing code
ITEM_NONRESPONSE = 0.03
FREE_TEXT = 0.05  # share of respondents writing an answer to an open question
OPEN_CLASS_SPAN = 30  # an open last class (60+) is filled up to 30 above its minimum
SAMPLE = (80, 600)  # respondents per unit and wave, about
TEXTS = [
    "Więcej ścieżek rowerowych.", "Częstsze kursy autobusów wieczorem.", "Lepsze oświetlenie ulic.",
    "Więcej ławek w parku.", "Dłuższe godziny otwarcia biblioteki.", "Krótsze kolejki w urzędzie.",
    "Więcej zajęć dla seniorów.", "Remont chodników przy szkole.",
]
_SAV_STAMP = (92, b"01 Jan 0000:00:00")  # offset and value of the creation date and time in a .sav header


def _rng(seed: int, code: str, *salt: int) -> np.random.Generator:
    return np.random.default_rng([seed, len(code), int(code), *salt])


def _cells(q: Questionnaire) -> list[tuple[str, ...]]:
    return list(itertools.product(*(s.values for s in q.strata)))


def _effects(q: Questionnaire, cell: tuple[str, ...]) -> tuple[float, float]:
    """(opinion shift, response propensity) of a stratum cell."""
    shift, propensity = 0.0, 1.0
    for s, value in zip(q.strata, cell, strict=True):
        i = s.values.index(value)
        if s.classes is not None:
            shift += 0.18 * i
            propensity *= 0.45 + 0.35 * i
        else:
            shift -= 0.1 * (i > 0)
            propensity *= 1.0 if i == 0 else 0.7
    return shift, 0.3 * propensity


def _thresholds(scale: Scale) -> np.ndarray:
    k = len(scale.valid_codes)
    return np.linspace(-1.5, 1.5, k - 1) if k > 2 else np.array([0.0])


def _code_probabilities(scale: Scale, level: float) -> np.ndarray:
    """P(each valid code, in the order of `valid_codes`) for a respondent of latent `level` + N(0, 1): the more
    satisfied, the better the code (a high code for higher-better, a low one for lower-better)."""
    cdf = np.concatenate([[0.0], norm.cdf(_thresholds(scale) - level), [1.0]])
    p = np.diff(cdf)  # from the worst opinion to the best
    return p[::-1] if scale.order == "lower-better" else p


def _levels(q: Questionnaire, code: str, waves: Sequence[str], seed: int) -> dict[tuple[str, str], float]:
    """The true latent satisfaction of a unit per (wave, question): a unit level plus a small drift per wave."""
    base = _rng(seed, code, 0)
    out = {}
    for question in q.questions:
        level = base.normal(0.2, 0.45)
        for w, wave in enumerate(waves):
            level += base.normal(0.0, 0.12) if w else 0.0
            out[wave, question.id] = level
    return out


def _answers(question: Question, scale: Scale | None, level: float, n: int, rng: np.random.Generator) -> list[object]:
    """n synthetic answers (codes, 0/1 lists for multi, numbers, texts; None: no answer)."""
    if question.type == "text":
        return [str(rng.choice(TEXTS)) if rng.random() < FREE_TEXT else None for _ in range(n)]
    if question.type == "number":
        lo, hi = question.min or 0.0, question.max if question.max is not None else 1000.0
        values = np.clip(np.round(np.exp(rng.normal(np.log(min(hi, 12.0) + 1), 0.8, n)), 1), lo, hi)
        return [None if rng.random() < ITEM_NONRESPONSE else float(v) for v in values]
    assert scale is not None
    if question.type == "multi":
        p = 1 / (1 + np.exp(-(level + rng.normal(-0.5, 0.8, len(scale.valid_codes)))))
        return [None if rng.random() < ITEM_NONRESPONSE else [int(rng.random() < pk) for pk in p] for _ in range(n)]
    codes = rng.choice(scale.valid_codes, size=n, p=_code_probabilities(scale, level))
    out: list[object] = []
    for c in codes:
        u = rng.random()
        out.append(None if u < ITEM_NONRESPONSE else scale.missing[0] if scale.missing and u < ITEM_NONRESPONSE + DONT_KNOW else int(c))
    return out


def _respondents(q: Questionnaire, unit: pd.DataFrame, code: str, wave: str, w: int,
                 levels: dict[tuple[str, str], float], seed: int, use_labels: bool) -> pd.DataFrame:
    """The respondents of one unit and wave: fixed columns, strata, answers (multi questions spread over columns)."""
    rng = _rng(seed, code, 1, w)
    cells = _cells(q)
    pop = unit.set_index([s.id for s in q.strata])["population"]
    pops = np.array([float(pop.get(c if len(c) > 1 else c[0], 0.0)) for c in cells])
    props = np.array([_effects(q, c)[1] for c in cells])
    target = np.clip(1.6 * np.sqrt(pops.sum()), *SAMPLE)
    invited = np.round(target * pops / pops.sum() / (props * pops / pops.sum()).sum()).astype(int)
    counts = rng.binomial(invited, props)
    scales = q.scale_map
    frames = []
    for cell, n in zip(cells, counts, strict=True):
        if n == 0:
            continue
        shift = _effects(q, cell)[0]
        part: dict[str, object] = {}
        for s, value in zip(q.strata, cell, strict=True):
            if s.classes is None:
                part[s.id] = [value] * n
            elif use_labels:
                part[s.id] = [value] * n
            else:
                c = s.classes[s.values.index(value)]
                part[str(s.source)] = rng.integers(c.min, (c.max if c.max is not None else c.min + OPEN_CLASS_SPAN) + 1, n).tolist()
        for question in q.questions:
            scale = scales.get(question.scale) if question.scale else None
            answers = _answers(question, scale, levels[wave, question.id] + shift, int(n), rng)
            if question.type == "multi" and scale is not None:
                for j, col in enumerate(question.columns(scales)):
                    part[col] = [None if a is None else a[j] for a in answers]  # type: ignore[index]
            else:
                part[question.id] = answers
        frames.append(pd.DataFrame(part))
    data = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=rng.integers(2**31)).reset_index(drop=True)
    data.insert(0, "wave", wave)
    data.insert(0, "unit", code)
    data.insert(0, "respondent_id", [f"{code}-{wave}-{i:04d}" for i in range(1, len(data) + 1)])
    return data


def _true_values(q: Questionnaire, unit: pd.DataFrame, code: str, waves: Sequence[str],
                 levels: dict[tuple[str, str], float]) -> list[dict[str, object]]:
    """Population values of every ordered scale question: the mean code and the share of the two best codes."""
    cells = _cells(q)
    pop = unit.set_index([s.id for s in q.strata])["population"]
    pops = np.array([float(pop.get(c if len(c) > 1 else c[0], 0.0)) for c in cells])
    rows = []
    for wave in waves:
        for question in q.questions:
            scale = q.scale_of(question)
            if question.type != "scale" or scale is None or scale.order == "nominal":
                continue
            codes = np.array(scale.valid_codes, dtype=float)
            best = set(codes[-2:] if scale.order == "higher-better" else codes[:2])
            probs = np.array([_code_probabilities(scale, levels[wave, question.id] + _effects(q, c)[0]) for c in cells])
            mix = (pops[:, None] * probs).sum(axis=0) / pops.sum()
            rows.append({"questionnaire": q.id, "unit": code, "wave": wave, "question": question.id,
                         "mean": round(float(mix @ codes), 6),
                         "share_positive": round(float(sum(p for c, p in zip(codes, mix, strict=True) if c in best)), 6),
                         "population": int(pops.sum())})
    return rows


def _write_csv(path: Path, data: pd.DataFrame, semicolon: bool) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if semicolon else ",", lineterminator="\n")
    writer.writerow(data.columns)
    for row in data.itertuples(index=False):
        writer.writerow(["" if v is None or v != v else _fmt(v, semicolon) for v in row])
    write_text(path, ("\ufeff" if semicolon else "") + buf.getvalue())


def _fmt(v: object, comma: bool) -> str:
    if isinstance(v, float):
        text = str(int(v)) if v.is_integer() else repr(v)
        return text.replace(".", ",") if comma else text
    return str(v)


def _write_xlsx(path: Path, data: pd.DataFrame) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "odpowiedzi"
    ws.append(list(data.columns))
    for row in data.itertuples(index=False):
        ws.append([None if v is None or v != v else v for v in row])
    raw = io.BytesIO()
    wb.save(raw)
    body = deterministic(raw.getvalue())

    def write(tmp: Path) -> None:
        tmp.write_bytes(body)

    write_with(path, write)


def _write_sav(path: Path, data: pd.DataFrame, q: Questionnaire) -> None:
    import pyreadstat

    frame = data.copy()
    labels: dict[str, dict[int | float, str]] = {}
    missing: dict[str, list] = {}
    for column, question in q.question_columns.items():
        if question.type == "text":
            frame[column] = frame[column].fillna("").astype(str)
            continue
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        scale = q.scale_of(question)
        if scale is not None and question.type != "multi":
            labels[column] = {float(c): label for c, label in scale.labels.items()}
            if scale.missing:
                missing[column] = [float(c) for c in scale.missing]
    for s in q.strata:
        if s.source in frame:
            frame[str(s.source)] = frame[str(s.source)].astype(float)

    def write(tmp: Path) -> None:
        pyreadstat.write_sav(frame, str(tmp), variable_value_labels=labels, missing_ranges=missing)
        offset, stamp = _SAV_STAMP
        with open(tmp, "r+b") as fh:  # ReadStat writes the current time into the header: fix it
            fh.seek(offset)
            fh.write(stamp)

    write_with(path, write)


def generate_waves(units: pd.DataFrame, questionnaire: Questionnaire, waves: Sequence[int | str], folder: Path,
                   seed: int = 20111) -> pd.DataFrame:
    """Write one synthetic response file per unit and wave into `folder` (`<questionnaire>_<unit>_<wave>.<csv|xlsx|sav>`)
    and `true_values.csv`; return the true values (questionnaire, unit, wave, question, mean, share_positive,
    population).

    `units`: one row per unit and stratum cell: `code` (TERYT, text), `name`, one column per stratum of the
    questionnaire (its category codes or class labels) and `population`."""
    q = questionnaire
    need = ["code", "name", *(s.id for s in q.strata), "population"]
    absent = [c for c in need if c not in units.columns]
    if absent:
        raise InputError(f"the units table lacks columns {absent} (needs {need})")
    folder = Path(folder)
    wave_ids = [str(w) for w in waves]
    truth: list[dict[str, object]] = []
    for i, (code, unit) in enumerate(units.groupby("code", sort=True)):
        code = str(code)
        levels = _levels(q, code, wave_ids, seed)
        truth += _true_values(q, unit, code, wave_ids, levels)
        for w, wave in enumerate(wave_ids):
            data = _respondents(q, unit, code, wave, w, levels, seed, use_labels=(i + w) % 2 == 1)
            kind = FORMATS[(i + w) % len(FORMATS)]
            path = folder / f"{q.id}_{code}_{wave}.{kind}"
            if kind == "csv":
                _write_csv(path, data, semicolon=i % 2 == 0)
            elif kind == "xlsx":
                _write_xlsx(path, data)
            else:
                _write_sav(path, data, q)
    table = pd.DataFrame(truth)
    write_text(folder / TRUE_VALUES_FILE, table.to_csv(index=False, lineterminator="\n"))
    return table

