"""The indicator catalogue: one YAML file per indicator plus a table of input variables.

Definitions are data validated by pydantic; formulas are checked against the variables table.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from jstbench.catalogue.formula import Formula
from jstbench.catalogue.sources import Break, Source
from jstbench.core.errors import InputError
from jstbench.core.units import KIND_GROUPS, UNIT_KINDS, expand_kinds
from jstbench.core.yamlio import Strict

SECTORS: dict[str, dict[str, str]] = {
    "education": {"pl": "Oświata", "en": "Education"},
    "social_assistance": {"pl": "Pomoc społeczna", "en": "Social assistance"},
    "culture": {"pl": "Kultura", "en": "Culture"},
    "municipal_waste": {"pl": "Gospodarka odpadami", "en": "Municipal waste"},
    "water_sewage": {"pl": "Woda i ścieki", "en": "Water and sewage"},
    "transport_roads": {"pl": "Transport i drogi", "en": "Transport and roads"},
    "housing": {"pl": "Mieszkalnictwo", "en": "Housing"},
    "energy": {"pl": "Efektywność energetyczna", "en": "Energy efficiency"},
    "health": {"pl": "Ochrona zdrowia", "en": "Health care"},
    "administration": {"pl": "Administracja i decyzje", "en": "Administration and decisions"},
    "taxes_fees": {"pl": "Podatki i opłaty lokalne", "en": "Local taxes and fees"},
    "property": {"pl": "Gospodarka nieruchomościami", "en": "Property management"},
    "environment": {"pl": "Ochrona środowiska", "en": "Environmental protection"},
    "construction": {"pl": "Inwestycje i budownictwo", "en": "Investment and construction"},
    "geodesy": {"pl": "Geodezja i kartografia", "en": "Geodesy and cartography"},
    "municipal_services": {"pl": "Gospodarka komunalna", "en": "Municipal services"},
    "participation": {"pl": "Budżet obywatelski", "en": "Participatory budget"},
    "civil_services": {"pl": "Sprawy obywatelskie", "en": "Civil services"},
    "context": {"pl": "Kontekst", "en": "Context"},
}
DIRECTIONS = {
    "higher-better": "im więcej, tym lepiej",
    "lower-better": "im mniej, tym lepiej",
    "target-range": "najlepiej w przedziale docelowym",
    "none": "bez oceny (wskaźnik kontekstowy)",
}

SLUG = r"^[a-z][a-z0-9_]{1,63}$"
# Sources published for every authority (budget reports, GUS BDL, statutory registers), as opposed to data the
# participants collect on forms.


def check_sector(v: str) -> str:
    if v not in SECTORS:
        raise ValueError(f"unknown sector {v!r}; known: {', '.join(SECTORS)}")
    return v


Sector = Annotated[str, AfterValidator(check_sector)]


class Text(Strict):
    pl: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Years(Strict):
    """The years the catalogue's sources must cover (variables.yml `years`)."""

    first: int = Field(ge=1995, le=2100)
    last: int = Field(ge=1995, le=2100)

    @model_validator(mode="after")
    def _ordered(self) -> "Years":
        if self.first > self.last:
            raise ValueError(f"first {self.first} is after last {self.last}")
        return self


class SmupRef(Strict):
    """The matching indicator of GUS's SMUP (System Monitorowania Usług Publicznych); SMUP keeps separate ids for
    gminas and cities with powiat rights."""

    id: str = Field(pattern=r"^\d{1,6}$")
    units: Literal["gminy", "miasta na prawach powiatu", "powiaty"]
    name: str = Field(min_length=3)
    evidence: str = Field(min_length=2)


