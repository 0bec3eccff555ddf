"""The good-practice base: one file per practice (Markdown with YAML front matter, YAML, or the Excel submission
template), validated field by field and against the catalogue, the units register and the competitions.

A practice names its authority (TERYT), the service area and the catalogue indicators it moved, the problem, what
was done, its costs, results with numbers and years, a contact *role* (the base holds no personal data beyond what
the authority publishes), source documents, the date and a status (submitted / reviewed / awarded; an award needs
the competition record that gave it). Every problem of every file is reported at once, naming the file and the
field — or the sheet and cell of a workbook.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import frontmatter
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import Field, ValidationError, field_validator, model_validator

from jstbench.catalogue.model import SECTORS, Catalogue
from jstbench.core.atomic import write_text
from jstbench.core.errors import InputError, InputErrors, collect
from jstbench.core.units import UNIT_KINDS, UnitCode, expand_kinds
from jstbench.core.xlsx import save_workbook
from jstbench.core.yamlio import Strict, parse_yaml, read_yaml, validation_errors
from jstbench.data.forms import unit_kind

TEMPLATE_VERSION = 1
SUFFIXES = (".md", ".yml", ".yaml", ".xlsx")
PRACTICE_ID = r"^[a-z0-9][a-z0-9-]{2,80}$"
STATUSES = {"submitted": "zgłoszona", "reviewed": "zweryfikowana", "awarded": "nagrodzona"}
PERSONAL_KEYS = ("name", "person", "first_name", "last_name", "imie", "nazwisko", "osoba")
Year = Annotated[int, Field(ge=1990, le=2100)]


class Measure(Strict):
    """One value of a result in one year."""

    year: Year
    value: float = Field(allow_inf_nan=False)


class Result(Strict):
    """A result with numbers and years: the value before and after, optionally on a catalogue indicator."""

    description: str = Field(min_length=3)
    indicator: str | None = None
    unit: str | None = None
    before: Measure
    after: Measure

    @model_validator(mode="before")
    @classmethod
    def _years(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for side in ("before", "after"):
                got = data.get(side)
                if not isinstance(got, dict) or got.get("year") in (None, ""):
                    raise ValueError(f"a result needs the year of each value: `{side}: {{year: …, value: …}}` "
                                     "(results without years cannot be compared with the data)")
        return data

    @model_validator(mode="after")
    def _order(self) -> Result:
        if self.after.year <= self.before.year:
            raise ValueError(f"after.year {self.after.year} must be later than before.year {self.before.year}")
        return self


class Cost(Strict):
    description: str = Field(min_length=3)
    amount_pln: float = Field(ge=0, allow_inf_nan=False)
    year: Year | None = None


class Contact(Strict):
    """Who to ask: a role or office of the authority, never a private person."""

    role: str = Field(min_length=3)
    department: str | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}$")
    phone: str | None = Field(default=None, pattern=r"^[0-9 +()-]{6,20}$")

    @model_validator(mode="before")
    @classmethod
    def _no_person(cls, data: Any) -> Any:
        if isinstance(data, dict):
            personal = [k for k in data if str(k).lower() in PERSONAL_KEYS]
            if personal:
                raise ValueError(f"contact gives a person ({', '.join(map(str, personal))}): give the role or office "
                                 "(e.g. 'Wydział Gospodarki Komunalnej') and its published address instead; the base "
                                 "holds no personal data")
        return data


class SourceDoc(Strict):
    """A source document: a web address (http/https) or a file beside the practice."""

    title: str = Field(min_length=3)
    url: str | None = Field(default=None, pattern=r"^https?://[^\s<>\"']+$")
    file: str | None = None

    @model_validator(mode="after")
    def _one(self) -> SourceDoc:
        if (self.url is None) == (self.file is None):
            raise ValueError("a source gives either `url` (http/https) or `file`")
        return self


class Period(Strict):
    start: Year
    end: Year | None = None

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Award(Strict):
    """The competition record an award rests on: the competition id and its entry."""

    competition: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    entry: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Practice(Strict):
    id: str = Field(pattern=PRACTICE_ID)
    title: str = Field(min_length=5, max_length=200)
    unit: UnitCode
    service: str
    indicators: list[str] = Field(min_length=1)
    period: Period
    problem: str = Field(min_length=10)
    actions: str = Field(min_length=10)
    costs: list[Cost] = Field(default_factory=list)
    results: list[Result] = Field(min_length=1)
    contact: Contact
    sources: list[SourceDoc] = Field(default_factory=list)
    date: dt.date
    status: Literal["submitted", "reviewed", "awarded"]
    award: Award | None = None
    synthetic: bool = False
    tags: list[str] = Field(default_factory=list)
    description: str = ""

    @field_validator("service")
    @classmethod
    def _service(cls, v: str) -> str:
        if v not in SECTORS or v == "context":
            raise ValueError(f"unknown service area {v!r}; known: {', '.join(s for s in SECTORS if s != 'context')}")
        return v

    @model_validator(mode="after")
    def _award(self) -> Practice:
        if self.status == "awarded" and self.award is None:
            raise ValueError("status 'awarded' needs the competition record: `award: {competition: <id>, entry: <id>}`")
        if self.award is not None and self.status != "awarded":
            raise ValueError(f"an award is given but the status is {self.status!r}: set status 'awarded' or remove it")
        for n, r in enumerate(self.results):
            if r.indicator is not None and r.indicator not in self.indicators:
                raise ValueError(f"results[{n}].indicator {r.indicator!r} is not among the practice's indicators")
        return self

    @property
    def cost_total(self) -> float:
        return float(sum(c.amount_pln for c in self.costs))


@dataclass
class Loaded:
    """A validated practice with the file it came from."""

    practice: Practice
    path: Path
    attachments: list[Path] = field(default_factory=list)


# --- the Excel submission template ------------------------------------------------------------------------------
INFO = "INFO"
MAIN = "Praktyka"
ROWS: list[tuple[str, str, str]] = [  # key, label, hint
    ("id", "Identyfikator", "małe litery, cyfry i myślniki, np. poznan-odpady-2023"),
    ("title", "Tytuł praktyki", ""),
    ("unit", "Kod TERYT JST", "7 cyfr (gmina) lub 4 (powiat); jako tekst"),
    ("service", "Obszar usług", "z listy"),
    ("indicators", "Wskaźniki katalogu, na które wpłynęła", "identyfikatory rozdzielone przecinkami"),
    ("period.start", "Rok rozpoczęcia", ""),
    ("period.end", "Rok zakończenia", "puste, jeśli trwa"),
    ("problem", "Problem", "co było do rozwiązania"),
    ("actions", "Co zrobiono", ""),
    ("contact.role", "Kontakt: stanowisko lub komórka", "bez nazwisk"),
    ("contact.department", "Kontakt: wydział", ""),
    ("contact.email", "Kontakt: adres służbowy (publikowany przez urząd)", ""),
    ("contact.phone", "Kontakt: telefon służbowy", ""),
    ("date", "Data zgłoszenia", "RRRR-MM-DD"),
    ("status", "Status", "submitted / reviewed / awarded"),
    ("award.competition", "Konkurs (gdy nagrodzona)", "identyfikator konkursu"),
    ("award.entry", "Zgłoszenie w konkursie", "identyfikator zgłoszenia"),
    ("tags", "Słowa kluczowe", "rozdzielone przecinkami"),
    ("description", "Opis (dłuższy)", ""),
]
TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {  # list field -> sheet, columns (key, label)
    "results": ("Wyniki", [("description", "Opis wyniku"), ("indicator", "Wskaźnik (opcjonalnie)"), ("unit", "Jednostka"),
                           ("before.year", "Rok przed"), ("before.value", "Wartość przed"),
                           ("after.year", "Rok po"), ("after.value", "Wartość po")]),
    "costs": ("Koszty", [("description", "Na co"), ("amount_pln", "Kwota (zł)"), ("year", "Rok")]),
    "sources": ("Zrodla", [("title", "Tytuł dokumentu"), ("url", "Adres (http/https)")]),
}
LIST_FIELDS = ("indicators", "tags")


def write_template_xlsx(path: Path, catalogue: Catalogue) -> None:
    """The Excel submission template: INFO, a field sheet (key, label, value, hint) and a sheet per list."""
    wb = Workbook()
    info = wb.active
    info.title = INFO
    for row in (("szablon", "jstbench-praktyka"), ("wersja", TEMPLATE_VERSION),
                ("instrukcja", "Wypełnij kolumnę C arkusza Praktyka i wiersze arkuszy Wyniki, Koszty, Zrodla. "
                               "Nie zmieniaj kolumny A ani nazw arkuszy. Nie podawaj nazwisk: kontakt to stanowisko.")):
        info.append(row)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    ws = wb.create_sheet(MAIN)
    ws.append(["pole", "opis", "wartość", "wskazówka"])
    for key, label, hint in ROWS:
        ws.append([key, label, None, hint])
    for c in ws[1]:
        c.font = bold
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 20, 40
    ws.column_dimensions["C"].width, ws.column_dimensions["D"].width = 60, 40
    for r in range(2, len(ROWS) + 2):
        ws.cell(r, 3).alignment = wrap
        ws.cell(r, 3).number_format = "@"  # codes stay text: 0201011 keeps its zero
    keys = [k for k, _, _ in ROWS]
    lists = {"service": ",".join(s for s in SECTORS if s != "context"), "status": ",".join(STATUSES)}
    for key, options in lists.items():
        dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=False, showErrorMessage=True)
        ws.add_data_validation(dv)
        dv.add(f"C{keys.index(key) + 2}")
    grey = PatternFill("solid", fgColor="EEEEEE")
    for sheet, columns in TABLES.values():
        t = wb.create_sheet(sheet)
        t.append([k for k, _ in columns])
        t.append([label for _, label in columns])
        for r in (1, 2):
            for c in t[r]:
                c.fill, c.font = grey, bold if r == 2 else Font(color="777777")
        for j in range(1, len(columns) + 1):
            t.column_dimensions[chr(64 + j)].width = 26
    ref = wb.create_sheet("Wskazniki")
    ref.append(["identyfikator", "wskaźnik", "obszar"])
    for ind in catalogue.indicators.values():
        ref.append([ind.id, ind.name.pl, SECTORS[ind.sector]["pl"]])
    save_workbook(wb, Path(path))


def write_template_md(path: Path) -> None:
    """The Markdown submission template (YAML front matter + free description)."""
    text = """---
