"""The statistical layer of a series: its data files are consistent, and bad settings are refused with the file and field named."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from jstbench.catalogue.deflators import load_deflators
from jstbench.catalogue.load import load_catalogue
from jstbench.core.errors import InputError, InputErrors
from jstbench.core.project import Project
from jstbench.indicators.features import strata
from jstbench.series.build import check_series
from jstbench.stats.trends import price_level

from ..conftest import ROOT, make_project

FAIR_FILES = ["models.parquet", "adjusted.parquet", "intervals.parquet", "peers.parquet", "peer_stability.parquet", "typology.parquet",
              "clusters.parquet", "features.parquet", "composite_scores.parquet", "composite_groups.parquet", "composite_shares.parquet",
              "comparison_similar.parquet", "comparison_cluster.parquet", "peer_explanations.parquet", "adjusted_ranks.parquet",
              "real_terms.parquet", "trends.parquet"]
STATUSES = {"ok", "poor-fit", "too-few"}


# --- the data folder of the `tests` series ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(small_project, small_series) -> Path:
    return small_project / "output" / "tests" / "data"


@pytest.fixture(scope="module")
def meta(data) -> dict:
    return json.loads((data / "series.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def checked(small_project, small_series):
    return check_series(Project(small_project), "tests")


def read(data: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(data / f"{name}.parquet")


def unit_strata(data: Path) -> pd.Series:
    return strata(read(data, "units"))


def test_every_fair_file_is_written(data):
    missing = [name for name in FAIR_FILES if not (data / name).exists()]
    assert missing == []


def test_report_units_with_features_have_exactly_k_peers(data, meta, checked):
    k = meta["similar"]["k"]
    peers = read(data, "peers")
    feats = read(data, "features")
    feats = feats[feats["year"] == meta["year"]].set_index("unit")[list(meta["similar"]["weights"])]
    with_features = {u for u in checked.unit_codes if feats.loc[u].notna().any()}
    assert set(peers["unit"]) == with_features
    assert len(with_features) == len(checked.unit_codes) - 1  # the unit without data has no features and no peers
    assert (peers.groupby("unit").size() == k).all()
    assert peers.groupby("unit")["order"].apply(lambda s: sorted(s) == list(range(1, k + 1))).all()
    assert peers.groupby("unit")["distance"].apply(lambda s: s.is_monotonic_increasing).all()


def test_no_unit_is_its_own_peer_and_peers_share_the_stratum(data):
    peers = read(data, "peers")
    st = unit_strata(data)
    assert not (peers["unit"] == peers["peer"]).any()
    assert not peers.duplicated(["unit", "peer"]).any()
    assert (st[peers["unit"]].to_numpy() == st[peers["peer"]].to_numpy()).all()
    # Poznań (a city with powiat rights) is compared with gminas, the powiats of the series with powiats
    assert set(st[peers.loc[peers["unit"] == "3064011", "peer"]]) == {"gminy"}
    assert set(st[peers.loc[peers["unit"] == "0216", "peer"]]) == {"powiaty"}


def test_peer_stability_covers_every_unit_with_peers(data):
    stab = read(data, "peer_stability")
    assert set(stab["unit"]) == set(read(data, "peers")["unit"])
    for col in ("jaccard_previous", "jaccard_weights", "kept_share"):
        assert stab[col].dropna().between(0, 1).all(), col
    assert stab["kept_share"].notna().all()


def test_similar_comparison_groups_are_a_unit_and_its_peers(data, meta):
    peers = read(data, "peers")
    comp = read(data, "comparison_similar")
    assert set(comp["year"]) == {meta["year"]}
    members = comp.groupby("group", observed=True)["unit"].apply(set)
    assert set(members.index) == {f"podobne-{u}" for u in peers["unit"]}
    for unit, p in peers.groupby("unit"):
        assert members[f"podobne-{unit}"] == {unit}  # each unit's position among its own peers is what is kept
        rows = comp[comp["group"] == f"podobne-{unit}"]
        assert (rows["n"].dropna() <= len(p) + 1).all() and rows["n"].max() >= 2


def test_typology_clusters_are_within_one_stratum(data, meta):
    typ = read(data, "typology").dropna(subset=["cluster"])
    clusters = read(data, "clusters")
    st = unit_strata(data)
    assert (typ["cluster"].str.rsplit("-", n=1).str[0].to_numpy() == st[typ["unit"]].to_numpy()).all()
    counts = typ["cluster"].value_counts()
    assert set(counts.index) == set(clusters["cluster"])
    assert (counts[clusters["cluster"]].to_numpy() == clusters["n"].to_numpy()).all()
    assert clusters["stability"].between(0, 1).all()
    comp = read(data, "comparison_cluster")
    assert (comp["unit"].map(typ.set_index("unit")["cluster"]) == comp["group"]).all()


def test_features_cover_the_report_year_and_the_year_before(data, meta):
    feats = read(data, "features")
    units = read(data, "units")
    assert set(feats["year"]) == {meta["year"], meta["year"] - 1}
    for _, part in feats.groupby("year"):
        assert sorted(part["unit"]) == sorted(units["code"].astype(str))


def test_models_have_a_known_status_and_too_few_have_no_adjusted_rows(data, checked):
    models = read(data, "models")
    adjusted = read(data, "adjusted")
    assert set(models["status"]) <= STATUSES
    assert set(models["indicator"]) == {i.id for i in checked.catalogue.indicators.values() if i.adjustable}
    too_few = set(models.loc[models["status"] == "too-few", "indicator"])
    assert too_few and not adjusted["indicator"].isin(too_few).any()
    min_n = checked.catalogue.structure.adjustment.min_n
    for r in models[models["status"] == "too-few"].itertuples():
        assert r.n < r.needed and r.needed >= min_n, r.indicator
    assert (models.loc[models["n"] < min_n, "status"] == "too-few").all()
    fitted = models[models["status"] != "too-few"].set_index("indicator")
    rows = adjusted.groupby("indicator").size()
    assert set(rows.index) == set(fitted.index)
    assert (rows == fitted.loc[rows.index, "n"]).all()  # one adjusted row per unit in the model
    assert (fitted.loc[fitted["status"] == "poor-fit", "r2"] < checked.catalogue.structure.adjustment.min_r2).all()


def test_powiat_only_indicators_are_too_few_in_the_small_project(data, checked):
    units = read(data, "units")
    models = read(data, "models").set_index("indicator")
    n_powiats = int((units["kind"] == "powiat").sum())
    assert n_powiats < checked.catalogue.structure.adjustment.min_n
    powiat_only = [i.id for i in checked.catalogue.indicators.values() if i.adjustable and set(i.applies_to) == {"powiat"}]
    assert "adm_starostwo_cost_per_capita" in powiat_only
    for ind in powiat_only:
        assert models.loc[ind, "status"] == "too-few", ind
        assert models.loc[ind, "n"] <= n_powiats


def test_adjusted_rows_belong_to_applicable_units_and_lie_in_their_intervals(data, checked):
    adjusted = read(data, "adjusted")
    kinds = read(data, "units").set_index("code")["kind"]
    applies = {i.id: set(i.applies_to) for i in checked.catalogue.indicators.values()}
    assert all(kinds[u] in applies[i] for u, i in zip(adjusted["unit"], adjusted["indicator"], strict=True))
    assert adjusted["expected"].notna().all()
    assert ((adjusted["pi_low"] <= adjusted["expected"]) & (adjusted["expected"] <= adjusted["pi_high"])).all()
    assert not adjusted.duplicated(["unit", "indicator", "year"]).any()
    for col in ("raw_percentile", "adj_percentile"):
        assert adjusted[col].between(0, 100).all(), col
    assert set(adjusted["raw_quartile"].dropna()) <= {1.0, 2.0, 3.0, 4.0}


def test_intervals_are_ordered_percentiles_of_binomial_indicators_in_series_groups(data, meta, checked):
    iv = read(data, "intervals")
    assert len(iv)
    binomial = {i.id for i in checked.catalogue.indicators.values() if i.uncertainty == "binomial"}
    assert set(iv["indicator"]) <= binomial
    assert (iv["percentile_lo"] <= iv["percentile_hi"]).all()
    assert iv["percentile_lo"].between(0, 100).all() and iv["percentile_hi"].between(0, 100).all()
    assert (iv["trials"] > 0).all()
    assert set(iv["group"]) <= set(checked.group_ids)
    members = {gid: set(checked.groups.exchange(gid).members) for gid in checked.group_ids}
    assert all(u in members[g] for g, u in zip(iv["group"], iv["unit"], strict=True))
    assert (iv.groupby(["group", "indicator"]).size() >= meta["min_group_size"]).all()


def test_composite_rank_intervals_contain_the_median_and_mostly_the_nominal_rank(data, meta):
    scores = read(data, "composite_scores")
    assert set(scores["composite"]) == {c["id"] for c in meta["composites"]}
    ranked = scores.dropna(subset=["nominal_rank"])
    assert len(ranked)
    assert ((ranked["rank_lo"] <= ranked["median_rank"]) & (ranked["median_rank"] <= ranked["rank_hi"])).all()
    inside = (ranked["rank_lo"] <= ranked["nominal_rank"]) & (ranked["nominal_rank"] <= ranked["rank_hi"])
    assert inside.mean() >= 0.8
    assert (ranked["rank_hi"] <= ranked["n"]).all() and (ranked["rank_lo"] >= 1).all()
    by_stratum = ranked.groupby(["composite", "stratum"])
    assert (by_stratum["n"].first() == by_stratum.size()).all()
    assert set(ranked["stratum"]) == {"gminy", "powiaty"}  # decisions apply to both: ranked apart, never together


def test_composite_group_intervals_stay_within_the_group(data, meta, checked):
    groups = read(data, "composite_groups")
    assert set(groups["group"]) <= set(checked.group_ids) and len(groups)
    for gid, part in groups.groupby("group"):
        assert set(part["unit"]) <= set(checked.groups.exchange(gid).members)
        ranked = part.dropna(subset=["nominal_rank"])
        assert (ranked["rank_lo"] >= 1).all() and (ranked["rank_hi"] <= ranked["n"]).all()
        assert ((ranked["rank_lo"] <= ranked["median_rank"]) & (ranked["median_rank"] <= ranked["rank_hi"])).all()


def test_composite_variance_shares_sum_to_one(data, meta):
    shares = read(data, "composite_shares")
    assert set(shares["composite"]) == {c["id"] for c in meta["composites"]}
    assert (shares["share"] >= -1e-9).all()
    assert (shares.groupby(["composite", "stratum"])["share"].sum() - 1).abs().max() <= 1e-9
    assert {"normalise", "weights", "aggregate", "impute", "weight_noise", "interactions/residual"} <= set(shares["factor"])


def test_real_terms_use_the_series_deflator(data, meta, small_project):
    """value_real = value / (price level of the year relative to the report year), from the catalogue's deflator."""
    level = price_level(load_deflators(small_project / "methodology" / "catalogue" / "deflators.yml")[meta["deflator"]], meta["year"])
    real = read(data, "real_terms").dropna(subset=["value_real"])
    assert len(real) and set(real["unit"]) <= set(meta["report_units"])
    real = real.merge(read(data, "values")[["unit", "indicator", "year", "value"]], on=["unit", "indicator", "year"])
    expected = real["value"] / level.reindex(real["year"]).to_numpy()
    assert np.allclose(real["value_real"], expected, rtol=1e-6)  # stored as float32: seven significant digits
    now = real[real["year"] == meta["year"]]
    assert np.allclose(now["value_real"], now["value"], rtol=1e-6, atol=0) and len(now)


