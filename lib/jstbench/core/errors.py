"""One error type for every problem a user can fix: it names the file and the place."""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

EXCERPT = 80
"""The most characters of an input value an error message quotes."""


class _ShortRepr(reprlib.Repr):
    """A repr that stops early: a few items of each collection, a few levels (an alias bomb costs nothing), and
    no decimal conversion of a huge integer."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxset, self.maxdict = 3, 4, 4, 4, 4
        self.maxstring = self.maxother = self.maxlong = EXCERPT

    def repr_int(self, x: int, level: int) -> str:
        bits = abs(x).bit_length()
        return super().repr_int(x, level) if bits <= 4 * EXCERPT else f"<an integer of about {int(bits * 0.30103) + 1} digits>"


_REPR = _ShortRepr()


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """`value` (a string as it is, anything else as a bounded repr) cut to `limit` characters, ending in "…" if cut."""
    text = value if isinstance(value, str) else _REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InputError(ValueError):
    """Bad input: a file, the place inside it (row, cell, field) and what is wrong."""

    def __init__(self, problem: str, file: str | Path | None = None, where: str | None = None):
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.where = where
        super().__init__(self.message)

    @property
    def message(self) -> str:
        place = ": ".join(p for p in (self.file, self.where) if p)
        return f"{place}: {self.problem}" if place else self.problem


class InputErrors(InputError):
    """Several problems found in one pass (reported together, not one at a time)."""

    def __init__(self, errors: list[InputError]):
        self.errors = errors
        super().__init__("\n".join(e.message for e in errors))

    @property
    def message(self) -> str:
        return "\n".join(e.message for e in self.errors)


def collect(errors: list[InputError], check: Callable[..., T], *args: object) -> T | None:
    """`check(*args)`, or None with its problems added to `errors` (to report every problem of many inputs at once)."""
    try:
        return check(*args)
    except InputErrors as exc:
        errors.extend(exc.errors)
    except InputError as exc:
        errors.append(exc)
    return None