# Szablon zgłoszenia dobrej praktyki (jstbench, wersja szablonu 1). Sprawdź: jstbench practices check <plik>
id: nazwa-jst-obszar-rok            # małe litery, cyfry, myślniki
title: "Tytuł praktyki"
unit: "0000000"                     # kod TERYT w cudzysłowie (7 cyfr gmina, 4 cyfry powiat)
service: municipal_waste            # obszar usług (lista: jstbench indicators)
indicators: [waste_recycling_rate]  # wskaźniki katalogu, na które praktyka wpłynęła
period: {start: 2020, end: 2022}
problem: "Co było do rozwiązania."
actions: "Co zrobiono, kto, w jakiej kolejności."
costs:
  - {description: "Na co", amount_pln: 0, year: 2021}
results:                            # każdy wynik z latami i liczbami
  - description: "Co się zmieniło"
    indicator: waste_recycling_rate
    unit: "%"
    before: {year: 2019, value: 0}
    after: {year: 2022, value: 0}
contact: {role: "Wydział …", email: "sekretariat@urzad.example.pl"}   # stanowisko, nie nazwisko
sources:
  - {title: "Uchwała nr …", url: "https://bip.example.pl/…"}
date: 2025-01-31
status: submitted                   # submitted / reviewed / awarded (awarded wymaga `award`)
tags: []
---

