"""Deterministic demo data: the real participants (real TERYT codes, synthetic values) and a synthetic
national background of every unit kind at realistic counts.

Every value is synthetic. Values depend on structure (size, density, kind) and on a persistent
unit effect, so that comparisons and later adjustment methods have real signal; about 3% of values
(10% of data-collection-form values) are missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jstbench.core.errors import InputError
from jstbench.core.units import UNIT_KINDS, population_class
from jstbench.data.participants import Participant

SOURCE = "demo:synthetic"
BASE_YEAR = 2024
# National counts as of 2020-01-01 (DOMAIN.md): 302 urban gminas of which 66 cities with powiat rights.
NATIONAL_COUNTS = {"gmina_urban": 236, "city_powiat": 66, "gmina_rural": 1533, "gmina_urban_rural": 642, "powiat": 314}
VOIVODESHIPS = ["02", "04", "06", "08", "10", "12", "14", "16", "18", "20", "22", "24", "26", "28", "30", "32"]
# (median population, log sd, median area km², yearly population growth)
SIZE = {
    "city_powiat": (95_000, 0.55, 110, -0.005),
    "gmina_urban": (14_000, 0.85, 22, -0.006),
    "gmina_urban_rural": (12_000, 0.5, 160, -0.002),
    "gmina_rural": (6_500, 0.45, 115, 0.001),
    "powiat": (75_000, 0.45, 950, -0.002),
}
# Money grows with prices: a rough CPI path, 2015 = 1.00 (demo only; real deflators come with data).
PRICE = {2015: 1.0, 2016: 0.994, 2017: 1.014, 2018: 1.03, 2019: 1.053, 2020: 1.088, 2021: 1.143,
         2022: 1.307, 2023: 1.454, 2024: 1.509}

# Names of synthetic units, with the adjective agreeing in gender ("Syntetyczne miasto", "Syntetyczny powiat").
SYNTHETIC_NAMES = {"gmina_urban": "Syntetyczna gmina miejska", "gmina_rural": "Syntetyczna gmina wiejska",
                   "gmina_urban_rural": "Syntetyczna gmina miejsko-wiejska", "city_powiat": "Syntetyczne miasto na prawach powiatu",
                   "powiat": "Syntetyczny powiat"}

G = ("gmina_urban", "gmina_rural", "gmina_urban_rural", "city_powiat")
P = ("powiat", "city_powiat")
ALL = tuple(UNIT_KINDS)
URBANISH = ("gmina_urban", "city_powiat", "gmina_urban_rural")


@dataclass(frozen=True)
class Spec:
    """How one variable is generated.

    rate: value = driver × rate[kind] × (density/100)^density_el × (pop/10k)^size_el × price × effects
    part: value = driver × logistic(logit(share[kind]) + trend·(year − base) + effects)
    level: value = level[kind] × price (if money) × effects (a price, a number of days)
    signed: value = driver × (level[kind] + effects), effects additive (net migration can be negative)
    pct: value = 100 × logistic(logit(level[kind]) + trend·(year − base) + effects) (a GUS rate in per cent)
    rest: value = driver − extra["minus"] (e.g. capital revenue = total − current revenue)
    extra: growth (yearly factor for rate/level), break_year and after (a factor from that year on),
    year_factor ({year: factor}; NaN: the variable does not exist that year)
    """

    var: str
    how: str  # "rate", "part", "level", "signed", "pct" or "rest"
    driver: str
    level: dict[str, float]
    kinds: tuple[str, ...] = ALL
    money: bool = False
    unit_sd: float = 0.15
    year_sd: float = 0.05
    density_el: float = 0.0
    size_el: float = 0.0
    trend: float = 0.0
    form: bool = False
    integer: bool = True
    extra: dict = field(default_factory=dict)


def _k(**kw: float) -> dict[str, float]:
    """Levels by kind; `g` sets all gmina kinds, `p` both powiat kinds, `all` every kind."""
    out: dict[str, float] = {}
    for key, val in kw.items():
        kinds = {"all": ALL, "g": G, "p": P}.get(key, (key,))
        for kind in kinds:
            out.setdefault(kind, val) if key in ("all", "g", "p") else out.__setitem__(kind, val)
    return out


SPECS: list[Spec] = [
    Spec("pop_65plus", "part", "population", _k(gmina_urban=0.21, city_powiat=0.22, gmina_urban_rural=0.18, gmina_rural=0.16, powiat=0.17), unit_sd=0.12, year_sd=0.005, trend=0.03),
    Spec("pop_working_age", "part", "population", _k(all=0.61), unit_sd=0.05, year_sd=0.005, trend=-0.01),
    Spec("registered_unemployed", "part", "pop_working_age", _k(all=0.045, gmina_rural=0.055, city_powiat=0.03), unit_sd=0.35, year_sd=0.05, trend=-0.06),
    Spec("pop_3_5", "part", "population", _k(all=0.032), unit_sd=0.1, year_sd=0.02),
    Spec("children_preschool_3_5", "rate", "pop_3_5", _k(g=0.9, gmina_rural=0.78, powiat=0.88), kinds=ALL, unit_sd=0.08, year_sd=0.02, density_el=0.02),
    Spec("pupils_primary", "rate", "population", _k(g=0.095), kinds=G, unit_sd=0.06, year_sd=0.01),
    Spec("classes_primary", "rate", "pupils_primary", _k(gmina_urban=1 / 21, city_powiat=1 / 22, gmina_urban_rural=1 / 18, gmina_rural=1 / 15), kinds=G, unit_sd=0.08, year_sd=0.02, form=True),
    Spec("teachers_fte_primary", "rate", "pupils_primary", _k(gmina_urban=1 / 12.5, city_powiat=1 / 13, gmina_urban_rural=1 / 11, gmina_rural=1 / 9.5), kinds=G, unit_sd=0.08, year_sd=0.02, form=True),
    Spec("pupils_transported", "part", "pupils_primary", _k(gmina_rural=0.35, gmina_urban_rural=0.25, gmina_urban=0.02, city_powiat=0.01), kinds=G, unit_sd=0.3, year_sd=0.03, form=True),
    Spec("children_kindergarten", "rate", "pop_3_5", _k(gmina_urban=0.75, city_powiat=0.72, gmina_urban_rural=0.6, gmina_rural=0.5), kinds=G, unit_sd=0.15, year_sd=0.03, form=True),
    Spec("pupils_secondary", "rate", "population", _k(powiat=0.017, city_powiat=0.034), kinds=P, unit_sd=0.15, year_sd=0.02, form=True),
    Spec("exp_80101", "rate", "pupils_primary", _k(gmina_urban=9_000, city_powiat=8_800, gmina_urban_rural=10_000, gmina_rural=11_500), kinds=G, money=True, unit_sd=0.1, year_sd=0.03, density_el=-0.06),
    Spec("exp_80104", "rate", "children_kindergarten", _k(g=13_000), kinds=G, money=True, unit_sd=0.15, year_sd=0.04),
    Spec("exp_80113", "rate", "pupils_transported", _k(gmina_rural=1_900, gmina_urban_rural=2_100, gmina_urban=6_000, city_powiat=7_000), kinds=G, money=True, unit_sd=0.25, year_sd=0.06),
    Spec("exp_80120", "rate", "pupils_secondary", _k(p=10_500), kinds=P, money=True, unit_sd=0.12, year_sd=0.04),
    Spec("exp_801", "rate", "population", _k(gmina_urban=1_350, city_powiat=1_750, gmina_urban_rural=1_450, gmina_rural=1_500, powiat=420), money=True, unit_sd=0.1, year_sd=0.03),
    Spec("subsidy_education", "part", "exp_801", _k(g=0.58, gmina_urban=0.52, powiat=0.82), unit_sd=0.12, year_sd=0.03, trend=-0.02, integer=True),
    Spec("exp_total", "rate", "population", _k(gmina_urban=4_300, city_powiat=6_200, gmina_urban_rural=4_200, gmina_rural=4_300, powiat=1_350), money=True, unit_sd=0.12, year_sd=0.06, size_el=-0.03),
    Spec("exp_investment", "part", "exp_total", _k(all=0.17), unit_sd=0.35, year_sd=0.3),
    Spec("own_revenue", "rate", "population", _k(gmina_urban=2_400, city_powiat=3_000, gmina_urban_rural=1_900, gmina_rural=1_700, powiat=380), money=True, unit_sd=0.25, year_sd=0.04, density_el=0.08),
    Spec("exp_852", "rate", "population", _k(g=330, powiat=230, city_powiat=520), money=True, unit_sd=0.2, year_sd=0.04),
    Spec("soc_beneficiaries", "part", "population", _k(gmina_urban=0.032, city_powiat=0.028, gmina_urban_rural=0.04, gmina_rural=0.045), kinds=G, unit_sd=0.3, year_sd=0.04, trend=-0.05),
    Spec("exp_85219", "rate", "soc_beneficiaries", _k(g=3_300), kinds=G, money=True, unit_sd=0.2, year_sd=0.05, size_el=-0.04),
    Spec("care_services_recipients", "rate", "pop_65plus", _k(g=0.018), kinds=G, unit_sd=0.45, year_sd=0.08, form=True),
    Spec("exp_85228", "rate", "care_services_recipients", _k(g=8_500), kinds=G, money=True, unit_sd=0.25, year_sd=0.06),
    Spec("care_home_residents", "rate", "population", _k(powiat=0.0016, city_powiat=0.0013), kinds=P, unit_sd=0.3, year_sd=0.03, form=True),
    Spec("exp_85202", "rate", "care_home_residents", _k(p=52_000), kinds=P, money=True, unit_sd=0.12, year_sd=0.04),
    Spec("exp_92116", "rate", "population", _k(g=52), kinds=G, money=True, unit_sd=0.25, year_sd=0.04, size_el=0.04),
    Spec("exp_92109", "rate", "population", _k(g=85), kinds=G, money=True, unit_sd=0.4, year_sd=0.07),
    Spec("library_readers", "part", "population", _k(g=0.14, gmina_rural=0.11), kinds=G, unit_sd=0.25, year_sd=0.03, trend=-0.02),
    Spec("library_loans", "rate", "library_readers", _k(g=14.0), kinds=G, unit_sd=0.2, year_sd=0.04, trend=-0.01),
    Spec("culture_event_participants", "rate", "population", _k(g=1.3), kinds=G, unit_sd=0.5, year_sd=0.15),
    Spec("waste_collected_t", "rate", "population", _k(gmina_urban=0.34, city_powiat=0.36, gmina_urban_rural=0.29, gmina_rural=0.24), kinds=G, unit_sd=0.15, year_sd=0.03, density_el=0.03, extra={"growth": 0.015}),
    Spec("waste_separate_t", "part", "waste_collected_t", _k(g=0.42), kinds=G, unit_sd=0.35, year_sd=0.05, trend=0.12),
    Spec("exp_90002", "rate", "waste_collected_t", _k(g=560), kinds=G, money=True, unit_sd=0.18, year_sd=0.05, extra={"growth": 0.07}),
    Spec("rev_waste_fee", "rate", "exp_90002", _k(g=0.97), kinds=G, unit_sd=0.06, year_sd=0.04),
    Spec("pop_water_connected", "part", "population", _k(gmina_urban=0.975, city_powiat=0.985, gmina_urban_rural=0.93, gmina_rural=0.9), kinds=G, unit_sd=0.6, year_sd=0.05, trend=0.03),
    Spec("pop_sewer_connected", "part", "population", _k(gmina_urban=0.93, city_powiat=0.95, gmina_urban_rural=0.68, gmina_rural=0.45), kinds=G, unit_sd=0.7, year_sd=0.05, trend=0.06, density_el=0.0),
    Spec("water_households_dam3", "rate", "pop_water_connected", _k(g=0.034), kinds=G, unit_sd=0.12, year_sd=0.03),
    Spec("exp_90001", "rate", "population", _k(g=140, gmina_rural=190), kinds=G, money=True, unit_sd=0.7, year_sd=0.4),
    Spec("exp_60004", "rate", "population", _k(city_powiat=420, gmina_urban=110, gmina_urban_rural=35, gmina_rural=12), kinds=G, money=True, unit_sd=0.45, year_sd=0.06, size_el=0.15),
    Spec("transport_vehicle_km", "rate", "population", _k(city_powiat=0.045, gmina_urban=0.018, gmina_urban_rural=0.007), kinds=URBANISH, unit_sd=0.35, year_sd=0.04, size_el=0.12, form=True, integer=False),
    Spec("transport_passengers", "rate", "transport_vehicle_km", _k(city_powiat=5.2, gmina_urban=3.5, gmina_urban_rural=2.8), kinds=URBANISH, unit_sd=0.25, year_sd=0.05, form=True, integer=False),
    Spec("road_length_km", "rate", "area_km2", _k(gmina_urban=3.2, city_powiat=3.5, gmina_urban_rural=0.9, gmina_rural=0.85, powiat=0.55), unit_sd=0.25, year_sd=0.005, form=True, integer=False),
    Spec("road_hard_km", "part", "road_length_km", _k(gmina_urban=0.9, city_powiat=0.93, gmina_urban_rural=0.62, gmina_rural=0.55, powiat=0.96), unit_sd=0.6, year_sd=0.03, trend=0.04, form=True, integer=False),
    Spec("exp_60016", "rate", "road_length_km", _k(gmina_urban=95_000, gmina_urban_rural=28_000, gmina_rural=22_000, city_powiat=45_000), kinds=G, money=True, unit_sd=0.35, year_sd=0.35, density_el=0.1),
    Spec("exp_60014", "rate", "road_length_km", _k(powiat=48_000), kinds=("powiat",), money=True, unit_sd=0.3, year_sd=0.3),
    Spec("municipal_dwellings", "rate", "population", _k(gmina_urban=0.036, city_powiat=0.04, gmina_urban_rural=0.018, gmina_rural=0.006), kinds=G, unit_sd=0.45, year_sd=0.02, trend=-0.015),
    Spec("exp_70007", "rate", "municipal_dwellings", _k(g=4_200), kinds=G, money=True, unit_sd=0.3, year_sd=0.12),
    Spec("rent_due", "rate", "municipal_dwellings", _k(g=5_600), kinds=G, money=True, unit_sd=0.2, year_sd=0.03, form=True),
    Spec("rent_arrears", "rate", "rent_due", _k(g=0.22, gmina_rural=0.12), kinds=G, unit_sd=0.55, year_sd=0.08, form=True),
    Spec("housing_waiting_list", "rate", "municipal_dwellings", _k(g=0.05), kinds=G, unit_sd=0.6, year_sd=0.1, form=True),
    Spec("street_lights", "rate", "population", _k(g=0.11, gmina_rural=0.14, city_powiat=0.085), kinds=G, unit_sd=0.2, year_sd=0.01, form=True),
    Spec("exp_90015", "rate", "street_lights", _k(g=420), kinds=G, money=True, unit_sd=0.2, year_sd=0.05, extra={"growth": -0.02}),
    Spec("building_area_m2", "rate", "population", _k(g=1.1, powiat=0.6), unit_sd=0.2, year_sd=0.01, form=True),
    Spec("building_energy_kwh", "rate", "building_area_m2", _k(all=165.0), unit_sd=0.15, year_sd=0.05, form=True, extra={"growth": -0.02}),
    Spec("exp_851", "rate", "population", _k(powiat=75, city_powiat=55), kinds=P, money=True, unit_sd=0.5, year_sd=0.25),
    Spec("exp_85111", "part", "exp_851", _k(p=0.42), kinds=P, unit_sd=0.8, year_sd=0.3),
    Spec("exp_75023", "rate", "population", _k(g=520, city_powiat=380), kinds=G, money=True, unit_sd=0.15, year_sd=0.03, size_el=-0.22),
    Spec("exp_75020", "rate", "population", _k(powiat=160), kinds=("powiat",), money=True, unit_sd=0.15, year_sd=0.03, size_el=-0.15),
    Spec("decisions_issued", "rate", "population", _k(all=0.05), unit_sd=0.3, year_sd=0.06, form=True),
    Spec("decisions_late", "part", "decisions_issued", _k(all=0.06), unit_sd=0.6, year_sd=0.2, trend=-0.03, form=True),
    Spec("decisions_appealed", "part", "decisions_issued", _k(all=0.035), unit_sd=0.4, year_sd=0.15, form=True),
    Spec("decisions_overturned", "part", "decisions_appealed", _k(all=0.3), unit_sd=0.4, year_sd=0.2, form=True),
    # finance and local taxes
    Spec("rev_total", "rate", "population", _k(gmina_urban=4_400, city_powiat=6_300, gmina_urban_rural=4_250, gmina_rural=4_350, powiat=1_380), money=True, unit_sd=0.12, year_sd=0.05, size_el=-0.03),
    Spec("rev_current", "part", "rev_total", _k(all=0.88), unit_sd=0.3, year_sd=0.1),
    Spec("exp_current", "part", "exp_total", _k(all=0.82), unit_sd=0.3, year_sd=0.15),
    Spec("debt", "part", "rev_total", _k(all=0.35), unit_sd=0.7, year_sd=0.1),
    Spec("rev_property_tax", "rate", "population", _k(gmina_urban=650, city_powiat=800, gmina_urban_rural=520, gmina_rural=420), kinds=G, money=True, unit_sd=0.35, year_sd=0.03, density_el=0.05),
    Spec("rev_agricultural_tax", "rate", "population", _k(gmina_rural=110, gmina_urban_rural=70, gmina_urban=8, city_powiat=3), kinds=G, money=True, unit_sd=0.5, year_sd=0.05),
    Spec("rev_forest_tax", "rate", "population", _k(gmina_rural=14, gmina_urban_rural=10, gmina_urban=1, city_powiat=0.5), kinds=G, money=True, unit_sd=0.8, year_sd=0.05),
    Spec("rev_transport_tax", "rate", "population", _k(g=25), kinds=G, money=True, unit_sd=0.6, year_sd=0.08),
    Spec("arrears_property_tax", "rate", "rev_property_tax", _k(g=0.12), kinds=G, unit_sd=0.7, year_sd=0.2),
    Spec("tax_rate_reduction_effect", "rate", "rev_property_tax", _k(g=0.08, gmina_rural=0.12), kinds=G, unit_sd=0.8, year_sd=0.1),
    Spec("tax_relief_effect", "rate", "rev_property_tax", _k(g=0.02), kinds=G, unit_sd=0.9, year_sd=0.4),
    Spec("rev_pit_share", "rate", "population", _k(gmina_urban=1_300, city_powiat=1_700, gmina_urban_rural=1_000, gmina_rural=950, powiat=250), money=True, unit_sd=0.25, year_sd=0.04, density_el=0.05),
    # property
    Spec("exp_70005", "rate", "population", _k(g=70), kinds=G, money=True, unit_sd=0.6, year_sd=0.3),
    Spec("rev_property_sale", "rate", "population", _k(g=60), kinds=G, money=True, unit_sd=0.8, year_sd=0.7),
    Spec("rev_property_lease", "rate", "population", _k(g=35), kinds=G, money=True, unit_sd=0.6, year_sd=0.1),
    Spec("rev_perpetual_usufruct", "rate", "population", _k(g=12), kinds=G, money=True, unit_sd=0.7, year_sd=0.1, extra={"growth": -0.12}),
    # environment, construction, geodesy
    Spec("exp_900", "rate", "population", _k(g=720, powiat=40), money=True, unit_sd=0.2, year_sd=0.1),
    Spec("exp_90005", "rate", "population", _k(g=40), kinds=G, money=True, unit_sd=0.8, year_sd=0.4, extra={"growth": 0.1}),
    Spec("heating_replaced", "rate", "population", _k(g=0.0025), kinds=G, unit_sd=0.7, year_sd=0.3, form=True, extra={"growth": 0.1}),
    Spec("dwellings_completed", "rate", "population", _k(all=0.0055, gmina_rural=0.007), unit_sd=0.5, year_sd=0.2, extra={"growth": 0.02}),
    Spec("exp_71015", "rate", "population", _k(p=9), kinds=P, money=True, unit_sd=0.3, year_sd=0.05),
    Spec("exp_71012", "rate", "population", _k(p=25), kinds=P, money=True, unit_sd=0.4, year_sd=0.2),
    Spec("geodesy_requests", "rate", "population", _k(p=0.012), kinds=P, unit_sd=0.3, year_sd=0.08, form=True),
    Spec("geodesy_requests_late", "part", "geodesy_requests", _k(p=0.05), kinds=P, unit_sd=0.8, year_sd=0.3, form=True),
    # municipal services
    Spec("exp_90003", "rate", "population", _k(gmina_urban=55, city_powiat=75, gmina_urban_rural=25, gmina_rural=10), kinds=G, money=True, unit_sd=0.5, year_sd=0.1),
    Spec("exp_90004", "rate", "population", _k(gmina_urban=60, city_powiat=90, gmina_urban_rural=25, gmina_rural=12), kinds=G, money=True, unit_sd=0.5, year_sd=0.1),
    Spec("exp_90013", "rate", "population", _k(g=7), kinds=G, money=True, unit_sd=0.6, year_sd=0.1),
    Spec("green_area_ha", "rate", "population", _k(gmina_urban=0.0012, city_powiat=0.0015, gmina_urban_rural=0.0007, gmina_rural=0.0003), kinds=G, unit_sd=0.5, year_sd=0.01, integer=False),
    Spec("snow_removal_cost", "rate", "road_length_km", _k(all=2_500), money=True, unit_sd=0.4, year_sd=0.5, form=True),
    Spec("shelter_animals_taken", "rate", "population", _k(g=0.0012), kinds=G, unit_sd=0.5, year_sd=0.15, form=True),
    Spec("shelter_animals_adopted", "part", "shelter_animals_taken", _k(g=0.55), kinds=G, unit_sd=0.5, year_sd=0.2, form=True),
    # participatory budget
    Spec("pb_amount", "rate", "exp_total", _k(city_powiat=0.006, gmina_urban=0.004, gmina_urban_rural=0.002, gmina_rural=0.0015), kinds=G, unit_sd=0.6, year_sd=0.1, form=True),
    Spec("pb_voters", "part", "population", _k(g=0.08), kinds=G, unit_sd=0.5, year_sd=0.2, form=True),
    Spec("pb_projects_submitted", "rate", "population", _k(g=0.0012), kinds=G, unit_sd=0.5, year_sd=0.2, form=True),
    Spec("pb_projects_selected", "part", "pb_projects_submitted", _k(g=0.3), kinds=G, unit_sd=0.4, year_sd=0.2, form=True),
    # civil services, staff
    Spec("civil_acts", "rate", "population", _k(g=0.02), kinds=G, unit_sd=0.35, year_sd=0.05, form=True),
    Spec("civil_staff_fte", "rate", "population", _k(g=0.00012), kinds=G, unit_sd=0.3, year_sd=0.03, size_el=-0.25, form=True, integer=False),
    Spec("vehicle_registrations", "rate", "population", _k(p=0.05), kinds=P, unit_sd=0.3, year_sd=0.06, form=True),
    Spec("vehicle_staff_fte", "rate", "vehicle_registrations", _k(p=1 / 2_500), kinds=P, unit_sd=0.25, year_sd=0.05, form=True, integer=False),
    Spec("staff_fte", "rate", "population", _k(g=0.0045, city_powiat=0.0035, powiat=0.0012), unit_sd=0.2, year_sd=0.03, size_el=-0.2, form=True, integer=False),
    Spec("staff_leavers", "part", "staff_fte", _k(all=0.08), unit_sd=0.5, year_sd=0.25, form=True),
    # more services
    Spec("schools_primary", "rate", "pupils_primary", _k(gmina_urban=1 / 450, city_powiat=1 / 500, gmina_urban_rural=1 / 200, gmina_rural=1 / 130), kinds=G, unit_sd=0.25, year_sd=0.01, form=True),
    Spec("exp_854", "rate", "pupils_primary", _k(g=450), kinds=G, money=True, unit_sd=0.4, year_sd=0.1),
    # 500+ (świadczenie wychowawcze): paid by gminas from April 2016; ZUS took it over on 1 January 2022, gminas paid
    # the 2021/2022 period until 31 May 2022 (about 5 months), almost nothing from 2023 (800+ from 2024 is ZUS's too)
    Spec("exp_85501", "rate", "population", _k(g=1_100), kinds=G, money=True, unit_sd=0.15, year_sd=0.03,
         extra={"year_factor": {2015: np.nan, 2016: 0.75, 2022: 0.42, 2023: 0.02, 2024: 0.02}}),
    Spec("exp_85502", "rate", "population", _k(g=260), kinds=G, money=True, unit_sd=0.2, year_sd=0.04),
    Spec("exp_85215", "rate", "population", _k(gmina_urban=25, city_powiat=35, gmina_urban_rural=12, gmina_rural=8), kinds=G, money=True, unit_sd=0.5, year_sd=0.1),
    Spec("soc_long_term_beneficiaries", "part", "soc_beneficiaries", _k(g=0.45), kinds=G, unit_sd=0.3, year_sd=0.05),
    Spec("exp_92118", "rate", "population", _k(city_powiat=40, gmina_urban=12, gmina_urban_rural=4, gmina_rural=1), kinds=G, money=True, unit_sd=0.9, year_sd=0.15),
    Spec("museum_visitors", "rate", "population", _k(city_powiat=0.6, gmina_urban=0.3, gmina_urban_rural=0.15, gmina_rural=0.05), kinds=G, unit_sd=0.9, year_sd=0.15),
    Spec("library_points", "rate", "population", _k(g=0.0004), kinds=G, unit_sd=0.3, year_sd=0.01, size_el=-0.35),
    Spec("water_supplied_dam3", "rate", "pop_water_connected", _k(g=0.045), kinds=G, unit_sd=0.15, year_sd=0.03, form=True),
    Spec("water_sold_dam3", "part", "water_supplied_dam3", _k(g=0.85), kinds=G, unit_sd=0.4, year_sd=0.1, form=True),
    Spec("water_price_m3", "level", "population", _k(g=18.0), kinds=G, money=True, unit_sd=0.2, year_sd=0.02, form=True, integer=False, extra={"growth": 0.02}),
    Spec("sewer_network_km", "rate", "area_km2", _k(gmina_urban=2.5, city_powiat=2.2, gmina_urban_rural=0.5, gmina_rural=0.35), kinds=G, unit_sd=0.5, year_sd=0.01, integer=False),
    Spec("waste_mixed_t", "part", "waste_collected_t", _k(g=0.58), kinds=G, unit_sd=0.3, year_sd=0.05, trend=-0.1),
    Spec("waste_recycled_t", "part", "waste_collected_t", _k(g=0.33), kinds=G, unit_sd=0.35, year_sd=0.08, trend=0.08, form=True),
    Spec("transport_ticket_revenue", "rate", "exp_60004", _k(city_powiat=0.35, gmina_urban=0.3, gmina_urban_rural=0.2), kinds=URBANISH, unit_sd=0.5, year_sd=0.05, form=True),
    Spec("lighting_kwh", "rate", "street_lights", _k(g=480), kinds=G, unit_sd=0.2, year_sd=0.03, form=True, extra={"growth": -0.05}),
    Spec("led_lights", "part", "street_lights", _k(g=0.35), kinds=G, unit_sd=0.8, year_sd=0.1, trend=0.25, form=True),
    Spec("exp_85149", "rate", "population", _k(all=4), money=True, unit_sd=0.9, year_sd=0.3),
    Spec("hospital_beds", "rate", "population", _k(p=0.004), kinds=P, unit_sd=0.6, year_sd=0.03),
    Spec("births", "part", "population", _k(all=0.0095), unit_sd=0.15, year_sd=0.04, trend=-0.02),
    Spec("net_migration", "signed", "population", _k(city_powiat=-0.002, gmina_urban=-0.004, gmina_urban_rural=0.001, gmina_rural=0.002, powiat=0.0), unit_sd=0.004, year_sd=0.002),
    Spec("pop_post_working", "part", "population", _k(all=0.23), unit_sd=0.1, year_sd=0.01, trend=0.03),
    Spec("enterprises", "rate", "population", _k(city_powiat=0.16, gmina_urban=0.12, gmina_urban_rural=0.1, gmina_rural=0.08, powiat=0.09), unit_sd=0.25, year_sd=0.02, extra={"growth": 0.02}),
    *[s for area, issued, appealed, days, kinds in [
        ("social", 0.02, 0.02, 18, G), ("taxes", 0.3, 0.005, 25, G), ("construction", 0.006, 0.06, 45, P),
        ("environment", 0.001, 0.1, 60, ALL), ("property", 0.002, 0.05, 40, ALL), ("waste", 0.003, 0.03, 20, G),
        ("roads", 0.004, 0.02, 14, ALL), ("housing", 0.004, 0.03, 15, G), ("vehicles", 0.05, 0.002, 7, P)]
      for s in (
        Spec(f"dec_{area}_issued", "rate", "population", _k(all=issued), kinds=kinds, unit_sd=0.3, year_sd=0.06, form=True),
        Spec(f"dec_{area}_late", "part", f"dec_{area}_issued", _k(all=0.05), kinds=kinds, unit_sd=0.8, year_sd=0.2, form=True),
        Spec(f"dec_{area}_appealed", "part", f"dec_{area}_issued", _k(all=appealed), kinds=kinds, unit_sd=0.5, year_sd=0.15, form=True),
        Spec(f"dec_{area}_overturned", "part", f"dec_{area}_appealed", _k(all=0.3), kinds=kinds, unit_sd=0.5, year_sd=0.2, form=True),
        Spec(f"dec_{area}_days_median", "level", "population", _k(all=days), kinds=kinds, unit_sd=0.25, year_sd=0.1, form=True),
      )],
    # finance by paragraph groups, debt service, more services (appended last: the values above stay the same)
    Spec("exp_capital", "rate", "exp_investment", _k(all=1.12), unit_sd=0.05, year_sd=0.03),
    Spec("rev_capital", "rest", "rev_total", _k(all=0.0), extra={"minus": "rev_current"}),
    Spec("rev_asset_sales", "part", "rev_capital", _k(all=0.25), unit_sd=0.6, year_sd=0.5),
    Spec("exp_wages", "part", "exp_current", _k(g=0.45, city_powiat=0.42, powiat=0.55), unit_sd=0.15, year_sd=0.03),
    Spec("debt_repayment", "part", "debt", _k(all=0.12), unit_sd=0.4, year_sd=0.3),
    Spec("debt_service_cost", "part", "debt", _k(all=0.035), unit_sd=0.3, year_sd=0.2),
    Spec("exp_926", "rate", "population", _k(g=110, city_powiat=160, powiat=4), money=True, unit_sd=0.6, year_sd=0.4),
    Spec("exp_921", "rate", "population", _k(g=230, city_powiat=330, powiat=8), money=True, unit_sd=0.35, year_sd=0.1),
    Spec("exp_40002", "rate", "population", _k(g=30, gmina_rural=45), kinds=G, money=True, unit_sd=0.9, year_sd=0.5),
    Spec("exp_60015", "rate", "road_length_km", _k(city_powiat=120_000), kinds=("city_powiat",), money=True, unit_sd=0.35, year_sd=0.35),
    Spec("exp_70001", "rate", "municipal_dwellings", _k(g=700), kinds=G, money=True, unit_sd=0.8, year_sd=0.2),
    Spec("exp_801_current", "part", "exp_801", _k(all=0.93), unit_sd=0.5, year_sd=0.3),
    Spec("exp_854_current", "rate", "population", _k(g=45, powiat=75), money=True, unit_sd=0.4, year_sd=0.1),
    Spec("rev_usufruct_conversion", "rate", "population", _k(g=4), kinds=G, money=True, unit_sd=0.9, year_sd=0.4, extra={"break_year": 2019, "after": 4.0}),
    Spec("plan_area_share", "pct", "population", _k(g=0.3, city_powiat=0.6, gmina_urban=0.55), kinds=G, unit_sd=0.9, year_sd=0.05, trend=0.03, integer=False),
    Spec("nursery_children_per_1000", "level", "population", _k(g=120, gmina_rural=60, city_powiat=250), kinds=G, unit_sd=0.5, year_sd=0.1, integer=False, extra={"growth": 0.06}),
    Spec("soc_env_beneficiaries_rate", "level", "population", _k(g=420, gmina_rural=550, city_powiat=300), kinds=G, unit_sd=0.35, year_sd=0.05, integer=False, extra={"growth": -0.04}),
]


# Population by sex and age group: the margins that weight the residents' surveys. Drawn from their own random stream
# (`generate`), so adding them left every other value of the demo as it was.
MARGIN_SPECS = [
    Spec("pop_women_18_29", "part", "population", _k(all=0.065), unit_sd=0.06, year_sd=0.01, trend=-0.02),
    Spec("pop_women_30_44", "part", "population", _k(all=0.11), unit_sd=0.06, year_sd=0.01, trend=0.0),
    Spec("pop_women_45_59", "part", "population", _k(all=0.095), unit_sd=0.06, year_sd=0.01, trend=0.0),
    Spec("pop_women_60plus", "part", "population", _k(all=0.16), unit_sd=0.06, year_sd=0.01, trend=0.03),
    Spec("pop_men_18_29", "part", "population", _k(all=0.068), unit_sd=0.06, year_sd=0.01, trend=-0.02),
    Spec("pop_men_30_44", "part", "population", _k(all=0.115), unit_sd=0.06, year_sd=0.01, trend=0.0),
    Spec("pop_men_45_59", "part", "population", _k(all=0.093), unit_sd=0.06, year_sd=0.01, trend=0.0),
    Spec("pop_men_60plus", "part", "population", _k(all=0.115), unit_sd=0.06, year_sd=0.01, trend=0.03),
]

def _units(participants: list[Participant], background_scale: float, rng: np.random.Generator) -> pd.DataFrame:
    """Participants plus synthetic units; synthetic codes use powiat numbers 40-59 (land) and
    70-79 (cities), which no real unit has, so they can never be mistaken for real ones."""
    real = [p for p in participants if p.code]
    rows = [dict(code=p.code, name=p.name, kind=p.kind, population=float(pop), synthetic=False)
            for p in real if (pop := p.demo_population) is not None]  # always set when code is (Participant validator)
    counts = {k: n - sum(p.kind == k for p in real) for k, n in NATIONAL_COUNTS.items()}
    serial: dict[str, int] = {}
    gmina_slots: dict[str, int] = {}
    for kind, n in counts.items():
        n = max(int(round(n * background_scale)), 4 if background_scale < 1 else 0)
        median, sd, _, _ = SIZE[kind]
        pops = np.exp(rng.normal(np.log(median), sd, n)).clip(1_200, 900_000)
        for i in range(n):
            woj = VOIVODESHIPS[i % 16]
            serial[woj + kind] = serial.get(woj + kind, 0) + 1
            s = serial[woj + kind]
            if kind == "powiat":
                code = f"{woj}{40 + (s - 1) % 20:02d}"
            elif kind == "city_powiat":
                code = f"{woj}{70 + (s - 1) % 10:02d}011"
            else:
                powiat = f"{woj}{40 + (s - 1) % 20:02d}"
                gmina_slots[powiat] = gmina_slots.get(powiat, 0) + 1
                rodz = {"gmina_urban": "1", "gmina_rural": "2", "gmina_urban_rural": "3"}[kind]
                code = f"{powiat}{gmina_slots[powiat]:02d}{rodz}"
            rows.append(dict(code=code, name=f"{SYNTHETIC_NAMES[kind]} {code}", kind=kind,
                             population=float(round(pops[i])), synthetic=True))
    units = pd.DataFrame(rows)
    assert units["code"].is_unique, "synthetic code collision"
    units["voivodeship"] = units["code"].str[:2]
    units["powiat"] = units["code"].str[:4]
    return units


def generate(participants: list[Participant], years: range = range(2015, 2025), background_scale: float = 1.0,
             seed: int = 20111) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units register and long observations for the demo. Same arguments, same output.

    `background_scale` is the share (0-1) of the national background drawn: synthetic codes have room for the
    national counts only (and at 0, four units of each kind remain); `seed` a whole number from 0.

    >>> generate([], background_scale=1000)
    Traceback (most recent call last):
    jstbench.core.errors.InputError: --scale: the share of the synthetic national background must be from 0 to 1 \
(1 = all ~2,800 units), not 1000
    """
    if not 0 <= background_scale <= 1:  # also refuses NaN
        raise InputError("the share of the synthetic national background must be from 0 to 1 (1 = all ~2,800 units), "
                         f"not {background_scale:g}", where="--scale")
    if seed < 0:
        raise InputError(f"the seed must be a whole number from 0, not {seed}", where="--seed")
    rng = np.random.default_rng(seed)
    units = _units(participants, background_scale, rng)
    n, years_arr = len(units), np.array(list(years))
    t = years_arr - BASE_YEAR
    kind = units["kind"].to_numpy()
    base_pop = units["population"].to_numpy()
    area_med = np.array([SIZE[k][2] for k in kind])
    growth = np.array([SIZE[k][3] for k in kind]) + rng.normal(0, 0.005, n)
    # larger units of a kind have somewhat larger areas; density still rises with size
    area = area_med * (base_pop / np.array([SIZE[k][0] for k in kind])) ** 0.35 * np.exp(rng.normal(0, 0.35, n))
    values: dict[str, np.ndarray] = {
        "area_km2": np.repeat(area.round(2)[:, None], len(t), axis=1),
        "population": np.round(base_pop[:, None] * (1 + growth[:, None]) ** t[None, :]),
    }
    density = base_pop / area
    price = np.array([PRICE.get(int(y), 1.0) / PRICE[BASE_YEAR] for y in years_arr])
    form_vars: set[str] = set()
    for spec in SPECS:
        _evaluate(spec, values, kind, t, years_arr, density, base_pop, price, rng, form_vars)
    frames = _observations(values, form_vars, units, years_arr, rng)
    margins = np.random.default_rng([seed, 1])  # its own stream: the values above do not depend on it
    for spec in MARGIN_SPECS:
        _evaluate(spec, values, kind, t, years_arr, density, base_pop, price, margins, form_vars)
    frames += _observations({s.var: values[s.var] for s in MARGIN_SPECS}, form_vars, units, years_arr, margins)
    obs = pd.concat(frames, ignore_index=True)
    pop_last = values["population"][:, -1]
    units["population_class"] = [population_class(p) for p in pop_last]
    units = units[["code", "name", "kind", "voivodeship", "powiat", "population_class", "synthetic"]]
    return units, obs


