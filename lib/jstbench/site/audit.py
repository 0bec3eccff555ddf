"""Accessibility and self-containment audit of built HTML pages (a series folder or the methodology site).

Static checks run on every page (`check_html`); axe-core's WCAG 2.1 A/AA rules run in the system's headless
Chromium on a sample of pages (`axe_pages`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote, urlsplit

import tinycss2
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

CHECKS = {
    "lang": '<html lang="pl">',
    "h1": "exactly one h1",
    "heading-order": "no heading level skipped",
    "img-alt": "every image has a text alternative",
    "table-caption": "every table has a caption",
    "th-scope": "every header cell has a scope",
    "external": "nothing loaded from another host",
    "missing-text": 'no "nan", "NaN", "None" or "<NA>" shown',
    "unreadable": "the file can be read and parsed",
}
NBCONVERT_ALT = "No description has been provided for this image"
SCOPES = {"col", "row", "colgroup", "rowgroup"}
RESOURCE_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload", "prefetch", "preconnect",
                 "dns-prefetch", "manifest"}
# (element, attribute) pairs that make the browser fetch something; `a href` is a link the reader follows, not a load
RESOURCE_ATTRS = [("script", "src"), ("img", "src"), ("img", "srcset"), ("source", "src"), ("source", "srcset"),
                  ("iframe", "src"), ("video", "src"), ("video", "poster"), ("audio", "src"), ("track", "src"),
                  ("embed", "src"), ("object", "data"), ("input", "src"), ("image", "href"), ("image", "xlink:href"),
                  ("use", "href"), ("use", "xlink:href")]
HEADING = re.compile(r"h[1-6]$")
INVISIBLE = {"script", "style", "template", "noscript"}
MISSING = re.compile(r"(?<![\w<])(?:nan|NaN|None|<NA>)(?![\w>])")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IMPACTS = ["critical", "serious", "moderate", "minor"]
FAILING_IMPACTS = {"critical", "serious"}


@dataclass(frozen=True, order=True)
class Problem:
    """One static problem: the file (relative to the audited folder), the check, what is wrong, the element."""

    file: str
    check: str
    message: str
    snippet: str = ""


@dataclass(frozen=True)
class Violation:
    """One axe-core rule violated on one page, with the number of elements that violate it."""

    page: str
    rule: str
    impact: str
    nodes: int
    help: str


@dataclass
class StaticAudit:
    """The static checks of a folder: how many pages and stylesheets were read, and every problem found."""

    pages: int = 0
    stylesheets: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass
class AxeAudit:
    """axe-core on a sample of pages: the pages, the violations, and pages axe could not run on (page, reason)."""

    pages: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failing(self) -> list[Violation]:
        """The serious and critical violations (those that fail the audit)."""
        return [v for v in self.violations if v.impact in FAILING_IMPACTS]


def is_external(url: str) -> bool:
    """Whether a URL loads from another host (http:, https: or protocol-relative).

    >>> [is_external(u) for u in ("https://cdn.example/x.js", "//fonts.example/a.css", "site_libs/a.css", "data:,x")]
    [True, True, False, False]
    """
    return url.strip().lower().startswith(("http:", "https:", "//"))


def snippet(tag: Tag, limit: int = 160) -> str:
    """An element as a short line: its opening tag (long attribute values cut) and the start of its text."""
    attrs = []
    for name, value in tag.attrs.items():
        text = " ".join(value) if isinstance(value, list) else str(value)
        attrs.append(f'{name}="{text[:60] + "…" if len(text) > 60 else text}"')
    opening = "<" + " ".join([tag.name, *attrs]) + ">"
    text = " ".join(tag.get_text(" ", strip=True).split())
    out = opening + text
    return out[:limit] + "…" if len(out) > limit else out


def css_urls(css: str) -> list[tuple[str, bool]]:
    """Every URL a stylesheet refers to, with whether it is an @import: `url(...)`, and the string after @import.

    >>> css_urls('@import "a.css"; p { background: url(//x.example/b.png) } /* url(http://no) */')
    [('a.css', True), ('//x.example/b.png', False)]
    """
    found: list[tuple[str, bool]] = []

    def walk(tokens: Iterable) -> None:
        after_import = False
        for t in tokens:
            if t.type in ("whitespace", "comment"):
                continue
            if t.type == "url":
                found.append((t.value, after_import))
            elif t.type == "function" and t.lower_name in ("url", "src"):
                found.extend((a.value, after_import) for a in t.arguments if a.type == "string")
            elif t.type == "string" and after_import:
                found.append((t.value, True))
            if t.type == "function":
                walk(t.arguments)
            elif t.type in ("{} block", "[] block", "() block"):
                walk(t.content)
            after_import = t.type == "at-keyword" and t.lower_value == "import"

    walk(tinycss2.parse_component_value_list(css, skip_comments=True))
    return found


@lru_cache(maxsize=64)
def _external_css(css: str) -> tuple[str, ...]:
    """The external URLs of a stylesheet (cached: every report carries the same large inline styles)."""
    return tuple(u for u, _ in css_urls(css) if is_external(u))


def _check_soup(soup: BeautifulSoup, file: str) -> list[Problem]:
    out: list[Problem] = []

    def problem(check: str, message: str, tag: Tag | None = None, text: str = "") -> None:
        out.append(Problem(file, check, message, snippet(tag) if tag is not None else text))

    tags: dict[str, list[Tag]] = {}
    styled: list[Tag] = []
    headings: list[Tag] = []
    for tag in soup.find_all(True):  # one walk over the tree; the checks below read its buckets
        tags.setdefault(tag.name, []).append(tag)
        if HEADING.match(tag.name):
            headings.append(tag)
        if tag.has_attr("style"):
            styled.append(tag)

    html = soup.find("html")
    lang = html.get("lang") if isinstance(html, Tag) else None
    if not isinstance(lang, str) or lang.strip().lower().split("-")[0] != "pl":
        problem("lang", f'<html> has lang={lang!r}, not "pl"' if lang else "<html> has no lang attribute (lang=\"pl\" expected)")

    h1 = tags.get("h1", [])
    if len(h1) != 1:
        titles = "; ".join(repr(" ".join(h.get_text(" ", strip=True).split())[:60]) for h in h1)
        problem("h1", f"{len(h1)} h1 headings, exactly one expected" + (f": {titles}" if titles else ""),
                h1[1] if len(h1) > 1 else None)
    for prev, h in pairwise(headings):
        a, b = int(prev.name[1]), int(h.name[1])
        if b > a + 1:
            problem("heading-order", f"{h.name} follows {prev.name}: heading level skipped", h)

    for img in tags.get("img", []):
        alt = img.get("alt")
        if not isinstance(alt, str) or not alt.strip():
            problem("img-alt", "image without a text alternative (alt missing or empty)", img)
        elif alt.strip() == NBCONVERT_ALT:
            problem("img-alt", f"image with nbconvert's placeholder alt {NBCONVERT_ALT!r}", img)

    for table in tags.get("table", []):
        cap = table.find("caption", recursive=False)
        if not isinstance(cap, Tag) or not cap.get_text(strip=True):
            problem("table-caption", "table without a caption" if cap is None else "table with an empty caption", table)
    for th in tags.get("th", []):
        scope = th.get("scope")
        if not isinstance(scope, str) or scope.strip().lower() not in SCOPES:
            problem("th-scope", f"th with scope={scope!r}, not col, row, colgroup or rowgroup" if scope else "th without a scope", th)

    for link in tags.get("link", []):
        rels = {r.lower() for r in (link.get("rel") or [])}
        href = link.get("href")
        if rels & RESOURCE_RELS and isinstance(href, str) and is_external(href):
            problem("external", f"<link rel={'/'.join(sorted(rels))}> loads from another host: {href}", link)
    for name, attr in RESOURCE_ATTRS:
        for tag in tags.get(name, []):
            value = tag.get(attr)
            if not isinstance(value, str):
                continue
            urls = [part.split()[0] for part in value.split(",") if part.split()] if attr == "srcset" else [value]
            for url in urls:
                if is_external(url):
                    problem("external", f"<{name} {attr}> loads from another host: {url}", tag)
    for style in tags.get("style", []):
        for url in _external_css(style.get_text()):
            problem("external", f"inline <style> loads from another host: {url}", text=f"url({url})")
    for tag in styled:
        for url in _external_css(str(tag["style"])):
            problem("external", f"style attribute loads from another host: {url}", tag)

    for text in soup.find_all(string=MISSING):
        # plain text only: comments, doctypes and the text of script, style and template elements are other classes
        if type(text) is not NavigableString or any(p.name in INVISIBLE for p in text.parents):
            continue
        flat = " ".join(str(text).split())
        found = list(MISSING.finditer(flat))
        first = found[0]
        times = f" ({len(found)}×)" if len(found) > 1 else ""
        problem("missing-text", f"{first.group()!r} shown as text{times}: …{flat[max(0, first.start() - 40):first.end() + 40]}…",
                text.parent)
    return out


def check_html(html: str, file: str = "<page>") -> list[Problem]:
    """The static problems of one HTML page (external stylesheets it links are checked by `audit_folder`)."""
    return _check_soup(BeautifulSoup(html, "html.parser"), file)


def _local_stylesheets(soup: BeautifulSoup, page: Path) -> list[Path]:
    out = []
    for link in soup.find_all("link", href=True):
        href = link["href"]
        if "stylesheet" in {r.lower() for r in (link.get("rel") or [])} and isinstance(href, str) and not is_external(href):
            parts = urlsplit(href)
            if not parts.scheme and parts.path:
                out.append((page.parent / unquote(parts.path)).resolve())
    return out


def html_pages(folder: Path) -> list[Path]:
    """Every built HTML page under a folder, leaving out hidden folders (staging folders of a build, checkpoints)."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*.html") if not any(part.startswith(".") for part in p.relative_to(folder).parts))


