"""Participants and peer groups from `params/`: experience-exchange groups, typology groups, the nation."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, model_validator

from jstbench.catalogue.model import Sector
from jstbench.core.errors import InputError, InputErrors
from jstbench.core.units import POPULATION_CLASS_LABELS, UNIT_KINDS, UnitCode
from jstbench.core.yamlio import Strict, read_yaml_model

GROUP_ID = r"^[a-z0-9][a-z0-9-]{1,63}$"


class ExchangeGroup(Strict):
    id: str = Field(pattern=GROUP_ID)
    name: str = Field(min_length=1)
    sector: Sector
    members: list[UnitCode] = Field(min_length=2)


class Typology(Strict):
    id_prefix: str = Field(default="typ", pattern=GROUP_ID)
    by: list[Literal["kind", "population_class"]] = ["kind", "population_class"]


class National(Strict):
    id: str = Field(default="kraj", pattern=GROUP_ID)
    name: str = "Cały kraj"


class GroupsFile(Strict):
    min_group_size: int = Field(default=4, ge=2)
    exchange_groups: list[ExchangeGroup]
    typology: Typology = Typology()
    national: National = National()

    @model_validator(mode="after")
    def _unique(self) -> "GroupsFile":
        ids = [g.id for g in self.exchange_groups]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate group ids {dup}")
        return self

    def exchange(self, group_id: str) -> ExchangeGroup:
        for g in self.exchange_groups:
            if g.id == group_id:
                return g
        raise KeyError(group_id)


def load_groups(path: Path, units: pd.DataFrame | None = None) -> GroupsFile:
    """The groups file; a group lists each member once and, with a units register, every member code is a known
    unit."""
    groups = read_yaml_model(path, GroupsFile)
    errors = []
    for n, g in enumerate(groups.exchange_groups):
        first: dict[str, int] = {}
        for m, code in enumerate(g.members):
            where = f"exchange_groups[{n}].members[{m}]"
            if code in first:
                errors.append(InputError(f"unit code {code!r} is listed again in group {g.id!r} (first at members"
                                         f"[{first[code]}]); a group lists each member once", path, where))
            elif units is not None and code not in units.index:
                errors.append(InputError(f"unknown unit code {code!r} in group {g.id!r}", path, where))
            first.setdefault(code, m)
    if errors:
        raise InputErrors(errors)
    return groups


def typology_id(groups: GroupsFile, kind: str, population_class: str) -> str:
    return f"{groups.typology.id_prefix}-{kind.replace('_', '-')}-{population_class}".lower()


def typology_name(kind: str, population_class: str) -> str:
    return f"{UNIT_KINDS[kind]}, {POPULATION_CLASS_LABELS[population_class]} mieszkańców"


def membership(groups: GroupsFile, units: pd.DataFrame) -> pd.DataFrame:
    """One row per (group, unit): columns group, group_type (exchange/typology/national), name, unit."""
    rows = [
        pd.DataFrame({"group": g.id, "group_type": "exchange", "group_name": g.name, "unit": g.members})
        for g in groups.exchange_groups
    ]
    typ = units[["code", "kind", "population_class"]].copy()
    typ["group"] = [typology_id(groups, k, p) for k, p in zip(typ["kind"], typ["population_class"], strict=True)]
    typ["group_name"] = [typology_name(k, p) for k, p in zip(typ["kind"], typ["population_class"], strict=True)]
    rows.append(pd.DataFrame({"group": typ["group"], "group_type": "typology",
                              "group_name": typ["group_name"], "unit": typ["code"]}))
    rows.append(pd.DataFrame({"group": groups.national.id, "group_type": "national",
                              "group_name": groups.national.name, "unit": units["code"]}))
    return pd.concat(rows, ignore_index=True)
