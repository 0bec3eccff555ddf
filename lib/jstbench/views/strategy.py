"""What the strategy report shows: progress towards an authority's strategy targets, in Polish.

Shows the strategy tables of a series (`jstbench.series.strategy`, written by `jstbench strategy report`) and reads the
series folder (the authority's name, whether the data are synthetic). Statuses are words with a text symbol (never
colour alone); every number in a sentence comes from the tables. `annex_xlsx` / `annex_html` give the annex of the
statutory annual report on the state of the gmina ("raport o stanie gminy", art. 28aa of the Act on gmina
self-government): one row per indicator.
"""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from jstbench.core.text import esc, num
from jstbench.core.units import display_name
from jstbench.series.folder import SeriesFolder
from jstbench.views import links
from jstbench.views.charts import BAND, GROUP, NATIONAL, SELF, PolishFigure, image, label
from jstbench.views.report import xlsx_bytes
from jstbench.views.tables import banner, paragraph, stylesheet, table
from jstbench.views.wording import SYNTHETIC_NOTE

STATUS = {  # status -> (words, text symbol, what it means)
    "target_reached": ("cel osiągnięty", "✔", "ostatnia wartość jest na poziomie celu lub lepsza"),
    "on_track": ("na dobrej drodze", "▲▲▲", "tempo zmian to co najmniej 95% tempa potrzebnego do osiągnięcia celu"),
    "moderate": ("umiarkowany postęp", "▲▲", "tempo zmian to 60–95% tempa potrzebnego"),
    "insufficient": ("niewystarczający postęp", "▲", "zmiana we właściwym kierunku, ale poniżej 60% potrzebnego tempa"),
    "moving_away": ("oddalanie się od celu", "▼", "wskaźnik zmienia się w przeciwnym kierunku niż zakłada cel"),
    "insufficient_data": ("brak danych do oceny", "–", "brak wartości z lat po roku bazowym"),
}
PEER_TYPES = {"exchange": "grupa wymiany doświadczeń", "typology": "JST tego samego rodzaju i wielkości",
              "national": "JST w kraju, których wskaźnik dotyczy"}
EXAMPLE_NOTE = ("PRZYKŁAD ILUSTRACYJNY: strategia w tym raporcie nie jest dokumentem przyjętym przez tę jednostkę; "
                "pokazuje format pliku strategii i raportu.")
HEAD = ["Cel operacyjny", "Wskaźnik", "Wartość bazowa", "Ostatnia wartość", "Wartość docelowa", "Ocena postępu",
        "Prognoza na rok docelowy (przedział 90%)", "Na tle grupy porównawczej", "Komórka odpowiedzialna"]
TEXT = {
    "title": "Realizacja strategii: {name}",
    "intro": "{title}. Przyjęta: {adopted}; okres: {start}–{end}. Dane serii za {year} r.; liczba celów: {goals}, wskaźników: {n}.",
    "counts": "Ocena postępu: {items}.",
    "at": "{value} ({year})",
    "rate_cagr": "{rate}% rocznie",
    "rate_abs": "{rate} {unit} rocznie",
    "sentence": ("{name}: w {latest_year} r. {latest} {unit} wobec {baseline} w roku bazowym {baseline_year}; cel na "
                 "{target_year} r. to {target}."),
    "rates": "Średnia zmiana roczna: {observed}, potrzebna do osiągnięcia celu: {required} — {status}.",
    "rates_reached": "Cel jest osiągnięty ({status}).",
    "no_data": "{name}: brak wartości z lat po roku bazowym {baseline_year} ({baseline} {unit}); cel na {target_year} r. to {target}.",
    "forecast": ("Przy utrzymaniu trendu z lat {first}–{last} w {year} r. około {mean} (90% przedział prognozy: "
                 "{low}–{high}); cel {inside}."),
    "inside": "mieści się w tym przedziale",
    "outside": "jest poza tym przedziałem",
    "no_forecast": "Prognozy nie podajemy: mniej niż 3 wartości od roku bazowego.",
    "peers": "Na tle grupy porównawczej ({group}, {n} JST z danymi w {year} r.): mediana {median}{position}.",
    "position": ", pozycja {rank} z {n} (percentyl {pct})",
    "own": "Wskaźnik własny JST: bez porównania z innymi jednostkami.",
    "legend_caption": "Oceny postępu (metoda Open SDG / Statistics Canada: tempo obserwowane wobec tempa potrzebnego)",
    "goal_caption": "Cel {goal}: {name} — wskaźniki, wartości i ocena postępu",
    "annex_caption": "Załącznik: realizacja strategii rozwoju — {title} ({name}), dane za {year} r.",
    "annex_title": "Załącznik do raportu o stanie {whose}: realizacja strategii rozwoju",
    "observed": "wartości",
    "trend": "trend i przedział 90%",
    "target": "cel",
    "peer_median": "mediana grupy porównawczej",
    "alt": ("Wykres: {name} [{unit}] w latach {first}–{last}: wartości JST (linia z kółkami){trend}, cel {target} na "
            "{target_year} r. (gwiazdka){peers}."),
    "alt_trend": ", trend do {year} r. z przedziałem 90% ({low}–{high})",
    "alt_peers": ", mediana grupy porównawczej (linia kropkowana, w {year} r. {median})",
}
ANNEX_COLUMNS = ["Cel", "Cel operacyjny", "Wskaźnik", "Jednostka miary", "Źródło", "Rok bazowy", "Wartość bazowa",
                 "Rok ostatniej wartości", "Ostatnia wartość", "Rok docelowy", "Wartość docelowa", "Ocena postępu",
                 "Tempo obserwowane", "Tempo potrzebne", "Prognoza na rok docelowy", "Prognoza: dolna granica 90%",
                 "Prognoza: górna granica 90%", "Grupa porównawcza", "Mediana grupy", "Pozycja w grupie",
                 "Liczba JST w grupie", "Komórka odpowiedzialna", "Uwagi"]


