"""Indicator formulas: arithmetic over variable names plus a few named functions.

A formula is parsed with :mod:`ast` and checked against a whitelist; user text is never passed to
``eval``. Evaluation is vectorised over a wide frame indexed by (unit, year) with one column per
variable. A value that cannot be computed is missing (NaN) together with a reason code:

* ``missing:<variable>`` – an input value is absent,
* ``zero-division:<expression>`` – the denominator is zero,
* ``no-previous-year:<k>`` – ``lag`` needs a year the data do not have,
* ``not-finite`` – a value overflows (beyond ±1.8e308) or is undefined, at any step of the formula.

A formula is at most 500 characters, nests at most 100 operations and writes numbers of at most 1e15 in absolute
value (a 400-digit literal cannot become a float); messages quote at most 80 characters of it.

Sub-expressions are numpy arrays over the rows, their reasons integer codes turned into text once, at the end
(see :class:`Rows`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jstbench.core.errors import InputError, excerpt

MAX_LENGTH = 500
MAX_DEPTH = 100  # operations nested in one another (a sum of n terms nests n - 1): deeper would exhaust the stack
MAX_LITERAL = 1e15  # beyond it an integer has no exact float, and 10**400 none at all


class Rows:
    """The (unit, year) rows a formula is evaluated over, and the reasons for its missing values.

    A reason is held as an integer code per row, 0 where there is none; :meth:`reasons` turns codes into text. The
    rows of each unit's earlier years, which ``lag`` needs, are found once per distance and kept, so one `Rows`
    serves every formula evaluated over the same rows.

    >>> rows = Rows(pd.MultiIndex.from_tuples([("A", 2022), ("A", 2023), ("B", 2023)], names=["unit", "year"]))
    >>> rows.previous(1).tolist()
    [-1, 0, -1]
    >>> rows.reasons(np.array([0, rows.code("missing:x"), rows.code("missing:x")])).tolist()
    [nan, 'missing:x', 'missing:x']
    """

    def __init__(self, index: pd.MultiIndex) -> None:
        self.index = index
        self._codes: dict[str, int] = {}
        self._previous: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.index)

    def code(self, reason: str) -> int:
        """The code of a reason text."""
        return self._codes.setdefault(reason, len(self._codes) + 1)

    def reasons(self, codes: np.ndarray, none: object = np.nan) -> np.ndarray:
        """The reason texts of `codes` (an object array), `none` where a value has no reason."""
        return np.array([none, *self._codes], dtype=object)[codes]

    def previous(self, k: int) -> np.ndarray:
        """The position of each row's unit in year t − k, −1 where the rows do not have that year."""
        if k not in self._previous:
            units, years = self.index.get_level_values(0), self.index.get_level_values(1)
            self._previous[k] = self.index.get_indexer(pd.MultiIndex.from_arrays([units, years - k]))
        return self._previous[k]


@dataclass(frozen=True)
class Term:
    """Values of a sub-expression and, where missing, why (a reason code per row, 0 for none)."""

    values: np.ndarray
    reason: np.ndarray

    def with_reason(self, other: "Term") -> np.ndarray:
        """This term's reason, else the other's."""
        return np.where(self.reason != 0, self.reason, other.reason)


def _present(values: np.ndarray, reason: np.ndarray) -> np.ndarray:
    """`values` where they have no reason to be missing, NaN elsewhere."""
    return np.where(reason == 0, values, np.nan)


class FormulaError(InputError):
    """A formula that is not allowed or not well formed."""


def _quoted(text: str) -> str:
    """`text` quoted for a message, cut to `EXCERPT` characters.

    >>> _quoted("x + y"), _quoted("1" * 100)[-4:]
    ("'x + y'", "11…'")
    """
    return repr(excerpt(text))


def _divide(num: Term, den: Term, label: str, rows: Rows) -> Term:
    reason = num.with_reason(den)
    zero = (den.values == 0) & (reason == 0)
    values = num.values / np.where(den.values != 0, den.values, np.nan)
    reason = np.where(zero, rows.code(f"zero-division:{label}"), reason)
    return Term(_present(values, reason), reason)


