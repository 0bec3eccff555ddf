"""The good-practice base: one practice file parsed and checked against the catalogue, a register and the
competitions; each bad input is refused with a message naming the file and the field or cell."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from jstbench.catalogue.load import load_catalogue
from jstbench.core.errors import InputError, InputErrors
from jstbench.data.practices import (
    check_practice,
    load_practices,
    parse,
    practice_files,
    write_template_md,
    write_template_xlsx,
)

ROOT = Path(__file__).resolve().parents[3]
GOOD = {
    "id": "test-turek-odpady",
    "title": "Selektywna zbiórka u źródła",
    "unit": "3027011",
    "service": "municipal_waste",
    "indicators": ["waste_separate_share"],
    "period": {"start": 2019, "end": 2021},
    "problem": "Mało odpadów zbieranych selektywnie.",
    "actions": "Worki z kodem kreskowym i informacja zwrotna dla mieszkańców.",
    "costs": [{"description": "Czytniki kodów", "amount_pln": 180000, "year": 2019},
              {"description": "Kampania", "amount_pln": 45000.5}],
    "results": [{"description": "Udział odpadów zebranych selektywnie", "indicator": "waste_separate_share", "unit": "%",
                 "before": {"year": 2018, "value": 12.6}, "after": {"year": 2024, "value": 22.8}}],
    "contact": {"role": "Wydział Gospodarki Komunalnej", "email": "wgk@um.example.pl"},
    "sources": [{"title": "Uchwała rady", "url": "https://bip.example.pl/uchwala"}],
    "date": "2024-05-15",
    "status": "submitted",
}
UNITS = pd.DataFrame({"code": ["3027011", "0216"], "name": ["Turek", "polkowicki"], "kind": ["gmina_urban", "powiat"],
                      "population_class": ["20-50k", "50-100k"]}).set_index("code", drop=False)
AWARDS = {"demo-2024": {"e01": "3027011", "e02": "0262011"}}


@pytest.fixture(scope="module")
def cat():
    return load_catalogue(ROOT / "methodology" / "catalogue")


def write(tmp_path: Path, name: str = "p.yml", **changes: object) -> Path:
    data = {**GOOD, **changes}
    path = tmp_path / name
    if name.endswith(".md"):
        body = data.pop("description", "")
        path.write_text("---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n\n" + body, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problems(exc: pytest.ExceptionInfo) -> list[str]:
    errors = exc.value.errors if isinstance(exc.value, InputErrors) else [exc.value]
    return [e.message for e in errors]


def test_a_good_practice_parses_with_its_totals(tmp_path, cat):
    p = parse(write(tmp_path))
    assert p.unit == "3027011" and p.period.start == 2019
    assert p.cost_total == 225000.5  # 180 000 + 45 000,5
    assert check_practice(p, tmp_path / "p.yml", cat, UNITS, AWARDS) == []


def test_markdown_body_becomes_the_description(tmp_path):
    p = parse(write(tmp_path, "p.md", description="Długi **opis** praktyki."))
    assert p.description == "Długi **opis** praktyki."


def test_unknown_unit_is_named(tmp_path, cat):
    path = write(tmp_path, unit="3027012")
    errors = check_practice(parse(path), path, cat, UNITS, AWARDS)
    assert [e.message for e in errors] == [f"{path}: unit: unknown unit '3027012': not in the units register"]


def test_unknown_indicator_is_named(tmp_path, cat):
    path = write(tmp_path, indicators=["waste_separate_share", "waste_magic"],
                 results=[{**GOOD["results"][0]}])  # type: ignore[dict-item]
    [err] = check_practice(parse(path), path, cat, UNITS, AWARDS)
    assert err.where == "indicators[1]" and "unknown indicator 'waste_magic'" in err.problem


def test_indicator_of_another_unit_kind_is_refused(tmp_path, cat):
    path = write(tmp_path, unit="0216")  # a powiat does not collect municipal waste
    errors = check_practice(parse(path), path, cat, UNITS, AWARDS)
    assert any("does not apply to a powiat" in e.problem for e in errors)


def test_results_without_years_are_refused(tmp_path):
    result = {"description": "Mniej skarg", "before": {"value": 10}, "after": {"year": 2024, "value": 5}}
    with pytest.raises(InputErrors) as exc:
        parse(write(tmp_path, results=[result]))
    [msg] = problems(exc)
    assert "results[0]" in msg and "a result needs the year of each value: `before" in msg


def test_result_after_before_its_baseline_is_refused(tmp_path):
    result = {**GOOD["results"][0], "after": {"year": 2017, "value": 30}}  # type: ignore[dict-item]
    with pytest.raises(InputErrors) as exc:
        parse(write(tmp_path, results=[result]))
    assert "after.year 2017 must be later than before.year 2018" in problems(exc)[0]


def test_award_status_without_a_competition_record_is_refused(tmp_path, cat):
    with pytest.raises(InputErrors) as exc:
        parse(write(tmp_path, status="awarded"))
    assert "status 'awarded' needs the competition record" in problems(exc)[0]
    path = write(tmp_path, status="awarded", award={"competition": "slz-2011", "entry": "e01"})
    [err] = check_practice(parse(path), path, cat, UNITS, AWARDS)
    assert err.where == "award.competition" and "no record (known competitions: demo-2024)" in err.problem


def test_award_of_an_entry_of_another_unit_is_refused(tmp_path, cat):
    path = write(tmp_path, status="awarded", award={"competition": "demo-2024", "entry": "e02"})
    [err] = check_practice(parse(path), path, cat, UNITS, AWARDS)
    assert "entry 'e02' of competition 'demo-2024' is of unit 0262011, not 3027011" in err.problem


def test_a_person_as_contact_is_refused(tmp_path):
    with pytest.raises(InputErrors) as exc:
        parse(write(tmp_path, contact={"role": "Naczelnik", "nazwisko": "Kowalski"}))
    assert "contact gives a person (nazwisko)" in problems(exc)[0]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "https://x.pl/<script>"])
def test_only_web_addresses_are_sources(tmp_path, url):
    with pytest.raises(InputErrors) as exc:
        parse(write(tmp_path, sources=[{"title": "Link", "url": url}]))
    assert "sources[0].url" in problems(exc)[0]


def test_source_file_outside_the_base_is_refused(tmp_path, cat):
    base = tmp_path / "base"
    base.mkdir()
    (tmp_path / "secret.txt").write_text("x")
    path = write(base, sources=[{"title": "Plik", "file": "../secret.txt"}])
    [err] = check_practice(parse(path), path, cat, UNITS, AWARDS, base)
    assert "outside the practice base" in err.problem


def test_non_finite_values_and_a_cost_below_zero_are_refused(tmp_path):
    result = {**GOOD["results"][0], "after": {"year": 2024, "value": float("inf")}}  # type: ignore[dict-item]
    with pytest.raises(InputErrors) as exc:
        parse(write(tmp_path, results=[result], costs=[{"description": "Zwrot", "amount_pln": -5}]))
    msgs = problems(exc)
    assert any("results[0].after.value" in m for m in msgs) and any("costs[0].amount_pln" in m for m in msgs)


def test_every_problem_of_every_file_is_reported_together(tmp_path, cat):
    write(tmp_path, "a.yml", unit="3027012")
    write(tmp_path, "b.yml", id="test-drugi", indicators=["nope"], results=[])
    write(tmp_path, "c.yml")  # valid; its id is also used by a.yml, which is invalid anyway
    with pytest.raises(InputErrors) as exc:
        load_practices([tmp_path], cat, UNITS, AWARDS)
    msgs = problems(exc)
    assert any("a.yml: unit: unknown unit" in m for m in msgs)
    assert any("b.yml: results" in m for m in msgs)  # at least one result is required
    assert any("c.yml: id: practice id 'test-turek-odpady' is also used by" in m for m in msgs)


def test_front_matter_is_required(tmp_path):
    path = tmp_path / "p.md"
    path.write_text("# Tylko tekst\n", encoding="utf-8")
    with pytest.raises(InputError, match="no YAML front matter"):
        parse(path)


def test_folder_listing_skips_templates_and_hidden_files(tmp_path):
    for name in ("a.md", "b.yml", "_szablon.md", ".x.yml", "notes.txt"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in practice_files([tmp_path])] == ["a.md", "b.yml"]


def test_markdown_template_is_a_starting_point(tmp_path):
    """The blank template is valid but for its placeholder TERYT code, which the check names."""
    path = tmp_path / "szablon.md"
    write_template_md(path)
    with pytest.raises(InputErrors) as exc:
        parse(path)
    [msg] = problems(exc)
    assert msg.startswith(f"{path}: unit: unit code '0000000' is not a TERYT code")


def fill_xlsx(path: Path, values: dict[str, object], results: list[list[object]]) -> None:
    wb = load_workbook(path)
    ws = wb["Praktyka"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in values:
            row[2].value = values[row[0].value]
    for n, r in enumerate(results):
        for j, v in enumerate(r, start=1):
            wb["Wyniki"].cell(3 + n, j).value = v
    wb.save(path)


XLSX_FIELDS = {"id": "test-xlsx", "title": "Praktyka z arkusza", "unit": "3027011", "service": "municipal_waste",
               "indicators": "waste_separate_share", "period.start": 2019, "problem": "Problem do rozwiązania.",
               "actions": "Działania opisane w arkuszu.", "contact.role": "Sekretariat urzędu", "date": "2024-06-01",
               "status": "submitted"}


def test_excel_template_round_trip(tmp_path, cat):
    path = tmp_path / "zgloszenie.xlsx"
    write_template_xlsx(path, cat)
    fill_xlsx(path, XLSX_FIELDS, [["Więcej segregacji", "waste_separate_share", "%", 2018, 12.6, 2024, 22.8]])
    p = parse(path)
    assert p.indicators == ["waste_separate_share"] and p.results[0].after.value == 22.8


def test_excel_errors_name_the_sheet_and_cell(tmp_path, cat):
    path = tmp_path / "zgloszenie.xlsx"
    write_template_xlsx(path, cat)
    fill_xlsx(path, XLSX_FIELDS | {"status": "wonderful"}, [["Więcej segregacji", None, "%", None, 12.6, 2024, 22.8]])
    with pytest.raises(InputErrors) as exc:
        parse(path)
    msgs = problems(exc)
    assert any("Praktyka!C16 (Status): Input should be" in m for m in msgs), msgs
    assert any("Wyniki!A3: a result needs the year" in m for m in msgs), msgs


def test_excel_code_typed_as_a_number_is_refused(tmp_path, cat):
    path = tmp_path / "zgloszenie.xlsx"
    write_template_xlsx(path, cat)
    fill_xlsx(path, XLSX_FIELDS | {"unit": 216}, [])
    with pytest.raises(InputError, match=r"Praktyka!C4: the TERYT code is a number"):
        parse(path)


def test_workbook_of_another_template_version_is_refused(tmp_path, cat):
    path = tmp_path / "stary.xlsx"
    write_template_xlsx(path, cat)
    wb = load_workbook(path)
    wb["INFO"]["B2"] = 0
    wb.save(path)
    with pytest.raises(InputError, match=r"INFO!B2: template version 0"):
        parse(path)


def test_a_file_that_is_not_a_workbook_says_so(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable .xlsx workbook"):
        parse(path)


def test_the_demo_base_is_valid_and_clearly_synthetic(cat):
    loaded = load_practices([ROOT / "params" / "practices"], cat, None, AWARDS | {"demo-2024": {
        "e01": "3027011", "e02": "0262011"}})
    assert len(loaded) >= 5
    assert all(x.practice.synthetic and "fikcyjna" in x.practice.description for x in loaded)
