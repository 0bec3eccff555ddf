"""A management competition as data: `konkurs.yml` (criteria and weights, jurors, entries, the scale and the
method) and the jury's workbooks — one per juror, a row per entry and a column per criterion — validated cell by
cell. A juror's own authority is a conflict of interest: its cells are greyed in the workbook and a score there
refuses the whole score set."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import Field, model_validator

from jstbench.core.atomic import write_bytes
from jstbench.core.errors import InputError, InputErrors, collect
from jstbench.core.units import UnitCode
from jstbench.core.xlsx import workbook_bytes
from jstbench.core.yamlio import Located, Strict

TEMPLATE_VERSION = 1
COMPETITION_ID = r"^[a-z0-9][a-z0-9-]{1,63}$"
SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"
PRACTICE_ID = r"^[a-z0-9][a-z0-9-]{2,80}$"
INFO, SHEET = "INFO", "Oceny"
FIRST_ROW = 4  # 1: ids (machine), 2: labels, 3: the scale
FIXED = ["entry", "unit", "title"]
COMMENTS = "uwagi"
CONFLICT = "konflikt interesów — nie oceniać"
AWARDS = {"laureat": "laureat", "wyróżnienie": "wyróżnienie"}


class Scale(Strict):
    min: float = 0
    max: float = 10
    step: float = Field(default=1, gt=0)

    @model_validator(mode="after")
    def _fits(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"max {self.max:g} must be above min {self.min:g}")
        if not _on_step((self.max - self.min) / self.step):
            raise ValueError(f"step {self.step:g} does not divide the range {self.min:g}–{self.max:g}")
        return self

    def problem(self, v: float) -> str | None:
        """What is wrong with a score, or None."""
        if not self.min <= v <= self.max:
            return f"score {v:g} is outside the scale {self.min:g}–{self.max:g}"
        if not _on_step((v - self.min) / self.step):
            return f"score {v:g} is off the scale's step {self.step:g} (allowed: {self.min:g}, {self.min + self.step:g}, …)"
        return None


def _on_step(q: float) -> bool:
    return math.isclose(q, round(q), abs_tol=1e-9)


class Criterion(Strict):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    description: str = ""
    weight: float = Field(gt=0, allow_inf_nan=False)


class Juror(Strict):
    """A juror by role (no personal data needed) and the authority they belong to, if any."""

    id: str = Field(pattern=SLUG)
    label: str = Field(min_length=1)
    authority: UnitCode | None = None


class Entry(Strict):
    id: str = Field(pattern=SLUG)
    unit: UnitCode
    title: str = Field(min_length=1)
    practice: str | None = Field(default=None, pattern=PRACTICE_ID)


class Bootstrap(Strict):
    runs: int = Field(default=2000, ge=100, le=100_000)
    seed: int = 0
    level: float = Field(default=0.9, gt=0, lt=1)


class Award(Strict):
    entry: str
    award: Literal["laureat", "wyróżnienie"]


class Competition(Strict):
    """One competition (`konkurs.yml`)."""

    id: str = Field(pattern=COMPETITION_ID)
    title: str = Field(min_length=1)
    year: int = Field(ge=1990, le=2100)
    area: str = ""
    synthetic: bool = False
    scale: Scale = Scale()
    criteria: list[Criterion] = Field(min_length=1)
    jurors: list[Juror] = Field(min_length=2)
    entries: list[Entry] = Field(min_length=2)
    normalise: Literal["zscore", "centre", "none"] = "zscore"
    bootstrap: Bootstrap = Bootstrap()
    tie_threshold: float = Field(default=0.9, gt=0.5, le=1)
    scores: str | None = Field(default=None, min_length=1)
    awards: list[Award] = []

    @property
    def weights(self) -> dict[str, float]:
        """The criteria's weights normalised to sum 1, in the order of `criteria`."""
        total = sum(c.weight for c in self.criteria)
        return {c.id: c.weight / total for c in self.criteria}

    def conflict(self, juror: Juror, entry: Entry) -> bool:
        """Whether the entry is of the juror's own authority."""
        return juror.authority is not None and same_authority(juror.authority, entry.unit)

    def scores_dir(self, konkurs: Path, root: Path) -> Path:
        """The folder of the jury's workbooks: `scores` relative to the project root, or `oceny/` beside konkurs.yml."""
        if self.scores is None:
            return Path(konkurs).parent / "oceny"
        p = Path(self.scores)
        return p if p.is_absolute() else Path(root) / p


