"""Properties of the formula engine over random formulas and random inputs (hypothesis): parsing either gives a formula
or refuses it with an InputError; evaluating gives, for every row, a finite number, or NaN with a reason (an input
that is missing or not finite, a zero denominator, a missing earlier year, an overflow) — never another exception,
never ±inf; a number beyond the literal bound is refused by the check, whatever its size."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jstbench.catalogue.formula import FUNCTIONS, MAX_DEPTH, MAX_LITERAL, Formula, FormulaError
from jstbench.core.errors import InputError

FAST = settings(max_examples=200, deadline=None)
NAMES = ["x", "y", "pop"]
# units × years with a gap (b has no 2021) and a unit of one year, so lag finds and misses earlier years
INDEX = pd.MultiIndex.from_tuples([("a", 2020), ("a", 2021), ("a", 2022), ("b", 2020), ("b", 2022), ("c", 2022)],
                                  names=["unit", "year"])

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 1e308, -1e308, 1e-308, 5e-324, 1e200, -1e200]),
)
literals = st.one_of(st.integers(0, 10**15).map(str), st.floats(0, MAX_LITERAL).map(repr),
                     st.sampled_from(["1e15", "1e-300", "0.0", "1_000", "0x1F"]))


def _call(name: str, args: list[str], k: int | None) -> str:
    return f"{name}({', '.join(args)}{'' if k is None else f', {k}'})"


leaves = st.one_of(st.sampled_from(NAMES), literals)
formulas: st.SearchStrategy[str] = st.deferred(lambda: st.one_of(
    leaves, leaves,
    st.tuples(formulas, st.sampled_from(["+", "-", "*", "/"]), formulas).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    st.tuples(st.sampled_from(["-", "+"]), formulas).map("".join),
    st.sampled_from(sorted(FUNCTIONS)).flatmap(lambda name: st.builds(
        _call, st.just(name), st.lists(formulas, min_size=len(FUNCTIONS[name].args), max_size=len(FUNCTIONS[name].args)),
        st.one_of(st.none(), st.integers(1, 3)) if FUNCTIONS[name].optional_int else st.none())),
))
# text that is mostly not a formula: what a user, or an attacker, might type into a catalogue file
noise = st.text(alphabet=st.sampled_from(list("xypo_ ()+-*/.,0123456789e[]'\"=<>!%@:lambdimport") + ["\x00", "²", "ｘ"]),
                max_size=40)


def frame(columns: dict[str, list[float]], names: frozenset[str] = frozenset()) -> pd.DataFrame:
    """The panel with `columns`; any other variable of `names` (from random text) repeats column x, or is 1."""
    other = columns.get("x", [1.0] * len(INDEX))
    return pd.DataFrame({name: columns.get(name, other) for name in sorted(set(NAMES) | names)}, index=INDEX)


def assert_finite_or_missing_with_reason(formula: Formula, data: pd.DataFrame) -> None:
    v, reason = formula.evaluate(data)
    v = v.to_numpy()
    has_reason = reason.notna().to_numpy()
    assert np.isfinite(v[~has_reason]).all(), (formula.source, v, reason.tolist())
    assert np.isnan(v[has_reason]).all(), (formula.source, v, reason.tolist())


columns = st.fixed_dictionaries({name: st.lists(values, min_size=len(INDEX), max_size=len(INDEX)) for name in NAMES})


@FAST
@given(text=st.one_of(formulas, noise), data=columns)
def test_a_formula_is_refused_clearly_or_evaluates_to_finite_numbers_or_reasons(text, data):
    try:
        formula = Formula.parse(text)
    except InputError as exc:
        assert exc.problem and len(exc.problem) < 400  # the formula is quoted in a bounded excerpt
        return
    assert_finite_or_missing_with_reason(formula, frame(data, formula.variables))


@FAST
@given(digits=st.integers(16, 490))
def test_an_integer_literal_beyond_the_bound_is_refused_whatever_its_length(digits):
    text = "x * " + "9" * digits
    with pytest.raises(FormulaError, match=r"number '9+…?' is too large \(at most 1e\+15 in absolute value\)") as err:
        Formula.parse(text)
    assert len(err.value.problem) < 250


@FAST
@given(exponent=st.integers(16, 999), mantissa=st.sampled_from(["1", "9.5", "1.0"]))
def test_a_float_literal_beyond_the_bound_or_infinite_is_refused(exponent, mantissa):
    with pytest.raises(FormulaError, match="is too large"):
        Formula.parse(f"ratio(x, pop) - {mantissa}e{exponent}")


@FAST
@given(number=st.integers(0, 10**15))
def test_a_literal_within_the_bound_is_exact(number):
    v, _ = Formula.parse(f"x * 0 + {number}").evaluate(frame({"x": [1.0] * len(INDEX)}))
    assert (v == float(number)).all()


def test_a_400_digit_literal_is_refused_with_an_excerpt_not_the_number():
    with pytest.raises(FormulaError) as err:
        Formula.parse("per_1000(x, pop) + " + "1" * 400)
    problem = err.value.problem
    assert "is too large (at most 1e+15 in absolute value)" in problem
    assert "1" * 80 not in problem and "…" in problem


def test_infinite_literal_1e999_is_refused():
    with pytest.raises(FormulaError, match=r"number '1e999' is too large"):
        Formula.parse("x + 1e999")


def test_nesting_beyond_the_bound_is_refused_not_a_recursion_error():
    with pytest.raises(FormulaError, match=f"more than {MAX_DEPTH} operations nested"):
        Formula.parse("1 / " + "-" * 400 + "x")
    with pytest.raises(FormulaError, match=f"more than {MAX_DEPTH} operations nested"):
        Formula.parse(" + ".join(["x"] * (MAX_DEPTH + 2)))
    assert Formula.parse(" + ".join(["x"] * MAX_DEPTH)).variables == {"x"}


def test_an_overflow_inside_the_formula_is_flagged_not_turned_into_a_number():
    """x / (y · y) with y = 1e200: the denominator overflows to inf, which would make the result 0."""
    data = frame({"x": [1.0] * len(INDEX), "y": [1e200, 2.0, 1e200, 2.0, 2.0, 2.0]})
    v, reason = Formula.parse("x / (y * y)").evaluate(data)
    assert math.isnan(v.iloc[0]) and reason.iloc[0] == "not-finite"
    assert v.iloc[1] == 0.25 and pd.isna(reason.iloc[1])


def test_an_infinite_input_is_flagged_even_where_a_later_step_would_hide_it():
    data = frame({"x": [math.inf, 1.0, 1.0, 1.0, 1.0, 1.0], "y": [2.0] * len(INDEX)})
    v, reason = Formula.parse("y / x").evaluate(data)
    assert math.isnan(v.iloc[0]) and reason.iloc[0] == "not-finite"


def test_messages_quote_at_most_80_characters_of_a_long_formula():
    with pytest.raises(FormulaError) as err:
        Formula.parse("x" * 300 + " ** 2")
    assert "operator Pow" in err.value.problem and "x" * 80 not in err.value.problem
