"""Readers of GUS BDL (Bank Danych Lokalnych) exports: the wide "CTAB" CSV, the long "CREL" CSV and the
XLSX download (sheet DANE, long layout), into one long table; and the mapping of BDL variables to
catalogue variables (a YAML file).

Facts handled: UTF-8 with or without BOM and Windows-1250; `;` separators with a trailing `;`; CRLF or LF;
decimal commas; names with the kind suffix, e.g. "Bolesławiec (1)"; CTAB header cells packing
"variable;breakdown...;year;[unit]"; CREL breakdown columns between Nazwa and Rok; attribute flags; empty
cells; 7-digit TERYT+kind codes (gminas WWPPGGR, powiats and cities WWPP000) and 12-digit BDL ids.
Every problem names the file, the row (1-based, header = row 1) and the column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from jstbench.core.errors import InputError, InputErrors

FIXED_CREL = ["Kod", "Nazwa"]
TAIL_CREL = ["Rok", "Wartosc", "Jednostka miary", "Atrybut"]
CTAB_HEADER = re.compile(r"^(?P<parts>.+);(?P<year>\d{4});\[(?P<unit>[^\]]*)\]$")
TABLE_FROM_NAME = re.compile(r"^(?P<table>[A-Z]{4}_\d+|API_\d+)(?:_|\.)")


@dataclass
class BdlTable:
    """One export as a long table: table, code, name, year, dims, value, flag, unit_of_measure, row."""

    path: Path
    layout: str  # ctab | crel | xlsx
    data: pd.DataFrame


def read_text(path: Path) -> str:
    """File text as UTF-8 (BOM removed) or Windows-1250; anything else is refused."""
    raw = Path(path).read_bytes()
    if not raw.strip():
        raise InputError("the file is empty", path)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:200]:
        raise InputError("UTF-16 or binary content: save the export as CSV in UTF-8 or Windows-1250", path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1250")
    except UnicodeDecodeError as exc:
        raise InputError(f"neither UTF-8 nor Windows-1250 text (byte {exc.start})", path) from None
    return text


def _table_name(path: Path) -> str:
    m = TABLE_FROM_NAME.match(Path(path).name)
    return m.group("table") if m else Path(path).stem


def _rows(text: str, path: Path) -> list[list[str]]:
    first = text.splitlines()[0] if text.splitlines() else ""
    if ";" not in first:
        sep = "," if "," in first else "\\t" if "\t" in first else None
        hint = f" (it uses {sep!r})" if sep else ""
        raise InputError(f"not a BDL export: fields must be separated by ';'{hint}", path, "row 1")
    rows = list(csv.reader(io.StringIO(text), delimiter=";", quotechar='"'))
    rows = [r[:-1] if r and r[-1] == "" else r for r in rows]  # trailing separator
    return [r for r in rows if any(c.strip() for c in r)]


def _number(cell: str, path: Path, where: str) -> float | None:
    cell = str(cell).strip().replace("\u00a0", "").replace(" ", "")
    if cell in ("", "-", "x", "."):
        return None
    try:
        return float(cell.replace(",", "."))
    except ValueError:
        raise InputError(f"not a number: {cell!r}", path, where) from None


def _check_widths(rows: list[list[str]], path: Path) -> None:
    width = len(rows[0])
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise InputError(f"{len(row)} fields, the header has {width} (truncated or damaged file?)", path, f"row {n}")


def parse_ctab(text: str, path: Path) -> pd.DataFrame:
    rows = _rows(text, path)
    header = rows[0]
    if header[:2] != ["Kod", "Nazwa"] or len(header) < 3:
        raise InputError(f"CTAB header must start with Kod;Nazwa and have data columns, got {header[:3]}", path, "row 1")
    _check_widths(rows, path)
    columns = []
    for j, cell in enumerate(header[2:], start=3):
        m = CTAB_HEADER.match(cell.strip())
        if not m:
            raise InputError(f"header cell {cell!r} is not 'variable;...;year;[unit]'", path, f"row 1, column {j}")
        parts = m.group("parts").split(";")
        columns.append((parts[0], ";".join(parts[1:]), int(m.group("year")), m.group("unit")))
    table = _table_name(path)
    out = []
    for n, row in enumerate(rows[1:], start=2):
        for j, (label, breakdown, year, unit) in enumerate(columns, start=3):
            value = _number(row[j - 1], path, f"row {n}, column {j}")
            out.append((table, row[0].strip(), row[1].strip(), year, f"label={label}|breakdown={breakdown}",
                        value, None, unit, n))
    return _frame(out)


def parse_crel(rows: list[list], path: Path, table: str) -> pd.DataFrame:
    header = [str(h).strip() for h in rows[0]]
    if header[:2] != FIXED_CREL or header[-4:] != TAIL_CREL:
        raise InputError(f"CREL header must be Kod;Nazwa;<breakdowns...>;Rok;Wartosc;Jednostka miary;Atrybut, got {header}",
                         path, "row 1")
    dims = header[2:-4]
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise InputError(f"{len(row)} fields, the header has {len(header)} (truncated or damaged file?)", path, f"row {n}")
        year_cell = str(row[-4]).strip()
        if not year_cell.isdigit():
            raise InputError(f"year {year_cell!r} is not a year", path, f"row {n}, column Rok")
        value = row[-3]
        value = float(value) if isinstance(value, (int, float)) else _number(value, path, f"row {n}, column Wartosc")
        flag = str(row[-1] or "").strip() or None
        key = "|".join(f"{d}={str(row[2 + i]).strip()}" for i, d in enumerate(dims))
        out.append((table, str(row[0]).strip(), str(row[1]).strip(), int(year_cell), key, value, flag,
                    str(row[-2] or "").strip(), n))
    return _frame(out)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["table", "code", "name", "year", "dims", "value", "flag", "unit_of_measure", "row"])


def read_export(path: str | Path, layout: str | None = None) -> BdlTable:
    """Read one BDL export; the layout (ctab, crel, xlsx) is detected when not given."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path)
    if layout is None:
        layout = {".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "api-json"}.get(path.suffix.lower())
    if layout == "xlsx":
        return BdlTable(path, "xlsx", _read_xlsx(path))
    text = read_text(path)
    if layout == "api-json":
        data = parse_api_json(text, path)
        _no_duplicates(data, path)
        return BdlTable(path, "api-json", data)
    if layout is None:
        header = text.splitlines()[0]
        layout = "crel" if '"Wartosc"' in header or ";Wartosc;" in header else "ctab"
    if layout == "ctab":
        data = parse_ctab(text, path)
    elif layout == "crel":
        data = parse_crel(_rows(text, path), path, _table_name(path))
    else:
        raise InputError(f"unknown BDL layout {layout!r}: ctab, crel or xlsx", path)
    _no_duplicates(data, path)
    return BdlTable(path, layout, data)


def _read_xlsx(path: Path) -> pd.DataFrame:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise InputError(f"not a readable XLSX workbook: {exc}", path) from None
    if "DANE" not in wb.sheetnames:
        raise InputError(f"no sheet 'DANE' (sheets: {', '.join(wb.sheetnames)}); BDL XLSX downloads keep the "
                         "long table in DANE", path)
    rows = [list(r) for r in wb["DANE"].iter_rows(values_only=True)]
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if len(rows) < 2:
        raise InputError("sheet DANE has no data rows", path, "DANE")
    data = parse_crel(rows, path, _table_name(path))
    _no_duplicates(data, path)
    return data


def _no_duplicates(data: pd.DataFrame, path: Path) -> None:
    dup = data.duplicated(["table", "code", "year", "dims"], keep=False)
    if dup.any():
        first = data[dup].head(2)
        raise InputError(f"the same unit, year and breakdown appears twice (rows {', '.join(map(str, first['row']))}): "
                         f"{first['code'].iloc[0]}, {first['year'].iloc[0]}, {first['dims'].iloc[0]}", path)


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


def teryt_from_bdl_id(bdl_id: str) -> str:
    """The 7-digit TERYT+kind code inside a 12-digit BDL unit id: MM WW R SS PP GG K, where WW is the
    voivodeship, PP the powiat, GG the gmina and K the kind (checked against the API's unit listing: e.g.
    023016121132 is Rokietnica 3021132, 011212001000 powiat bocheński 1201)."""
    return bdl_id[2:4] + bdl_id[7:9] + bdl_id[9:11] + bdl_id[11]


def parse_api_json(text: str, path: Path) -> pd.DataFrame:
    """A saved BDL API response of data by variable: `{"variableId"?, "results": [{id, name, values: [{year, val,
    attrId}]}]}` (or the bare results list). The variable id becomes the table `API_<id>`."""
    import json

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path, f"line {exc.lineno}, column {exc.colno}") from None
    results = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(results, list):
        raise InputError("expected a BDL API response with a list under 'results'", path)
    var_id = str(doc.get("variableId", "")) if isinstance(doc, dict) else ""
    table = f"API_{var_id}" if var_id else _table_name(path)
    out = []
    for n, unit in enumerate(results):
        if not isinstance(unit, dict) or "id" not in unit or not isinstance(unit.get("values"), list):
            raise InputError("each result needs 'id' and a list of 'values'", path, f"results[{n}]")
        for m, v in enumerate(unit["values"]):
            try:
                year = int(v["year"])
                value = None if v.get("val") is None else float(v["val"])
            except (KeyError, TypeError, ValueError):
                raise InputError(f"value {v!r} needs a year and a numeric val", path, f"results[{n}].values[{m}]") from None
            attr = v.get("attrId")
            out.append((table, str(unit["id"]), str(unit.get("name", "")), year, "", value,
                        None if attr in (None, 1) else str(attr), "", n + 1))
    return _frame(out)


