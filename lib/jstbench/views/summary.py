"""The first page of an authority report: where it stands, in a few lines a council can act on.

Strengths and weaknesses (positions against each sector's comparator), values outside what is usual for
authorities in similar conditions, the largest changes since last year, and who to learn from. Everything is
selected from `UnitView` (the series folder); nothing is recomputed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jstbench.catalogue.model import SECTORS
from jstbench.core.text import esc
from jstbench.views.fair import usable_model
from jstbench.views.report import UnitView, stat_row
from jstbench.views.tables import Html, paragraph, table
from jstbench.views.wording import HEADS, QUARTILE_LABELS, say

TOP = 5
"""How many strengths, weaknesses, values outside the usual range and changes the first page lists."""
LEARN_FROM = 3
"""How many better-placed authorities are named per indicator (in the group, among similar authorities)."""


def better_first(values: pd.Series, direction: str, target: dict | None = None) -> pd.Series:
    """Values ordered best first by the indicator's direction (target range: distance from the range).

    >>> better_first(pd.Series({"a": 3.0, "b": 1.0, "c": 2.0}), "lower-better").index.tolist()
    ['b', 'c', 'a']
    >>> better_first(pd.Series({"a": 2.0, "b": 12.0, "c": 6.0}), "target-range", {"low": 5, "high": 10}).index.tolist()
    ['c', 'b', 'a']
    """
    values = values.dropna()
    if direction == "higher-better":
        score = -values
    elif direction == "lower-better":
        score = values
    elif direction == "target-range" and target:
        score = np.maximum(float(target["low"]) - values, 0) + np.maximum(values - float(target["high"]), 0)
    else:
        return values.iloc[0:0]
    return values.loc[score.sort_values(kind="stable").index]


@dataclass
class UnitSummary:
    """The first page of one authority's report."""

    view: UnitView

    def __post_init__(self) -> None:
        self.s = self.view.s
        self.table = self.view.summary_frame()
        self._peer_values: pd.DataFrame | None = None

    def rated(self) -> pd.DataFrame:
        """Monitoring indicators with a value and a position in their comparator group."""
        t = self.table
        return t[(t["kind"] == "monitoring") & t["value"].notna() & t["group_percentile"].notna()]

    def strengths(self) -> pd.DataFrame:
        """The best positions (above the comparator group's median), best first."""
        r = self.rated()
        return r[r["group_percentile"] > 50].sort_values(["group_percentile", "group_zscore"], ascending=[False, True],
                                                          key=lambda c: c if c.name == "group_percentile" else -c.abs()).head(TOP)

    def weaknesses(self) -> pd.DataFrame:
        """The weakest positions (below the comparator group's median), weakest first."""
        r = self.rated()
        return r[r["group_percentile"] < 50].sort_values(["group_percentile", "group_zscore"], ascending=[True, True],
                                                         key=lambda c: c if c.name == "group_percentile" else -c.abs()).head(TOP)

    def _position_rows(self, frame: pd.DataFrame) -> list[list[object]]:
        return [[Html(self.s.indicator_link(r["indicator"])), f"{r['Wartość']} {r['Jednostka']}", r["Grupa porównawcza"],
                 r["Mediana grupy"], r["Pozycja w grupie"], QUARTILE_LABELS.get(int(r["group_quartile"]), "–")]
                for r in frame.to_dict("records")]

    def positions_html(self) -> str:
        """Strengths and weaknesses as two tables (or a sentence saying there are none)."""
        out = []
        for key, frame in (("strengths", self.strengths()), ("weaknesses", self.weaknesses())):
            out.append(f"<h3 id='{key}'>{esc(say(f'first.{key}'))}</h3>")
            out.append(table(f"jst-{key}", HEADS["findings"], self._position_rows(frame),
                             say(f"first.{key}_caption", year=self.view.year)) if len(frame)
                       else paragraph([say(f"first.no_{key}")]))
        return "".join(out)

    def counts_sentence(self) -> str:
        """How many rated indicators are in each quartile of their comparator group."""
        r = self.rated()
        q = r["group_quartile"].value_counts()
        return say("first.counts", n=len(r), q1=int(q.get(1.0, 0)), q4=int(q.get(4.0, 0)), year=self.view.year)

    def outside_expected(self) -> pd.DataFrame:
        """Rated indicators whose value lies outside the 90% interval of authorities in similar conditions, where the
        adjustment model fits (status ok), largest relative gap first."""
        adj = self.s.read("adjusted", [("unit", "==", self.view.code)])
        adj = adj[adj["year"] == self.view.year]
        models = self.s.read("models")
        ok = {str(m["indicator"]) for m in models[models["year"] == self.view.year].to_dict("records") if usable_model(m)}
        adj = adj[adj["indicator"].astype(str).isin(ok) & ((adj["value"] < adj["pi_low"]) | (adj["value"] > adj["pi_high"]))]
        adj = adj[adj["indicator"].astype(str).map(lambda i: self.s.indicators[i]["kind"] == "monitoring").astype(bool)]
        return adj.assign(order=adj["gap_rel"].abs()).sort_values("order", ascending=False).head(TOP)

    def outside_html(self) -> str:
        rows = []
        for r in self.outside_expected().to_dict("records"):
            ind = str(r["indicator"])
            meta = self.s.indicators[ind]
            above = r["value"] > r["pi_high"]
            good = {"higher-better": above, "lower-better": not above}.get(meta["direction"])
            verdict = say("first.above" if above else "first.below") + (
                "" if good is None else " — " + say("first.better" if good else "first.worse"))
            rows.append([Html(self.s.indicator_link(ind)), f"{self.s.fmt(ind, r['value'])} {meta['unit']}",
                         self.s.fmt(ind, r["expected"]), f"{self.s.fmt(ind, r['pi_low'])}–{self.s.fmt(ind, r['pi_high'])}",
                         verdict])
        head = f"<h3 id='poza-przedzialem'>{esc(say('first.outside'))}</h3>"
        if not rows:
            return head + paragraph([say("first.no_outside")])
        return head + table("jst-outside", HEADS["outside"], rows, say("first.outside_caption", year=self.view.year))

    def changes(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The largest improvements and deteriorations since last year, measured against the spread of the
        indicator in the country (interquartile range), so that indicators in different units compare."""
        rows = []
        for ind, cur in self.view.current_records.items():
            meta = self.s.indicators[ind]
            sign = {"higher-better": 1, "lower-better": -1}.get(meta["direction"])
            if sign is None or meta["kind"] != "monitoring" or pd.isna(cur["change"]) or cur["change"] == 0:
                continue
            if self.s.breaks(ind, self.view.year - 1, self.view.year):
                continue  # a change across a comparability break is not a change in the service
            st = stat_row(self.view.stats_now, self.s.meta["national_id"], ind)
            iqr = (st["q75"] - st["q25"]) if st is not None else np.nan
            if not iqr or pd.isna(iqr):
                continue
            rows.append({"indicator": ind, "value": cur["value"], "change": cur["change"], "change_pct": cur["change_pct"],
                         "effect": sign * cur["change"] / iqr})
        df = pd.DataFrame(rows, columns=["indicator", "value", "change", "change_pct", "effect"])
        better = df[df["effect"] > 0].sort_values("effect", ascending=False).head(TOP)
        worse = df[df["effect"] < 0].sort_values("effect").head(TOP)
        return better, worse

    def changes_html(self) -> str:
        better, worse = self.changes()
        rows = []
        for frame, key in ((better, "first.improved"), (worse, "first.worsened")):
            for r in frame.to_dict("records"):
                ind = r["indicator"]
                rows.append([Html(self.s.indicator_link(ind)), self.s.fmt(ind, r["value"] - r["change"]),
                             f"{self.s.fmt(ind, r['value'])} {self.s.indicators[ind]['unit']}",
                             self.view.change_text(ind, r), say(key)])
        head = f"<h3 id='zmiany'>{esc(say('first.changes', year=self.view.year - 1))}</h3>"
        if not rows:
            return head + paragraph([say("first.no_changes", year=self.view.year - 1)])
        return head + table("jst-changes", HEADS["changes"], rows, say("first.changes_caption", year=self.view.year - 1))

    def html(self) -> str:
        """The whole first page."""
        return (paragraph([self.counts_sentence()]) + self.positions_html() + self.outside_html() + self.changes_html())

    # who to learn from

    def peer_values(self, indicator: str) -> pd.Series:
        """The similar authorities' values of an indicator in the report year, by code (read once per report)."""
        if self._peer_values is None:
            self._peer_values = self.s.read("values", [("unit", "in", self.view.peer_codes), ("year", "==", self.view.year)])
        v = self._peer_values
        v = v[v["indicator"] == indicator]
        return pd.Series(v["value"].to_numpy(dtype=float), index=v["unit"].astype(str).to_numpy())

    def group_values(self, indicator: str) -> pd.Series:
        """The values of the other members of the sector's exchange group (when the unit has one), by code."""
        comp = self.view.comparator(self.s.indicators[indicator]["sector"])
        if comp.kind != "exchange":
            return pd.Series(dtype=float)
        p = self.view.peers
        p = p[(p["group"] == comp.group) & (p["year"] == self.view.year) & (p["indicator"].astype(str) == indicator)]
        return pd.Series(p["value"].to_numpy(), index=p["unit"].astype(str).to_numpy())

    def learn_from(self, indicator: str, values: pd.Series) -> list[str]:
        """Up to `LEARN_FROM` codes doing better than this unit on an indicator, best first."""
        meta = self.s.indicators[indicator]
        own = self.view.current_records[indicator]["value"]
        if pd.isna(own):
            return []
        ordered = better_first(values.drop(self.view.code, errors="ignore"), meta["direction"], meta.get("target"))
        mine = better_first(pd.concat([ordered, pd.Series({self.view.code: own})]), meta["direction"], meta.get("target"))
        ahead = list(mine.index[: list(mine.index).index(self.view.code)])
        return ahead[:LEARN_FROM]

    def learn_html(self, indicators: list[str] | None = None) -> str:
        """Per indicator (default: the weaknesses), the better-placed members of the group and similar authorities,
        each linked to its report where the series has one."""
        inds = indicators if indicators is not None else self.weaknesses()["indicator"].tolist()
        rows = []
        for ind in inds:
            cells = []
            for values in (self.group_values(ind), self.peer_values(ind)):
                codes = self.learn_from(ind, values)
                cells.append(Html(", ".join(f"{self.s.unit_link(c)} ({esc(self.s.fmt(ind, values[c]))})" for c in codes))
                             if codes else say("learn.none"))
            rows.append([Html(self.s.indicator_link(ind)),
                         f"{self.s.fmt(ind, self.view.current_records[ind]['value'])} {self.s.indicators[ind]['unit']}", *cells])
        if not rows:
            return paragraph([say("learn.nothing")])
        return table("jst-learn", HEADS["learn"], rows, say("learn.caption", year=self.view.year))

    def sector_intro_html(self, sector: str) -> str:
        """Which group a sector is compared with, and its members by name (linked to their reports)."""
        comp = self.view.comparator(sector)
        if comp.kind == "exchange":
            g = self.s.exchange_group(comp.group)
            members = ", ".join(self.s.unit_link(c) for c in g["members"] if c != self.view.code)
            return (f"<p>{esc(say('sector.exchange', sector=SECTORS[sector]['pl']))} {self.s.group_link(comp.group)} "
                    f"({esc(say('sector.members', n=len(g['members'])))}: {members}).</p>")
        if comp.kind == "similar":
            return f"<p>{esc(say('sector.similar', sector=SECTORS[sector]['pl'], group=comp.name))}</p>"
        return f"<p>{esc(say('sector.other', sector=SECTORS[sector]['pl'], group=comp.name))}</p>"
