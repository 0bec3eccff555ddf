"""The reports' charts: Polish numbers on every axis, whole names, a legend per figure clear of the data, no
red–green and no colour-only cue, text alternatives written from the data, no backend forced on import."""

import base64
import os
import re
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from jstbench.core.text import esc, num
from jstbench.views import charts
from jstbench.views.fair import GroupFair, UnitFair
from jstbench.views.report import GroupView, UnitView

MINUS, NBSP = "\u2212", "\u00a0"


@pytest.fixture(autouse=True, scope="module")
def house_style():
    charts.setup()  # SVG text as text, among others


def tick_texts(svg: str) -> list[str]:
    """The SVG's numbers (tick labels): texts of digits, separators and signs only."""
    return [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if re.fullmatch(r"[\d\s,.+\-\u2212\u00a0]*\d[\d\s,.\-\u2212\u00a0]*", t)]


def drawn(fig):
    FigureCanvasAgg(fig).draw()
    return fig.canvas.get_renderer()


def test_every_axis_has_polish_numbers():
    fig = charts.PolishFigure(figsize=(4, 3))
    ax = fig.subplots()
    ax.plot([-1500.5, 0, 2500.25], [-0.25, 0.5, 1.25])
    texts = tick_texts(charts.svg(fig))
    assert any(MINUS in t for t in texts) and any(NBSP in t for t in texts) and any("," in t for t in texts)
    assert not any("." in t or "-" in t for t in texts)


def test_figures_made_elsewhere_get_polish_numbers_too():
    fig, ax = plt.subplots()  # e.g. a researcher's own pyplot figure, shown through charts.show
    ax.plot([0, 1], [0.125, 0.375])
    texts = tick_texts(charts.svg(fig))
    assert any("," in t for t in texts) and not any("." in t for t in texts)
    fig = charts.PolishFigure()  # and a chart saved to PNG (the diagnostics pages) without going through `svg`
    ax = fig.subplots()
    ax.plot([0, 1], [-0.5, 0.5])
    drawn(fig)
    assert any(t.get_text().startswith(MINUS) for t in ax.get_yticklabels())


def test_names_are_wrapped_at_words_with_an_ellipsis_at_the_end():
    assert charts.label("Biała Podlaska", 24) == "Biała Podlaska"
    assert charts.label("Biała Podlaska", 8) == "Biała\nPodlaska"
    long = charts.label("Powierzchnia objęta miejscowymi planami zagospodarowania przestrzennego", 20)
    assert long.endswith("…") and long.count("\n") == 1
    words = set("Powierzchnia objęta miejscowymi planami zagospodarowania przestrzennego".split())
    assert all(w in words for w in long.removesuffix("…").split())  # whole words only, from the start


def test_the_library_does_not_pick_a_backend():
    code = "import matplotlib, jstbench.views.charts; print(matplotlib.get_backend())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "MPLBACKEND": "svg"})
    assert out.stdout.strip() == "svg"


@pytest.fixture(scope="module")
def views(small_project, small_series):
    data = small_project / "output" / "tests" / "data"
    charts.setup()
    unit = UnitView(data, "3064011", 2024)
    group = GroupView(data, "miasta-oswiata", 2024)
    return unit, UnitFair(unit), group, GroupFair(group)


@pytest.fixture(scope="module")
def figures(views):
    unit, fair, group, group_fair = views
    definition, rows = group_fair.composites()[0]
    names = {c: group.s.unit_name(c) for c in group.group["members"]}
    highlight = group.group["members"][1]
    return {
        "sector": charts.sector_figure(unit, "education", fair=fair),
        "expected": charts.expected_figure(fair.expected_table(unit.chart_sectors("all"))),  # the old call
        "heatmap": charts.group_heatmap(group, sector=group.group["sector"]),
        "group": charts.group_indicator_figure(group, group.monitoring_indicators(group.group["sector"])),
        "rank": charts.rank_interval_figure(rows, names, highlight, definition["name"]),
    }