Dłuższy opis praktyki (Markdown): tło, przebieg wdrożenia, trudności, rady dla naśladowców.
"""
    write_text(Path(path), text)


def _cell_value(v: object) -> object:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def _set(raw: dict, dotted: str, value: object) -> None:
    head, _, rest = dotted.partition(".")
    if rest:
        raw.setdefault(head, {})
        _set(raw[head], rest, value)
    else:
        raw[head] = value


def _read_xlsx(path: Path) -> tuple[dict, dict[str, str]]:
    """The practice of a filled template, and where each field came from (`Praktyka!C4`)."""
    try:
        wb = load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # zipfile/openpyxl raise several types for what is not an xlsx workbook
        raise InputError(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})", path) from None
    if INFO not in wb.sheetnames or MAIN not in wb.sheetnames:
        raise InputError(f"not a practice submission template (sheets {INFO} and {MAIN} expected; found "
                         f"{', '.join(wb.sheetnames)}): start from `jstbench practices template`", path)
    info = {str(r[0].value): r[1].value for r in wb[INFO].iter_rows(max_col=2) if r[0].value is not None}
    if info.get("szablon") != "jstbench-praktyka" or info.get("wersja") != TEMPLATE_VERSION:
        raise InputError(f"template version {info.get('wersja')!r} of {info.get('szablon')!r}; this jstbench reads "
                         f"version {TEMPLATE_VERSION}: copy the content into a new `jstbench practices template`",
                         path, f"{INFO}!B2")
    raw: dict = {}
    where: dict[str, str] = {}
    for row in wb[MAIN].iter_rows(min_row=2, max_col=3):
        key, value = row[0].value, _cell_value(row[2].value)
        if key is None:
            continue
        key = str(key)
        where[key] = f"{MAIN}!C{row[2].row} ({row[1].value})"
        where.setdefault(key.partition(".")[0], where[key])  # `period` missing: the cell of its first field
        if value is None:
            continue
        if key in LIST_FIELDS:
            value = [s.strip() for s in str(value).split(",") if s.strip()]
        elif key == "unit" and isinstance(value, (int, float)):
            raise InputError("the TERYT code is a number: type it as text (its leading zero is lost otherwise)",
                             path, f"{MAIN}!C{row[2].row}")
        _set(raw, key, value)
    for list_field, (sheet, columns) in TABLES.items():
        if sheet not in wb.sheetnames:
            continue
        where[list_field] = f"{sheet}!A3"
        items: list[dict] = []
        for row in wb[sheet].iter_rows(min_row=3, max_col=len(columns)):
            values = [_cell_value(c.value) for c in row]
            if all(v is None for v in values):
                continue
            item: dict = {}
            for (key, _), cell, value in zip(columns, row, values, strict=True):
                if value is not None:
                    _set(item, key, value)
                where[f"{list_field}[{len(items)}].{key}"] = f"{sheet}!{cell.coordinate} ({key})"
            where[f"{list_field}[{len(items)}]"] = f"{sheet}!A{row[0].row}"
            items.append(item)
        if items:
            raw[list_field] = items
    return raw, where


def read_raw(path: Path) -> tuple[dict, dict[str, str]]:
    """The fields of one practice file (not yet validated) and, for a workbook, the cell of each field."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"not a practice file: {', '.join(SUFFIXES)} expected", path)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".md":
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError("file not found", path) from None
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from None
        handler = frontmatter.default_handlers.YAMLHandler()
        front, content = handler.split(text) if handler.detect(text) else ("", text)
        metadata = parse_yaml(front, path) if front.strip() else None  # the limits of every YAML input; lines as in the file
        if not isinstance(metadata, dict) or not metadata:
            raise InputError("no YAML front matter: the file must start with `---`, the fields, and `---`", path, "line 1")
        raw = dict(metadata)
        if content.strip():
            raw.setdefault("description", content.strip())
        return raw, {}
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError("a practice file holds one mapping of fields", path)
    return data, {}


