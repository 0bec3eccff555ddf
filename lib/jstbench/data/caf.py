"""CAF self-assessment workbooks: `make_workbook` writes one workbook per member of the assessment team (INFO, a
sheet `Ocena` with a row per sub-criterion and the score columns of the chosen panel, a sheet `Plan doskonalenia`);
`read_workbook` validates a filled one cell by cell and `read_assessments` combines the assessors of each assessment.

Every problem names its file and cell (`Ocena!E7: level 6 is outside 0–5`) and all of them are reported together.
Free text (strengths, areas for improvement, the plan) is kept as text, never evaluated; a formula counts only by the
value Excel saved with it.

The frames (the contract with `stats.caf`, `views.caf` and the `caf_report` notebook):
- `scores`: unit, assessment, assessor, panel, criterion, subcriterion, kind, points (0–100), level (classical level,
  NaN on the fine-tuned panel) — one row per assessor and sub-criterion;
- `notes`: unit, assessment, assessor, subcriterion, criterion, kind ("strength" | "improvement"), text — one row per
  line of a strengths / areas cell;
- `plan`: unit, assessment, assessor, action, subcriterion, criterion, priority, owner, deadline, effect.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jstbench.catalogue.caf import PANELS, CafModel, Panel
from jstbench.core.errors import InputError, InputErrors, collect
from jstbench.core.units import check_code
from jstbench.core.xlsx import save_workbook

INFO, SCORES, PLAN = "INFO", "Ocena", "Plan doskonalenia"
MARKER = "CAF – arkusz samooceny"
FIRST_ROW = 3  # row 1: column ids (machine), row 2: Polish labels
PRIORITIES = ("wysoki", "średni", "niski")
SCORE_COLUMNS = ["criterion", "subcriterion", "name", "kind"]
TEXT_COLUMNS = {"strengths": "Mocne strony", "improvements": "Obszary do poprawy"}
NOTE_KIND = {"strengths": "strength", "improvements": "improvement"}
PLAN_COLUMNS = {"action": "Działanie doskonalące", "subcriterion": "Podkryterium", "priority": "Priorytet",
                "owner": "Odpowiedzialny (rola)", "deadline": "Termin", "effect": "Oczekiwany efekt"}
PLAN_ROWS = 30  # empty plan rows prepared (with validation) in a new workbook
KIND_PL = {"enabler": "potencjał", "result": "wyniki"}
PANEL_PL = {"classical": "klasyczny (poziom 0–5)", "fine": "szczegółowy (0–100 dla każdej fazy)"}
ENTRY_PL = {"level": "ocena 0–5"}
INFO_KEYS = {"sheet": "arkusz", "template": "wersja szablonu", "model": "model", "unit": "jst (TERYT)",
             "unit_name": "nazwa jst", "assessment": "ocena", "assessor": "oceniający", "panel": "panel",
             "generated": "wygenerowano", "data": "dane"}
SCORES_COLS = ["unit", "assessment", "assessor", "panel", "criterion", "subcriterion", "kind", "points", "level"]
NOTES_COLS = ["unit", "assessment", "assessor", "subcriterion", "criterion", "kind", "text"]
PLAN_COLS = ["unit", "assessment", "assessor", "action", "subcriterion", "criterion", "priority", "owner", "deadline",
             "effect"]
INSTRUCTION = (
    "Arkusz jednego członka zespołu samooceny CAF. W arkuszu „Ocena” wpisz ocenę każdego podkryterium w białe "
    "komórki: panel klasyczny – jeden poziom 0–5 (liczba całkowita); panel szczegółowy – dla potencjału ocena 0–100 "
    "każdej fazy Plan/Do/Check/Act, dla wyników ocena 0–100 trendów i celów. Szare komórki zostaw puste. W kolumnach "
    "„Mocne strony” i „Obszary do poprawy” wpisz spostrzeżenia, każde w osobnym wierszu komórki (Alt+Enter). "
    "W arkuszu „Plan doskonalenia” zaproponuj działania. Nie zmieniaj nazw arkuszy, wierszy 1–2 ani arkusza INFO. "
    "Nie wpisuj danych osobowych – oceniającego opisuje etykieta lub rola.")


def safe_name(label: str) -> str:
    """A file name from an untrusted label: ASCII letters, digits, `-` and `_` only, at most 60 characters.

    >>> safe_name("Zespół A / Łódź"), safe_name("../../etc"), safe_name("  ")
    ('Zespol_A_Lodz', 'etc', 'oceniajacy')
    """
    text = unicodedata.normalize("NFKD", label.translate(str.maketrans("łŁ", "lL")))
    text = re.sub(r"[^A-Za-z0-9_-]+", "_", text.encode("ascii", "ignore").decode()).strip("_-")
    return text[:60].rstrip("_-") or "oceniajacy"


def entry_columns(caf: CafModel, panel: Panel) -> list[str]:
    """The score columns of a panel: `level`, or the fine-tuned enabler entries then the result entries."""
    if panel == "classical":
        return ["level"]
    return [*caf.entries("fine", "enabler"), *caf.entries("fine", "result")]


def _entry_labels(caf: CafModel) -> dict[str, str]:
    fine = caf.panels.fine
    return ENTRY_PL | {e.id: e.pl for e in [*fine.enabler.entries, *fine.result.entries]}


def make_workbook(path: Path, caf: CafModel, unit: str, unit_name: str, assessment: str, assessor: str,
                  panel: Panel, *, generated: dt.date | None = None, synthetic: bool = False) -> None:
    """Write one assessor's workbook (atomically; the same inputs and `generated` date give the same bytes)."""
    unit = check_code(unit)
    if panel not in PANELS:
        raise InputError(f"unknown panel {panel!r}: use one of {list(PANELS)}")
    wb = Workbook()
    info = wb.active
    info.title = INFO
    rows: list[tuple[str, Any]] = [
        (INFO_KEYS["sheet"], MARKER), (INFO_KEYS["template"], caf.template_version), (INFO_KEYS["model"], caf.version),
        (INFO_KEYS["unit"], unit), (INFO_KEYS["unit_name"], unit_name), (INFO_KEYS["assessment"], assessment),
        (INFO_KEYS["assessor"], assessor), (INFO_KEYS["panel"], panel), ("panel – opis", PANEL_PL[panel]),
        (INFO_KEYS["generated"], (generated or dt.date.today()).isoformat())]
    if synthetic:
        rows.append((INFO_KEYS["data"], "SYNTETYCZNE – fikcyjna samoocena do demonstracji, nie dotyczy tej JST"))
    rows.append(("instrukcja", INSTRUCTION))
    for key, value in rows:
        info.append([key, value])
    for cell in info["B"]:
        cell.number_format = "@"  # TERYT and the assessment id stay text
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 18, 90
    _scores_sheet(wb, caf, panel)
    _plan_sheet(wb, caf)
    save_workbook(wb, Path(path))