def status_text(status: str) -> str:
    """A status as its symbol and words.

    >>> status_text("moving_away")
    '▼ oddalanie się od celu'
    """
    words, symbol, _ = STATUS[status]
    return f"{symbol} {words}"


def _missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def rate_text(row: pd.Series, column: str) -> str:
    """An observed or required yearly rate: per cent a year (method cagr) or a change in the unit a year (absolute).

    >>> rate_text(pd.Series({"method": "cagr", "r": -0.0283, "decimals": 1, "measure_unit": "%"}), "r")
    '−2,83% rocznie'
    >>> rate_text(pd.Series({"method": "absolute", "r": 0.5, "decimals": 1, "measure_unit": "%"}), "r")
    '+0,50 % rocznie'
    """
    value = row[column]
    if _missing(value):
        return "–"
    if row["method"] == "cagr":
        return TEXT["rate_cagr"].format(rate=num(100 * float(value), 2, signed=True))
    return TEXT["rate_abs"].format(rate=num(float(value), int(row["decimals"]) + 1, signed=True), unit=row["measure_unit"])


class StrategyView:
    """One authority's strategy in one series: the series folder (names, synthetic data) and the strategy's tables
    as `jstbench.series.strategy.read_progress` returns them (progress, chart points, strategy metadata; views do not
    import the module that computes them, which rests on `stats`)."""

    def __init__(self, series_dir: str, code: str, year: int, progress: pd.DataFrame, points: pd.DataFrame, meta: dict):
        self.folder = SeriesFolder(series_dir, year)
        self.code, self.year = code, int(year)
        self.progress, self.points, self.meta = progress, points, meta
        units = self.folder.read("units", [("code", "==", code)])
        self.name = display_name(str(units["name"].iloc[0]), str(units["kind"].iloc[0])) if len(units) else code
        self.kind = str(units["kind"].iloc[0]) if len(units) else ""
    def fmt(self, row: pd.Series, value: object) -> str:
        return "–" if _missing(value) else num(float(value), int(row["decimals"]))  # type: ignore[arg-type]

    def title(self) -> str:
        return TEXT["title"].format(name=self.name)

    def header_html(self) -> str:
        """The stylesheet, the banners (synthetic data, an illustrative strategy), what the strategy is, the counts."""
        m = self.meta
        counts = self.progress["status"].value_counts()
        items = ", ".join(f"{status_text(s)}: {int(counts[s])}" for s in STATUS if s in counts)
        intro = TEXT["intro"].format(title=m.get("title", ""), adopted=m.get("adopted", "–"), start=m.get("start", "–"),
                                     end=m.get("end", "–"), year=self.year, n=len(self.progress),
                                     goals=self.progress["goal"].nunique())
        banners = (banner(SYNTHETIC_NOTE) if self.folder.meta.get("synthetic") else "") + \
            (banner(EXAMPLE_NOTE) if m.get("example") else "")
        return stylesheet() + banners + paragraph([intro, TEXT["counts"].format(items=items)])

    def legend_html(self) -> str:
        """What each status means."""
        return table("jst-strategy-legend", ["Ocena", "Znaczenie"],
                     [[status_text(s), meaning] for s, (_, _, meaning) in STATUS.items()], caption=TEXT["legend_caption"])

    def goals(self) -> list[tuple[str, str]]:
        """(id, name) of the goals in the file's order."""
        g = self.progress.sort_values("order").drop_duplicates("goal")
        return list(zip(g["goal"], g["goal_name"], strict=True))

    def rows(self, goal: str | None = None) -> pd.DataFrame:
        p = self.progress.sort_values("order")
        return p if goal is None else p[p["goal"] == goal]

    def _at(self, row: pd.Series, value: object, year: object) -> str:
        return "–" if _missing(value) else TEXT["at"].format(value=self.fmt(row, value), year=int(year))  # type: ignore[call-overload]

    def _forecast_cell(self, row: pd.Series) -> str:
        if _missing(row["forecast"]):
            return "–"
        return (f"{self.fmt(row, row['forecast'])} ({self.fmt(row, row['forecast_low'])}–"
                f"{self.fmt(row, row['forecast_high'])})")

    def _peer_cell(self, row: pd.Series) -> str:
        if row["source"] == "own":
            return "wskaźnik własny"
        if _missing(row["peer_median"]):
            return "–"
        text = f"mediana {self.fmt(row, row['peer_median'])}"
        if not _missing(row["peer_rank"]):
            text += f"; pozycja {int(row['peer_rank'])} z {int(row['peer_n'])}"
        return text

    def goal_table_html(self, goal: str, name: str) -> str:
        """The table of one goal: objective, indicator, baseline, latest, target, status, forecast, peers, unit."""
        body = []
        for _, r in self.rows(goal).iterrows():
            body.append([r["objective_name"], f"{r['name']} [{r['measure_unit']}]",
                         self._at(r, r["baseline_value"], r["baseline_year"]),
                         self._at(r, r["latest_value"], r["latest_year"]),
                         self._at(r, r["target_value"], r["target_year"]), status_text(r["status"]),
                         self._forecast_cell(r), self._peer_cell(r), r["responsible"]])
        return table("jst-strategy", HEAD, body, caption=TEXT["goal_caption"].format(goal=goal, name=name))

    def sentences(self, indicator: str) -> list[str]:
        """What one indicator shows, in sentences whose numbers all come from the progress table."""
        r = self.progress.set_index("indicator").loc[indicator]
        base = dict(name=r["name"], unit=r["measure_unit"], baseline=self.fmt(r, r["baseline_value"]),
                    baseline_year=int(r["baseline_year"]), target=self.fmt(r, r["target_value"]),
                    target_year=int(r["target_year"]))
        if r["status"] == "insufficient_data":
            out = [TEXT["no_data"].format(**base)]
        else:
            out = [TEXT["sentence"].format(**base, latest=self.fmt(r, r["latest_value"]), latest_year=int(r["latest_year"]))]
            words = STATUS[r["status"]][0]
            out.append(TEXT["rates_reached"].format(status=words) if r["status"] == "target_reached" else
                       TEXT["rates"].format(observed=rate_text(r, "observed_rate"), required=rate_text(r, "required_rate"),
                                            status=words))
        pts = self.points[(self.points["indicator"] == indicator) & self.points["observed"].notna()
                          & (self.points["year"] >= r["baseline_year"])]
        if _missing(r["forecast"]):
            out.append(TEXT["no_forecast"])
        else:
            out.append(TEXT["forecast"].format(first=int(pts["year"].min()), last=int(pts["year"].max()),
                                               year=int(r["forecast_year"]), mean=self.fmt(r, r["forecast"]),
                                               low=self.fmt(r, r["forecast_low"]), high=self.fmt(r, r["forecast_high"]),
                                               inside=TEXT["inside"] if r["target_in_interval"] else TEXT["outside"]))
        if r["source"] == "own":
            out.append(TEXT["own"])
        elif not _missing(r["peer_median"]):
            position = "" if _missing(r["peer_rank"]) else TEXT["position"].format(
                rank=int(r["peer_rank"]), n=int(r["peer_n"]), pct=num(float(r["peer_percentile"]), 0))
            out.append(TEXT["peers"].format(group=self.peer_group_text(r), n=int(r["peer_n"]), year=int(r["peer_year"]),
                                            median=self.fmt(r, r["peer_median"]), position=position))
        return out

    @staticmethod
    def peer_group_text(row: pd.Series) -> str:
        kind = PEER_TYPES.get(str(row["peer_group_type"]), str(row["peer_group_type"]))
        name = row["peer_group_name"]
        return f"{kind}: {name}" if not _missing(name) and row["peer_group_type"] != "national" else kind

    def sentences_html(self, indicator: str) -> str:
        return paragraph(self.sentences(indicator))

    def figure(self, indicator: str) -> tuple[PolishFigure, str]:
        """A small chart of one indicator and its text alternative: observed values, the trend with its 90% band up
        to the target year, the target as a point, the peers' median as a line."""
        r = self.progress.set_index("indicator").loc[indicator]
        pts = self.points[self.points["indicator"] == indicator].sort_values("year")
        fig = PolishFigure(figsize=(6.0, 2.3))
        ax = fig.subplots()
        alt_trend = alt_peers = ""
        if pts["peer_median"].notna().any():
            peers = pts.dropna(subset=["peer_median"])
            ax.plot(peers["year"], peers["peer_median"], color=NATIONAL, lw=1.2, ls=":", label=TEXT["peer_median"])
            last = peers.iloc[-1]
            alt_peers = TEXT["alt_peers"].format(year=int(last["year"]), median=self.fmt(r, last["peer_median"]))
        trend = pts.dropna(subset=["trend"])
        if len(trend):
            ax.fill_between(trend["year"], trend["trend_low"], trend["trend_high"], color=BAND, alpha=0.7)
            ax.plot(trend["year"], trend["trend"], color=SELF, lw=1.2, ls="--", label=TEXT["trend"])
            end = trend.iloc[-1]
            alt_trend = TEXT["alt_trend"].format(year=int(end["year"]), low=self.fmt(r, end["trend_low"]),
                                                 high=self.fmt(r, end["trend_high"]))
        obs = pts.dropna(subset=["observed"])
        ax.plot(obs["year"], obs["observed"], color=SELF, lw=2, marker="o", ms=4, label=TEXT["observed"])
        ax.plot([r["target_year"]], [r["target_value"]], ls="none", marker="*", ms=12, color=GROUP, label=TEXT["target"])
        ax.set_title(label(f"{r['name']} [{r['measure_unit']}]", 70, 2), loc="left", fontsize=9)
        years = np.concatenate([pts["year"].to_numpy(), [r["target_year"]]]).astype(int)
        first, last_year = int(years.min()), int(years.max())
        ax.set_xticks(sorted({first, int(r["baseline_year"]), int(self.year), last_year}))
        ax.xaxis.set_major_formatter("{x:.0f}")
        ax.legend(fontsize=6.5, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        fig.subplots_adjust(left=0.1, right=0.7, top=0.82, bottom=0.14)
        alt = TEXT["alt"].format(name=r["name"], unit=r["measure_unit"], first=first, last=last_year, trend=alt_trend,
                                 target=self.fmt(r, r["target_value"]), target_year=int(r["target_year"]), peers=alt_peers)
        return fig, alt

    def figure_html(self, indicator: str) -> str:
        fig, alt = self.figure(indicator)
        return image(fig, alt)

    def annex_frame(self) -> pd.DataFrame:
        """The annex table: one row per indicator, numbers rounded to the indicator's decimals (rates: 4 decimals)."""
        rows = []
        for _, r in self.rows().iterrows():
            d = int(r["decimals"])

            def rnd(x: object, digits: int = d) -> float | None:
                return None if _missing(x) else round(float(x), digits)  # type: ignore[arg-type]

            rate_digits = 4 if r["method"] == "cagr" else d + 1
            rows.append([r["goal_name"], r["objective_name"], r["name"], r["measure_unit"],
                         "katalog wskaźników" if r["source"] == "catalogue" else "wskaźnik własny JST",
                         int(r["baseline_year"]), rnd(r["baseline_value"]),
                         None if _missing(r["latest_year"]) else int(r["latest_year"]), rnd(r["latest_value"]),
                         int(r["target_year"]), rnd(r["target_value"]), status_text(r["status"]),
                         rnd(r["observed_rate"], rate_digits), rnd(r["required_rate"], rate_digits),
                         rnd(r["forecast"]), rnd(r["forecast_low"]), rnd(r["forecast_high"]),
                         None if _missing(r["peer_group_type"]) else self.peer_group_text(r), rnd(r["peer_median"]),
                         None if _missing(r["peer_rank"]) else int(r["peer_rank"]),
                         None if _missing(r["peer_n"]) else int(r["peer_n"]), r["responsible"], r["notes"]])
        return pd.DataFrame(rows, columns=ANNEX_COLUMNS)

    def downloads_html(self) -> str:
        """Links to the annex files beside the report and to the method's page."""
        items = [(f"{quote(self.code)}-zalacznik.xlsx", "Załącznik do raportu o stanie JST (XLSX)"),
                 (f"{quote(self.code)}-zalacznik.html", "Załącznik do raportu o stanie JST (HTML)"),
                 (links.methodology("methods/strategy"), "Metoda oceny postępu (strona metodologii)")]
        return "<ul>" + "".join(f"<li><a href='{esc(h)}'>{esc(t)}</a></li>" for h, t in items) + "</ul>"

    def annex_caption(self) -> str:
        return TEXT["annex_caption"].format(title=self.meta.get("title", ""), name=self.name, year=self.year)


def annex_xlsx(view: StrategyView) -> bytes:
    """The annex as an XLSX workbook whose bytes depend on the data only (`views.report.xlsx_bytes`)."""
    return xlsx_bytes(view.annex_frame(), "Realizacja strategii")


def annex_html(view: StrategyView) -> str:
    """The annex as a standalone HTML file: one table with a caption, every cell escaped, the reports' stylesheet.
    Rates are shown in words (per cent or unit a year); numbers the Polish way."""
    whose = "powiatu" if view.kind == "powiat" else "gminy"
    body = []
    for _, r in view.rows().iterrows():
        body.append([r["goal_name"], r["objective_name"], f"{r['name']} [{r['measure_unit']}]",
                     view._at(r, r["baseline_value"], r["baseline_year"]), view._at(r, r["latest_value"], r["latest_year"]),
                     view._at(r, r["target_value"], r["target_year"]), status_text(r["status"]),
                     rate_text(r, "observed_rate"), rate_text(r, "required_rate"), view._forecast_cell(r),
                     view._peer_cell(r), r["responsible"]])
    head = ["Cel", "Cel operacyjny", "Wskaźnik", "Wartość bazowa", "Ostatnia wartość", "Wartość docelowa", "Ocena postępu",
            "Tempo obserwowane", "Tempo potrzebne", "Prognoza na rok docelowy (przedział 90%)", "Na tle grupy porównawczej",
            "Komórka odpowiedzialna"]
    title = TEXT["annex_title"].format(whose=whose)
    return ("<!DOCTYPE html><html lang='pl'><head><meta charset='utf-8'><title>" + esc(title) + "</title>"
            + stylesheet() + "</head><body><main><h1>" + esc(title) + "</h1>"
            + (banner(SYNTHETIC_NOTE) if view.folder.meta.get("synthetic") else "")
            + (banner(EXAMPLE_NOTE) if view.meta.get("example") else "")
            + table("jst-strategy-annex", head, body, caption=view.annex_caption())
            + paragraph([TEXT["legend_caption"] + ": " + "; ".join(f"{status_text(s)} – {m}" for s, (_, _, m) in STATUS.items())
                         + "."])
            + "</main></body></html>")


def write_annexes(view: StrategyView, folder: str | Path) -> tuple[Path, Path]:
    """Write the annex beside the report (`<code>-zalacznik.xlsx` and `.html` in `folder`), each atomically."""
    from jstbench.core.atomic import atomic_path, write_text

    xlsx, page = (Path(folder) / f"{view.code}-zalacznik{ext}" for ext in (".xlsx", ".html"))
    with atomic_path(xlsx) as tmp:
        tmp.write_bytes(annex_xlsx(view))
    write_text(page, annex_html(view))
    return xlsx, page
