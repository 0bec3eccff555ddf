"""Survey microdata (one row per respondent) from CSV, XLSX or SPSS .sav, every cell checked against its questionnaire.

A file has the columns `respondent_id`, `unit` (TERYT code as text), `wave`, the strata (e.g. `sex`, and `age` in
years or `age_group`), then one column per answer (a multi-choice question: one 0/1 column per option,
`<question>_<code>`). Every problem is collected and raised at once (InputErrors), each naming the file, the row as
the user sees it (spreadsheet row, header = row 1; in a .sav file the case number, as SPSS numbers them) and the
column. Free-text answers are returned apart from the rest (`Responses.free_text`): they may identify people and
are never published; nothing in the reports reads them.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from jstbench.catalogue.questionnaire import FIXED_COLUMNS, RESIDENTS_MIN_AGE, Question, Questionnaire, Scale, Stratum
from jstbench.core.errors import InputError, InputErrors
from jstbench.core.units import check_code

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".sav": "sav", ".zsav": "sav"}
FREE_TEXT_COLUMNS = ["respondent_id", "unit", "wave", "question", "text"]
SMALL_STRATUM = 10  # fewer respondents than this in a stratum: flagged by `survey check`, a matter for disclosure control
_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Table:
    """The cells of a response file as read, before any check: the header, the rows (str, int, float or None) and
    each row's number as the user sees it; for .sav files the value labels of its variables."""

    path: Path
    kind: str
    header: list[str]
    rows: list[list[object]]
    numbers: list[int]
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)

    def where(self, number: int, column: str) -> str:
        if self.kind == "xlsx" and column in self.header:
            from openpyxl.utils import get_column_letter

            return f"row {number}, column {column} (cell {get_column_letter(self.header.index(column) + 1)}{number})"
        return f"row {number}, column {column}"


@dataclass(frozen=True)
class Responses:
    """Validated answers. `data`: one row per respondent with `respondent_id`, `unit`, `wave` (text), the strata (the
    questionnaire's category codes or class labels) and every closed or number answer as a float (missing codes
    such as "trudno powiedzieć" and empty cells are NaN). `free_text`: the text answers, long (respondent_id, unit,
    wave, question, text) — kept apart because they are never published."""

    questionnaire: Questionnaire
    data: pd.DataFrame
    free_text: pd.DataFrame

    @classmethod
    def combine(cls, parts: list["Responses"]) -> "Responses":
        """Several files of one questionnaire as one set of responses."""
        if not parts:
            raise ValueError("no responses to combine")
        ids = {p.questionnaire.id for p in parts}
        if len(ids) > 1:
            raise ValueError(f"responses of different questionnaires {sorted(ids)}")
        return cls(parts[0].questionnaire, pd.concat([p.data for p in parts], ignore_index=True),
                   pd.concat([p.free_text for p in parts], ignore_index=True))


