"""An authority's development strategy as data: goals → objectives → indicators, each with a baseline, a target and
the unit (komórka) responsible for it; checked against the indicator catalogue.

A strategy file (`params/strategies/<TERYT>.yml`) names each indicator either from the catalogue (`catalogue: <id>`)
or as the authority's own (`own:` with its id, name, unit, direction, definition and observed values by year, since
the store does not hold it). `load_strategy` validates the file on its own (pydantic) and against the catalogue, and
names every problem with the file, the field and its line; a baseline that differs from the data by more than a
rounding is a warning, not an error (the strategy may quote an earlier release of the data).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import Field, ValidationInfo, field_validator, model_validator

from jstbench.catalogue.model import SLUG, Catalogue
from jstbench.core.errors import InputError, InputErrors
from jstbench.core.units import UNIT_KINDS, UnitCode
from jstbench.core.yamlio import Located, Strict, field_path

Year = Annotated[int, Field(ge=1990, le=2100)]
ID = r"^[a-z0-9][a-z0-9_.-]{0,39}$"


class Point(Strict):
    """A value in a year (a baseline or a target)."""

    year: Year
    value: float = Field(allow_inf_nan=False)


class OwnIndicator(Strict):
    """An indicator the catalogue does not have: defined, and its values given, by the strategy."""

    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=3)
    unit: str = Field(min_length=1)
    direction: Literal["higher-better", "lower-better"]
    definition: str = Field(min_length=10)
    decimals: int = Field(default=1, ge=0, le=4)
    values: dict[Year, Annotated[float, Field(allow_inf_nan=False)]] = Field(default_factory=dict)


class StrategyIndicator(Strict):
    """One indicator of an objective: from the catalogue or the authority's own, with baseline and target."""

    catalogue: str | None = Field(default=None, pattern=SLUG)
    own: OwnIndicator | None = None
    unit: str | None = None  # as the strategy states it; must be the indicator's unit
    baseline: Point
    target: Point
    responsible: str = Field(min_length=2)  # the unit (komórka) of the office responsible
    notes: str = ""

    @field_validator("target")
    @classmethod
    def _after_baseline(cls, target: Point, info: ValidationInfo) -> Point:
        base = info.data.get("baseline")
        if base is not None and target.year <= base.year:
            raise ValueError(f"target year {target.year} is not after the base year {base.year}")
        return target

    @model_validator(mode="after")
    def _consistent(self) -> "StrategyIndicator":
        if (self.catalogue is None) == (self.own is None):
            raise ValueError("an indicator names exactly one of `catalogue: <id>` or `own: {...}`")
        if self.own is not None and self.unit is not None and _norm(self.unit) != _norm(self.own.unit):
            raise ValueError(f"unit {self.unit!r} differs from the own indicator's unit {self.own.unit!r}")
        return self

    @property
    def id(self) -> str:
        return self.own.id if self.own is not None else str(self.catalogue)


class Objective(Strict):
    id: str = Field(pattern=ID)
    name: str = Field(min_length=3)
    indicators: list[StrategyIndicator] = Field(min_length=1)


class Goal(Strict):
    id: str = Field(pattern=ID)
    name: str = Field(min_length=3)
    objectives: list[Objective] = Field(min_length=1)


class Period(Strict):
    start: Year
    end: Year

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        return self


class Strategy(Strict):
    """A strategy file: whose, its title, when adopted, the period, the goals."""

    authority: UnitCode
    title: str = Field(min_length=3)
    adopted: dt.date | Year
    period: Period
    example: bool = False  # an illustrative strategy (the demo), said so in the report
    goals: list[Goal] = Field(min_length=1)


@dataclass(frozen=True)
class Item:
    """One indicator of a strategy with where it sits and what it is (resolved against the catalogue)."""

    goal: Goal
    objective: Objective
    indicator: StrategyIndicator
    name: str
    unit: str
    decimals: int
    increase: bool  # an increase is desired
    source: Literal["catalogue", "own"]
    loc: tuple[str | int, ...]  # where it is in the file (goals, g, objectives, o, indicators, i)

    @property
    def id(self) -> str:
        return self.indicator.id


@dataclass
class StrategyFile:
    """A loaded strategy: the model, its indicators resolved, and warnings that do not stop it."""

    path: Path
    strategy: Strategy
    items: list[Item]
    warnings: list[InputError] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.strategy.authority


def _norm(unit: str) -> str:
    return " ".join(unit.split()).casefold()


def kind_of_code(code: str) -> str:
    """The unit kind a TERYT code tells: a powiat has 4 digits; a gmina's last digit is its type (1 urban, 2 rural,
    3 urban-rural), and an urban gmina with a powiat number of 61 or more is a city with powiat rights.

    >>> kind_of_code("0216"), kind_of_code("3064011"), kind_of_code("0201011"), kind_of_code("2814042")
    ('powiat', 'city_powiat', 'gmina_urban', 'gmina_rural')
    """
    if len(code) == 4:
        return "powiat"
    if code[-1] == "1":
        return "city_powiat" if int(code[2:4]) >= 61 else "gmina_urban"
    return {"2": "gmina_rural", "3": "gmina_urban_rural"}[code[-1]]


