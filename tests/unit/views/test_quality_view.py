"""The data-quality page's computations on small hand-made frames (expected values counted by hand)."""

import pandas as pd

from jstbench.views.quality import (
    details,
    flagged_by_indicator,
    indicator_href,
    missing_reasons,
    priority,
    register_coverage,
    source_flag_text,
    source_text,
)

NAN = float("nan")


def test_register_coverage_counts_units_with_data_by_kind_in_the_register_order():
    units = pd.DataFrame({"code": ["g1", "g2", "p1", "c1"], "kind": ["gmina_rural", "gmina_rural", "powiat", "city_powiat"]})
    out = register_coverage(units, ["g1", "p1", "x"])  # "x" is not in the register: not counted
    assert out["kind"].tolist() == ["gmina_rural", "city_powiat", "powiat"]
    assert out["register"].tolist() == [2, 1, 1]
    assert out["with_data"].tolist() == [1, 0, 1]
    assert out["without"].tolist() == [1, 1, 0]
    assert out["coverage_pct"].tolist() == [50.0, 0.0, 100.0]


def test_missing_reasons_count_missing_values_only_most_frequent_first_ties_by_reason():
    values = pd.DataFrame({"value": [NAN, NAN, NAN, NAN, NAN, 1.0],
                           "reason": ["missing:b", "missing:a", "missing:b", "missing:a", None, "missing:c"]})
    out = missing_reasons(values)
    assert out.to_dict() == {"missing:a": 2, "missing:b": 2, "missing": 1}
    assert out.index.tolist() == ["missing:a", "missing:b", "missing"]


def test_flagged_by_indicator_counts_each_flag_and_values_once_in_the_total():
    report = pd.DataFrame({"indicator": ["i2", "i1", "i1", "i3"],
                           "quality": ["impossible-share", "outlier,jump", "jump", "input-flag"]})
    out = flagged_by_indicator(report).set_index("indicator")
    assert out.index.tolist() == ["i1", "i2", "i3"]  # two flagged values first, then by id
    assert out.loc["i1", ["outlier", "jump", "impossible-share", "input-flag", "total"]].tolist() == [1, 2, 0, 0, 2]
    assert out.loc["i2", "impossible-share"] == 1 and out.loc["i2", "total"] == 1
    assert out.loc["i3", "input-flag"] == 1 and out.loc["i3", "outlier"] == 0


def test_priority_puts_wrong_or_uncertain_data_first_then_the_largest_deviation():
    report = pd.DataFrame({"unit": ["a", "b", "c", "d", "e", "f"],
                           "quality": ["jump", "outlier", "impossible-share", "outlier", "jump", "input-flag"],
                           "z": [0.5, -9.0, NAN, 4.0, NAN, 1.0], "change": [0.8, 0.1, NAN, NAN, 2.0, NAN]})
    assert priority(report)["unit"].tolist() == ["f", "c", "b", "d", "a", "e"]


def test_source_flags_are_polish_and_an_unknown_flag_is_quoted():
    assert source_flag_text("not-available") == "brak danych w źródle"
    assert source_flag_text("zero-placeholder") == "zero zamiast braku danych (wczytane jako brak)"
    assert source_flag_text("(bez flagi)") == "bez flagi"
    assert source_flag_text("part-missing,e") == "brak części składowych sumy; flaga źródła „e”"


def test_source_text_names_the_variable_and_where_to_look_it_up():
    meta = {"sources": [{"type": "form", "form": "decyzje"}, {"type": "register"}, {"type": "bdl", "bdl_id": ["72305"]}]}
    assert source_text("population", meta) == "population; formularz decyzje; rejestr; BDL 72305"
    assert source_text("x", None) == "x"


def test_indicator_links_point_to_the_site_next_to_the_series_and_quote_the_id():
    assert indicator_href("edu_cost") == "../site/indicators/edu_cost.html"
    assert indicator_href("a/b c") == "../site/indicators/a%2Fb%20c.html"


def test_details_escapes_its_summary_and_keeps_the_body():
    html = details("Wszystkie <b>", "<table></table>")
    assert html == "<details class='jst-details'><summary>Wszystkie &lt;b&gt;</summary><table></table></details>"
