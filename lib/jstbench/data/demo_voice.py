"""The demo's residents' voice: synthetic survey waves for every participating gmina and synthetic participatory-budget
files for the participating cities, written beside the demo store (`surveys/`, `pb/`), deterministic for a seed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jstbench.catalogue.questionnaire import Questionnaire
from jstbench.core.atomic import replace_dir
from jstbench.core.units import expand_kinds
from jstbench.data.pabulib_demo import write_demo_pb
from jstbench.data.participants import Participant
from jstbench.data.survey_demo import generate_waves

WAVES = (2022, 2024)
PB_YEAR = 2024
PB_CITIES = 6  # participating cities with a participatory budget in the demo
TRUTH = "surveys_true_values.csv"  # the synthetic population's true values, for checking estimates
DISTRICTS = {"3064011": ("Jeżyce", "Wilda")}  # Poznań: district instances beside the city-wide one


def population_cells(q: Questionnaire, obs: pd.DataFrame, codes: list[str], names: dict[str, str], year: int) -> pd.DataFrame:
    """code, name, sex, age_group, population of each unit in `year`, or the latest earlier year with every
    weighting cell of the questionnaire (a unit with none is left out)."""
    cells = q.margin_cells()
    wanted = [v for _, _, v in cells]
    sel = obs[obs["unit"].astype(str).isin(codes) & (obs["year"] <= year) & obs["variable"].astype(str).isin(wanted)
              & obs["value"].notna()]
    wide = sel.assign(unit=sel["unit"].astype(str), variable=sel["variable"].astype(str)).pivot_table(
        index=["unit", "year"], columns="variable", values="value", aggfunc="first").reindex(columns=wanted).dropna()
    latest = wide.groupby(level="unit").tail(1).droplevel("year")
    rows = [(code, names[code], sex, age, float(latest.loc[code, v])) for code in codes if code in latest.index
            for sex, age, v in cells]
    return pd.DataFrame(rows, columns=["code", "name", "sex", "age_group", "population"])


def write_demo_voice(folder: Path, participants: list[Participant], obs: pd.DataFrame, q: Questionnaire,
                     seed: int) -> tuple[int, int]:
    """Write `folder/surveys/` and `folder/pb/` (each replaced whole) and the true values of the synthetic
    population (`TRUTH`); return (survey files, .pb files)."""
    gmina_kinds = set(expand_kinds(["all_gminas"]))
    real = [p for p in participants if p.code and p.kind in gmina_kinds]
    names = {str(p.code): str(p.name) for p in real}
    cells = population_cells(q, obs, list(names), names, WAVES[-1])
    def waves(staging: Path) -> None:
        generate_waves(cells, q, list(WAVES), staging, seed=seed)
        (staging / "true_values.csv").replace(folder / TRUTH)  # the simulation's truth is not a survey file

    replace_dir(folder / "surveys", waves)
    cities = sorted((p for p in real if p.kind in ("city_powiat", "gmina_urban")), key=lambda p: p.code not in DISTRICTS)
    cities = cities[:PB_CITIES]

    def budgets(staging: Path) -> None:
        for i, p in enumerate(cities):
            population = int(cells.loc[cells["code"] == p.code, "population"].sum() / 0.82)  # adults are ~82%
            write_demo_pb(staging, str(p.code), str(p.name), population, PB_YEAR, seed + i)
            for j, district in enumerate(DISTRICTS.get(str(p.code), ())):
                write_demo_pb(staging, str(p.code), str(p.name), population, PB_YEAR, seed + 100 + j, district=district)

    replace_dir(folder / "pb", budgets)
    return len(list((folder / "surveys").glob("*_*_*.*"))), len(list((folder / "pb").glob("*.pb")))
