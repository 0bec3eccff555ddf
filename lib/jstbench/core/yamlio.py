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


def field_path(loc: tuple) -> str:
    """A pydantic location as a field path: `entries[2].unit`."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(top level)"


class Located:
    """A YAML file whose problems name the field and its line: `konkurs.yml: entries[2].unit (line 31): …`."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.raw = read_yaml(self.path)
        try:
            self.root: yaml.Node | None = yaml.compose(self.path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            self.root = None

    def line(self, loc: tuple) -> int | None:
        """The line (1-based) of the deepest node of `loc` in the file (a missing key: its parent's line)."""
        node, line = self.root, None
        for part in loc:
            if node is None:
                break
            line = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                node = None
        return node.start_mark.line + 1 if node is not None else line

    def error(self, problem: str, loc: tuple) -> InputError:
        line = self.line(loc)
        return InputError(problem, self.path, field_path(loc) + (f" (line {line})" if line else ""))

    def validate(self, model: type[M]) -> M:
        """The file as `model`; every validation error named with its field and line."""
        try:
            return model.model_validate(self.raw)
        except ValidationError as exc:
            raise InputErrors([self.error(d["msg"].removeprefix("Value error, "), tuple(d["loc"]))
                               for d in exc.errors()]) from None
