"""Good practices in an authority report (Polish): where the authority lags, practices of authorities that improved
on the same indicator, nearest peers first — from the series tables `practice_links` and `practices`."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd

from jstbench.core.text import esc, num
from jstbench.views import links
from jstbench.views.report import SeriesData
from jstbench.views.tables import Html, note, paragraph, table

TITLE = "Dobre praktyki innych JST"
LEVELS = {0: "podobna JST", 1: "ten sam rodzaj i wielkość", 2: "ten sam rodzaj JST", 3: "inna JST"}
STATUS = {"submitted": "zgłoszona", "reviewed": "zweryfikowana", "awarded": "nagrodzona"}
BASIS = {"typology": "wśród JST tego rodzaju i wielkości", "national": "w kraju"}
HEADS = ["Wskaźnik", "Pozycja JST", "Praktyka", "Kto", "Bliskość", "Zmiana u autora praktyki (dane)"]


def practice_page(practice_id: str) -> str:
    """The practice's page on the methodology site, relative to an authority report."""
    return f"{links.SITE}/praktyki/{quote(practice_id, safe='')}.html"


def practices_section_html(s: SeriesData, unit: str) -> str:
    """The section body ("" when the series links no practices): a table of the indicators on which the authority
    lags, each with up to the series' number of practices, and what "lags" and "improved" mean."""
    practices = s.read("practices")
    if practices.empty:
        return ""
    rows = s.read("practice_links", [("unit", "==", unit)])
    lag = s.meta.get("practices", {}).get("lag_below", 50)
    intro = (f"Gdzie JST wypada poniżej {num(lag, 0)}. percentyla wśród JST tego samego rodzaju i wielkości (gdy ta grupa "
             "jest za mała, by w niej porównywać — w kraju), pokazujemy "
             "praktyki JST, które na tym wskaźniku się poprawiły — najpierw podobnych, potem tego samego rodzaju i "
             "wielkości. Poprawę mierzymy na danych serii: od ostatniego roku przed rozpoczęciem praktyki do ostatniego "
             "roku z danymi; to zbieżność w czasie, nie dowód, że poprawa wynika z praktyki.")
    if rows.empty:
        return paragraph([intro, f"W bazie jest {num(len(practices), 0)} praktyk; żadna nie dotyczy wskaźników, na których "
                          "ta JST wypada słabiej, albo ich autorzy nie poprawili się na danych."])
    info = practices.set_index("practice")
    body = []
    for r in rows.itertuples(index=False):
        ind = str(r.indicator)
        p = info.loc[r.practice]
        title = f"<a href='{esc(practice_page(str(r.practice)))}'>{esc(p['title'])}</a>"
        status = STATUS.get(str(p["status"]), str(p["status"]))
        unit_text = s.indicators[ind]["unit"]
        change = (f"{s.fmt(ind, r.before)} ({int(r.before_year)}) → {s.fmt(ind, r.after)} {unit_text} ({int(r.after_year)})"
                  if pd.notna(r.before_year) and pd.notna(r.after_year) else "–")
        fake = " (fikcyjna)" if p["synthetic"] else ""
        body.append([Html(s.indicator_link(ind)) if r.order == 1 else "",
                     f"{num(r.percentile, 0)}. percentyl {BASIS[str(r.basis)]}" if r.order == 1 else "",
                     Html(f"{title}{esc(fake)} <span class='jst-note'>({esc(status)})</span>"),
                     s.unit_name(str(r.practice_unit)), LEVELS.get(int(r.level), ""), change])
    return (paragraph([intro])
            + table("jst-practices", HEADS, body, caption="Praktyki JST, które poprawiły się na wskaźnikach, "
                                                          "na których ta JST wypada słabiej")
            + note("Opis praktyki, koszty, wyniki podane przez autora i kontakt: na stronie praktyki (baza dobrych "
                   "praktyk w serwisie metodologii)."))


def trend_figure(name: str, indicator: str, unit: str, trend: pd.DataFrame, start: int, end: int | None):
    """The authority's values of one indicator by year (`trend`: year, value, national_median), the national median
    dotted, the practice's years shaded."""
    from jstbench.views.charts import NATIONAL, SELF, PolishFigure, label, with_alt

    fig = PolishFigure(figsize=(6.4, 2.4))
    ax = fig.subplots()
    last = int(trend["year"].max())
    ax.axvspan(start - 0.5, (end if end else last) + 0.5, color="#dde8f3", label="lata praktyki")
    if trend["national_median"].notna().any():
        ax.plot(trend["year"], trend["national_median"], color=NATIONAL, lw=1, ls=":", label="mediana kraju")
    ax.plot(trend["year"], trend["value"], color=SELF, lw=2, marker="o", ms=4, label=label(name, 28))
    ax.set_title(f"{indicator} [{unit}]", loc="left", fontsize=9)
    ax.set_xticks(sorted({int(trend["year"].min()), start, last}))
    ax.xaxis.set_major_formatter("{x:.0f}")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.subplots_adjust(left=0.1, right=0.72, top=0.86, bottom=0.14)
    known = trend.dropna(subset=["value"])
    first_row, last_row = known.iloc[0], known.iloc[-1]
    alt = (f"Wykres liniowy: {indicator} w JST {name} w latach {int(first_row['year'])}–{int(last_row['year'])}, od "
           f"{num(first_row['value'], 2)} do {num(last_row['value'], 2)} {unit}; lata praktyki od {start}"
           f"{f' do {end}' if end else ''} zacieniowane; linia kropkowana: mediana kraju.")
    return with_alt(fig, alt)
