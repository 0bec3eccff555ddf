"""Both report templates executed end to end on the small fixture, through `jstbench reports`."""

import json
import re

import pytest
from bs4 import BeautifulSoup

from jstbench.core.project import Project
from jstbench.core.text import num
from jstbench.data.store import Store
from jstbench.series.build import check_series, compute


def html(root, rel):
    return (root / "output" / "tests" / rel).read_text(encoding="utf-8")


def test_manifest_lists_every_report_and_the_failure(small_project, small_series):
    m = small_series
    empty = (small_project / "empty_unit.txt").read_text()
    assert m["ok"] == 1 + 2 + 6 + 4 + 1 and m["failed"] == 1  # quality + groups + members + Poznań
    failed = [r for r in m["reports"] if r["status"] == "failed"]
    assert failed[0]["key"] == empty and "no values for year 2024" in failed[0]["error"]
    for field in ("git_commit", "catalogue_digest", "data_digest", "created", "duration_s", "series_contract"):
        assert field in m
    ok = [r for r in m["reports"] if r["status"] == "ok"]
    assert all(r["parameters"]["series_dir"] == "../data" for r in ok)
    saved = json.loads((small_project / "output" / "tests" / "manifest.json").read_text(encoding="utf-8"))
    assert saved["reports"] == m["reports"]
    assert (small_project / "output" / "tests" / "notebooks" / f"jst-{empty}.failed.ipynb").exists()
    assert not (small_project / "output" / "tests" / "jst" / f"{empty}.html").exists()


def test_unit_report_content(small_project, small_series):
    page = html(small_project, "jst/3064011.html")
    soup = BeautifulSoup(page, "html.parser")
    text = soup.get_text(" ")
    assert "Poznań (miasto na prawach powiatu, TERYT 3064011)" in text
    assert "DANE SYNTETYCZNE" in text
    assert soup.find("table", class_="jst-summary") is not None
    assert "import " not in text and "UnitView(" not in text  # no code cells in the HTML
    assert len(soup.find_all("img")) >= 2  # sector figures
    # the number in the sentence is the computed value
    c = check_series(Project(small_project), "tests")
    vals = compute(c)["values"]
    v = vals[(vals["unit"] == "3064011") & (vals["year"] == 2024) & (vals["indicator"] == "edu_cost_primary_per_pupil")]["value"].iloc[0]
    assert soup.find("a", href="../../site/indicators/edu_cost_primary_per_pupil.html") is not None
    row = soup.find("a", href="../../site/indicators/edu_cost_primary_per_pupil.html").find_parent("tr")
    assert f"{v:,.0f}".replace(",", "\u00a0") in row.get_text(" ")  # education: no group for it, the table only
    v = vals[(vals["unit"] == "3064011") & (vals["year"] == 2024) & (vals["indicator"] == "transport_passengers_per_capita")]["value"].iloc[0]
    assert f"Pasażerowie na mieszkańca w 2024 r.: {num(v, 1)}" in text  # its group's service: sentences


def test_hostile_names_are_escaped_everywhere(small_project, small_series):
    for rel in ("jst/1661011.html", "grupy/miasta-oswiata.html", "index.html", "jst/3064011.html"):
        page = html(small_project, rel)
        assert "<script>alert(1)</script>" not in page, rel
    assert "Opole &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html(small_project, "jst/1661011.html")
    assert "Opole &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html(small_project, "index.html")


def test_group_report_content(small_project, small_series):
    soup = BeautifulSoup(html(small_project, "grupy/miasta-oswiata.html"), "html.parser")
    text = soup.get_text(" ")
    assert "Miasta: oświata — 2024 r." in text
    assert "Mapa pozycji" in text and "Decyzje administracyjne" in text
    assert "mediana grupy" in text and "Najlepszy wynik w grupie" in text
    assert len(soup.find_all("img")) >= 2  # heatmap and indicator charts
    members = soup.find("table", class_="jst-members").get_text(" ")
    assert "2465011" in members and "Dąbrowa Górnicza" in members


def test_quality_report(small_project, small_series):
    text = BeautifulSoup(html(small_project, "jakosc-danych.html"), "html.parser").body.get_text(" ")
    assert "Raport jakości danych" in text and "Pokrycie" in text and "Wartości poprawione" in text
    assert "Obserwacji:" in text and "DANE SYNTETYCZNE" in text


def test_index_links_every_report(small_project, small_series):
    soup = BeautifulSoup(html(small_project, "index.html"), "html.parser")
    links = {a["href"] for a in soup.find_all("a")}
    assert "grupy/miasta-oswiata.html" in links and "jst/0216.html" in links
    for href in links:
        if href.endswith(".html") and not href.startswith(".."):
            assert (small_project / "output" / "tests" / href).exists()
    assert "Nieudane raporty" in soup.get_text()


def test_executed_notebooks_carry_parameters(small_project, small_series):
    nb = json.loads(html(small_project, "notebooks/jst-3064011.ipynb"))
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and 'unit = "3064011"' in "".join(injected[0]["source"])


