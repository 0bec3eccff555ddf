"""Issue 10, part G: each catalogue correction against a hand-made example — the lines a budget source sums
(`Source.line_mask` on a few line items), the source's fields, or the indicator computed on a tiny table."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from jstbench.catalogue.load import load_catalogue
from jstbench.indicators.compute import compute_indicator

from ...conftest import ROOT

CAT = load_catalogue(ROOT / "methodology" / "catalogue")
V, IND = CAT.variables, CAT.indicators


def lines(*rows: tuple[str, str, str, float]) -> pd.DataFrame:
    """Line items (dział, rozdział, paragraf, value) as the budget loader makes them."""
    return pd.DataFrame(rows, columns=["dzial", "rozdzial", "paragraf", "execution"])


def summed(var: str, items: pd.DataFrame, year: int = 2023) -> float:
    """What a variable sums from line items in `year`: the lines of its budget sources valid that year."""
    hit = pd.Series(False, index=items.index)
    for s in V[var].sources_in(year, "budget"):
        hit |= s.line_mask(items)
    return float(items.loc[hit, "execution"].sum())


def picked(var: str, items: pd.DataFrame, year: int = 2023) -> list[str]:
    hit = pd.Series(False, index=items.index)
    for s in V[var].sources_in(year, "budget"):
        hit |= s.line_mask(items)
    return items.loc[hit, "paragraf"].tolist()


def value(indicator: str, kind: str = "gmina_urban", **inputs: float) -> float:
    idx = pd.MultiIndex.from_tuples([("u", 2023), ("u", 2024)], names=["unit", "year"])
    panel = pd.DataFrame([inputs, inputs], index=idx, dtype=float)
    out = compute_indicator(IND[indicator], panel, pd.Series({"u": kind})).set_index("year")
    return float(out.loc[2024, "value"])


# ---- G1 ------------------------------------------------------------------------------------------------------------------
CAPITAL_LINES = lines(("600", "60016", "6050", 100.0), ("600", "60016", "6057", 50.0), ("801", "80101", "6060", 20.0),
                      ("750", "75023", "6170", 1.0), ("921", "92195", "6580", 2.0), ("900", "90001", "6800", 4.0),
                      ("700", "70005", "6010", 8.0), ("900", "90002", "6230", 16.0), ("801", "80101", "4010", 1000.0),
                      ("801", "80101", "2540", 500.0))


def test_g1_investment_sums_every_investment_paragraph_with_any_fourth_digit():
    [s] = V["exp_investment"].sources_in(2023, "budget")
    assert s.paragraphs == "605, 606, 613-615, 617, 658, 666, 669, 680" and s.report == "Rb-28S"
    # 6050 + 6057 (EU) + 6060 + 6170 + 6580 + 6800; not 6010 (shares), 6230 (investment grant), 4010, 2540
    assert picked("exp_investment", CAPITAL_LINES) == ["6050", "6057", "6060", "6170", "6580", "6800"]
    assert summed("exp_investment", CAPITAL_LINES) == 177.0


def test_g1_capital_spending_is_its_own_variable_with_grants_and_shares():
    assert summed("exp_capital", CAPITAL_LINES) == 177.0 + 8.0 + 16.0  # + §6010 shares + §6230 investment grant
    assert [s.bdl_id for s in V["exp_capital"].sources if s.type == "bdl"] == [["76453"]]
    assert [s.bdl_id for s in V["exp_investment"].sources if s.type == "bdl"] == [["76450"]]
    assert value("ctx_capital_spending_share", exp_capital=201.0, exp_total=1804.0) == pytest.approx(201 / 1804 * 100)


# ---- G2 ------------------------------------------------------------------------------------------------------------------
def test_g2_property_tax_arrears_read_the_arrears_column():
    [s] = V["arrears_property_tax"].sources
    assert (s.report, s.column, s.rozdzial, s.paragraphs) == ("Rb-27S", "arrears", ["75615", "75616"], "031")
    items = lines(("756", "75615", "0310", 700.0), ("756", "75616", "0310", 300.0), ("756", "75616", "0320", 9.0))
    items["arrears"] = [70.0, 20.0, 5.0]
    hit = s.line_mask(items)
    assert items.loc[hit, s.column].sum() == 90.0 and items.loc[hit, "execution"].sum() == 1000.0
    assert value("tax_property_arrears_share", arrears_property_tax=90.0, rev_property_tax=1000.0) == pytest.approx(9.0)


# ---- G3 ------------------------------------------------------------------------------------------------------------------
def test_g3_pit_share_of_gminas_in_75621_and_of_powiats_in_75622():
    gmina = lines(("756", "75621", "0010", 500.0), ("756", "75621", "0020", 40.0))  # 0020 is the CIT share
    powiat = lines(("756", "75622", "0010", 120.0), ("756", "75622", "0020", 10.0))
    city = pd.concat([gmina, powiat], ignore_index=True)  # a city with powiat rights has both
    assert summed("rev_pit_share", gmina) == 500.0
    assert summed("rev_pit_share", powiat) == 120.0
    assert summed("rev_pit_share", city) == 620.0
    assert "powiat" in IND["tax_pit_share_per_capita"].applies_to


# ---- G4 ------------------------------------------------------------------------------------------------------------------
REVENUE = lines(("756", "75615", "0310", 600.0), ("758", "75801", "2920", 300.0), ("700", "70005", "0770", 50.0),
                ("600", "60016", "6257", 40.0), ("801", "80101", "0830", 10.0))
SPENDING = lines(("801", "80101", "4010", 500.0), ("801", "80101", "4210", 100.0), ("600", "60016", "6050", 150.0),
                 ("700", "70005", "6010", 20.0), ("757", "75702", "8110", 30.0))


def test_g4_totals_current_and_capital_by_paragraph_groups():
    assert summed("rev_total", REVENUE) == 1000.0
    assert summed("rev_current", REVENUE) == 910.0  # without §0770 sale of property and §6257 EU investment grant
    assert summed("rev_capital", REVENUE) == 90.0
    assert summed("exp_total", SPENDING) == 800.0
    assert summed("exp_current", SPENDING) == 630.0  # without §6050 and §6010
    surplus = value("ctx_operating_surplus_share", rev_current=910.0, exp_current=630.0)
    assert surplus == pytest.approx(280 / 910 * 100)


def test_g4_bdl_ids_are_a_second_source_at_gmina_level():
    ids = {n: [s for s in V[n].sources if s.type == "bdl"] for n in
           ("rev_total", "own_revenue", "exp_total", "exp_capital", "exp_investment")}
    assert {n: s[0].bdl_id for n, s in ids.items()} == {
        "rev_total": ["76037"], "own_revenue": ["76070"], "exp_total": ["76477"], "exp_capital": ["76453"],
        "exp_investment": ["76450"]}
    assert all(s[0].level == ["gmina"] and s[0].evidence and "JAWNE" in s[0].evidence for s in ids.values())


def test_g4_own_revenue_comes_from_bdl_and_says_why():
    assert [s.type for s in V["own_revenue"].sources] == ["bdl"]
    assert "art. 4" in V["own_revenue"].description and "powiat" in V["own_revenue"].description.lower()
    assert value("ctx_own_revenue_per_capita", own_revenue=36e6, population=20000) == pytest.approx(1800)


def test_g4_the_eleven_indicators_and_the_adjustment_feature_rest_on_defined_sources():
    needed = ["ctx_current_spending_per_capita", "ctx_debt_to_revenue", "ctx_investment_share",
              "ctx_operating_surplus_share", "ctx_own_revenue_per_capita", "ctx_own_revenue_share",
              "cult_culture_spending_share", "edu_spending_share", "env_municipal_spending_share",
              "pb_share_of_spending", "tax_property_share_of_revenue"]
    for iid in needed:
        for name in CAT.inputs(IND[iid]):
            assert any(s.defined or s.type != "budget" for s in V[name].sources), (iid, name)
    assert CAT.require_structure().feature("log_own_revenue").indicator == "ctx_own_revenue_per_capita"


# ---- G5 ------------------------------------------------------------------------------------------------------------------
SOCIAL = lines(("852", "85211", "3110", 900.0), ("852", "85212", "3110", 300.0), ("852", "85219", "4010", 200.0),
               ("852", "85204", "3110", 50.0), ("855", "85501", "3110", 950.0), ("855", "85502", "3110", 320.0))


def test_g5_child_and_family_benefits_follow_the_2017_move_to_dzial_855():
    assert summed("exp_85501", SOCIAL, 2016) == 900.0 and summed("exp_85501", SOCIAL, 2018) == 950.0
    assert summed("exp_85502", SOCIAL, 2015) == 300.0 and summed("exp_85502", SOCIAL, 2017) == 320.0
    assert V["exp_85501"].first_year == 2016  # 500+ from April 2016: no source for 2015
    assert V["exp_85501"].sources_in(2015, "budget") == []
    assert {2017, 2022} <= set(V["exp_85501"].break_years()) and 2017 in V["exp_85502"].break_years()


def test_g5_social_assistance_keeps_its_post_2017_scope_in_2015_2016():
    assert summed("exp_852", SOCIAL, 2016) == 200.0  # without 85211, 85212, 85204 (moved to 855 in 2017)
    assert summed("exp_852", SOCIAL, 2017) == 1450.0  # the whole dział 852 as reported (the moved lines are gone then)
    assert 2017 in V["exp_852"].break_years()
    assert any("LEG855" in b.evidence for b in V["exp_852"].breaks)


# ---- G6 ------------------------------------------------------------------------------------------------------------------
def test_g6_building_permit_appeals_go_to_the_voivode():
    for iid in ("dec_construction_overturned_share", "dec_construction_appealed_share"):
        assert "wojewod" in IND[iid].name.pl and "SKO" not in IND[iid].name.pl
    for iid in ("dec_construction_late_share", "dec_construction_median_days"):
        assert any("wojewoda" in c for c in IND[iid].caveats)
    fields = {f.variable: f.instruction for form in CAT.forms.values() for f in form.fields}
    assert "wojewod" in fields["dec_construction_overturned"] and "wojewod" in fields["dec_construction_appealed"]
    assert "wojewod" in fields["decisions_appealed"]
    assert "wojewod" in V["dec_construction_overturned"].label.pl


# ---- G7 ------------------------------------------------------------------------------------------------------------------
def test_g7_unemployment_feature_is_labelled_as_the_share_it_is():
    assert CAT.require_structure().labels()["unemployment"] == (
        "Udział bezrobotnych zarejestrowanych w ludności w wieku produkcyjnym (%)")


# ---- G8 ------------------------------------------------------------------------------------------------------------------
def test_g8_transport_cost_is_named_as_gross_spending_with_the_same_id():
    ind = IND["transport_cost_per_vehicle_km"]
    assert ind.name.pl == "Wydatki na transport zbiorowy na wozokilometr"
    assert ind.version == "1.1" and ind.changelog[-1].version == "1.1"
    assert value("transport_cost_per_vehicle_km", "city_powiat", exp_60004=30e6, transport_vehicle_km=6000) == 5.0


# ---- G9 ------------------------------------------------------------------------------------------------------------------
SCHOOLS = lines(("801", "80101", "4010", 800.0), ("801", "80101", "4790", 1200.0), ("801", "80101", "4210", 100.0),
                ("801", "80101", "2540", 300.0), ("801", "80101", "2310", 40.0), ("801", "80101", "2590", 60.0),
                ("801", "80101", "6050", 500.0), ("801", "80101", "6057", 250.0), ("801", "80104", "4010", 70.0))


def test_g9_primary_school_cost_is_current_spending_without_grants_for_other_schools():
    assert picked("exp_80101", SCHOOLS) == ["4010", "4790", "4210"]
    assert summed("exp_80101", SCHOOLS) == 2100.0
    assert value("edu_cost_primary_per_pupil", exp_80101=2100.0, pupils_primary=0.25) == pytest.approx(8400)
    caveats = " ".join(IND["edu_cost_primary_per_pupil"].caveats)
    assert "§254" in caveats and "mianowniku" in caveats
    for var in ("exp_80104", "exp_80120"):
        [s] = V[var].sources
        assert s.exclude_paragraphs and "254" in s.exclude_paragraphs and "605" in s.exclude_paragraphs


# ---- G10 -----------------------------------------------------------------------------------------------------------------
def test_g10_city_roads_sum_60015_and_60016():
    caveats = " ".join(IND["road_cost_per_km"].caveats)
    assert "60016" in caveats and "bez dróg gminnych" in caveats
    roads = lines(("600", "60015", "4270", 90.0), ("600", "60016", "4300", 60.0), ("600", "60014", "4270", 7.0))
    assert summed("exp_60015", roads) == 90.0 and summed("exp_60016", roads) == 60.0
    assert IND["road_city_cost_per_km"].applies_to == ["city_powiat"]
    assert value("road_city_cost_per_km", "city_powiat", exp_60015=90e6, exp_60016=60e6, road_length_km=1000) == 150000


# ---- G11 -----------------------------------------------------------------------------------------------------------------
def test_g11_powiat_health_spending_leaves_out_85156():
    health = lines(("851", "85111", "6220", 400.0), ("851", "85156", "4130", 900.0), ("851", "85154", "4210", 100.0))
    assert summed("exp_851", health) == 500.0
    assert value("health_spending_per_capita", "powiat", exp_851=500.0 * 100, population=1000) == 50.0


# ---- G12 -----------------------------------------------------------------------------------------------------------------
def test_g12_every_code_in_the_variables_file_is_quoted():
    """Read as YAML 1.2 would: a code left plain (0490, 0310) would turn into a number."""
    root = yaml.compose((ROOT / "methodology" / "catalogue" / "variables.yml").read_text(encoding="utf-8"))
    plain = []

    def walk(node, key=None):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                walk(v, k.value)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                walk(v, key)
        elif key in ("paragraphs", "exclude_paragraphs", "dzial", "rozdzial", "exclude_rozdzial", "bdl_id"):
            if node.style not in ("'", '"'):
                plain.append(f"line {node.start_mark.line + 1}: {key} {node.value}")

    walk(root)
    assert plain == []
    assert V["rev_waste_fee"].sources[0].paragraphs == "0490"


# ---- G13 -----------------------------------------------------------------------------------------------------------------
def test_g13_the_demo_and_the_caveat_say_500plus_moved_to_zus_in_2022():
    from jstbench.data.demo import SPECS

    factors = next(s for s in SPECS if s.var == "exp_85501").extra["year_factor"]
    assert factors[2022] == pytest.approx(5 / 12, abs=0.01)  # gminas paid until 31 May 2022
    assert factors[2023] < 0.05 and factors[2016] == pytest.approx(0.75)  # from April 2016
    text = " ".join(IND["soc_child_benefit_per_capita"].caveats)
    assert "500+" in text and "31.5.2022" in text and "800+" in text
    demo_text = (ROOT / "lib" / "jstbench" / "data" / "demo.py").read_text(encoding="utf-8")
    assert "500+ (świadczenie wychowawcze)" in demo_text and "ZUS took it over on 1 January 2022" in demo_text


# ---- G14 -----------------------------------------------------------------------------------------------------------------
def test_g14_miejsko_is_unresolved_with_its_candidates_and_out_of_the_groups():
    from jstbench.compare.groups import load_groups
    from jstbench.data.participants import load_participants

    [p] = [p for p in load_participants(ROOT / "params" / "participants.yml") if p.as_given == "Miejsko"]
    assert p.resolution == "unresolved" and p.code is None
    assert all(code in p.note for code in ("1807072", "3022033", "3028042"))
    groups = load_groups(ROOT / "params" / "groups.yml")
    assert all("3028042" not in g.members for g in groups.exchange_groups)
    assert all(len(g.members) >= groups.min_group_size for g in groups.exchange_groups)


# ---- G15 -----------------------------------------------------------------------------------------------------------------
NEW = {"ctx_debt_service_share": {"debt_repayment", "debt_service_cost", "rev_total"},
       "ctx_art243_limit": {"ctx_art243_relation"},
       "ctx_wage_share_current": {"exp_wages", "exp_current"},
       "ctx_self_financing": {"rev_current", "exp_current", "rev_capital", "exp_capital"},
       "ctx_operating_surplus_to_revenue": {"rev_current", "exp_current", "rev_total"},
       "ctx_capital_spending_share": {"exp_capital", "exp_total"},
       "cult_sport_spending_per_capita": {"exp_926", "population"},
       "water_supply_spending_per_capita": {"exp_40002", "population"},
       "constr_plan_area_share": {"plan_area_share"},
       "soc_nursery_coverage": {"nursery_children_per_1000"},
       "soc_env_beneficiaries_per_10k": {"soc_env_beneficiaries_rate"}}


@pytest.mark.parametrize("iid", sorted(NEW))
def test_g15_missing_standard_indicators_exist_with_their_variables(iid):
    assert set(IND[iid].variables) == NEW[iid]
    assert IND[iid].caveats and IND[iid].changelog and IND[iid].status == "to-verify"


def test_g15_wage_share_sums_the_1400_group():
    wages = lines(("750", "75023", "4010", 50.0), ("801", "80101", "4790", 40.0), ("801", "80101", "4800", 4.0),
                  ("750", "75023", "4110", 9.0), ("750", "75023", "4710", 1.0), ("750", "75023", "4017", 5.0),
                  ("851", "85156", "4130", 30.0), ("750", "75023", "4140", 2.0), ("750", "75023", "4440", 3.0))
    assert summed("exp_wages", wages) == 109.0  # not §4130 (health contributions), §4140 (PFRON), §4440 (social fund)
    assert 2021 in V["exp_wages"].break_years()  # §471 PPK


def test_g15_art243_debt_service_and_bdl_rates():
    [r] = V["debt_repayment"].sources
    assert r.report == "Rb-NDS" and V["debt_repayment"].status == "to-verify"
    debt = lines(("757", "75702", "8110", 30.0), ("757", "75702", "8130", 5.0), ("757", "75702", "8090", 2.0))
    assert summed("debt_service_cost", debt) == 35.0  # interest and discount, not issue costs (§809)
    assert value("ctx_debt_service_share", debt_repayment=4e6, debt_service_cost=1e6, rev_total=125e6) == 4.0
    assert {n: V[n].sources[0].bdl_id for n in ("plan_area_share", "nursery_children_per_1000",
                                                "soc_env_beneficiaries_rate")} == {
        "plan_area_share": ["396046"], "nursery_children_per_1000": ["1649859"], "soc_env_beneficiaries_rate": ["1548717"]}
    assert [s.dzial for s in V["exp_926"].sources if s.type == "budget"] == ["926"]
    assert [s.rozdzial for s in V["exp_40002"].sources] == [["40002"]]