def read_table(path: Path, sheet: str | None = None) -> Table:
    """The raw cells of a CSV (`;` or `,`, UTF-8 with or without BOM), XLSX (the first sheet or `sheet`) or .sav file."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"unknown file type {path.suffix!r}; survey data is read from {', '.join(sorted(FORMATS))}", path)
    if not path.exists():
        raise InputError("file not found", path)
    if sheet is not None and kind != "xlsx":
        raise InputError("a sheet can only be chosen in an XLSX workbook", path)
    return {"csv": _read_csv, "xlsx": _read_xlsx, "sav": _read_sav}[kind](path, sheet)


def _read_csv(path: Path, sheet: str | None) -> Table:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start}): save the file as 'CSV UTF-8'", path) from None
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";" if first.count(";") > first.count(",") else ",")
    header: list[str] = []
    rows: list[list[object]] = []
    numbers: list[int] = []
    errors: list[InputError] = []
    try:
        for record in reader:
            if not header:
                header = [c.strip() for c in record]
                continue
            if not any(c.strip() for c in record):
                continue
            if len(record) != len(header):
                errors.append(InputError(f"{len(record)} fields where the header has {len(header)}", path, f"row {reader.line_num}"))
                continue
            rows.append(list(record))
            numbers.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", path, f"row {reader.line_num}") from None
    if errors:
        raise InputErrors(errors)
    return Table(path, "csv", header, rows, numbers)


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise InputError(f"not a readable XLSX workbook: {exc}", path) from None
    if sheet is not None and sheet not in wb.sheetnames:
        raise InputError(f"no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}", path)
    ws = wb[sheet] if sheet is not None else wb.worksheets[0]
    cells = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    if not cells:
        return Table(path, "xlsx", [], [], [])
    head = cells[0]
    while head and head[-1] is None:
        head = head[:-1]
    header = ["" if c is None else str(c).strip() for c in head]
    rows, numbers = [], []
    for n, row in enumerate(cells[1:], start=2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
            continue
        extra = [c for c in row[len(header):] if c is not None]
        if extra:
            raise InputError(f"values beyond the last named column ({len(header)} columns)", path, f"row {n}")
        rows.append(list(row[: len(header)]) + [None] * (len(header) - len(row)))
        numbers.append(n)
    return Table(path, "xlsx", header, rows, numbers)


def _read_sav(path: Path, sheet: str | None) -> Table:
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    except Exception as exc:  # pyreadstat raises ReadstatError / PyreadstatError and others for damaged files
        raise InputError(f"not a readable SPSS .sav file: {exc}", path) from None
    rows = [[None if (isinstance(v, float) and math.isnan(v)) else v for v in r] for r in df.astype(object).values.tolist()]
    return Table(path, "sav", [str(c) for c in df.columns], rows, list(range(1, len(rows) + 1)),
                 {k: dict(v) for k, v in meta.variable_value_labels.items()})


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip()) or (isinstance(cell, float) and math.isnan(cell))


def _text(cell: object) -> str:
    """A cell as text; a whole number stored as a number loses its `.0`."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _number(cell: object) -> float | None:
    """A number from a cell (decimal comma accepted); None for an empty cell; ValueError for anything else."""
    if _blank(cell):
        return None
    if isinstance(cell, bool):
        raise ValueError
    if isinstance(cell, (int, float)):
        return float(cell)
    text = str(cell).strip().replace(",", ".")
    if not _DECIMAL.match(text):
        raise ValueError
    return float(text)


def _norm(label: str) -> str:
    return " ".join(label.split()).casefold()


def _codes_text(scale: Scale) -> str:
    valid = ", ".join(str(c) for c in scale.valid_codes)
    missing = ", ".join(f"{c} = {scale.labels[c]}" for c in scale.missing)
    return f"codes {valid}" + (f"; missing {missing}" if missing else "")


def _label_problems(table: Table, q: Questionnaire) -> list[InputError]:
    """Value labels of a .sav file that differ from the questionnaire's scales (variable, code, both labels)."""
    errors = []
    for column, question in q.question_columns.items():
        scale = q.scale_of(question)
        labels = table.value_labels.get(column)
        if scale is None or not labels or question.type == "multi":
            continue
        for code, label in sorted(labels.items()):
            want = scale.labels.get(int(code)) if float(code).is_integer() else None
            if want is None:
                errors.append(InputError(f"value label {code:g} = {label!r} is not a code of scale {scale.id!r} "
                                         f"({_codes_text(scale)})", table.path, f"variable {column}"))
            elif _norm(label) != _norm(want):
                errors.append(InputError(f"code {code:g} is labelled {label!r} in the file but {want!r} in questionnaire "
                                         f"{q.id!r} (scale {scale.id!r})", table.path, f"variable {column}"))
    return errors


def _expected_columns(q: Questionnaire, header: list[str]) -> tuple[list[str], set[str]]:
    """The required columns missing from `header`, and every column the questionnaire allows."""
    allowed = {*FIXED_COLUMNS, *q.question_columns}
    missing = [c for c in (*FIXED_COLUMNS, *q.question_columns) if c not in header]
    for s in q.strata:
        allowed.add(s.id)
        if s.source is not None:
            allowed.add(s.source)
            if s.id not in header and s.source not in header:
                missing.append(f"{s.source}' or '{s.id}")
        elif s.id not in header:
            missing.append(s.id)
    return missing, allowed


