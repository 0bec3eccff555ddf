"""Readers of GUS BDL (Bank Danych Lokalnych) exports: the wide "CTAB" CSV, the long "CREL" CSV, the XLSX download
(sheet DANE, long layout) and BDL API responses, into one long table; and the mapping of BDL variables to catalogue
variables (a YAML file): which rows a rule takes (table, breakdown, level), placeholders for "no data" and rows
that give the same unit twice.

Facts handled: UTF-8 with or without BOM and Windows-1250; `;` separators with a trailing `;`; CRLF or LF;
decimal commas; names with the kind suffix, e.g. "Bolesławiec (1)"; CTAB header cells packing
"variable;breakdown...;year;[unit]"; CREL breakdown columns between Nazwa and Rok; attribute flags; empty
cells; 7-digit TERYT+kind codes (gminas WWPPGGR, powiats and cities WWPP000) and 12-digit BDL ids.
Every problem names the file, the row (1-based, header = row 1) and the column.

Where the table code comes from: BDL names its downloads `<TABLE>_<layout>_<timestamp>.csv` (LUDN_2137_CREL_...);
the CSV content holds no table code, nor does the XLSX (its OPIS sheet names the category, group and subgroup
only); an API response holds its `variableId`, which wins over the file name.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from jstbench.core.errors import InputError, InputErrors, excerpt
from jstbench.core.yamlio import parse_json
from jstbench.data.validate import number, year

FIXED_CREL = ["Kod", "Nazwa"]
TAIL_CREL = ["Rok", "Wartosc", "Jednostka miary", "Atrybut"]
CTAB_HEADER = re.compile(r"^(?P<parts>.+);(?P<year>[0-9]{4});\[(?P<unit>[^\]]*)\]$")
TABLE_FROM_NAME = re.compile(r"^(?P<table>[A-Z]{4}_\d+|API_\d+)(?:_|\.)")
TABLE_IN_TEXT = re.compile(r"\b(?P<table>[A-Z]{4}_\d{3,6})\b")
FROM_NAME = "the file name"
TOTAL = "ogółem"  # the breakdown value (or the end of a CTAB label) of a total
ZERO_PLACEHOLDER = "zero-placeholder"
MIN_UNITS_ALL_ZERO = 100
"""A variable-year is a placeholder when it is 0 for every unit of a file of at least this many units: a national or
voivodeship export (the smallest voivodeship has over 100 units with its powiats and gmina parts). A smaller file
of, say, 30 rural gminas can truly have 0 museum visitors everywhere."""


@dataclass
class BdlTable:
    """One export as a long table: table, code, name, year, dims, value, flag, unit_of_measure, and the value's cell
    (`row`, `col`: see `place`).
    `table` is the BDL table code the mapping rules are looked up by and `table_from` where it was taken from."""

    path: Path
    layout: str  # ctab | crel | xlsx | api-json
    data: pd.DataFrame
    table: str = ""
    table_from: str = FROM_NAME
    about: str = ""  # what the content says about itself (the XLSX OPIS sheet), for messages

    def place(self, row: int, col: str) -> str:
        """Where a cell is in the file: `row 5, column 4` (a CSV or sheet; `col` is the column's number or name) or
        `results[4].values[1]` (an API response; `col` is the path inside the result, e.g. `.values[1]`, `.id`)."""
        return f"results[{row - 1}]{col}" if self.layout == "api-json" else f"row {row}, column {col}"

    def code_place(self, row: int) -> str:
        """Where a row's unit code is: `row 5, column Kod` or `results[4].id`."""
        return self.place(row, ".id" if self.layout == "api-json" else "Kod")


def read_text(path: Path) -> str:
    """File text as UTF-8 (BOM removed) or Windows-1250; anything else is refused."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path) from None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:200]:
        raise InputError("UTF-16 or binary content: save the export as CSV in UTF-8 or Windows-1250", path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1250")
        except UnicodeDecodeError as exc:
            raise InputError(f"neither UTF-8 nor Windows-1250 text (byte {exc.start})", path) from None
    if not text.strip():
        raise InputError("the file is empty" + (" (only a byte order mark)" if raw.strip() else ""), path)
    return text


def first_line(text: str) -> tuple[int, str]:
    """The first line holding more than spaces (a file's header, blank lines above it skipped) and its number."""
    return next(((n, line) for n, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1) if line.strip()), (1, ""))


def table_code(path: Path) -> str | None:
    """The BDL table code a file name starts with (LUDN_2137_CREL_... -> LUDN_2137, API_72305_... -> API_72305)."""
    m = TABLE_FROM_NAME.match(Path(path).name)
    return m.group("table") if m else None


def _table_name(path: Path) -> str:
    return table_code(path) or Path(path).stem


Rows = list[tuple[int, list]]
"""Rows of a table that are not blank, each with its number in the file (1-based, blank rows counted)."""


def _rows(text: str, path: Path) -> Rows:
    n, first = first_line(text)
    if ";" not in first:
        sep = "," if "," in first else "\\t" if "\t" in first else None
        hint = f" (it uses {sep!r})" if sep else ""
        raise InputError(f"not a BDL export: fields must be separated by ';'{hint}", path, f"row {n}")
    out = []
    reader = csv.reader(io.StringIO(text), delimiter=";", quotechar='"')
    try:
        for n, r in enumerate(reader, start=1):
            r = r[:-1] if r and r[-1] == "" else r  # trailing separator
            if any(c.strip() for c in r):
                out.append((n, r))
    except csv.Error as exc:
        raise InputError(f"not a readable CSV row: {excerpt(str(exc))}", path, f"line {reader.line_num}") from None
    return out


_number = number  # the budget readers read their cells with it


def _check_widths(rows: Rows, path: Path) -> None:
    width = len(rows[0][1])
    for n, row in rows[1:]:
        if len(row) != width:
            raise InputError(f"{len(row)} fields, the header has {width} (truncated or damaged file?)", path, f"row {n}")


def _unique_header(header: list[str], path: Path, row: int) -> None:
    """Each column named once: a repeated name would make one column hide the other."""
    seen: dict[str, int] = {}
    for j, name in enumerate(header, start=1):
        if name in seen:
            raise InputError(f"column {excerpt(name)!r} appears twice in the header (columns {seen[name]} and {j})",
                             path, f"row {row}")
        seen[name] = j


def _objects(items: list) -> np.ndarray:
    return np.array(items, dtype=object)


def parse_ctab(text: str, path: Path) -> pd.DataFrame:
    """The wide table as long rows, one per unit and header cell; values read cell by cell (every bad cell is named)."""
    rows = _rows(text, path)
    top, header = rows[0]
    header = [h.strip() for h in header]
    if header[:2] != ["Kod", "Nazwa"] or len(header) < 3:
        raise InputError(f"CTAB header must start with Kod;Nazwa and have data columns, got {excerpt(header[:3])}",
                         path, f"row {top}")
    _unique_header(header, path, top)
    _check_widths(rows, path)
    columns = []
    for j, cell in enumerate(header[2:], start=3):
        m = CTAB_HEADER.match(cell)
        if not m:
            raise InputError(f"header cell {excerpt(cell)!r} is not 'variable;...;year;[unit]'", path, f"row {top}, column {j}")
        parts = m.group("parts").split(";")
        columns.append((f"label={parts[0]}|breakdown={';'.join(parts[1:])}", year(m.group("year"), path, f"row {top}, column {j}"),
                        m.group("unit")))
    body = rows[1:]
    n, width = len(body), len(columns)
    values = np.empty(n * width)
    k = 0
    for i, row in body:
        for j, cell in enumerate(row[2:], start=3):
            value = number(cell, path, f"row {i}, column {j}")
            values[k] = np.nan if value is None else value
            k += 1
    return pd.DataFrame({
        "table": _table_name(path), "code": np.repeat(_objects([r[0].strip() for _, r in body]), width),
        "name": np.repeat(_objects([r[1].strip() for _, r in body]), width), "year": np.tile([c[1] for c in columns], n),
        "dims": np.tile(_objects([c[0] for c in columns]), n), "value": values, "flag": None,
        "unit_of_measure": np.tile(_objects([c[2] for c in columns]), n),
        "row": np.repeat(np.array([i for i, _ in body], dtype=np.int64), width), "col": np.tile(_objects([str(j) for j in range(3, width + 3)]), n)})


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def parse_crel(rows: Rows, path: Path, table: str) -> pd.DataFrame:
    """The long table (a CSV's rows, or a sheet's): one value per row, its breakdowns in the columns between Nazwa
    and Rok."""
    top, first = rows[0]
    header = [_text(h) for h in first]
    if header[:2] != FIXED_CREL or header[-4:] != TAIL_CREL:
        raise InputError(f"CREL header must be Kod;Nazwa;<breakdowns...>;Rok;Wartosc;Jednostka miary;Atrybut, got "
                         f"{excerpt(header)}", path, f"row {top}")
    _unique_header(header, path, top)
    dims = header[2:-4]
    out = []
    for n, row in rows[1:]:
        if len(row) != len(header):
            raise InputError(f"{len(row)} fields, the header has {len(header)} (truncated or damaged file?)", path, f"row {n}")
        y = year(row[-4], path, f"row {n}, column Rok")
        value = number(row[-3], path, f"row {n}, column Wartosc")
        key = "|".join(f"{d}={_text(row[2 + i])}" for i, d in enumerate(dims))
        out.append((table, _text(row[0]), _text(row[1]), y, key, value, _text(row[-1]) or None, _text(row[-2]), n, "Wartosc"))
    return _frame(out)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["table", "code", "name", "year", "dims", "value", "flag", "unit_of_measure", "row",
                                       "col"])


