"""A catalogue indicator with another formula (the researchers' variant), validated like a catalogue entry."""

from __future__ import annotations

from jstbench.catalogue.formula import Formula
from jstbench.catalogue.model import Catalogue, Indicator
from jstbench.core.errors import InputError


def variant_of(ind: Indicator, formula_text: str, catalogue: Catalogue) -> Indicator:
    """The indicator with another formula, validated like a catalogue entry (never evaluated as Python)."""
    parsed = Formula.parse(formula_text)
    unknown = sorted(parsed.variables - set(catalogue.variables))
    if unknown:
        raise InputError(f"unknown variable(s) {unknown}; known: {', '.join(sorted(catalogue.variables))}",
                         "variant_formula")
    data = ind.model_dump()
    data.update(formula=formula_text, variables=sorted(parsed.variables))
    return Indicator.model_validate(data)