def _scaled_ratio(scale: float) -> Callable[..., Term]:
    """``scale · a / b``: ratio and per_capita (scale 1), per_1000, per_10k and share (scale 100).

    50 events in a unit of 20 000 people; a denominator of 0 gives a missing value and a reason:

    >>> idx = pd.MultiIndex.from_tuples([("A", 2023), ("B", 2023)], names=["unit", "year"])
    >>> frame = pd.DataFrame({"x": [50.0, 7.0], "pop": [20000.0, 0.0]}, index=idx)
    >>> for name in ["ratio", "per_capita", "per_1000", "per_10k", "share"]:
    ...     print(name, Formula.parse(f"{name}(x, pop)").evaluate(frame)[0].tolist())
    ratio [0.0025, nan]
    per_capita [0.0025, nan]
    per_1000 [2.5, nan]
    per_10k [25.0, nan]
    share [0.25, nan]
    >>> Formula.parse("share(x, pop)").evaluate(frame)[1].tolist()
    [nan, 'zero-division:pop']
    """

    def fn(num: Term, den: Term, *, label: str, rows: Rows, **_: object) -> Term:
        t = _divide(num, den, label, rows)
        return Term(t.values * scale, t.reason)

    return fn


def _lag(x: Term, k: int = 1, *, rows: Rows, **_: object) -> Term:
    """``lag(x, k)``: the unit's value in year t − k; missing, with a reason, where that year is absent.

    >>> idx = pd.MultiIndex.from_tuples([("A", 2021), ("A", 2022), ("A", 2023)], names=["unit", "year"])
    >>> frame = pd.DataFrame({"x": [80.0, 100.0, 90.0]}, index=idx)
    >>> Formula.parse("lag(x)").evaluate(frame)[0].tolist()
    [nan, 80.0, 100.0]
    >>> values, reason = Formula.parse("lag(x, 2)").evaluate(frame)
    >>> values.tolist(), reason.tolist()
    ([nan, nan, 80.0], ['no-previous-year:2', 'no-previous-year:2', nan])
    """
    previous = rows.previous(k)
    found = previous >= 0
    values = np.where(found, x.values[previous], np.nan)
    reason = np.where(found, x.reason[previous], rows.code(f"no-previous-year:{k}"))
    return Term(values, reason)


def _change(x: Term, k: int = 1, *, rows: Rows, **_: object) -> Term:
    """``change(x, k)``: x(t) − x(t − k).

    >>> idx = pd.MultiIndex.from_tuples([("A", 2021), ("A", 2022), ("A", 2023)], names=["unit", "year"])
    >>> frame = pd.DataFrame({"x": [80.0, 100.0, 90.0]}, index=idx)
    >>> Formula.parse("change(x)").evaluate(frame)[0].tolist()
    [nan, 20.0, -10.0]
    >>> Formula.parse("change(x, 2)").evaluate(frame)[0].tolist()
    [nan, nan, 10.0]
    """
    prev = _lag(x, k, rows=rows)
    reason = x.with_reason(prev)
    return Term(_present(x.values - prev.values, reason), reason)


def _pct_change(x: Term, k: int = 1, *, label: str, rows: Rows, **_: object) -> Term:
    """``pct_change(x, k)``: 100 · (x(t) − x(t − k)) / x(t − k), in per cent.

    >>> idx = pd.MultiIndex.from_tuples([("A", 2021), ("A", 2022), ("A", 2023)], names=["unit", "year"])
    >>> frame = pd.DataFrame({"x": [80.0, 100.0, 90.0]}, index=idx)
    >>> Formula.parse("pct_change(x)").evaluate(frame)[0].tolist()
    [nan, 25.0, -10.0]
    >>> Formula.parse("pct_change(x, 2)").evaluate(frame)[0].tolist()
    [nan, nan, 12.5]
    """
    prev = _lag(x, k, rows=rows)
    diff = _change(x, k, rows=rows)
    t = _divide(diff, prev, label, rows)
    return Term(t.values * 100.0, t.reason)


def _first(a: Term, b: Term, **_: object) -> Term:
    """``first(a, b)``: a where it has a value, otherwise b (one quantity from two sources, e.g. a density published
    by GUS or computed from population and area).

    >>> idx = pd.MultiIndex.from_tuples([("A", 2023), ("B", 2023), ("C", 2023)], names=["unit", "year"])
    >>> frame = pd.DataFrame({"d": [120.0, None, None], "p": [1.0, 500.0, None], "s": [1.0, 2.0, 4.0]}, index=idx)
    >>> values, reason = Formula.parse("first(d, ratio(p, s))").evaluate(frame)
    >>> values.tolist(), reason.isna().tolist(), reason.iloc[2]
    ([120.0, 250.0, nan], [True, True, False], 'missing:p')
    """
    use_a = ~np.isnan(a.values)
    return Term(np.where(use_a, a.values, b.values), np.where(use_a, 0, b.reason))