def load_strategy(path: Path, catalogue: Catalogue, values: pd.DataFrame | None = None) -> StrategyFile:
    """Read and check a strategy file; raise `InputErrors` naming every problem (file, field and line).

    Refused: a target year not after the base year; a catalogue id that does not exist; a stated `unit` that is not
    the indicator's; an indicator that does not apply to the authority's kind of unit (told by its TERYT code);
    duplicate goal, objective or indicator ids; a target on the wrong side of the baseline for the indicator's
    direction (or equal to it where the catalogue gives no direction). `values` (unit, year, indicator, value: the
    series' values of this authority) turn a baseline that differs from the data by more than a rounding into a
    warning."""
    path = Path(path)
    doc = Located(path)
    error = doc.error
    strategy = doc.validate(Strategy)
    kind = kind_of_code(strategy.authority)
    errors: list[InputError] = []
    items: list[Item] = []
    seen: dict[str, dict[str, str]] = {"goal": {}, "objective": {}, "indicator": {}}

    def unique(what: str, ident: str, loc: tuple) -> None:
        if ident in seen[what]:
            errors.append(error(f"duplicate {what} id {ident!r} (also at {seen[what][ident]})", loc))
        else:
            seen[what][ident] = field_path(loc)

    for g, goal in enumerate(strategy.goals):
        unique("goal", goal.id, ("goals", g, "id"))
        for o, obj in enumerate(goal.objectives):
            unique("objective", obj.id, ("goals", g, "objectives", o, "id"))
            for i, ind in enumerate(obj.indicators):
                loc: tuple[str | int, ...] = ("goals", g, "objectives", o, "indicators", i)
                unique("indicator", ind.id, (*loc, "own", "id") if ind.own else (*loc, "catalogue"))

                def problem(text: str, sub: tuple, loc: tuple[str | int, ...] = loc) -> None:
                    errors.append(error(text, (*loc, *sub)))

                item = _resolve(ind, goal, obj, catalogue, kind, loc, problem)
                if item is not None:
                    items.append(item)
    if errors:
        raise InputErrors(errors)
    out = StrategyFile(path, strategy, items)
    out.warnings = _warnings(out, values, error)
    return out


def _resolve(ind: StrategyIndicator, goal: Goal, obj: Objective, catalogue: Catalogue, kind: str,
             loc: tuple[str | int, ...], problem: Callable[[str, tuple], None]) -> Item | None:
    """The indicator's name, unit, decimals and desired direction; problems reported through `problem(text, loc)`."""
    direction: str
    source: Literal["catalogue", "own"]
    if ind.own is not None:
        own = ind.own
        if own.id in catalogue.indicators:
            problem(f"own indicator id {own.id!r} is a catalogue indicator: use `catalogue: {own.id}` or another id",
                    ("own", "id"))
            return None
        name, unit, decimals, direction, source = own.name, own.unit, own.decimals, own.direction, "own"
    else:
        cat = catalogue.indicators.get(str(ind.catalogue))
        if cat is None:
            close = difflib.get_close_matches(str(ind.catalogue), catalogue.indicators, n=3)
            problem(f"unknown catalogue indicator {ind.catalogue!r}" + (f"; did you mean {', '.join(close)}?" if close else ""),
                    ("catalogue",))
            return None
        if ind.unit is not None and _norm(ind.unit) != _norm(cat.unit):
            problem(f"unit {ind.unit!r} is not the unit of catalogue indicator {cat.id!r}: {cat.unit!r}", ("unit",))
            return None
        if kind not in cat.applies_to:
            problem(f"catalogue indicator {cat.id!r} does not apply to a {UNIT_KINDS[kind]} (it applies to "
                    f"{', '.join(UNIT_KINDS[k] for k in cat.applies_to)})", ("catalogue",))
            return None
        name, unit, decimals, direction, source = cat.name.pl, cat.unit, cat.decimals, cat.direction, "catalogue"
    base, target = ind.baseline.value, ind.target.value
    if direction in ("higher-better", "lower-better"):
        increase = direction == "higher-better"
        if (target - base) * (1 if increase else -1) < 0:
            problem(f"target {target:g} is {'below' if increase else 'above'} the baseline {base:g}, but the indicator is "
                    f"{direction} ({'an increase' if increase else 'a decrease'} is desired)", ("target", "value"))
            return None
    elif target == base:
        problem(f"the target equals the baseline ({base:g}) and indicator {ind.id!r} has no direction in the catalogue "
                f"({direction}): progress cannot be measured", ("target", "value"))
        return None
    else:
        increase = target > base  # the strategy's own aim sets the direction of a context or target-range indicator
    return Item(goal, obj, ind, name, unit, decimals, increase, source, loc)


def _warnings(sf: StrategyFile, values: pd.DataFrame | None, error: Callable[[str, tuple], InputError]) -> list[InputError]:
    """A baseline that differs from the observed value of its year by more than half a unit of the last decimal the
    indicator is shown with; a target year outside the strategy's period."""
    out: list[InputError] = []
    period = sf.strategy.period
    observed: dict[tuple[str, int], float] = {}
    if values is not None and len(values):
        mine = values[(values["unit"] == sf.code) & values["value"].notna()]
        observed = {(str(i), int(y)): float(v) for i, y, v in zip(mine["indicator"], mine["year"], mine["value"], strict=True)}
    for item in sf.items:
        ind = item.indicator
        base = ind.baseline
        stored = ind.own.values.get(base.year) if ind.own is not None else observed.get((item.id, base.year))
        tolerance = 0.5 * 10 ** -item.decimals + 1e-9 * abs(base.value)
        if stored is not None and math.isfinite(stored) and abs(stored - base.value) > tolerance:
            where = "its own values" if ind.own is not None else "the series data"
            out.append(error(f"baseline {base.value:g} of {item.id!r} differs from {where} for {base.year}: {stored:g}",
                             (*item.loc, "baseline", "value")))
        if not period.start <= ind.target.year <= period.end:
            out.append(error(f"target year {ind.target.year} is outside the strategy's period {period.start}–{period.end}",
                             (*item.loc, "target", "year")))
    return out