def parse(path: Path) -> Practice:
    """One practice file validated on its own (fields, types, years); errors name the file and field or cell."""
    raw, where = read_raw(path)
    try:
        return Practice.model_validate(raw)
    except ValidationError as exc:
        errors = validation_errors(exc, Path(path))
        for e in errors:
            e.where = where.get(e.where or "", e.where)
        raise InputErrors(errors) from None


def _kind(code: str, units: pd.DataFrame | None) -> str:
    """The unit's kind: from the register, else from its TERYT code (`forms.unit_kind`)."""
    if units is not None and code in units.index:
        return str(units.loc[code, "kind"])
    return unit_kind(code)


def check_practice(p: Practice, path: Path, catalogue: Catalogue, units: pd.DataFrame | None,
                   awards: Mapping[str, Mapping[str, str]] | None, base: Path | None = None) -> list[InputError]:
    """Problems of a parsed practice against the catalogue, the units register (`units`, indexed by code), the
    competitions (`awards`: competition id -> entry id -> unit code) and its attachments."""
    errors = []
    if units is not None and p.unit not in units.index:
        errors.append(InputError(f"unknown unit {p.unit!r}: not in the units register", path, "unit"))
    kind = _kind(p.unit, units)
    for n, ind in enumerate(p.indicators):
        if ind not in catalogue.indicators:
            errors.append(InputError(f"unknown indicator {ind!r} (not in the catalogue; see `jstbench indicators`)",
                                     path, f"indicators[{n}]"))
        elif kind not in expand_kinds(catalogue.indicators[ind].applies_to):
            errors.append(InputError(f"indicator {ind!r} does not apply to a {UNIT_KINDS.get(kind, kind)}", path,
                                     f"indicators[{n}]"))
        elif catalogue.indicators[ind].direction == "none":
            errors.append(InputError(f"indicator {ind!r} is a context indicator (no better direction): a practice "
                                     "cannot move it for the better", path, f"indicators[{n}]"))
    if p.award is not None:
        if awards is None or p.award.competition not in awards:
            known = ", ".join(sorted(awards or {})) or "none"
            errors.append(InputError(f"award names competition {p.award.competition!r}, of which there is no record "
                                     f"(known competitions: {known})", path, "award.competition"))
        else:
            entries = awards[p.award.competition]
            if p.award.entry not in entries:
                errors.append(InputError(f"competition {p.award.competition!r} has no entry {p.award.entry!r}", path,
                                         "award.entry"))
            elif entries[p.award.entry] != p.unit:
                errors.append(InputError(f"entry {p.award.entry!r} of competition {p.award.competition!r} is of unit "
                                         f"{entries[p.award.entry]}, not {p.unit}", path, "award.entry"))
    for n, s in enumerate(p.sources):
        if s.file is None:
            continue
        folder = (base or path.parent).resolve()
        target = (path.parent / s.file).resolve()
        if not target.is_relative_to(folder):
            errors.append(InputError(f"source file {s.file!r} is outside the practice base", path, f"sources[{n}].file"))
        elif not target.is_file():
            errors.append(InputError(f"source file {s.file!r} not found beside the practice", path, f"sources[{n}].file"))
    return errors


