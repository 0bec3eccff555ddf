"""Data-collection forms as Excel workbooks: `make` writes one workbook per group (a sheet per form, a row per
member authority, a column per field, with units, instructions and cell validation); `read` validates a filled
workbook (pandera: types, ranges, required fields, totals that must add up) and reports every problem with its
sheet and cell, e.g. `Odpady!D7: below the minimum 0`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pandera.errors import SchemaErrors

from jstbench.catalogue.model import Catalogue, Form
from jstbench.core.atomic import write_with
from jstbench.core.errors import InputError, InputErrors

FIRST_DATA_ROW = 5  # 1: variable names (machine), 2: labels, 3: units, 4: instructions
INFO = "INFO"
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


def read_workbook(path: Path, catalogue: Catalogue) -> tuple[pd.DataFrame, int, str]:
    """Validated observations (unit, year, variable, value) of a filled workbook, the year and the group."""
    path = Path(path)
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise InputError(f"not a readable XLSX workbook: {exc}", path) from None
    errors: list[InputError] = []
    if INFO not in wb.sheetnames:
        raise InputError(f"no sheet {INFO!r}: this is not a workbook made by `jstbench forms make`", path)
    info = {str(r[0]).strip(): r[1] for r in wb[INFO].iter_rows(values_only=True) if r and r[0]}
    try:
        year, group = int(info["rok"]), str(info["grupa"])
    except (KeyError, TypeError, ValueError):
        raise InputError("sheet INFO must give 'rok' (a year) and 'grupa'", path, INFO) from None
    listed = [f for f in str(info.get("formularze") or ",".join(catalogue.forms)).split(",") if f]
    unknown_forms = [f for f in listed if f not in catalogue.forms]
    if unknown_forms:
        raise InputError(f"INFO lists unknown forms {unknown_forms}", path, INFO)
    expected = {catalogue.forms[f].sheet: catalogue.forms[f] for f in listed}
    missing = [s for s in expected if s not in wb.sheetnames]
    extra = [s for s in wb.sheetnames if s not in expected and s != INFO]
    if missing:
        hint = f"; unknown sheets {extra} (renamed?)" if extra else ""
        errors.append(InputError(f"missing sheets {missing}{hint}", path))
    frames = []
    for sheet, form in expected.items():
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        for rng in ws.merged_cells.ranges:
            errors.append(InputError("merged cells are not allowed (unmerge them)", path, f"{sheet}!{rng.coord}"))
        header = [c.value for c in ws[1]]
        want = ["code", "name", *[f.variable for f in form.fields]]
        if [h for h in header if h is not None] != want:
            errors.append(InputError(f"row 1 must hold {want} (do not edit rows 1-4)", path, f"{sheet}!A1"))
            continue
        records: list[dict[str, str | float | None]] = []
        cells: dict[tuple[int, str], str] = {}
        for r, row in enumerate(ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True), start=FIRST_DATA_ROW):
            if not row or all(v in (None, "") for v in row):
                continue
            code = str(row[0]).strip() if row[0] is not None else ""
            if not code or not code.isdigit() or len(code) not in (4, 7):
                errors.append(InputError(f"TERYT code {row[0]!r} is not 4 or 7 digits", path, f"{sheet}!A{r}"))
                continue
            rec: dict[str, str | float | None] = {"code": code}
            kind = unit_kind(code) if code[:2] != "00" else None
            for j, f in enumerate(form.fields, start=3):
                v = row[j - 1] if j - 1 < len(row) else None
                ref = f"{sheet}!{get_column_letter(j)}{r}"
                cells[(len(records), f.variable)] = ref
                if isinstance(v, str) and v.strip().lower() == "nie dotyczy":
                    v = None
                elif v in (None, "") and f.required and kind and relevant(catalogue, f.variable, kind):
                    errors.append(InputError("a required value is empty", path, ref))
                if isinstance(v, str):
                    try:
                        v = float(v.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
                    except ValueError:
                        errors.append(InputError(f"text {v!r} in a numeric cell", path, ref))
                        v = None
                rec[f.variable] = None if v in (None, "") else float(v)
            records.append(rec)
        if not records:
            continue
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
        frames.append(df.melt(id_vars="code", var_name="variable", value_name="value"))
    if errors:
        raise InputErrors(_compact(errors))
    obs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["code", "variable", "value"])
    obs = obs.rename(columns={"code": "unit"}).assign(year=year)
    return obs[["unit", "year", "variable", "value"]], year, group


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