def _scores_sheet(wb: Workbook, caf: CafModel, panel: Panel) -> None:
    ws = wb.create_sheet(SCORES)
    entries = entry_columns(caf, panel)
    labels = _entry_labels(caf)
    ws.append([*SCORE_COLUMNS, *entries, *TEXT_COLUMNS])
    ws.append(["kryterium", "podkryterium", "nazwa", "rodzaj", *[labels[e] for e in entries], *TEXT_COLUMNS.values()])
    head, grey = PatternFill("solid", fgColor="EEEEEE"), PatternFill("solid", fgColor="BBBBBB")
    wrap = Alignment(wrap_text=True, vertical="top")
    for r in (1, 2):
        for cell in ws[r]:
            cell.fill, cell.alignment = head, wrap
            cell.font = Font(bold=True) if r == 2 else Font(color="777777")
    first_entry = len(SCORE_COLUMNS) + 1
    for crit, sub in caf.subcriteria():
        ws.append([crit.number, sub.id, sub.name.pl, KIND_PL[crit.kind]])
        r = ws.max_row
        for c in range(1, len(SCORE_COLUMNS) + 1):
            ws.cell(r, c).alignment, ws.cell(r, c).fill = wrap, head
        own = set(caf.entries(panel, crit.kind))
        for j, e in enumerate(entries, start=first_entry):
            if e not in own:
                ws.cell(r, j).fill = grey
        for j in range(first_entry + len(entries), first_entry + len(entries) + len(TEXT_COLUMNS)):
            ws.cell(r, j).alignment = wrap
    last = FIRST_ROW + len(caf.subcriteria()) - 1
    if panel == "classical":
        dv = DataValidation(type="whole", operator="between", formula1="0", formula2="5", allow_blank=True,
                            showErrorMessage=True, errorTitle="Ocena", error="Poziom: liczba całkowita 0–5")
        col = get_column_letter(first_entry)
        dv.add(f"{col}{FIRST_ROW}:{col}{last}")
    else:
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                            showErrorMessage=True, errorTitle="Ocena", error="Ocena: liczba 0–100")
        for i, (crit, _) in enumerate(caf.subcriteria(), start=FIRST_ROW):
            for j, e in enumerate(entries, start=first_entry):
                if e in caf.entries(panel, crit.kind):
                    dv.add(f"{get_column_letter(j)}{i}")
    ws.add_data_validation(dv)
    widths = [10, 12, 60, 11, *[10] * len(entries), 45, 45]
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = ws.cell(FIRST_ROW, first_entry)


