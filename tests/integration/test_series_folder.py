"""The series folder contract: a build writes exactly the declared files, each valid against its schema; what the
reports show is computed at build time and equals an independent computation; readers refuse a folder of another
year or contract version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jstbench.core.errors import InputError
from jstbench.core.project import Project
from jstbench.core.text import num
from jstbench.indicators.features import strata
from jstbench.series import folder as sf
from jstbench.series.build import check_series, compute, write_data
from jstbench.stats.similar import explain, standardise
from jstbench.views.quality import QualityView
from jstbench.views.report import GroupView, UnitView


@pytest.fixture(scope="module")
def data(small_project, small_series) -> Path:
    return small_project / "output" / "tests" / "data"


@pytest.fixture(scope="module")
def folder(data) -> sf.SeriesFolder:
    return sf.SeriesFolder(data)


def test_a_build_writes_exactly_the_declared_files(data):
    assert {p.name for p in data.iterdir()} - set(sf.FOLDERS) == sf.files()
    assert {p.name for p in data.iterdir() if p.is_dir()} <= set(sf.FOLDERS)


@pytest.mark.parametrize("name", sorted(sf.TABLES))
def test_every_table_matches_its_schema(folder, name):
    sf.TABLES[name].schema.validate(folder.read(name))


def test_peer_explanations_equal_an_independent_explain(folder):
    meta, units = folder.meta, folder.read("units")
    weights = meta["similar"]["weights"]
    feats = folder.read("features")
    feats = feats[feats["year"] == meta["year"]].set_index("unit")[list(weights)]
    peers = folder.read("peers")
    unit = sorted(peers["unit"].unique())[0]
    own = peers[peers["unit"] == unit].sort_values("order")
    z = standardise(feats, strata(units).reindex(feats.index))
    expected = explain(feats, z, unit, list(own["peer"]), weights)
    got = folder.read("peer_explanations", [("unit", "==", unit)]).sort_values("order").set_index("feature")
    assert list(got.index) == list(expected.index)
    assert np.allclose(got["gap_sd"], expected["gap_sd"]) and np.allclose(got["weight"], expected["weight"])
    logged = "log_population"  # stored on the natural scale: exp of the logged feature
    assert got.loc[logged, "unit_value"] == pytest.approx(np.exp(expected.loc[logged, "unit_value"]))


def test_group_ranks_on_the_adjusted_scale_follow_the_residuals(folder):
    ranks, adjusted = folder.read("adjusted_ranks"), folder.read("adjusted")
    group, indicator = ranks.groupby(["group", "indicator"]).size().idxmax()
    part = ranks[(ranks["group"] == group) & (ranks["indicator"] == indicator)].set_index("unit")
    adj = adjusted[adjusted["indicator"] == indicator].set_index("unit").loc[part.index]
    direction = folder.json("catalogue")["indicators"]
    sign = -1 if next(i for i in direction if i["id"] == indicator)["direction"] == "lower-better" else 1
    best = (sign * adj["residual"]).idxmax()
    assert part.loc[best, "adj_rank"] == 1
    assert sorted(part["adj_rank"]) == list(range(1, len(part) + 1))
    assert (part["inside"] == ((adj["pi_low"] <= adj["value"]) & (adj["value"] <= adj["pi_high"]))).all()


def test_trends_are_the_cagr_of_the_real_terms_series(folder):
    real, trends = folder.read("real_terms"), folder.read("trends")
    assert len(trends)
    r = trends.iloc[0]
    rt = real[(real["unit"] == r["unit"]) & (real["indicator"] == r["indicator"])].dropna(subset=["value_real"]).sort_values("year")
    first, last = rt.iloc[0], rt.iloc[-1]
    years = last["year"] - first["year"]
    assert (r["first_year"], r["last_year"]) == (first["year"], last["year"])
    assert r["cagr_real"] == pytest.approx((last["value_real"] / first["value_real"]) ** (1 / years) - 1)
    assert r["slope_lo"] <= r["slope"] <= r["slope_hi"]


def test_composite_scores_say_which_inputs_are_missing(folder):
    scores, meta = folder.read("composite_scores"), folder.meta
    n_inputs = {c["id"]: len(c["indicators"]) for c in meta["composites"]}
    missing = scores["missing_inputs"].str.split(",").map(lambda x: [i for i in x if i])
    assert (scores["inputs"] + missing.map(len) == scores["composite"].map(n_inputs)).all()
    values = folder.read("values")
    row = scores[missing.map(len) > 0].iloc[0] if (missing.map(len) > 0).any() else None
    if row is not None:  # the named input really is missing for that unit
        ind = row["missing_inputs"].split(",")[0]
        v = values[(values["unit"] == row["unit"]) & (values["indicator"] == ind) & (values["year"] == meta["year"])]["value"]
        assert v.isna().all()


def test_a_report_for_another_year_is_refused_naming_both_years(data, folder):
    unit = folder.meta["report_units"][0]
    with pytest.raises(InputError) as err:
        UnitView(data, unit, folder.meta["year"] - 1)
    assert str(folder.meta["year"] - 1) in str(err.value) and str(folder.meta["year"]) in str(err.value)
    group = folder.meta["exchange_groups"][0]["id"]
    with pytest.raises(InputError, match="does not match the series' year"):
        GroupView(data, group, folder.meta["year"] - 1)
    with pytest.raises(InputError, match="does not match the series' year"):
        QualityView(data, folder.meta["year"] + 1)


def test_a_folder_of_another_contract_version_is_refused(data, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(data, old)
    meta = json.loads((old / "series.json").read_text(encoding="utf-8"))
    (old / "series.json").write_text(json.dumps(meta | {"contract": 1}), encoding="utf-8")
    with pytest.raises(InputError, match="another version of jstbench"):
        sf.SeriesFolder(old)
    with pytest.raises(InputError, match="not a built series folder"):
        sf.SeriesFolder(tmp_path)


def test_a_table_that_breaks_its_schema_is_not_written(tmp_path):
    bad = pd.DataFrame({"unit": ["a"], "peer": ["b"], "order": ["first"], "distance": [1.0]})
    with pytest.raises(InputError, match="peers"):
        sf.write(tmp_path, "peers", bad)
    assert not (tmp_path / "peers.parquet").exists()


def test_a_series_without_composites_writes_typed_empty_tables(small_project, tmp_path):
    text = (small_project / "params" / "tests.yml").read_text(encoding="utf-8")
    (small_project / "params" / "nocomp.yml").write_text(text.split("composites:")[0], encoding="utf-8")
    checked = check_series(Project(small_project), "nocomp")
    out = tmp_path / "data"
    write_data(checked, compute(checked), out)
    scores = sf.SeriesFolder(out).read("composite_groups")
    assert scores.empty and list(scores.columns) == list(sf.TABLES["composite_groups"].schema.columns)
    assert str(scores["rank_lo"].dtype) == "float64"


# --- honest coverage: every group statistic carries its register denominator -----------------------------------


def test_national_statistics_carry_the_register_denominator(folder):
    """expected = the units of the register of the kinds the indicator applies to; n = those with a value."""
    units, stats, values = folder.read("units"), folder.read("group_stats"), folder.read("values")
    applies = {i["id"]: set(i["applies_to"]) for i in folder.json("catalogue")["indicators"]}
    year, nat_id = folder.meta["year"], folder.meta["national_id"]
    nat = stats[(stats["group"] == nat_id) & (stats["year"] == year)].set_index("indicator")
    cur = values[values["year"] == year]
    for ind in ("ctx_population", "edu_cost_primary_per_pupil", "adm_starostwo_cost_per_capita"):
        assert nat.loc[ind, "expected"] == units["kind"].isin(applies[ind]).sum(), ind
        assert nat.loc[ind, "n"] == cur.loc[cur["indicator"] == ind, "value"].notna().sum(), ind
        assert nat.loc[ind, "coverage"] == pytest.approx(nat.loc[ind, "n"] / nat.loc[ind, "expected"])
    assert (nat["withheld"] == (nat["coverage"] < folder.meta["min_coverage"])).all()
    assert nat.loc[nat["withheld"], "median"].isna().all()
    comp = folder.read("comparison_national", [("year", "==", year)])
    assert (comp["expected"].to_numpy() == nat.loc[comp["indicator"].astype(str), "expected"].to_numpy()).all()
    quality = folder.read("quality_coverage_indicator").set_index("indicator")
    both = quality.index.intersection(nat.index)
    assert (quality.loc[both, "n"] == nat.loc[both, "n"]).all() and (quality.loc[both, "withheld"] == nat.loc[both, "withheld"]).all()


def test_the_report_says_how_many_units_a_median_rests_on(data, folder):
    stats = folder.read("group_stats")
    row = stats[(stats["group"] == folder.meta["national_id"]) & (stats["year"] == folder.meta["year"])
                & (stats["indicator"] == "edu_cost_primary_per_pupil")].iloc[0]
    assert not row["withheld"]
    text = " ".join(UnitView(data, "3064011", folder.meta["year"]).sentences("edu_cost_primary_per_pupil"))
    assert f"(dane ma {num(row['n'], 0)} z {num(row['expected'], 0)} gmin)" in text


@pytest.fixture(scope="module")
def one_voivodeship(small_project, tmp_path_factory) -> Path:
    """A register of the whole (demo) country, data of one voivodeship only (Wielkopolska, 30): built and written."""
    from jstbench.data.demo import generate
    from jstbench.data.participants import load_participants
    from jstbench.data.store import save

    from ..conftest import make_project

    root = make_project(tmp_path_factory.mktemp("one-voivodeship"))
    units, obs = generate(load_participants(root / "params" / "participants.yml"), background_scale=0.02)
    save(units, obs[obs["unit"].str.startswith("30")], root / "output" / "data" / "wlkp")
    (root / "params" / "wlkp.yml").write_text('title: "Wielkopolska"\nyear: 2024\ndata: output/data/wlkp\ngroups: []\n'
                                              'units: ["3064011"]\nmin_coverage: 0.5\n', encoding="utf-8")
    checked = check_series(Project(root), "wlkp")
    write_data(checked, compute(checked), root / "out")
    return root / "out"


def test_a_national_median_from_one_voivodeship_is_withheld_and_the_report_says_why(one_voivodeship):
    folder = sf.SeriesFolder(one_voivodeship)
    units, stats = folder.read("units"), folder.read("group_stats")
    row = stats[(stats["group"] == "kraj") & (stats["year"] == 2024) & (stats["indicator"] == "ctx_population")].iloc[0]
    in_30 = int(units["code"].str.startswith("30").sum())
    assert (row["n"], row["expected"]) == (in_30, len(units)) and row["n"] / row["expected"] < 0.5
    assert row["withheld"] and pd.isna(row["median"]) and pd.isna(row["q25"])
    comp = folder.read("comparison_national", [("unit", "==", "3064011")])
    assert comp.loc[comp["year"] == 2024, "percentile"].isna().all()
    view = UnitView(one_voivodeship, "3064011", 2024)
    share = f"{num(100 * row['n'] / row['expected'], 0)}%"
    expected_text = (f"Mediany krajowej i pozycji w kraju nie podajemy: dane ma tylko {num(row['n'], 0)} z "
                     f"{num(row['expected'], 0)} JST ({share}), a wymagamy co najmniej 50%.")
    assert expected_text in view.sentences("ctx_population")
    summary = view.summary().set_index("indicator")
    assert summary.loc["ctx_population", "Mediana kraju"] == "nie podajemy"
    assert "mediany i ćwiartki w kraju nie podajemy" in summary.loc["ctx_population", "Uwagi"]
    html = view.summary_html()
    assert "nie podajemy" in html and "Mediana krajowa" not in " ".join(view.sentences("ctx_population"))


def test_data_quality_counts_coverage_against_the_register(one_voivodeship):
    folder = sf.SeriesFolder(one_voivodeship)
    units = folder.read("units")
    cov = folder.read("quality_coverage_variable").set_index("variable")
    in_30 = int(units["code"].str.startswith("30").sum())
    assert cov.loc["population", "units"] == in_30 and cov.loc["population", "register_units"] == len(units)
    assert cov.loc["population", "coverage_pct"] == pytest.approx(100 * in_30 / len(units))  # not 100%
    quality = QualityView(one_voivodeship, 2024)
    html = quality.indicator_coverage_html()
    assert "nie podane" in html and "Liczba ludności" in html
    indicators = folder.read("quality_coverage_indicator")
    assert indicators["withheld"].all()  # every indicator rests on one voivodeship: nothing national is shown
