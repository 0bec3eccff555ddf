"""Charts for the reports (matplotlib + seaborn). Functions return figures; notebooks display them."""

from __future__ import annotations

import base64
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from jstbench.core.text import esc
from jstbench.views.report import GroupView, UnitView
from jstbench.views.wording import CHART  # noqa: E402

SELF = "#c0392b"
GROUP = "#2c3e50"
BAND = "#bdc3c7"


def setup() -> None:
    """House style; names from data are never read as math text (`$...$`). Figures are SVG with text kept as text
    (searchable, sharp when printed, and several times cheaper to draw than PNG); titles sit at a fixed height
    (matplotlib's automatic title placement measures every tick label of every axes, the largest cost of a figure);
    element ids are salted with a constant so that the same figure is the same file."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.85)
    plt.rcParams.update({"text.parse_math": False, "figure.dpi": 90, "savefig.dpi": 90,
                         "axes.titlesize": 10, "axes.titley": 1.0, "axes.titlepad": 4, "figure.max_open_warning": 0,
                         "svg.fonttype": "none", "svg.hashsalt": "jstbench"})


def _title(text: str, width: int = 48) -> str:
    return "\n".join(textwrap.wrap(text, width))


def svg(fig) -> str:
    """The figure as SVG text (no date in it: the same figure gives the same bytes), and the figure closed."""
    import io

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def describe(fig) -> str:
    """A text alternative for a figure: what it shows, from its panels' titles and axis labels."""
    parts = []
    for ax in fig.axes:
        if not ax.axison:
            continue
        title = " ".join(ax.get_title(loc=loc) for loc in ("left", "center")).strip().replace("\n", " ")
        label = ax.get_xlabel().replace("\n", " ")
        parts.append(f"{title} ({label})" if title and label else title or label)
    return CHART["alt"].format(panels="; ".join(p for p in parts if p) or CHART["alt_none"])


def show(fig, alt: str | None = None) -> None:
    """Display a figure as an SVG image with a text alternative (`alt`, default `describe(fig)`), and close it. One
    `<img>` element: the HTML export does not have to parse the drawing, and readers get a description."""
    from IPython.display import HTML, display

    if fig is not None:
        display(HTML(image(fig, alt)))


def image(fig, alt: str | None = None) -> str:
    """A figure as one `<img>` element (SVG data URI) with a text alternative, to place inside other HTML; closes
    the figure. Empty for no figure."""
    if fig is None:
        return ""
    text = alt or describe(fig)
    data = base64.b64encode(svg(fig).encode("utf-8")).decode("ascii")
    return f'<img class="jst-chart" alt="{esc(text)}" src="data:image/svg+xml;base64,{data}">'


def _fixed_layout(fig, rows: int) -> None:
    """Fixed margins: much cheaper than tight_layout, which dominates the cost of many-axes figures."""
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.07, right=0.98, top=1 - 0.45 / height, bottom=0.3 / height,
                        hspace=0.95 if rows > 1 else 0.2, wspace=0.42)