# --- check_series refuses bad statistical-layer settings ------------------------------------------------------------


BASE = 'title: "T"\nyear: 2024\ndata: output/data/demo\ngroups: [miasta-oswiata]\n'
COMPOSITE = "composites:\n  - id: probny\n    name: Próbny\n    indicators: [{indicators}]\n"
DECISIONS = "adm_decisions_late_share, adm_decisions_appealed_share"


def test_gmina_only_data_and_a_tiny_powiat_stratum_degrade_instead_of_failing(data, checked):
    """No powiats at all (features.yml still asks for 4 powiat types), then only 5 powiats: fewer peers, fewer types."""
    from jstbench.series.statistics import similar_tables

    values, units = read(data, "values"), read(data, "units")
    gminas = units[units["kind"] != "powiat"]
    out = similar_tables(checked.catalogue, values[values["unit"].isin(gminas["code"])], gminas, 2024, ["3064011"])
    assert out["peers"].groupby("unit").size().to_dict() == {"3064011": 10}
    assert all(c.startswith("gminy-") for c in out["clusters"]["cluster"])
    five = pd.concat([gminas, units[units["kind"] == "powiat"].head(5)])
    powiat = five.loc[five["kind"] == "powiat", "code"].iloc[0]
    out = similar_tables(checked.catalogue, values[values["unit"].isin(five["code"])], five, 2024, ["3064011", powiat])
    assert out["peers"].groupby("unit").size().to_dict() == {"3064011": 10, powiat: 4}
    assert (out["clusters"]["cluster"].str.startswith("powiaty-")).sum() == 2  # 5 powiats: at most 5 // 2 types


