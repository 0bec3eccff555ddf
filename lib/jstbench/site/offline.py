"""A built site that reads offline and in Polish. smalldocs has no translation option and loads its search index
with `fetch()`, which browsers refuse on `file://`; `polish_smalldocs()` fixes both in its output. `external_resources()`
lists what any page (of either renderer) would request from another host."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from jstbench.core.errors import InputError

SEARCH_INDEX_JS = "site_libs/search-index.js"
SEARCH_GLOBAL = "jstbenchSearchIndex"

# smalldocs' interface strings in the pages (exact markup it writes) and their Polish text
HTML_TEXT = {
    'placeholder="Search"': 'placeholder="Szukaj na stronie"',
    'aria-label="Search"': 'aria-label="Szukaj na stronie metodologii"',
    'aria-label="Toggle navigation"': 'aria-label="Pokaż lub ukryj menu"',
    'aria-label="Toggle section"': 'aria-label="Rozwiń lub zwiń dział"',
    'aria-label="Toggle sidebar navigation"': 'aria-label="Pokaż lub ukryj menu boczne"',
    'aria-label="breadcrumb"': 'aria-label="Ścieżka nawigacji"',
    'title="Toggle dark mode"': 'title="Tryb jasny lub ciemny"',
    'title="Copy to Clipboard"': 'title="Kopiuj do schowka" aria-label="Kopiuj kod do schowka"',
    # landmarks with names
    '<nav class="navbar ': '<nav aria-label="Menu główne" class="navbar ',
    '<nav id="TOC" ': '<nav aria-label="Spis treści strony" id="TOC" ',
}
# wide tables scroll: each a named region the keyboard can reach (WCAG 2.1.1), numbered so the names differ
TABLE = '<div class="sd-table">'

# Each must occur exactly once in smalldocs.js: a smalldocs release that changes them fails the build, not the reader
LOAD_INDEX = """      const r = await fetch(offset + "search.json");
      index = await r.json();"""
JS_TEXT = {
    LOAD_INDEX: f"""      index = await new Promise((done, fail) => {{
        const s = document.createElement("script");
        s.src = offset + "{SEARCH_INDEX_JS}";
        s.onload = () => done(window.{SEARCH_GLOBAL} || []);
        s.onerror = fail;
        document.head.appendChild(s);
      }});""",
    '>No results<': '>Brak wyników<',
    'btn.title = "Copied!"': 'btn.title = "Skopiowano"',
    'btn.title = "Copy to Clipboard"': 'btn.title = "Kopiuj do schowka"',
    'a.setAttribute("aria-label", "Anchor")': 'a.setAttribute("aria-label", "Odnośnik do tej sekcji")',
}


def polish_smalldocs(site: Path) -> None:
    """Polish interface strings in every page and in smalldocs.js; the search index also as a script, which loads
    on `file://` where `fetch()` does not."""
    script = site / "site_libs" / "smalldocs.js"
    js = script.read_text(encoding="utf-8")
    for old, new in JS_TEXT.items():
        if js.count(old) != 1:
            raise InputError(f"smalldocs.js no longer contains {old!r}: update jstbench.site.offline for this smalldocs",
                             script)
        js = js.replace(old, new)
    script.write_text(js, encoding="utf-8")
    index = json.loads((site / "search.json").read_text(encoding="utf-8"))
    (site / SEARCH_INDEX_JS).write_text(f"window.{SEARCH_GLOBAL} = {json.dumps(index, ensure_ascii=False)};\n",
                                        encoding="utf-8")
    pattern = re.compile("|".join(re.escape(k) for k in HTML_TEXT))
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        text = pattern.sub(lambda m: HTML_TEXT[m.group(0)], text)
        text = _table_headers(text)
        parts = text.split(TABLE)
        text = parts[0] + "".join(f'<div class="sd-table" tabindex="0" role="region" aria-label="Tabela {n} (przewijana)">{rest}'
                                  for n, rest in enumerate(parts[1:], start=1))
        page.write_text(text, encoding="utf-8")


HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.S)
TABLE_OPEN = re.compile(r"<table\b[^>]*>(?!\s*<caption)")


def _table_headers(page: str) -> str:
    """Markdown tables as accessible tables: header cells with `scope="col"`, and a caption (the nearest heading
    above the table, which is what the table is about).

    >>> _table_headers('<h2>Źródła</h2><table><thead><tr><th>a</th><th style="x">b</th></tr></thead></table>')
    '<h2>Źródła</h2><table><caption>Źródła</caption><thead><tr><th scope="col">a</th><th scope="col" style="x">b</th></tr></thead></table>'
    """
    page = re.sub(r"<th(?![^>]*\bscope=)(?=[\s>])", '<th scope="col"', page)
    out, last = [], 0
    for m in TABLE_OPEN.finditer(page):
        heads = list(HEADING.finditer(page, 0, m.start()))
        title = re.sub(r"<[^>]+>", "", heads[-1].group(2)).strip() if heads else ""
        out.append(page[last:m.end()] + (f"<caption>{title}</caption>" if title else ""))
        last = m.end()
    return "".join(out) + page[last:]


REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)|url\(\s*["']?([^"')\s]+)""", re.IGNORECASE)
JS_REMOTE = re.compile(r"""(?:fetch|import)\s*\(\s*["'](?:https?:)?//|\.src\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


class _Resources(HTMLParser):
    """Addresses a page loads by itself: every `src`, `srcset`, `<link href>`, `<object data>`, `<form action>`,
    inline CSS, and `<script>` code (hyperlinks `<a href>` are not loaded)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.css: list[str] = []
        self.js: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("src", "poster", "data") + (("href",) if tag in ("link", "base") else ()) + (("action",) if tag == "form" else ()):
            if a.get(key):
                self.urls.append(a[key])
        if a.get("srcset"):
            self.urls += [part.split()[0] for part in a["srcset"].split(",") if part.strip()]
        if a.get("style"):
            self.css.append(a["style"])
        self._in = tag if tag in ("style", "script") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.css.append(data)
        elif self._in == "script":
            self.js.append(data)


def _css_urls(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)  # licence comments name their home pages
    return [m.group(1) or m.group(2) for m in CSS_URL.finditer(css)]


def external_resources(site: Path) -> list[str]:
    """`file → address` for everything a page of the site, or its local CSS and JavaScript, would load from
    another host (`http(s)://…` or protocol-relative `//…`)."""
    found = []
    for page in sorted(site.rglob("*.html")):
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        urls = parser.urls + [u for css in parser.css for u in _css_urls(css)]
        found += [f"{page.relative_to(site)} → {u}" for u in urls if REMOTE.match(u)]
        found += [f"{page.relative_to(site)} → skrypt: {m.group(0)}" for js in parser.js for m in JS_REMOTE.finditer(js)]
    for css in sorted(site.rglob("*.css")):
        found += [f"{css.relative_to(site)} → {u}" for u in _css_urls(css.read_text(encoding="utf-8", errors="replace"))
                  if REMOTE.match(u)]
    for js in sorted(site.rglob("*.js")):
        found += [f"{js.relative_to(site)} → {m.group(0)}"
                  for m in JS_REMOTE.finditer(js.read_text(encoding="utf-8", errors="replace"))]
    return found
