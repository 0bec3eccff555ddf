"""Charts for the reports (matplotlib + seaborn). Functions return figures, each carrying a Polish text alternative
written from its data; notebooks display them with `show` (or `image` inside other HTML).

Figures are plain `matplotlib.figure.Figure` objects, not pyplot's: the library never picks a backend, so a kernel
keeps its own (inline in JupyterLab, headless in the batch runner), and no figure is shown twice or left open."""

from __future__ import annotations

import base64
import io
import math
import re
import textwrap
import weakref

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib import ticker
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from jstbench.core.text import esc, num
from jstbench.views.report import GroupView, UnitView
from jstbench.views.wording import CHART

# Okabe–Ito colours (distinguishable with every common colour-vision deficiency); colour is never the only cue:
# the authority's own series also has its own marker and line style, and every figure has a legend.
SELF = "#D55E00"
GROUP = "#0072B2"
NATIONAL = "#555555"
BAND = "#cccccc"
MEMBERS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
# Percentiles: orange (0, worst) through light grey (50) to blue (100, best); no red–green.
PERCENTILE_CMAP = LinearSegmentedColormap.from_list("jst_percentile", ["#b35806", "#f7f7f7", "#2166ac"])

# Labels and text alternatives of the charts (see also `wording.CHART`).
TEXT = {
    "target": "przedział docelowy",
    "rank_axis": "pozycja (1 = najlepsza)",
    "rank_band": "90% przebiegów Monte Carlo",
    "rank_dot": "pozycja nominalna",
    "rank_others": "pozostali członkowie grupy",
    "expected_gap": "różnica wobec wartości oczekiwanej, %",
    "inside": "ta JST: w zwykłym przedziale",
    "outside": "ta JST: poza zwykłym przedziałem",
    "alt_sector": ("Wykresy liniowe, lata {first}–{last}: wartości JST {name} (linia ciągła z kółkami) na tle mediany "
                   "grupy, mediany kraju i przedziału 25–75 percentyla w kraju. {items}"),
    "alt_sector_item": "{indicator} [{unit}] w {year} r.: {name} {value}; {comparators}.",
    "alt_heatmap": "Mapa percentyli w grupie (100 = najlepiej) w {year} r.: wiersze – {what} ({rows}), kolumny – JST ({cols}). {items}",
    "alt_heatmap_item": "{name}: średnio {mean}, najwyżej {high} ({high_row}), najniżej {low} ({low_row}).",
    "alt_group": "Wykresy członków grupy: wartości w {year} r. (słupki) i trendy z medianami{years}. {items}",
    "alt_group_item": ("{indicator} [{unit}] w {year} r.: najwyżej {high_name} {high}, najniżej {low_name} {low}; "
                       "mediana grupy {group}, mediana kraju {national}."),
    "alt_expected": ("Różnica wartości wobec wartości oczekiwanej w podobnych warunkach{year}, w %, dla {n} "
                     "wskaźników (punkt) z 90% przedziałem JST w podobnych warunkach (pasek). {items}"),
    "alt_expected_item": "{indicator}: {gap} (przedział od {low} do {high}{outside}).",
    "alt_outside": ", poza przedziałem",
    "alt_rank": ("{title}. Pozycje w {year} r. {n} JST (1 = najlepsza) z przedziałem 90% przebiegów Monte Carlo: "
                 "{items}."),
    "alt_rank_item": "{name} {rank} ({low}–{high})",
    "alt_variant": ("Wykres punktowy, {year} r.: wartości wskaźnika {indicator} dla {n} JST grupy według wersji z "
                    "katalogu (oś pozioma) i wariantu (oś pionowa). {items}"),
    "alt_variant_item": "{name}: {catalogue} i {variant}",
    "variant_x": "wersja z katalogu",
    "variant_y": "wariant",
}

_ALT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # figure -> its text alternative


class PolishFormatter(ticker.Formatter):
    """Tick labels the Polish way (`num`: decimal comma, non-breaking thousands, minus sign), with as few decimals
    as the ticks need (at most 6)."""

    decimals = 0

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        finite = [float(v) for v in locs if np.isfinite(v)]
        self.decimals = next((d for d in range(7) if all(math.isclose(round(v, d), v, rel_tol=1e-9, abs_tol=1e-12)
                                                        for v in finite)), 6)

    def __call__(self, x, pos=None) -> str:
        return num(float(x), self.decimals)


