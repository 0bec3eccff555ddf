"""The methodology site renders from the same _quarto.yml, one page per indicator, no broken links."""

from bs4 import BeautifulSoup

from jstbench.catalogue.load import load_catalogue
from jstbench.core.project import Project
from jstbench.site.build import broken_links, build_site, percent


def test_site_build(small_project, small_series):
    project = Project(small_project)
    res = build_site(project)
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
