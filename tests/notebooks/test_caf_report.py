"""The CAF report notebook executed end to end with papermill on the small hand-made series folder of the view's
unit tests: one h1, the sections in order, the chart with its text alternative, escaped notes, no code, no "nan"."""

from __future__ import annotations

import re
from pathlib import Path

import papermill as pm
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from tests.unit.views.test_caf_view import CODE, small_series

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ["kryteria", "rozbieznosci", "mocne-strony", "plan", "zmiana", "na-tle", "pobierz"]


def run(tmp_path: Path, data: Path, assessment: str) -> BeautifulSoup:
    nb = pm.execute_notebook(str(ROOT / "notebooks" / "caf_report.ipynb"), str(tmp_path / "caf.ipynb"), kernel_name="python3",
                             progress_bar=False, cwd=str(ROOT / "notebooks"),
                             parameters={"unit": CODE, "assessment": assessment, "year": 2024, "series_dir": str(data)})
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(nb)
    return BeautifulSoup(body, "html.parser")


def test_caf_report_end_to_end(tmp_path):
    data = small_series(tmp_path / "data", others=4)
    soup = run(tmp_path, data, "2024")
    assert [h.get_text(strip=True) for h in soup.find_all("h1")] == ["Samoocena CAF: Poznań, 2024"]
    assert [h.get("id") for h in soup.find_all("h2")] == SECTIONS
    assert [h.get_text(strip=True) for h in soup.find_all("h2")][:6] == [
        "Wyniki według kryteriów", "Rozbieżności ocen", "Mocne strony i obszary do poprawy", "Plan doskonalenia",
        "Zmiana od poprzedniej samooceny", "Na tle innych JST"]
    [img] = soup.find_all("img", class_="jst-chart")
    assert img["src"].startswith("data:image/svg+xml;base64,") and img["alt"].startswith("Wykres słupkowy: wyniki 9 kryteriów")
    text = soup.get_text(" ")
    for word in ("nan", "NaN", "None", "<NA>"):
        assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text), word
    assert "CafView(" not in str(soup) and "DANE SYNTETYCZNE" in text
    assert "<script>alert" not in str(soup) and "<script>alert('x')</script> procedury są spisane" in text
    assert "⚑ do uzgodnienia" in text and "pozycja 1 z 5" in text and "+10,3 pkt" in text
    assert len(soup.select("ul.jst-downloads a[download]")) == 2


def test_caf_report_first_assessment_and_suppression(tmp_path):
    data = small_series(tmp_path / "data", others=3)
    text = run(tmp_path, data, "2022").get_text(" ")
    assert "To pierwsza samoocena CAF tej JST w danych serii (2022)" in text
    # in round 2022 only Poznań assessed
    assert "liczba JST z samooceną wynosi 1, a rozkład pokazujemy od 5 JST" in text