def same_authority(a: str, b: str) -> bool:
    """Same authority: equal codes, or a city with powiat rights as a powiat (WWPP, PP ≥ 61) and as its gmina
    (WWPP011).

    >>> same_authority("3064", "3064011"), same_authority("0214", "0214011"), same_authority("0214011", "0214011")
    (True, False, True)
    """
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) == 4 and int(short[2:]) >= 61 and long == f"{short}011"


def load_competition(path: Path) -> Competition:
    """Read and check `konkurs.yml`; every problem named with its field and line (InputErrors): unknown keys, types,
    weights not positive, TERYT codes, duplicate ids, awards naming unknown entries or one entry twice."""
    path = Path(path)
    doc = Located(path)
    c = doc.validate(Competition)
    errors: list[InputError] = []
    for key, ids in (("criteria", [k.id for k in c.criteria]), ("jurors", [j.id for j in c.jurors]),
                     ("entries", [e.id for e in c.entries])):
        first: dict[str, int] = {}
        for i, ident in enumerate(ids):
            if ident in first:
                errors.append(doc.error(f"duplicate id {ident!r} (also {key}[{first[ident]}])", (key, i, "id")))
            first.setdefault(ident, i)
    known = {e.id for e in c.entries}
    awarded: set[str] = set()
    for i, a in enumerate(c.awards):
        if a.entry not in known:
            errors.append(doc.error(f"award names entry {a.entry!r}, which is not in `entries`", ("awards", i, "entry")))
        elif a.entry in awarded:
            errors.append(doc.error(f"entry {a.entry!r} is awarded twice", ("awards", i, "entry")))
        awarded.add(a.entry)
    if errors:
        raise InputErrors(errors)
    return c


# --- the jury's workbooks ------------------------------------------------------------------------------------------

def workbook_name(juror: Juror) -> str:
    return f"{juror.id}.xlsx"


def score_workbook(c: Competition, juror: Juror, scores: dict[tuple[str, str], float] | None = None,
                   comments: dict[str, str] | None = None) -> bytes:
    """One juror's workbook (deterministic bytes): INFO, and `Oceny` with a row per entry, a column per criterion
    (validated to the scale) and `Uwagi`; the entries of the juror's own authority greyed and marked. `scores`
    ((entry, criterion) -> score) and `comments` (entry -> text) fill it (the demo, tests)."""
    scores, comments = scores or {}, comments or {}
    wb = Workbook()
    info = wb.active
    info.title = INFO
    for row in (("konkurs", c.id), ("wersja szablonu", TEMPLATE_VERSION), ("juror", juror.id), ("rola", juror.label),
                ("tytuł", c.title),
                ("instrukcja", f"Oceń każde zgłoszenie w każdym kryterium w skali {c.scale.min:g}–{c.scale.max:g} "
                               f"(krok {c.scale.step:g}). Szare wiersze to zgłoszenia Twojej JST: nie oceniaj ich "
                               "(konflikt interesów). Nie zmieniaj nazw arkuszy ani wierszy 1–3.")):
        info.append(row)
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 18, 90
    ws = wb.create_sheet(SHEET)
    ncrit = len(c.criteria)
    ws.append([*FIXED, *[k.id for k in c.criteria], COMMENTS])
    ws.append(["Zgłoszenie", "JST (TERYT)", "Tytuł", *[f"{k.name} (waga {c.weights[k.id]:.0%})" for k in c.criteria],
               "Uwagi (dla zgłaszającego, anonimowo)"])
    ws.append(["", "", "skala:", *[f"{c.scale.min:g}–{c.scale.max:g}, krok {c.scale.step:g}"] * ncrit, ""])
    head = PatternFill("solid", fgColor="EEEEEE")
    grey = PatternFill("solid", fgColor="BBBBBB")
    wrap = Alignment(wrap_text=True, vertical="top")
    for r in range(1, FIRST_ROW):
        for col in range(1, ncrit + 5):
            cell = ws.cell(r, col)
            cell.fill, cell.alignment = head, wrap
            cell.font = Font(bold=True) if r == 2 else Font(color="777777")
    for e in c.entries:
        conflict = c.conflict(juror, e)
        ws.append([e.id, e.unit, e.title,
                   *[CONFLICT if conflict else scores.get((e.id, k.id)) for k in c.criteria],
                   comments.get(e.id)])
        if conflict:
            for col in range(1, ncrit + 5):
                ws.cell(ws.max_row, col).fill = grey
    last = FIRST_ROW + len(c.entries) - 1
    for j in range(4, 4 + ncrit):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = 18
        dv = DataValidation(type="decimal", operator="between", formula1=f"{c.scale.min:g}", formula2=f"{c.scale.max:g}",
                            allow_blank=True, showErrorMessage=True, errorTitle="Ocena",
                            error=f"Ocena od {c.scale.min:g} do {c.scale.max:g}, krok {c.scale.step:g}")
        ws.add_data_validation(dv)
        dv.add(f"{letter}{FIRST_ROW}:{letter}{last}")
    ws.column_dimensions["C"].width = 40
    ws.column_dimensions[get_column_letter(4 + ncrit)].width = 50
    ws.row_dimensions[2].height = 45
    ws.freeze_panes = ws.cell(FIRST_ROW, 4)
    return workbook_bytes(wb)


