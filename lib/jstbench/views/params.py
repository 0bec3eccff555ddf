"""Parameters of each notebook template, validated by one pydantic model per notebook.

Notebook parameter cells hold literals only; the next cell validates them with one of the models
below, so a wrong type fails at once with a message naming the parameter.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jstbench.core.errors import InputError, InputErrors
from jstbench.core.units import UnitCode


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


class QualityParams(_Params):
    """Parameters of `notebooks/data_quality.ipynb`: one series."""

    series_dir: str = Field(min_length=1)
    year: int = Field(ge=1990, le=2100)


class ExploreParams(_Params):
    """Parameters of `notebooks/explore_indicator.ipynb`."""

    data_dir: str = Field(min_length=1)
    catalogue_dir: str = Field(min_length=1)
    groups_file: str = Field(min_length=1)
    indicator: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    variant_formula: str = Field(min_length=1, max_length=500)
    group: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    year: int = Field(ge=1990, le=2100)
