"""Sources of a variable by years: paragraph sets, line matching, validity (overlaps, gaps, unrecorded breaks), and
the evidence a verified variable needs."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from jstbench.catalogue.model import Variable
from jstbench.catalogue.sources import Break, ParagraphSet, Source, validity_problems


def bdl(bdl_id: str, **kw) -> Source:
    return Source(type="bdl", bdl_id=bdl_id, **kw)


def test_a_three_digit_paragraph_stands_for_any_fourth_digit_and_ranges_span_groups():
    s = ParagraphSet("605-606, 617, 4010")
    assert s.ranges == ((6050, 6069), (6170, 6179), (4010, 4010))
    codes = pd.Series(["6050", "6057", "6069", "6070", "6170", "6179", "6180", "4010", "4017", "0490"])
    assert s.mask(codes).tolist() == [True, True, True, False, True, True, False, True, False, False]
    assert "0490" in ParagraphSet("049") and "0490" not in ParagraphSet("048") and "9999" in ParagraphSet("*")


@pytest.mark.parametrize("spec,message", [("60", "is not a code"), ("606-605", "runs backwards"),
                                          ("605-6060", "mixes 3- and 4-digit"), ("605;606", "is not a code")])
def test_a_malformed_paragraph_set_is_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        ParagraphSet(spec)


def test_an_unquoted_paragraph_read_by_yaml_as_a_number_is_refused():
    with pytest.raises(ValidationError, match="must be quoted"):
        Source(type="budget", report="Rb-27S", paragraphs=490)


def test_line_mask_sums_the_lines_of_the_dzial_rozdzialy_and_paragraphs_less_the_exclusions():
    """Powiat health without 85156; current spending = every paragraph less the capital ones."""
    items = pd.DataFrame({"dzial": ["851", "851", "851", "851", "801"],
                          "rozdzial": ["85111", "85156", "85111", "85149", "80101"],
                          "paragraf": ["4010", "4130", "6050", "4300", "4010"]})
    health = Source(type="budget", report="Rb-28S", dzial="851", exclude_rozdzial="85156", exclude_paragraphs="605-606")
    assert health.line_mask(items).tolist() == [True, False, False, True, False]
    primary = Source(type="budget", report="Rb-28S", dzial="801", rozdzial=["80101"], paragraphs="401")
    assert primary.line_mask(items).tolist() == [False, False, False, False, True]


def test_a_rozdzial_outside_its_dzial_is_refused():
    with pytest.raises(ValidationError, match="rozdział 90002 does not belong to dział 801"):
        Source(type="budget", report="Rb-28S", dzial="801", rozdzial="90002")


def test_validity_in_a_year_and_its_text():
    s = Source(type="budget", report="Rb-28S", dzial="852", valid_to=2016)
    assert s.valid_in(2015) and s.valid_in(2016) and not s.valid_in(2017)
    assert s.years_text() == "do 2016" and bdl("1", valid_from=2017).years_text() == "od 2017"
    assert bdl("1").years_text() == "wszystkie lata" and bdl("1", valid_from=2016, valid_to=2018).years_text() == "2016–2018"


def test_contiguous_sources_with_their_break_recorded_pass():
    sources = [bdl("1", valid_to=2016), bdl("2", valid_from=2017)]
    assert validity_problems(sources, [Break(year=2017, change="nowa zmienna BDL", evidence="KLAS")], 2015, 2024) == []


def test_overlapping_sources_of_one_type_are_refused():
    problems = validity_problems([bdl("1", valid_to=2018), bdl("2", valid_from=2017)],
                                 [Break(year=2017, change="nowa zmienna BDL", evidence="KLAS")], 2015, 2024)
    assert problems == ["bdl sources overlap in 2017–2018"]


def test_a_gap_and_an_unrecorded_break_are_refused():
    assert validity_problems([bdl("1", valid_to=2016), bdl("2", valid_from=2019)], [], 2015, 2024) == [
        "bdl sources leave 2017–2018 without a source", "bdl source from 2019 changes the source: record a break for 2019"]


def test_a_source_starting_after_the_first_year_needs_first_year():
    assert validity_problems([bdl("1", valid_from=2019)], [], 2015, 2024) == [
        "bdl sources start in 2019, after the first year 2015: add a source for 2015–2018, or set the variable's "
        "first_year if it did not exist before"]
    assert validity_problems([bdl("1", valid_from=2019)], [], 2019, 2024) == []


def test_sources_of_different_types_are_alternatives_and_may_cover_the_same_years():
    sources = [Source(type="budget", report="Rb-28S", dzial="801"), bdl("202277", level=["gmina"])]
    assert validity_problems(sources, [], 2015, 2024) == []


def _variable(**kw) -> dict:
    return {"name": "exp_801", "label": {"pl": "Wydatki na oświatę", "en": "Education spending"}, "unit": "zł"} | kw


def test_verified_needs_evidence_for_every_source_and_no_probable_id():
    ok = Variable.model_validate(_variable(sources=[{"type": "bdl", "bdl_id": "202277", "evidence": "MIRROR"}],
                                           status="verified"))
    assert ok.status == "verified"
    with pytest.raises(ValidationError, match=r"status verified needs evidence for every source and no probable ids: "
                                              r"budget \(wszystkie lata\)"):
        Variable.model_validate(_variable(sources=[{"type": "budget", "report": "Rb-28S", "dzial": "801"}], status="verified"))
    with pytest.raises(ValidationError, match="no probable ids"):
        Variable.model_validate(_variable(sources=[{"type": "bdl", "bdl_id": "59", "probable": True, "evidence": "MIRROR"}],
                                          status="verified"))
