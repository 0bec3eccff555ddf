"""Report tables and wording: escaped, styled by classes only, Polish."""

from bs4 import BeautifulSoup

from jstbench.views.tables import banner, note, paragraph, stylesheet, table
from jstbench.views.wording import STATUS_TEXT, model_note, quality_text


def test_table_escapes_headers_and_cells_and_has_no_inline_style():
    html = table("jst-x", ["<b>Nazwa</b>"], [["Opole <script>alert(1)</script>"]], caption="a & b",
                 row_classes=["muted"], cell_classes=[["q1"]])
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and "&lt;script&gt;" in html
    assert soup.find("th").get_text() == "<b>Nazwa</b>" and soup.find("caption").get_text() == "a & b"
    assert soup.find("tr", class_="muted").find("td")["class"] == ["q1"]
    assert soup.find("table")["class"] == ["jst-table", "jst-x"]
    assert not soup.find_all(style=True)


def test_paragraph_skips_empty_sentences_and_escapes():
    assert paragraph([None, "", "a < b"]) == "<p>a &lt; b</p>"
    assert paragraph([None, ""]) == ""
    assert note("x") == "<p class='jst-note'>x</p>"
    assert banner("<i>") == "<div class='jst-banner'>&lt;i&gt;</div>"


def test_stylesheet_defines_every_class_the_helpers_use():
    css = stylesheet()
    for cls in ("jst-table", "muted", "q1", "q4", "jst-note", "jst-notes", "jst-banner", "remark", "context"):
        assert f".{cls}" in css, cls


def test_model_notes_and_statuses_are_polish():
    assert model_note("too-few", 0, 30, float("nan"), 0.1) == "brak jednostek z danymi"
    assert model_note("constant", 50, 30, float("nan"), 0.1) == "wszystkie JST mają tę samą wartość"
    assert model_note("ok", 50, 30, 0.5, 0.1) == ""
    assert set(STATUS_TEXT) == {"ok", "poor-fit", "too-few", "constant"}
    assert quality_text("outlier,jump").count(";") == 1 and quality_text("unknown-flag") == ""