def check_leading_zeros(data: pd.DataFrame, path: Path) -> None:
    """Codes that lost a leading zero (e.g. 201011 instead of 0201011) make the whole file suspect."""
    short = data[data["code"].str.fullmatch(r"\d{6}|\d{11}")]
    if not short.empty:
        r = short.iloc[0]
        raise InputError(f"code {r['code']!r} has lost its leading zero (a spreadsheet turned codes into numbers); "
                         f"re-export or keep the column as text", path, f"row {r['row']}, column Kod")


# ---- mapping to catalogue variables -----------------------------------------------------------------------------

class MappingRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    table: str = Field(pattern=r"^([A-Z]{4}|API)_\d+$", description="export table (LUDN_2137) or API_<variable id>")
    match: dict[str, str] = Field(default_factory=dict, description="dimension = value, e.g. Płeć: ogółem")
    variable: str
    scale: float = 1.0


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


def apply_mapping(data: pd.DataFrame, mapping: Mapping) -> tuple[pd.DataFrame, pd.Series]:
    """Rows matched by a rule get the catalogue variable (value × scale); returns (matched, unmatched mask)."""
    dims = data["dims"].map(lambda s: dict(p.split("=", 1) for p in s.split("|") if "=" in p))
    variable = pd.Series(None, index=data.index, dtype=object)
    scale = pd.Series(1.0, index=data.index)
    for rule in mapping.rules:
        hit = (data["table"] == rule.table) & dims.map(lambda d, m=rule.match: all(d.get(k) == v for k, v in m.items()))
        hit &= variable.isna()
        variable[hit] = rule.variable
        scale[hit] = rule.scale
    out = data.assign(variable=variable, value=data["value"] * scale)
    return out[variable.notna()], variable.isna()