def test_an_impossible_count_gets_no_interval_and_does_not_stop_the_others(checked):
    from jstbench.series.statistics import binomial_intervals

    wide = checked.store.wide().copy()
    members = checked.groups.exchange("miasta-oswiata").members
    groups = {"miasta-oswiata": members}

    def units_of(out: pd.DataFrame, indicator: str) -> set[str]:
        return set(out.loc[out["indicator"] == indicator, "unit"])

    before = binomial_intervals(checked.catalogue, wide, groups, 2024, 4)
    late, appealed = "adm_decisions_late_share", "adm_decisions_appealed_share"
    unit = sorted(units_of(before, late) & units_of(before, appealed))[0]
    wide.loc[(unit, 2024), "decisions_late"] = wide.loc[(unit, 2024), "decisions_issued"] + 5
    after = binomial_intervals(checked.catalogue, wide, groups, 2024, 4)
    assert units_of(after, late) == units_of(before, late) - {unit}
    assert units_of(after, appealed) == units_of(before, appealed)


@pytest.fixture
def project(small_project, tmp_path) -> Path:
    """A fresh copy of the project definitions sharing the small project's data (the shared params stay untouched)."""
    root = make_project(tmp_path / "project")
    (root / "output" / "data").mkdir(parents=True)
    (root / "output" / "data" / "demo").symlink_to(small_project / "output" / "data" / "demo")
    return root


