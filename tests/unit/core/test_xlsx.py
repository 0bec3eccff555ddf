"""Report workbooks: the same data give the same bytes, text stays text, missing values are blank cells."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from jstbench.core.xlsx import frame_xlsx


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "nazwa": ["Gmina Ąbc", '=HYPERLINK("http://x","y")', "+1", None],
        "wartość": [1.25, np.nan, 3.0, -0.5],
        "liczba": pd.array([1, None, 3, 4], dtype="Int64"),
        "flaga": [True, False, True, False],
    })


def test_a_frame_reads_back_with_text_as_text_and_missing_values_blank():
    ws = load_workbook(io.BytesIO(frame_xlsx(frame(), "2024")))["2024"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("nazwa", "wartość", "liczba", "flaga")
    assert rows[1] == ("Gmina Ąbc", 1.25, 1, True)
    assert rows[2] == ('=HYPERLINK("http://x","y")', None, None, False)
    assert ws["A3"].data_type == "s"  # a string, not a formula the spreadsheet would run
    assert rows[3][0] == "+1" and ws["A4"].data_type == "s"
    assert rows[4] == (None, -0.5, 4, False)


def test_the_same_data_give_the_same_bytes():
    assert frame_xlsx(frame(), "dane") == frame_xlsx(frame().copy(), "dane")
    assert frame_xlsx(frame(), "dane") != frame_xlsx(frame().assign(liczba=7), "dane")