def _few_ticks(ax, years) -> None:
    """Three year ticks (first, middle, last) and three value ticks: ticks are most of a panel's drawing cost."""
    first, last = int(min(years)), int(max(years))
    ax.set_xticks(sorted({first, (first + last) // 2, last}))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%d"))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=3))


def sector_figure(view: UnitView, sector: str, fair=None):
    """Per monitoring indicator of a sector, one small panel: the unit's series against the group median and the
    national interquartile band, and for money indicators (with `fair`, a `UnitFair`) the unit's series in constant
    prices of the report year; dashed vertical lines mark comparability breaks."""
    inds = [i for i in view.sector_indicators(sector, kind="monitoring") if view.series(i)["value"].notna().any()]
    if not inds:
        return None
    fig, axes = plt.subplots(len(inds), 1, figsize=(6.4, 1.9 * len(inds)), squeeze=False)
    money = set(fair.money(inds)) if fair is not None else set()
    for ax, ind in zip(axes[:, 0], inds, strict=True):
        meta = view.s.indicators[ind]
        ts = view.series(ind)
        ax.fill_between(ts.index, ts["national_q25"], ts["national_q75"], color=BAND, alpha=0.6,
                        label=CHART["national_band"])
        ax.plot(ts.index, ts["national_median"], color="#7f8c8d", lw=1, ls=":", label=CHART["national_median"])
        if "group_median" in ts:
            ax.plot(ts.index, ts["group_median"], color=GROUP, lw=1.5, ls="--", label=CHART["group_median"])
        ax.plot(ts.index, ts["value"], color=SELF, lw=2, marker="o", ms=3, label=view.name)
        if ind in money:
            rt = fair.real_terms(ind)
            if rt["value_real"].notna().sum() >= 2:
                ax.plot(rt["year"], rt["value_real"], color=SELF, lw=1, ls=(0, (1, 1)),
                        label=CHART["constant_prices"].format(year=view.year))
        for k, year in enumerate(sorted({b.year for b in view.s.breaks(ind, int(ts.index.min()), int(ts.index.max()))})):
            ax.axvline(year - 0.5, color="#555555", ls=(0, (4, 2)), lw=1, label=CHART["break"] if k == 0 else None)
        ax.set_title(_title(f"{meta['name']['pl']} [{meta['unit']}]", 70), loc="left", fontsize=9)
        _few_ticks(ax, ts.index)
        ax.legend(fontsize=6.5, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.1, right=0.66, top=1 - 0.4 / height, bottom=0.25 / height, hspace=0.75)
    return fig


def group_heatmap(view: GroupView, sector: str | None = None, by_sector: bool = False):
    """Members × monitoring indicators (or × sectors: mean percentile), coloured by percentile (100 = best)."""
    mat = (view.sector_matrix() if by_sector else view.percentile_matrix(sector)).T
    if mat.empty:
        return None
    mat.index = [textwrap.shorten(i, 55) for i in mat.index]
    fig, ax = plt.subplots(figsize=(2.2 + 1.1 * mat.shape[1], 0.9 + 0.28 * mat.shape[0]))
    sns.heatmap(mat, ax=ax, cmap="RdYlGn", vmin=0, vmax=100, annot=True, fmt=".0f", cbar_kws={"label": CHART["percentile"]},
                linewidths=0.5, linecolor="white", annot_kws={"fontsize": 7})
    ax.set_xticklabels([textwrap.shorten(t.get_text(), 20) for t in ax.get_xticklabels()], rotation=30, ha="right")
    ax.set_xlabel("")
    fig.tight_layout()
    return fig


def group_indicator_figure(view: GroupView, indicators: list[str]):
    """Per indicator: members' values in the report year (left) and their trends with medians (right)."""
    if not indicators:
        return None
    fig, axes = plt.subplots(len(indicators), 2, figsize=(10, 2.7 * len(indicators)), squeeze=False)
    for row, ind in enumerate(indicators):
        meta = view.s.indicators[ind]
        vt = view.values_table(ind).dropna(subset=["value"]).sort_values("value")
        ax = axes[row][0]
        ax.barh([textwrap.shorten(n, 24) for n in vt["name"]], vt["value"], color=GROUP)
        ax.set_title(_title(f"{meta['name']['pl']} [{meta['unit']}]"), loc="left")
        if meta["direction"] == "target-range":
            ax.axvspan(meta["target"]["low"], meta["target"]["high"], color="#a6d96a", alpha=0.3)
        ax.tick_params(axis="y", labelsize=7)
        tr = view.trend(ind)
        ax2 = axes[row][1]
        for col in tr.columns:
            if col in (CHART["group_median"], CHART["national_median"]):
                ax2.plot(tr.index, tr[col], lw=2, ls="--" if col == CHART["group_median"] else ":",
                         color="black" if col == CHART["group_median"] else "#7f8c8d", label=col)
            else:
                ax2.plot(tr.index, tr[col], lw=1, alpha=0.7, label=textwrap.shorten(col, 20))
        ax2.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        if row == 0:
            ax2.legend(fontsize=6, ncol=2, frameon=False)
    _fixed_layout(fig, len(indicators))
    return fig


def expected_figure(table):
    """Per indicator with a fitted model: the gap to the expected value (dot) within the 90% prediction
    interval (bar), in % of the expected value; 0 = exactly as expected for the unit's conditions."""
    t = table[(table["status"] == "ok") & (table["expected"] > 0)].dropna(subset=["value"])
    if t.empty:
        return None
    lo = (100 * (t["pi_low"] / t["expected"] - 1)).clip(-150, 150)
    hi = (100 * (t["pi_high"] / t["expected"] - 1)).clip(-150, 150)
    gap = (100 * t["gap_rel"]).clip(-150, 150)
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(9, 0.9 + 0.32 * len(t)))
    ax.hlines(y, lo, hi, color=BAND, lw=6, label=CHART["expected_band"])
    inside = (t["value"] >= t["pi_low"]) & (t["value"] <= t["pi_high"])
    ax.scatter(gap, y, c=np.where(inside, GROUP, SELF), zorder=3, s=30, label=CHART["this_unit"])
    ax.axvline(0, color="#7f8c8d", lw=1, ls=":")
    ax.set_yticks(y, [textwrap.shorten(n, 55) for n in t["name"]], fontsize=7)
    ax.set_xlabel(CHART["expected_gap"])
    ax.invert_yaxis()
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    fig.subplots_adjust(left=0.42, right=0.98, top=1 - 0.2 / fig.get_figheight(), bottom=0.75 / fig.get_figheight())
    return fig


def rank_interval_figure(rows, names: dict[str, str], highlight: str | None = None, title: str = ""):
    """Members' rank intervals (bar: 5th–95th percentile of Monte Carlo ranks) and nominal rank (dot)."""
    r = rows.dropna(subset=["nominal_rank"]).sort_values(["median_rank", "nominal_rank"])
    if r.empty:
        return None
    y = np.arange(len(r))
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.3 * len(r)))
    colours = [SELF if u == highlight else GROUP for u in r["unit"]]
    ax.hlines(y, r["rank_lo"], r["rank_hi"], color=BAND, lw=6)
    ax.scatter(r["nominal_rank"], y, c=colours, zorder=3, s=30)
    ax.set_yticks(y, [textwrap.shorten(names.get(u, u), 28) for u in r["unit"]], fontsize=7)
    ax.set_xlim(0.5, r["n"].max() + 0.5)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.invert_yaxis()
    ax.set_xlabel(CHART["rank_axis"], fontsize=8)
    ax.set_title(_title(title, 70), loc="left")
    fig.subplots_adjust(left=0.3, right=0.97, top=1 - 0.35 / fig.get_figheight(), bottom=0.85 / fig.get_figheight())
    return fig


def residual_figure(rows, response: str):
    """Diagnostics of one adjustment model: residuals against fitted values (model scale), influential points
    (Cook's distance > 4/n) in red."""
    expected = np.log(rows["expected"].clip(lower=1e-12)) if response == "log" else rows["expected"]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.scatter(expected, rows["residual"], s=6, alpha=0.4, color=GROUP, label=CHART["units"])
    infl = rows["influential"].to_numpy()
    ax.scatter(expected[infl], rows["residual"][infl], s=10, color=SELF, label=CHART["influential"])
    ax.axhline(0, color="#7f8c8d", lw=1, ls=":")
    ax.set_xlabel(CHART["fitted_log" if response == "log" else "fitted"])
    ax.set_ylabel(CHART["residual"])
    ax.legend(fontsize=7, frameon=False)
    fig.subplots_adjust(left=0.12, right=0.98, top=0.95, bottom=0.17)
    return fig