def _plan_sheet(wb: Workbook, caf: CafModel) -> None:
    ws = wb.create_sheet(PLAN)
    ws.append(list(PLAN_COLUMNS))
    ws.append(list(PLAN_COLUMNS.values()))
    head = PatternFill("solid", fgColor="EEEEEE")
    for r in (1, 2):
        for cell in ws[r]:
            cell.fill = head
            cell.font = Font(bold=True) if r == 2 else Font(color="777777")
    last = FIRST_ROW + PLAN_ROWS - 1
    ids = ",".join(s.id for _, s in caf.subcriteria())
    for col, options in (("B", ids), ("C", ",".join(PRIORITIES))):
        dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True, showErrorMessage=True,
                            errorTitle=PLAN, error="Wybierz wartość z listy")
        dv.add(f"{col}{FIRST_ROW}:{col}{last}")
        ws.add_data_validation(dv)
    for col, w in zip("ABCDEF", (50, 13, 11, 25, 14, 45), strict=True):
        ws.column_dimensions[col].width = w
    for row in ws.iter_rows(min_row=FIRST_ROW, max_row=last, max_col=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(FIRST_ROW, 1)


@dataclass(frozen=True)
class AssessorSheet:
    """One validated assessor workbook."""

    file: Path
    unit: str
    unit_name: str
    assessment: str
    assessor: str
    panel: Panel
    synthetic: bool
    scores: pd.DataFrame
    notes: pd.DataFrame
    plan: pd.DataFrame


@dataclass(frozen=True)
class Assessments:
    """The assessor sheets of one or more assessments, and their frames combined."""

    sheets: list[AssessorSheet]
    scores: pd.DataFrame
    notes: pd.DataFrame
    plan: pd.DataFrame
    names: dict[str, str] = field(default_factory=dict)  # unit → its name as the workbooks give it

    @property
    def keys(self) -> list[tuple[str, str]]:
        """The (unit, assessment) pairs, sorted."""
        return sorted({(s.unit, s.assessment) for s in self.sheets})


def _open(path: Path) -> tuple[Any, Any]:
    """The workbook with saved values, and with formulas (to tell a formula without a saved value)."""
    try:
        head = path.read_bytes()[:8]
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a workbook", path) from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError("an encrypted (password-protected) or old-format .xls workbook: save it as .xlsx "
                         "without a password", path)
    if not head.startswith(b"PK"):
        raise InputError("not an XLSX workbook (not a zip container)", path)
    try:
        return load_workbook(path, data_only=True), load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise InputError(f"not a readable XLSX workbook: {exc}", path) from None