def read_export(path: str | Path, layout: str | None = None) -> BdlTable:
    """Read one BDL export; the layout (ctab, crel, xlsx, api-json) is detected when not given."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path)
    if layout is None:
        layout = {".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "api-json"}.get(path.suffix.lower())
    if layout == "xlsx":
        data, table, table_from, about = _read_xlsx(path)
        return BdlTable(path, "xlsx", data, table, table_from, about)
    text = read_text(path)
    if layout == "api-json":
        data, table_from = parse_api_json(text, path)
        _no_duplicates(data, path)
        return BdlTable(path, "api-json", data, str(data["table"].iloc[0]) if len(data) else _table_name(path), table_from)
    if layout is None:
        header = first_line(text)[1]
        layout = "crel" if '"Wartosc"' in header or ";Wartosc;" in header else "ctab"
    if layout == "ctab":
        data = parse_ctab(text, path)
    elif layout == "crel":
        data = parse_crel(_rows(text, path), path, _table_name(path))
    else:
        raise InputError(f"unknown BDL layout {layout!r}: ctab, crel, xlsx or api-json", path)
    _no_duplicates(data, path)
    return BdlTable(path, layout, data, _table_name(path), FROM_NAME)


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, str, str, str]:
    """Sheet DANE in the CREL layout; the table code from the file name unless the OPIS sheet names one."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise InputError(f"not a readable XLSX workbook: {exc}", path) from None
    if "DANE" not in wb.sheetnames:
        raise InputError(f"no sheet 'DANE' (sheets: {', '.join(wb.sheetnames)}); BDL XLSX downloads keep the "
                         "long table in DANE", path)
    table, table_from, about = _table_name(path), FROM_NAME, ""
    if "OPIS" in wb.sheetnames:  # label/value pairs: Kategoria:, Grupa:, Podgrupa:, Wymiary:, ... (no table code seen)
        described = {}
        for r in wb["OPIS"].iter_rows(values_only=True):
            cells = [str(c).strip() for c in r if c not in (None, "")]
            if len(cells) >= 2 and cells[0].endswith(":"):
                described[cells[0].rstrip(":")] = cells[1]
            for cell in cells:
                m = TABLE_IN_TEXT.search(cell) if len(cell) < 200 else None
                if m and table_from == FROM_NAME:
                    table, table_from = m.group("table"), "the workbook's OPIS sheet"
        names = [described[k] for k in ("Kategoria", "Grupa", "Podgrupa") if k in described]
        if names:
            about = f"its OPIS sheet describes it as {' / '.join(names)}" + ("" if table_from != FROM_NAME else
                                                                             " but holds no table code")
    rows = [(n, list(r)) for n, r in enumerate(wb["DANE"].iter_rows(values_only=True), start=1)
            if any(c not in (None, "") for c in r)]
    if len(rows) < 2:
        raise InputError("sheet DANE has no data rows", path, "DANE")
    data = parse_crel(rows, path, table)
    _no_duplicates(data, path)
    return data, table, table_from, about


