"""The methodology site renders from the same _quarto.yml, one page per indicator, no broken links; it reads
offline (nothing from other hosts, search on file://), in Polish, and meets WCAG 2.1 AA where it can be checked."""

import re
import shutil
from itertools import pairwise
from pathlib import Path

import pytest
import tinycss2
import tinycss2.color3
from bs4 import BeautifulSoup

from jstbench.catalogue.load import load_catalogue
from jstbench.core.project import Project
from jstbench.site.build import SiteResult, broken_links, build_site, percent
from jstbench.site.offline import external_resources


@pytest.fixture(scope="module")
def built(small_project, small_series) -> tuple[Project, SiteResult]:
    project = Project(small_project)
    return project, build_site(project)


def _pages(site: Path) -> dict[str, BeautifulSoup]:
    return {str(p.relative_to(site)): BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
            for p in sorted(site.rglob("*.html"))}


def test_site_build(built):
    project, res = built
    cat = load_catalogue(project.catalogue_dir)
    site = project.site_dir
    assert res.renderer in ("quarto", "smalldocs")
    pages = list((site / "indicators").glob("*.html"))
    assert len(pages) == len(cat) + 1  # one per indicator + the index
    assert res.links_checked > len(cat)
    page = BeautifulSoup((site / "indicators" / "waste_cost_per_tonne.html").read_text(encoding="utf-8"), "html.parser")
    text = page.get_text(" ")
    assert "ratio(exp_90002, waste_collected_t)" in text and "rozdziały 90002" in text
    reports = (site / "reports.html").read_text(encoding="utf-8")
    assert "../tests/index.html" in reports
    participants = (site / "methods" / "participants.html").read_text(encoding="utf-8")
    assert "Mieścisko" in participants and "Kołomyje" in participants
    sectors = {i.sector for i in cat.indicators.values()}
    assert {p.stem for p in (site / "sectors").glob("*.html")} == sectors
    index = (site / "indicators" / "index.html").read_text(encoding="utf-8")
    assert 'id="jst-filter"' in index and index.count("<tr") >= len(cat)
    to_verify = BeautifulSoup((site / "catalogue" / "to-verify.html").read_text(encoding="utf-8"), "html.parser")
    assert f"{sum(i.status != 'verified' for i in cat.indicators.values())} z {len(cat)} wskaźników" in " ".join(to_verify.get_text(" ").split())
    forms = (site / "catalogue" / "forms.html").read_text(encoding="utf-8")
    assert all(f.name in forms for f in cat.forms.values())
    assert "Zmiany łamiące porównywalność" in (site / "catalogue" / "changelog.html").read_text(encoding="utf-8")
    # sources by years, probable ids, evidence, breaks and SMUP on the indicator pages and on "Źródła danych"
    _sources_pages(site, cat)
    assert "Nazwy nierozstrzygnięte" in participants and "Miejsce Piastowe" in participants
    # the statistical pages: diagnostics of the built series, and no unrendered LaTeX for readers offline
    diagnostics = (site / "diagnostics" / "tests.html").read_text(encoding="utf-8")
    assert "Modele" in diagnostics and "img/tests/" in diagnostics and "Typologia z danych" in diagnostics
    assert "tests-indeksy.html#odpady" in diagnostics  # the composites' table links to their page
    composites = " ".join(BeautifulSoup((site / "diagnostics" / "tests-indeksy.html").read_text(encoding="utf-8"),
                                        "html.parser").get_text(" ").split())
    for words in ("Indeks gospodarki odpadami", "dwa poziomy (domeny: 2)", "domena „Zbiórka”", "waga efektywna",
                  "Skala stała: zakres roku 2022", "Analiza wrażliwości oparta na wariancji (plan Saltellego, 16 punktów",
                  "pominięcia jednej składowej", "alfa Cronbacha", "błąd standardowy (bootstrap)"):
        assert words in composites, words
    for page in (site / "methods").glob("*.html"):
        text = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text(" ")
        assert "\\(" not in text and "\\[" not in text and "$" not in text, page.name


