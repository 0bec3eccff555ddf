"""Series parameters, groups, notebook parameters and the data store reject bad input clearly."""

from pathlib import Path

import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.core.project import Project
from jstbench.data.store import Store, save
from jstbench.series.build import check_series
from jstbench.views.params import GroupReportParams, UnitReportParams


def series(root: Path, text: str, name: str = "bad") -> str:
    (root / "params" / f"{name}.yml").write_text(text, encoding="utf-8")
    return name


BASE = 'title: "T"\nyear: 2024\ndata: output/data/demo\n'


def err(root: Path, name: str) -> str:
    with pytest.raises(InputError) as e:
        check_series(Project(root), name)
    return e.value.message


def test_valid_series_checks(small_project):
    c = check_series(Project(small_project), "tests")
    assert c.group_ids == ["miasta-oswiata", "powiaty-zdrowie"]
    assert "3064011" in c.unit_codes and len(c.unit_codes) == 6 + 4 + 2


def test_units_all_reports_on_every_unit_of_the_register(small_project):
    c = check_series(Project(small_project), series(small_project, BASE + "groups: []\nunits: all\n", "everyone"))
    assert sorted(c.unit_codes) == sorted(c.store.units.index) and len(c.unit_codes) > 50
    msg = err(small_project, series(small_project, BASE + "units: every\n"))
    assert "bad.yml: units" in msg


def test_unknown_group(small_project):
    msg = err(small_project, series(small_project, BASE + "groups: [miasta-oswiata, nie-ma-takiej]\n"))
    assert "bad.yml: groups[1]: unknown group 'nie-ma-takiej'" in msg


def test_unknown_unit_code(small_project):
    msg = err(small_project, series(small_project, BASE + 'units: ["9999011"]\n'))
    assert "bad.yml: units[0]: unknown unit code '9999011'" in msg


def test_unit_code_given_as_number(small_project):
    msg = err(small_project, series(small_project, BASE + "units: [201011]\n"))
    assert "bad.yml: units" in msg and "write TERYT codes as quoted strings" in msg


def test_missing_data_file(small_project):
    msg = err(small_project, series(small_project, 'title: "T"\nyear: 2024\ndata: output/data/none\n'))
    assert "output/data/none/units.parquet: data file not found" in msg


def test_year_not_in_data(small_project):
    msg = err(small_project, series(small_project, 'title: "T"\nyear: 2031\ndata: output/data/demo\n'))
    assert "bad.yml: year: year 2031 is not in the data" in msg


def test_missing_series_and_path_like_name(small_project):
    assert "series file not found" in err(small_project, "nothing")
    assert "must be lowercase" in err(small_project, "../etc")


def test_unknown_field_in_series(small_project):
    assert "bad.yml: colour: Extra inputs are not permitted" in err(small_project, series(small_project, BASE + "colour: red\n"))


def test_group_member_unknown(small_project, tmp_path):
    from jstbench.compare.groups import load_groups

    text = (small_project / "params" / "groups.yml").read_text(encoding="utf-8").replace('"3064011"', '"9999011"', 1)
    path = tmp_path / "groups.yml"
    path.write_text(text, encoding="utf-8")
    store = Store.load(small_project / "output" / "data" / "demo")
    with pytest.raises(InputError, match=r"groups.yml: exchange_groups\[0\].members\[0\]: unknown unit code '9999011'"):
        load_groups(path, store.units)


def test_notebook_parameter_of_wrong_type():
    with pytest.raises(InputError) as e:
        UnitReportParams.from_notebook(unit=3064011, year=2024, series_dir="x")
    assert "notebook parameters: unit: unit code 3064011 is a int" in e.value.message
    with pytest.raises(InputError, match="year: Input should be a valid integer"):
        UnitReportParams.from_notebook(unit="3064011", year="2024", series_dir="x")
    with pytest.raises(InputError, match="group: String should match pattern"):
        GroupReportParams.from_notebook(group="../../etc", year=2024, series_dir="x")


def test_store_roundtrip_and_validation(tmp_path):
    units = pd.DataFrame({"code": ["0201011", "0201"], "name": ["A", "B"], "kind": ["gmina_urban", "powiat"],
                          "voivodeship": ["02", "02"], "powiat": ["0201", "0201"],
                          "population_class": ["lt5k", "5-10k"], "synthetic": [False, False]})
    obs = pd.DataFrame({"unit": ["0201011", "0201"], "year": [2024, 2024], "variable": ["population", "population"],
                        "value": [100.0, 200.0], "flag": [None, None], "source": ["test", "test"]})
    save(units, obs, tmp_path)
    store = Store.load(tmp_path)
    assert store.wide().loc[("0201", 2024), "population"] == 200.0
    bad = units.assign(kind=["gmina_urban", "gmina_rural"])
    with pytest.raises(InputError, match="units.parquet: invalid data"):
        save(bad, obs, tmp_path / "bad")
    dup = pd.concat([obs, obs])
    with pytest.raises(InputError, match="observations.parquet: invalid data"):
        save(units, dup, tmp_path / "dup")
    # both tables are validated before either is written: a rejected save leaves no half-written store
    assert not (tmp_path / "dup" / "units.parquet").exists()
    assert not (tmp_path / "dup" / "observations.parquet").exists()


def test_store_rejects_unknown_units_in_observations(tmp_path):
    units = pd.DataFrame({"code": ["0201011"], "name": ["A"], "kind": ["gmina_urban"], "voivodeship": ["02"],
                          "powiat": ["0201"], "population_class": ["lt5k"], "synthetic": [False]})
    obs = pd.DataFrame({"unit": ["0201011", "0202011"], "year": [2024, 2024], "variable": ["x", "x"],
                        "value": [1.0, 2.0], "flag": [None, None], "source": ["t", "t"]})
    units.to_parquet(tmp_path / "units.parquet")
    obs.to_parquet(tmp_path / "observations.parquet")
    with pytest.raises(InputError, match=r"observations.parquet: observations for unit codes not in units.parquet: \['0202011'\]"):
        Store.load(tmp_path)


def test_a_store_is_synthetic_when_it_holds_demo_values_or_invented_units(tmp_path):
    """The reports' synthetic-data banner follows the data, not a setting: demo values or invented units mark it."""
    from jstbench.data.demo import SOURCE

    units = pd.DataFrame({"code": ["0201011"], "name": ["Bolesławiec"], "kind": ["gmina_urban"], "voivodeship": ["02"],
                          "powiat": ["0201"], "population_class": ["20-50k"], "synthetic": [False]})
    real = pd.DataFrame({"unit": ["0201011"], "year": [2020], "variable": ["population"], "value": [39000.0],
                         "flag": [None], "source": ["api-json:API_72305.json@abc"]})
    save(units, real, tmp_path / "real")
    assert not Store.load(tmp_path / "real").synthetic
    save(units, real.assign(source=SOURCE), tmp_path / "demo")
    assert Store.load(tmp_path / "demo").synthetic
    save(units.assign(synthetic=True), real, tmp_path / "invented")
    assert Store.load(tmp_path / "invented").synthetic
