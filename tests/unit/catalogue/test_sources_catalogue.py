"""Issue 10, part A: the catalogue's variables name their sources by years with the BDL ids, budget codes, breaks and
evidence of the source review; SMUP cross-references; the coverage of the catalogue by public sources."""

from __future__ import annotations

import pytest

from jstbench.catalogue.load import load_catalogue

from ...conftest import ROOT

CAT = load_catalogue(ROOT / "methodology" / "catalogue")
V = CAT.variables

# SOURCES.md (c): the BDL ids established for catalogue variables
BDL = {"population": ["72305"], "pop_working_age": ["152"], "pop_post_working": ["155"], "pop_65plus": ["72239", "72240"],
       "registered_unemployed": ["10514"], "births": ["59"], "net_migration": ["149164"], "enterprises": ["265726"],
       "library_readers": ["35719"], "library_loans": ["35715"], "culture_event_participants": ["58506"],
       "museum_visitors": ["1243"], "waste_collected_t": ["54841"], "sewer_network_km": ["494"],
       "municipal_dwellings": ["199955"], "dwellings_completed": ["748601"], "rev_property_tax": ["76077"],
       "rev_agricultural_tax": ["76067"], "rev_forest_tax": ["101127"], "rev_transport_tax": ["76074"],
       "rev_pit_share": ["76046"], "exp_801": ["202277"], "exp_854": ["202292"], "exp_852": ["202286"],
       "exp_900": ["202295"], "exp_921": ["202298"], "exp_926": ["273898"]}
# only a rate or share id is known: said in the note, not pretended to be the count
RATE_ONLY = {"waste_mixed_t": "288061", "waste_separate_t": "288060", "pop_water_connected": "79133",
             "pop_sewer_connected": "79130", "water_households_dam3": "283824", "green_area_ha": "1621852",
             "children_preschool_3_5": "1617144", "pop_3_5": "1617119"}


@pytest.mark.parametrize("name", sorted(BDL))
def test_bdl_ids_of_the_source_review(name):
    assert [s.bdl_id for s in V[name].sources if s.type == "bdl"] == [BDL[name]]


def test_probable_ids_are_marked_and_keep_the_variable_to_verify():
    probable = {n for n, v in V.items() if any(s.probable for s in v.sources)}
    assert probable == {"births", "sewer_network_km"}
    assert all(V[n].status == "to-verify" for n in probable)


@pytest.mark.parametrize("name", sorted(RATE_ONLY))
def test_a_rate_or_share_id_is_not_passed_off_as_the_count(name):
    [s] = [s for s in V[name].sources if s.type == "bdl"]
    assert s.bdl_id is None and RATE_ONLY[name] in (s.note or "")
    assert V[name].status == "to-verify"


def test_every_budget_variable_names_its_report_and_verified_ones_cite_evidence():
    for v in V.values():
        for s in v.sources:
            if s.type == "budget":
                assert s.report
        if v.status == "verified":
            assert all(s.evidence and not s.probable for s in v.sources), v.name


@pytest.mark.parametrize("name,year,evidence", [
    ("exp_852", 2017, "LEG855"), ("exp_85502", 2017, "KLAS"), ("exp_90002", 2015, "LEG2015"),
    ("exp_80101", 2015, "LEG2015"), ("exp_75023", 2022, "KLAS"), ("exp_70007", 2022, "KLAS"),
    ("exp_85501", 2022, "ZUS500"), ("net_migration", 2015, "REAL"), ("exp_wages", 2021, "GP2020"),
    ("population", 2021, "do weryfikacji"), ("rev_pit_share", 2022, "do weryfikacji")])
def test_breaks_of_2015_2024_with_their_evidence(name, year, evidence):
    [b] = [b for b in V[name].breaks if b.year == year]
    assert evidence in b.evidence


def test_breaks_reach_indicators_through_their_variables_and_other_indicators():
    years = {y for y, *_ in CAT.breaks(CAT.indicators["soc_child_benefit_per_capita"])}
    assert {2017, 2021, 2022} <= years  # 855 created, NSP 2021 population, ZUS
    limit = CAT.breaks(CAT.indicators["ctx_art243_limit"])
    assert any(n == "rev_current" for _, n, _, _ in limit)  # through ctx_art243_relation


SMUP = {"ctx_capital_spending_share": {"4053", "4403"}, "ctx_wage_share_current": {"4052", "4402"},
        "ctx_debt_to_revenue": {"4055", "4405"}, "ctx_debt_per_capita": {"4074", "4424"},
        "ctx_operating_surplus_per_capita": {"4069", "4419"}, "tax_property_per_capita": {"16"},
        "tax_property_share_of_own_revenue": {"10"}, "tax_rate_reduction_share": {"8"},
        "tax_relief_share": {"11", "12", "13"}, "tax_property_arrears_share": {"17", "18"}}


def test_smup_cross_references():
    refs = {i.id: {r.id for r in i.smup} for i in CAT.indicators.values() if i.smup}
    assert {k: refs.get(k) for k in SMUP} == SMUP
    assert all(r.evidence == "JAWNE smup.ts" for i in CAT.indicators.values() for r in i.smup)
    city = [r for r in CAT.indicators["ctx_debt_per_capita"].smup if r.units == "miasta na prawach powiatu"]
    assert [r.id for r in city] == ["4424"]


def test_coverage_by_public_sources():
    cov = CAT.coverage()
    verified = [n for n, v in V.items() if v.status == "verified" and any(
        (s.type == "bdl" and s.bdl_id) or (s.type == "budget" and s.report != "Rb-NDS" and (s.dzial or s.rozdzial or s.paragraphs))
        for s in v.sources)]
    assert list(cov.verified_public) == verified
    assert cov.verified_public_share == pytest.approx(len(verified) / len(V))
    form_based = {i.id for i in CAT.indicators.values() if any(V[n].form for n in CAT.inputs(i))}
    assert not form_based & set(cov.public_only)
    assert "ctx_capital_spending_share" in cov.public_only and "adm_decisions_late_share" not in cov.public_only
    assert "ctx_debt_per_capita" in cov.public_only  # Rb-Z is read
    assert "ctx_art243_limit" in cov.public_only  # through the indicator its formula uses
    assert "ctx_debt_service_share" not in cov.public_only  # needs Rb-NDS, which the tool does not read yet
    assert "mun_green_m2_per_capita" not in cov.public_only  # no BDL id for green areas
    assert "ctx_density" not in cov.public_only  # counted conservatively: every input, though first() needs one side
    assert 0.3 < cov.verified_public_share < 0.6 and 0.3 < cov.public_only_share < 0.7
