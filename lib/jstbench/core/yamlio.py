"""YAML files into validated pydantic models: one strict base model, one way to turn validation errors into
`InputError`s that name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from jstbench.core.errors import InputError, InputErrors


class Strict(BaseModel):
    """Unknown keys are errors; models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)



M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise InputError(f"invalid YAML: {getattr(exc, 'problem', exc)}", path, where) from None


def validation_errors(exc: ValidationError, path: Path, prefix: str = "") -> list[InputError]:
    out = []
    for err in exc.errors():
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".") or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        out.append(InputError(msg, path, f"{prefix}{loc}"))
    return out


def read_yaml_model(path: Path, model: type[M]) -> M:
    """Read a YAML file into a pydantic model; errors name the file and field."""
    raw = read_yaml(Path(path))
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InputErrors(validation_errors(exc, Path(path))) from None