def _no_duplicates(data: pd.DataFrame, path: Path) -> None:
    dup = data.duplicated(["table", "code", "year", "dims"], keep=False)
    if dup.any():
        first = data[dup].head(2)
        raise InputError(f"the same unit, year and breakdown appears twice (rows {', '.join(map(str, first['row']))}): "
                         f"{first['code'].iloc[0]}, {first['year'].iloc[0]}, {excerpt(first['dims'].iloc[0])}", path)


# ---- unit codes -------------------------------------------------------------------------------------------------

def unit_code(code: str) -> tuple[str | None, str | None]:
    """The project's unit code for a BDL code, or None and the reason it is not an authority we keep."""
    if re.fullmatch(r"\d{12}", code):
        code = teryt_from_bdl_id(code)
    if not re.fullmatch(r"\d{7}", code):
        return None, f"code {code!r} is not 7 digits"
    woj, pow_, gmi, rodz = code[:2], code[2:4], code[4:6], code[6]
    if pow_ == "00":
        return None, "above powiat level (country, voivodeship, region or subregion)"
    if gmi == "00" and rodz == "0":
        return (f"{woj}{pow_}011" if int(pow_) >= 61 else f"{woj}{pow_}"), None
    if rodz in "123":
        return code, None
    if rodz in "45":
        return None, "town or rural area of an urban-rural gmina (a statistical part, not an authority)"
    return None, f"unit kind {rodz} (district or delegation), not an authority"


def row_level(code: str) -> str:
    """The level of a BDL row: 'powiat' (WWPP000 of a land powiat), 'gmina' (kinds 1-3 outside cities with powiat
    rights), 'both' (a city with powiat rights, POW >= 61: its powiat row and its gmina row), '' otherwise."""
    if re.fullmatch(r"\d{12}", code):
        code = teryt_from_bdl_id(code)
    if not re.fullmatch(r"\d{7}", code) or code[2:4] == "00":
        return ""
    city = int(code[2:4]) >= 61
    if code[4:] == "000":
        return "both" if city else "powiat"
    if code[6] in "123":
        return "both" if city else "gmina"
    return ""


def teryt_from_bdl_id(bdl_id: str) -> str:
    """The 7-digit TERYT+kind code inside a 12-digit BDL unit id: MM WW R SS PP GG K, where WW is the
    voivodeship, PP the powiat, GG the gmina and K the kind (checked against the API's unit listing: e.g.
    023016121132 is Rokietnica 3021132, 011212001000 powiat bocheński 1201)."""
    return bdl_id[2:4] + bdl_id[7:9] + bdl_id[9:11] + bdl_id[11]


# ---- BDL API responses ------------------------------------------------------------------------------------------

API_LAYOUTS = ("a page of the API's /data/by-variable ({\"variableId\", \"results\": [units]}), `data fetch-bdl`'s "
               "file, a list of units with 'values' (what pyBDL's api.data.get_data_by_variable returns), its "
               "(results, metadata) pair, or pyBDL's flattened rows (data.get_data_by_variable as records or columns: "
               "unit_id, unit_name, year, val, attr_id)")


