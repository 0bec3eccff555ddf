"""How coverage is said in the reports."""

from jstbench.core.text import NBSP
from jstbench.core.units import KIND_GROUPS
from jstbench.views.wording import coverage_text, say, units_noun, withheld_values

GMINAS = KIND_GROUPS["all_gminas"]


def test_the_national_median_says_how_many_units_it_rests_on():
    text = say("national.median", median="12,3", coverage=coverage_text(195, 2477, GMINAS))
    assert text == f"Mediana krajowa: 12,3 (dane ma 195 z 2{NBSP}477 gmin)"


def test_a_withheld_median_says_why_with_the_numbers():
    text = say("national.withheld", **withheld_values(195, 2477, GMINAS, 0.5))
    assert text == (f"Mediany krajowej i pozycji w kraju nie podajemy: dane ma tylko 195 z 2{NBSP}477 gmin (8%), a wymagamy "
                    "co najmniej 50%.")


def test_units_are_named_by_their_kinds():
    assert units_noun(KIND_GROUPS["all_powiats"], 380) == "powiatów"
    assert units_noun(["gmina_rural"], 1) == "gminy"
    assert units_noun(KIND_GROUPS["all"], 2791) == "JST"
    assert coverage_text(2, 4, ["gmina_rural"]) == "2 z 4 gmin"