def test_broken_link_is_found(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_text('<a href="b.html">b</a><a href="missing.html">x</a><a href="https://x.pl">e</a>')
    (site / "b.html").write_text('<a href="a.html#top">a</a>')
    checked, broken = broken_links(site, site)
    assert checked == 3 and broken == ["a.html → missing.html"]


def _text(path) -> str:
    return " ".join(BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())


def _sources_pages(site, cat):
    benefit = _text(site / "indicators" / "soc_child_benefit_per_capita.html")
    assert "Przerwy w porównywalności" in benefit
    assert "2016 Rb-28S, dział 852, rozdziały 85211" in benefit and "od 2017 Rb-28S, dział 855, rozdziały 85501" in benefit
    assert "ZUS500" in benefit and "LEG855" in benefit  # breaks with their evidence
    births = _text(site / "indicators" / "ctx_births_per_1000.html")
    assert "zmienna 59" in births and "id prawdopodobne" in births
    capital = _text(site / "indicators" / "ctx_capital_spending_share.html")
    assert "Odpowiednik w SMUP" in capital and "SMUP 4053 (gminy)" in capital and "SMUP 4403 (miasta na prawach powiatu)" in capital
    assert "JAWNE smup.ts" in capital and "KLAS zał. 4" in capital
    sources = _text(site / "catalogue" / "sources.html")
    cov = cat.coverage()
    assert f"{percent(cov.verified_public_share)} zmiennych katalogu ({len(cov.verified_public)} z {len(cat.variables)})" in sources
    assert f"{percent(cov.public_only_share)} wskaźników ({len(cov.public_only)} z {len(cat)})" in sources
    for name in cat.variables:
        assert name in sources
    assert "72305" in sources and "zweryfikowana" in sources and "do weryfikacji" in sources
    assert "Od 1.1.2017 nowy dział 855 Rodzina" in sources  # a break, with its evidence
    assert "`births`" not in sources and "births" in sources  # the markdown renders as code, not backticks
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "catalogue/sources.html" in index


ENGLISH = ["Search", "On this page", "No results", "Toggle navigation", "Copy to Clipboard", "Copied!", "Anchor",
           "Toggle sidebar", "Toggle section", "Toggle dark mode", '>Note<']


def test_interface_is_polish(built):
    project, res = built
    site = project.site_dir
    for name, page in _pages(site).items():
        assert page.html["lang"] == "pl", name
        chrome = [v for tag in page.find_all(True) for k, v in tag.attrs.items() if k in ("aria-label", "title", "placeholder")]
        for block in page.find_all(["header", "nav", "footer"]) + page.select(".callout-title-container"):
            chrome.append(str(block))
        for word in ENGLISH:
            assert not any(word in c for c in chrome), (name, word)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'placeholder="Szukaj na stronie"' in index and "Na tej stronie" in index and ">Uwaga<" in index
    if res.renderer == "smalldocs":
        js = (site / "site_libs" / "smalldocs.js").read_text(encoding="utf-8")
        assert "Brak wyników" in js and "No results" not in js and '"Copied!"' not in js


def test_nothing_loads_from_other_hosts(built):
    project, _ = built
    site = project.site_dir
    assert external_resources(site) == []
    # independently of external_resources(): every loaded address in pages, and every url()/@import in CSS, is local
    for name, page in _pages(site).items():
        for tag in page.find_all(True):
            for key in ("src", "srcset", "data", "poster") + (("href",) if tag.name == "link" else ()):
                assert not re.match(r"\s*(https?:)?//", tag.get(key) or ""), (name, tag.name, tag.get(key))
        for style in page.find_all("style"):
            assert "//" not in re.sub(r"/\*.*?\*/", "", style.get_text(), flags=re.S), name
    for css in site.rglob("*.css"):
        text = re.sub(r"/\*.*?\*/", "", css.read_text(encoding="utf-8"), flags=re.S)
        assert not re.search(r"""(@import|url\()\s*["']?(https?:)?//""", text), css.name
        assert "googleapis" not in text, css.name


def test_external_resources_are_found(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "a.html").write_text(
        '<link rel="stylesheet" href="https://cdn.example/x.css"><script src="//cdn.example/x.js"></script>'
        '<img src="http://example.pl/i.png"><div style="background:url(https://example.pl/b.png)"></div>'
        '<a href="https://stat.gov.pl/">GUS</a><link rel="stylesheet" href="lib/ok.css"><img src="img/ok.png">',
        encoding="utf-8")
    (tmp_path / "lib" / "ok.css").write_text(
        '/* https://getbootstrap.com/ */ @import url("https://fonts.googleapis.com/css2?family=X");'
        ' .i{background:url("data:image/svg+xml,%3csvg xmlns=\'http://www.w3.org/2000/svg\'")} .f{src:url(fonts/f.woff2)}',
        encoding="utf-8")
    (tmp_path / "lib" / "s.js").write_text('fetch("https://api.example/x"); fetch(offset + "search.json");', encoding="utf-8")
    found = external_resources(tmp_path)
    assert found == ["a.html → https://cdn.example/x.css", "a.html → //cdn.example/x.js", "a.html → http://example.pl/i.png",
                     "a.html → https://example.pl/b.png", "lib/ok.css → https://fonts.googleapis.com/css2?family=X",
                     'lib/s.js → fetch("https://']


VAGUE = {"otwórz", "tutaj", "link", "kliknij", "więcej", "here", "open", "click here", "more"}


def test_accessible_structure(built):
    """One h1 per page, no skipped heading levels, header cells in every table, links that say where they go."""
    project, _ = built
    for name, page in _pages(project.site_dir).items():
        main = page.find("main") or page
        levels = [int(h.name[1]) for h in main.find_all(re.compile(r"^h[1-6]$"))]
        assert levels.count(1) == 1 and levels[0] == 1, (name, levels)
        assert all(b <= a + 1 for a, b in pairwise(levels)), (name, levels)
        for table in page.find_all("table"):
            heads = table.find_all("th")
            assert heads and all(th.get_text(strip=True) for th in heads), (name, str(table)[:200])
        for a in page.find_all("a", href=True):
            label = " ".join((a.get_text(" ") or a.get("aria-label") or a.get("title") or "").split()).lower()
            assert label and label not in VAGUE and not re.fullmatch(r"https?://\S+", label), (name, str(a)[:200])


def _root_colours(site: Path) -> dict[str, str]:
    """Custom properties of `:root` in the light mode, from the stylesheets of the index page in their order."""
    props: dict[str, str] = {}
    page = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    for link in page.find_all("link", rel="stylesheet"):
        if link.get("media") == "not all":
            continue
        rules = tinycss2.parse_stylesheet((site / link["href"]).read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True)
        for rule in rules:
            if rule.type != "qualified-rule" or not tinycss2.serialize(rule.prelude).strip().startswith(":root") \
                    or "dark" in tinycss2.serialize(rule.prelude):
                continue
            for d in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
                if d.type == "declaration" and d.name.startswith("--"):
                    props[d.name] = tinycss2.serialize(d.value).strip()
    return props


def _colour(props: dict[str, str], value: str):
    while (m := re.fullmatch(r"var\((--[\w-]+)(?:,\s*(.+))?\)", value)):
        value = props.get(m.group(1), m.group(2) or "")
    return tinycss2.color3.parse_color(value)


def _luminance(rgb: tuple[float, float, float]) -> float:
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_text_contrast_of_the_theme(built):
    """The theme's text colours, greys included, have a contrast of at least 4.5:1 on the page background."""
    project, _ = built
    props = _root_colours(project.site_dir)
    bg = _colour(props, props["--bs-body-bg"])
    assert bg is not None and bg.alpha == 1
    names = ["--bs-body-color", "--bs-secondary-color", "--bs-tertiary-color", "--bs-emphasis-color", "--bs-link-color",
             "--bs-link-hover-color", "--sd-muted", "--sd-inline-code", "--quarto-hl-co"]
    for name in names:
        fg = _colour(props, props[name])
        assert fg is not None, name
        mixed = [fg.alpha * f + (1 - fg.alpha) * b for f, b in zip(fg[:3], bg[:3], strict=True)]  # a translucent grey over the page
        light, dark = sorted([_luminance(mixed), _luminance(bg[:3])], reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (name, props[name])


def test_indicator_pages_at_stable_urls(built):
    """Reports in output/<series>/jst/ link to ../../site/indicators/<id>.html: every indicator has its page there."""
    project, _ = built
    cat = load_catalogue(project.catalogue_dir)
    jst = project.output_dir / "tests" / "jst"
    for ind in cat.indicators.values():
        assert (jst / "../../site/indicators" / f"{ind.id}.html").resolve().is_file(), ind.id
    linked = {href for report in jst.glob("*.html") for href in re.findall(r'href="(\.\./\.\./site/[^"#]*)', report.read_text(encoding="utf-8"))}
    assert all((jst / href).resolve().is_file() for href in linked), sorted(h for h in linked if not (jst / h).resolve().is_file())


def _browser():
    """Playwright with the system Chromium, or a skip that says what is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    return sync_api, chromium


@pytest.mark.parametrize("query", ["ucznia", "mediana"])
def test_search_works_from_file(built, query):
    """Opened from disk, the search box finds Polish words (the index loads without fetch())."""
    project, _ = built
    sync_api, chromium = _browser()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        remote: list[str] = []
        page.on("request", lambda r: remote.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        page.goto((project.site_dir / "indicators" / "index.html").as_uri())
        page.locator("#quarto-search input").type(query)
        page.wait_for_function("q => document.querySelector('.search-none') || [...document.querySelectorAll("
                               "'.search-result mark')].some(m => m.textContent.toLowerCase() === q)", arg=query, timeout=10_000)
        texts = page.locator(".search-result").all_inner_texts()
        browser.close()
    assert texts and all(query in t.lower() for t in texts[:3]), texts[:3]
    assert remote == []


def test_pages_pass_axe(built):
    """axe-core finds no WCAG 2.1 A/AA (or best-practice) violation on representative pages (one of each kind; the
    long catalogue tables are left to the static audit of every page, axe takes about 10 s on each of them)."""
    project, _ = built
    sync_api, chromium = _browser()
    axe_mod = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is not installed")
    pages = ["index.html", "indicators/waste_cost_per_tonne.html", "catalogue/questionnaires.html",
             "methods/deflators.html", "diagnostics/tests.html", "reports.html", "praktyki/index.html",
             "praktyki/demo-turek-selektywna-zbiorka.html"]
    found = {}
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        for rel in pages:
            page.goto((project.site_dir / rel).as_uri())
            # resultTypes: every rule still runs and every violation comes back with all its nodes; only the other
            # result types (passes, incomplete: not asserted on) keep one node each, which halves axe's time on the
            # long diagnostics page (20 s → 9 s)
            result = axe_mod.Axe().run(page, options={"runOnly": {"type": "tag", "values": [
                "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}, "resultTypes": ["violations"]})
            found[rel] = [(v["id"], v["nodes"][0]["html"][:120]) for v in result.response["violations"]]
        browser.close()
    assert found == {rel: [] for rel in pages}


def test_the_static_audit_finds_no_problem_on_any_site_page(built):
    from jstbench.site.audit import audit_folder

    project, _ = built
    res = audit_folder(project.site_dir)
    assert res.pages > 100
    assert [f"{p.file}: {p.check}" for p in res.problems][:10] == []


def test_practice_section_lists_every_practice_and_filters_in_the_browser(built):
    """`praktyki/`: a page per practice of params/practices with its trend chart, the competition's results page,
    and a list whose indicator filter leaves exactly the practices naming that indicator."""
    from jstbench.data.practices import competition_entries, load_practices

    project, _ = built
    cat = load_catalogue(project.catalogue_dir)
    awards = competition_entries(project.competitions_dir)
    practices = [x.practice for x in load_practices([project.practices_dir], cat, None, awards)]
    site = project.site_dir / "praktyki"
    for p in practices:
        page = BeautifulSoup((site / f"{p.id}.html").read_text(encoding="utf-8"), "html.parser")
        img = page.find("img", src=re.compile(r"\.svg$"))
        assert img is not None and p.unit in page.get_text(" ") and img["alt"].startswith("Wykres liniowy"), p.id
    results = (site / "konkurs-demo-2024.html").read_text(encoding="utf-8")
    assert "Wyniki nie zostały jeszcze ogłoszone" in results  # no jury workbooks in the test project
    sync_api, chromium = _browser()
    want = sorted(p.title for p in practices if "waste_separate_share" in p.indicators)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto((site / "index.html").as_uri() + "?indicator=waste_separate_share")
        shown = page.locator("#practices tbody tr:not([hidden]) td:first-child a").all_inner_texts()
        count = page.locator("#practices-count").inner_text()
        page.select_option("#f-indicator", "")
        page.fill("#f-text", "turek")
        by_text = page.locator("#practices tbody tr:not([hidden])").count()
        browser.close()
    assert sorted(shown) == want and len(want) == 2
    assert count == f"Pokazano 2 z {len(practices)} praktyk."
    assert by_text == 1
