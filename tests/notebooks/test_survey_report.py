"""The survey report notebook executed end to end by the series runner on the small hand-made series folder of
the view's unit tests: one h1, the sections in order, the table numbers, nothing hidden shown, no code, no "nan"."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from jstbench.series.runner import Job, execute
from tests.unit.views.test_survey_view import CODE, HIDDEN, small_series

ROOT = Path(__file__).resolve().parents[2]


def test_survey_report_end_to_end(tmp_path):
    series = tmp_path / "series"
    small_series(series / "data")
    job = Job("survey", f"{CODE}-2024", "Badanie opinii mieszkańców 2024: Poznań", str(ROOT / "notebooks" / "survey_report.ipynb"),
              {"unit": CODE, "wave": 2024, "year": 2024, "series_dir": "../data"},
              f"ankiety/{CODE}-2024.html", f"notebooks/ankieta-{CODE}-2024.ipynb")
    [result] = execute([job], series, workers=1, progress=False)
    assert result.status == "ok", result.error
    html = (series / job.html).read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert [h.get_text(strip=True) for h in soup.find_all("h1")] == ["Badanie opinii mieszkańców: Poznań, 2024 r."]
    assert [h["id"] for h in soup.find_all("h2")] == ["podsumowanie", "ocena-uslug", "pytania", "jak-czytac", "pobierz"]
    text = soup.get_text(" ")
    for word in ("nan", "NaN", "None", "<NA>"):
        assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text), word
    assert "SurveyView(" not in html and "DANE SYNTETYCZNE" in text  # inputs hidden; the banner
    assert "50,1" in text and HIDDEN in text and "77,8" not in html
    assert soup.find("img", class_="jst-chart")["alt"].startswith("Wykres punktowy z przedziałami")
    assert len(soup.select("ul.jst-downloads a[download]")) == 2
