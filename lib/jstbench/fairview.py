"""Fair comparisons in the reports: expected values given conditions, intervals of positions.

`UnitFair` and `GroupFair` read the tables `jstbench.fair` wrote into a series data folder and turn them
into tables and Polish sentences; every number comes from the data, every name is escaped.
"""

from __future__ import annotations

import pandas as pd

from .adjust import STATUS_TEXT
from .report import TH, GroupView, UnitView, _read
from .text import esc, num, pct

ADJ_NOTE = ("Wartość oczekiwana to typowa wartość JST o takich samych warunkach (liczba mieszkańców, gęstość, "
            "struktura wieku, dochody własne, rodzaj jednostki), wyliczona z regresji na danych wszystkich JST; "
            "przedział 90% pokazuje, jak bardzo JST w takich warunkach zwykle się różnią. Różnica poza przedziałem "
            "jest warta wyjaśnienia; w przedziale — mieści się w zwykłej zmienności.")


def _gap_text(gap_rel: float, gap_abs: float, fmt) -> str:
    if pd.notna(gap_rel):
        return f"{num(100 * gap_rel, 0, signed=True)}%"
    return fmt(gap_abs, signed=True)


def _quartile(q: float) -> str:
    return "–" if pd.isna(q) else f"Q{int(q)}"


class UnitFair:
    """Expected values and position intervals of one authority."""

    def __init__(self, view: UnitView):
        self.v = view
        f = view.s.folder
        self.adjusted = _read(f, "adjusted.parquet", [("unit", "==", view.code)]).set_index("indicator")
        models = _read(f, "models.parquet")
        self.models = models[models["year"] == view.year].set_index("indicator")
        self.intervals = _read(f, "intervals.parquet", [("unit", "==", view.code)])

    def expected_table(self, sectors: list[str]) -> pd.DataFrame:
        """Adjustable monitoring indicators of these sectors: value, expected value, interval, gap, quartiles."""
        rows = []
        for sector in sectors:
            for ind in self.v.sector_indicators(sector, "monitoring"):
                if ind not in self.models.index:
                    continue
                m, meta = self.models.loc[ind], self.v.s.indicators[ind]
                a = self.adjusted.loc[ind] if ind in self.adjusted.index else None
                rows.append(dict(indicator=ind, name=meta["name"]["pl"], unit=meta["unit"], status=m["status"],
                                 r2=m["r2"], n=m["n"], value=a["value"] if a is not None else float("nan"),
                                 expected=a["expected"] if a is not None else float("nan"),
                                 pi_low=a["pi_low"] if a is not None else float("nan"),
                                 pi_high=a["pi_high"] if a is not None else float("nan"),
                                 gap_rel=a["gap_rel"] if a is not None else float("nan"),
                                 gap_abs=a["gap_abs"] if a is not None else float("nan"),
                                 raw_quartile=a["raw_quartile"] if a is not None else float("nan"),
                                 adj_quartile=a["adj_quartile"] if a is not None else float("nan")))
        return pd.DataFrame(rows)

    def expected_html(self, sectors: list[str]) -> str:
        df = self.expected_table(sectors)
        if df.empty:
            return "<p>Brak wskaźników z modelem korekty w tych obszarach.</p>"
        head = ["Wskaźnik", "Jednostka", "Wartość", "Oczekiwana", "Przedział 90%", "Różnica", "Ćwiartka w kraju",
                "Ćwiartka po korekcie", "Model"]
        out = ['<table class="jst-expected" style="border-collapse:collapse;font-size:0.9em"><thead><tr>'
               + "".join(f"<th style='{TH}'>{esc(h)}</th>" for h in head) + "</tr></thead><tbody>"]
        for r in df.itertuples():
            fmt = lambda x, signed=False, i=r.indicator: self.v.s.fmt(i, x, signed)  # noqa: E731
            model = f"{STATUS_TEXT[r.status]}, R² = {num(r.r2, 2)}, n = {int(r.n)}" if r.status != "too-few" \
                else f"{STATUS_TEXT[r.status]} (n = {int(r.n)})"
            fitted = r.status != "too-few" and pd.notna(r.expected)
            cells = [r.name, r.unit, fmt(r.value), fmt(r.expected) if fitted else "–",
                     f"{fmt(r.pi_low)}–{fmt(r.pi_high)}" if fitted else "–",
                     _gap_text(r.gap_rel, r.gap_abs, fmt) if fitted else "–",
                     _quartile(r.raw_quartile), _quartile(r.adj_quartile), model]
            style = "color:#777" if r.status != "ok" else ""
            out.append(f"<tr style='border-bottom:1px solid #eee;{style}'>"
                       + "".join(f"<td style='padding:2px 6px'>{esc(c)}</td>" for c in cells) + "</tr>")
        out.append("</tbody></table>")
        out.append(f"<p style='font-size:0.85em;color:#555'>{esc(ADJ_NOTE)} Szare wiersze: model słabo dopasowany "
                   "albo za mało danych — wartość oczekiwana mało wtedy mówi.</p>")
        return "".join(out)

    def expected_sentence(self, indicator: str) -> str | None:
        """"Authorities in conditions like yours have about X; you have Y" — or why there is no such sentence."""
        if indicator not in self.models.index:
            return None
        m = self.models.loc[indicator]
        if m["status"] == "too-few":
            return f"Wartości oczekiwanej nie liczymy: {m['note']}."
        if indicator not in self.adjusted.index:
            return "Wartości oczekiwanej nie liczymy: brak wartości albo cech strukturalnych tej JST."
        a = self.adjusted.loc[indicator]
        fmt = lambda x, signed=False: self.v.s.fmt(indicator, x, signed)  # noqa: E731
        inside = a["pi_low"] <= a["value"] <= a["pi_high"]
        text = (f"JST w warunkach podobnych do tej mają zwykle około {fmt(a['expected'])} "
                f"(90% przedział: {fmt(a['pi_low'])}–{fmt(a['pi_high'])}); tutaj {fmt(a['value'])}, "
                f"różnica {_gap_text(a['gap_rel'], a['gap_abs'], fmt)} — "
                + ("w granicach zwykłej zmienności." if inside else "poza zwykłą zmiennością, warto ją wyjaśnić."))
        if m["status"] == "poor-fit":
            text += f" Uwaga: model słabo wyjaśnia zróżnicowanie (R² = {num(m['r2'], 2)}), więc ta wartość mało mówi."
        return text

    def interval_sentence(self, indicator: str) -> str | None:
        """The bootstrap interval of the position in the primary group, for shares of small counts."""
        g = self.v.primary_group
        if g is None:
            return None
        iv = self.intervals[(self.intervals["indicator"] == indicator) & (self.intervals["group"] == g["id"])]
        if iv.empty:
            return None
        r = iv.iloc[0]
        if r["percentile_lo"] == r["percentile_hi"]:
            return (f"Losowość spraw (tu {num(r['trials'], 0)} w roku) nie zmienia pozycji w grupie: wynik lepszy niż u "
                    f"{pct(r['percentile_lo'])} członków grupy (przedział bootstrap 90%).")
        return (f"Część różnic to przypadek (tu {num(r['trials'], 0)} spraw w roku): z 90% pewnością wynik jest lepszy niż u "
                f"{pct(r['percentile_lo'])}–{pct(r['percentile_hi'])} członków grupy (przedział bootstrap).")

    def notes_html(self, indicator: str) -> str:
        parts = [s for s in (self.expected_sentence(indicator), self.interval_sentence(indicator)) if s]
        return f"<p style='color:#333'>{' '.join(esc(s) for s in parts)}</p>" if parts else ""


