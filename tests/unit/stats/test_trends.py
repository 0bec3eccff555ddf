import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jstbench.catalogue.deflators import load_deflators
from jstbench.core.errors import InputError
from jstbench.stats.trends import cagr, cagr_table, is_money, linear_trend, price_level, to_real

from ...conftest import ROOT

DEFLATORS = ROOT / "methodology" / "catalogue" / "deflators.yml"


def test_cagr_hand_computed():
    assert cagr(100, 121, 2) == pytest.approx(0.10)
    assert cagr(200, 100, 1) == pytest.approx(-0.5)
    assert cagr(50, 50, 7) == 0.0
    assert cagr(100, 1000, 3) == pytest.approx(10 ** (1 / 3) - 1)


@pytest.mark.parametrize("first, last, years", [(0, 10, 2), (-5, 10, 2), (10, 0, 2), (10, -1, 2), (10, 20, 0), (10, 20, -1), (math.nan, 1, 1)])
def test_cagr_undefined_is_nan(first, last, years):
    assert math.isnan(cagr(first, last, years))


def test_cagr_table_uses_first_and_last_year_with_a_value_in_the_window():
    v = pd.DataFrame({"unit": ["a"] * 4 + ["b"] * 3 + ["c"], "indicator": "i",
                      "year": [2019, 2020, 2021, 2022, 2020, 2021, 2022, 2024],
                      "value": [1.0, 100.0, np.nan, 121.0, 50.0, 80.0, np.nan, 7.0]})
    t = cagr_table(v, start=2020, end=2023).set_index("unit")
    assert t.loc["a", ["first_year", "last_year", "first", "last"]].tolist() == [2020, 2022, 100.0, 121.0]
    assert t.loc["a", "cagr"] == pytest.approx(0.10)  # 2019 is outside the window, 2021 is missing
    assert t.loc["b", ["first_year", "last_year"]].tolist() == [2020, 2021]  # 2022 is missing
    assert t.loc["b", "cagr"] == pytest.approx(0.6)
    assert pd.isna(t.loc["c", "first_year"]) and math.isnan(t.loc["c", "cagr"])  # 2024 only: outside, still listed
    whole = cagr_table(v).set_index("unit")
    assert whole.loc["a", "cagr"] == pytest.approx(121 ** (1 / 3) - 1)
    assert whole.loc["c", ["first_year", "last_year"]].tolist() == [2024, 2024] and math.isnan(whole.loc["c", "cagr"])


def test_linear_trend_against_hand_computed_least_squares():
    years, values = [2020, 2021, 2022, 2023, 2024], [1, 3, 2, 5, 4]
    # x − x̄ = −2..2, Sxx = 10, Sxy = (−2)(1) + (−1)(3) + 0 + 5 + 2(4) = 8 -> slope 0.8, intercept at x̄ = 3
    # residuals: 1 − 1.4, 3 − 2.2, 2 − 3, 5 − 3.8, 4 − 4.6 -> SSE = .16 + .64 + 1 + 1.44 + .36 = 3.6; SST = 10
    t = linear_trend(years, values, alpha=0.1)
    se = math.sqrt(3.6 / 3 / 10)
    crit = stats.t.ppf(0.95, 3)
    assert t["slope"] == pytest.approx(0.8)
    assert t["lo"] == pytest.approx(0.8 - crit * se) and t["hi"] == pytest.approx(0.8 + crit * se)
    assert t["p_value"] == pytest.approx(2 * stats.t.sf(0.8 / se, 3))
    assert t["r2"] == pytest.approx(1 - 3.6 / 10) and t["n"] == 5


def test_linear_trend_drops_nans_and_needs_three_points():
    t = linear_trend([2020, 2021, 2022, 2023, 2024, 2025], [1, 3, 2, 5, 4, np.nan])
    assert t["slope"] == pytest.approx(0.8) and t["n"] == 5
    short = linear_trend([2020, 2021, 2022], [1, np.nan, 2])
    assert short["n"] == 2 and all(math.isnan(short[k]) for k in ("slope", "lo", "hi", "p_value", "r2"))
    assert math.isnan(linear_trend([2024] * 3, [1, 2, 3])["slope"])  # one year: no trend
    flat = linear_trend([2020, 2021, 2022], [5, 5, 5])
    assert (flat["slope"], flat["lo"], flat["hi"]) == (0.0, 0.0, 0.0) and math.isnan(flat["r2"])


def test_linear_trend_log_reports_growth_per_year():
    years = np.arange(2015, 2025)
    exact = linear_trend(years, 100 * 1.05 ** (years - 2015), log=True)
    assert exact["slope"] == pytest.approx(0.05) and exact["r2"] == pytest.approx(1.0)
    assert exact["slope"] == pytest.approx(cagr(100, 100 * 1.05 ** 9, 9))
    noisy = linear_trend([2020, 2021, 2022, 2023, 2024], np.exp([1, 3, 2, 5, 4]), log=True, alpha=0.1)
    half = stats.t.ppf(0.95, 3) * math.sqrt(3.6 / 3 / 10)
    assert noisy["slope"] == pytest.approx(math.exp(0.8) - 1)
    assert noisy["lo"] == pytest.approx(math.exp(0.8 - half) - 1) and noisy["hi"] == pytest.approx(math.exp(0.8 + half) - 1)
    assert math.isnan(linear_trend([2020, 2021, 2022], [1, 0, 2], log=True)["slope"])


def test_real_deflators_file_loads():
    d = load_deflators(DEFLATORS)
    cpi = d["cpi"]
    assert cpi.basis == "previous year = 100" and cpi.status == "to-verify" and "verif" in cpi.note
    assert list(cpi.values) == list(range(2010, 2025)) and cpi.values[2022] == 114.4


