"""Data-collection forms as Excel workbooks: `make` writes one workbook per group (a sheet per form, a row per
member authority, a column per field, with units, instructions and cell validation); `read` validates a filled
workbook (pandera: types, ranges, required fields, totals that must add up) and reports every problem with its
sheet and cell, e.g. `Odpady!D7: below the minimum 0`. A value is a finite number below `CEILING` (text, a logical
value, a date, an error value or a formula never calculated are named as such), a row's unit is a member of the
group and appears once per sheet; a workbook too large to be a form is refused before it is read."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pandera.errors import SchemaErrors

from jstbench.catalogue.model import Catalogue, Form
from jstbench.core.atomic import write_with
from jstbench.core.errors import InputError, InputErrors, excerpt
from jstbench.core.xlsx import UNCALCULATED, formula_cells, open_workbook

FIRST_DATA_ROW = 5  # 1: variable names (machine), 2: labels, 3: units, 4: instructions
INFO = "INFO"
MAX_ROWS = 5_000  # a sheet: a row per member, and Poland has about 2,900 local governments
MAX_UNPACKED = 50 << 20  # bytes the workbook's parts may unpack to: a form of 5,000 rows is a few MB
YEARS = (1990, 2100)  # local governments (and their budgets) exist since 1990
CEILING = 1e12  # no count or amount of one local government reaches it (Warsaw's budget is about 3e10 zł)
NUMBER = re.compile(r"[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?")  # typed as text: 12,5 / 1e3 / -4
NOT_FINITE = re.compile(r"[+-]?(inf(inity)?|nan)", re.I)
TERYT = re.compile(r"[0-9]{4}|[0-9]{6}[123]")  # a powiat (WWPP) or a gmina (WWPPGGR), ASCII digits only
# Totals that must add up: the part can never exceed the whole.
PART_OF = {
    "decisions_late": "decisions_issued", "decisions_appealed": "decisions_issued",
    "decisions_overturned": "decisions_appealed", "geodesy_requests_late": "geodesy_requests",
    "shelter_animals_adopted": "shelter_animals_taken", "pb_projects_selected": "pb_projects_submitted",
    "led_lights": "street_lights", "water_sold_dam3": "water_supplied_dam3", "road_hard_km": "road_length_km",
    "rent_arrears": "rent_due", "pupils_transported": "pupils_primary",
}
for _area in ("social", "taxes", "construction", "environment", "property", "waste", "roads", "housing", "vehicles"):
    PART_OF |= {f"dec_{_area}_late": f"dec_{_area}_issued", f"dec_{_area}_appealed": f"dec_{_area}_issued",
                f"dec_{_area}_overturned": f"dec_{_area}_appealed"}


def unit_kind(code: str) -> str:
    """The kind of a unit from its TERYT code (4 digits: powiat; POW 61+: city with powiat rights)."""
    if len(code) == 4:
        return "powiat"
    if int(code[2:4]) >= 61:
        return "city_powiat"
    return {"1": "gmina_urban", "2": "gmina_rural", "3": "gmina_urban_rural"}[code[6]]


def relevant(catalogue: Catalogue, variable: str, kind: str) -> bool:
    """A variable is asked of a unit only if an indicator that applies to its kind uses it."""
    return any(variable in i.variables and kind in i.applies_to for i in catalogue.indicators.values())


def forms_for_sector(catalogue: Catalogue, sector: str) -> list[str]:
    """The forms a group on one service fills: those feeding the sector's indicators, plus staff and decisions."""
    used = {v for i in catalogue.indicators.values() if i.sector == sector for v in i.variables}
    ids = [f.id for f in catalogue.forms.values() if any(fld.variable in used for fld in f.fields)]
    return list(dict.fromkeys([*ids, "decyzje", "kadry"]))