def _api_results(doc: Any, path: Path, depth: int = 0) -> tuple[list, str | None]:
    """The list of results in any accepted layout, and the variable id the content gives (or None)."""
    if isinstance(doc, list):
        if (len(doc) == 2 and isinstance(doc[0], list) and isinstance(doc[1], dict)
                and "values" not in doc[1] and "val" not in doc[1]):  # pyBDL with return_metadata=True
            return doc[0], _variable_id(doc[1])
        return doc, None
    if isinstance(doc, dict):
        if "results" in doc and depth < 2:
            results, inner_id = _api_results(doc["results"], path, depth + 1)
            return results, _variable_id(doc) or inner_id
        if "val" in doc and ("unit_id" in doc or "id" in doc):  # a DataFrame saved column by column
            columns = {k: (list(v.values()) if isinstance(v, dict) else v) for k, v in doc.items()}
            if all(isinstance(v, list) for v in columns.values()) and len({len(v) for v in columns.values()}) == 1:
                n = len(columns["val"])
                return [{k: v[i] for k, v in columns.items()} for i in range(n)], None
        keys = ", ".join(sorted(map(str, doc))[:8])
        raise InputError(f"a JSON object with keys {keys}: not a BDL API data response; expected {API_LAYOUTS}", path)
    raise InputError(f"JSON {type(doc).__name__}: not a BDL API data response; expected {API_LAYOUTS}", path)


def _variable_id(doc: dict) -> str | None:
    value = doc.get("variableId", doc.get("variable_id"))
    return str(value) if value not in (None, "") else None


def _api_unit(uid: Any, name: Any, path: Path, where: str) -> tuple[str, str]:
    """A result's unit id as text (pyBDL's DataFrame makes ids numbers: 30210501011 -> '030210501011') and name."""
    if isinstance(uid, float) and uid.is_integer():
        uid = int(uid)
    if isinstance(uid, int) and not isinstance(uid, bool):
        uid = str(uid).zfill(12)
    if not isinstance(uid, str):
        raise InputError(f"unit id {excerpt(uid)} is not a BDL unit id (12 digits)", path, f"{where}.id")
    if name is not None and not isinstance(name, str):
        raise InputError(f"unit name {excerpt(name)} is not text", path, f"{where}.name")
    return uid.strip(), (name or "").strip()


def _api_attribute(attr: Any) -> str | None:
    """A value's BDL attribute as a flag: None for 1 (a plain value) or none given."""
    if isinstance(attr, float):
        attr = int(attr) if attr.is_integer() else None if math.isnan(attr) else attr
    return None if attr is None or (isinstance(attr, int) and attr == 1) else excerpt(str(attr), 20)


def _api_records(results: list, table: str, path: Path) -> list[tuple]:
    """The results' values as rows of the long table (see `_frame`), every year, value and unit id checked by the
    rule of `jstbench.data.validate`. A missing value is null, or NaN with an attribute saying why (pyBDL's DataFrame);
    NaN without one is refused."""
    out = []
    for n, unit in enumerate(results):
        result = f"results[{n}]"
        if isinstance(unit, dict) and isinstance(unit.get("values"), list) and "id" in unit:
            pairs = [(f".values[{m}]", v) for m, v in enumerate(unit["values"])]
            uid, name = _api_unit(unit["id"], unit.get("name"), path, result)
        elif isinstance(unit, dict) and "val" in unit and "year" in unit and ("unit_id" in unit or "id" in unit):
            pairs = [("", unit)]
            uid, name = _api_unit(unit.get("unit_id", unit.get("id")), unit.get("unit_name", unit.get("name")), path, result)
        else:
            raise InputError("each result needs 'id' and a list of 'values' (or, flattened by pyBDL, unit_id, year and val)",
                             path, result)
        for col, v in pairs:
            where = result + col
            if not isinstance(v, dict) or "year" not in v:
                raise InputError(f"value {excerpt(v)} needs a year and a numeric val", path, where)
            attr = _api_attribute(v.get("attrId", v.get("attr_id")))
            val = v.get("val")
            value = None if isinstance(val, float) and math.isnan(val) and attr else number(val, path, f"{where}.val")
            out.append((table, uid, name, year(v["year"], path, f"{where}.year"), "", value, attr, "", n + 1, col))
    return out


def parse_api_json(text: str, path: Path) -> tuple[pd.DataFrame, str]:
    """A saved BDL API response of data by variable, in any layout of `API_LAYOUTS`. The variable id the content
    gives becomes the table `API_<id>`; without it the file name gives the table. Returns (data, where the table
    code was taken from)."""
    doc = parse_json(text, path)  # size and nesting limits: a hostile response never reaches the recursion limit
    results, var_id = _api_results(doc, path)
    if var_id:
        table, table_from = f"API_{var_id}", "the response's variableId"
        named = table_code(path)
        if named and named != table:
            table_from += f" (the file name says {named})"
    else:
        table, table_from = _table_name(path), FROM_NAME
    if not results:
        raise InputError("the response holds no results (no unit has a value): fetch again with other years or level", path)
    return _frame(_api_records(results, table, path)), table_from


MACROREGION = {"12": "01", "24": "01", "08": "02", "30": "02", "32": "02", "02": "03", "16": "03", "04": "04", "22": "04",
               "28": "04", "10": "05", "26": "05", "06": "06", "18": "06", "20": "06", "14": "07"}
"""The macroregion (the first two digits of a 12-digit BDL unit id) of each voivodeship (its next two), as the BDL
numbers the NTS macroregions: 01 południowy, 02 północno-zachodni, 03 południowo-zachodni, 04 północny, 05 centralny,
06 wschodni, 07 województwo mazowieckie (e.g. 030210564011 Wrocław, 071412865011 Warszawa)."""


