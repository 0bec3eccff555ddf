"""Progress towards a target (Open SDG / Statistics Canada method) and the trend forecast, against hand computations."""

from __future__ import annotations

import math

import pytest

from jstbench.stats.progress import cagr, forecast, progress_status, required_cagr


def test_cagr_and_required_cagr():
    assert cagr(100, 121, 2) == pytest.approx(0.1)
    assert required_cagr(100, 50, 2020, 2030) == pytest.approx(0.5 ** 0.1 - 1)  # −0.066967
    assert math.isnan(cagr(0, 10, 2)) and math.isnan(required_cagr(-1, 10, 2020, 2030))


@pytest.mark.parametrize(("latest", "status", "ratio"), [
    (110.25, "on_track", 0.05 / (1.5 ** 0.1 - 1)),  # +5% a year against +4.138% needed: 1.208
    (102.01, "insufficient", 0.01 / (1.5 ** 0.1 - 1)),  # +1% a year: 0.242
    (98.01, "moving_away", -0.01 / (1.5 ** 0.1 - 1)),  # −1% a year: −0.242
])
def test_increase_desired(latest, status, ratio):
    p = progress_status(100, 2020, latest, 2022, 150, 2030, increase=True)
    assert (p.status, p.method) == (status, "cagr")
    assert p.ratio == pytest.approx(ratio)
    assert p.required == pytest.approx(0.041380, abs=1e-6)


def test_moderate_between_60_and_95_per_cent():
    p = progress_status(100, 2020, 100 * 1.03 ** 5, 2025, 150, 2030, increase=True)  # 0.03 / 0.04138 = 0.725
    assert p.status == "moderate" and p.ratio == pytest.approx(0.725, abs=1e-3)


def test_decrease_desired():
    fast = progress_status(100, 2020, 81, 2022, 50, 2030, increase=False)  # −10% a year against −6.697% needed
    assert fast.status == "on_track" and fast.ratio == pytest.approx(-0.1 / (0.5 ** 0.1 - 1))
    slow = progress_status(100, 2020, 95, 2022, 50, 2030, increase=False)  # −2.532% a year: ratio 0.378
    assert slow.status == "insufficient" and slow.ratio == pytest.approx((0.95 ** 0.5 - 1) / (0.5 ** 0.1 - 1))


def test_target_reached_in_either_direction():
    assert progress_status(100, 2020, 150, 2022, 150, 2030, increase=True).status == "target_reached"
    assert progress_status(100, 2020, 49, 2022, 50, 2030, increase=False).status == "target_reached"


def test_thresholds_are_inclusive_at_95_and_60_per_cent():
    # absolute method (baseline 0): 10 needed over 10 years = 1 a year; observed 0.95 and 0.6 a year (exact halves)
    assert progress_status(0, 2020, 1.9, 2022, 10, 2030, increase=True).status == "on_track"
    assert progress_status(0, 2020, 1.2, 2022, 10, 2030, increase=True).status == "moderate"
    assert progress_status(0, 2020, 1.18, 2022, 10, 2030, increase=True).status == "insufficient"


def test_zero_target_uses_absolute_changes_not_a_silent_growth_rate():
    # 4 → 0 by 2030 needs −0.4 a year; 4 → 3 in two years is −0.5 a year: ratio 1.25
    p = progress_status(4, 2020, 3, 2022, 0, 2030, increase=False)
    assert (p.status, p.method) == ("on_track", "absolute")
    assert (p.observed, p.required, p.ratio) == pytest.approx((-0.5, -0.4, 1.25))


def test_negative_baseline_uses_absolute_changes():
    p = progress_status(-10, 2020, 0, 2022, 10, 2030, increase=True)  # +5 a year against +2 needed
    assert (p.status, p.method, p.ratio) == ("on_track", "absolute", pytest.approx(2.5))


def test_keep_the_level_target():
    assert progress_status(50, 2020, 52, 2022, 50, 2030, increase=True).status == "target_reached"
    assert progress_status(50, 2020, 48, 2022, 50, 2030, increase=True).status == "moving_away"


def test_insufficient_data():
    assert progress_status(100, 2020, None, None, 150, 2030, increase=True).status == "insufficient_data"
    assert progress_status(100, 2020, 120, 2020, 150, 2030, increase=True).status == "insufficient_data"


def test_contradictory_inputs_are_refused():
    with pytest.raises(ValueError, match="wrong side"):
        progress_status(100, 2020, 90, 2022, 80, 2030, increase=True)
    with pytest.raises(ValueError, match="not after"):
        progress_status(100, 2020, 90, 2022, 120, 2020, increase=True)


def test_forecast_linear_trend_with_prediction_interval():
    # x = year − 2023: −3..0, y = 10, 12, 13, 15: slope 8/5 = 1.6, level at 2023 14.9, residuals −.1 .3 −.3 .1,
    # s² = 0.2 / 2 = 0.1; at 2025 (x = 2): 14.9 + 3.2 = 18.1, half-width t(0.95, 2 df) · √(0.1 · (1 + 1/4 + 3.5²/5))
    f = forecast([2020, 2021, 2022, 2023], [10, 12, 13, 15], 2025)
    assert f["year"].tolist() == [2024, 2025]
    half = 2.919986 * math.sqrt(0.1 * (1 + 0.25 + 12.25 / 5))
    last = f.iloc[-1]
    assert (last["mean"], last["low"], last["high"]) == pytest.approx((18.1, 18.1 - half, 18.1 + half), abs=1e-5)


def test_forecast_needs_three_points_and_a_later_target_year():
    assert forecast([2020, 2021], [1.0, 2.0], 2030) is None
    assert forecast([2020, 2021, 2022], [1.0, float("nan"), 2.0], 2030) is None  # missing values do not count
    assert forecast([2020, 2021, 2022], [1.0, 2.0, 3.0], 2022) is None