def refusal(root: Path, text: str, name: str = "fair") -> tuple[str, list[InputError]]:
    (root / "params" / f"{name}.yml").write_text(BASE + text, encoding="utf-8")
    with pytest.raises(InputErrors) as err:
        check_series(Project(root), name)
    return str(err.value), err.value.errors


def test_the_copied_project_is_valid_as_is(project):
    (project / "params" / "fair.yml").write_text(BASE + COMPOSITE.format(indicators=DECISIONS), encoding="utf-8")
    assert check_series(Project(project), "fair").spec.composites[0].id == "probny"


def test_unknown_feature_in_similar_weights(project):
    msg, _ = refusal(project, "similar: {weights: {log_magic: 1, log_population: 2}}\n")
    assert "fair.yml: similar.weights.log_magic: unknown feature 'log_magic'" in msg
    assert "log_population" in msg.split("features:")[1]  # the known features are listed
    assert "similar.weights.log_population" not in msg


def test_categorical_feature_in_similar_weights(project):
    msg, _ = refusal(project, "similar: {weights: {kind: 1, log_population: 1}}\n")
    assert "fair.yml: similar.weights.kind: feature 'kind' is categorical" in msg
    assert "kind" not in msg.split("numeric features only")[1]  # only numeric features are offered


def test_composite_with_unknown_indicator(project):
    msg, _ = refusal(project, COMPOSITE.format(indicators="adm_decisions_late_share, no_such_indicator"))
    assert "fair.yml: composites[0].indicators[1]: unknown indicator 'no_such_indicator'" in msg


def test_composite_with_context_indicator(project):
    msg, _ = refusal(project, COMPOSITE.format(indicators="ctx_density, adm_decisions_late_share"))
    assert "fair.yml: composites[0].indicators[0]: 'ctx_density' is a context indicator" in msg


def test_composite_mixing_gmina_only_and_powiat_only_indicators(project):
    cat = load_catalogue(project / "methodology" / "catalogue")
    gmina, powiat = cat.indicators["adm_office_cost_per_capita"], cat.indicators["adm_starostwo_cost_per_capita"]
    assert not set(gmina.applies_to) & set(powiat.applies_to)
    msg, _ = refusal(project, COMPOSITE.format(indicators=f"{gmina.id}, {powiat.id}"))
    assert "fair.yml: composites[0].indicators: the indicators share no unit kind" in msg


def test_composite_with_unknown_normalise_method(project):
    msg, _ = refusal(project, COMPOSITE.format(indicators=DECISIONS) + "    normalise: cube\n")
    assert "fair.yml: composites[0]: unknown normalise method 'cube'; known: minmax" in msg


def test_composite_with_unknown_alternative_method(project):
    text = COMPOSITE.format(indicators=DECISIONS) + "    uncertainty: {alternatives: {aggregate: [arithmetic, harmonic]}}\n"
    msg, errors = refusal(project, text)
    assert "fair.yml: composites[0].uncertainty.alternatives.aggregate: unknown aggregate method 'harmonic'" in msg
    assert len(errors) == 1  # the valid alternative is not reported


