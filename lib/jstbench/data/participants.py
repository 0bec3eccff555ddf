"""Participants of a benchmarking project as named in the source documents, and how each name was resolved to a
TERYT code (`params/participants.yml`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from jstbench.core.units import UNIT_KINDS, UnitCode
from jstbench.core.yamlio import Strict, read_yaml_model


class Participant(Strict):
    """A participant as named in a source document and how it was resolved to a TERYT code."""

    as_given: str
    list: str
    code: UnitCode | None
    name: str | None
    kind: str | None
    resolution: Literal["exact", "homonym-chosen", "garbled-probable", "unresolved"]
    demo_population: int | None = Field(default=None, gt=0)
    note: str = ""

    @model_validator(mode="after")
    def _resolved(self) -> "Participant":
        if (self.resolution == "unresolved") != (self.code is None):
            raise ValueError("code must be null exactly when the resolution is unresolved")
        if self.code and self.kind not in UNIT_KINDS:
            raise ValueError(f"kind must be one of {list(UNIT_KINDS)}")
        if self.code and not self.demo_population:
            raise ValueError("a resolved participant needs demo_population")
        return self


def load_participants(path: Path) -> list[Participant]:
    raw = read_yaml_model(path, _ParticipantsFile)
    return list(raw.participants)


class _ParticipantsFile(Strict):
    participants: list[Participant]