def make_workbook(path: Path, catalogue: Catalogue, members: list[tuple[str, str]], group: str, year: int,
                  form_ids: list[str] | None = None) -> None:
    """One workbook for a group: INFO sheet, then a sheet per form (all forms, or `form_ids`)."""
    form_ids = form_ids or list(catalogue.forms)
    wb = Workbook()
    info = wb.active
    info.title = INFO
    for row in (("grupa", group), ("rok", year), ("formularze", ",".join(form_ids)),
                ("jednostki", ",".join(code for code, _ in members)),
                ("wygenerowano", dt.date.today().isoformat()),
                ("instrukcja", "Wypełnij białe komórki; nie zmieniaj nazw arkuszy ani wierszy 1–4. "
                               "Pola oznaczone „nie dotyczy” zostaw puste.")):
        info.append(row)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    fill = PatternFill("solid", fgColor="EEEEEE")
    for form in (catalogue.forms[f] for f in form_ids):
        ws = wb.create_sheet(form.sheet)
        fields = form.fields
        ws.append(["code", "name", *[f.variable for f in fields]])
        ws.append(["TERYT", "JST", *[catalogue.variables[f.variable].label.pl for f in fields]])
        ws.append(["", "jednostka:", *[catalogue.variables[f.variable].unit for f in fields]])
        ws.append(["", "instrukcja:", *[f.instruction for f in fields]])
        grey = PatternFill("solid", fgColor="DDDDDD")
        for code, name in members:
            ws.append([code, name])
            kind = unit_kind(code)
            for j, f in enumerate(fields, start=3):
                if not relevant(catalogue, f.variable, kind):
                    cell = ws.cell(ws.max_row, j)
                    cell.value, cell.fill = "nie dotyczy", grey
        for r in range(1, FIRST_DATA_ROW):
            for c in range(1, len(fields) + 3):
                cell = ws.cell(r, c)
                cell.alignment, cell.fill = wrap, fill
                cell.font = bold if r == 2 else Font(color="777777" if r == 1 else "000000")
        ws.row_dimensions[4].height = 90
        ws.column_dimensions["B"].width = 28
        for j, f in enumerate(fields, start=3):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = 22
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=str(f.min if f.min is not None else 0),
                                allow_blank=not f.required, showErrorMessage=True,
                                error=f"Liczba ≥ {f.min if f.min is not None else 0}", errorTitle=form.name)
            ws.add_data_validation(dv)
            dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + len(members) - 1}")
        ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 3)
    write_with(Path(path), lambda p: wb.save(p))


def _schema(form: Form) -> pa.DataFrameSchema:
    columns = {}
    for f in form.fields:
        checks = []
        if f.min is not None:
            checks.append(pa.Check.ge(f.min, error=f"below the minimum {f.min:g}"))
        if f.max is not None:
            checks.append(pa.Check.le(f.max, error=f"above the maximum {f.max:g}"))
        columns[f.variable] = pa.Column(float, checks=checks, nullable=True, coerce=False)
    return pa.DataFrameSchema(columns, strict=False)


def read_workbook(path: Path, catalogue: Catalogue, members: Collection[str] | None = None) -> tuple[pd.DataFrame, int, str]:
    """Validated observations (unit, year, variable, value) of a filled workbook, the year and the group. A row's
    unit must be a member of the group: of `members` when given (the group as params/groups.yml defines it), else of
    the members the workbook was made for (INFO `jednostki`)."""
    path = Path(path)
    wb = open_workbook(path, max_rows=MAX_ROWS, max_unpacked=MAX_UNPACKED)
    errors: list[InputError] = []
    if INFO not in wb.sheetnames:
        raise InputError(f"no sheet {INFO!r}: this is not a workbook made by `jstbench forms make`", path)
    info = _info(wb[INFO])
    year, group = _info_year(info, path), _info_text(info, "grupa", path)
    allowed = set(members) if members is not None else _info_members(info, path)
    listed = [f for f in str(info.get("formularze", (0, None))[1] or ",".join(catalogue.forms)).split(",") if f]
    unknown_forms = [f for f in listed if f not in catalogue.forms]
    if unknown_forms:
        raise InputError(f"INFO lists unknown forms {excerpt(unknown_forms)}", path, INFO)
    expected = {catalogue.forms[f].sheet: catalogue.forms[f] for f in listed}
    missing = [s for s in expected if s not in wb.sheetnames]
    extra = [s for s in wb.sheetnames if s not in expected and s != INFO]
    if missing:
        hint = f"; unknown sheets {excerpt(extra)} (renamed?)" if extra else ""
        errors.append(InputError(f"missing sheets {missing}{hint}", path))
    formulas = _Formulas(path)
    frames = []
    for sheet, form in expected.items():
        if sheet in wb.sheetnames:
            df = _read_sheet(wb[sheet], form, catalogue, allowed, group, formulas, path, errors)
            if df is not None:
                frames.append(df.melt(id_vars="code", var_name="variable", value_name="value"))
    if errors:
        raise InputErrors(_compact(errors))
    obs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["code", "variable", "value"])
    obs = obs.rename(columns={"code": "unit"}).assign(year=year)
    return obs[["unit", "year", "variable", "value"]], year, group