def test_unknown_deflator(project):
    msg, _ = refusal(project, "deflator: gdp_magic\n")
    assert "fair.yml: deflator: unknown deflator 'gdp_magic'; deflators: cpi" in msg


def test_all_statistical_layer_problems_reported_together(project):
    text = ("deflator: nope\nsimilar: {weights: {kind: 1}}\n"
            + COMPOSITE.format(indicators="ctx_density, no_such_indicator") + "    normalise: cube\n")
    _, errors = refusal(project, text)
    assert {e.where for e in errors} == {"deflator", "similar.weights.kind", "composites[0].indicators[0]",
                                         "composites[0].indicators[1]", "composites[0]"}
    assert all(e.file and e.file.endswith("fair.yml") for e in errors)


@pytest.mark.parametrize(("text", "where", "words"), [
    (COMPOSITE.format(indicators=DECISIONS) + "    weights: expert\n", "composites[0].expert_weights", "need expert_weights"),
    (COMPOSITE.format(indicators=DECISIONS) + "    uncertainty: {alternatives: {weights: [equal, expert]}}\n",
     "composites[0].expert_weights", "need expert_weights"),
    (COMPOSITE.format(indicators=DECISIONS) + "    uncertainty: {alternatives: {normalise: []}}\n",
     "composites[0].uncertainty.alternatives.normalise", "at least 1 item"),
    ("similar: {weights: {log_population: -1}}\n", "similar.weights.log_population", "greater than or equal to 0"),
    ("similar: {weights: {log_population: 0}}\n", "similar", "at least one weight must be above 0"),
    (COMPOSITE.format(indicators=DECISIONS) + "    domains: [{id: dd, name: D, indicators: [adm_decisions_late_share]}]\n",
     "composites[0]", "give either indicators (one level) or domains"),
    ("composites:\n  - {id: pp, name: P, domains: [{id: aa, name: A, indicators: [adm_decisions_late_share]},\n"
     "      {id: bb, name: B, indicators: [adm_decisions_late_share, adm_decisions_appealed_share]}]}\n",
     "composites[0]", "an indicator belongs to one domain only: ['adm_decisions_late_share']"),
    ("composites:\n  - {id: pp, name: P, domains: [{id: aa, name: A, indicators: [adm_decisions_late_share]},\n"
     "      {id: bb, name: B, indicators: [adm_decisions_of_magic]}]}\n",
     "composites[0].domains[1].indicators[0]", "unknown indicator 'adm_decisions_of_magic'"),
    (COMPOSITE.format(indicators=DECISIONS) + "    goalposts: {adm_decisions_late_share: [0, 50]}\n",
     "composites[0]", "normalise: goalposts goes with goalposts or reference_year"),
    (COMPOSITE.format(indicators=DECISIONS) + "    normalise: goalposts\n    goalposts: {adm_decisions_late_share: [50, 0], "
     "adm_decisions_appealed_share: [0, 10]}\n", "composites[0]", "low < high"),
    (COMPOSITE.format(indicators=DECISIONS) + "    normalise: goalposts\n    goalposts: {adm_decisions_late_share: [0, 50]}\n",
     "composites[0].goalposts", "no goalposts for indicator 'adm_decisions_appealed_share'"),
    (COMPOSITE.format(indicators=DECISIONS) + "    normalise: goalposts\n    goalposts: {adm_decisions_late_share: [0, 50], "
     "adm_decisions_appealed_share: [0, 10], edu_pupils_per_class: [10, 30]}\n",
     "composites[0].goalposts", "goalposts for 'edu_pupils_per_class', which is not an indicator of this composite"),
    (COMPOSITE.format(indicators=DECISIONS) + "    normalise: goalposts\n    reference_year: 2030\n",
     "composites[0].reference_year", "reference year 2030 is after the report year 2024"),
    (COMPOSITE.format(indicators=DECISIONS) + "    treat: trim\n", "composites[0]", "unknown treat method 'trim'"),
    (COMPOSITE.format(indicators=DECISIONS) + "    impute: knn\n", "composites[0]", "unknown impute method 'knn'"),
    (COMPOSITE.format(indicators=DECISIONS) + "    sensitivity: {n_base: 100}\n", "composites[0].sensitivity",
     "must be a power of 2"),
    (COMPOSITE.format(indicators=DECISIONS) + "    uncertainty: {interval_ends: nearest}\n",
     "composites[0].uncertainty.interval_ends", "'observed' or 'interpolated'"),
    ("composites:\n  - {id: pp, name: P, domains: [{id: aa, name: A, aggregate: harmonic, indicators: [adm_decisions_late_share]},\n"
     "      {id: bb, name: B, indicators: [adm_decisions_appealed_share]}]}\n", "composites[0]", "unknown aggregate method 'harmonic'"),
], ids=["expert-no-weights", "expert-alternative", "empty-alternatives", "negative-weight", "zero-weights",
        "indicators-and-domains", "indicator-in-two-domains", "unknown-domain-indicator", "goalposts-without-normalise",
        "goalposts-reversed", "goalposts-missing", "goalposts-foreign", "reference-year-after", "unknown-treat",
        "unknown-impute", "n-base-not-power-of-2", "interval-ends", "unknown-domain-aggregate"])