def audit_folder(folder: Path, progress: Callable[[int, int], None] | None = None) -> StaticAudit:
    """The static checks over every HTML page under `folder` and every local stylesheet they link, following local
    @imports; an unreadable page is reported and the others go on."""
    folder = Path(folder).resolve()
    pages = html_pages(folder)
    result = StaticAudit(pages=len(pages))
    css: set[Path] = set()

    def rel(p: Path) -> str:
        try:
            return p.relative_to(folder).as_posix()
        except ValueError:
            return str(p)

    for i, page in enumerate(pages, 1):
        try:
            soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        except (OSError, UnicodeDecodeError) as exc:
            result.problems.append(Problem(rel(page), "unreadable", f"cannot read the page: {exc}"))
            continue
        result.problems.extend(_check_soup(soup, rel(page)))
        css.update(_local_stylesheets(soup, page))
        if progress:
            progress(i, len(pages))

    seen: set[Path] = set()
    todo = sorted(css)
    while todo:
        sheet = todo.pop()
        if sheet in seen:
            continue
        seen.add(sheet)
        try:
            text = sheet.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            result.problems.append(Problem(rel(sheet), "unreadable", f"cannot read the stylesheet: {exc}"))
            continue
        for url, imported in css_urls(text):
            if is_external(url):
                result.problems.append(Problem(rel(sheet), "external", f"stylesheet loads from another host: {url}", f"url({url})"))
            elif imported and not urlsplit(url).scheme:
                todo.append((sheet.parent / unquote(urlsplit(url).path)).resolve())
    result.stylesheets = len(seen)
    result.problems.sort(key=lambda p: p.file)  # stable: document order within a file
    return result


