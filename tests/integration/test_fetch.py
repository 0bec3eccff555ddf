"""`jstbench data fetch` end to end: a project whose catalogue names BDL ids, a store with a TERC register, pyBDL
answering from recorded pages through a mocked HTTP transport (no network), the responses loaded into the store."""

from __future__ import annotations

import functools
from pathlib import Path

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from jstbench.cli import app
from jstbench.data import bdl_api
from jstbench.data.store import Store

from ..conftest import make_project
from ..unit.data.test_bdl_api import FAST, FakeApi

runner = CliRunner()
TERC = ('WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA\n02;;;;DOLNOŚLĄSKIE;województwo;2020-01-01\n'
        '02;01;;;bolesławiecki;powiat;2020-01-01\n02;01;01;1;Bolesławiec;gmina miejska;2020-01-01\n'
        '02;01;02;2;Bolesławiec;gmina wiejska;2020-01-01\n02;01;03;3;Nowogrodziec;gmina miejsko-wiejska;2020-01-01\n'
        '02;01;03;4;Nowogrodziec;miasto;2020-01-01\n02;61;;;Jelenia Góra;miasto na prawach powiatu;2020-01-01\n'
        '02;61;01;1;Jelenia Góra;gmina miejska;2020-01-01\n')
SOURCES = {"population": [{"type": "bdl", "bdl_id": ["72305"], "level": ["gmina", "powiat"], "evidence": "test"}],
           "births": [{"type": "bdl", "bdl_id": ["59"], "level": ["gmina"], "probable": True}]}
FETCH = ["data", "fetch", "--years", "2019-2020", "--variables", "population,births"]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project whose population and births come from BDL variables 72305 (both levels) and 59 (gminas)."""
    root = make_project(tmp_path_factory.mktemp("fetch"))
    path = root / "methodology" / "catalogue" / "variables.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    variables = doc["variables"] if isinstance(doc, dict) else doc
    for v in variables:
        if v["name"] in SOURCES:
            v.update(sources=SOURCES[v["name"]], status="to-verify", breaks=[])
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture
def api(monkeypatch) -> FakeApi:
    """pyBDL's client as `data fetch` makes it, with the network replaced by the recorded pages (pages of 2 units)."""
    fake = FakeApi()
    monkeypatch.setattr(bdl_api, "make_client", functools.partial(bdl_api.make_client, quotas=FAST,
                                                                  transport=httpx.MockTransport(fake)))
    monkeypatch.setattr(bdl_api, "PAGE_SIZE", 2)
    return fake


def register(project: Path, store: Path, tmp_path: Path) -> None:
    terc = tmp_path / "TERC.csv"
    terc.write_text(TERC, encoding="utf-8")
    res = runner.invoke(app, ["data", "load", str(terc), "--store", str(store), "--root", str(project)])
    assert res.exit_code == 0, res.output


def test_fetch_into_a_store_then_rerun_reuses(project, api, tmp_path):
    store = tmp_path / "store"
    dry = runner.invoke(app, [*FETCH, "--dry-run", "--store", str(store), "--root", str(project)])
    assert dry.exit_code == 0, dry.output
    assert "2 BDL variable id(s) for 2 catalogue variable(s): 3 response(s)" in dry.stdout
    assert "anonymous (5/s, 100/15 min, 1,000/12 h, 10,000/7 days)" in dry.stdout and "registered" in dry.stdout
    assert "API_72305_level5_2019-2020.json  population  (to fetch)" in dry.stdout and not api.requests

    register(project, store, tmp_path)
    res = runner.invoke(app, [*FETCH, "--store", str(store), "--root", str(project)])
    assert res.exit_code == 0, res.output
    assert "reused 0 saved response(s) of 3; fetched 3 (5 requests)" in res.stdout
    assert "API key: none, anonymous limits" in res.stdout
    wide = Store.load(store).wide()
    assert wide.loc[("0201011", 2020), "population"] == 38486 and wide.loc[("0201", 2020), "population"] == 88500
    assert wide.loc[("0261011", 2019), "population"] == 79773  # the city's gmina and powiat rows agree
    assert wide.loc[("0201011", 2019), "births"] == 331 and "0201034" not in wide.index.get_level_values(0)
    assert (store / "bdl-api" / bdl_api.MAPPING_FILE).exists()

    before = len(api.requests)
    again = runner.invoke(app, [*FETCH, "--store", str(store), "--root", str(project)])
    assert again.exit_code == 0, again.output
    assert "reused 3 saved response(s) of 3; fetched 0 (0 requests)" in again.stdout and len(api.requests) == before
    assert "0 new, 0 revised" in again.stdout


def test_a_response_for_a_variable_the_catalogue_does_not_know_loads_nothing(project, api, tmp_path):
    api.other["59"] = "by-variable_59_level6_page0_other_variable.json"
    store = tmp_path / "store"
    register(project, store, tmp_path)
    res = runner.invoke(app, [*FETCH, "--store", str(store), "--root", str(project)])
    assert res.exit_code == 1
    assert "API_59_level6_2019-2020.json: the API answered the request for variable 59 with variable 99999" in res.stderr
    assert "nothing was loaded" in res.stderr
    assert Store.load(store).observations.empty


def test_no_register_no_requests(project, api, tmp_path):
    res = runner.invoke(app, [*FETCH, "--store", str(tmp_path / "empty"), "--root", str(project)])
    assert res.exit_code == 1 and "load a TERYT TERC file first" in res.stderr and not api.requests