def test_settings_that_would_fail_at_compute_time_are_refused_by_check_series(project, text, where, words):
    msg, _ = refusal(project, text)
    assert f"fair.yml: {where}" in msg and words in msg


# --- broken features.yml and indicator settings ------------------------------------------------------------------


@pytest.fixture
def catalogue_copy(tmp_path) -> Path:
    dest = tmp_path / "catalogue"
    shutil.copytree(ROOT / "methodology" / "catalogue", dest)
    return dest


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def catalogue_errors(folder: Path) -> str:
    with pytest.raises(InputErrors) as err:
        load_catalogue(folder)
    return str(err.value)


def feature_index(folder: Path, fid: str) -> int:
    data = yaml.safe_load((folder / "features.yml").read_text(encoding="utf-8"))
    return [f["id"] for f in data["features"]].index(fid)


def test_feature_with_unknown_indicator(catalogue_copy):
    n = feature_index(catalogue_copy, "log_density")
    edit_yaml(catalogue_copy / "features.yml", lambda d: d["features"][n].update(indicator="ctx_magic"))
    assert f"features.yml: features[{n}].indicator: unknown indicator 'ctx_magic'" in catalogue_errors(catalogue_copy)


def test_monitoring_indicator_as_feature(catalogue_copy):
    n = feature_index(catalogue_copy, "ageing")
    edit_yaml(catalogue_copy / "features.yml", lambda d: d["features"][n].update(indicator="edu_cost_primary_per_pupil"))
    msg = catalogue_errors(catalogue_copy)
    assert f"features.yml: features[{n}].indicator: 'edu_cost_primary_per_pupil' is a monitoring indicator" in msg


def test_unknown_feature_in_adjustment_features(catalogue_copy):
    edit_yaml(catalogue_copy / "features.yml", lambda d: d["adjustment"]["features"].append("log_magic"))
    assert "features.yml: adjustment.features: unknown feature 'log_magic'" in catalogue_errors(catalogue_copy)


def test_unknown_feature_in_similar_and_typology(catalogue_copy):
    def change(d):
        d["similar"]["weights"]["log_magic"] = 1
        d["typology"]["features"].append("log_other")

    edit_yaml(catalogue_copy / "features.yml", change)
    msg = catalogue_errors(catalogue_copy)
    assert "features.yml: similar.weights: unknown feature 'log_magic'" in msg
    assert "features.yml: typology.features: unknown feature 'log_other'" in msg


def test_categorical_feature_in_similar_weights_of_features_yml(catalogue_copy):
    edit_yaml(catalogue_copy / "features.yml", lambda d: d["similar"]["weights"].update(kind=1))
    assert "features.yml: similar.weights: feature 'kind' is categorical" in catalogue_errors(catalogue_copy)


@pytest.mark.parametrize("change", [{"column": "kind"}, {"indicator": None}], ids=["both", "neither"])
def test_feature_names_exactly_one_source(catalogue_copy, change):
    n = feature_index(catalogue_copy, "log_density")

    def apply(d):
        d["features"][n].update(change)
        if d["features"][n]["indicator"] is None:
            del d["features"][n]["indicator"]

    edit_yaml(catalogue_copy / "features.yml", apply)
    assert f"features.yml: features[{n}]: a feature names exactly one of `indicator` or `column`" in catalogue_errors(catalogue_copy)


