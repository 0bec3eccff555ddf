"""Demo data generator, participants register and computing the catalogue on it."""

import csv

import numpy as np
import pandas as pd
import pytest

from jstbench.catalogue.load import load_catalogue
from jstbench.compare.groups import load_groups, membership
from jstbench.data.demo import NATIONAL_COUNTS, generate
from jstbench.data.participants import load_participants
from jstbench.indicators.compute import compute_all

from ..conftest import REALDATA, ROOT

PARTICIPANTS = load_participants(ROOT / "params" / "participants.yml")


@pytest.fixture(scope="module")
def demo():
    return generate(PARTICIPANTS, background_scale=0.05)


def test_generator_is_deterministic(demo):
    units, obs = demo
    units2, obs2 = generate(PARTICIPANTS, background_scale=0.05)
    pd.testing.assert_frame_equal(units, units2)
    pd.testing.assert_frame_equal(obs, obs2)


def test_national_counts_at_full_scale():
    units, obs = generate(PARTICIPANTS, years=range(2023, 2025), background_scale=1.0)
    assert units["kind"].value_counts().to_dict() == NATIONAL_COUNTS
    assert units["code"].is_unique and len(units) == 2791
    assert obs["year"].nunique() == 2


def test_participants_keep_real_codes_and_synthetic_codes_cannot_collide(demo):
    units, _ = demo
    real = units[~units["synthetic"]]
    assert set(real["code"]) == {p.code for p in PARTICIPANTS if p.code}
    synth = units[units["synthetic"]]
    pow_num = synth["code"].str[2:4].astype(int)
    assert ((pow_num >= 40) & (pow_num <= 59) | (pow_num >= 70) & (pow_num <= 79)).all()
    assert synth["name"].str.startswith("Syntetyczn").all()
    assert (synth.loc[synth["kind"] == "powiat", "name"].str.startswith("Syntetyczny powiat ")).all()


def test_values_are_plausible_and_some_missing(demo):
    units, obs = demo
    wide = obs.pivot(index=["unit", "year"], columns="variable", values="value")
    assert wide["population"].notna().all()
    cost = (wide["exp_80101"] / wide["pupils_primary"]).dropna()
    assert 4_000 < cost.median() < 20_000  # zł per primary pupil, current prices
    share = (wide["waste_separate_t"] / wide["waste_collected_t"]).dropna()
    assert share.between(0, 1).all()
    assert 0.005 < obs["value"].isna().mean() < 0.1
    assert (obs.loc[obs["value"].isna(), "flag"] == "not-available").all()
    assert obs["year"].nunique() >= 8


def test_structure_carries_signal(demo):
    """Office cost per resident falls with size (economies of scale), as the generator intends."""
    units, obs = demo
    w = obs[obs["year"] == 2024].pivot(index="unit", columns="variable", values="value")
    per_cap = np.log(w["exp_75023"] / w["population"])
    rho = pd.concat([per_cap, np.log(w["population"])], axis=1).dropna().corr(method="spearman").iloc[0, 1]
    assert rho < -0.2


def test_catalogue_computes_for_every_unit_and_year(demo):
    units, obs = demo
    cat = load_catalogue(ROOT / "methodology" / "catalogue")
    wide = obs.pivot(index=["unit", "year"], columns="variable", values="value")
    vals = compute_all(cat, wide, units)
    assert set(vals["indicator"]) == {i for i, ind in cat.indicators.items() if ind.kind != "survey"}  # surveys: estimated
    poz = vals[(vals["unit"] == "3064011") & (vals["year"] == 2024)].set_index("indicator")
    w = wide.loc[("3064011", 2024)]
    assert poz.loc["edu_cost_primary_per_pupil", "value"] == pytest.approx(w["exp_80101"] / w["pupils_primary"])
    # powiat-only indicators are absent for gminas; gmina-only for land powiats
    assert "road_powiat_cost_per_km" not in poz.index
    powiat = vals[(vals["unit"] == "0216")]
    assert "waste_cost_per_tonne" not in set(powiat["indicator"])
    assert vals["value"].isna().sum() == vals["reason"].notna().sum()


def test_every_group_has_4_to_8_members_of_real_participants(demo):
    units, _ = demo
    groups = load_groups(ROOT / "params" / "groups.yml", units.set_index("code", drop=False))
    assert len(groups.exchange_groups) == 13
    assert all(4 <= len(g.members) <= 8 for g in groups.exchange_groups)
    m = membership(groups, units)
    assert set(m["group_type"]) == {"exchange", "typology", "national"}
    assert (m[m["group_type"] == "national"]["unit"].nunique()) == len(units)


@pytest.mark.skipif(not (REALDATA / "teryt" / "TERC_2020-01-01.csv").exists(),
                    reason="../shared/realdata/teryt is not present (a fresh clone has no shared data)")
def test_participant_codes_match_the_teryt_register():
    path = REALDATA / "teryt" / "TERC_2020-01-01.csv"
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    by_code = {}
    for r in rows:
        if r["GMI"]:
            by_code[r["WOJ"] + r["POW"] + r["GMI"] + r["RODZ"]] = r["NAZWA"]
        elif r["POW"]:
            by_code[r["WOJ"] + r["POW"]] = r["NAZWA"]
    for p in PARTICIPANTS:
        if p.code:
            assert by_code.get(p.code) == p.name, p.as_given
    homonyms = {p.name for p in PARTICIPANTS if p.resolution == "homonym-chosen"}
    for name in homonyms:  # every homonym really has several authorities of that name
        assert sum(1 for n in by_code.values() if n == name) >= 2, name


def test_indicator_using_another_indicator_is_computed_after_it(tmp_path):
    import shutil

    import yaml

    from jstbench.catalogue.load import load_catalogue

    folder = tmp_path / "catalogue"
    shutil.copytree(ROOT / "methodology" / "catalogue", folder)
    path = folder / "indicators" / "ctx_ageing.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(formula="ctx_density * 2", variables=["ctx_density"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cat = load_catalogue(folder)
    idx = pd.MultiIndex.from_tuples([("0201011", 2024)], names=["unit", "year"])
    wide = pd.DataFrame({v: [1.0] for v in cat.variables}, index=idx).assign(population=1000.0, area_km2=50.0,
                                                                                    pop_density=float("nan"))
    units = pd.DataFrame({"code": ["0201011"], "kind": ["gmina_urban"]})
    vals = compute_all(cat, wide, units).set_index("indicator")
    assert vals.loc["ctx_density", "value"] == 20.0 and vals.loc["ctx_ageing", "value"] == 40.0