@dataclass(frozen=True)
class Function:
    """A function formulas may call: its arity, meaning and implementation."""

    name: str
    args: tuple[str, ...]
    optional_int: str | None
    doc: str
    impl: Callable[..., Term]


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in [
        Function("ratio", ("a", "b"), None, "a / b", _scaled_ratio(1.0)),
        Function("per_capita", ("x", "population"), None, "x / population", _scaled_ratio(1.0)),
        Function("per_1000", ("x", "population"), None, "1000 · x / population", _scaled_ratio(1e3)),
        Function("per_10k", ("x", "population"), None, "10 000 · x / population", _scaled_ratio(1e4)),
        Function("share", ("part", "whole"), None, "100 · part / whole (per cent)", _scaled_ratio(100.0)),
        Function("lag", ("x",), "k", "x in year t − k (k = 1 if omitted)", _lag),
        Function("change", ("x",), "k", "x(t) − x(t − k)", _change),
        Function("pct_change", ("x",), "k", "100 · (x(t) − x(t − k)) / x(t − k)", _pct_change),
        Function("first", ("a", "b"), None, "a where it has a value, otherwise b", _first),
    ]
}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


@dataclass(frozen=True)
class Formula:
    """A parsed, whitelisted formula."""

    source: str
    tree: ast.Expression
    variables: frozenset[str]
    functions: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> "Formula":
        """The formula `text`, checked against the whitelist and the limits above; FormulaError names what is wrong.

        >>> sorted(Formula.parse("per_1000(x, population)").variables)
        ['population', 'x']
        >>> Formula.parse("x * 1e16")
        Traceback (most recent call last):
        jstbench.catalogue.formula.FormulaError: formula 'x * 1e16': number '1e16' is too large (at most 1e+15 in absolute value)
        """
        if not isinstance(text, str) or not text.strip():
            raise FormulaError("formula is empty")
        if len(text) > MAX_LENGTH:
            raise FormulaError(f"formula {_quoted(text)} is longer than {MAX_LENGTH} characters")
        source = text.strip()
        try:
            tree = ast.parse(source, mode="eval")
        except (SyntaxError, ValueError) as exc:  # ValueError: a null byte, in Python 3.10
            raise FormulaError(f"formula {_quoted(text)} is not a valid expression: {getattr(exc, 'msg', exc)}") from None
        variables: set[str] = set()
        functions: set[str] = set()
        _check(tree.body, source, variables, functions)
        return cls(source, tree, frozenset(variables), frozenset(functions))

    def evaluate(self, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """Values and reason codes for every row of `frame` (index: unit, year).

        >>> idx = pd.MultiIndex.from_tuples([("A", 2023), ("B", 2023), ("C", 2023)], names=["unit", "year"])
        >>> frame = pd.DataFrame({"x": [12.0, None, 3.0], "y": [4.0, 2.0, 0.0]}, index=idx)
        >>> values, reason = Formula.parse("(x + y) / y").evaluate(frame)
        >>> values.tolist()
        [4.0, nan, nan]
        >>> reason.tolist()
        [nan, 'missing:x', 'zero-division:y']
        """
        missing = self.variables - set(frame.columns)
        if missing:
            raise FormulaError(f"formula {_quoted(self.source)}: no data column for {sorted(missing)}")
        rows = Rows(frame.index)
        values, reason = self.evaluate_rows({v: frame[v].to_numpy(dtype=float) for v in self.variables}, rows)
        return pd.Series(values, index=frame.index), pd.Series(rows.reasons(reason), index=frame.index)

    def evaluate_rows(self, columns: Mapping[str, np.ndarray], rows: Rows) -> tuple[np.ndarray, np.ndarray]:
        """Values and reason codes (see :class:`Rows`) for `rows`, given each variable's values over them: a value is
        finite, or NaN with a reason."""
        with np.errstate(all="ignore"):  # a division by zero or an overflow is a reason, not a warning
            term = _evaluate(self.tree.body, columns, rows)
        return term.values, term.reason


def _check(node: ast.AST, text: str, variables: set[str], functions: set[str], depth: int = 1) -> None:
    def reject(what: str) -> FormulaError:
        allowed = ", ".join(sorted(FUNCTIONS))
        return FormulaError(
            f"formula {_quoted(text)}: {what} not allowed (allowed: numbers, variable names, + - * /, "
            f"parentheses and the functions {allowed})"
        )

    if depth > MAX_DEPTH:
        raise FormulaError(f"formula {_quoted(text)}: more than {MAX_DEPTH} operations nested in one another")
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise reject(f"operator {type(node.op).__name__}")
        _check(node.left, text, variables, functions, depth + 1)
        _check(node.right, text, variables, functions, depth + 1)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise reject(f"operator {type(node.op).__name__}")
        _check(node.operand, text, variables, functions, depth + 1)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise reject(f"constant {excerpt(repr(node.value))}")
        if not abs(node.value) <= MAX_LITERAL:  # exact for any int; False for inf (1e999)
            number = ast.get_source_segment(text, node) or repr(node.value)
            raise FormulaError(f"formula {_quoted(text)}: number {_quoted(number)} is too large "
                               f"(at most {MAX_LITERAL:g} in absolute value)")
    elif isinstance(node, ast.Name):
        if node.id.startswith("_") or node.id in FUNCTIONS:
            raise reject(f"name {_quoted(node.id)}")
        variables.add(node.id)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise reject("calling anything but a named function")
        fn = FUNCTIONS.get(node.func.id)
        if fn is None:
            raise reject(f"function {_quoted(node.func.id)}")
        if node.keywords:
            raise reject("keyword arguments")
        n = len(node.args)
        if n != len(fn.args) and not (fn.optional_int and n == len(fn.args) + 1):
            raise FormulaError(f"formula {_quoted(text)}: {fn.name} takes arguments ({', '.join(fn.args)}"
                               f"{', ' + fn.optional_int if fn.optional_int else ''}), got {n}")
        if n > len(fn.args):
            k = node.args[-1]
            if not (isinstance(k, ast.Constant) and type(k.value) is int and 1 <= k.value <= 20):
                raise FormulaError(f"formula {_quoted(text)}: {fn.optional_int} of {fn.name} must be a whole number 1-20")
        functions.add(fn.name)
        for arg in node.args[: len(fn.args)]:
            _check(arg, text, variables, functions, depth + 1)
    else:
        raise reject(type(node).__name__)


_ARITHMETIC = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}