def test_price_level_chains_the_indices():
    cpi = load_deflators(DEFLATORS)["cpi"]
    level = price_level(cpi, 2024)
    assert level[2024] == 1.0
    assert level[2023] == pytest.approx(1 / 1.036)
    assert level[2022] == pytest.approx(1 / 1.036 / 1.114)
    assert level[2021] == pytest.approx(1 / 1.036 / 1.114 / 1.144)
    assert level.index.min() == 2009  # the 2010 index links 2010 to 2009
    assert price_level(cpi, 2021)[2022] == pytest.approx(1.144)
    with pytest.raises(InputError, match="base year 2030"):
        price_level(cpi, 2030)
    with pytest.raises(InputError, match="base year 2008"):
        price_level(cpi, 2008)


def test_to_real_deflates_and_says_which_years_it_cannot():
    level = pd.Series({2022: 1 / 1.036 / 1.114, 2023: 1 / 1.036, 2024: 1.0}, name="cpi")
    v = pd.DataFrame({"unit": "a", "year": [2021, 2022, 2023, 2024], "value": [90.0, 100.0, 100.0, 100.0]})
    r = to_real(v, level, 2024)
    assert len(r) == 4 and r["value"].tolist() == v["value"].tolist()
    assert math.isnan(r["value_real"][0])  # 2021 is before the deflator's first year
    assert r["value_real"][1:].tolist() == pytest.approx([100 * 1.036 * 1.114, 103.6, 100.0])
    assert to_real(v, level, 2023)["value_real"][3] == pytest.approx(100 / 1.036)  # rebased to 2023 prices
    with pytest.raises(InputError, match="base year 2020"):
        to_real(v, level, 2020)


def test_is_money():
    for unit in ("zł na mieszk.", "tys. zł", "zł/t", "zł/m³", "mln zł"):
        assert is_money(unit), unit
    for unit in ("%", "% dochodów w zł", "osoby na 1000", "kWh/m²", "dni"):
        assert not is_money(unit), unit


GOOD = {"values": "{2010: 101.0, 2011: 102.0}", "extra": "", "url": "'https://stat.gov.pl/'"}


def deflator_file(tmp_path, **changes):
    f = GOOD | changes
    path = tmp_path / "deflators.yml"
    path.write_text(f"""deflators:
- id: cpi
  name_pl: CPI
  name_en: CPI
  source: {{publisher: GUS, title: t, url: {f['url']}, retrieved: 2024-01-01}}
  basis: previous year = 100
  values: {f['values']}
{f['extra']}""", encoding="utf-8")
    return path


@pytest.mark.parametrize("changes, where, problem", [
    ({"values": "{2010: 101.0, 2012: 102.0}"}, "deflators[0].values", "missing [2011]"),
    ({"values": "{2010: -1.0, 2011: 100.0}"}, "deflators[0].values", "positive"),
    ({"values": "{2010: 0, 2011: 100.0}"}, "deflators[0].values", "positive"),
    ({"extra": "  colour: red\n"}, "deflators[0].colour", "Extra inputs"),
    ({"values": "{2010: abc, 2011: 100.0}"}, "deflators[0].values[2010]", "valid number"),
    ({"values": "{year2010: 100.0}"}, "deflators[0].values.year2010", "valid integer"),
    ({"url": "stat.gov.pl"}, "deflators[0].source.url", "URL"),
    ({"extra": "- id: cpi\n  name_pl: x\n  name_en: x\n  source: {publisher: G, title: t, url: 'https://x.pl', retrieved: 2024-01-01}\n"
               "  basis: previous year = 100\n  values: {2010: 100}\n"}, "deflators", "duplicate deflator ids ['cpi']"),
])
def test_bad_deflator_files_name_file_and_field(tmp_path, changes, where, problem):
    path = deflator_file(tmp_path, **changes)
    with pytest.raises(InputError) as err:
        load_deflators(path)
    assert str(path) in str(err.value) and f": {where}" in str(err.value) and problem in str(err.value)


def test_good_deflator_file_loads(tmp_path):
    assert load_deflators(deflator_file(tmp_path))["cpi"].values == {2010: 101.0, 2011: 102.0}


def test_linear_trends_at_once_equal_statsmodels_one_by_one():
    import pandas as pd

    from jstbench.stats.trends import linear_trends

    rng = np.random.default_rng(3)
    rows = []
    for k in range(40):
        n = int(rng.integers(1, 9))
        years = np.arange(2024 - n + 1, 2025)
        values = 100 * np.exp(0.03 * (years - 2020) + rng.normal(0, 0.1, n))
        if k % 7 == 0:
            values[-1] = np.nan  # dropped, as linear_trend drops it
        if k % 11 == 0:
            values[:] = 50.0  # flat: slope 0
        if k % 13 == 5:
            values[0] = -1.0  # a non-positive value: no log trend
        rows += [("u", f"i{k}", y, v) for y, v in zip(years, values, strict=True)]
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "year", "value"])
    got = linear_trends(frame, ["unit", "indicator"], alpha=0.1, log=True).set_index("indicator")
    got = got.reindex(sorted(frame["indicator"].unique())).fillna({"n": 0})  # a group without a value has no row
    for ind, part in frame.groupby("indicator"):
        want = linear_trend(part["year"], part["value"], alpha=0.1, log=True)
        for col in ("slope", "lo", "hi"):
            assert np.isclose(got.loc[ind, col], want[col], rtol=1e-9, atol=1e-12, equal_nan=True), (ind, col)
        assert got.loc[ind, "n"] == part["value"].notna().sum()