def read_responses(path: Path, questionnaire: Questionnaire, sheet: str | None = None) -> Responses:
    """Read one response file and check every cell against `questionnaire`; raise InputErrors with every problem."""
    table = read_table(path, sheet)
    q = questionnaire
    if not table.header or not table.rows:
        raise InputError("empty file: no respondents (a header and at least one row are needed)", table.path)
    errors: list[InputError] = []
    dup_cols = sorted({c for c in table.header if table.header.count(c) > 1})
    for c in dup_cols:
        errors.append(InputError("the column appears more than once", table.path, f"row 1, column {c}"))
    missing, allowed = _expected_columns(q, table.header)
    for c in missing:
        errors.append(InputError(f"missing required column '{c}'", table.path, "row 1 (header)"))
    for c in table.header:
        if c not in allowed:
            errors.append(InputError(f"not a question of questionnaire {q.id!r} (nor a required column)", table.path,
                                     f"row 1, column {c or '(empty name)'}"))
    errors += _label_problems(table, q)
    if dup_cols:
        raise InputErrors(errors)

    index = {c: i for i, c in enumerate(table.header)}
    records: list[dict[str, object]] = []
    texts: list[dict[str, str]] = []
    first_row: dict[str, int] = {}

    def report(number: int, problem: str, column: str) -> None:
        errors.append(InputError(problem, table.path, table.where(number, column)))

    for number, row in zip(table.numbers, table.rows, strict=True):
        cell = {c: row[i] for c, i in index.items()}
        bad = partial(report, number)
        rec: dict[str, object] = {c: _text(cell[c]) if c in cell and not _blank(cell[c]) else None for c in FIXED_COLUMNS}
        for c in FIXED_COLUMNS:
            if c in cell and rec[c] is None:
                bad("empty cell: every respondent needs it", c)
        rid = rec["respondent_id"]
        if isinstance(rid, str):
            if rid in first_row:
                bad(f"duplicate respondent id {rid!r} (first in row {first_row[rid]})", "respondent_id")
            first_row.setdefault(rid, number)
        if "unit" in cell and rec["unit"] is not None:
            try:
                check_code(cell["unit"] if not isinstance(cell["unit"], str) else cell["unit"].strip())
            except ValueError as exc:
                bad(str(exc), "unit")
        for s in q.strata:
            rec[s.id] = _stratum(s, cell, table, q, bad)
        for column, question in q.question_columns.items():
            if column not in cell or _blank(cell[column]):
                rec[column] = None if question.type == "text" else math.nan
                continue
            if question.type == "text":
                texts.append({"respondent_id": str(rid), "unit": str(rec["unit"]), "wave": str(rec["wave"]),
                              "question": question.id, "text": str(cell[column]).strip()})
                continue
            try:
                rec[column] = _answer(cell[column], question, q.scale_of(question))
            except ValueError as exc:
                bad(str(exc), column)
        records.append(rec)
    if errors:
        raise InputErrors(errors)
    columns = [*FIXED_COLUMNS, *(s.id for s in q.strata),
               *(c for c, qq in q.question_columns.items() if qq.type != "text")]
    data = pd.DataFrame.from_records(records, columns=columns)
    for c in columns[len(FIXED_COLUMNS) + len(q.strata):]:
        data[c] = data[c].astype(float)
    return Responses(q, data, pd.DataFrame(texts, columns=FREE_TEXT_COLUMNS))


def _answer(cell: object, question: Question, scale: Scale | None) -> float:
    """One closed or number answer as a float (a missing code: NaN); ValueError with the reason otherwise."""
    try:
        value = _number(cell)
    except ValueError:
        raise ValueError(f"not a number: {cell!r}" + (f" (answers are codes of scale {scale.id!r}: {_codes_text(scale)})"
                                                       if scale else "")) from None
    assert value is not None  # blank cells are handled by the caller
    if question.type == "multi":
        if value not in (0, 1):
            raise ValueError(f"answer {value:g} to a multiple-choice option must be 1 (chosen) or 0 (not chosen)")
        return value
    if scale is None:
        if question.min is not None and value < question.min:
            raise ValueError(f"answer {value:g} is below the minimum {question.min:g}")
        if question.max is not None and value > question.max:
            raise ValueError(f"answer {value:g} is above the maximum {question.max:g}")
        return value
    if not value.is_integer() or int(value) not in scale.labels:
        raise ValueError(f"answer {value:g} is outside scale {scale.id!r} ({_codes_text(scale)})")
    return math.nan if int(value) in scale.missing else value


