"""The practice pages of the site: every name and free text escaped, file names of attachments made safe, the list's
filter attributes, and a page that says so when no built series holds the authority."""

from __future__ import annotations

from pathlib import Path

import pytest

from jstbench.catalogue.load import load_catalogue
from jstbench.data.practices import Loaded, Practice
from jstbench.site.practices import Entry, _safe_name, index_page, practice_page

ROOT = Path(__file__).resolve().parents[3]
HOSTILE = "<script>alert(1)</script> & | Co"


@pytest.fixture(scope="module")
def cat():
    return load_catalogue(ROOT / "methodology" / "catalogue")


def entry(**changes: object) -> Entry:
    p = Practice.model_validate({
        "id": "test-wrogi", "title": f"Tytuł {HOSTILE}", "unit": "3027011", "service": "municipal_waste",
        "indicators": ["waste_separate_share"], "period": {"start": 2019}, "problem": f"Problem {HOSTILE}",
        "actions": f"Działania {HOSTILE}", "results": [{"description": f"Wynik {HOSTILE}", "before": {"year": 2018, "value": 1},
                                                         "after": {"year": 2020, "value": 2}}],
        "contact": {"role": f"Rola {HOSTILE}"}, "date": "2024-01-01", "status": "submitted", "tags": [HOSTILE],
        "costs": [{"description": "Koszt", "amount_pln": 1234567}], **changes})
    return Entry(Loaded(p, Path("x.md")), f"Turek {HOSTILE}", "gmina_urban", "20-50k", None)


def test_practice_page_escapes_every_text(cat, tmp_path):
    text = practice_page(entry(), cat, tmp_path, {})
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "| Obszar usług | Gospodarka odpadami |" in text
    assert "**1 234 567**" in text.replace("\u00a0", " ")  # the cost total, Polish thousands
    assert "Brak zbudowanej serii raportów z danymi tej JST" in text  # no series holds it: said, not hidden


def test_list_escapes_names_and_carries_the_filter_values(cat):
    html = index_page([entry()], cat, {})
    row = html[html.index("<tr data-service"):]
    assert "<script>" not in html.replace("<script>\n", "")  # only the page's own filter script
    assert "data-service='municipal_waste' data-kind='gmina_urban' data-size='20-50k'" in row
    assert "data-indicator=' waste_separate_share '" in row
    assert "&lt;script&gt;" in row and "Praktyk: 1." in html


def test_an_empty_base_says_how_to_fill_it(cat):
    assert "Baza jest pusta" in index_page([], cat, {})


@pytest.mark.parametrize(("name", "safe"), [("uchwała nr 1.pdf", "uchwała_nr_1.pdf"), ("../../etc/passwd", "_.._etc_passwd"),
                                            (".hidden", "hidden"), ("<x>.pdf", "_x_.pdf")])
def test_attachment_names_are_made_safe(name, safe):
    assert _safe_name(name) == safe