def make_score_sheets(c: Competition, folder: Path) -> list[Path]:
    """Write one workbook per juror into `folder` (atomically); the paths."""
    paths = []
    for juror in c.jurors:
        path = Path(folder) / workbook_name(juror)
        write_bytes(path, score_workbook(c, juror))
        paths.append(path)
    return paths


def filled(path: Path) -> bool:
    """Whether a juror's workbook holds any score or comment (`competition make` does not overwrite those)."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for damaged files  # noqa: BLE001
        return True  # unreadable: leave it to the user
    if SHEET not in wb.sheetnames:
        return True
    for row in wb[SHEET].iter_rows(min_row=FIRST_ROW, min_col=4, values_only=True):
        if any(v not in (None, "", CONFLICT) for v in row):
            return True
    return False


@dataclass
class _Sheet:
    """What one workbook holds, once read."""

    juror: Juror
    path: Path
    scores: list[tuple[str, str, str, float]] = field(default_factory=list)
    comments: list[tuple[str, str, str]] = field(default_factory=list)


def _number(v: object) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        return None


def _read_sheet(c: Competition, path: Path, jurors: dict[str, Juror], claimed: set[str]) -> _Sheet:
    """One workbook, read and checked; the juror it names is added to `claimed` as soon as it is known."""
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files  # noqa: BLE001
        raise InputError(f"not a readable XLSX workbook: {exc}", path) from None
    if INFO not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise InputError(f"sheets {INFO!r} and {SHEET!r} expected: this is not a workbook made by "
                         "`jstbench competition make`", path)
    info = {str(r[0]).strip(): r[1] for r in wb[INFO].iter_rows(values_only=True) if r and r[0] is not None}
    juror_id = str(info.get("juror") or "")
    got_id = str(info.get("konkurs") or "")
    if got_id != c.id:
        raise InputError(f"workbook of competition {got_id!r}, not of {c.id!r}", path, f"{INFO}!B1")
    if juror_id not in jurors:
        raise InputError(f"workbook of juror {juror_id!r}, who is not listed in konkurs.yml (jurors: "
                         f"{', '.join(jurors)})", path, f"{INFO}!B3")
    claimed.add(juror_id)
    if str(info.get("wersja szablonu")) != str(TEMPLATE_VERSION):
        raise InputError(f"template version {info.get('wersja szablonu')!r}, expected {TEMPLATE_VERSION} (make the "
                         "workbooks again with `jstbench competition make` and copy the scores)", path, f"{INFO}!B2")
    juror = jurors[juror_id]
    ws = wb[SHEET]
    want = [*FIXED, *[k.id for k in c.criteria], COMMENTS]
    header = [ws.cell(1, j + 1).value for j in range(len(want))]
    if header != want:
        raise InputError(f"row 1 must hold {want} (do not edit rows 1–3)", path, f"{SHEET}!A1")
    errors: list[InputError] = []
    sheet = _Sheet(juror, path)
    entries = {e.id: e for e in c.entries}
    seen: dict[str, int] = {}
    ncrit = len(c.criteria)
    for r, row in enumerate(ws.iter_rows(min_row=FIRST_ROW, max_col=len(want), values_only=True), start=FIRST_ROW):
        if all(v in (None, "") for v in row):
            continue
        eid = str(row[0]).strip() if row[0] is not None else ""
        if eid not in entries:
            errors.append(InputError(f"unknown entry {row[0]!r} (entries: {', '.join(entries)})", path, f"{SHEET}!A{r}"))
            continue
        if eid in seen:
            errors.append(InputError(f"entry {eid!r} has a second row (first in row {seen[eid]})", path, f"{SHEET}!A{r}"))
            continue
        seen[eid] = r
        entry = entries[eid]
        conflict = c.conflict(juror, entry)
        scored = []
        for j, k in enumerate(c.criteria, start=4):
            v = row[j - 1]
            ref = f"{SHEET}!{get_column_letter(j)}{r}"
            if v in (None, "") or (conflict and v == CONFLICT):
                if not conflict:
                    errors.append(InputError("the score is empty: score every entry on every criterion", path, ref))
                continue
            x = _number(v)
            if x is None:
                errors.append(InputError(f"text {v!r} where a score is expected", path, ref))
                continue
            problem = c.scale.problem(x)
            if problem:
                errors.append(InputError(problem, path, ref))
            scored.append((ref, k.id, x))
        if conflict and scored:
            span = scored[0][0] if len(scored) == 1 else f"{scored[0][0]}:{scored[-1][0].split('!')[1]}"
            errors.append(InputError(f"refused: conflict of interest: juror {juror.id} (authority {juror.authority}) "
                                     f"scored entry {eid} of the same authority; leave its cells blank", path, span))
            continue
        sheet.scores += [(juror.id, eid, crit, x) for _, crit, x in scored]
        note = row[3 + ncrit]
        if note not in (None, "") and str(note).strip():
            sheet.comments.append((juror.id, eid, str(note).strip()))
    for eid in entries:
        if eid not in seen:
            errors.append(InputError(f"entry {eid!r} has no row (every entry needs one, even one not to be scored)",
                                     path, SHEET))
    if errors:
        raise InputErrors(errors)
    return sheet


def read_scores(c: Competition, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The jury's scores (juror, entry, criterion, score) and comments (juror, entry, comment) from the workbooks in
    `folder`, every problem of every workbook reported together: scores outside the scale or off its step, text,
    empty cells, missing or unknown entry rows, a workbook of an unknown juror, of another competition or of another
    template version, two workbooks of one juror, a juror without a workbook, a juror scoring their own authority."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"no folder of jury workbooks (expected one workbook per juror: "
                         f"{', '.join(workbook_name(j) for j in c.jurors)}; `jstbench competition make` writes them)",
                         folder)
    jurors = {j.id: j for j in c.jurors}
    errors: list[InputError] = []
    sheets: dict[str, _Sheet] = {}
    claimed: set[str] = set()
    for path in sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith(("~$", "."))):
        s = collect(errors, _read_sheet, c, path, jurors, claimed)
        if s is None:
            continue
        if s.juror.id in sheets:
            errors.append(InputError(f"a second workbook of juror {s.juror.id!r} (the first: {sheets[s.juror.id].path.name})",
                                     path, f"{INFO}!B3"))
            continue
        sheets[s.juror.id] = s
    for j in c.jurors:
        expected = folder / workbook_name(j)
        if j.id not in claimed and not expected.exists():  # an existing one has its own errors above
            errors.append(InputError(f"missing juror {j.id} ({j.label}): expected the workbook {expected.name}", folder))
    if errors:
        raise InputErrors(errors)
    scores = pd.DataFrame([r for j in c.jurors for r in sheets[j.id].scores],
                          columns=["juror", "entry", "criterion", "score"]).astype({"score": float})
    comments = pd.DataFrame([r for j in c.jurors for r in sheets[j.id].comments], columns=["juror", "entry", "comment"])
    return scores, comments


# --- the outcome, as the views show it ------------------------------------------------------------------------------

@dataclass
class CompetitionResult:
    """A scored competition, plain data for the views (built by `jstbench.series.competition`).

    ranking: one row per entry in the order of places — entry, unit, name (of the authority), title, practice,
    total, rank, rank_low, rank_high, place (NaN: not scored), ex_aequo, p_above, unscored_runs, award ("" or the
    award). means: per entry and criterion the mean, min and max normalised score over jurors and their number.
    adjusted: every score with its normalised value. comments: juror, entry, comment. constant: (juror, criterion)
    scored with zero variance (only centred). runs: bootstrap runs."""

    competition: Competition
    ranking: pd.DataFrame
    means: pd.DataFrame
    adjusted: pd.DataFrame
    comments: pd.DataFrame
    constant: list[tuple[str, str]]
    runs: int
