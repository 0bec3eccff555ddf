"""The Common Assessment Framework (CAF 2020) as data: its 9 criteria (5 enablers, 4 results) with their 28
sub-criteria and the two scoring panels, read from `methodology/catalogue/caf.yml`.

The CAF 2020 guideline (EUPAN / European CAF Resource Centre at EIPA, ch. III "How to evaluate: the scoring system")
offers two panels, both resting on the PDCA cycle for enablers: *classical* scoring (one level 0–5 per sub-criterion;
for enablers each level names the PDCA phase reached) and *fine-tuned* scoring (0–100 for each PDCA phase of an
enabler, 0–100 for trends and for targets of a result). `points` puts both on one 0–100 scale: a classical level
counts level × 20 (given per level in the YAML, checked to lie inside the level's CAF band), a fine-tuned
sub-criterion the mean of its entries. The YAML's `note` says which details of the panels could not be confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field

from jstbench.core.errors import InputErrors
from jstbench.core.yamlio import Located, Strict, field_path

Kind = Literal["enabler", "result"]
Panel = Literal["classical", "fine"]
PANELS: tuple[Panel, ...] = ("classical", "fine")
KINDS: tuple[Kind, ...] = ("enabler", "result")
BANDS = [(0, 10), (11, 30), (31, 50), (51, 70), (71, 90), (91, 100)]  # the CAF 0–100 bands of levels 0–5
PHASES = [None, "plan", "do", "check", "act", "pdca"]  # the PDCA phase of enabler levels 0–5 (classical panel)


class Name(Strict):
    pl: str = Field(min_length=2)
    en: str = Field(min_length=2)


class Subcriterion(Strict):
    id: str = Field(pattern=r"^[1-9]\.[1-9]$")
    name: Name


class Criterion(Strict):
    number: int = Field(ge=1, le=9)
    kind: Kind
    name: Name
    subcriteria: list[Subcriterion] = Field(min_length=1)


class Level(Strict):
    """One level of the classical panel: its CAF 0–100 band, the points it counts and its description."""

    level: int = Field(ge=0, le=5)
    phase: Literal["plan", "do", "check", "act", "pdca"] | None = None
    range: tuple[int, int]
    points: float = Field(ge=0, le=100)
    pl: str = Field(min_length=3)
    en: str = Field(min_length=3)


class ClassicalPanel(Strict):
    enabler: list[Level]
    result: list[Level]


class Entry(Strict):
    """One scored entry of the fine-tuned panel (a PDCA phase; trends or targets)."""

    id: str = Field(pattern=r"^[a-z]+$")
    pl: str = Field(min_length=2)
    en: str = Field(min_length=2)


class Band(Strict):
    range: tuple[int, int]
    pl: str = Field(min_length=3)
    en: str = Field(min_length=3)


class FineScale(Strict):
    entries: list[Entry] = Field(min_length=1)
    bands: list[Band]


class FinePanel(Strict):
    enabler: FineScale
    result: FineScale


class Panels(Strict):
    classical: ClassicalPanel
    fine: FinePanel


class CafModel(Strict):
    """The CAF structure and panels (`load_caf` checks it)."""

    model: Literal["CAF"]
    version: str = Field(min_length=3)
    template_version: int = Field(ge=1)
    sources: list[str] = Field(min_length=1)
    translation_note: str = Field(min_length=10)
    note: str = ""
    criteria: list[Criterion]
    panels: Panels

    def subcriteria(self) -> list[tuple[Criterion, Subcriterion]]:
        """Every sub-criterion with its criterion, in CAF order (1.1 … 9.2)."""
        return [(c, s) for c in self.criteria for s in c.subcriteria]

    def criterion(self, number: int) -> Criterion:
        return next(c for c in self.criteria if c.number == number)

    def entries(self, panel: Panel, kind: Kind) -> list[str]:
        """The raw entries one sub-criterion is scored by: `["level"]` on the classical panel, else the phases
        (enablers) or trends/targets (results) of the fine-tuned panel."""
        if panel == "classical":
            return ["level"]
        return [e.id for e in getattr(self.panels.fine, kind).entries]

    def points(self, panel: Panel, kind: Kind, values: Mapping[str, float]) -> float:
        """The common 0–100 score of one sub-criterion from its raw entries (already validated): classical — the
        points of the level (level × 20); fine-tuned — the mean of the entries. E.g. classical level 3 → 60;
        fine-tuned result with trends 40 and targets 70 → 55."""
        if panel == "classical":
            levels = getattr(self.panels.classical, kind)
            return float(next(lv.points for lv in levels if lv.level == values["level"]))
        ids = self.entries(panel, kind)
        return float(sum(values[e] for e in ids) / len(ids))


Loc = tuple[str | int, ...]


def _problems(caf: CafModel) -> list[tuple[str, Loc]]:
    """Structural problems of a parsed model, each with the location of the field at fault."""
    out: list[tuple[str, Loc]] = []
    numbers = [c.number for c in caf.criteria]
    if numbers != list(range(1, 10)):
        out.append((f"criteria must be numbered 1–9 in order, found {numbers}", ("criteria",)))
    kinds = [c.kind for c in caf.criteria]
    if kinds != ["enabler"] * 5 + ["result"] * 4:
        out.append((f"criteria must be 5 enablers then 4 results, found {kinds}", ("criteria",)))
    seen: dict[str, str] = {}
    for i, c in enumerate(caf.criteria):
        for j, s in enumerate(c.subcriteria):
            loc: Loc = ("criteria", i, "subcriteria", j, "id")
            if not s.id.startswith(f"{c.number}."):
                out.append((f"sub-criterion {s.id!r} is not prefixed by its criterion number {c.number}", loc))
            if s.id in seen:
                out.append((f"duplicate sub-criterion id {s.id!r} (also at {seen[s.id]})", loc))
            seen.setdefault(s.id, field_path(loc))
    for kind in KINDS:
        levels = getattr(caf.panels.classical, kind)
        ploc: Loc = ("panels", "classical", kind)
        if [lv.level for lv in levels] != list(range(6)):
            out.append((f"the classical {kind} panel must list levels 0–5 in order, "
                        f"found {[lv.level for lv in levels]}", ploc))
            continue
        for k, lv in enumerate(levels):
            if tuple(lv.range) != BANDS[k]:
                out.append((f"level {k} must cover {BANDS[k][0]}–{BANDS[k][1]}, found {lv.range[0]}–{lv.range[1]}",
                            (*ploc, k, "range")))
            if not lv.range[0] <= lv.points <= lv.range[1]:
                out.append((f"points {lv.points:g} lie outside the level's range {lv.range[0]}–{lv.range[1]}",
                            (*ploc, k, "points")))
            if kind == "enabler" and lv.phase != PHASES[k]:
                out.append((f"enabler level {k} must name the PDCA phase {PHASES[k]!r}, found {lv.phase!r}",
                            (*ploc, k, "phase")))
            if kind == "result" and lv.phase is not None:
                out.append(("result levels have no PDCA phase", (*ploc, k, "phase")))
        scale = getattr(caf.panels.fine, kind)
        floc = ("panels", "fine", kind)
        if [tuple(b.range) for b in scale.bands] != BANDS:
            out.append((f"the fine-tuned {kind} bands must be {BANDS}", (*floc, "bands")))
        ids = [e.id for e in scale.entries]
        want = ["plan", "do", "check", "act"] if kind == "enabler" else ["trends", "targets"]
        if ids != want:
            out.append((f"the fine-tuned {kind} entries must be {want}, found {ids}", (*floc, "entries")))
    return out


def load_caf(path: Path) -> CafModel:
    """Read and check the CAF file; raise `InputErrors` naming every problem with its file, field and line."""
    doc = Located(Path(path))
    caf = doc.validate(CafModel)
    problems = _problems(caf)
    if problems:
        raise InputErrors([doc.error(p, loc) for p, loc in problems])
    return caf