def _code_problem(code: str) -> str | None:
    """What is wrong with a code of a BDL file, or None for a 7-digit TERYT code or a consistent 12-digit BDL id."""
    if re.fullmatch(r"[0-9]{6}|[0-9]{11}", code):
        return (f"code {code!r} has lost its leading zero (a spreadsheet turned codes into numbers); re-export or keep "
                f"the column as text")
    if re.fullmatch(r"[0-9]{7}", code):
        return None
    if not re.fullmatch(r"[0-9]{12}", code):
        return f"code {excerpt(code)!r} is neither a TERYT code (7 digits) nor a BDL unit id (12 digits)"
    region, voivodeship = code[:2], code[2:4]
    if voivodeship == "00" or MACROREGION.get(voivodeship) == region:
        return None
    if voivodeship not in MACROREGION:
        return f"BDL unit id {code!r} names voivodeship {voivodeship}, which does not exist"
    return (f"BDL unit id {code!r} is inconsistent: its macroregion digits {region} contradict its voivodeship "
            f"{voivodeship} (in macroregion {MACROREGION[voivodeship]})")


def check_codes(table: BdlTable) -> None:
    """Every code of the file is a 7-digit TERYT code or a consistent 12-digit BDL id: one bad code (a lost leading
    zero, a letter O for a zero, digits contradicting each other) makes the whole file suspect."""
    data = table.data
    for code in data["code"].unique():
        problem = _code_problem(code)
        if problem:
            row = int(data.loc[data["code"] == code, "row"].iloc[0])
            raise InputError(problem, table.path, table.code_place(row))


# ---- mapping to catalogue variables -----------------------------------------------------------------------------

Level = Literal["gmina", "powiat"]


class MappingRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    table: str = Field(pattern=r"^([A-Z]{4}|API)_\d+$", description="export table (LUDN_2137) or API_<variable id>")
    match: dict[str, str] = Field(default_factory=dict, description="dimension = value, e.g. Płeć: ogółem")
    variable: str
    scale: float = Field(default=1.0, gt=0, allow_inf_nan=False, description="multiply the file's values (e.g. 1000 for "
                         "thousands): a finite number above 0")
    level: tuple[Level, ...] | None = Field(
        default=None, description="gmina, powiat or both: rows of other levels are skipped (in a gmina-level table a powiat "
                          "row is the sum of its gminas); cities with powiat rights belong to both")
    total: bool | None = Field(
        default=None, description="the value is a total of the rows differing from it in a `match` dimension (true), never a "
                          "total (false), or a total where a breakdown says 'ogółem' (not given): a total of 0 whose "
                          "components are not 0 is a placeholder")
    real_zeros: bool = Field(default=False, description="zeros are real values: never treat them as placeholders for 'no data'")
    part: bool = Field(default=False, description="one of several tables summed into the variable (e.g. ages 65-69 and "
                       "70+): a load sums the parts of each unit and year, and needs every part")

    @field_validator("level", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        if isinstance(value, str):
            return (value,)
        if isinstance(value, (list, tuple)) and not value:
            raise ValueError("give gmina, powiat or both ([gmina, powiat]); leave `level` out for no restriction")
        return value

    def describe(self) -> str:
        match = ", ".join(f"{k}: {v}" for k, v in self.match.items())
        return f"{self.table}" + (f" {{{match}}}" if match else "") + f" → {self.variable}"


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rules: list[MappingRule]


def load_mapping(path: Path, known_variables: set[str] | None = None) -> Mapping:
    from jstbench.core.yamlio import read_yaml_model

    mapping = read_yaml_model(path, Mapping)
    if known_variables is not None:
        errors = [InputError(f"unknown catalogue variable {r.variable!r}", path, f"rules[{i}].variable")
                  for i, r in enumerate(mapping.rules) if r.variable not in known_variables]
        if errors:
            raise InputErrors(errors)
    return mapping


def parse_dims(dims: str) -> dict[str, str]:
    """`a=x|b=y` -> {a: x, b: y}."""
    return dict(p.split("=", 1) for p in dims.split("|") if "=" in p)


def apply_mapping(data: pd.DataFrame, mapping: Mapping) -> tuple[pd.DataFrame, pd.Series]:
    """Rows matched by a rule (the first that matches) get the catalogue variable, the value × scale, the rule's
    index (`rule`) and the value as in the file (`raw`); returns (matched, unmatched mask)."""
    key = data["table"].astype(str) + "\x1f" + data["dims"].astype(str)
    rule_of = {}
    for k in key.unique():
        table, dims = k.split("\x1f", 1)
        d = parse_dims(dims)
        rule_of[k] = next((i for i, r in enumerate(mapping.rules)
                           if r.table == table and all(d.get(a) == b for a, b in r.match.items())), -1)
    rule = key.map(rule_of).astype(int)
    hit = rule >= 0
    matched = data[hit].assign(rule=rule[hit])
    variables = {i: part_name(r) for i, r in enumerate(mapping.rules)}
    scales = {i: r.scale for i, r in enumerate(mapping.rules)}
    matched = matched.assign(variable=matched["rule"].map(variables), raw=matched["value"],
                             value=matched["value"] * matched["rule"].map(scales))
    return matched, ~hit


PART = "#"  # variable#table: one part of a summed variable, between reading a file and the end of its load


def part_name(rule: MappingRule) -> str:
    return f"{rule.variable}{PART}{rule.table}" if rule.part else rule.variable


def sum_parts(obs: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Parts (`variable#table`) summed into their variable for each unit and year; a unit-year missing a part, or with
    a part of no value, is missing with the flag `part-missing`. Every part of a variable must be in the load."""
    is_part = obs["variable"].str.contains(PART, regex=False)
    if not is_part.any():
        return obs
    parts = obs[is_part]
    base = parts["variable"].str.split(PART, n=1).str[0]
    out = [obs[~is_part]]
    for variable, rows in parts.groupby(base):
        wanted = sorted({r.table for r in mapping.rules if r.part and r.variable == variable})
        have = sorted({v.split(PART, 1)[1] for v in rows["variable"].unique()})
        if have != wanted:
            raise InputError(f"{variable} is the sum of {' + '.join(wanted)}, but this load has only {', '.join(have)}: "
                             f"load every part in one `data load` (or one `data fetch`)")
        wide = rows.pivot_table(index=["unit", "year"], columns="variable", values="value", aggfunc="first", dropna=False)
        wide = wide.reindex(columns=[f"{variable}{PART}{t}" for t in wanted])
        total = wide.sum(axis=1, min_count=len(wanted)).where(wide.notna().all(axis=1))
        sources = rows.groupby(["unit", "year"])["source"].agg(lambda x: " + ".join(sorted(set(x))))
        flags = rows.groupby(["unit", "year"])["flag"].agg(lambda x: ",".join(sorted({f for f in x if f})) or None)
        summed = pd.DataFrame({"value": total, "source": sources, "flag": flags}).reset_index()
        summed["flag"] = summed["flag"].where(summed["value"].notna(), "part-missing")
        out.append(summed.assign(variable=variable)[obs.columns])
    return pd.concat(out, ignore_index=True)


def no_rule_matched(t: BdlTable, mapping: Mapping, mapping_path: Path | None) -> InputError:
    """The error for a file none of whose values any rule takes: which table code was used, from where, what to do."""
    name = mapping_path.name if mapping_path else "the mapping file"
    source = t.table_from + (f"; {t.about}" if t.about else "")
    dims = list(dict.fromkeys(t.data["dims"]))
    shown = "; ".join(excerpt(", ".join(f"{k}: {v}" for k, v in parse_dims(d).items()) or "(no breakdown)") for d in dims[:3])
    shown += f" and {len(dims) - 3} more" if len(dims) > 3 else ""
    rules = [r for r in mapping.rules if r.table == t.table]
    if rules:
        why = (f"the rules for {t.table} in {name} ({'; '.join(r.describe() for r in rules)}) select breakdowns the file "
               f"does not have (it has {shown})")
        todo = ("if the file is another BDL table renamed, give it the name BDL gave the download, which starts with the "
                "table code (e.g. LUDN_2137_CREL_20220407210714.csv); otherwise correct the rules' `match`")
    elif t.table_from == FROM_NAME and table_code(t.path) is None:
        why = f"the file name does not start with a BDL table code, so the table code used was {t.table!r}"
        todo = (f"name the file like the BDL download it came from, starting with its table code (e.g. "
                f"LUDN_2137_CREL_20220407210714.csv), or, if {name} has no rule for that table yet, add one")
    else:
        example = excerpt(", ".join(f"{k}: {v}" for k, v in parse_dims(dims[0]).items())) if dims else ""
        why = f"{name} has no rule for table {t.table} (the file's breakdowns: {shown})"
        todo = (f"add a rule, e.g. `- {{table: {t.table}, match: {{{example}}}, variable: <catalogue variable>, level: gmina}}`, "
                f"or, if the file is another table renamed, give it the name of its BDL download (e.g. LUDN_2137_CREL_....csv)")
    return InputError(f"no mapping rule matched any value of the file: the table code used was {t.table}, taken from "
                      f"{source}; {why}. What to do: {todo}", t.path)


# ---- levels -----------------------------------------------------------------------------------------------------

def level_filter(rows: pd.DataFrame, rules: list[MappingRule]) -> tuple[pd.DataFrame, dict[str, int], list[str]]:
    """Rows (with `code` and `rule`) of the levels their rule applies to; the others counted by reason; warnings for
    rules without a level on a file holding both ordinary powiat rows and gmina rows."""
    codes = rows["code"].unique()
    level = rows["code"].map(dict(zip(codes, map(row_level, codes), strict=True)))
    skip = pd.Series(False, index=rows.index)
    rejected: dict[str, int] = {}
    warnings = []
    for i, rule in enumerate(rules):
        mine = rows["rule"] == i
        if not mine.any():
            continue
        if rule.level is None:
            found = set(level[mine])
            if {"gmina", "powiat"} <= found:
                warnings.append(
                    f"rule {rule.describe()} has no `level` and the file holds both powiat rows (WWPP000) and gmina rows: "
                    f"the powiat rows were loaded as the powiats' own values, but in a gmina-level table they are the sums "
                    f"of their gminas; add `level: gmina` to the rule (or `level: [gmina, powiat]` when the sum is the "
                    f"powiat's value, as for population)")
            continue
        for lv in ("gmina", "powiat"):
            out = mine & (level == lv) & (lv not in rule.level)
            if out.any():
                why = (" (in a gmina-level table a powiat row is the sum of its gminas, not the powiat authority's value)"
                       if lv == "powiat" else "")
                rejected[f"{lv} row; rule {rule.describe()} applies to level {', '.join(rule.level)}{why}"] = int(out.sum())
                skip |= out
    return rows[~skip], rejected, warnings


# ---- placeholders for "no data" ---------------------------------------------------------------------------------

def _expand(dims: str) -> dict[str, str]:
    """Dimensions with a CTAB breakdown of several parts split into `breakdown#0`, `breakdown#1`, ..."""
    d = parse_dims(dims)
    if ";" in d.get("breakdown", ""):
        parts = d.pop("breakdown").split(";")
        d.update({f"breakdown#{i}": p for i, p in enumerate(parts)})
    return d


def _total_axes(d: dict[str, str]) -> list[str]:
    """Dimensions along which a row is a total: a value 'ogółem', or a CTAB label ending in ' ogółem'."""
    return [k for k, v in d.items() if v == TOTAL or (k == "label" and v.endswith(" " + TOTAL))]


def components(dims: str, axis: str, candidates: list[str]) -> list[str]:
    """The dims (among `candidates`) of the components of the total `dims` along `axis`: the same value in every
    other dimension and another in `axis`; along a CTAB label, labels that start with the total's stem
    ('zameldowania ogółem' -> 'zameldowania z miast', 'zameldowania ze wsi')."""
    d = _expand(dims)
    keys = {k for k in d if k == axis or k.startswith(axis + "#")}
    if not keys:
        return []
    rest = {k: v for k, v in d.items() if k not in keys}
    stem = d["label"].removesuffix(" " + TOTAL) + " " if axis == "label" else ""
    out = []
    for c in candidates:
        if c == dims:
            continue
        e = _expand(c)
        if set(e) != set(d) or any(e[k] != v for k, v in rest.items()):
            continue
        if axis == "label" and not e["label"].startswith(stem):
            continue
        out.append(c)
    return out


def _axis_values(comps: list[str], axis: str) -> str:
    values = [", ".join(v for k, v in _expand(c).items() if k == axis or k.startswith(axis + "#")) for c in comps]
    return ", ".join(values)


def _zero_totals(data: pd.DataFrame, matched: pd.DataFrame, rules: list[MappingRule]) -> tuple[pd.Series, dict[int, str]]:
    """Matched rows that are totals of 0 while their components in the file do not add up to 0; and, for the first
    flagged row of each total, what its components are."""
    flagged = pd.Series(False, index=matched.index)
    detail: dict[int, str] = {}
    dims_of: dict[str, list[str]] = {}
    for table, dims, i in matched[["table", "dims", "rule"]].drop_duplicates(["table", "dims"]).itertuples(index=False):
        rule = rules[i]
        if rule.total is False or rule.real_zeros:
            continue
        axes = _total_axes(_expand(dims)) + (list(rule.match) if rule.total else [])
        if not axes:
            continue
        in_table = data["table"] == table
        if table not in dims_of:
            dims_of[table] = list(dict.fromkeys(data.loc[in_table, "dims"]))
        mine = matched.index[(matched["table"] == table) & (matched["dims"] == dims)]
        for axis in dict.fromkeys(axes):
            comps = components(dims, axis, dims_of[table])
            if not comps:
                continue
            sub = data[in_table & data["dims"].isin([dims, *comps])]
            wide = sub.pivot(index=["code", "year"], columns="dims", values="value")
            sums = wide[comps].sum(axis=1, min_count=1)
            bad = (wide[dims] == 0) & sums.notna() & (sums != 0)
            if not bad.any():
                continue
            keys = pd.MultiIndex.from_frame(matched.loc[mine, ["code", "year"]])
            hit = keys.isin(bad[bad].index)
            first = mine[hit][0]  # an example for the warning
            if first not in detail:
                code, year = keys[hit][0]
                detail[first] = f"components {_axis_values(comps, axis)} add up to {_fmt(sums[(code, year)])}"
            flagged[mine[hit]] = True
    return flagged, detail


def mark_zero_placeholders(data: pd.DataFrame, matched: pd.DataFrame, rules: list[MappingRule]) -> tuple[pd.DataFrame, list[str]]:
    """Zeros that stand for "no data" (a CTAB export has no attribute column to say so) become missing values with
    flag `zero-placeholder`: a variable-year that is 0 for every unit of a file of at least MIN_UNITS_ALL_ZERO units,
    and a total of 0 whose components are not 0. `data` is the whole file, `matched` its mapped rows (a subset of
    its index). Returns the rows and one warning per variable and rule of detection."""
    check = matched["rule"].map({i: not r.real_zeros for i, r in enumerate(rules)}).astype(bool)
    if matched.empty or not check.any() or not (matched["value"] == 0).any():
        return matched, []
    mapped = data[data["dims"].isin(set(matched["dims"])) & data["table"].isin(set(matched["table"]))]
    groups = [mapped["table"], mapped["dims"], mapped["year"]]
    count = mapped["value"].groupby(groups).transform("count")
    zeros = mapped["value"].eq(0).groupby(groups).transform("sum")
    all_zero = ((count >= MIN_UNITS_ALL_ZERO) & (zeros == count)).reindex(matched.index, fill_value=False) & check
    totals, detail = _zero_totals(data, matched, rules)
    totals &= check & ~all_zero
    warnings = []
    for variable, part in matched[all_zero].groupby("variable", sort=True):
        years = ", ".join(map(str, sorted(part["year"].unique())))
        units = int(count.reindex(part.index).max())
        rule = rules[int(part["rule"].iloc[0])]
        warnings.append(f"{variable} {years}: 0 for all {units:,} units in the file, BDL's placeholder for 'no data'; loaded "
                        f"as missing with flag {ZERO_PLACEHOLDER}; if the zeros are real, add `real_zeros: true` to the rule "
                        f"{rule.describe()}")
    for variable, part in matched[totals].groupby("variable", sort=True):
        years = ", ".join(map(str, sorted(part["year"].unique())))
        example = next(i for i in part.index if i in detail)
        first = part.loc[example]
        rule = rules[int(first["rule"])]
        warnings.append(f"{variable} {years}: {len(part):,} totals are 0 while their components are not (e.g. row "
                        f"{first['row']}, {first['code']} {excerpt(first['name'])}, {first['year']}: {detail[example]}), a "
                        f"placeholder for 'no data'; loaded as missing with flag {ZERO_PLACEHOLDER}; if the zeros are real, "
                        f"add `real_zeros: true` (or `total: false`) to the rule {rule.describe()}")
    placeholder = all_zero | totals
    if placeholder.any():
        matched = matched.copy()
        matched.loc[placeholder, "value"] = float("nan")
        matched["flag"] = matched["flag"].astype(object)
        matched.loc[placeholder, "flag"] = ZERO_PLACEHOLDER
    return matched, warnings


# ---- one value per unit, year and variable ----------------------------------------------------------------------

def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def _relation(a: pd.Series, b: pd.Series) -> str:
    """How two rows of one unit are related: 'same code' (two breakdowns), 'city' (powiat and gmina rows of a city
    with powiat rights) or 'kind' (a gmina's codes before and after a change of type)."""
    if a["code"] == b["code"]:
        return "same code"
    if unit_code(a["code"])[0] == unit_code(b["code"])[0]:
        return "city"
    return "kind"


KEPT_ONCE = {"city": "same value given for the city and its powiat row",
             "kind": "same value given under a gmina's old and new code (its type changed)",
             "same code": "same value given by two breakdowns mapped to the same variable"}
BLANK_MERGED = {"city": "empty cell; the city's other row (powiat WWPP000 or gmina WWPP011) gives the value",
                "kind": "empty cell; the gmina's other code (before or after its change of type) gives the value",
                "same code": "empty cell; another breakdown mapped to the same variable gives the value"}


def _conflict(rows: pd.DataFrame) -> str:
    a = rows.iloc[0]
    b = rows[rows["value"] != a["value"]].iloc[0]
    what = (f"rows {a['row']} ({a['code']} {excerpt(a['name'])}) and {b['row']} ({b['code']} {excerpt(b['name'])}) give different values "
            f"for {a['variable']} {a['year']}: {_fmt(a['raw'])} and {_fmt(b['raw'])}")
    relation = _relation(a, b)
    if relation == "same code":
        return (f"{what} (breakdowns {excerpt(a['dims'] or '-')} and {excerpt(b['dims'] or '-')}); the mapping takes more than one breakdown "
                f"into {a['variable']}: give the rule's `match` a value for every breakdown column so that it selects one")
    if relation == "city":
        return (f"{what}; they are the powiat row and the gmina row of a city with powiat rights, which must agree: check "
                f"the value in BDL and clear the wrong cell in the file (or export the city at one level)")
    return (f"{what}; {a['code']} and {b['code']} are one gmina before and after a change of type (the register knows it "
            f"as {a['unit']}) and a year has one value: check the value in BDL and clear the wrong cell in the file, or "
            f"export the years before and after the change in separate files")


def merge_duplicates(rows: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """One observation per unit, year and variable. Several rows of one unit come from a city with powiat rights (its
    powiat row WWPP000 and gmina row WWPP011), a gmina whose type changed (old and new code, recoded to one unit), or
    a rule taking several breakdowns. An empty cell and a value merge, identical values are one; different values
    are an error naming both rows. Returns the rows and the rows left out, by reason."""
    keys = ["unit", "year", "variable"]
    dup = rows.duplicated(keys, keep=False)
    if not dup.any():
        return rows, {}
    part = rows[dup].assign(_has=rows.loc[dup, "value"].notna(), _flagged=rows.loc[dup, "flag"].notna())
    part = part.sort_values(keys + ["_has", "_flagged", "row"], ascending=[True, True, True, False, False, True])
    distinct = part[part["_has"]].groupby(keys, sort=False)["value"].nunique()
    conflicts = distinct[distinct > 1]
    if len(conflicts):
        grouped = part.set_index(keys)
        first = grouped.loc[conflicts.index[0]].reset_index()
        message = _conflict(first[first["_has"]])
        if len(conflicts) > 1:
            more = ", ".join(f"{u} {v} {y}" for u, y, v in conflicts.index[1:4])
            message += f" (and {len(conflicts) - 1} more unit-years in conflict: {more}{', ...' if len(conflicts) > 4 else ''})"
        raise InputError(message, path)
    kept = part.drop_duplicates(keys, keep="first")
    dropped = part[~part.index.isin(kept.index)]
    pairs = dropped[keys + ["code", "_has"]].merge(kept[keys + ["code", "_has"]], on=keys, suffixes=("", "_kept"))
    codes = pd.unique(pd.concat([pairs["code"], pairs["code_kept"]]))
    unit_of = {c: unit_code(c)[0] for c in codes}
    relation = pd.Series("kind", index=pairs.index)
    relation[pairs["code"].map(unit_of) == pairs["code_kept"].map(unit_of)] = "city"
    relation[pairs["code"] == pairs["code_kept"]] = "same code"
    blank = ~pairs["_has"] & pairs["_has_kept"]
    why = pd.concat([relation[~blank].map(KEPT_ONCE), relation[blank].map(BLANK_MERGED)])
    rejected = {str(k): int(n) for k, n in why.value_counts().items()}
    out = pd.concat([rows[~dup], kept.drop(columns=["_has", "_flagged"])]).sort_index()
    return out, rejected
