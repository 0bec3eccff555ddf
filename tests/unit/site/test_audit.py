"""The static page audit: each check on a small page that passes and one that fails."""

from __future__ import annotations

import pytest

from jstbench.site.audit import NBCONVERT_ALT, audit_folder, check_html, sample_pages


def page(body: str = "", head: str = "", lang: str | None = "pl", h1: str = "<h1>Raport</h1>") -> str:
    """A page that passes every check, with `body` after its one h1."""
    attr = f' lang="{lang}"' if lang is not None else ""
    return f"<!DOCTYPE html><html{attr}><head><title>t</title>{head}</head><body>{h1}{body}</body></html>"


def checks(html: str) -> list[str]:
    return [p.check for p in check_html(html, "p.html")]


def test_a_clean_page_passes():
    body = ("<h2>A</h2><h3>B</h3><h2>C</h2><img alt='Wykres kosztów' src='data:image/svg+xml;base64,AA=='>"
            "<table><caption>Koszty</caption><thead><tr><th scope='col'>JST</th></tr></thead>"
            "<tbody><tr><th scope='row'>Nanowo</th><td>1,5</td></tr></tbody></table>"
            "<a href='https://stat.gov.pl/'>GUS</a><p>nanotechnologia, NoneSuch</p><script>var x = NaN;</script>")
    assert check_html(page(body, head="<link rel='stylesheet' href='site.css'><style>p { color: red }</style>")) == []


@pytest.mark.parametrize("lang", [None, "en", ""])
def test_lang(lang):
    assert checks(page(lang=lang)) == ["lang"]
    assert checks(page(lang="pl-PL")) == []


def test_exactly_one_h1():
    assert checks(page(h1="")) == ["h1"]
    [p] = check_html(page(h1="<h1>Raport</h1><h1>Poznań</h1>"))
    assert p.check == "h1" and "2 h1" in p.message and "Poznań" in p.snippet


def test_heading_levels_not_skipped():
    assert checks(page("<h2>A</h2><h3>B</h3><h4>C</h4><h2>D</h2>")) == []
    [p] = check_html(page("<h2>A</h2><h4>Koszt</h4>"))
    assert p.check == "heading-order" and "h4 follows h2" in p.message and "Koszt" in p.snippet


@pytest.mark.parametrize("img", ["<img src='a.svg'>", "<img alt='  ' src='a.svg'>", f"<img alt='{NBCONVERT_ALT}' src='a.svg'>"])
def test_images_have_a_real_alt(img):
    assert checks(page(img)) == ["img-alt"]
    assert checks(page("<img alt='Koszt na ucznia: mediana 10 tys. zł' src='a.svg'>")) == []


def test_tables_have_a_caption():
    assert checks(page("<table><caption>Koszty</caption><tr><td>1</td></tr></table>")) == []
    assert checks(page("<table><tr><td>1</td></tr></table>")) == ["table-caption"]
    assert checks(page("<table><caption> </caption><tr><td>1</td></tr></table>")) == ["table-caption"]


@pytest.mark.parametrize("th", ["<th>JST</th>", "<th scope='header'>JST</th>"])
def test_header_cells_have_a_scope(th):
    table = "<table><caption>c</caption><thead><tr>{}</tr></thead></table>"
    assert checks(page(table.format(th))) == ["th-scope"]
    assert checks(page(table.format("<th scope='colgroup'>JST</th>"))) == []


@pytest.mark.parametrize("markup", [
    "<script src='https://cdn.example.org/x.js'></script>",
    "<link rel='stylesheet' href='http://cdn.example.org/x.css'>",
    "<link rel='icon' href='//cdn.example.org/favicon.ico'>",
    "<link rel='preload' as='font' href='https://fonts.example.org/a.woff2'>",
    "<style>@import 'https://fonts.example.org/css2?family=X';</style>",
    "<style>body { background: url(\"//img.example.org/bg.png\") }</style>",
])
def test_nothing_loaded_from_another_host_head(markup):
    assert checks(page(head=markup)) == ["external"]


@pytest.mark.parametrize("markup", [
    "<img alt='x' src='https://img.example.org/a.png'>",
    "<img alt='x' src='a.png' srcset='a2.png 2x, https://img.example.org/a3.png 3x'>",
    "<picture><source srcset='//img.example.org/a.webp'><img alt='x' src='a.png'></picture>",
    "<iframe title='mapa' src='https://maps.example.org/embed'></iframe>",
    "<p style='background: url(https://img.example.org/a.png)'>x</p>",
])
def test_nothing_loaded_from_another_host_body(markup):
    assert checks(page(markup)) == ["external"]


def test_local_and_data_resources_and_hyperlinks_are_fine():
    body = ("<img alt='x' src='data:image/png;base64,AA=='><img alt='y' src='../img/a.png'><script src='js/a.js'></script>"
            "<a href='https://example.org/'>strona</a><link rel='alternate' href='https://example.org/feed'>")
    assert checks(page(body, head="<style>p { background: url(img/a.png) }</style>")) == []


@pytest.mark.parametrize("text", ["nan", "NaN zł", "wartość: None", "&lt;NA&gt;", "(nan%)"])
def test_no_missing_value_tokens_shown(text):
    [p] = check_html(page(f"<p>Koszt {text}</p>"))
    assert p.check == "missing-text" and p.snippet.startswith("<p>")


@pytest.mark.parametrize("text", ["Nanowo", "nanotechnologia", "Nonet", "NAN", "<!-- nan -->"])
def test_words_containing_the_tokens_are_fine(text):
    assert checks(page(f"<p>{text}</p><template>None</template><style>/* nan */</style>")) == []


def test_folder_audit_checks_local_stylesheets_and_goes_on_past_a_bad_page(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("@import 'theme.css'; p { color: red }", encoding="utf-8")
    (tmp_path / "css" / "theme.css").write_text("@import url(https://fonts.example.org/css2?family=X);", encoding="utf-8")
    (tmp_path / "a.html").write_text(page(head="<link rel='stylesheet' href='css/site.css'>"), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.html").write_bytes(b"\xff\xfe not utf-8")
    (tmp_path / "sub" / "c.html").write_text(page(lang="en"), encoding="utf-8")
    (tmp_path / ".staging").mkdir()
    (tmp_path / ".staging" / "d.html").write_text(page(lang="en"), encoding="utf-8")
    res = audit_folder(tmp_path)
    assert res.pages == 3 and res.stylesheets == 2
    assert [(p.file, p.check) for p in res.problems] == [
        ("css/theme.css", "external"), ("sub/b.html", "unreadable"), ("sub/c.html", "lang")]
    assert "fonts.example.org" in res.problems[0].message


def test_sample_spreads_over_the_sub_folders(tmp_path):
    names = ["index.html", "jakosc-danych.html", "jst/1.html", "jst/2.html", "jst/3.html", "grupy/a.html"]
    pages = [tmp_path / n for n in names]
    got = [p.relative_to(tmp_path).as_posix() for p in sample_pages(pages, tmp_path, 4)]
    assert got == ["index.html", "grupy/a.html", "jst/1.html", "jakosc-danych.html"]
