"""The CAF report view on a small hand-made series folder: header facts, the chart's text alternative, the consensus
flag, escaped notes, the first-assessment and change sentences, the group distribution and its suppression."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from jstbench.catalogue.caf import load_caf
from jstbench.core.errors import InputError
from jstbench.series import caf as series_caf
from jstbench.series import folder as sf
from jstbench.views.caf import CafView

ROOT = Path(__file__).resolve().parents[3]
CAF = load_caf(ROOT / "methodology" / "catalogue" / "caf.yml")
CODE = "3064011"
OTHERS = ["0264011", "1465011", "1261011", "2264011", "0262011"]
SCRIPT = "<script>alert('x')</script> procedury są spisane"


def scores(unit: str, assessment: str, points: dict[str, list[float]], base: float) -> pd.DataFrame:
    """Every sub-criterion scored `base` by each assessor, except those in `points` (one score per assessor)."""
    team = len(next(iter(points.values())))
    rows = []
    for crit, sub in CAF.subcriteria():
        for k in range(team):
            rows.append({"unit": unit, "assessment": assessment, "assessor": f"oceniający {k + 1}", "panel": "classical",
                         "criterion": crit.number, "subcriterion": sub.id, "kind": crit.kind,
                         "points": points.get(sub.id, [base] * team)[k], "level": float("nan")})
    return pd.DataFrame(rows)


def small_series(data: Path, others: int = 4) -> Path:
    """Poznań assessed in 2022 (all 40 points) and 2024 (three assessors: 1.1 scored 40, 60, 80, the rest 50); `others`
    more authorities assessed in 2024 (all 30, 35, … points)."""
    frames = [scores(CODE, "2022", {"1.1": [40.0, 40.0]}, 40.0),
              scores(CODE, "2024", {"1.1": [40.0, 60.0, 80.0]}, 50.0),
              *[scores(code, "2024", {"1.1": [30.0 + 5 * k]}, 30.0 + 5 * k) for k, code in enumerate(OTHERS[:others])]]
    notes = pd.DataFrame([
        {"unit": CODE, "assessment": "2024", "assessor": "oceniający 1", "subcriterion": "5.1", "criterion": 5,
         "kind": "strength", "text": SCRIPT},
        {"unit": CODE, "assessment": "2024", "assessor": "oceniający 2", "subcriterion": "5.1", "criterion": 5,
         "kind": "strength", "text": SCRIPT},
        {"unit": CODE, "assessment": "2024", "assessor": "oceniający 3", "subcriterion": "3.2", "criterion": 3,
         "kind": "improvement", "text": "Nie badamy satysfakcji pracowników."}])
    plan = pd.DataFrame([
        {"unit": CODE, "assessment": "2024", "assessor": "oceniający 1", "action": "Opisać procesy & <zmierzyć> je",
         "subcriterion": "5.1", "criterion": 5, "priority": "wysoki", "owner": "sekretarz", "deadline": "2025-06-30",
         "effect": "mapy procesów"}])
    tables = series_caf.caf_tables(pd.concat(frames, ignore_index=True), notes, plan, CAF)
    codes = [CODE, *OTHERS]
    sf.write(data, "units", pd.DataFrame({"code": codes, "name": ["Poznań", "Wrocław", "Warszawa", "Kraków", "Gdańsk",
                                                                  "Legnica"],
                                          "kind": "city_powiat", "voivodeship": None, "powiat": None,
                                          "population_class": None, "population_year": None, "synthetic": True}))
    for name, df in tables.items():
        sf.write(data, name, df)
    sf.write_json(data, "catalogue", {})
    sf.write_json(data, "series", {"contract": sf.CONTRACT_VERSION, "name": "tests", "title": "Seria testowa",
                                   "year": 2024, "synthetic": True})
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The folder with 3 or 4 other authorities in round 2024 (written once per module)."""
    root = tmp_path_factory.mktemp("caf")
    paths = {n: small_series(root / f"data{n}", n) for n in (3, 4)}
    return lambda others=4: sf.SeriesFolder(paths[others], 2024)


def text_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ")


def test_header_and_criteria(folder):
    view = CafView(folder(), CODE, "2024")
    assert view.title() == "Samoocena CAF: Poznań, 2024"
    head = text_of(view.header_html())
    assert "Liczba oceniających w zespole: 3" in head and "Panel oceny: klasyczny" in head
    # criterion 1: (60 + 50 + 50 + 50) / 4 = 52.5; enablers (52.5 + 4 × 50) / 5 = 50.5; overall (52.5 + 8 × 50) / 9
    assert "Wynik ogółem: 50,3 pkt" in head and "potencjał (kryteria 1–5): 50,5 pkt" in head
    assert "DANE SYNTETYCZNE" in head
    html = view.criteria_html()
    soup = BeautifulSoup(html, "html.parser")
    alt = soup.find("img", class_="jst-chart")["alt"]
    # assessor 1's criterion 1 = (40 + 3 × 50) / 4 = 47.5, assessor 3's = (80 + 150) / 4 = 57.5
    assert "1. Przywództwo: 52,5 pkt (od 47,5 do 57,5; w 2022: 40,0)." in alt
    first = [td.get_text() for td in soup.find("table").find("tbody").find("tr").find_all("td")]
    assert first == ["1. Przywództwo", "potencjał", "52,5", "47,5–57,5", "1.1"]