def sample_pages(pages: Sequence[Path], folder: Path, n: int) -> list[Path]:
    """`n` pages spread over the folder's sub-folders: the first of each folder in turn, then the next, and so on
    (a series: the index, a group report, an authority report, the data-quality report)."""
    by_dir: dict[str, list[Path]] = {}
    for p in sorted(pages, key=lambda p: (p.name != "index.html", str(p))):
        by_dir.setdefault(p.relative_to(folder).parent.as_posix(), []).append(p)
    out: list[Path] = []
    while len(out) < n and any(by_dir.values()):
        for key in sorted(by_dir):
            if by_dir[key] and len(out) < n:
                out.append(by_dir[key].pop(0))
    return out


def axe_pages(pages: Sequence[Path], folder: Path) -> AxeAudit:
    """axe-core (bundled by axe-playwright-python) with the WCAG 2.0/2.1 A and AA rules on each page, in headless
    Chromium; a page axe cannot run on is listed with the reason. BrowserUnavailable when there is no browser."""
    from axe_playwright_python.sync_playwright import Axe

    from jstbench.site.pdf import chromium

    folder = Path(folder).resolve()
    result, axe = AxeAudit(), Axe()
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    with chromium() as browser:
        for path in pages:
            name = Path(path).resolve().relative_to(folder).as_posix()
            result.pages.append(name)
            page = browser.new_page()
            try:
                page.goto(Path(path).resolve().as_uri(), wait_until="load")
                response = axe.run(page, options=options).response
            except Exception as exc:  # a batch goes on past a failing page
                result.failed.append((name, f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"))
                continue
            finally:
                page.close()
            for v in response["violations"]:
                result.violations.append(Violation(name, v["id"], v.get("impact") or "minor", len(v["nodes"]), v["help"]))
    result.violations.sort(key=lambda v: (IMPACTS.index(v.impact) if v.impact in IMPACTS else len(IMPACTS), v.rule, v.page))
    return result