def test_indicator_adjustment_names_unknown_feature(catalogue_copy):
    path = catalogue_copy / "indicators" / "edu_cost_primary_per_pupil.yml"
    edit_yaml(path, lambda d: d.update(adjustment={"features": ["log_population", "log_magic"]}))
    msg = catalogue_errors(catalogue_copy)
    assert "edu_cost_primary_per_pupil.yml: adjustment.features: unknown feature 'log_magic'; features in features.yml:" in msg


def test_indicator_cannot_be_adjusted_for_itself(catalogue_copy):
    edit_yaml(catalogue_copy / "indicators" / "ctx_density.yml", lambda d: d.update(adjustment={"features": ["log_density"]}))
    assert "ctx_density.yml: adjustment.features: an indicator cannot be adjusted for itself ('log_density')" in catalogue_errors(catalogue_copy)


@pytest.mark.parametrize("indicator, change", [
    ("edu_cost_primary_per_pupil", {"uncertainty": "binomial"}),  # ratio(), not share()
    ("adm_decisions_late_share", {"formula": "100 * share(decisions_late, decisions_issued)"}),  # share() inside an expression
], ids=["ratio", "scaled-share"])
def test_binomial_uncertainty_needs_a_share_formula(catalogue_copy, indicator, change):
    edit_yaml(catalogue_copy / "indicators" / f"{indicator}.yml", lambda d: d.update(change))
    msg = catalogue_errors(catalogue_copy)
    assert f"{indicator}.yml: (top level): uncertainty binomial needs a formula of the form share(successes, trials)" in msg


def test_missing_features_yml(catalogue_copy):
    (catalogue_copy / "features.yml").unlink()
    assert "features.yml: file not found (the structural features)" in catalogue_errors(catalogue_copy)


def test_the_real_features_yml_is_consistent():
    cat = load_catalogue(ROOT / "methodology" / "catalogue")
    s = cat.structure
    ids = {f.id for f in s.features}
    assert set(s.adjustment.features) <= ids and set(s.similar.weights) <= ids and set(s.typology.features) <= ids
    assert all(cat.indicators[f.indicator].kind == "context" for f in s.features if f.indicator)
    assert all(i.count_share for i in cat.indicators.values() if i.uncertainty == "binomial")


# --- a store whose register knows no population classes (as one built from TERC and BDL) ---------------------------


REAL_LIKE = 'title: "Rejestr bez klas"\nyear: 2024\ndata: output/data/real\ngroups: [miasta-oswiata]\nunits: ["{late}"]\n'


@pytest.fixture(scope="module")
def real_like(tmp_path_factory) -> dict:
    """The demo data as a TERC register would give them: population_class "unknown" for every unit, no budget data
    (no own revenue), one gmina whose population of the report year is missing (2023 stands in) and one without any
    population. Built and computed once."""
    from jstbench.data.demo import generate
    from jstbench.data.participants import load_participants
    from jstbench.data.store import save
    from jstbench.series.build import compute, write_data

    root = make_project(tmp_path_factory.mktemp("real-like"))
    units, obs = generate(load_participants(root / "params" / "participants.yml"), background_scale=0.02)
    units["population_class"] = "unknown"
    rural = units.loc[units["synthetic"] & (units["kind"] == "gmina_rural"), "code"]
    late, none = rural.iloc[0], rural.iloc[1]
    is_pop = obs["variable"] == "population"
    obs = obs[(obs["variable"] != "own_revenue") & ~(is_pop & (obs["unit"] == none))
              & ~(is_pop & (obs["unit"] == late) & (obs["year"] == 2024))]
    save(units, obs, root / "output" / "data" / "real")
    (root / "params" / "real.yml").write_text(REAL_LIKE.format(late=late), encoding="utf-8")
    checked = check_series(Project(root), "real")
    tables = compute(checked)
    write_data(checked, tables, root / "out")
    return {"root": root, "obs": obs, "tables": tables, "late": late, "none": none, "checked": checked}


def test_population_classes_come_from_the_data_not_the_register(real_like):
    from jstbench.core.units import population_class

    units, obs = real_like["tables"]["units"].set_index("code"), real_like["obs"]
    pop = obs[obs["variable"] == "population"].pivot_table(index="unit", columns="year", values="value", observed=True)
    for code in units.index:
        if code == real_like["none"]:
            assert units.loc[code, "population_class"] == "unknown" and pd.isna(units.loc[code, "population_year"])
            continue
        year = 2023 if code == real_like["late"] else 2024
        assert units.loc[code, "population_year"] == year, code
        assert units.loc[code, "population_class"] == population_class(pop.loc[code, year]), code
    counts = real_like["tables"]["quality_counts"].set_index("measure")["n"]
    assert counts["population-unknown"] == 1 and counts["population-earlier"] == 1


