"""The survey view on a small hand-made series folder: the numbers shown are the tables', a suppressed result shows
no number anywhere (even when its row, against the contract, still carries numbers), names are escaped, the group
table and the authority report's section."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.series import folder as sf
from jstbench.views.survey import HIDDEN, SurveyView, group_table_html, unit_section_html

CODE, OTHER_A, OTHER_B, NO_SURVEY, HOSTILE = "3064011", "3061011", "3062011", "0663011", "1402052"
HOSTILE_NAME = '<b>Gmina "Zła" & Syn</b>'
MEMBERS = [CODE, OTHER_A, OTHER_B, NO_SURVEY, HOSTILE]
LABELS = {"q_transport": "Jak ocenia Pan(i) komunikację publiczną?", "q_waste": "Jak ocenia Pan(i) odbiór odpadów?",
          "index:transport_roads": "Indeks zadowolenia: Transport i drogi",
          "index:municipal_waste": "Indeks zadowolenia: Gospodarka odpadami"}
SERVICES = {"q_transport": "transport_roads", "q_waste": "municipal_waste", "index:transport_roads": "transport_roads",
            "index:municipal_waste": "municipal_waste"}
# Poznań's 2024 waste index and question are suppressed, yet this row still carries numbers: the view must go by the
# flag alone. None of these may reach the report (77,8; 71,2; 83,5; n 37; 4,44; 89%).
LEAK = {"estimate": 77.7777, "low": 71.2345, "high": 83.4567, "n": 37.0}


def est(unit: str, wave: int, item: str, estimate: float, low: float, high: float, n: float, statistic: str = "mean",
        category: str = "", suppressed: bool = False) -> dict:
    return {"unit": unit, "wave": wave, "item": item, "kind": "index" if item.startswith("index:") else "question",
            "service": SERVICES[item], "label": LABELS[item], "statistic": statistic, "category": category,
            "estimate": estimate, "se": (high - low) / 3.92, "ci_low": low, "ci_high": high, "n": n, "n_eff": 0.8 * n,
            "deff": 1.25, "suppressed": suppressed}


def small_series(data: Path) -> Path:
    """A series folder with only what the survey report reads: units, membership, the three survey tables and the
    two JSON files."""
    sf.write(data, "units", pd.DataFrame({
        "code": MEMBERS, "name": ["Poznań", "Konin", "Leszno", "Lublin", HOSTILE_NAME], "kind": "city_powiat",
        "voivodeship": "30", "powiat": None, "population_class": "100-300k", "population_year": 2024.0, "synthetic": True}))
    sf.write(data, "membership", pd.DataFrame({"group": "miasta-transport", "group_type": "exchange",
                                               "group_name": "Miasta: transport miejski", "unit": MEMBERS}))
    rows = [
        est(CODE, 2024, "index:transport_roads", 50.1231, 48.3003, 51.9459, 552),
        est(CODE, 2024, "index:municipal_waste", suppressed=True, **LEAK),
        est(CODE, 2024, "q_transport", 2.6290, 2.5277, 2.7303, 507),
        est(CODE, 2024, "q_transport", 0.19208, 0.15500, 0.23369, 507, "share", "dobrze"),
        est(CODE, 2024, "q_waste", 4.4444, 4.0101, 4.8989, 37, suppressed=True),
        est(CODE, 2024, "q_waste", 0.8888, 0.7979, 0.9393, 37, "share", "dobrze", suppressed=True),
        est(CODE, 2022, "index:transport_roads", 47.5453, 45.7964, 49.2942, 609),
        est(CODE, 2022, "index:municipal_waste", 62.2051, 59.7374, 64.6728, 563),
        est(CODE, 2022, "q_transport", 2.4355, 2.3481, 2.5228, 557),
        est(CODE, 2022, "q_transport", 0.15128, 0.12073, 0.18611, 557, "share", "dobrze"),
        est(CODE, 2022, "q_waste", 3.4882, 3.3895, 3.5869, 563),
        est(CODE, 2022, "q_waste", 0.50987, 0.46092, 0.55869, 563, "share", "dobrze"),
        est(OTHER_A, 2024, "index:transport_roads", 40.0, 37.0, 43.0, 300),
        est(OTHER_A, 2024, "index:municipal_waste", 70.0, 67.0, 73.0, 300),
        est(OTHER_B, 2024, "index:transport_roads", 60.0, 57.0, 63.0, 200),
        est(OTHER_B, 2024, "index:municipal_waste", 99.99, 98.0, 100.0, 20, suppressed=True),
        est(HOSTILE, 2024, "index:transport_roads", 55.0, 52.0, 58.0, 150),
        est(HOSTILE, 2024, "index:municipal_waste", 80.0, 77.0, 83.0, 150),
    ]
    sf.write(data, "survey_estimates", pd.DataFrame(rows))
    sf.write(data, "survey_waves", pd.DataFrame({
        "unit": [CODE, CODE, OTHER_A, OTHER_B, HOSTILE], "wave": [2022, 2024, 2024, 2024, 2024],
        "respondents": [611, 507, 300, 200, 150], "population": [474321.0, 471234.0, 60000.0, 50000.0, 3000.0],
        "population_year": [2022, 2023, 2024, 2024, 2024],
        "n_eff": [470.2, 391.6, 240.0, 160.0, 120.0], "deff": [1.2994, 1.2945, 1.25, 1.25, 1.25],
        "weight_ratio": [5.2, 5.0912, 4.0, 4.0, 3.0], "method": "raking",
        "collapsed": ["", "age_group 18-29 + 30-44", "", "", ""]}))
    sf.write(data, "survey_changes", pd.DataFrame({
        "unit": CODE, "item": ["index:transport_roads", "q_transport", "q_transport"],
        "statistic": ["mean", "mean", "share"], "category": ["", "", "dobrze"], "wave": 2024, "previous_wave": 2022,
        "difference": [2.5778, 0.1935, 0.0408], "ci_low": [0.08, 0.06, -0.01], "ci_high": [5.07, 0.33, 0.09],
        "p_value": [0.043, 0.004, 0.11], "significant": [True, True, False]}))
    sf.write(data, "survey_differences", pd.DataFrame({
        "unit": CODE, "wave": 2024, "item": "index:transport_roads", "other": [OTHER_A, OTHER_B],
        "difference": [7.3456, -12.6544], "ci_low": [3.1, -16.9], "ci_high": [11.6, -8.4], "p_value": [0.001, 0.3],
        "significant": [True, False]}))
    sf.write_json(data, "catalogue", {"indicators": [], "variables": [], "structure": None, "questionnaires": [
        {"id": "mieszkancy", "title": "Badanie satysfakcji mieszkańców z usług publicznych",
         "questions": [{"id": "q_transport"}, {"id": "q_waste"}, {"id": "q_comment"}]}]})
    sf.write_json(data, "series", {"contract": sf.CONTRACT_VERSION, "name": "tests", "title": "Seria testowa", "year": 2024,
                                   "synthetic": True, "report_units": [CODE],
                                   "exchange_groups": [{"id": "miasta-transport", "name": "Miasta: transport miejski",
                                                        "sector": "transport_roads", "members": MEMBERS}]})
    return data


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return small_series(tmp_path_factory.mktemp("series") / "data")


@pytest.fixture(scope="module")
def view(data) -> SurveyView:
    return SurveyView(data, CODE, 2024, 2024)


def whole(view: SurveyView) -> str:
    """Everything the report shows, the downloads decoded."""
    page = (view.title_html() + view.header_html() + view.summary_html() + view.services_html() + view.questions_html()
            + view.figure_html())
    csv = view.export_frame().to_csv(index=False, sep=";", decimal=",")
    return page + csv


def test_services_table_carries_the_tables_numbers(view):
    html = view.services_html()
    # 50.1231 (48.3003–51.9459), n 552; +2.5778 significant; others' median of 40, 60, 55 = 55.0 over 3 authorities
    assert "<td>50,1</td><td>48,3–51,9</td><td>552</td>" in html
    assert "+2,6 pkt wobec 2022 r. (zmiana istotna statystycznie)" in html
    assert "<td>55,0 (3 JST)</td>" in html
    # waste: Leszno's result is suppressed, so the median rests on Konin 70 and the hostile-named 80 only
    assert f"<td>Gospodarka odpadami</td><td>{HIDDEN}</td>" in html and "<td>75,0 (2 JST)</td>" in html
    assert "<caption>" in html and "<th scope='col'>Usługa</th>" in html


def test_questions_mean_and_share_of_good_answers(view):
    html = view.questions_html()
    assert "<td>2,63</td><td>2,53–2,73</td><td>19%</td><td>16–23%</td><td>507</td>" in html
    assert html.index("komunikację") < html.index("odbiór odpadów")  # questionnaire order
    assert html.count(HIDDEN) == 2


def test_summary_sentences_from_the_waves_table(view):
    text = view.summary_html()
    assert "Liczba ankiet w badaniu z 2024 r.: 507." in text
    assert "(471\u00a0234 osób)" in text and "efektywna liczebność próby to 392" in text
    assert "deff = 1,29" in text and "5,1 razy" in text and "połączono nieliczne komórki: age_group 18-29 + 30-44" in text
    assert "95 przypadkach na 100" in text and "ukrytych, bo opierałyby się na zbyt małej liczbie odpowiedzi: 3." in text
    assert "Zmiany istotne statystycznie wobec 2022 r.: Transport i drogi +2,6 pkt." in text


def test_a_suppressed_result_shows_no_number_anywhere(view):
    text = whole(view)
    for leaked in ("77,8", "77.7", "71,2", "83,5", "4,44", "4,4", "89%", "0,8888", "62,2"):
        assert leaked not in text, leaked
    assert not re.search(r"\b37\b", text)
    frame = view.export_frame()
    hidden = frame[frame["Uwagi"] == HIDDEN]
    assert len(hidden) == 3 and hidden[["Wynik", "Dolna granica 95%", "Górna granica 95%", "Liczba odpowiedzi"]].isna().all().all()
    assert "Gospodarka odpadami" in view.figure_html().rsplit("<p class='jst-note'>", 1)[1]  # listed under the chart


def test_chart_alt_text_and_downloads(view):
    fig = view.figure()
    from jstbench.views.charts import alt_text

    alt = alt_text(fig)
    assert "Transport i drogi: 50,1 (48,3–51,9); w 2022 r. 47,5; mediana grupy 55,0." in alt
    assert "odpadami" not in alt
    links = re.findall(r"href='data:([^;]+)[^,]*,([^']+)'", view.downloads_html())
    xlsx = next(base64.b64decode(d) for mime, d in links if "spreadsheet" in mime)
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    rows = list(ws.values)
    assert rows[0][:3] == ("TERYT", "Fala", "Pozycja") and len(rows) == 7  # header + six estimates of 2024


def test_hostile_name_is_escaped(data):
    v = SurveyView(data, HOSTILE, 2024, 2024)
    page = v.title_html() + v.header_html() + v.summary_html() + v.services_html()
    assert "<b>Gmina" not in page and "&lt;b&gt;Gmina &quot;Zła&quot; &amp; Syn&lt;/b&gt;" in v.title_html()
    assert page.count("<h1>") == 1 and "pierwsza fala" in page
    assert "<b>" not in group_table_html(data, "miasta-transport", 2024)


def test_group_table(data):
    html = group_table_html(data, "miasta-transport", 2024)
    body = re.findall(r"<tr><td>(.*?)</td></tr>", html)
    cells = [row.split("</td><td>") for row in body]
    assert "<th scope='col'>Gospodarka odpadami</th><th scope='col'>Transport i drogi</th>" in html  # catalogue order
    assert cells[0] == ["Poznań", "2024", "ukryte", "50,1 (48,3–51,9)"]
    assert cells[2] == ["Leszno", "2024", "ukryte", "60,0 (57,0–63,0)"]
    assert cells[3] == ["Lublin", "brak badania", "brak badania", "brak badania"]
    assert "99,99" not in html and "100,0" not in html


def test_unit_section(data):
    html = unit_section_html(data, CODE, 2024)
    assert "href='../ankiety/3064011-2024.html'" in html and "liczba ankiet: 507" in html
    assert "<td>Transport i drogi</td><td>50,1</td><td>48,3–51,9</td>" in html
    assert unit_section_html(data, NO_SURVEY, 2024) == ""


def test_unknown_wave_is_named(data):
    with pytest.raises(InputError, match="no survey wave 2023 for unit 3064011 \\(its waves: 2022, 2024\\)"):
        SurveyView(data, CODE, 2023, 2024)


def test_differences_with_group_members_name_them_with_the_tested_difference(data):
    from jstbench.views.survey import differences_html

    html = differences_html(SurveyView(data, CODE, 2024, 2024))
    assert "istotnie wyżej niż" in html and "+7,3 pkt" in html
    assert "bez istotnej różnicy" in html and "−12,7" not in html  # not significant: named, no difference shown


def test_margins_of_an_earlier_year_are_named(data):
    html = SurveyView(data, CODE, 2024, 2024).summary_html()
    assert "Struktura ludności z 2023 r." in html
    assert "Struktura ludności z" not in SurveyView(data, CODE, 2022, 2024).summary_html()


def test_a_difference_sentence_names_only_what_there_is(data):
    from jstbench.views.survey import differences_html

    html = differences_html(SurveyView(data, CODE, 2024, 2024))
    assert "istotnie niżej niż" not in html  # no member is significantly above: the clause is left out, not "nikt"