def _number(value: object) -> float | str:
    """A cell's numeric value, or a problem (text)."""
    if isinstance(value, bool):
        return f"{value!r} is not a number"
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    try:
        return float(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        return f"text {text!r} is not a score"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _info(wb: Any, path: Path, caf: CafModel) -> dict[str, str]:
    if INFO not in wb.sheetnames:
        raise InputError(f"not a CAF workbook: no sheet {INFO!r} (make workbooks with `jstbench caf make`)", path)
    rows = {_text(r[0]).lower(): r[1] for r in wb[INFO].iter_rows(max_col=2, values_only=True) if r and r[0]}
    if _text(rows.get(INFO_KEYS["sheet"])) != MARKER:
        raise InputError(f"not a CAF workbook: sheet {INFO} has no '{INFO_KEYS['sheet']}: {MARKER}' row "
                         "(a forms or practices workbook?)", path, INFO)
    version = _text(rows.get(INFO_KEYS["template"]))
    if version != str(caf.template_version):
        raise InputError(f"workbook template version {version or '(none)'}, expected {caf.template_version} "
                         f"({caf.version}): make a new workbook with `jstbench caf make`", path, INFO)
    out = {k: _text(rows.get(key.lower())) for k, key in INFO_KEYS.items()}
    errors = []
    for k in ("unit", "assessment", "assessor", "panel"):
        if not out[k]:
            errors.append(InputError(f"'{INFO_KEYS[k]}' is empty", path, INFO))
    if out["unit"]:
        try:
            check_code(out["unit"])
        except ValueError as exc:
            errors.append(InputError(str(exc), path, INFO))
    if out["panel"] and out["panel"] not in PANELS:
        errors.append(InputError(f"unknown panel {out['panel']!r}: use one of {list(PANELS)}", path, INFO))
    if errors:
        raise InputErrors(errors)
    return out


def read_workbook(path: Path, caf: CafModel) -> AssessorSheet:
    """Validate one filled assessor workbook; raise `InputErrors` listing every problem with its cell."""
    path = Path(path)
    wb, formulas = _open(path)
    info = _info(wb, path, caf)
    panel: Panel = "classical" if info["panel"] == "classical" else "fine"
    errors: list[InputError] = []
    for sheet in (SCORES, PLAN):
        if sheet not in wb.sheetnames:
            errors.append(InputError(f"no sheet {sheet!r} (renamed or deleted?)", path))
    if errors:
        raise InputErrors(errors)
    ident = {"unit": info["unit"], "assessment": info["assessment"], "assessor": info["assessor"]}

    def value(sheet: str, row: int, col: int) -> object:
        v = wb[sheet].cell(row, col).value
        if v is None and formulas[sheet].cell(row, col).data_type == "f":
            errors.append(InputError("a formula without a saved value (open and save the file in Excel, or type "
                                     "the value)", path, f"{sheet}!{get_column_letter(col)}{row}"))
        return v

    scores, notes = _read_scores(wb[SCORES], caf, panel, path, value, errors, ident)
    plan = _read_plan(wb[PLAN], caf, path, value, errors, ident)
    if errors:
        raise InputErrors(errors)
    return AssessorSheet(path, info["unit"], info["unit_name"], info["assessment"], info["assessor"], panel,
                         bool(info["data"]), scores, notes, plan)


def _read_scores(ws: Any, caf: CafModel, panel: Panel, path: Path, value: Any, errors: list[InputError],
                 ident: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    entries = entry_columns(caf, panel)
    want = [*SCORE_COLUMNS, *entries, *TEXT_COLUMNS]
    header = [_text(c.value) for c in ws[1]]
    while header and not header[-1]:
        header.pop()
    if header != want:
        other: Panel = "fine" if panel == "classical" else "classical"
        if header == [*SCORE_COLUMNS, *entry_columns(caf, other), *TEXT_COLUMNS]:
            problem = (f"INFO says panel {panel!r} but the columns are those of the {other!r} panel "
                       f"(do not edit INFO or rows 1–2)")
        else:
            problem = f"row 1 must hold {want} (do not edit rows 1–2)"
        errors.append(InputError(problem, path, f"{SCORES}!A1"))
        return pd.DataFrame(columns=SCORES_COLS), pd.DataFrame(columns=NOTES_COLS)
    known = {s.id: (c, s) for c, s in caf.subcriteria()}
    col = {name: j for j, name in enumerate(want, start=1)}
    seen: dict[str, int] = {}
    score_rows, note_rows = [], []
    before = len(errors)
    for r in range(FIRST_ROW, ws.max_row + 1):
        cells = [value(SCORES, r, j) for j in range(1, len(want) + 1)]
        if all(v in (None, "") for v in cells):
            continue
        raw_id = cells[col["subcriterion"] - 1]
        sid = f"{raw_id:g}" if isinstance(raw_id, float) else _text(raw_id)
        ref = f"{SCORES}!{get_column_letter(col['subcriterion'])}{r}"
        if sid not in known:
            errors.append(InputError(f"unknown sub-criterion {sid!r} (CAF 2020 has 1.1–9.2)", path, ref))
            continue
        if sid in seen:
            errors.append(InputError(f"sub-criterion {sid} appears twice (also row {seen[sid]})", path, ref))
            continue
        seen[sid] = r
        crit, _ = known[sid]
        own = caf.entries(panel, crit.kind)
        raw: dict[str, float] = {}
        for e in entries:
            v, cref = cells[col[e] - 1], f"{SCORES}!{get_column_letter(col[e])}{r}"
            if e not in own:
                if v not in (None, ""):
                    errors.append(InputError(f"a score in a grey cell: {e!r} does not apply to a "
                                             f"{'result' if crit.kind == 'result' else 'enabler'} (leave it empty)",
                                             path, cref))
                continue
            if v in (None, ""):
                label = "" if panel == "classical" else f" ({_entry_labels(caf)[e]})"
                errors.append(InputError(f"sub-criterion {sid} is not scored{label}", path, cref))
                continue
            x = _number(v)
            if isinstance(x, str):
                errors.append(InputError(x, path, cref))
            elif panel == "classical" and not (x.is_integer() and 0 <= x <= 5):
                errors.append(InputError(f"level {x:g} is outside the classical panel: a whole number 0–5", path, cref))
            elif panel == "fine" and not 0 <= x <= 100:
                errors.append(InputError(f"score {x:g} is outside the fine-tuned panel: 0–100", path, cref))
            else:
                raw[e] = x
        if len(raw) == len(own):
            score_rows.append({**ident, "panel": panel, "criterion": crit.number, "subcriterion": sid,
                               "kind": crit.kind, "points": caf.points(panel, crit.kind, raw),
                               "level": raw["level"] if panel == "classical" else float("nan")})
        for t in TEXT_COLUMNS:
            for line in _text(cells[col[t] - 1]).splitlines():
                if line.strip():
                    note_rows.append({**ident, "subcriterion": sid, "criterion": crit.number, "kind": NOTE_KIND[t],
                                      "text": line.strip()})
    unscored = [e for e in errors[before:] if " is not scored" in e.problem]
    if unscored and not score_rows and len(unscored) == len(errors) - before:
        del errors[before:]
        errors.append(InputError("no sub-criterion is scored (an empty workbook?)", path, SCORES))
    for _, sub in caf.subcriteria():
        if sub.id not in seen:
            errors.append(InputError(f"sub-criterion {sub.id} ({sub.name.pl}) is missing (row deleted?)", path, SCORES))
    scores = pd.DataFrame(score_rows, columns=SCORES_COLS).astype({"criterion": int, "points": float, "level": float})
    return scores, pd.DataFrame(note_rows, columns=NOTES_COLS).astype({"criterion": int})


def _read_plan(ws: Any, caf: CafModel, path: Path, value: Any, errors: list[InputError],
               ident: dict[str, str]) -> pd.DataFrame:
    header = [_text(c.value) for c in ws[1]][:len(PLAN_COLUMNS)]
    if header != list(PLAN_COLUMNS):
        errors.append(InputError(f"row 1 must hold {list(PLAN_COLUMNS)} (do not edit rows 1–2)", path, f"{PLAN}!A1"))
        return pd.DataFrame(columns=PLAN_COLS)
    known = {s.id: c.number for c, s in caf.subcriteria()}
    rows = []
    for r in range(FIRST_ROW, ws.max_row + 1):
        rec = {name: value(PLAN, r, j) for j, name in enumerate(PLAN_COLUMNS, start=1)}
        if all(v in (None, "") for v in rec.values()):
            continue
        text = {k: (f"{v:g}" if k == "subcriterion" and isinstance(v, float) else _text(v)) for k, v in rec.items()}
        ok = True
        if not text["action"]:
            errors.append(InputError("the action is empty", path, f"{PLAN}!A{r}"))
            ok = False
        if text["subcriterion"] not in known:
            errors.append(InputError(f"unknown sub-criterion {text['subcriterion']!r} (CAF 2020 has 1.1–9.2)",
                                     path, f"{PLAN}!B{r}"))
            ok = False
        priority = text["priority"].lower()
        if priority not in PRIORITIES:
            errors.append(InputError(f"priority {text['priority']!r} is not one of {list(PRIORITIES)}", path,
                                     f"{PLAN}!C{r}"))
            ok = False
        if ok:
            rows.append({**ident, "action": text["action"], "subcriterion": text["subcriterion"],
                         "criterion": known[text["subcriterion"]], "priority": priority, "owner": text["owner"],
                         "deadline": text["deadline"], "effect": text["effect"]})
    return pd.DataFrame(rows, columns=PLAN_COLS).astype({"criterion": int})


def _files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*.xlsx") if not f.name.startswith(("~$", ".")))
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def read_assessments(paths: list[Path] | Path, caf: CafModel) -> Assessments:
    """Read every workbook of a folder laid out `<folder>/<TERYT>/<assessment>/*.xlsx` (or of the files given) and
    combine the assessors of each assessment. Refused, with every problem of every file listed: no workbook; files
    of one folder that mix units, assessments or panels; one assessment scored on two panels; the same assessor
    twice; a workbook in a `<TERYT>/<assessment>` folder whose INFO names another unit or assessment."""
    given = [paths] if isinstance(paths, Path | str) else list(paths)
    files = _files(given)
    if not files:
        raise InputError("no CAF workbooks (*.xlsx) found", ", ".join(map(str, given)) or None)
    errors: list[InputError] = []
    sheets = [s for s in (collect(errors, read_workbook, f, caf) for f in files) if s is not None]
    by_dir: dict[Path, list[AssessorSheet]] = {}
    by_key: dict[tuple[str, str], list[AssessorSheet]] = {}
    for s in sheets:
        by_dir.setdefault(s.file.parent, []).append(s)
        by_key.setdefault((s.unit, s.assessment), []).append(s)
        unit_dir, assessment_dir = s.file.parent.parent.name, s.file.parent.name
        if re.fullmatch(r"\d{4}|\d{7}", unit_dir) and (unit_dir, assessment_dir) != (s.unit, s.assessment):
            errors.append(InputError(f"the workbook lies in {unit_dir}/{assessment_dir} but INFO names unit "
                                     f"{s.unit}, assessment {s.assessment!r}", s.file, INFO))
    for folder, group in by_dir.items():
        for what in ("unit", "assessment", "panel"):
            found = sorted({getattr(s, what) for s in group})
            if len(found) > 1:
                errors.append(InputError(f"the workbooks of one folder mix {what}s {found}: "
                                         f"{', '.join(s.file.name for s in group)}", folder))
    for (unit, assessment), group in by_key.items():
        panels = sorted({s.panel for s in group})
        if len(panels) > 1 and len({s.file.parent for s in group}) > 1:
            errors.append(InputError(f"assessment {assessment!r} of {unit} is scored on panels {panels} "
                                     "(one panel per assessment)", group[0].file))
        first: dict[str, Path] = {}
        for s in group:
            if s.assessor in first:
                errors.append(InputError(f"assessor {s.assessor!r} appears twice in assessment {assessment!r} of "
                                         f"{unit} (also {first[s.assessor]})", s.file, INFO))
            first.setdefault(s.assessor, s.file)
    if errors:
        raise InputErrors(errors)
    sheets.sort(key=lambda s: (s.unit, s.assessment, s.assessor))

    def cat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
        nonempty = [f for f in frames if not f.empty]
        return (pd.concat(nonempty, ignore_index=True) if nonempty else pd.DataFrame(columns=columns))[columns]

    return Assessments(sheets, cat([s.scores for s in sheets], SCORES_COLS), cat([s.notes for s in sheets], NOTES_COLS),
                       cat([s.plan for s in sheets], PLAN_COLS), {s.unit: s.unit_name for s in sheets})
