"""Parameters: of a report series (`params/<series>.yml`) and of each notebook template.

A series may set `min_coverage` (default 0.5): national and group statistics resting on a smaller share of the
units they should (the register's units the indicator applies to) are withheld, with the reason, in the reports.

Notebook parameter cells hold literals only; the next cell validates them with one of the models
below, so a wrong type fails at once with a message naming the parameter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jstbench.core.errors import InputError
from jstbench.core.units import UnitCode

SERIES_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Templates(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    unit: str | None = "notebooks/jst_report.ipynb"
    group: str | None = "notebooks/group_report.ipynb"
    quality: str | None = "notebooks/data_quality.ipynb"
    survey: str | None = "notebooks/survey_report.ipynb"  # per authority and wave, when the series has surveys
    strategy: str | None = "notebooks/strategy_report.ipynb"  # per authority with a strategy file
    caf: str | None = "notebooks/caf_report.ipynb"  # per authority and CAF self-assessment, when the series has `caf:`


class SurveysParams(BaseModel):
    """The series' opinion surveys: microdata files (CSV, XLSX, SPSS .sav; one questionnaire per file, named by its
    `questionnaire` column or by `questionnaire`) weighted per authority and wave to its population by sex and age."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    folder: str = Field(min_length=1, description="folder with the microdata files (every *.csv, *.xlsx, *.sav)")
    questionnaire: str = Field(default="mieszkancy", description="the questionnaire id (methodology/catalogue/surveys/)")
    weighting: Literal["rake", "poststratify", "none"] = "rake"
    min_n: int = Field(default=10, ge=3, le=1000, description=(
        "disclosure control: a result resting on fewer respondents is suppressed in every output"))


class ParticipatoryParams(BaseModel):
    """Participatory-budget results in the Pabulib format (.pb); the authority of a file is its META `teryt` key or
    the `units` mapping (file name -> TERYT)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    folder: str = Field(min_length=1)
    units: dict[str, UnitCode] = Field(default_factory=dict)


class PracticesParams(BaseModel):
    """Good practices linked from the authority reports: where an authority lags on an indicator (its percentile
    among authorities of its kind and size below `lag_below`), the practices of authorities that improved on it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    folder: str = Field(default="params/practices", min_length=1)
    lag_below: float = Field(default=50, gt=0, le=100, description="percentile (100 = best) below which a unit lags")
    per_indicator: int = Field(default=3, ge=1, le=20)


class CafParams(BaseModel):
    """CAF self-assessments: workbooks laid out `<folder>/<TERYT>/<assessment>/*.xlsx` (`jstbench caf make`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    folder: str = Field(min_length=1)
    min_n: int = Field(default=5, ge=2, le=1000, description=(
        "the group's distribution of CAF scores is shown only when at least this many authorities assessed"))


class SimilarParams(BaseModel):
    """Overrides of the similar-authorities defaults in features.yml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    k: int | None = Field(default=None, ge=1, le=50)
    weights: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = None

    @model_validator(mode="after")
    def _some_weight(self) -> "SimilarParams":
        if self.weights is not None and not any(w > 0 for w in self.weights.values()):
            raise ValueError("similar.weights: at least one weight must be above 0")
        return self


ID = r"^[a-z0-9][a-z0-9-]{1,40}$"


class CompositeUncertainty(BaseModel):
    """The Monte Carlo of a composite's ranks: runs, ±weight_noise on the weights, the options tried per factor
    (default: every registered method that needs no extra input and is fast), how interval ends are read."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    runs: int = Field(default=500, ge=20, le=100_000)
    weight_noise: float = Field(default=0.25, ge=0, lt=1)
    alternatives: dict[Literal["treat", "impute", "normalise", "weights", "aggregate"],
                       Annotated[list[str], Field(min_length=1)]] | None = None
    seed: int = 0
    interval_ends: Literal["observed", "interpolated"] = "observed"


class CompositeSensitivity(BaseModel):
    """The variance-based sensitivity analysis (Saltelli design, Sobol indices) of a composite's ranks: n_base
    (a power of 2) base samples give n_base · (factors + 2) builds; drop_one adds "leave one indicator out"."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    n_base: int = Field(default=64, ge=8, le=4096)
    drop_one: bool = True
    seed: int = 0

    @model_validator(mode="after")
    def _power_of_two(self) -> "CompositeSensitivity":
        if self.n_base & (self.n_base - 1):
            raise ValueError(f"sensitivity.n_base must be a power of 2 (Saltelli design), not {self.n_base}")
        return self