def _evaluate(spec: Spec, values: dict[str, np.ndarray], kind: np.ndarray, t: np.ndarray, years_arr: np.ndarray,
              density: np.ndarray, base_pop: np.ndarray, price: np.ndarray, rng: np.random.Generator,
              form_vars: set[str]) -> None:
    """One variable's values for every unit and year into `values` (it may use those computed before it)."""
    n = len(kind)
    level = np.array([spec.level.get(k, np.nan) for k in kind])
    unit_eff = rng.normal(0, spec.unit_sd, n)[:, None]
    year_eff = rng.normal(0, spec.year_sd, (n, len(t)))
    drv = values[spec.driver]
    trend = (1 + spec.extra.get("growth", 0.0)) ** t
    if spec.how == "rate":
        structure = (density / 100) ** spec.density_el * (base_pop / 10_000) ** spec.size_el
        out = drv * (level * structure)[:, None] * np.exp(unit_eff + year_eff - spec.unit_sd**2 / 2) * trend
    elif spec.how == "level":
        out = level[:, None] * np.exp(unit_eff + year_eff - spec.unit_sd**2 / 2) * trend
    elif spec.how == "signed":
        out = drv * (level[:, None] + unit_eff + year_eff)
    elif spec.how == "rest":
        out = drv - values[spec.extra["minus"]]
    elif spec.how == "pct":
        logit = np.log(level / (1 - level))[:, None] + spec.trend * t[None, :] + unit_eff + year_eff
        out = 100 / (1 + np.exp(-logit)) * np.ones_like(drv)
    else:
        logit = np.log(level / (1 - level))[:, None] + spec.trend * t[None, :] + unit_eff + year_eff
        out = drv / (1 + np.exp(-logit))
    if spec.money and spec.how in ("rate", "level"):
        out = out * price[None, :]
    if "break_year" in spec.extra:
        out[:, years_arr >= spec.extra["break_year"]] *= spec.extra["after"]
    for year, factor in spec.extra.get("year_factor", {}).items():
        out[:, years_arr == year] *= factor
    out[~np.isin(kind, spec.kinds)] = np.nan
    values[spec.var] = np.round(out) if spec.integer else np.round(out, 2)
    if spec.form:
        form_vars.add(spec.var)


def _observations(values: dict[str, np.ndarray], form_vars: set[str], units: pd.DataFrame, years_arr: np.ndarray,
                  rng: np.random.Generator) -> list[pd.DataFrame]:
    """Long observations of `values` with a share of them missing (more of those collected on forms)."""
    frames = []
    for var, arr in values.items():
        share_missing = 0.10 if var in form_vars else 0.03
        if var in ("population", "area_km2"):
            share_missing = 0.0
        arr = arr.copy()
        drop = rng.random(arr.shape) < share_missing
        flag = np.full(arr.shape, None, dtype=object)
        flag[drop & ~np.isnan(arr)] = "not-available"
        arr[drop] = np.nan
        present = ~np.isnan(arr) | (flag != None)  # noqa: E711 - elementwise on object array
        ui, yi = np.nonzero(present)
        frames.append(pd.DataFrame({
            "unit": units["code"].to_numpy()[ui], "year": years_arr[yi], "variable": var,
            "value": arr[ui, yi], "flag": flag[ui, yi], "source": SOURCE,
        }))
    return frames
