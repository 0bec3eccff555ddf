"""One error type for every problem a user can fix: it names the file and the place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


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