def polish_numbers(fig) -> None:
    """Every numeric axis of `fig` (colour bars included) labelled with `PolishFormatter`; the one place where
    charts get Polish numbers. Year axes keep their plain formatter (`_years`), names are not numbers."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ticker.ScalarFormatter):
                axis.set_major_formatter(PolishFormatter())


class PolishFigure(Figure):
    """A figure whose numbers are drawn the Polish way however it is saved (SVG, PNG) or shown."""

    def draw(self, renderer) -> None:
        polish_numbers(self)
        super().draw(renderer)


def label(text: str, width: int = 24, lines: int = 2) -> str:
    """A name for a chart: wrapped at word boundaries into at most `lines` lines of about `width` characters, an
    ellipsis at the end of a longer one; never cut inside a word or from the left.

    >>> label("Biała Podlaska", 10)
    'Biała\\nPodlaska'
    >>> label("Wydatki bieżące na szkoły podstawowe na ucznia", 16)
    'Wydatki bieżące\\nna szkoły…'
    """
    return "\n".join(textwrap.wrap(str(text), width, max_lines=lines, placeholder="…", break_long_words=False,
                                   break_on_hyphens=False)) or str(text)


def setup() -> None:
    """House style; names from data are never read as math text (`$...$`). Figures are SVG with text kept as text
    (searchable, sharp when printed, and several times cheaper to draw than PNG); titles sit at a fixed height
    (matplotlib's automatic title placement measures every tick label of every axes, the largest cost of a figure);
    element ids are salted with a constant so that the same figure is the same file."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.85)
    plt.rcParams.update({"text.parse_math": False, "figure.dpi": 90, "savefig.dpi": 90,
                         "axes.titlesize": 10, "axes.titley": 1.0, "axes.titlepad": 4, "figure.max_open_warning": 0,
                         "svg.fonttype": "none", "svg.hashsalt": "jstbench",
                         "font.sans-serif": ["DejaVu Sans"]})  # the font matplotlib measures with, named once per label


def _title(text: str, width: int = 48) -> str:
    return "\n".join(textwrap.wrap(text, width))


def with_alt(fig, alt: str):
    _ALT[fig] = alt
    return fig


def alt_text(fig) -> str:
    """The figure's text alternative: the one written from its data, else `describe(fig)`."""
    return _ALT.get(fig) or describe(fig)


def svg(fig) -> str:
    """The figure as SVG text (no date in it: the same figure gives the same bytes), and the figure closed if pyplot
    holds it. Margins are set by each chart (cropping to what is drawn would draw every figure twice)."""
    polish_numbers(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return compact(buf.getvalue())


def compact(text: str) -> str:
    r"""SVG without what a browser does not need: the XML prolog, the metadata block, whitespace between elements,
    and coordinates in attributes beyond 0.1 pt (a report weighs a fifth less; the drawing is the same on screen
    and paper).

    >>> compact('<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg><metadata>x</metadata>\n <path d="M 1.23456 2.5"/></svg>')
    '<svg><path d="M 1.2 2.5"/></svg>'
    """
    text = re.sub(r"<\?xml.*?\?>\s*(<!DOCTYPE[^>]*>\s*)?", "", text, flags=re.S)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r">\s+<", "><", text)
    return re.sub(r'="([^"]*)"', lambda m: '="' + re.sub(r"(\d\.\d)\d+", r"\1", re.sub(r"\s+", " ", m.group(1))) + '"', text)


def describe(fig) -> str:
    """A text alternative for a figure: what it shows, from its panels' titles and axis labels."""
    parts = []
    for ax in fig.axes:
        if not ax.axison:
            continue
        title = " ".join(ax.get_title(loc=loc) for loc in ("left", "center")).strip().replace("\n", " ")
        xlabel = ax.get_xlabel().replace("\n", " ")
        parts.append(f"{title} ({xlabel})" if title and xlabel else title or xlabel)
    return CHART["alt"].format(panels="; ".join(p for p in parts if p) or CHART["alt_none"])


def show(fig, alt: str | None = None) -> None:
    """Display a figure as an SVG image with a text alternative (`alt`, default `alt_text(fig)`), and close it. One
    `<img>` element: the HTML export does not have to parse the drawing, and readers get a description."""
    from IPython.display import HTML, display

    if fig is not None:
        display(HTML(image(fig, alt)))


def image(fig, alt: str | None = None) -> str:
    """A figure as one `<img>` element (SVG data URI) with a text alternative, to place inside other HTML; closes
    the figure. Empty for no figure."""
    if fig is None:
        return ""
    text = alt or alt_text(fig)
    data = base64.b64encode(svg(fig).encode("utf-8")).decode("ascii")
    return f'<img class="jst-chart" alt="{esc(text)}" src="data:image/svg+xml;base64,{data}">'


def finish_points(fig, ax, xlabel: str, left: float, bottom: float, ncol: int) -> None:
    """The layout of a horizontal chart on a 0–100 points scale (survey indices, CAF criteria): the first row on top,
    the labels left, the legend centred under the axes (`bottom`: inches kept for it)."""
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.invert_yaxis()
    height = fig.get_figheight()
    fig.subplots_adjust(left=left, right=0.97, top=1 - 0.15 / height, bottom=bottom / height)
    fig.legend(fontsize=7, frameon=False, loc="lower center", ncol=ncol, bbox_to_anchor=(0.5, 0.0))


def _years(ax, years) -> None:
    """Three year ticks (first, middle, last) as plain whole numbers (no thousands separator), and three value
    ticks: ticks are most of a panel's drawing cost."""
    first, last = int(min(years)), int(max(years))
    ax.set_xticks(sorted({first, (first + last) // 2, last}))
    ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%d"))
    ax.yaxis.set_major_locator(ticker.MaxNLocator(nbins=3))


def _span(years) -> tuple[int, int]:
    return int(min(years)), int(max(years))


def sector_figure(view: UnitView, sector: str, fair=None):
    """Per monitoring indicator of a sector, one small panel with its own legend (right of it): the unit's series
    against the group median and the national interquartile band, and for money indicators (with `fair`, a
    `UnitFair`) the unit's series in constant prices of the report year; dashed vertical lines mark comparability
    breaks."""
    inds = [i for i in view.sector_indicators(sector, kind="monitoring") if view.series(i)["value"].notna().any()]
    if not inds:
        return None
    fig = PolishFigure(figsize=(6.8, 1.9 * len(inds)))
    axes = fig.subplots(len(inds), 1, squeeze=False)
    money = set(fair.money(inds)) if fair is not None else set()
    name = label(view.name, 28)
    items, years = [], []
    for ax, ind in zip(axes[:, 0], inds, strict=True):
        meta = view.s.indicators[ind]
        ts = view.series(ind)
        years += list(ts.index)
        ax.fill_between(ts.index, ts["national_q25"], ts["national_q75"], color=BAND, alpha=0.7,
                        label=CHART["national_band"])
        ax.plot(ts.index, ts["national_median"], color=NATIONAL, lw=1, ls=":", label=CHART["national_median"])
        if "group_median" in ts:
            ax.plot(ts.index, ts["group_median"], color=GROUP, lw=1.5, ls="--", label=CHART["group_median"])
        ax.plot(ts.index, ts["value"], color=SELF, lw=2, marker="o", ms=4, label=name)
        if ind in money:
            rt = fair.real_terms(ind)
            if rt["value_real"].notna().sum() >= 2:
                ax.plot(rt["year"], rt["value_real"], color=SELF, lw=1, ls=(0, (1, 1)), marker="x", ms=3,
                        label=f"{name}: " + CHART["constant_prices"].format(year=view.year))
        for k, year in enumerate(sorted({b.year for b in view.s.breaks(ind, *_span(ts.index))})):
            ax.axvline(year - 0.5, color="#555555", ls=(0, (4, 2)), lw=1, label=CHART["break"] if k == 0 else None)
        ax.set_title(_title(f"{meta['name']['pl']} [{meta['unit']}]", 70), loc="left", fontsize=9)
        _years(ax, ts.index)
        ax.legend(fontsize=6.5, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        last = ts.dropna(subset=["value"]).iloc[-1]
        comparators = [f"{CHART[c]} {view.s.fmt(ind, last[c])}" for c in ("group_median", "national_median")
                       if c in ts and not np.isnan(last[c])]
        items.append(TEXT["alt_sector_item"].format(indicator=meta["name"]["pl"], unit=meta["unit"], year=int(last.name),
                                                    name=view.name, value=view.s.fmt(ind, last["value"]),
                                                    comparators="; ".join(comparators) or CHART["alt_none"]))
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.1, right=0.64, top=1 - 0.4 / height, bottom=0.25 / height, hspace=0.75)
    first, last_year = _span(years)
    return with_alt(fig, TEXT["alt_sector"].format(first=first, last=last_year, name=view.name, items=" ".join(items)))


def group_heatmap(view: GroupView, sector: str | None = None, by_sector: bool = False):
    """Members × monitoring indicators (or × sectors: mean percentile), coloured by percentile (100 = best), each
    cell with its number."""
    mat = (view.sector_matrix() if by_sector else view.percentile_matrix(sector)).T
    if mat.empty:
        return None
    fig = PolishFigure(figsize=(2.2 + 1.1 * mat.shape[1], 0.9 + 0.3 * mat.shape[0]))
    ax = fig.subplots()
    cells = mat.apply(lambda col: col.map(lambda v: num(v, 0)))
    sns.heatmap(mat, ax=ax, cmap=PERCENTILE_CMAP, vmin=0, vmax=100, annot=cells, fmt="",
                cbar_kws={"label": CHART["percentile"]}, linewidths=0.5, linecolor="white", annot_kws={"fontsize": 7},
                yticklabels=[label(i, 55, 1) for i in mat.index], xticklabels=[label(c, 16) for c in mat.columns])
    ax.tick_params(axis="x", labelrotation=0, labelsize=7)
    ax.set_xlabel("")
    fig.tight_layout()
    items = []
    for member in mat.columns:
        col = mat[member].dropna()
        if len(col):
            items.append(TEXT["alt_heatmap_item"].format(name=member, mean=num(col.mean(), 0), high=num(col.max(), 0),
                                                         high_row=col.idxmax(), low=num(col.min(), 0), low_row=col.idxmin()))
    return with_alt(fig, TEXT["alt_heatmap"].format(year=view.year, what="obszary" if by_sector else "wskaźniki", rows=mat.shape[0],
                                                     cols=mat.shape[1], items=" ".join(items)))


def group_indicator_figure(view: GroupView, indicators: list[str]):
    """Per indicator: members' values in the report year (left) and their trends with medians (right), each
    trend panel with its own legend (right of it); members differ by colour and marker."""
    if not indicators:
        return None
    columns = 1 + (len(view.group["members"]) + 2) // 14  # of each trend panel's legend, 1.75 inch each
    fig = PolishFigure(figsize=(9.4 + 1.75 * columns, 2.7 * len(indicators)))
    axes = fig.subplots(len(indicators), 2, squeeze=False, gridspec_kw={"width_ratios": [1, 1.1]})
    medians = (CHART["group_median"], CHART["national_median"])
    items, years = [], []
    for row, ind in enumerate(indicators):
        meta = view.s.indicators[ind]
        vt = view.values_table(ind).dropna(subset=["value"]).sort_values("value")
        ax = axes[row][0]
        ax.barh([label(n, 22) for n in vt["name"]], vt["value"], color=GROUP)
        ax.set_title(_title(f"{meta['name']['pl']} [{meta['unit']}]"), loc="left")
        if meta["direction"] == "target-range":
            ax.axvspan(meta["target"]["low"], meta["target"]["high"], color="#E69F00", alpha=0.25, label=TEXT["target"])
            ax.legend(fontsize=6.5, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.15))
        ax.tick_params(axis="y", labelsize=7)
        tr = view.trend(ind)
        years += list(tr.index)
        ax2 = axes[row][1]
        members = [c for c in tr.columns if c not in medians]
        for k, col in enumerate(members):
            ax2.plot(tr.index, tr[col], lw=1, color=MEMBERS[k % len(MEMBERS)], marker=MARKERS[k % len(MARKERS)], ms=3.5,
                     label=label(col, 22))
        ax2.plot(tr.index, tr[medians[0]], lw=2, ls="--", color="black", label=medians[0])
        ax2.plot(tr.index, tr[medians[1]], lw=2, ls=":", color=NATIONAL, label=medians[1])
        _years(ax2, tr.index)
        ax2.legend(fontsize=6.5, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5), ncol=columns)
        if len(vt):
            now = tr.loc[view.year] if view.year in tr.index else None
            items.append(TEXT["alt_group_item"].format(
                indicator=meta["name"]["pl"], unit=meta["unit"], year=view.year,
                high_name=vt["name"].iloc[-1], high=view.s.fmt(ind, vt["value"].iloc[-1]),
                low_name=vt["name"].iloc[0], low=view.s.fmt(ind, vt["value"].iloc[0]),
                group=view.s.fmt(ind, now[medians[0]] if now is not None else None),
                national=view.s.fmt(ind, now[medians[1]] if now is not None else None)))
    width, height = fig.get_figwidth(), fig.get_figheight()
    fig.subplots_adjust(left=1.45 / width, right=1 - (0.1 + 1.75 * columns) / width, top=1 - 0.45 / height, bottom=0.45 / height,
                        hspace=0.95 if len(indicators) > 1 else 0.2, wspace=0.3)
    span = " ({}–{})".format(*_span(years)) if years else ""
    return with_alt(fig, TEXT["alt_group"].format(year=view.year, years=span, items=" ".join(items)))


def expected_figure(table, year: int | None = None):
    """Per indicator with a fitted model: the gap to the expected value (marker) within the 90% prediction
    interval (bar), in % of the expected value; 0 = exactly as expected for the unit's conditions. A gap outside
    the interval has its own marker, not only its own colour. `year` (the report year) goes into the text
    alternative."""
    t = table[(table["status"] == "ok") & (table["expected"] > 0)].dropna(subset=["value"])
    if t.empty:
        return None
    lo = (100 * (t["pi_low"] / t["expected"] - 1)).clip(-150, 150)
    hi = (100 * (t["pi_high"] / t["expected"] - 1)).clip(-150, 150)
    gap = (100 * t["gap_rel"]).clip(-150, 150)
    y = np.arange(len(t))
    fig = PolishFigure(figsize=(9, 1.3 + 0.32 * len(t)))
    ax = fig.subplots()
    ax.hlines(y, lo, hi, color=BAND, lw=6, label=CHART["expected_band"])
    inside = ((t["value"] >= t["pi_low"]) & (t["value"] <= t["pi_high"])).to_numpy()
    ax.scatter(gap[inside], y[inside], color=GROUP, marker="o", zorder=3, s=30, label=TEXT["inside"])
    if (~inside).any():
        ax.scatter(gap[~inside], y[~inside], color=SELF, marker="D", zorder=3, s=40, label=TEXT["outside"])
    ax.axvline(0, color=NATIONAL, lw=1, ls=":")
    ax.set_yticks(y, [label(n, 55, 1) for n in t["name"]], fontsize=7)
    ax.set_xlabel(TEXT["expected_gap"])
    ax.invert_yaxis()
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.42, right=0.98, top=1 - 0.2 / height, bottom=1.0 / height)
    fig.legend(fontsize=7, frameon=False, loc="lower center", ncol=3, bbox_to_anchor=(0.5, 0.0))
    items = [TEXT["alt_expected_item"].format(indicator=n, gap=num(g, 0, signed=True) + "%", low=num(a, 0, signed=True) + "%",
                                              high=num(b, 0, signed=True) + "%", outside="" if i else TEXT["alt_outside"])
             for n, g, a, b, i in zip(t["name"], gap, lo, hi, inside, strict=True)]
    return with_alt(fig, TEXT["alt_expected"].format(year=f" w {year} r." if year else "", n=len(t), items=" ".join(items)))


def rank_interval_figure(rows, names: dict[str, str], highlight: str | None = None, title: str = ""):
    """Members' rank intervals (bar: 5th–95th percentile of Monte Carlo ranks) and nominal rank (marker); the
    `highlight` unit has its own marker and colour and is named in the legend."""
    r = rows.dropna(subset=["nominal_rank"]).sort_values(["median_rank", "nominal_rank"])
    if r.empty:
        return None
    y = np.arange(len(r))
    fig = PolishFigure(figsize=(7, 1.3 + 0.3 * len(r)))
    ax = fig.subplots()
    ax.hlines(y, r["rank_lo"], r["rank_hi"], color=BAND, lw=6, label=TEXT["rank_band"])
    own = (r["unit"] == highlight).to_numpy()
    ax.scatter(r["nominal_rank"][~own], y[~own], color=GROUP, marker="o", zorder=3, s=30,
               label=TEXT["rank_others"] if own.any() else TEXT["rank_dot"])
    if own.any():
        ax.scatter(r["nominal_rank"][own], y[own], color=SELF, marker="D", zorder=3, s=45,
                   label=f"{label(names.get(str(highlight), str(highlight)), 28)}: {TEXT['rank_dot']}")
    ax.set_yticks(y, [label(names.get(u, u), 28, 1) for u in r["unit"]], fontsize=7)
    ax.set_xlim(0.5, r["n"].max() + 0.5)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.invert_yaxis()
    ax.set_xlabel(TEXT["rank_axis"], fontsize=8)
    ax.set_title(_title(title, 70), loc="left")
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.3, right=0.97, top=1 - 0.35 / height, bottom=0.95 / height)
    fig.legend(fontsize=7, frameon=False, loc="lower center", ncol=3, bbox_to_anchor=(0.5, 0.0))
    items = [TEXT["alt_rank_item"].format(name=names.get(u, u), rank=num(n, 0), low=num(a, 0), high=num(b, 0))
             for u, n, a, b in zip(r["unit"], r["nominal_rank"], r["rank_lo"], r["rank_hi"], strict=True)]
    year = ", ".join(str(int(v)) for v in sorted(r["year"].unique())) if "year" in r else "–"
    return with_alt(fig, TEXT["alt_rank"].format(title=title, year=year, n=len(r), items="; ".join(items)))