def test_spread_flags_the_subcriterion_to_settle(folder):
    view = CafView(folder(), CODE, "2024")
    text = text_of(view.spread_html())
    assert "co najmniej 40 pkt" in text and ": 1 z 28." in text
    assert "Największy rozrzut: podkryterium 1.1" in text and "40,0 pkt (od 40,0 do 80,0)" in text
    row = [td.get_text() for td in BeautifulSoup(view.spread_html(), "html.parser").find("tbody").find("tr").find_all("td")]
    assert row[0] == "1.1" and row[3:] == ["60,0", "60,0", "40,0–80,0", "40,0", "20,0", "⚑ do uzgodnienia"]


def test_notes_and_plan_are_escaped(folder):
    view = CafView(folder(), CODE, "2024")
    notes = view.notes_html()
    assert "<script>" not in notes and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in notes
    assert "(liczba oceniających: 2)" in notes  # one strength written by two assessors is listed once
    assert notes.index("3. Pracownicy") < notes.index("5. Procesy")
    plan = view.plan_html()
    assert "&lt;zmierzyć&gt;" in plan and "<zmierzyć>" not in plan
    assert "Liczba działań doskonalących: 1 (priorytet wysoki: 1, średni: 0, niski: 0)." in text_of(plan)


def test_change_on_the_previous_assessment(folder):
    view = CafView(folder(), CODE, "2024")
    text = text_of(view.change_html())
    # overall 50.28 against 40.0 in 2022: +10.3; criterion 1 rose by 12.5, the others by 10
    assert "Wobec poprzedniej samooceny (2022) wynik ogółem zmienił się o +10,3 pkt (z 40,0 do 50,3 pkt)." in text
    assert "Największy wzrost: 1. Przywództwo (+12,5 pkt)" in text


def test_first_assessment_has_nothing_to_compare(folder):
    view = CafView(folder(), CODE, "2022")
    assert "To pierwsza samoocena CAF tej JST w danych serii (2022)" in text_of(view.change_html())
    assert "jst-caf-change" not in view.change_html()
    alt = BeautifulSoup(view.criteria_html(), "html.parser").find("img")["alt"]
    assert "1. Przywództwo: 40,0 pkt (od 40,0 do 40,0)." in alt and "poprzedniej" not in alt


def test_group_suppressed_below_five_authorities(folder):
    view = CafView(folder(3), CODE, "2024")
    text = text_of(view.group_html())
    assert ("Rozkładu wyników innych JST nie pokazujemy: w samoocenie 2024 liczba JST z samooceną wynosi 4, a rozkład "
            "pokazujemy od 5 JST") in text
    assert "jst-caf-group" not in view.group_html()


def test_group_distribution_shown_at_five(folder):
    view = CafView(folder(4), CODE, "2024")
    html = view.group_html()
    # overall scores of 2024: 30, 35, 40, 45 (the others) and 50.28 (Poznań): quartiles 35 / 40 / 45, rank 1 of 5
    assert ("Liczba JST z samooceną 2024: 5. Poznań: wynik ogółem 50,3 pkt, powyżej górnego kwartyla (najwyższa "
            "ćwiartka) (mediana 40,0 pkt, kwartyle 35,0–45,0 pkt); pozycja 1 z 5.") in text_of(html)
    last = [td.get_text() for td in BeautifulSoup(html, "html.parser").find("tbody").find_all("tr")[-1].find_all("td")]
    assert last == ["Ogółem (kryteria 1–9)", "50,3", "30,0", "35,0", "40,0", "45,0", "50,3", "1 z 5",
                    "powyżej górnego kwartyla (najwyższa ćwiartka)"]


def test_unknown_assessment_is_named(folder):
    with pytest.raises(InputError, match=r"no CAF self-assessment '2023' of unit 3064011 \(its assessments: 2022, 2024\)"):
        CafView(folder(), CODE, "2023")


def test_downloads_carry_the_subcriteria(folder):
    view = CafView(folder(), CODE, "2024")
    frame = view.export_frame()
    assert len(frame) == 28 and frame.loc[0, "Do uzgodnienia"] == "tak" and frame.loc[0, "Średnia (pkt)"] == 60.0
    assert view.downloads_html().count("download=") == 2
