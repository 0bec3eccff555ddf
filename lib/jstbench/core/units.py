"""Kinds of local government units and their TERYT codes."""

from __future__ import annotations

import re
from typing import Annotated

import pandas as pd
from pydantic import BeforeValidator

UNIT_KINDS: dict[str, str] = {
    "gmina_urban": "gmina miejska",
    "gmina_rural": "gmina wiejska",
    "gmina_urban_rural": "gmina miejsko-wiejska",
    "city_powiat": "miasto na prawach powiatu",
    "powiat": "powiat",
}
# Shorthands usable in `applies_to`: cities with powiat rights carry both gmina and powiat tasks.
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "all_gminas": ("gmina_urban", "gmina_rural", "gmina_urban_rural", "city_powiat"),
    "all_powiats": ("powiat", "city_powiat"),
    "all": tuple(UNIT_KINDS),
}
VOIVODESHIPS = {"02": "dolnośląskie", "04": "kujawsko-pomorskie", "06": "lubelskie", "08": "lubuskie", "10": "łódzkie",
                "12": "małopolskie", "14": "mazowieckie", "16": "opolskie", "18": "podkarpackie", "20": "podlaskie",
                "22": "pomorskie", "24": "śląskie", "26": "świętokrzyskie", "28": "warmińsko-mazurskie",
                "30": "wielkopolskie", "32": "zachodniopomorskie"}
"""Voivodeship names by the first two digits of TERYT (since 1999)."""
RODZ_TO_KIND = {"1": "gmina_urban", "2": "gmina_rural", "3": "gmina_urban_rural"}

GMINA_CODE = re.compile(r"[0-9]{6}[123]")  # ASCII digits only; matched whole (fullmatch: no trailing newline)
POWIAT_CODE = re.compile(r"[0-9]{4}")

# (slug, label, upper bound of population)
POPULATION_CLASSES: list[tuple[str, str, float]] = [
    ("lt5k", "poniżej 5 tys.", 5_000),
    ("5-10k", "5–10 tys.", 10_000),
    ("10-20k", "10–20 tys.", 20_000),
    ("20-50k", "20–50 tys.", 50_000),
    ("50-100k", "50–100 tys.", 100_000),
    ("100-300k", "100–300 tys.", 300_000),
    ("300k+", "300 tys. i więcej", float("inf")),
]
POPULATION_CLASS_LABELS = {slug: label for slug, label, _ in POPULATION_CLASSES} | {"unknown": "wielkość nieznana"}


def display_name(name: str, kind: str) -> str:
    """A unit's name as readers know it: a powiat, registered by its adjective, is "powiat polkowicki".

    >>> display_name("polkowicki", "powiat"), display_name("Poznań", "city_powiat")
    ('powiat polkowicki', 'Poznań')
    """
    return f"powiat {name}" if kind == "powiat" else name


def expand_kinds(kinds: list[str]) -> list[str]:
    """Unit kinds with shorthands (`all_gminas`, `all_powiats`, `all`) expanded, order kept."""
    out: list[str] = []
    for k in kinds:
        for kind in KIND_GROUPS.get(k, (k,)):
            if kind not in out:
                out.append(kind)
    return out


def check_code(code: object) -> str:
    """A TERYT code as a string: 7 digits (gmina: WWPPGGR) or 4 digits (powiat: WWPP).

    Raises ValueError for numbers (leading zeros are lost) and malformed strings."""
    if not isinstance(code, str):
        raise ValueError(
            f"unit code {code!r} is a {type(code).__name__}; write TERYT codes as quoted strings "
            f"(e.g. '0201011'), numbers lose leading zeros"
        )
    if not (GMINA_CODE.fullmatch(code) or POWIAT_CODE.fullmatch(code)):
        raise ValueError(
            f"unit code {code!r} is not a TERYT code: 7 digits WWPPGGR for a gmina (R = 1, 2 or 3) "
            f"or 4 digits WWPP for a powiat"
        )
    return code


def population_class(population: float | None) -> str:
    """The slug of the population class (e.g. `10-20k`) of a unit of that size; `unknown` without a size.

    >>> population_class(4_999), population_class(5_000), population_class(300_000), population_class(float("nan"))
    ('lt5k', '5-10k', '300k+', 'unknown')
    """
    if population is None or population != population or population < 0:
        return "unknown"
    for slug, _, upper in POPULATION_CLASSES:
        if population < upper:
            return slug
    return POPULATION_CLASSES[-1][0]


def valid_in(units: pd.DataFrame, year: int) -> pd.Series:
    """True for the units of a register that existed in `year`.

    A register built from TERYT snapshots has `valid_from` / `valid_to` (the first and the last snapshot date a unit
    appears in, `valid_to` empty while it still exists): a unit whose last snapshot is before `year` no longer
    existed, one first seen after `year` did not exist yet; the oldest snapshot says nothing of earlier years, so
    units first seen in it count as existing before it. A register without those columns (e.g. the demo) holds
    units that exist in every year.

    >>> u = pd.DataFrame({"valid_from": ["2020-01-01", "2020-01-01", "2023-01-01"], "valid_to": [None, "2021-01-01", None]})
    >>> valid_in(u, 2019).tolist(), valid_in(u, 2022).tolist(), valid_in(u, 2023).tolist()
    ([True, True, False], [True, False, False], [True, False, True])
    """
    ok = pd.Series(True, index=units.index)
    if "valid_to" in units.columns:
        to = units["valid_to"]
        ok &= to.isna() | (to.astype(str) >= f"{year}-01-01")
    if "valid_from" in units.columns:
        since = units["valid_from"]
        oldest = since.dropna().astype(str).min() if since.notna().any() else None
        ok &= since.isna() | (since.astype(str) == oldest) | (since.astype(str) <= f"{year}-12-31")
    return ok


UnitCode = Annotated[str, BeforeValidator(check_code)]
"""A TERYT code field for pydantic models: numbers and malformed strings are refused."""