class Variable(Strict):
    """An input variable: its sources by years, the comparability breaks in its series and their evidence."""

    name: str = Field(pattern=SLUG)
    label: Text
    unit: str
    sources: list[Source] = Field(min_length=1)
    breaks: list[Break] = Field(default_factory=list)
    first_year: int | None = Field(default=None, ge=1995, le=2100)  # the variable does not exist before
    description: str = ""
    status: Literal["verified", "to-verify"] = "to-verify"

    @model_validator(mode="after")
    def _evidence(self) -> "Variable":
        if self.status == "verified":
            weak = [f"{s.type} ({s.years_text()})" for s in self.sources if not s.evidence or s.probable]
            if weak:
                raise ValueError(f"status verified needs evidence for every source and no probable ids: {', '.join(weak)}")
        forms = {s.form for s in self.sources if s.type == "form"}
        if len(forms) > 1:
            raise ValueError(f"a variable is collected on one form, not {sorted(f or '' for f in forms)}")
        return self

    @property
    def form(self) -> str | None:
        """The form the variable is collected on, if any."""
        return next((s.form for s in self.sources if s.type == "form"), None)

    @property
    def public(self) -> bool:
        """Whether the tool can load it from a public source: a BDL variable id, or budget report lines (a source
        described only by a note, or a register the tool does not read, is not enough)."""
        return any(s.loadable for s in self.sources)

    def sources_in(self, year: int, kind: str | None = None) -> list[Source]:
        """The sources valid in `year` (of one type when `kind` is given)."""
        return [s for s in self.sources if s.valid_in(year) and (kind is None or s.type == kind)]

    def break_years(self) -> list[int]:
        return sorted({b.year for b in self.breaks})


class FormField(Strict):
    variable: str = Field(pattern=SLUG)
    instruction: str = Field(min_length=5)
    required: bool = True
    min: float | None = None
    max: float | None = None


