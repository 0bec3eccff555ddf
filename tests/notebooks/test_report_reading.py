"""What a council reads: the first page, comparators with names, who to learn from, honest figures, navigation and
downloads, checked on the built test series."""

from __future__ import annotations

import base64
import io
import math
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from jstbench.views.report import UnitView
from jstbench.views.summary import UnitSummary


def page(small_project: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((small_project / "output" / "tests" / rel).read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def view(small_project, small_series) -> UnitView:
    return UnitView(small_project / "output" / "tests" / "data", "3064011", 2024)


def test_the_first_page_comes_before_the_sector_tables(small_project, small_series):
    soup = page(small_project, "jst/3064011.html")
    h2 = [h.get_text(strip=True) for h in soup.find_all("h2")]
    assert h2[:3] == ["Najważniejsze wnioski", "Od kogo się uczyć", "Obszary usług"]
    html = str(soup)
    assert html.index("id=\"weaknesses\"") < html.index("id=\"obszary\"") < html.index("class=\"jst-sector\"")
    assert len(soup.find_all("h1")) == 1
    assert len(soup.find_all("details", class_="jst-sector")) == len(UnitView(
        small_project / "output" / "tests" / "data", "3064011", 2024).sectors())


def test_strengths_are_above_and_weaknesses_below_the_comparator_median(view):
    first = UnitSummary(view)
    strong, weak = first.strengths(), first.weaknesses()
    assert len(strong) + len(weak) > 0
    assert (strong["group_percentile"] > 50).all() and strong["group_percentile"].is_monotonic_decreasing
    assert (weak["group_percentile"] < 50).all() and weak["group_percentile"].is_monotonic_increasing
    assert len(strong) <= 5 and len(weak) <= 5


def test_a_sector_without_an_exchange_group_is_compared_with_the_named_typology_group(view):
    own = {g["sector"] for g in view.groups}
    other = next(s for s in view.sectors() if s not in own)
    comp = view.comparator(other)
    assert comp.kind == "typology" and comp.name == "miasto na prawach powiatu, 300 tys. i więcej mieszkańców"
    assert not comp.name.startswith("typ-")
    assert view.comparator(view.groups[0]["sector"]).name == view.groups[0]["name"]


def test_who_to_learn_from_names_only_units_doing_better(view):
    first = UnitSummary(view)
    checked = 0
    for ind in first.weaknesses()["indicator"]:
        meta = view.s.indicators[ind]
        own = view.current_records[ind]["value"]
        for values in (first.group_values(ind), first.peer_values(ind)):
            for code in first.learn_from(ind, values):
                checked += 1
                assert code != view.code
                better = values[code] > own if meta["direction"] == "higher-better" else values[code] < own
                assert better or meta["direction"] == "target-range", (ind, code)
    assert checked > 0


def test_a_change_on_a_non_positive_base_is_a_difference_and_shares_change_in_points(view):
    money = "transport_cost_per_vehicle_km"
    assert view.change_text(money, {"change": 3.4, "change_pct": math.nan}) == "+3,40 zł na wzkm"
    assert view.change_text(money, {"change": 3.4, "change_pct": 9.04}) == "+3,40 zł na wzkm (+9,0%)"
    share = "adm_decisions_late_share"
    assert view.change_text(share, {"change": -2.14, "change_pct": -30.0}) == "−2,1 p.p."


def test_a_share_is_never_rounded_to_100_or_0(view):
    share = "adm_decisions_late_share"
    assert view.s.fmt(share, 99.96) == "99,96" and view.s.fmt(share, 0.04) == "0,04"
    assert view.s.fmt(share, 100.0) == "100,0" and view.s.fmt(share, 37.44) == "37,4"


def test_tied_positions_read_ex_aequo(view):
    ties = view.summary_frame()
    ties = ties[ties["group_ties"] > 1]
    for r in ties.to_dict("records"):
        assert r["Pozycja w grupie"] == f"{int(r['group_rank'])}–{int(r['group_rank'] + r['group_ties'] - 1)} ex aequo/{int(r['group_n'])}"


def test_no_page_of_the_series_says_nan(small_project, small_series):
    pages = list((small_project / "output" / "tests").rglob("*.html"))
    assert len(pages) >= 5
    for p in pages:
        soup = BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        for tag in soup(["style", "script"]):
            tag.decompose()
        words = set(re.findall(r"\b(nan|NaN|None|NaT|<NA>)\b", soup.get_text(" ")))
        assert not words, f"{p.name}: {words}"


def test_every_link_inside_the_series_leads_somewhere(small_project, small_series):
    folder = small_project / "output" / "tests"
    for rel in ("jst/3064011.html", "grupy/miasta-oswiata.html", "index.html"):
        soup = page(small_project, rel)
        ids = {t.get("id") for t in soup.find_all(id=True)}
        for a in soup.find_all("a", href=True):
            href = a["href"]
            assert a.get_text(strip=True) not in ("otwórz", "tutaj", "link"), (rel, href)
            if href.startswith("#"):
                assert href[1:] in ids, (rel, href)
            elif href.startswith("data:") or "/site/" in href or href.startswith("../site/"):
                continue  # downloads; the methodology site is built by `jstbench site`
            else:
                assert ((folder / rel).parent / href).resolve().exists(), (rel, href)


def test_the_report_links_each_indicator_to_its_methodology_page(small_project, small_series):
    soup = page(small_project, "jst/3064011.html")
    hrefs = {a["href"] for a in soup.find_all("a", href=True)}
    assert "../../site/indicators/edu_cost_primary_per_pupil.html" in hrefs
    assert "../grupy/miasta-transport.html" in hrefs or not any(h.startswith("../grupy/") for h in hrefs)


def test_the_numbers_download_as_csv_and_xlsx(small_project, small_series, view):
    soup = page(small_project, "jst/3064011.html")
    links = {a["download"]: a["href"] for a in soup.find_all("a", download=True)}
    assert set(links) == {"jst-3064011-2024.csv", "jst-3064011-2024.xlsx"}
    csv = base64.b64decode(links["jst-3064011-2024.csv"].split(",", 1)[1]).decode("utf-8-sig")
    df = pd.read_csv(io.StringIO(csv), sep=";", decimal=",", dtype={"TERYT": str})
    assert len(df) == len(view.summary_frame()) and set(df["TERYT"]) == {"3064011"}
    row = df.set_index("Identyfikator wskaźnika").loc["edu_cost_primary_per_pupil"]
    assert row["Wartość"] == pytest.approx(view.current_records["edu_cost_primary_per_pupil"]["value"], abs=1e-3)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(links["jst-3064011-2024.xlsx"].split(",", 1)[1])))
    sheet = book["2024"]
    assert sheet.max_row == len(df) + 1 and sheet.cell(1, 6).value == "Wskaźnik"


def test_the_index_names_every_report(small_project, small_series):
    soup = page(small_project, "index.html")
    texts = [a.get_text(strip=True) for a in soup.find_all("a")]
    assert "Poznań" in texts and "otwórz" not in texts
    assert all(t.find("caption") is not None for t in soup.find_all("table"))
