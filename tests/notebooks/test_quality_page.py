"""The built data-quality page of the small series: a Polish report an analyst can act on, not raw pandas."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
from bs4 import BeautifulSoup

from jstbench.views.quality import QualityView

PAGE = "jakosc-danych.html"


def page(small_project: Path) -> str:
    return (small_project / "output" / "tests" / PAGE).read_text(encoding="utf-8")


def data(small_project: Path) -> Path:
    return small_project / "output" / "tests" / "data"


def test_one_h1_with_the_series_and_year_then_headings_without_skipped_levels(small_project, small_series):
    soup = BeautifulSoup(page(small_project), "html.parser")
    assert soup.html["lang"] == "pl"
    headings = soup.find_all(re.compile(r"^h[1-6]$"))
    levels = [int(h.name[1]) for h in headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert headings[0].get_text(" ", strip=True) == "Raport jakości danych: Seria testowa, 2024 r."
    assert [h.get_text(" ", strip=True).rstrip(" ¶") for h in headings if h.name == "h2"][0] == "Podsumowanie"


def test_no_missing_value_markers_or_english_flags_anywhere(small_project, small_series):
    html = page(small_project)
    for word in ("nan", "NaN", "None", "<NA>", "not-available", "coverage_pct"):
        assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", html), word
    assert "<script>alert(1)</script>" not in html
    assert len(html.encode("utf-8")) < 500_000


def test_tables_have_captions_and_polish_headers(small_project, small_series):
    soup = BeautifulSoup(page(small_project), "html.parser")
    tables = soup.find_all("table", class_="jst-table")
    assert len(tables) >= 8
    for t in tables:
        if t.find_parent("details") is None:
            assert t.caption and t.caption.get_text(strip=True), t["class"]
        assert t.thead.find_all("th", scope="col")
    heads = {th.get_text(strip=True) for th in soup.find_all("th")}
    assert {"Rodzaj JST", "JST z danymi", "Wskaźnik", "Zmienna", "Pokrycie", "Flaga źródła", "Przyczyna braku",
            "Odporny z-score", "Identyfikator (źródło)"} <= heads
    assert not heads & {"variable", "flag", "rows", "missing", "unit", "indicator", "value", "z"}


def test_numbers_have_decimal_commas_and_the_source_flag_is_translated(small_project, small_series):
    soup = BeautifulSoup(page(small_project), "html.parser")
    cells = [td.get_text() for td in soup.find_all("td")]
    assert any(re.fullmatch(r"\d{1,3},\d%", c) for c in cells)  # coverage like 87,1%
    assert not [c for c in cells if re.search(r"\d\.\d", c)]  # no 1406.0864
    assert "brak danych w źródle" in cells


def test_summary_counts_the_register_and_the_unit_without_data(small_project, small_series):
    """The fixture's empty unit (a rural gmina with no observations) is the one unit of the register without data."""
    units = pd.read_parquet(data(small_project) / "units.parquet")
    values = pd.read_parquet(data(small_project) / "values.parquet")
    have = values[(values["year"] == 2024) & values["value"].notna()]["unit"].nunique()
    text = BeautifulSoup(page(small_project), "html.parser").body.get_text(" ")
    assert have == len(units) - 1
    assert f"Jakąkolwiek wartość wskaźnika za 2024 r. ma {have} z {len(units)} JST" in text and "bez żadnej: 1." in text
    rural = BeautifulSoup(page(small_project), "html.parser").find("table", class_="jst-coverage-kind").find(
        "td", string="gmina wiejska").find_parent("tr")
    n = int((units["kind"] == "gmina_rural").sum())
    assert [td.get_text() for td in rural.find_all("td")][1:3] == [str(n), str(n - 1)]


def test_indicator_names_link_to_their_methodology_pages_and_the_page_links_back(small_project, small_series):
    soup = BeautifulSoup(page(small_project), "html.parser")
    links = {a["href"]: a.get_text() for a in soup.find_all("a", href=True)}
    assert "index.html" in links
    catalogue = json.loads((data(small_project) / "catalogue.json").read_text(encoding="utf-8"))
    names = {i["id"]: i["name"]["pl"] for i in catalogue["indicators"]}
    indicators = pd.read_parquet(data(small_project) / "quality_coverage_indicator.parquet")["indicator"]
    for ind in indicators:  # every indicator is in the (collapsed) coverage table, under its name
        assert links.get(f"../site/indicators/{ind}.html") == names[ind], ind


def test_long_tables_show_the_lines_to_act_on_first_and_the_rest_collapsed(small_project, small_series):
    soup = BeautifulSoup(page(small_project), "html.parser")
    n = len(pd.read_parquet(data(small_project) / "quality_coverage_indicator.parquet"))
    up_front = [t for t in soup.find_all("table", class_="jst-coverage-indicator") if t.find_parent("details") is None]
    assert len(up_front) == 1 and len(up_front[0].tbody.find_all("tr")) < n
    summaries = [d.summary.get_text() for d in soup.find_all("details")]
    assert f"Pokrycie wszystkich {n} wskaźników w 2024 r." in summaries
    full = soup.find("summary", string=f"Pokrycie wszystkich {n} wskaźników w 2024 r.").find_parent("details")
    assert len(full.find("tbody").find_all("tr")) == n


def test_revisions_show_years_and_values_the_polish_way_without_a_source(small_project, small_series, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(data(small_project), folder)
    pd.DataFrame({"unit": ["3064011", "3064011"], "year": [2020, 2021], "variable": ["population", "population"],
                  "old_value": [1000.0, 0.0], "new_value": [1500.5, 7.0], "old_source": ["a", "a"],
                  "new_source": [None, "bdl"], "load_id": ["x", "x"]}).to_parquet(folder / "revisions.parquet")
    soup = BeautifulSoup(QualityView(folder, 2024).revisions_html(5), "html.parser")
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in soup.find("tbody").find_all("tr")]
    assert "Poprawionych wartości: 2." in soup.get_text()
    assert rows[0][3:] == ["2021", "0,00", "7,00", "bdl"]  # from zero: the largest relative change
    assert rows[1][:5] == ["3064011", "Poznań", "Ludność ogółem (stan na 31 XII)", "2020", "1\xa0000,00"]
    assert rows[1][5:] == ["1\xa0500,50", ""]