def test_typology_groups_split_each_kind_by_size(real_like):
    member = real_like["tables"]["membership"]
    typ = member[member["group_type"] == "typology"]
    assert typ["group"].nunique() >= 8
    rural = typ[typ["group"].str.startswith("typ-gmina-rural-")]
    assert rural["group"].nunique() >= 3  # not one "unknown" group per kind
    unknown = typ[typ["group"].str.endswith("-unknown")]
    assert list(unknown["unit"]) == [real_like["none"]]
    comp = real_like["tables"]["comparison"]
    ranked = comp[(comp["group_type"] == "typology") & comp["percentile"].notna()]
    assert ranked["group"].nunique() >= 3  # positions within typology groups exist


def test_adjustment_models_fit_without_the_feature_the_data_lack(real_like):
    models = real_like["tables"]["models"]
    fitted = models[models["status"].isin(["ok", "poor-fit"])]
    assert (models["status"] == "ok").sum() >= 10
    structure = real_like["checked"].catalogue.require_structure()
    wanted = {i: structure.adjustment_features(real_like["checked"].catalogue.indicators[i]) for i in fitted["indicator"]}
    asked = fitted["indicator"].map(lambda i: "log_own_revenue" in wanted[i])
    assert asked.sum() >= 10 and (fitted["dropped_features"].str.contains("log_own_revenue") == asked).all()
    assert not fitted["features"].str.contains("log_own_revenue").any()
    assert fitted["features"].str.contains("log_population").all()
    assert (fitted["n"] <= fitted["expected"]).all()
    adjusted = real_like["tables"]["adjusted"]
    assert set(adjusted["indicator"]) == set(fitted["indicator"])


def test_the_report_says_the_size_class_rests_on_an_earlier_year(real_like):
    from jstbench.views.fair import UnitFair
    from jstbench.views.report import UnitView

    view = UnitView(real_like["root"] / "out", real_like["late"], 2024)
    assert "liczba ludności z 2023 r., ostatniego roku z danymi; za 2024 r. jej brak" in view.header_html()
    html = UnitFair(view).expected_html([s for s in view.sectors() if s != "context"])
    assert "<table" not in html  # no population of 2024, so no features and no expected value: one sentence says why
    assert ("Wartości oczekiwanej nie podajemy dla żadnego wskaźnika tych obszarów — brak cech strukturalnych tej JST (liczba "
            "mieszkańców, gęstość zaludnienia, udział osób w wieku 65+): ") in html
    poznan = UnitView(real_like["root"] / "out", "3064011", 2024)
    html = UnitFair(poznan).expected_html([s for s in poznan.sectors() if s != "context"])
    assert "bez cech: dochody własne na mieszkańca (za mało danych)" in html


def test_composite_national_rank_says_how_many_of_the_register_it_rests_on_and_is_withheld_below_min_coverage(data):
    """`expected` is the stratum's units in the register the composite applies to; the report gives the rank with
    "n JST z indeksem (n z expected …)", and withholds it when fewer than min_coverage of them have the index."""
    from jstbench.views.fair import UnitFair
    from jstbench.views.report import UnitView

    scores = read(data, "composite_scores")
    units = read(data, "units")
    gminas = units["kind"].isin(["gmina_urban", "gmina_rural", "gmina_urban_rural", "city_powiat"]).sum()
    decisions = scores[(scores["composite"] == "decyzje") & (scores["stratum"] == "gminy")]
    assert (decisions["expected"] == gminas).all() and (decisions["n"] <= decisions["expected"]).all()
    view = UnitView(data, "3064011", 2024)
    row = decisions[decisions["unit"] == "3064011"].iloc[0]
    html = UnitFair(view).composites_html()
    ties = int((decisions["nominal_rank"] == row["nominal_rank"]).sum())
    rank = int(row["nominal_rank"])
    shown = f"{rank}–{rank + ties - 1} ex aequo" if ties > 1 else str(rank)
    assert f"pozycja {shown} na {int(row['n'])} JST z indeksem" in html
    assert row["n"] < row["expected"]  # the fixture has units without the index
    view.s.meta = {**view.s.meta, "min_coverage": 1.0}  # every unit of the register would need the index
    assert "Pozycji w kraju (wśród gmin i miast na prawach powiatu) nie podajemy" in UnitFair(view).composites_html()