class DomainDef(BaseModel):
    """A domain of a multi-level composite (indicator → domain → index)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID)
    name: str = Field(min_length=1)
    indicators: list[str] = Field(min_length=1)
    weight: float = Field(default=1.0, ge=0, allow_inf_nan=False, description="weight of the domain in the index")
    aggregate: str | None = Field(default=None, description="aggregation inside the domain (default: the composite's)")
    min_indicators: float = Field(default=0.5, ge=0, le=1, description="share of its indicators a unit needs")


class CompositeDef(BaseModel):
    """A composite index of one service (optional per series), with its uncertainty and sensitivity analysis.

    One level (`indicators`) or two (`domains`, each with its indicators; the index aggregates the domains)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID)
    name: str = Field(min_length=1)
    indicators: list[str] = Field(default_factory=list, description="one level; with domains: filled from them")
    domains: list[DomainDef] = Field(default_factory=list)
    normalise: str = "minmax"
    weights: str = "equal"
    aggregate: str = "arithmetic"
    index_aggregate: str | None = None
    impute: str = "none"
    impute_groups: Literal["kind", "size"] = Field(default="size", description=(
        "groups of grouped imputation (group_mean, group_median): unit kind, or kind and population class"))
    latest_year: int = Field(default=0, ge=0, le=10, description=(
        "panel imputation: a missing value is taken from the unit's latest earlier year at most this many years old"))
    treat: str = "none"
    expert_weights: dict[str, float] | None = None
    min_indicators: float = Field(default=0.5, ge=0, le=1)
    min_domains: float = Field(default=0.5, ge=0, le=1)
    goalposts: dict[str, tuple[float, float]] | None = Field(default=None, description=(
        "fixed (low, high) per indicator in its own units, for normalise: goalposts"))
    reference_year: int | None = Field(default=None, ge=1990, le=2100, description=(
        "goalposts from the data: each indicator's minimum and maximum in this year (normalise: goalposts)"))
    trend_years: int = Field(default=5, ge=0, le=20, description=(
        "with fixed goalposts: the index also for this many earlier years, comparable across years"))
    rank_ties: Literal["average", "min"] = "average"
    uncertainty: CompositeUncertainty = CompositeUncertainty()
    sensitivity: CompositeSensitivity | None = CompositeSensitivity()

    @model_validator(mode="after")
    def _levels(self) -> "CompositeDef":
        if self.domains:
            if self.indicators:
                raise ValueError("give either indicators (one level) or domains (each with its indicators), not both")
            listed = [i for d in self.domains for i in d.indicators]
            repeated = sorted({i for i in listed if listed.count(i) > 1})
            if repeated:
                raise ValueError(f"an indicator belongs to one domain only: {repeated}")
            ids = [d.id for d in self.domains]
            if len(set(ids)) < len(ids):
                raise ValueError(f"domain ids repeat: {ids}")
            object.__setattr__(self, "indicators", listed)
        if len(self.indicators) < 2:
            raise ValueError("a composite needs at least 2 indicators")
        if self.goalposts is not None and self.reference_year is not None:
            raise ValueError("give goalposts or reference_year, not both")
        fixed = self.goalposts is not None or self.reference_year is not None
        if (self.normalise == "goalposts") != fixed:
            raise ValueError("normalise: goalposts goes with goalposts or reference_year (and they need it)")
        bad = {i: g for i, g in (self.goalposts or {}).items() if not g[0] < g[1]}
        if bad:
            raise ValueError(f"goalposts must be (low, high) with low < high: {bad}")
        return self

    @property
    def fixed_scale(self) -> bool:
        """Whether the index compares across years (fixed goalposts or a reference year)."""
        return self.normalise == "goalposts"


class SeriesSpec(BaseModel):
    """A report series: which data, which year, which groups, which templates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _units_all(cls, data: object) -> object:
        """`units: all` stands for every unit (kept apart from the list, so a bad code is named as `units[i]`)."""
        if isinstance(data, dict) and data.get("units") == "all":
            return {**{k: v for k, v in data.items() if k != "units"}, "all_units": True}
        return data

    @model_validator(mode="before")
    @classmethod
    def _no_synthetic_flag(cls, data: object) -> object:
        if isinstance(data, dict) and "synthetic" in data:
            raise ValueError("`synthetic` is no longer set by hand: whether the data is synthetic is read from the data "
                             "itself (the reports of demo data say so); remove the line")
        return data

    title: str = Field(min_length=1)
    year: int = Field(ge=1990, le=2100)
    data: str = Field(min_length=1, description="folder with units.parquet and observations.parquet")
    groups_file: str = "params/groups.yml"
    groups: list[str] | Literal["all"] = "all"
    units: list[UnitCode] = Field(default_factory=list, description=(
        "more authorities to report on; `units: all`: every unit of the register that exists in the report year"))
    all_units: bool = Field(default=False, description="set by `units: all`")
    templates: Templates = Templates()
    similar: SimilarParams = SimilarParams()
    composites: list[CompositeDef] = Field(default_factory=list)
    surveys: SurveysParams | None = None
    strategies: str | None = Field(default=None, description="folder with strategy files <TERYT>.yml (params/strategies)")
    participatory: ParticipatoryParams | None = None
    practices: PracticesParams | None = None
    caf: CafParams | None = None
    deflator: str = Field(default="cpi", description="a deflator id from methodology/catalogue/deflators.yml")
    min_coverage: float = Field(default=0.5, ge=0, le=1, allow_inf_nan=False, description=(
        "the least share (0-1) of the units a statistic should rest on that must have data for it to be shown: a "
        "national or group median, quartile, mean, best value or position rests on the units with a value among the "
        "group's units in the register the indicator applies to; below this share the reports withhold it and say "
        "why (e.g. 195 of 2,477 gminas is 8%). It also decides which structural features the adjustment models use: "
        "a feature present for fewer than this share of the authorities with structural data is left out."))
    workers: int = Field(default=2, ge=1, le=64)
    timeout_s: int = Field(default=600, ge=10)


def load_series(path: Path) -> SeriesSpec:
    from jstbench.core.yamlio import read_yaml_model

    path = Path(path)
    if not path.exists():
        raise InputError("series file not found (a series is declared in params/<series>.yml)", path)
    return read_yaml_model(path, SeriesSpec)


def series_path(params_dir: Path, series: str) -> Path:
    """`params/<series>.yml`, or `params/series/<series>.yml` when only that exists, for a series name; the name
    must be a plain slug (no paths)."""
    if not SERIES_NAME.match(series):
        raise InputError(f"series name {series!r} must be lowercase letters, digits, '-' or '_'")
    top, nested = Path(params_dir) / f"{series}.yml", Path(params_dir) / "series" / f"{series}.yml"
    return nested if nested.exists() and not top.exists() else top
