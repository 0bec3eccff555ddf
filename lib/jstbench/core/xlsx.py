"""XLSX files whose bytes depend on their content only: the time stamps openpyxl writes (document properties, zip
entries) are fixed, so the same data give the same file (reproducible outputs, unchanged reports stay unchanged).
Input workbooks are opened by `open_workbook`, which refuses what it cannot read safely (encrypted, not XLSX,
damaged, too large) with a message naming the file, before anything is read into memory."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from jstbench.core.atomic import write_bytes
from jstbench.core.errors import InputError, excerpt

STAMP = (2000, 1, 1, 0, 0, 0)


def deterministic(raw: bytes) -> bytes:
    """The workbook `raw` with its time stamps fixed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2000-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(item.filename, date_time=STAMP), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def workbook_bytes(wb: Any) -> bytes:
    """An openpyxl workbook as `deterministic` bytes."""
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic(buf.getvalue())


def save_workbook(wb: Any, path: Path) -> None:
    """Save an openpyxl workbook atomically, its time stamps fixed."""
    write_bytes(Path(path), workbook_bytes(wb))


def frame_xlsx(df: pd.DataFrame, sheet: str) -> bytes:
    """A frame as a one-sheet workbook whose bytes depend on the data only, written by XlsxWriter (about four times
    faster than openpyxl through pandas, which matters at one workbook per report). Text is written as text, never as
    a formula or a link, so a name starting with "=" cannot run in the reader's spreadsheet; missing values are blank
    cells. XlsxWriter dates its ZIP entries 1980-01-01; the document's creation date is fixed here."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    book.set_properties({"created": datetime.datetime(*STAMP)})
    ws = book.add_worksheet(sheet)
    ws.write_row(0, 0, [str(c) for c in df.columns], book.add_format({"bold": True}))
    for j, column in enumerate(df.columns):
        for i, value in enumerate(df[column].tolist(), start=1):
            if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, str):
                ws.write_string(i, j, value)
            elif isinstance(value, (bool, int, float)):
                ws.write(i, j, value)
            else:
                ws.write_string(i, j, str(value))
    book.close()
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------------- reading

MAX_ROWS = 100_000
"""The most rows a sheet of an input workbook may have (a reader may ask for fewer)."""
MAX_UNPACKED = 200 << 20
"""The most bytes the parts of an input workbook may unpack to (a ZIP bomb, or far more than any input here)."""
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: an encrypted workbook, or an old .xls
ENCRYPTED = "EncryptionInfo".encode("utf-16-le")  # the stream an encrypted (password-protected) workbook holds


def _compound_file_problem(path: Path) -> str:
    """Why an OLE2 compound file is not an XLSX workbook: it is encrypted, or an Excel 97–2003 file."""
    tail = b""
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            if ENCRYPTED in tail + block:
                return ("the workbook is encrypted (password-protected): open it, remove the password (File › Info › "
                        "Protect Workbook) and save it again")
            tail = block[-len(ENCRYPTED):]
    return "an Excel 97–2003 (.xls) or other OLE file, not an XLSX workbook: save it as .xlsx"


def _check_container(path: Path, max_unpacked: int) -> None:
    """Refuse what is not an XLSX package, or one that unpacks to more than `max_unpacked` bytes."""
    with open(path, "rb") as fh:
        head = fh.read(len(OLE2))
    if head == OLE2:
        raise InputError(_compound_file_problem(path), path)
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile:
        raise InputError("not a readable XLSX workbook: it is not a ZIP package (an .xlsx file is one)", path) from None
    if unpacked > max_unpacked:
        raise InputError(f"the workbook unpacks to {unpacked / 2**20:,.0f} MB, more than the {max_unpacked / 2**20:,.0f} MB "
                         "an input workbook may have", path)


def _check_rows(ws: Any, path: Path, max_rows: int) -> None:
    """Refuse a sheet with more than `max_rows` rows: by the size it declares, then by counting while streaming (a
    declared size may understate), one row at a time."""
    too_many = f"more than the {max_rows:,} rows a sheet of this workbook may have"
    if ws.max_row is not None and ws.max_row > max_rows:
        raise InputError(f"the sheet has {ws.max_row:,} rows, {too_many}", path, ws.title)
    ws.reset_dimensions()
    for n, _ in enumerate(ws.iter_rows(max_col=1, values_only=True), start=1):
        if n > max_rows:
            raise InputError(f"the sheet has {too_many}", path, ws.title)


def open_workbook(path: Path, max_rows: int = MAX_ROWS, read_only: bool = False, max_unpacked: int = MAX_UNPACKED) -> Any:
    """An input workbook (cell values, as last calculated) once it is known to be a readable XLSX package of bounded
    size: an encrypted or .xls file, a damaged one, one unpacking to more than `max_unpacked` bytes or with a sheet
    of more than `max_rows` rows are refused (InputError) after a streaming pass that holds one row at a time."""
    from openpyxl import load_workbook

    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path)
    _check_container(path, max_unpacked)
    try:
        scan = load_workbook(path, read_only=True, data_only=True)
        try:
            for ws in scan.worksheets:
                _check_rows(ws, path, max_rows)
        finally:
            scan.close()
        return load_workbook(path, read_only=read_only, data_only=True)
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many types for damaged parts
        raise InputError(f"not a readable XLSX workbook: {excerpt(str(exc))}", path) from None


def formula_cells(path: Path) -> dict[str, set[str]]:
    """The cells holding a formula, by sheet (call after `open_workbook` accepted the file). A formula cell whose
    value reads as None was saved without a calculated value (a workbook written by a program that does not
    calculate): tell the user to recalculate it rather than calling it empty."""
    from openpyxl import load_workbook

    found: dict[str, set[str]] = {}
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
        try:
            for ws in wb.worksheets:
                ws.reset_dimensions()  # a declared size may understate
                found[ws.title] = {c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"}
        finally:
            wb.close()
    except Exception as exc:  # as in open_workbook
        raise InputError(f"not a readable XLSX workbook: {excerpt(str(exc))}", path) from None
    return found


UNCALCULATED = ("a formula without a calculated value (the workbook was saved by a program that does not calculate): "
                "open it in Excel or LibreOffice and save it again, or type the value")
