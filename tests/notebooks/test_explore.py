"""The researchers' notebook runs end to end with a variant formula, and rejects unsafe ones."""

import papermill as pm
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter


def run(project, tmp_path, formula):
    out = tmp_path / "explore.ipynb"
    nb_dir = project / "notebooks"
    return pm.execute_notebook(
        str(nb_dir / "explore_indicator.ipynb"), str(out), kernel_name="python3", progress_bar=False, cwd=str(nb_dir),
        parameters={"variant_formula": formula, "group": "miasta-oswiata", "year": 2024,
                    "data_dir": str(project / "output" / "data" / "demo")})


def test_variant_compared_with_catalogue(small_project, tmp_path):
    nb = run(small_project, tmp_path, "ratio(exp_80101 + exp_80113, pupils_primary)")
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(nb)
    text = BeautifulSoup(body, "html.parser").get_text(" ")
    assert "Korelacja rang (Spearman) w grupie" in text
    assert "rank_variant" in text


def test_unsafe_variant_is_refused(small_project, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as err:
        run(small_project, tmp_path, "__import__('os').system('touch /tmp/pwned')")
    assert "not allowed" in str(err.value)