def _evaluate(node: ast.AST, columns: Mapping[str, np.ndarray], rows: Rows) -> Term:
    """The term of `node`; a value that is not finite (an input of ±inf, an overflow, inf − inf) is missing with
    the reason ``not-finite`` at the step where it arises, so no later step turns it into a finite number (x / inf)."""
    if isinstance(node, ast.Name):
        values = columns[node.id]
        term = Term(values, np.where(np.isnan(values), rows.code(f"missing:{node.id}"), 0))
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):  # _check allows bounded numbers only
        term = Term(np.full(len(rows), float(node.value)), np.zeros(len(rows), dtype=np.int64))
    elif isinstance(node, ast.UnaryOp):
        t = _evaluate(node.operand, columns, rows)
        term = Term(-t.values if isinstance(node.op, ast.USub) else t.values, t.reason)
    elif isinstance(node, ast.BinOp):
        a, b = _evaluate(node.left, columns, rows), _evaluate(node.right, columns, rows)
        if isinstance(node.op, ast.Div):
            term = _divide(a, b, ast.unparse(node.right), rows)
        else:
            reason = a.with_reason(b)
            term = Term(_present(_ARITHMETIC[type(node.op)](a.values, b.values), reason), reason)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):  # _check allows named functions only
        fn = FUNCTIONS[node.func.id]
        args = [_evaluate(a, columns, rows) for a in node.args[: len(fn.args)]]
        extra = [a.value for a in node.args[len(fn.args):] if isinstance(a, ast.Constant)]  # _check: a whole-number constant
        label = ast.unparse(node.args[1]) if len(fn.args) > 1 else ast.unparse(node.args[0])
        term = fn.impl(*args, *extra, label=label, rows=rows)
    else:
        raise FormulaError(f"cannot evaluate {_quoted(ast.unparse(node))}")  # unreachable after _check
    bad = ~np.isfinite(term.values) & (term.reason == 0)
    if not bad.any():
        return term
    reason = np.where(bad, rows.code("not-finite"), term.reason)
    return Term(_present(term.values, reason), reason)
