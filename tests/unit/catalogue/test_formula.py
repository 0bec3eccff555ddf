import math

import pytest

from jstbench.catalogue.formula import FUNCTIONS, Formula, FormulaError


def values(formula, panel):
    v, r = Formula.parse(formula).evaluate(panel)
    return [None if math.isnan(x) else round(x, 6) for x in v], list(r.where(r.notna(), None))


def test_arithmetic_and_precedence(panel):
    v, r = values("x + y * 2 - 1", panel)
    assert v == [13.0, 17.0, None, 13.0, 4.0]
    assert r == [None, None, "missing:x", None, None]


def test_unary_minus_and_constants(panel):
    assert values("-x / 2", panel)[0] == [-5.0, -6.0, None, -2.0, -2.5]


@pytest.mark.parametrize("fn,expected", [
    ("ratio(x, y)", [5.0, 4.0, None, 0.8, None]),
    ("per_capita(x, pop)", [0.01, None, None, 0.01, 0.1]),
    ("per_1000(x, pop)", [10.0, None, None, 10.0, 100.0]),
    ("per_10k(x, pop)", [100.0, None, None, 100.0, 1000.0]),
    ("share(x, pop)", [1.0, None, None, 1.0, 10.0]),
])
def test_scaled_ratios_hand_computed(panel, fn, expected):
    assert values(fn, panel)[0] == expected


def test_division_by_zero_gives_missing_with_reason(panel):
    v, r = values("ratio(x, pop)", panel)
    assert v[1] is None and r[1] == "zero-division:pop"
    v, r = values("x / (y - y)", panel)
    assert all(x is None for x in v)
    assert r[0] == "zero-division:y - y"


def test_missing_input_reason_wins_over_zero_division(panel):
    _, r = values("ratio(x, pop)", panel)
    assert r[2] == "missing:x"


def test_lag_change_pct_change(panel):
    assert values("lag(x)", panel) == ([None, 10.0, None, None, None],
                                       ["no-previous-year:1", None, "no-previous-year:1", "missing:x", "no-previous-year:1"])
    assert values("change(x)", panel)[0] == [None, 2.0, None, None, None]
    assert values("pct_change(x)", panel)[0] == [None, 20.0, None, None, None]
    assert values("lag(y, 1)", panel)[0] == [None, 2.0, None, 4.0, None]


def test_variables_and_functions_are_collected():
    f = Formula.parse("share(a + b, per_capita(c, population))")
    assert f.variables == {"a", "b", "c", "population"}
    assert f.functions == {"share", "per_capita"}


@pytest.mark.parametrize("text,fragment", [
    ("__import__('os').system('x')", "calling anything but a named function"),
    ("open('/etc/passwd')", "function 'open'"),
    ("x.__class__", "Attribute"),
    ("x ** 2", "operator Pow"),
    ("x // 2", "operator FloorDiv"),
    ("lambda: 1", "Lambda"),
    ("[x for x in y]", "ListComp"),
    ("'text'", "constant 'text'"),
    ("True + x", "constant True"),
    ("_private", "name '_private'"),
    ("x if y else 1", "IfExp"),
    ("share(x, y, z)", "takes arguments"),
    ("share(part=x, whole=y)", "keyword arguments"),
    ("lag(x, k)", "must be a whole number"),
    ("lag(x, 0)", "must be a whole number"),
    ("x +", "not a valid expression"),
    ("", "empty"),
    ("x" * 501, "longer than"),
])
def test_unsafe_or_invalid_formulas_are_rejected(text, fragment):
    with pytest.raises(FormulaError) as err:
        Formula.parse(text)
    assert fragment in str(err.value)


def test_evaluate_needs_every_variable(panel):
    with pytest.raises(FormulaError, match="no data column"):
        Formula.parse("ratio(x, nothere)").evaluate(panel)


def test_function_registry_documents_each_function():
    assert {"ratio", "per_capita", "per_1000", "per_10k", "share", "lag", "change", "pct_change"} <= set(FUNCTIONS)
    assert all(f.doc for f in FUNCTIONS.values())
