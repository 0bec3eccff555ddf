import pytest

from jstbench.core.text import esc, num, pct, reason_text
from jstbench.core.units import check_code, expand_kinds, population_class


def test_polish_number_format():
    assert num(12345.678, 1) == "12\u00a0345,7"
    assert num(-0.5, 2) == "−0,50"
    assert num(3.0, 1, signed=True) == "+3,0"
    assert num(float("nan")) == "–"
    assert num(-0.04, 1) == "0,0" and num(0.004, 2, signed=True) == "0,00"  # no signed zero
    assert pct(42.4) == "42%"


def test_reason_text_in_polish():
    labels = {"population": "Ludność"}
    assert reason_text("missing:population", labels) == "brak danych: Ludność"
    assert reason_text("zero-division:population", labels) == "dzielenie przez zero (Ludność = 0)"
    assert reason_text("no-previous-year:1") == "brak danych za rok poprzedni"
    assert reason_text(None) == ""


def test_escape():
    assert esc('<script>"x" & y</script>') == "&lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt;"


@pytest.mark.parametrize("code", ["0201011", "3064011", "0214", "2207043"])
def test_valid_codes(code):
    assert check_code(code) == code


@pytest.mark.parametrize("code,msg", [
    (201011, "is a int"), ("201011", "not a TERYT code"), ("0201014", "not a TERYT code"),
    ("02a1011", "not a TERYT code"), (214, "is a int"),
])
def test_invalid_codes(code, msg):
    with pytest.raises(ValueError, match=msg):
        check_code(code)


def test_population_class_bounds():
    assert population_class(4_999) == "lt5k"
    assert population_class(5_000) == "5-10k"
    assert population_class(299_999) == "100-300k"
    assert population_class(300_000) == "300k+"


def test_expand_kinds():
    assert expand_kinds(["all_powiats"]) == ["powiat", "city_powiat"]
    assert expand_kinds(["gmina_rural", "all_gminas"]) == ["gmina_rural", "gmina_urban", "gmina_urban_rural", "city_powiat"]


@pytest.mark.parametrize("code", ["٠٢٠١٠١١", "0201011\n", "0201\n", "０２０１"])
def test_unit_codes_are_ascii_digits_matched_whole(code):
    """Non-ASCII digits (Arabic-Indic, full-width) and a trailing newline are not TERYT codes."""
    with pytest.raises(ValueError, match="is not a TERYT code"):
        check_code(code)