def practice_files(paths: list[Path]) -> list[Path]:
    """Practice files of the given files and folders (a folder: its *.md, *.yml, *.yaml, *.xlsx, not `_*`)."""
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES and not f.name.startswith(("_", "."))
                            and f.is_file())
        else:
            found.append(p)
    return found


def load_practices(paths: list[Path], catalogue: Catalogue, units: pd.DataFrame | None = None,
                   awards: Mapping[str, Mapping[str, str]] | None = None, base: Path | None = None) -> list[Loaded]:
    """Every practice of `paths` (files or folders), validated; every problem of every file raised at once."""
    errors: list[InputError] = []
    loaded: list[Loaded] = []
    files = practice_files(paths)
    if not files:
        raise InputError("no practice files (*.md, *.yml, *.xlsx)", ", ".join(map(str, paths)))
    seen: dict[str, Path] = {}
    for path in files:
        p = collect(errors, parse, path)
        if p is None:
            continue
        problems = check_practice(p, path, catalogue, units, awards, base)
        if p.id in seen:
            problems.append(InputError(f"practice id {p.id!r} is also used by {seen[p.id]}", path, "id"))
        seen.setdefault(p.id, path)
        errors += problems
        if not problems:
            attachments = [(path.parent / s.file).resolve() for s in p.sources if s.file]
            loaded.append(Loaded(p, path, attachments))
    if errors:
        raise InputErrors(errors)
    return sorted(loaded, key=lambda x: x.practice.id)


def slug_ok(text: str) -> bool:
    """Whether `text` is a valid practice id (used for file names of the pages)."""
    return re.fullmatch(PRACTICE_ID, text) is not None


def competition_entries(folder: Path) -> dict[str, dict[str, str]]:
    """The competition records an award can rest on: competition id -> entry id -> unit code, from every
    `<folder>/*/konkurs.yml`."""
    from jstbench.data.competition import load_competition

    records = {}
    for path in sorted(Path(folder).glob("*/konkurs.yml")):
        c = load_competition(path)
        records[c.id] = {e.id: e.unit for e in c.entries}
    return records