@pytest.mark.parametrize("name", ["sector", "expected", "heatmap", "group", "rank"])
def test_nothing_is_cut_off_and_legends_do_not_cover_data(figures, name):
    fig = figures[name]
    renderer = drawn(fig)
    box = fig.get_tightbbox(renderer)  # inches: everything drawn, tick labels and legends included
    assert box.x0 >= -0.02 and box.y0 >= -0.02, name
    assert box.x1 <= fig.get_figwidth() + 0.02 and box.y1 <= fig.get_figheight() + 0.02, name
    legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert legends or name == "heatmap", name  # the heatmap explains itself with its colour bar and numbers
    data_axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    for legend in legends:
        ext = legend.get_window_extent(renderer)
        assert not any(ext.overlaps(ax.get_window_extent(renderer)) for ax in data_axes), name


def test_every_trend_panel_has_its_own_legend(figures):
    trend_axes = figures["group"].axes[1::2]
    assert len(trend_axes) > 1 and all(ax.get_legend() is not None for ax in trend_axes)
    entries = [t.get_text() for t in trend_axes[-1].get_legend().get_texts()]
    assert "Legnica" in entries and "mediana grupy" in entries


def test_the_unit_is_not_told_by_colour_alone(views, figures):
    unit = views[0]
    for ax in figures["sector"].axes:
        lines = {line.get_label(): (line.get_marker(), line.get_linestyle()) for line in ax.get_lines()}
        own = lines.pop(unit.name)
        assert own == ("o", "-") and own not in lines.values()
        assert unit.name in [t.get_text() for t in ax.get_legend().get_texts()]
    rank = figures["rank"].axes[0]
    markers = {c.get_label(): c.get_paths()[0].vertices.shape for c in rank.collections[1:]}
    assert len(markers) == 2 and len(set(markers.values())) == 2  # highlighted unit: its own marker shape, named
    group = views[2]
    assert f"{group.s.unit_name(group.group['members'][1])}: pozycja nominalna" in markers


def test_heatmap_has_no_red_green_and_numbers_in_its_cells(views, figures):
    samples = charts.PERCENTILE_CMAP(np.linspace(0, 1, 21))[:, :3]
    assert not any(g > max(r, b) + 0.02 for r, g, b in samples)  # green never dominates: no red–green scale
    ax = figures["heatmap"].axes[0]
    group = views[2]
    percentiles = group.percentile_matrix(group.group["sector"]).to_numpy().ravel()
    cells = {t.get_text() for t in ax.texts}
    assert {num(v, 0) for v in percentiles if not np.isnan(v)} <= cells


def test_alt_text_is_written_from_the_data(views, figures):
    unit, fair, group, _ = views
    ind = unit.sector_indicators("education", kind="monitoring")[0]
    ts = unit.series(ind).dropna(subset=["value"])
    alt = charts.alt_text(figures["sector"])
    assert f"{unit.name} {unit.s.fmt(ind, ts['value'].iloc[-1])}" in alt
    assert f"mediana grupy {unit.s.fmt(ind, ts['group_median'].iloc[-1])}" in alt
    assert f"{int(unit.series(ind).index.min())}–{int(unit.series(ind).index.max())}" in alt
    assert alt != charts.describe(figures["sector"])

    vt = group.values_table(ind).dropna(subset=["value"]).sort_values("value")
    alt = charts.alt_text(figures["group"])
    assert f"najwyżej {vt['name'].iloc[-1]} {group.s.fmt(ind, vt['value'].iloc[-1])}" in alt and "2024 r." in alt

    assert re.search(r"Legnica: średnio \d+, najwyżej \d+", charts.alt_text(figures["heatmap"]))
    assert "Pozycje w 2024 r." in charts.alt_text(figures["rank"])
    table = fair.expected_table(unit.chart_sectors("all"))
    first = table[(table["status"] == "ok") & (table["expected"] > 0)].dropna(subset=["value"]).iloc[0]
    assert f"{first['name']}: {num(100 * first['gap_rel'], 0, signed=True)}%" in charts.alt_text(figures["expected"])


def test_shown_image_carries_the_alt_text(views):
    unit, fair, _, _ = views
    fig = charts.sector_figure(unit, "education", fair=fair)
    alt = charts.alt_text(fig)
    html = charts.image(fig)
    assert f'alt="{esc(alt)}"' in html
    svg = base64.b64decode(html.split("base64,")[1].split('"')[0]).decode("utf-8")
    texts = tick_texts(svg)
    assert texts and not any("." in t for t in texts)