class GroupFair:
    """The adjusted comparison of a group's members."""

    def __init__(self, view: GroupView):
        self.v = view
        f = view.s.folder
        members = list(view.group["members"])
        self.adjusted = _read(f, "adjusted.parquet", [("unit", "in", members)])
        models = _read(f, "models.parquet")
        self.models = models[models["year"] == view.year].set_index("indicator")

    def adjusted_table(self, indicator: str) -> pd.DataFrame:
        """Members: value, expected, gap, rank in the group on the raw value and on the adjusted scale."""
        a = self.adjusted[self.adjusted["indicator"] == indicator].copy()
        if a.empty:
            return a
        sign = -1 if self.v.s.indicators[indicator]["direction"] == "lower-better" else 1
        a["raw_rank"] = (sign * a["value"]).rank(ascending=False, method="min")
        a["adj_rank"] = (sign * a["residual"]).rank(ascending=False, method="min")
        a["name"] = [self.v.s.unit_name(c) for c in a["unit"]]
        return a.sort_values("adj_rank")

    def adjusted_html(self, indicators: list[str]) -> str:
        out = []
        for ind in indicators:
            if ind not in self.models.index:
                continue
            m = self.models.loc[ind]
            meta = self.v.s.indicators[ind]
            fmt = lambda x, signed=False, i=ind: self.v.s.fmt(i, x, signed)  # noqa: E731
            title = f"{meta['name']['pl']} ({meta['unit']})"
            if m["status"] == "too-few":
                out.append(f"<p><b>{esc(title)}</b>: bez korekty — {esc(m['note'])}.</p>")
                continue
            t = self.adjusted_table(ind)
            quality = (f"model: {STATUS_TEXT[m['status']]}, R² = {num(m['r2'], 2)}, n = {int(m['n'])}")
            rows = "".join(
                f"<tr><td>{esc(r.name)}</td><td>{esc(fmt(r.value))}</td><td>{esc(fmt(r.expected))}</td>"
                f"<td>{esc(_gap_text(r.gap_rel, r.gap_abs, fmt))}</td><td>{int(r.raw_rank)}</td><td>{int(r.adj_rank)}</td>"
                f"<td>{esc('tak' if r.pi_low <= r.value <= r.pi_high else 'nie')}</td></tr>" for r in t.itertuples())
            head = ["JST", "Wartość", "Oczekiwana", "Różnica", "Pozycja", "Pozycja po korekcie", "W przedziale 90%"]
            out.append(f"<h4>{esc(title)}</h4><p style='font-size:0.85em;color:#555'>{esc(quality)}</p>"
                       "<table class='jst-adjusted' style='border-collapse:collapse;font-size:0.9em'><thead><tr>"
                       + "".join(f"<th style='{TH}'>{esc(h)}</th>" for h in head) + f"</tr></thead><tbody>{rows}</tbody></table>")
        return "".join(out) + f"<p style='font-size:0.85em;color:#555'>{esc(ADJ_NOTE)}</p>"
