"""Good practices in a series: improvements measured on the data, and practices linked where an authority lags,
nearest peers first — expected values computed by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jstbench.catalogue.load import load_catalogue
from jstbench.data.practices import Loaded, Practice
from jstbench.series.practices import improvements, links, practices_table

ROOT = Path(__file__).resolve().parents[3]
BASE = {"title": "Praktyka testowa", "service": "municipal_waste", "problem": "Problem do rozwiązania.",
        "actions": "Opis działań praktyki.", "contact": {"role": "Sekretariat"}, "date": "2024-01-01",
        "status": "reviewed", "results": [{"description": "Wynik", "before": {"year": 2018, "value": 1},
                                           "after": {"year": 2020, "value": 2}}]}


def practice(pid: str, unit: str, indicator: str, start: int, synthetic: bool = False) -> Loaded:
    p = Practice.model_validate(BASE | {"id": f"test-{pid}", "unit": unit, "indicators": [indicator], "period": {"start": start},
                                        "synthetic": synthetic})
    return Loaded(p, Path(f"{pid}.md"))


@pytest.fixture(scope="module")
def cat():
    return load_catalogue(ROOT / "methodology" / "catalogue")


VALUES = pd.DataFrame({
    "unit": ["3027011"] * 4 + ["1435022"] * 3 + ["0262011"] * 2,
    "indicator": ["waste_separate_share"] * 4 + ["waste_mixed_kg_per_capita"] * 3 + ["waste_separate_share"] * 2,
    "year": [2017, 2018, 2020, 2022, 2018, 2019, 2022, 2019, 2023],
    "value": [10.0, 20.0, 25.0, 30.0, 400.0, 380.0, 300.0, 50.0, 40.0],
})


def test_improvement_from_the_last_year_before_the_start_to_the_latest(cat):
    loaded = [practice("pa", "3027011", "waste_separate_share", 2019),  # higher is better: 20 (2018) -> 30 (2022)
              practice("pb", "1435022", "waste_mixed_kg_per_capita", 2020),  # lower is better: 380 (2019) -> 300 (2022)
              practice("pc", "0262011", "waste_separate_share", 2020)]  # 50 (2019); 40 only in 2023, after the report year
    imp = improvements(loaded, VALUES, cat, 2022).set_index("practice").rename(lambda x: x.removeprefix("test-"))
    assert imp.loc["pa", ["before_year", "before", "after_year", "after", "better"]].tolist() == [2018, 20.0, 2022, 30.0, 10.0]
    assert imp.loc["pa", "better_rel"] == pytest.approx(0.5)  # 10 / 20
    assert imp.loc["pb", "better"] == 80.0 and imp.loc["pb", "better_rel"] == pytest.approx(80 / 380)
    assert pd.isna(imp.loc["pc", "after_year"]) and pd.isna(imp.loc["pc", "better"])
    assert not imp.loc["pc", "improved"]


def test_no_data_before_the_start_means_no_improvement(cat):
    imp = improvements([practice("pa", "3027011", "waste_separate_share", 2017)], VALUES, cat, 2022)
    assert pd.isna(imp.loc[0, "before"]) and not imp.loc[0, "improved"]


def test_links_go_to_lagging_units_nearest_peers_first(cat):
    units = pd.DataFrame({"code": list("ABCUV"), "kind": ["gmina_urban", "gmina_rural", "gmina_urban", "gmina_urban", "gmina_urban"],
                          "population_class": ["20-50k", "5-10k", "5-10k", "20-50k", "20-50k"]})
    improved = pd.DataFrame({
        "practice": ["pa", "pb", "pc", "pd"], "unit": ["A", "B", "C", "V"], "indicator": ["x"] * 4,
        "before_year": [2018] * 4, "before": [1.0] * 4, "after_year": [2022] * 4, "after": [2.0] * 4,
        "better": [1.0, 3.0, 2.0, 0.5], "better_rel": [1.0, 3.0, 2.0, 0.5], "improved": [True, True, True, True]})
    positions = pd.DataFrame({"unit": ["U", "U", "V"], "indicator": ["x", "y", "x"], "percentile": [20.0, 10.0, 80.0],
                              "basis": "typology"})
    peers = pd.DataFrame({"unit": ["U"], "peer": ["C"]})
    out = links(["U", "V"], positions, improved, units, peers, 50, 3, False, {"pc": False})
    # U lags on x (20 < 50), not V (80); C is U's similar authority (level 0), A has U's kind and size (1), V is of
    # U's kind and size too but has the smaller improvement (0.5 < 1); B is another kind (3) and drops out at 3.
    assert out[["practice", "level", "order"]].values.tolist() == [["pc", 0, 1], ["pa", 1, 2], ["pd", 1, 3]]
    assert set(out["unit"]) == {"U"}


def test_synthetic_practices_only_in_a_synthetic_series():
    units = pd.DataFrame({"code": ["U", "A"], "kind": ["powiat", "powiat"], "population_class": ["lt5k", "lt5k"]})
    improved = pd.DataFrame({"practice": ["pa"], "unit": ["A"], "indicator": ["x"], "before_year": [2018], "before": [1.0],
                             "after_year": [2022], "after": [2.0], "better": [1.0], "better_rel": [1.0], "improved": [True]})
    positions = pd.DataFrame({"unit": ["U"], "indicator": ["x"], "percentile": [0.0], "basis": "national"})
    peers = pd.DataFrame({"unit": [], "peer": []})
    assert links(["U"], positions, improved, units, peers, 50, 3, False, {"pa": True}).empty
    assert len(links(["U"], positions, improved, units, peers, 50, 3, True, {"pa": True})) == 1


def test_practices_table_has_one_row_per_practice():
    t = practices_table([practice("pa", "3027011", "waste_separate_share", 2019, synthetic=True)])
    assert t.loc[0, ["practice", "indicators", "start", "synthetic"]].tolist() == ["test-pa", "waste_separate_share", 2019, True]