def _stratum(s: Stratum, cell: dict[str, object], table: Table, q: Questionnaire, bad: Callable[[str, str], None]) -> str | None:
    """The stratum value of one respondent (a category code or a class label), or None after reporting the problem."""
    if s.categories is not None:
        if s.id not in cell:
            return None
        raw = cell[s.id]
        if _blank(raw):
            bad(f"empty cell: the {s.id} of every respondent is needed for weighting", s.id)
            return None
        labels = table.value_labels.get(s.id, {})
        if isinstance(raw, (int, float)) and float(raw) in labels:
            raw = labels[float(raw)]
        text = _text(raw)
        by_label = {_norm(v): k for k, v in s.categories.items()}
        found = text if text in s.categories else by_label.get(_norm(text))
        if found is None:
            choices = ", ".join(f"{k} ({v})" for k, v in s.categories.items())
            bad(f"unknown {s.id} {text!r}; expected one of {choices}", s.id)
        return found
    from_number = from_label = None
    if s.source in cell and not _blank(cell[s.source]):
        try:
            value = _number(cell[s.source])
        except ValueError:
            bad(f"not a number: {cell[s.source]!r}", str(s.source))
            return None
        assert value is not None
        from_number = s.class_of(value)
        if from_number is None:
            first, last = (s.classes or [])[0], (s.classes or [])[-1]
            if value < first.min:
                who = f"the survey covers residents {RESIDENTS_MIN_AGE}+" if q.population == "residents_18plus" else \
                    f"the first class {first.label!r} starts at {first.min}"
                bad(f"{s.source} {value:g} is under {first.min} ({who})", str(s.source))
            else:
                bad(f"{s.source} {value:g} is above the last class {last.label!r} (up to {last.max})", str(s.source))
            return None
    if s.id in cell and not _blank(cell[s.id]):
        from_label = _text(cell[s.id])
        if from_label not in s.values:
            bad(f"unknown {s.id} {from_label!r}; expected one of {', '.join(s.values)}", s.id)
            return None
    if from_number and from_label and from_number != from_label:
        bad(f"{s.id} {from_label!r} disagrees with {s.source} {cell[str(s.source)]} (class {from_number!r})", s.id)
        return None
    if from_number is None and from_label is None:
        bad(f"empty cell: the {s.source} (or {s.id}) of every respondent is needed for weighting",
            str(s.source) if s.source in cell else s.id)
    return from_number or from_label


def guess_questionnaire(path: Path, questionnaires: dict[str, Questionnaire], sheet: str | None = None) -> Questionnaire:
    """The questionnaire whose answer columns a file's header shares most (a tie or no match: InputError)."""
    header = set(read_table(path, sheet).header)
    scores = sorted(((len(header & set(q.question_columns)), qid) for qid, q in questionnaires.items()), reverse=True)
    if not scores or scores[0][0] == 0 or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        raise InputError(f"cannot tell the questionnaire from the columns; name it with --questionnaire "
                         f"({', '.join(questionnaires)})", path, "row 1 (header)")
    return questionnaires[scores[0][1]]


def strata_counts(responses: Responses) -> pd.DataFrame:
    """Respondents per unit × wave × stratum (every combination of the strata, zeros included): columns unit, wave,
    the strata ids, respondents."""
    strata = [s.id for s in responses.questionnaire.strata]
    data = responses.data
    cells = pd.MultiIndex.from_product([s.values for s in responses.questionnaire.strata], names=strata).to_frame(index=False)
    keys = data[["unit", "wave"]].drop_duplicates()
    grid = keys.merge(cells, how="cross")
    counts = data.groupby(["unit", "wave", *strata]).size().rename("respondents").reset_index()
    out = grid.merge(counts, how="left", on=["unit", "wave", *strata])
    out["respondents"] = out["respondents"].fillna(0).astype(int)
    return out.sort_values(["unit", "wave"], kind="stable").reset_index(drop=True)


def response_rates(responses: Responses) -> pd.DataFrame:
    """The share of respondents (0–1) with a substantive answer to each closed or number column, per unit and wave;
    an empty cell and a missing code ("trudno powiedzieć") both count as no answer."""
    columns = [c for c, qq in responses.questionnaire.question_columns.items() if qq.type != "text"]
    return responses.data.groupby(["unit", "wave"])[columns].agg(lambda s: s.notna().mean())
