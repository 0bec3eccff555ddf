"""A report of real units built end to end from files in the formats the public sources publish: a TERYT TERC
register, BDL API responses (as `data fetch` saves them, loaded by the rules the catalogue gives) and Ministry of
Finance ZIP archives of DBF files — the path of `params/series/real-example.yml`, on a handful of units. The files
are written here by hand; the values are made up, the codes, names and formats are real."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from jstbench.catalogue.load import load_catalogue
from jstbench.core.project import Project
from jstbench.data import bdl_api
from jstbench.data.load import load_files
from jstbench.data.store import Store
from jstbench.views.wording import SYNTHETIC_NOTE

from ..conftest import make_project
from ..integration.test_budget import RB27S_SPEC, RB28S_SPEC, mf_zip

TERC = """WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA
30;;;;WIELKOPOLSKIE;województwo;2023-01-01
30;21;;;poznański;powiat;2023-01-01
30;21;05;2;Dopiewo;gmina wiejska;2023-01-01
30;21;11;3;Murowana Goślina;gmina miejsko-wiejska;2023-01-01
30;21;13;2;Rokietnica;gmina wiejska;2023-01-01
30;64;;;Poznań;miasto na prawach powiatu;2023-01-01
30;64;01;1;Poznań;gmina miejska;2023-01-01
"""
# 12-digit BDL unit ids: region, voivodeship 30, then powiat, gmina and kind (see bdl.teryt_from_bdl_id)
GMINAS = {"023000021052": ("Dopiewo", 29000, 30500), "023000021113": ("Murowana Goślina", 17000, 17100),
          "023000021132": ("Rokietnica", 19500, 20100), "023000064011": ("Poznań", 541000, 540000)}
POWIATS = {"023000021000": ("Powiat poznański", 410000, 415000), "023000064000": ("Powiat m. Poznań", 541000, 540000)}
MF = {"3021052": ("30", "21", "05", "2", "0"), "3021113": ("30", "21", "11", "3", "0"),
      "3021132": ("30", "21", "13", "2", "0"), "3064011": ("30", "64", "00", "0", "2")}  # Poznań: GK 00, PT 2
INVESTMENT = {"3021052": (9_000_000, 1_500_000), "3021113": (4_000_000, 0), "3021132": (6_100_000, 900_000),
              "3064011": (300_000_000, 120_000_000)}  # §6050 and §6057 executed in 2023


def api_response(path: Path, level: int, units: dict) -> Path:
    results = [{"id": uid, "name": name, "values": [{"year": "2022", "val": a, "attrId": 1},
                                                    {"year": "2023", "val": b, "attrId": 1}]}
               for uid, (name, a, b) in units.items()]
    path.write_text(json.dumps({"variableId": 72305, "unitLevel": level, "results": results}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def real_series(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("real"))
    project = Project(root)
    cat = load_catalogue(project.catalogue_dir)
    store, files = project.real_data_dir, tmp_path_factory.mktemp("files")
    (files / "TERC_Urzedowy_2023-01-01.csv").write_text(TERC, encoding="utf-8")
    load_files(store, [files / "TERC_Urzedowy_2023-01-01.csv"])
    rules = bdl_api.write_mapping(bdl_api.catalogue_rules(cat), files / "catalogue_mapping.yml")
    load_files(store, [api_response(files / "API_72305_level6_2022-2023.json", 6, GMINAS),
                       api_response(files / "API_72305_level5_2022-2023.json", 5, POWIATS)],
               fmt="api-json", mapping_path=rules, known_variables=set(cat.variables))
    rb28 = [(*MF[u], "600", "60016", "605", digit, amount * 1.1, amount)
            for u, amounts in INVESTMENT.items() for digit, amount in zip("07", amounts, strict=True) if amount]
    rb28 += [(*MF[u], "801", "80101", "401", "0", 1_000_000.0, 950_000.0) for u in MF]
    rb27 = [(*MF[u], "756", "75616", "031", "0", 2_000_000.0, 1_900_000.0, 150_000.0, 0.0, 0.0) for u in MF]
    load_files(store, [mf_zip(files, "Rb28S_2023Q4.zip", RB28S_SPEC, rb28), mf_zip(files, "Rb27S_2023Q4.zip", RB27S_SPEC, rb27)],
               budget_columns=project.budget_columns, catalogue=cat)
    groups = yaml.safe_load(project.groups_file.read_text(encoding="utf-8"))
    groups["exchange_groups"] = [{"id": "okolice-poznania", "name": "Poznań i gminy powiatu poznańskiego",
                                  "sector": "construction", "members": sorted(MF)}]
    (root / "params" / "groups.yml").write_text(yaml.safe_dump(groups, allow_unicode=True), encoding="utf-8")
    spec = yaml.safe_load((root / "params" / "series" / "real-example.yml").read_text(encoding="utf-8"))
    (root / "params" / "series" / "real-example.yml").write_text(
        yaml.safe_dump(spec | {"groups": ["okolice-poznania"], "workers": 1}, allow_unicode=True), encoding="utf-8")
    from jstbench.series import run as reports

    manifest = reports.run(project, "real-example", progress=False)
    assert all(r["status"] == "ok" for r in manifest["reports"]), manifest["reports"]
    return root


def test_the_real_example_series_loads_and_reports(real_series):
    store = Store.load(Project(real_series).real_data_dir)
    assert not store.synthetic
    values = pd.read_parquet(real_series / "output" / "real-example" / "data" / "values.parquet")
    v = values[(values["unit"] == "3064011") & (values["year"] == 2023)].set_index("indicator")["value"]
    assert v["constr_investment_per_capita"] == pytest.approx((300_000_000 + 120_000_000) / 540_000)  # 777.78 zł
    assert v["tax_property_arrears_share"] == pytest.approx(100 * 150_000 / 1_900_000)  # arrears column, not revenue
    page = BeautifulSoup((real_series / "output" / "real-example" / "jst" / "3064011.html").read_text(encoding="utf-8"),
                         "html.parser").get_text(" ")
    assert "Poznań" in page and SYNTHETIC_NOTE not in page and "DANE SYNTETYCZNE" not in page
    assert "778" in page  # the investment per resident (0 decimals)
