"""The researchers' notebook runs end to end with a variant formula, shows its chart and Polish tables, and rejects
unsafe formulas before any data is loaded."""

import time

import papermill as pm
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from jstbench.core.errors import InputErrors
from jstbench.data.store import Store
from jstbench.views.params import ExploreParams
from tests.conftest import ROOT

GOOD = "ratio(exp_80101 + exp_80113, pupils_primary)"
CATALOGUE = str(ROOT / "methodology" / "catalogue")


def run(project, tmp_path, formula):
    out = tmp_path / "explore.ipynb"
    nb_dir = project / "notebooks"
    return pm.execute_notebook(
        str(nb_dir / "explore_indicator.ipynb"), str(out), kernel_name="python3", progress_bar=False, cwd=str(nb_dir),
        parameters={"variant_formula": formula, "group": "miasta-oswiata", "year": 2024,
                    "data_dir": str(project / "output" / "data" / "demo")})


def test_variant_compared_with_catalogue(small_project, tmp_path):
    nb = run(small_project, tmp_path, GOOD)
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(nb)
    soup = BeautifulSoup(body, "html.parser")
    text = soup.get_text(" ")
    assert "Korelacja rang (Spearman) w grupie" in text
    # the comparison and the models as captioned tables with Polish headers and numbers, not DataFrame reprs
    tables = soup.find_all("table", class_="jst-explore")
    assert len(tables) == 2 and all(t.caption and t.find("th", scope="col") for t in tables)
    heads = [th.get_text() for th in tables[0].find_all("th")]
    assert heads[:2] == ["JST", "TERYT"] and "Pozycja: wariant" in heads and "rank_variant" not in text
    cells = [td.get_text() for td in tables[0].find_all("td")]
    values = cells[2::6] + cells[3::6]  # zł per pupil, no decimals: thousands split by a non-breaking space
    assert values and all("\u00a0" in v and "." not in v and "," not in v for v in values)
    assert "R²" in tables[1].get_text() and "współczynnik" in tables[1].get_text()
    # the scatter is shown (it never was under a forced Agg backend) as an image with a text alternative from the data
    [img] = [i for i in soup.find_all("img") if i.get("alt", "").startswith("Wykres punktowy")]
    assert img["src"].startswith("data:image/svg+xml;base64,")
    assert "Opole" in img["alt"] and "2024 r." in img["alt"]  # members by name and value, the year


def test_unsafe_variant_is_refused_before_the_data_is_loaded(small_project, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as err:
        run(small_project, tmp_path, "__import__('os').system('touch /tmp/pwned')")
    assert "not allowed" in str(err.value) and "variant_formula" in str(err.value)
    assert "ExploreParams.from_notebook" in err.value.source  # the validation cell failed, not the data cell


@pytest.mark.parametrize("formula, problem", [("__import__('os')", "function '__import__' not allowed"),
                                              ("median(pupils_primary)", "function 'median' not allowed"),
                                              ("ratio(exp_80101, no_such_variable)", "unknown variable(s) ['no_such_variable']")])
def test_formula_is_checked_by_the_parameters_without_the_data_store(monkeypatch, formula, problem):
    def never(*args, **kwargs):
        raise AssertionError("the data store must not be loaded to check a formula")

    monkeypatch.setattr(Store, "load", never)
    start = time.perf_counter()
    with pytest.raises(InputErrors) as err:
        ExploreParams.from_notebook(data_dir="../output/data/demo", catalogue_dir=CATALOGUE,
                                    groups_file="params/groups.yml", indicator="edu_cost_primary_per_pupil",
                                    variant_formula=formula, group="miasta-oswiata", year=2024)
    assert time.perf_counter() - start < 15
    [e] = err.value.errors
    assert e.where == "variant_formula" and problem in e.problem


def test_unknown_indicator_is_named():
    with pytest.raises(InputErrors) as err:
        ExploreParams.from_notebook(data_dir="x", catalogue_dir=CATALOGUE, groups_file="x", indicator="no_such_one",
                                    variant_formula=GOOD, group="miasta-oswiata", year=2024)
    assert [e.where for e in err.value.errors] == ["indicator"]
