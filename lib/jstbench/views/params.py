"""Parameters of each notebook template, validated by one pydantic model per notebook.

Notebook parameter cells hold literals only; the next cell validates them with one of the models
below, so a wrong type fails at once with a message naming the parameter.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from jstbench.core.errors import InputError, InputErrors
from jstbench.core.units import UnitCode

if TYPE_CHECKING:
    from jstbench.catalogue.model import Catalogue


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @classmethod
    def from_notebook(cls, **values: object) -> "_Params":
        """Validate notebook parameters; raise InputError naming every bad parameter."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise InputErrors([
                InputError(e["msg"].removeprefix("Value error, "), "notebook parameters",
                           ".".join(str(p) for p in e["loc"]) or "(all)")
                for e in exc.errors()
            ]) from None


class UnitReportParams(_Params):
    """Parameters of `notebooks/jst_report.ipynb`: one authority, one year."""

    unit: UnitCode
    year: int = Field(ge=1990, le=2100)
    series_dir: str = Field(min_length=1)
    charts: Literal["group", "all"] = "group"


class GroupReportParams(_Params):
    """Parameters of `notebooks/group_report.ipynb`: one group, one year."""

    group: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    year: int = Field(ge=1990, le=2100)
    series_dir: str = Field(min_length=1)


class StrategyReportParams(_Params):
    """Parameters of `notebooks/strategy_report.ipynb`: one authority's strategy in one series and year."""

    unit: UnitCode
    year: int = Field(ge=1990, le=2100)
    series_dir: str = Field(min_length=1)


class SurveyReportParams(_Params):
    """Parameters of `notebooks/survey_report.ipynb`: one authority, one wave of its residents' survey."""

    unit: UnitCode
    wave: int = Field(ge=1990, le=2100)
    year: int = Field(ge=1990, le=2100)
    series_dir: str = Field(min_length=1)


class CafReportParams(_Params):
    """Parameters of `notebooks/caf_report.ipynb`: one authority's CAF self-assessment in one series."""

    unit: UnitCode
    assessment: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,29}$")
    year: int = Field(ge=1990, le=2100)
    series_dir: str = Field(min_length=1)


class QualityParams(_Params):
    """Parameters of `notebooks/data_quality.ipynb`: one series."""

    series_dir: str = Field(min_length=1)
    year: int = Field(ge=1990, le=2100)


class ExploreParams(_Params):
    """Parameters of `notebooks/explore_indicator.ipynb`. The catalogue is read here (about a second), so an unknown
    indicator or a formula the safe parser refuses (a function not on its list, an unknown variable, any Python) is
    named at once, before the data store is loaded."""

    data_dir: str = Field(min_length=1)
    catalogue_dir: str = Field(min_length=1)
    groups_file: str = Field(min_length=1)
    indicator: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    variant_formula: str = Field(min_length=1, max_length=500)
    group: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    year: int = Field(ge=1990, le=2100)

    @field_validator("catalogue_dir")
    @classmethod
    def _catalogue_loads(cls, folder: str) -> str:
        try:
            _catalogue(folder)
        except InputError as exc:
            raise ValueError(exc.message) from None
        return folder

    @field_validator("indicator")
    @classmethod
    def _indicator_known(cls, indicator: str, info: ValidationInfo) -> str:
        if "catalogue_dir" in info.data and indicator not in _catalogue(info.data["catalogue_dir"]).indicators:
            raise ValueError(f"unknown indicator {indicator!r}")
        return indicator

    @field_validator("variant_formula")
    @classmethod
    def _formula_allowed(cls, formula: str, info: ValidationInfo) -> str:
        from jstbench.catalogue.formula import Formula
        from jstbench.catalogue.variant import variant_of

        if "catalogue_dir" not in info.data or "indicator" not in info.data:
            Formula.parse(formula)  # the safe parser alone, when there is no catalogue or indicator to check against
            return formula
        catalogue = _catalogue(info.data["catalogue_dir"])
        try:
            variant_of(catalogue.indicators[info.data["indicator"]], formula, catalogue)
        except InputError as exc:
            raise ValueError(exc.problem) from None
        return formula


@functools.lru_cache(maxsize=4)
def _catalogue(folder: str) -> Catalogue:
    """The catalogue in `folder`, read once per process for the validators above."""
    from jstbench.catalogue.load import load_catalogue

    return load_catalogue(Path(folder))
