"""The strategy view on a small hand-made series folder: numbers in sentences, statuses in words, the annex files."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from jstbench.catalogue.load import load_catalogue
from jstbench.catalogue.strategy import load_strategy
from jstbench.core.errors import InputError
from jstbench.series import folder as sf
from jstbench.series import strategy as st
from jstbench.views.strategy import StrategyView, annex_html, annex_xlsx, status_text

ROOT = Path(__file__).resolve().parents[3]
VALID = ROOT / "tests" / "fixtures" / "strategies" / "valid.yml"
CODE = "2814042"
PEERS = {"2801022": 1.0, "2802032": 2.0, "2803042": 5.0, "2804052": 6.0}
OWN = [4.0, 3.6, 3.24, 2.916, 2.6244]  # 2020-2024: −10% a year


def small_series(data: Path) -> Path:
    """A series folder with only what the strategy report reads: units, values, membership, series.json."""
    codes = [CODE, *PEERS]
    sf.write(data, "units", pd.DataFrame({"code": codes, "name": ["Dywity", "A", "B", "C", "D"], "kind": "gmina_rural",
                                          "voivodeship": "28", "powiat": None, "population_class": "10-20k",
                                          "population_year": 2024.0, "synthetic": [False, True, True, True, True]}))
    rows = [(CODE, 2020 + k, v) for k, v in enumerate(OWN)] + [(c, 2024, v) for c, v in PEERS.items()]
    sf.write(data, "values", pd.DataFrame(rows, columns=["unit", "year", "value"]).assign(
        indicator="adm_decisions_late_share", reason=None, quality=None))
    sf.write(data, "membership", pd.DataFrame({"group": "gminy-adm", "group_type": "exchange",
                                               "group_name": "Gminy: administracja", "unit": codes}))
    sf.write_json(data, "catalogue", {})
    sf.write_json(data, "series", {"contract": sf.CONTRACT_VERSION, "name": "tests", "title": "Seria testowa", "year": 2024,
                                   "synthetic": True, "min_group_size": 4,
                                   "exchange_groups": [{"id": "gminy-adm", "name": "Gminy: administracja",
                                                        "sector": "administration", "members": codes}]})
    return data


def build(data: Path, strategy: Path = VALID) -> None:
    catalogue = load_catalogue(ROOT / "methodology" / "catalogue")
    folder = sf.SeriesFolder(data)
    loaded = load_strategy(strategy, catalogue, folder.read("values"))
    progress, points = st.progress_tables(loaded, folder, catalogue)
    st.write_progress(data, CODE, progress, points, st.strategy_meta(loaded))


@pytest.fixture(scope="module")
def view(tmp_path_factory) -> StrategyView:
    data = small_series(tmp_path_factory.mktemp("series") / "data")
    build(data)
    return StrategyView(str(data), CODE, 2024, *st.read_progress(data, CODE))


def test_progress_table(view):
    p = view.progress.set_index("indicator")
    adm, own = p.loc["adm_decisions_late_share"], p.loc["own_e_services_share"]
    assert adm["status"] == "on_track" and adm["method"] == "cagr"
    assert adm["observed_rate"] == pytest.approx(-0.1) and adm["required_rate"] == pytest.approx(0.5 ** 0.1 - 1)
    # lower is better: 1.0, 2.0, 2.6244 (this gmina), 5.0, 6.0 -> rank 3 of 5, percentile 50, median 2.6244
    assert (adm["peer_group"], adm["peer_rank"], adm["peer_n"], adm["peer_percentile"]) == ("gminy-adm", 3, 5, 50)
    assert adm["peer_median"] == pytest.approx(2.6244)
    # own values 10, 12, 14, 16 (2020-2023): a straight line reaching 30 in 2030, no residual, so no spread
    assert own["latest_year"] == 2023 and own["status"] == "on_track"
    assert (own["forecast"], own["forecast_low"], own["forecast_high"]) == pytest.approx((30, 30, 30))
    assert bool(own["target_in_interval"]) and pd.isna(own["peer_group"])


def test_sentences_carry_the_table_numbers(view):
    text = " ".join(view.sentences("adm_decisions_late_share"))
    assert "w 2024 r. 2,6 % wobec 4,0 w roku bazowym 2020; cel na 2030 r. to 2,0." in text
    assert "−10,00% rocznie" in text and "−6,70% rocznie" in text and "na dobrej drodze" in text
    assert "mediana 2,6, pozycja 3 z 5 (percentyl 50)" in text
    own = " ".join(view.sentences("own_e_services_share"))
    assert "Wskaźnik własny JST" in own and "w 2030 r. około 30,0" in own


def test_goal_table_status_in_words_and_symbol(view):
    html = view.goal_table_html("c1", "Sprawny urząd")
    assert "<caption>" in html and "<th scope='col'>Ocena postępu</th>" in html
    assert status_text("on_track") in html and "▲▲▲ na dobrej drodze" in html


def test_figure_has_a_text_alternative_from_the_data(view):
    fig, alt = view.figure("adm_decisions_late_share")
    assert "cel 2,0 na 2030 r." in alt and "w 2024 r. 2,6" in alt
    assert "alt=" in view.figure_html("own_e_services_share")


def test_annex_xlsx_is_deterministic_and_holds_the_rows(view):
    first, second = annex_xlsx(view), annex_xlsx(view)
    assert first == second
    ws = openpyxl.load_workbook(io.BytesIO(first)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Cel", "Cel operacyjny", "Wskaźnik") and len(rows) == 3
    assert rows[1][6] == 4.0 and rows[1][8] == pytest.approx(2.6) and rows[1][11] == "▲▲▲ na dobrej drodze"


def test_annex_html_is_standalone_and_escapes_names(tmp_path):
    data = small_series(tmp_path / "data")
    evil = tmp_path / f"{CODE}.yml"
    evil.write_text(VALID.read_text(encoding="utf-8").replace('"Sprawny urząd"', '"<script>alert(1)</script> & Co"'),
                    encoding="utf-8")
    build(data, evil)
    html = annex_html(StrategyView(str(data), CODE, 2024, *st.read_progress(data, CODE)))
    assert html.startswith("<!DOCTYPE html><html lang='pl'>") and html.count("<h1>") == 1 and "<caption>" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_reading_a_series_without_strategy_tables_says_what_to_run(tmp_path):
    with pytest.raises(InputError, match="jstbench strategy report"):
        st.read_progress(tmp_path, CODE)