def _info(ws: Any) -> dict[str, tuple[int, object]]:
    """The INFO sheet as name -> (row, value)."""
    out: dict[str, tuple[int, object]] = {}
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if row and row[0] is not None:
            out.setdefault(str(row[0]).strip(), (r, row[1] if len(row) > 1 else None))
    return out


def _info_year(info: dict[str, tuple[int, object]], path: Path) -> int:
    """INFO `rok`: a whole year (a number or digits), 1990–2100."""
    r, value = info.get("rok", (0, None))
    where = f"{INFO}!B{r}" if r else INFO
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{4}\s*", value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not YEARS[0] <= value <= YEARS[1]:
        shown = "missing" if value is None else repr(excerpt(value))
        raise InputError(f"'rok' must be a year ({YEARS[0]}–{YEARS[1]}), not {shown}", path, where)
    return value


def _info_text(info: dict[str, tuple[int, object]], name: str, path: Path) -> str:
    r, value = info.get(name, (0, None))
    if value is None or not str(value).strip():
        raise InputError(f"sheet INFO must give {name!r}", path, f"{INFO}!B{r}" if r else INFO)
    return str(value).strip()


def _info_members(info: dict[str, tuple[int, object]], path: Path) -> set[str] | None:
    """The units the workbook was made for (INFO `jednostki`), or None for a workbook made without that row."""
    if "jednostki" not in info:
        return None
    r, value = info["jednostki"]
    codes = [c.strip() for c in str(value or "").split(",") if c.strip()]
    bad = [c for c in codes if not TERYT.fullmatch(c)]
    if bad or not codes:
        shown = excerpt(bad[0]) if bad else "nothing"
        raise InputError(f"'jednostki' must list the group's TERYT codes, separated by commas (found {shown!r}; "
                         "do not edit the INFO sheet)", path, f"{INFO}!B{r}")
    return set(codes)


class _Formulas:
    """The workbook's formula cells, read only when a cell reads as None (most workbooks never need them)."""

    def __init__(self, path: Path):
        self.path = path
        self._cells: dict[str, set[str]] | None = None

    def uncalculated(self, sheet: str, coord: str, value: object) -> bool:
        if value is not None:
            return False
        if self._cells is None:
            self._cells = formula_cells(self.path)
        return coord in self._cells.get(sheet, set())


def _read_sheet(ws: Any, form: Form, catalogue: Catalogue, allowed: set[str] | None, group: str, formulas: _Formulas,
                path: Path, errors: list[InputError]) -> pd.DataFrame | None:
    """One form's rows as a frame (code and a column per field), its problems added to `errors`."""
    sheet = ws.title
    for rng in ws.merged_cells.ranges:
        errors.append(InputError("merged cells are not allowed (unmerge them)", path, f"{sheet}!{rng.coord}"))
    header = [c.value for c in ws[1]]
    want = ["code", "name", *[f.variable for f in form.fields]]
    if [h for h in header if h is not None] != want:
        errors.append(InputError(f"row 1 must hold {want} (do not edit rows 1-4)", path, f"{sheet}!A1"))
        return None
    records: list[dict[str, str | float | None]] = []
    cells: dict[tuple[int, str], str] = {}
    seen: dict[str, int] = {}
    for r, row in enumerate(ws.iter_rows(min_row=FIRST_DATA_ROW, max_col=len(want), values_only=True), start=FIRST_DATA_ROW):
        if not row or all(v in (None, "") for v in row):
            for j in range(1, len(want) + 1):
                if formulas.uncalculated(sheet, coord := f"{get_column_letter(j)}{r}", None):
                    errors.append(InputError(UNCALCULATED, path, f"{sheet}!{coord}"))
            continue
        code = _unit_code(row[0], r, sheet, allowed, group, seen, formulas, path, errors)
        if code is None:
            continue
        rec: dict[str, str | float | None] = {"code": code}
        kind = unit_kind(code) if code[:2] != "00" else None
        for j, f in enumerate(form.fields, start=3):
            v = row[j - 1] if j - 1 < len(row) else None
            coord = f"{get_column_letter(j)}{r}"
            ref = f"{sheet}!{coord}"
            cells[(len(records), f.variable)] = ref
            not_applicable = isinstance(v, str) and v.strip().lower() == "nie dotyczy"
            value, problem = cell_number(None if not_applicable else v, CEILING if f.max is None else math.inf)
            if formulas.uncalculated(sheet, coord, v):
                problem = UNCALCULATED
            elif (value is None and problem is None and not not_applicable and f.required and kind
                  and relevant(catalogue, f.variable, kind)):
                problem = "a required value is empty"
            if problem:
                errors.append(InputError(problem, path, ref))
            rec[f.variable] = value
        records.append(rec)
    if not records:
        return None
    df = pd.DataFrame(records).astype({f.variable: float for f in form.fields})
    try:
        _schema(form).validate(df, lazy=True)
    except SchemaErrors as exc:
        for _, fc in exc.failure_cases.iterrows():
            idx, col = fc["index"], fc["column"]
            if pd.isna(idx) or col not in df.columns:
                continue
            check = str(fc["check"])
            if "not_nullable" in check:
                continue  # required values are checked above, where the unit's kind is known
            errors.append(InputError(check, path, cells.get((int(idx), col), sheet)))
    for part, whole in PART_OF.items():
        if part in df.columns and whole in df.columns:
            bad = df[df[part] > df[whole]]
            for i in bad.index:
                errors.append(InputError(f"{part} ({bad.at[i, part]:g}) exceeds {whole} ({bad.at[i, whole]:g})",
                                         path, cells[(i, part)]))
    return df