def variant_figure(table, indicator: str, year: int, decimals: int = 1):
    """The explore notebook's scatter: each group member's value by the catalogue formula (x) and by the variant
    (y), named next to its point (`table`: `series.explore.VariantComparison.table`)."""
    t = table.dropna(subset=["catalogue", "variant"])
    if t.empty:
        return None
    fig = PolishFigure(figsize=(6.5, 5))
    ax = fig.subplots()
    ax.scatter(t["catalogue"], t["variant"], color=GROUP, s=25, zorder=3)
    for name, x, y in zip(t["name"], t["catalogue"], t["variant"], strict=True):
        ax.annotate(label(name, 20), (x, y), xytext=(4, 3), textcoords="offset points", fontsize=7)
    ax.set_xlabel(TEXT["variant_x"])
    ax.set_ylabel(TEXT["variant_y"])
    ax.set_title(_title(indicator, 70), loc="left")
    fig.subplots_adjust(left=0.15, right=0.9, top=0.9, bottom=0.12)
    items = [TEXT["alt_variant_item"].format(name=n, catalogue=num(x, decimals), variant=num(y, decimals))
             for n, x, y in zip(t["name"], t["catalogue"], t["variant"], strict=True)]
    return with_alt(fig, TEXT["alt_variant"].format(year=year, indicator=indicator, n=len(t), items="; ".join(items) + "."))


def residual_figure(rows, response: str):
    """Diagnostics of one adjustment model: residuals against fitted values (model scale), influential points
    (Cook's distance > 4/n) marked with their own marker and colour."""
    expected = np.log(rows["expected"].clip(lower=1e-12)) if response == "log" else rows["expected"]
    fig = PolishFigure(figsize=(6, 3))
    ax = fig.subplots()
    ax.scatter(expected, rows["residual"], s=6, alpha=0.4, color=GROUP, label=CHART["units"])
    infl = rows["influential"].to_numpy()
    ax.scatter(expected[infl], rows["residual"][infl], s=14, marker="D", color=SELF, label=CHART["influential"])
    ax.axhline(0, color=NATIONAL, lw=1, ls=":")
    ax.set_xlabel(CHART["fitted_log" if response == "log" else "fitted"])
    ax.set_ylabel(CHART["residual"])
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.subplots_adjust(left=0.12, right=0.75, top=0.95, bottom=0.17)
    return fig
