"""Learning from each other end to end in the small project's `voice` series (tests/conftest.py): CAF reports per
authority and assessment, the good-practice section of authority reports linked to the practices' pages, and the
series index."""

from __future__ import annotations

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from jstbench.series.folder import SeriesFolder

from ..conftest import reports


def test_a_caf_report_per_authority_and_assessment(voice_built):
    folder, manifest = voice_built
    cafs = reports(manifest, "caf")
    assert sorted(cafs) == ["1661011-2024", "2814042-2022", "2814042-2024", "3064011-2022", "3064011-2024"]
    assert all(r["status"] == "ok" for r in cafs.values()), [r["error"] for r in cafs.values()]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "Samoocena CAF" in index and "caf/3064011-2024.html" in index
    assert "../site/praktyki/index.html" in index


def test_caf_report_shows_change_spread_and_the_group(voice_built):
    folder, _ = voice_built
    page = BeautifulSoup((folder / "caf" / "3064011-2024.html").read_text(encoding="utf-8"), "html.parser")
    text = page.get_text(" ")
    assert len(page.find_all("h1")) == 1
    assert "2022" in text  # the change on the previous assessment names it
    crit = SeriesFolder(folder / "data").read("caf_criteria", [("unit", "==", "3064011"), ("assessment", "==", "2024")])
    overall = crit.set_index("item").loc["overall"]
    # three authorities assessed in 2024 and the series' min_n is 3: the distribution is shown
    assert overall["group_n"] == 3 and not overall["suppressed"]
    assert overall["change"] == pytest.approx(overall["score"] - overall["previous"])
    assert page.find("img") is not None and page.find("img").get("alt")


def test_the_good_practice_section_follows_the_links_table(voice_built):
    folder, manifest = voice_built
    data = SeriesFolder(folder / "data")
    links = data.read("practice_links")
    improved = data.read("practice_improvements").set_index(["practice", "indicator"])
    assert len(data.read("practices")) >= 5
    # every linked practice improved on the indicator, the unit lags there, at most 3 per indicator
    assert not links.empty
    assert all(improved.loc[(r.practice, r.indicator), "improved"] for r in links.itertuples())
    assert (links["percentile"] < 50).all() and links.groupby(["unit", "indicator"]).size().max() <= 3
    assert (links["unit"] != links["practice_unit"]).all()
    for code, r in reports(manifest, "unit").items():
        if r["status"] != "ok":
            continue
        page = BeautifulSoup((folder / r["html"]).read_text(encoding="utf-8"), "html.parser")
        section = page.find(id="dobre-praktyki")
        mine = links[links["unit"] == code]
        assert section is not None  # the series links practices: every report has the section
        hrefs = {a["href"] for a in section.find_parent().find_all("a") if "praktyki/" in a["href"]}
        assert hrefs == {f"../../site/praktyki/{p}.html" for p in mine["practice"]}


def test_practice_improvements_are_measured_on_the_series_data(voice_built):
    folder, _ = voice_built
    data = SeriesFolder(folder / "data")
    imp = data.read("practice_improvements")
    row = imp[imp["practice"] == "demo-turek-selektywna-zbiorka"].iloc[0]
    values = data.read("values", [("unit", "==", "3027011"), ("indicator", "==", "waste_separate_share")])
    values = values.set_index("year")["value"]
    assert row["before_year"] == 2018 and row["before"] == pytest.approx(values[2018])
    assert row["after"] == pytest.approx(values[int(row["after_year"])])
    assert row["better"] == pytest.approx(row["after"] - row["before"])  # higher is better
    assert pd.notna(row["better_rel"])