def test_series_data_is_readable_by_a_user(small_project, small_series):
    store = Store.load(small_project / "output" / "data" / "demo")
    data = small_project / "output" / "tests" / "data"
    assert {p.name for p in data.iterdir()} >= {"values.parquet", "comparison_exchange.parquet", "group_stats.parquet",
                                                 "catalogue.json", "series.json", "units.parquet"}
    assert len(store.units) > 100


@pytest.mark.parametrize("engine", ["papermill"])
def test_cold_papermill_engine_gives_the_same_report(small_project, small_series, tmp_path, engine):
    from jstbench.series.runner import Job, execute

    root = small_project / "output" / "tests"
    job = Job("unit", "3064011", "Poznań (miasto na prawach powiatu)", str(small_project / "notebooks" / "jst_report.ipynb"),
              {"unit": "3064011", "year": 2024, "series_dir": str(root / "data")},
              "jst/3064011.html", "notebooks/jst-3064011.ipynb")
    [res] = execute([job], tmp_path, workers=1, engine=engine, progress=False)
    assert res.status == "ok", res.error
    cold = (tmp_path / "jst" / "3064011.html").read_text(encoding="utf-8")
    warm = html(small_project, "jst/3064011.html")  # run in a kernel that had run other reports before
    assert "data:image/svg+xml;base64," in warm
    assert cold == warm  # byte for byte, charts included: nothing leaks from one report into the next


def test_a_unit_report_for_a_year_the_series_was_not_built_for_is_refused(small_project, small_series, tmp_path):
    """The defect of issue 9: year=2023 against the 2024 series used to show 2024 composite ranks in a "2023" report."""
    import papermill as pm

    nb_dir = small_project / "notebooks"
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(nb_dir / "jst_report.ipynb"), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False,
                            cwd=str(nb_dir), parameters={"unit": "3064011", "year": 2023, "series_dir": "../output/tests/data"})
    assert "year 2023 (notebook parameter) does not match the series' year 2024" in str(err.value)


def test_unit_report_says_how_many_units_each_national_median_rests_on(small_project, small_series):
    import pandas as pd

    from jstbench.core.text import num

    text = BeautifulSoup(html(small_project, "jst/3064011.html"), "html.parser").get_text(" ")
    stats = pd.read_parquet(small_project / "output" / "tests" / "data" / "group_stats.parquet")
    row = stats[(stats["group"] == "kraj") & (stats["year"] == 2024) & (stats["indicator"] == "transport_passengers_per_capita")].iloc[0]
    median = num(row["median"], 1)
    assert f"Mediana krajowa: {median} (dane ma {num(row['n'], 0)} z {num(row['expected'], 0)} gmin)" in text
    assert "JST z danymi w kraju" in text
    assert "Wielkość: 300 tys. i więcej mieszkańców (liczba ludności z 2024 r.)" in text


def test_quality_report_counts_coverage_against_the_register(small_project, small_series):
    text = BeautifulSoup(html(small_project, "jakosc-danych.html"), "html.parser").body.get_text(" ")
    assert "Pokrycie wskaźników w roku raportu" in text and "JST w rejestrze" in text
    assert "Klasy wielkości JST (grupy typologiczne) liczymy z liczby ludności 2024 r." in text


def test_a_trend_that_crosses_a_comparability_break_is_marked(small_project, small_series):
    """Every break of a variable an indicator uses is in the series folder's `breaks`, and the unit report says so
    next to that indicator (and marks the chart); Poznań's reports span 2015–2024."""
    import pandas as pd

    from jstbench.catalogue.load import load_catalogue
    from jstbench.views.report import UnitView

    cat = load_catalogue(small_project / "methodology" / "catalogue")
    data = small_project / "output" / "tests" / "data"
    breaks = pd.read_parquet(data / "breaks.parquet")
    expected = {(i.id, y, v) for i in cat.indicators.values() for y, v, *_ in cat.breaks(i)}
    assert set(zip(breaks["indicator"], breaks["year"], breaks["variable"], strict=True)) == expected and expected
    view = UnitView(data, "3064011", 2024)
    shown = breaks[breaks["indicator"].isin(set(view.values["indicator"])) & breaks["year"].between(2016, 2024)]
    assert len(shown), "the demo catalogue has a break inside the report years"
    b = shown.iloc[0]
    label = cat.variables[b["variable"]].label.pl
    assert any(s.startswith(f"Przerwa w porównywalności od {b['year']} r. ({label}):") for s in view.sentences(b["indicator"]))
    text = BeautifulSoup(html(small_project, "jst/3064011.html"), "html.parser").get_text(" ")
    assert f"Przerwa w porównywalności od {b['year']} r. ({label})" in text


def test_reports_fetch_nothing_from_another_host_and_declare_polish(small_project, small_series):
    for rel in ("jst/3064011.html", "grupy/miasta-oswiata.html", "jakosc-danych.html"):
        soup = BeautifulSoup(html(small_project, rel), "html.parser")
        remote = [t.get("src") or t.get("href") for t in soup.find_all(["script", "link", "img"])
                  if re.match(r"(https?:)?//", t.get("src") or t.get("href") or "")]
        assert remote == [], rel
        assert soup.html["lang"] == "pl"
