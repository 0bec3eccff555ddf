"""The statistical layer in the rendered reports: expected values, similar authorities, composites, adjusted group tables."""

import json

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from jstbench.core.text import num
from jstbench.views.fair import USABLE_R2

POZNAN = "3064011"
OPOLE = "1661011"
HOSTILE = "Opole <script>alert(1)</script> & Co"


@pytest.fixture(scope="module")
def out(small_project, small_series):
    return small_project / "output" / "tests"


@pytest.fixture(scope="module")
def meta(out) -> dict:
    return json.loads((out / "data" / "series.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def indicators(out) -> dict[str, dict]:
    cat = json.loads((out / "data" / "catalogue.json").read_text(encoding="utf-8"))
    return {i["id"]: i for i in cat["indicators"]}


def soup(out, rel: str) -> BeautifulSoup:
    return BeautifulSoup((out / rel).read_text(encoding="utf-8"), "html.parser")


def cells(tr) -> list[str]:
    return [td.get_text() for td in tr.find_all("td")]


def section_titles(page: BeautifulSoup) -> list[str]:
    return [h.get_text(" ", strip=True).rstrip("¶").strip() for h in page.find_all("h2")]


def gap_text(a: pd.Series, response: str, decimals: int, unit: str) -> str | None:
    """The gap as the report prints it: relative for log models of non-shares, else absolute in the unit (p.p. for shares)."""
    if response == "log" and unit != "%" and pd.notna(a["gap_rel"]) and abs(100 * a["gap_rel"]) >= 0.5:
        return f"{num(100 * a['gap_rel'], 0, signed=True)}%"
    if response == "log" and unit != "%":
        return None  # within ±0,5%: more decimals, not checked here
    return f"{num(a['gap_abs'], decimals, signed=True)} {'p.p.' if unit == '%' else unit}"


def usable(m: pd.Series) -> bool:
    return m["status"] == "ok" and m["r2"] >= max(USABLE_R2, m["min_r2"])


def test_unit_report_has_the_fair_sections(out, meta):
    page = soup(out, f"jst/{POZNAN}.html")
    titles = section_titles(page)
    for title in ("Czego można się spodziewać w Państwa warunkach", "Podobne JST", "Indeksy złożone"):
        assert title in titles, title
    assert page.find("table", class_="jst-expected") is not None
    assert page.find("table", class_="jst-why") is not None
    assert page.find("table", class_="jst-peer-positions") is not None
    composite = meta["composites"][0]["name"]
    assert composite in [h.get_text(strip=True) for h in page.find_all("h3")]


def test_similar_authorities_are_the_k_peers_in_order(out, meta):
    peers = pd.read_parquet(out / "data" / "peers.parquet")
    expected = list(peers[peers["unit"] == POZNAN].sort_values("order")["peer"])
    items = soup(out, f"jst/{POZNAN}.html").find("ol", class_="jst-peers").find_all("li")
    assert len(items) == meta["similar"]["k"] == len(expected)
    assert [li.get_text().split("TERYT ")[1].split(";")[0] for li in items] == expected


def test_expected_values_table_prints_the_adjusted_values(out, meta, indicators):
    adjusted = pd.read_parquet(out / "data" / "adjusted.parquet").query("unit == @POZNAN").set_index("indicator")
    models = pd.read_parquet(out / "data" / "models.parquet").set_index("indicator")
    by_name = {i["name"]["pl"]: i["id"] for i in indicators.values()}
    page = soup(out, f"jst/{POZNAN}.html")
    rows = page.find("table", class_="jst-expected").find("tbody").find_all("tr")
    checked = 0
    for tr in rows:
        name, unit, value, expected, interval, gap, raw_q, adj_q, model = cells(tr)
        ind = by_name[name]
        m = models.loc[ind]
        assert unit == indicators[ind]["unit"] and not tr.get("class"), name
        assert usable(m) and ind in adjusted.index, name  # only models whose conditions explain enough
        a, d = adjusted.loc[ind], int(indicators[ind].get("decimals", 1))
        assert value == num(a["value"], d), name
        assert expected == num(a["expected"], d), name
        assert interval == f"{num(a['pi_low'], d)}–{num(a['pi_high'], d)}", name
        assert gap == (gap_text(a, m["response"], d, unit) or gap), name
        if m["n"] >= meta["min_coverage"] * m["expected"]:  # national quartiles of a model resting on enough units
            assert raw_q == f"Q{int(a['raw_quartile'])}" and adj_q == f"Q{int(a['adj_quartile'])}", name
        else:
            assert raw_q == adj_q == "nie podajemy", name
        assert model.startswith(f"model dopasowany, R² = {num(m['r2'], 2)}, n = {num(m['n'], 0)} z {num(m['expected'], 0)}"), name
        checked += 1
    assert checked >= 1
    for tr in page.find("table", class_="jst-expected-none").find("tbody").find_all("tr"):
        name, _value, why = cells(tr)
        m = models.loc[by_name[name]]
        if m["status"] == "ok" and not usable(m) and by_name[name] in adjusted.index:  # weak: said so with its R²
            assert why.startswith("warunki strukturalne wyjaśniają tylko ") and f"(R² = {num(m['r2'], 2)})" in why, name
            checked += 1
    assert checked >= 2


def test_group_reports_have_the_adjusted_comparison(out, meta, indicators):
    models = pd.read_parquet(out / "data" / "models.parquet")
    fitted = {indicators[m["indicator"]]["sector"] for _, m in models.iterrows() if usable(m)}
    checked = 0
    for g in [g for g in meta["exchange_groups"] if (out / "grupy" / f"{g['id']}.html").exists()]:
        page = soup(out, f"grupy/{g['id']}.html")
        assert "Porównanie skorygowane o warunki" in section_titles(page), g["id"]
        if g["sector"] in fitted:  # a service with an adjusted model (e.g. not one with context indicators only)
            assert page.find_all("table", class_="jst-adjusted"), g["id"]
            checked += 1
    assert checked


def test_group_adjusted_tables_match_the_data(out, meta, indicators):
    adjusted = pd.read_parquet(out / "data" / "adjusted.parquet")
    names = pd.read_parquet(out / "data" / "units.parquet").set_index("name")["code"].astype(str)
    by_title = {f"{i['name']['pl']} ({i['unit']})": i["id"] for i in indicators.values()}
    group = next(g for g in meta["exchange_groups"] if g["id"] == "miasta-oswiata")
    tables = soup(out, "grupy/miasta-oswiata.html").find_all("table", class_="jst-adjusted")
    assert tables
    for table in tables:
        ind = by_title[table.find_previous("h3").get_text()]
        d = int(indicators[ind].get("decimals", 1))
        rows = adjusted[(adjusted["indicator"] == ind) & adjusted["unit"].isin(group["members"])].set_index("unit")
        body = [cells(tr) for tr in table.find("tbody").find_all("tr")]
        assert len(body) == len(rows), ind
        for name, value, expected, _gap, raw_rank, adj_rank, inside in body:
            a = rows.loc[names[name]]
            assert value == num(a["value"], d) and expected == num(a["expected"], d), (ind, name)
            assert inside == ("tak" if a["pi_low"] <= a["value"] <= a["pi_high"] else "nie"), (ind, name)
            assert 1 <= first(raw_rank) <= len(rows) and 1 <= first(adj_rank) <= len(rows)
        assert [first(r[5]) for r in body] == sorted(first(r[5]) for r in body)  # ordered by the adjusted position


def first(rank: str) -> int:
    """The first position of '3' or '3–5 ex aequo'."""
    return int(rank.split("–")[0])


def test_hostile_name_is_escaped_in_every_report(out):
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 10
    for path in pages:
        raw = path.read_text(encoding="utf-8")
        assert "<script>alert(1)</script>" not in raw, path
        scripts = BeautifulSoup(raw, "html.parser").find_all("script")
        assert not [s for s in scripts if "alert(1)" in s.get_text()], path


def test_hostile_name_in_the_similar_authorities_list_is_escaped(out):
    peers = pd.read_parquet(out / "data" / "peers.parquet")
    hosts = sorted(peers.loc[peers["peer"] == OPOLE, "unit"])
    assert POZNAN in hosts  # in the fixture, Opole is one of Poznań's similar authorities
    for host in hosts:
        page = soup(out, f"jst/{host}.html")
        items = [li.get_text() for li in page.find("ol", class_="jst-peers").find_all("li")]
        assert any(text.startswith(f"{HOSTILE} (") for text in items), host
        assert page.find("ol", class_="jst-peers").find("script") is None, host
