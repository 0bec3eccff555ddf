"""The participatory-budget report section: Polish sentences from the record, escaped names, the check."""

from __future__ import annotations

import dataclasses

from jstbench.data.pabulib import read_pb
from jstbench.indicators.participatory import check_selection, pb_summary
from jstbench.views.participatory import pb_section_html

from ...conftest import ROOT

FIX = ROOT / "tests" / "fixtures" / "pabulib"


def test_section_facts_table_and_agreement():
    html = pb_section_html(pb_summary(read_pb(FIX / "approval_greedy.pb"), population=2000, spending=10_000))
    assert "<h2 id='budzet-obywatelski'>" in html
    assert "100 zł do podziału, 4 zgłoszonych projektów, 6 oddanych głosów" in html
    assert "Frekwencja: 0,3% mieszkańców." in html and "to 1,00% wydatków ogółem" in html
    assert "Na 10 tys. mieszkańców zgłoszono 20,0 projektów, wybrano 15,0." in html
    assert "mediana 40 zł" in html and "od 25 zł do 52 zł" in html  # Q3 52,5 zł: num() rounds half to even
    assert "Plac zabaw &lt;Słoneczko&gt;" in html and "<Słoneczko>" not in html  # names escaped
    assert html.index("Plac zabaw") < html.index("Warsztaty") < html.index("Stojaki")  # by cost
    assert "daje te same 3 projektów" in html and "DANE SYNTETYCZNE" not in html


def test_missing_inputs_leave_sentences_out_and_no_selected_column_says_so():
    html = pb_section_html(pb_summary(read_pb(FIX / "cumulative.pb")))
    assert "Frekwencja" not in html and "na mieszkańca" not in html.lower()
    assert "dzielnicy Północ" in html and "Plik nie podaje, które projekty wybrano" in html
    assert "wynik z pliku" not in html and "według reguły, plik nie podaje wyniku" in html


def test_differences_table_in_polish():
    pb = read_pb(FIX / "equalshares.pb")
    g = dataclasses.replace(pb, meta={**pb.meta, "rule": "greedy"})
    html = pb_section_html(pb_summary(g, check_selection(g)))
    assert "daje inny wynik niż plik – 2 różnic(e)" in html
    assert "gdy reguła doszła do niego, w budżecie zostało 100 zł, a kosztuje 200 zł" in html
    assert "mieści się w pozostałych 400 zł, a plik go nie wybiera" in html


def test_synthetic_banner_and_district_share(tmp_path):
    from jstbench.data.pabulib_demo import write_demo_pb

    s = pb_summary(read_pb(write_demo_pb(tmp_path, "3064011", "Poznań", 30_000, 2024, seed=1)))
    html = pb_section_html(s, {"district_budget": 300.0, "citywide_budget": 100.0, "district_instances": 2,
                               "citywide_instances": 1, "district_share_pct": 75.0})
    assert "jst-banner" in html and "DANE SYNTETYCZNE" in html
    assert "Budżety dzielnicowe (2) to 75,0% całego budżetu obywatelskiego tej edycji (400 zł)." in html