class Form(Strict):
    """A data-collection form: one Excel sheet, one row per authority, one column per field."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    name: str = Field(min_length=1)
    sheet: str = Field(pattern=r"^[^\[\]:*?/\\]{1,31}$")
    description: str = ""
    fields: list[FormField] = Field(min_length=1)


class Change(Strict):
    date: dt.date
    version: str
    change: str
    breaks_comparability: bool = False


class Target(Strict):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> "Target":
        if self.low >= self.high:
            raise ValueError(f"target low {self.low} must be below high {self.high}")
        return self


class Adjustment(Strict):
    """How an indicator is adjusted for structure (defaults in features.yml)."""

    enabled: bool = True
    features: list[str] | None = None  # None: the default adjustment features
    response: Literal["auto", "log", "level"] = "auto"  # auto: log when every value is positive and the unit is not %
    note: str | None = None


class SurveyRef(Strict):
    """Where a survey indicator's value comes from: a question of a questionnaire (methodology/catalogue/surveys/),
    or the satisfaction index of a service, estimated with the survey weights per authority and wave."""

    questionnaire: str = Field(pattern=SLUG)
    question: str | None = Field(default=None, pattern=SLUG)  # a closed question on an ordered scale
    service: str | None = None  # or: the satisfaction index (0-100) over the questions that inform this service
    statistic: Literal["top", "mean", "index"]  # top: share (%) of answers in `codes`; mean: mean code; index: 0-100
    codes: list[int] = Field(default_factory=list)  # the answers counted by `top` (e.g. 4 and 5: good or very good)

    @model_validator(mode="after")
    def _one_source(self) -> "SurveyRef":
        if (self.question is None) == (self.service is None):
            raise ValueError("a survey indicator names either a question or a service (for the satisfaction index)")
        if (self.statistic == "index") != (self.service is not None):
            raise ValueError("statistic index goes with `service`; top and mean go with `question`")
        if (self.statistic == "top") != bool(self.codes):
            raise ValueError("statistic top needs the answer codes it counts (`codes`), and only it has them")
        return self


RATED_KINDS = ("monitoring", "survey")  # indicators with a direction, rated against their peers
KINDS = {"monitoring": "monitorujący", "survey": "z badania opinii", "context": "kontekstowy"}  # Polish labels


class Indicator(Strict):
    id: str = Field(pattern=SLUG)
    name: Text
    sector: Sector
    kind: Literal["monitoring", "context", "survey"]
    unit: str
    direction: Literal["higher-better", "lower-better", "target-range", "none"]
    target: Target | None = None
    applies_to: list[str] = Field(min_length=1)
    formula: str | None = None  # every kind but survey
    variables: list[str] = Field(default_factory=list)
    survey: SurveyRef | None = None  # kind survey only: estimated from the residents' (NGOs', firms') answers
    sources: list[str] = Field(default_factory=list)
    description: str
    interpretation: str
    caveats: list[str] = Field(min_length=1)
    decimals: int = Field(default=1, ge=0, le=4)
    status: Literal["verified", "to-verify", "draft"] = "to-verify"
    version: str = Field(pattern=r"^\d+\.\d+(\.\d+)?$")
    changelog: list[Change] = Field(min_length=1)
    adjustment: Adjustment = Adjustment()
    # binomial: a share of counts, share(successes, trials); its position in a group gets a bootstrap interval
    uncertainty: Literal["none", "binomial"] = "none"
    smup: list[SmupRef] = Field(default_factory=list)

    @field_validator("applies_to")
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        unknown = [k for k in v if k not in UNIT_KINDS and k not in KIND_GROUPS]
        if unknown:
            raise ValueError(f"unknown unit kinds {unknown}; known: {', '.join([*UNIT_KINDS, *KIND_GROUPS])}")
        return expand_kinds(v)

    @field_validator("formula")
    @classmethod
    def _formula(cls, v: str | None) -> str | None:
        if v is not None:
            Formula.parse(v)  # raises FormulaError (a ValueError) with the reason
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Indicator":
        if self.kind == "survey":
            if self.survey is None or self.formula is not None or self.variables:
                raise ValueError("a survey indicator has `survey` (questionnaire and question or service) and no formula "
                                 "or variables")
            if self.direction == "none":
                raise ValueError("survey indicators need a direction")
            if self.uncertainty != "none":
                raise ValueError("survey indicators carry their own confidence intervals: uncertainty must be none")
            return self._versions()
        if self.formula is None or not self.variables:
            raise ValueError("a monitoring or context indicator needs a formula and its variables")
        if self.survey is not None:
            raise ValueError("only survey indicators have `survey`")
        used = Formula.parse(self.formula).variables
        if used != set(self.variables):
            raise ValueError(
                f"variables {sorted(self.variables)} differ from those the formula uses {sorted(used)}"
            )
        if (self.direction == "target-range") != (self.target is not None):
            raise ValueError("direction target-range needs a target {low, high}, and only it may have one")
        if self.kind == "context" and self.direction != "none":
            raise ValueError("context indicators are not rated: direction must be none")
        if self.kind == "monitoring" and self.direction == "none":
            raise ValueError("monitoring indicators need a direction")
        if self.uncertainty == "binomial" and self.count_share is None:
            raise ValueError("uncertainty binomial needs a formula of the form share(successes, trials) over two variables")
        return self._versions()

    def _versions(self) -> "Indicator":
        if self.changelog[-1].version != self.version:
            raise ValueError(f"version {self.version} differs from the last change log entry {self.changelog[-1].version}")
        return self

    @property
    def parsed(self) -> Formula:
        if self.formula is None:
            raise ValueError(f"{self.id} is a survey indicator: it has no formula")
        return Formula.parse(self.formula)

    @property
    def count_share(self) -> tuple[str, str] | None:
        """(successes, trials) when the formula is share(a, b) of two plain variables, else None."""
        import ast

        if self.formula is None:
            return None
        body = self.parsed.tree.body
        if isinstance(body, ast.Call) and isinstance(body.func, ast.Name) and body.func.id == "share" and len(body.args) == 2:
            a, b = body.args
            if isinstance(a, ast.Name) and isinstance(b, ast.Name):
                return a.id, b.id
        return None

    @property
    def adjustable(self) -> bool:
        """Monitoring indicators rated higher- or lower-better are adjusted for structure (unless disabled)."""
        return self.kind == "monitoring" and self.direction in ("higher-better", "lower-better") and self.adjustment.enabled

    @property
    def rated(self) -> bool:
        return self.kind in RATED_KINDS


class Feature(Strict):
    """A structural feature: a context indicator (optionally logged) or a column of the units register."""

    id: str = Field(pattern=SLUG)
    label: Text
    indicator: str | None = None
    column: Literal["kind"] | None = None  # a column of the units register
    transform: Literal["none", "log"] = "none"

    @model_validator(mode="after")
    def _one_source(self) -> "Feature":
        if (self.indicator is None) == (self.column is None):
            raise ValueError("a feature names exactly one of `indicator` or `column`")
        return self

    @property
    def categorical(self) -> bool:
        return self.column is not None

    def natural(self, value: float) -> float:
        """A value of the feature on the natural scale of its indicator (a logged feature is un-logged)."""
        return math.exp(value) if self.transform == "log" and value == value else value


class AdjustmentDefaults(Strict):
    features: list[str] = Field(min_length=1)
    min_n: int = Field(default=30, ge=5)
    min_r2: float = Field(default=0.1, ge=0, lt=1)
    alpha: float = Field(default=0.1, gt=0, lt=0.5)


class SimilarDefaults(Strict):
    k: int = Field(default=10, ge=1, le=50)
    weights: dict[str, float] = Field(min_length=1)


class TypologyDefaults(Strict):
    features: list[str] = Field(min_length=1)
    n_clusters: dict[Literal["gminy", "powiaty"], int] | None = None  # per stratum; missing: best silhouette
    max_clusters: int = Field(default=8, ge=2, le=30)


class Structure(Strict):
    """features.yml: structural features and the defaults of the methods that use them."""

    features: list[Feature] = Field(min_length=1)
    adjustment: AdjustmentDefaults
    similar: SimilarDefaults
    typology: TypologyDefaults

    def feature(self, fid: str) -> Feature:
        return {f.id: f for f in self.features}[fid]

    def labels(self) -> dict[str, str]:
        return {f.id: f.label.pl for f in self.features}

    def adjustment_features(self, ind: Indicator) -> list[str]:
        return list(ind.adjustment.features or self.adjustment.features)


@dataclass(frozen=True)
class Coverage:
    """How much of the catalogue rests on public sources (see `Catalogue.coverage`)."""

    variables: int
    verified_public: tuple[str, ...]  # variables marked verified that the tool can load from a public source
    indicators: int
    public_only: tuple[str, ...]  # indicators whose inputs (through other indicators) all load from public sources

    @property
    def verified_public_share(self) -> float:
        return len(self.verified_public) / self.variables if self.variables else float("nan")

    @property
    def public_only_share(self) -> float:
        return len(self.public_only) / self.indicators if self.indicators else float("nan")


class Catalogue:
    """Validated indicators and variables, with a content hash for manifests."""

    def __init__(self, indicators: list[Indicator], variables: list[Variable], digest: str,
                 forms: list[Form] | None = None, structure: Structure | None = None, years: Years | None = None,
                 questionnaires: dict | None = None):
        self.indicators = {i.id: i for i in indicators}
        self.questionnaires = questionnaires or {}  # id -> catalogue.questionnaire.Questionnaire
        self.variables = {v.name: v for v in variables}
        self.forms = {f.id: f for f in forms or []}
        self.structure = structure
        self.digest = digest
        self.years = years or Years(first=2015, last=2024)

    def __len__(self) -> int:
        return len(self.indicators)

    def require_structure(self) -> Structure:
        """The structural features (features.yml). A catalogue read by `load_catalogue` always has them; one built
        by hand without `structure` does not, and the methods that need them stop here with a clear message."""
        if self.structure is None:
            raise InputError("the catalogue has no structural features (features.yml)")
        return self.structure

    def by_sector(self) -> dict[str, list[Indicator]]:
        out: dict[str, list[Indicator]] = {s: [] for s in SECTORS}
        for ind in self.indicators.values():
            out[ind.sector].append(ind)
        return {s: v for s, v in out.items() if v}

    def to_dict(self) -> dict:
        """The whole catalogue as JSON-ready data (digest, indicators, variables, forms, structure)."""
        return {
            "digest": self.digest,
            "indicators": [i.model_dump(mode="json") for i in self.indicators.values()],
            "variables": [v.model_dump(mode="json") for v in self.variables.values()],
            "forms": [f.model_dump(mode="json") for f in self.forms.values()],
            "structure": self.structure.model_dump(mode="json") if self.structure else None,
            "questionnaires": [q.model_dump(mode="json") for q in self.questionnaires.values()],
            "years": self.years.model_dump(mode="json"),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def problems(self) -> list[str]:
        """Warnings that do not stop a build: variables no indicator uses."""
        used = {v for i in self.indicators.values() for v in i.variables}
        used |= {name for q in self.questionnaires.values() for _, _, name in q.margin_cells()}  # survey weighting
        return [f"variable {n!r} is not used by any indicator or survey weighting" for n in self.variables if n not in used]

    def breaks(self, ind: Indicator) -> list[tuple[int, str, str, str]]:
        """Comparability breaks in the series of an indicator: (year, variable, change, evidence) of every variable it
        rests on (`inputs`), by year."""
        return sorted({(b.year, name, b.change, b.evidence) for name in self.inputs(ind) for b in self.variables[name].breaks})

    def inputs(self, ind: Indicator) -> set[str]:
        """The variables an indicator rests on, through the indicators its formula uses."""
        out: set[str] = set()
        for name in ind.variables:
            if name in self.indicators:
                out |= self.inputs(self.indicators[name])
            elif name in self.variables:
                out.add(name)
        return out

    def coverage(self) -> Coverage:
        """The share of variables with a verified public source (status `verified`, which needs evidence for every
        source and no probable BDL id, and at least one budget, BDL or register source), and the share of
        indicators computable from public sources alone (no input collected on a form).

        >>> v = Variable.model_validate({"name": "xx", "label": {"pl": "x", "en": "x"}, "unit": "zł", "status": "verified",
        ...     "sources": [{"type": "bdl", "bdl_id": "1", "evidence": "measured"}]})
        >>> f = Variable.model_validate({"name": "ff", "label": {"pl": "f", "en": "f"}, "unit": "szt.",
        ...     "sources": [{"type": "form", "form": "kadry"}]})
        >>> base = dict(sector="context", kind="context", unit="-", direction="none", applies_to=["all"],
        ...     description="d", interpretation="i", caveats=["c"], version="1.0",
        ...     changelog=[{"date": "2026-01-01", "version": "1.0", "change": "c"}])
        >>> a = Indicator.model_validate({**base, "id": "aa", "name": {"pl": "a", "en": "a"}, "formula": "xx",
        ...     "variables": ["xx"]})
        >>> b = Indicator.model_validate({**base, "id": "bb", "name": {"pl": "b", "en": "b"}, "formula": "aa + ff",
        ...     "variables": ["aa", "ff"]})
        >>> c = Catalogue([a, b], [v, f], "t").coverage()
        >>> c.verified_public, c.verified_public_share, c.public_only, c.public_only_share
        (('xx',), 0.5, ('aa',), 0.5)
        """
        verified = tuple(n for n, v in self.variables.items() if v.status == "verified" and v.public)
        public_only = tuple(i.id for i in self.indicators.values() if all(self.variables[n].public for n in self.inputs(i)))
        return Coverage(len(self.variables), verified, len(self.indicators), public_only)

    def changes(self) -> list[tuple[Indicator, Change]]:
        """Every change-log entry of every indicator, newest first."""
        rows = [(i, c) for i in self.indicators.values() for c in i.changelog]
        return sorted(rows, key=lambda r: (r[1].date, r[0].id), reverse=True)
