"""Price deflators (`methodology/catalogue/deflators.yml`): annual price indices with their source, validated."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Literal

from pydantic import Field, HttpUrl, field_validator

from jstbench.catalogue.model import SLUG
from jstbench.core.yamlio import Strict, read_yaml_model


class DeflatorSource(Strict):
    publisher: str = Field(min_length=1)
    title: str = Field(min_length=1)
    url: HttpUrl
    table: str | None = None
    retrieved: dt.date


class Deflator(Strict):
    """An annual price index series, previous year = 100, over consecutive years."""

    id: str = Field(pattern=SLUG)
    name_pl: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    source: DeflatorSource
    basis: Literal["previous year = 100"]
    values: dict[int, float] = Field(min_length=1)
    note: str = ""
    status: Literal["verified", "to-verify"] = "to-verify"

    @field_validator("values")
    @classmethod
    def _chainable(cls, v: dict[int, float]) -> dict[int, float]:
        bad = [year for year, index in v.items() if not 0 < index < math.inf]
        if bad:
            raise ValueError(f"indices must be positive (previous year = 100); not so in {bad}")
        years = sorted(v)
        gaps = [year for year in range(years[0], years[-1] + 1) if year not in v]
        if gaps:
            raise ValueError(f"years must be consecutive to chain the indices; missing {gaps}")
        return dict(sorted(v.items()))


class Deflators(Strict):
    deflators: list[Deflator] = Field(min_length=1)

    @field_validator("deflators")
    @classmethod
    def _unique(cls, v: list[Deflator]) -> list[Deflator]:
        ids = [d.id for d in v]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate deflator ids {dup}")
        return v


def load_deflators(path: Path) -> dict[str, Deflator]:
    """The deflators file, validated; errors name the file and the field."""
    return {d.id: d for d in read_yaml_model(Path(path), Deflators).deflators}
