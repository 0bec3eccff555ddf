"""XLSX files whose bytes depend on their content only: the time stamps openpyxl writes (document properties, zip
entries) are fixed, so the same data give the same file (reproducible outputs, unchanged reports stay unchanged)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from jstbench.core.atomic import write_bytes

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
    """A frame as a one-sheet workbook (`deterministic`)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        df.to_excel(xl, index=False, sheet_name=sheet)
    return deterministic(buf.getvalue())