def _unit_code(value: object, r: int, sheet: str, allowed: set[str] | None, group: str, seen: dict[str, int],
               formulas: _Formulas, path: Path, errors: list[InputError]) -> str | None:
    """The TERYT code of row `r` (column A), or None with the problem added to `errors`: not a code, not a member
    of the group, or a unit already given on this sheet."""
    ref = f"{sheet}!A{r}"
    code = str(value).strip() if value is not None else ""
    if formulas.uncalculated(sheet, f"A{r}", value):
        problem = UNCALCULATED
    elif not TERYT.fullmatch(code):
        problem = (f"TERYT code {excerpt(value)!r} is not 4 digits (powiat) or 7 digits ending in 1, 2 or 3 (gmina); "
                   "keep the code as text")
    elif allowed is not None and code not in allowed:
        problem = f"unit {code} is not a member of group {excerpt(group)} (this workbook is for its members only)"
    elif code in seen:
        problem = f"unit {code} appears twice on this sheet (also in row {seen[code]})"
    else:
        seen[code] = r
        return code
    errors.append(InputError(problem, path, ref))
    return None


def cell_number(v: object, ceiling: float = CEILING) -> tuple[float | None, str | None]:
    """A numeric cell's value (None: empty) or why it is not a number: text, a logical value, a date, an Excel error
    value, a value that is not finite, or one beyond `ceiling` in size."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None, None
    if isinstance(v, bool):
        return None, f"a logical value ({'TRUE' if v else 'FALSE'}) in a numeric cell: type a number"
    if isinstance(v, (dt.date, dt.time, dt.timedelta)):
        return None, f"a date or time ({excerpt(str(v))}) in a numeric cell: format the cell as a number and type the value"
    if isinstance(v, str):
        text = v.replace("\u00a0", "").replace(" ", "")
        if text in ERROR_CODES:
            return None, f"the error value {text} (a formula that failed) in a numeric cell"
        if not NUMBER.fullmatch(text):
            what = "a value that is not a finite number" if NOT_FINITE.fullmatch(text) else "text"
            return None, f"{what} {excerpt(v)!r} in a numeric cell"
        v = text.replace(",", ".")
    if not isinstance(v, (int, float, str)):
        return None, f"{excerpt(v)!r} in a numeric cell"
    try:
        x = float(v)
    except OverflowError:  # an integer beyond any float
        x = math.inf
    if not math.isfinite(x):
        return None, f"a value that is not a finite number ({excerpt(v)}) in a numeric cell"
    if abs(x) > ceiling:
        return None, (f"{x:g} is more than any count or amount of one local government (at most {ceiling:g}; "
                      "if it is right, give the field a `max` in forms.yml)")
    return x, None


def _compact(errors: list[InputError], show: int = 8) -> list[InputError]:
    """The same problem in many cells of one sheet becomes one message listing the cells."""
    groups: dict[tuple, list[str]] = {}
    for e in errors:
        sheet = (e.where or "").split("!")[0]
        groups.setdefault((e.file, sheet, e.problem), []).append(e.where or "")
    out = []
    for (file, sheet, problem), refs in groups.items():
        if len(refs) == 1:
            out.append(InputError(problem, file, refs[0]))
        else:
            cells = [r.split("!")[-1] for r in refs]
            more = f" and {len(cells) - show} more" if len(cells) > show else ""
            out.append(InputError(f"{problem} in {len(cells)} cells: {', '.join(cells[:show])}{more}", file, sheet))
    return out
