"""YAML files into validated pydantic models: one strict base model, one way to turn validation errors into
`InputError`s that name the file and the field. Untrusted YAML (and JSON) is read within limits: size, nesting,
alias expansion; a YAML mapping may not repeat a key."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from jstbench.core.errors import InputError, InputErrors, excerpt

MAX_YAML_BYTES = 5_000_000
MAX_JSON_BYTES = 64_000_000
MAX_DEPTH = 100
"""The most levels of collections in collections (YAML or JSON), well below Python's recursion limit."""
MAX_ALIAS_NODES = 100_000
"""The most nodes YAML aliases may add when expanded (a few shared blocks, not a billion laughs)."""
MERGE_TAG = "tag:yaml.org,2002:merge"


class Strict(BaseModel):
    """Unknown keys are errors; models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=BaseModel)


class _Refused(yaml.MarkedYAMLError):
    """A YAML document the loader will not read: too deep, an alias bomb, a repeated key, a value out of range."""

    def __init__(self, problem: str, mark: Any):
        super().__init__(problem=problem, problem_mark=mark)


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no Python tags) that refuses, while composing, nesting deeper than MAX_DEPTH and aliases
    expanding to more than MAX_ALIAS_NODES nodes (measured, never expanded), and, while constructing, repeated keys."""

    def __init__(self, stream: str, first_line: int = 1):
        super().__init__(stream)
        self.first_line = first_line
        self.depth = 0
        self.alias_nodes = 0
        self.measured: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, levels), aliases expanded

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if self.depth >= MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        self.depth += 1
        try:
            node: Any = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if isinstance(event, yaml.AliasEvent):
            self._count_alias(node, event)
        else:
            self.measured[id(node)] = self._measure(node)
        return node

    def _measure(self, node: yaml.Node) -> tuple[int, int]:
        """(nodes, levels) of a composed node whose children are measured."""
        if isinstance(node, yaml.MappingNode):
            children = [self.measured[id(n)] for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = [self.measured[id(n)] for n in node.value]
        else:
            children = []
        return 1 + sum(n for n, _ in children), 1 + max((h for _, h in children), default=0)

    def _count_alias(self, node: yaml.Node, event: yaml.AliasEvent) -> None:
        anchor = excerpt(event.anchor, 40)
        if id(node) not in self.measured:
            raise _Refused(f"alias *{anchor} is used inside its own anchor (a recursive value)", event.start_mark)
        nodes, levels = self.measured[id(node)]
        if self.depth + levels > MAX_DEPTH:
            raise _Refused(f"alias *{anchor} nests the value more than {MAX_DEPTH} levels deep", event.start_mark)
        self.alias_nodes += nodes
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _Refused(f"aliases expand to more than {MAX_ALIAS_NODES:,} values (at *{anchor}): "
                           "write the values out or use fewer aliases", event.start_mark)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:  # 2020-13-45, 5,000 digits, `!!int ''`
            value = f" {excerpt(node.value)!r}" if isinstance(node, yaml.ScalarNode) else ""
            raise _Refused(f"invalid value{value}: {excerpt(str(exc))}", node.start_mark) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            self._refuse_repeated_keys(node)
        return super().construct_mapping(node, deep)

    def _refuse_repeated_keys(self, node: yaml.MappingNode) -> None:
        """A key written twice in one mapping (YAML would silently keep the last); keys merged in by `<<` may be
        overridden."""
        seen: dict[Any, tuple[int, yaml.Node]] = {}
        for i, (key_node, _) in enumerate(node.value):
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first, first_node = seen.setdefault(key, (i, key_node))
            except TypeError:  # an unhashable key: the constructor refuses it
                continue
            if first != i:
                raise _Refused(f"key {excerpt(str(key_node.value))!r} repeats the key on line "
                               f"{first_node.start_mark.line + self.first_line} (YAML would keep only the last): write it once",
                               key_node.start_mark)


def _compose(text: str, file: str | Path | None, first_line: int = 1) -> tuple[object, yaml.Node | None]:
    """The document of `text` and its node tree (for line numbers), read within the limits."""
    if len(text) > MAX_YAML_BYTES:
        raise InputError(f"{len(text) / 1e6:.1f} MB of YAML: larger than the {MAX_YAML_BYTES / 1e6:.0f} MB limit", file)
    loader = None
    try:
        loader = _LimitedLoader(text, first_line)
        root = loader.get_single_node()
        return (loader.construct_document(root) if root is not None else None), root
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + first_line}, column {mark.column + 1}" if mark else None
        if isinstance(exc, yaml.reader.ReaderError):  # a control character: its line
            where = f"line {text.count(chr(10), 0, exc.position) + first_line}"
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        prefix = "" if isinstance(exc, _Refused) else "invalid YAML: "
        raise InputError(prefix + problem, file, where) from None
    finally:
        if loader is not None:
            loader.dispose()


def parse_yaml(text: str, file: str | Path | None = None, first_line: int = 1) -> object:
    """YAML text (its first line numbered `first_line`, e.g. front matter after `---`) as Python data, safely and
    within the limits; any problem an InputError naming `file` and the line."""
    return _compose(text, file, first_line)[0]


def _read_text(path: Path, limit: int) -> str:
    """A UTF-8 input file's text, refused unread when larger than `limit` bytes."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"{size / 1e6:.1f} MB: larger than the {limit / 1e6:.0f} MB limit for this file", path)
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path) from None


def read_yaml(path: Path) -> object:
    """A YAML file as Python data (see `parse_yaml`)."""
    path = Path(path)
    return parse_yaml(_read_text(path, MAX_YAML_BYTES), path)


_JSON_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}\n]+")


def _json_too_deep(text: str) -> int | None:
    """The line where `text` nests JSON arrays and objects more than MAX_DEPTH deep (brackets in strings do not
    count), or None."""
    depth, line = 0, 1
    for c in _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)):
        if c == "\n":
            line += 1
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        else:
            depth -= 1
    return None


def parse_json(text: str, file: str | Path | None = None) -> Any:
    """JSON text as Python data, refusing (as InputError naming `file`) more than MAX_JSON_BYTES and nesting deeper
    than MAX_DEPTH before Python's recursion limit is reached."""
    if len(text) > MAX_JSON_BYTES:
        raise InputError(f"{len(text) / 1e6:.1f} MB of JSON: larger than the {MAX_JSON_BYTES / 1e6:.0f} MB limit", file)
    line = _json_too_deep(text)
    if line is not None:
        raise InputError(f"JSON nested more than {MAX_DEPTH} levels deep", file, f"line {line}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file, f"line {exc.lineno}, column {exc.colno}") from None
    except ValueError as exc:  # an integer literal of more than 4,300 digits
        raise InputError(f"not valid JSON: {excerpt(str(exc))}", file) from None


def read_json(path: Path) -> Any:
    """A JSON file as Python data (see `parse_json`)."""
    path = Path(path)
    return parse_json(_read_text(path, MAX_JSON_BYTES), path)


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
        self.raw, self.root = _compose(_read_text(self.path, MAX_YAML_BYTES), self.path)

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
