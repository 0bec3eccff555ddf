"""Fair comparisons in the reports: expected values given conditions, intervals of positions.

`UnitFair` and `GroupFair` read the tables `jstbench.series.statistics` wrote into a series data folder and turn them
into tables and Polish sentences; every number comes from the data, every name is escaped.
"""

from __future__ import annotations

import json

import pandas as pd

from jstbench.catalogue.deflators import Deflator
from jstbench.core.text import esc, num, pct
from jstbench.core.units import UNIT_KINDS
from jstbench.indicators.features import strata
from jstbench.stats.adjust import NOT_FITTED, STATUS_TEXT
from jstbench.stats.similar import explain, standardise
from jstbench.stats.trends import cagr, is_money, linear_trend, price_level, to_real
from jstbench.views.report import GroupView, UnitView, _read, table_open

ADJ_NOTE = ("Wartość oczekiwana to typowa wartość JST o takich samych warunkach (liczba mieszkańców, gęstość, "
            "struktura wieku, dochody własne, rodzaj jednostki), wyliczona z regresji na danych wszystkich JST; "
            "przedział 90% pokazuje, jak bardzo JST w takich warunkach zwykle się różnią. Różnica poza przedziałem "
            "jest warta wyjaśnienia; w przedziale — mieści się w zwykłej zmienności.")


STRATUM_NAMES = {"gminy": "wśród gmin i miast na prawach powiatu", "powiaty": "wśród powiatów"}
FACTOR_NAMES = {"normalise": "metody normalizacji", "weights": "metody ważenia", "aggregate": "metody agregacji",
                "impute": "sposobu uzupełniania braków", "weight_noise": "dokładnych wartości wag"}


METHOD_NAMES = {"minmax": "min-max", "zscore": "standaryzacja z", "rank": "rangi", "distance_to_target": "odległość od celu",
                "equal": "równe", "expert": "eksperckie", "pca": "z analizy składowych głównych", "arithmetic": "średnia arytmetyczna",
                "geometric": "średnia geometryczna", "none": "bez uzupełniania braków", "mean": "średnia", "median": "mediana"}


def _gap_text(gap_rel: float, gap_abs: float, fmt, response: str = "log") -> str:
    """Relative gap for log models (money, rates); absolute gap, in the indicator's unit, for level models (shares)."""
    if response == "log" and pd.notna(gap_rel):
        if abs(gap_rel) < 0.005:
            return "0%"
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
        peers = _read(f, "peers.parquet", [("unit", "==", view.code)]).sort_values("order")
        self.peers = list(peers["peer"])
        self.peer_distance = dict(zip(peers["peer"], peers["distance"], strict=True))
        self.peer_stability = _read(f, "peer_stability.parquet", [("unit", "==", view.code)])
        typ = _read(f, "typology.parquet", [("unit", "==", view.code)])
        self.cluster = str(typ["cluster"].iloc[0]) if len(typ) and pd.notna(typ["cluster"].iloc[0]) else None
        self.clusters = _read(f, "clusters.parquet").set_index("cluster")
        self.similar_group = f"podobne-{view.code}"
        gids = [self.similar_group] + ([self.cluster] if self.cluster else [])
        self.composites = _read(f, "composite_scores.parquet", [("unit", "==", view.code)])
        gids_c = [g["id"] for g in view.groups]
        self.composite_groups = _read(f, "composite_groups.parquet", [("group", "in", gids_c)]) if gids_c else None
        self.composite_shares = _read(f, "composite_shares.parquet")
        deflators = json.loads((f / "deflators.json").read_text(encoding="utf-8"))
        self.price_level = price_level(Deflator.model_validate(deflators[view.s.meta.get("deflator", "cpi")]), view.year)
        self._real: dict[str, pd.DataFrame] = {}
        self.fair_rows = pd.concat([_read(f, f"comparison_{gt}.parquet", [("group", "in", gids)]).assign(group_type=gt)
                                    for gt in ("similar", "cluster")], ignore_index=True)

    def expected_table(self, sectors: list[str]) -> pd.DataFrame:
        """Adjustable monitoring indicators of these sectors: value, expected value, interval, gap, quartiles."""
        cols = ["value", "expected", "pi_low", "pi_high", "gap_rel", "gap_abs", "raw_quartile", "adj_quartile"]
        inds = [i for sector in sectors for i in self.v.sector_indicators(sector, "monitoring") if i in self.models.index]
        if not inds:
            return pd.DataFrame()
        m = self.models.loc[inds, ["status", "response", "r2", "n"]]
        own = self.adjusted.reindex(inds)[cols]  # NaN where the unit has no adjusted value
        names = pd.DataFrame({"name": [self.v.s.indicators[i]["name"]["pl"] for i in inds],
                              "unit": [self.v.s.indicators[i]["unit"] for i in inds]}, index=inds)
        return names.join(m).join(own).rename_axis("indicator").reset_index()

    def expected_html(self, sectors: list[str]) -> str:
        df = self.expected_table(sectors)
        if df.empty:
            return "<p>Brak wskaźników z modelem korekty w tych obszarach.</p>"
        head = ["Wskaźnik", "Jednostka", "Wartość", "Oczekiwana", "Przedział 90%", "Różnica", "Ćwiartka w kraju",
                "Ćwiartka po korekcie", "Model"]
        out = [table_open("jst-expected", head)]
        for r in df.itertuples():
            fmt = lambda x, signed=False, i=r.indicator: self.v.s.fmt(i, x, signed)  # noqa: E731
            model = f"{STATUS_TEXT[r.status]}, R² = {num(r.r2, 2)}, n = {int(r.n)}" if r.status not in NOT_FITTED \
                else f"{STATUS_TEXT[r.status]} (n = {int(r.n)})"
            fitted = r.status not in NOT_FITTED and pd.notna(r.expected)
            cells = [r.name, r.unit, fmt(r.value), fmt(r.expected) if fitted else "–",
                     f"{fmt(r.pi_low)}–{fmt(r.pi_high)}" if fitted else "–",
                     _gap_text(r.gap_rel, r.gap_abs, fmt, r.response) if fitted else "–",
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
        if m["status"] in NOT_FITTED:
            return f"Wartości oczekiwanej nie liczymy: {m['note']}."
        if indicator not in self.adjusted.index:
            own = self.v.values[(self.v.values["indicator"] == indicator) & (self.v.values["year"] == self.v.year)]
            if own["value"].notna().any():
                return "Wartości oczekiwanej nie liczymy: brak cech strukturalnych tej JST."
            return None
        a = self.adjusted.loc[indicator]
        if m["status"] != "ok":
            return None  # a poor fit is shown, greyed, in the table of expected values; no sentence builds on it
        fmt = lambda x, signed=False: self.v.s.fmt(indicator, x, signed)  # noqa: E731
        inside = a["pi_low"] <= a["value"] <= a["pi_high"]
        text = (f"JST w warunkach podobnych do tej mają zwykle około {fmt(a['expected'])} "
                f"(90% przedział: {fmt(a['pi_low'])}–{fmt(a['pi_high'])}); tutaj {fmt(a['value'])}, "
                f"różnica {_gap_text(a['gap_rel'], a['gap_abs'], fmt, m['response'])} — "
                + ("w granicach zwykłej zmienności." if inside else "poza zwykłą zmiennością, warto ją wyjaśnić."))
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

    def feature_text(self, feature: str, value: float) -> str:
        """A feature on its natural scale for display (a logged feature is shown un-logged)."""
        x = self.v.s.structure.feature(feature).natural(value)
        return num(x, 0 if pd.notna(x) and abs(x) >= 100 else 1)

    def why_peers(self) -> pd.DataFrame:
        """Per structural feature: this unit, its peers' median and range (raw scale), and how close they are."""
        weights = self.v.s.meta["similar"]["weights"]
        feats = _read(self.v.s.folder, "features.parquet", [("year", "==", self.v.year)]).set_index("unit")[list(weights)]
        z = standardise(feats, strata(self.v.s.units.reset_index(drop=True)))
        return explain(feats, z, self.v.code, self.peers, weights)

    def similar_html(self) -> str:
        """Who the similar authorities are, why, and how stable that is."""
        if not self.peers:
            return "<p>Brak podobnych JST: dla tej jednostki brakuje cech strukturalnych.</p>"
        k = len(self.peers)
        units = self.v.s.units
        items = "".join(f"<li>{esc(self.v.s.unit_name(p))} ({esc(UNIT_KINDS[units.loc[p, 'kind']])}, TERYT {esc(p)}; "
                        f"odległość {esc(num(self.peer_distance[p], 2))})</li>" for p in self.peers)
        labels = self.v.s.structure.labels()
        why = self.why_peers()
        rows = "".join(
            f"<tr><td>{esc(labels.get(f, f))}</td><td>{esc(self.feature_text(f, r.unit_value))}</td>"
            f"<td>{esc(self.feature_text(f, r.peers_median))}</td>"
            f"<td>{esc(self.feature_text(f, r.peers_min))}–{esc(self.feature_text(f, r.peers_max))}</td>"
            f"<td>{esc(num(r.gap_sd, 2))}</td><td>{esc(num(r.weight, 1))}</td></tr>"
            for f, r in why.iterrows() if r.weight > 0)
        closest = [labels.get(f, f) for f, r in why.iterrows() if r.weight > 0][:2]
        stab = self.peer_stability.iloc[0] if len(self.peer_stability) else None
        text = [f"Podobne JST to {k} jednostek tego samego rodzaju porównań (gminy z gminami, powiaty z powiatami), "
                f"najbliższych pod względem cech strukturalnych z wagami z metodologii. Najbardziej zbliżają je: "
                f"{' i '.join(closest)}."]
        if stab is not None:
            if pd.notna(stab["jaccard_previous"]):
                same = round(k * 2 * stab["jaccard_previous"] / (1 + stab["jaccard_previous"]))
                text.append(f"Na danych z poprzedniego roku {same} z {k} podobnych JST byłoby takich samych"
                            + ("." if same > k / 2 else " — wiele JST ma bardzo zbliżone warunki, więc skład tej grupy zmienia się "
                               "z roku na rok: traktuj ją jako przykłady do porównań, nie stałą grupę."))
            text.append(f"Przy losowej zmianie wag o ±25% średnio {pct(100 * stab['kept_share'])} podobnych JST zostaje w grupie.")
        head = ["Cecha", "Ta JST", "Mediana podobnych", "Zakres podobnych", "Średnia różnica (odch. std.)", "Waga"]
        return (f"<p>{esc(' '.join(text))}</p><ol class='jst-peers'>{items}</ol>"
                + table_open("jst-why", head) + f"{rows}</tbody></table>"
                "<p style='font-size:0.85em;color:#555'>„–”: brak danych tej JST; w odległości przyjęto wtedy medianę "
                "jednostek tego rodzaju.</p>")

    def cluster_html(self) -> str:
        """The data-driven type of the unit, what characterises it and how stable it is."""
        if self.cluster is None or self.cluster not in self.clusters.index:
            return "<p>Jednostka nie ma typu strukturalnego (brak cech).</p>"
        c = self.clusters.loc[self.cluster]
        stab = c["stability"]
        verdict = ("stabilny" if stab >= 0.75 else "umiarkowanie stabilny" if stab >= 0.5 else
                   "niestabilny: to umowny podział ciągłego zróżnicowania, granice typu łatwo się przesuwają")
        labels = self.v.s.structure.labels()
        z = {k[2:]: c[k] for k in c.index if k.startswith("z_") and pd.notna(c[k])}
        top = sorted(z, key=lambda f: -abs(z[f]))[:2]
        distinct = "; ".join(f"{labels.get(f, f).split(' (')[0].lower()}: {'powyżej' if z[f] > 0 else 'poniżej'} przeciętnej "
                             f"({num(z[f], 1, signed=True)} odch. std.)" for f in top)
        text = (f"Typ strukturalny (grupowanie metodą Warda według cech strukturalnych): {self.cluster}, {int(c['n'])} JST. "
                f"Wyróżnia go: {distinct}. "
                f"Stabilność typu (średni indeks Jaccarda przy losowaniu 80% jednostek): {num(stab, 2)} — {verdict}.")
        return f"<p>{esc(text)}</p>"

    def peer_positions(self, sectors: list[str]) -> pd.DataFrame:
        """Monitoring indicators: position in the exchange group, among similar authorities and in the type."""
        cur = self.fair_rows[self.fair_rows["year"] == self.v.year]
        exch = self.v.position("exchange", self.v.primary_group["id"]) if self.v.primary_group else None
        rows = []
        for sector in sectors:
            for ind in self.v.sector_indicators(sector, "monitoring"):
                r = dict(indicator=ind, name=self.v.s.indicators[ind]["name"]["pl"])
                for label, part in (("exchange", exch), ("similar", cur[(cur["group_type"] == "similar") & (cur["unit"] == self.v.code)]
                                                       .set_index("indicator")),
                                    ("cluster", cur[(cur["group_type"] == "cluster") & (cur["unit"] == self.v.code)].set_index("indicator"))):
                    hit = part is not None and ind in part.index
                    r[f"{label}_value"] = part.loc[ind, "value"] if hit else float("nan")
                    r[f"{label}_median"] = part.loc[ind, "median"] if hit else float("nan")
                    r[f"{label}_rank"] = part.loc[ind, "rank"] if hit else float("nan")
                    r[f"{label}_n"] = part.loc[ind, "n"] if hit else float("nan")
                rows.append(r)
        return pd.DataFrame(rows)

    def peer_positions_html(self, sectors: list[str]) -> str:
        df = self.peer_positions(sectors)
        if df.empty:
            return ""
        head = ["Wskaźnik", "Wartość", "Mediana grupy wymiany", "Pozycja", "Mediana podobnych JST", "Pozycja",
                "Mediana typu", "Pozycja w typie"]

        def pos(r, label):
            rank, n = r[f"{label}_rank"], r[f"{label}_n"]
            return f"{int(rank)}/{int(n)}" if pd.notna(rank) else "–"

        body = []
        for _, r in df.iterrows():
            fmt = lambda x, i=r["indicator"]: self.v.s.fmt(i, x)  # noqa: E731
            value = next((r[f"{g}_value"] for g in ("similar", "cluster", "exchange") if pd.notna(r[f"{g}_value"])), float("nan"))
            cells = [r["name"], fmt(value), fmt(r["exchange_median"]), pos(r, "exchange"), fmt(r["similar_median"]),
                     pos(r, "similar"), fmt(r["cluster_median"]), pos(r, "cluster")]
            body.append("<tr>" + "".join(f"<td style='padding:2px 6px'>{esc(c)}</td>" for c in cells) + "</tr>")
        return (table_open("jst-peer-positions", head) + "".join(body)
                + "</tbody></table><p style='font-size:0.85em;color:#555'>Pozycja 1 = najlepszy wynik według kierunku "
                "wskaźnika; liczba po ukośniku to liczba JST z danymi (razem z tą).</p>")

    def composite_rows(self) -> list[dict]:
        """Per composite of the series: this unit's national rank interval, its primary group's intervals, the
        variance shares of the choices."""
        out = []
        for c in self.v.s.meta.get("composites", []):
            nat = self.composites[self.composites["composite"] == c["id"]]
            grp = None
            if self.composite_groups is not None and self.v.primary_group:
                cg = self.composite_groups
                grp = cg[(cg["composite"] == c["id"]) & (cg["group"] == self.v.primary_group["id"])]
            stratum = nat["stratum"].iloc[0] if len(nat) else None
            cs = self.composite_shares
            shares = cs[(cs["composite"] == c["id"]) & (cs["stratum"] == stratum)].set_index("factor")["share"]
            out.append(dict(definition=c, national=nat.iloc[0] if len(nat) else None,
                            group=grp if grp is not None and len(grp) else None, shares=shares))
        return out

    def composites_html(self) -> str:
        rows = self.composite_rows()
        if not rows:
            return ""
        parts = []
        for r in rows:
            c, nat = r["definition"], r["national"]
            names = ", ".join(self.v.s.indicators[i]["name"]["pl"] for i in c["indicators"])
            text = [f"Składowe: {names}. Wybory nominalne: normalizacja {METHOD_NAMES[c['normalise']]}, wagi "
                    f"{METHOD_NAMES[c['weights']]}, agregacja {METHOD_NAMES[c['aggregate']]}, braki: {METHOD_NAMES[c['impute']]}."]
            if nat is None or pd.isna(nat["nominal_rank"]):
                text.append("Ta JST nie ma indeksu: za mało składowych z danymi.")
            else:
                text.append(f"W kraju ({STRATUM_NAMES.get(nat['stratum'], nat['stratum'])}): pozycja {int(nat['nominal_rank'])} "
                            f"na {int(nat['n'])}; przy innych rozsądnych "
                            f"wyborach metody (90% przebiegów Monte Carlo) od {int(nat['rank_lo'])} do {int(nat['rank_hi'])}.")
            if r["group"] is not None:
                own = r["group"][r["group"]["unit"] == self.v.code]
                if len(own) and pd.notna(own["nominal_rank"].iloc[0]):
                    o = own.iloc[0]
                    text.append(f"W grupie „{self.v.primary_group['name']}”: pozycja {int(o['nominal_rank'])} z {int(o['n'])}, "
                                f"przedział {int(o['rank_lo'])}–{int(o['rank_hi'])}.")
            shares = r["shares"].drop(index="interactions/residual", errors="ignore")
            if len(shares) and shares.notna().any():
                top = shares.idxmax()
                text.append(f"Najwięcej niepewności pozycji wnosi wybór: {FACTOR_NAMES.get(top, top)} "
                            f"({pct(100 * shares[top])} wariancji pozycji).")
            parts.append(f"<h4>{esc(c['name'])}</h4><p>{esc(' '.join(text))}</p>")
        return "".join(parts)

    def money(self, indicators: list[str]) -> list[str]:
        """The indicators measured in money (their unit is in złoty): these get real-terms trends."""
        return [i for i in indicators if is_money(self.v.s.indicators[i]["unit"])]

    def real_terms(self, indicator: str) -> pd.DataFrame:
        """Years × nominal and real value (prices of the report year) of a money indicator, with a note where the
        deflator does not cover a year (computed once per indicator)."""
        if indicator not in self._real:
            own = self.v.values[self.v.values["indicator"] == indicator][["year", "value"]].dropna()
            self._real[indicator] = to_real(own, self.price_level, self.v.year).sort_values("year")
        return self._real[indicator]

    def trend_sentence(self, indicator: str) -> str | None:
        """Compound and linear trends of a money indicator, nominal and real."""
        if not self.money([indicator]):
            return None
        rt = self.real_terms(indicator).dropna(subset=["value_real"])
        if len(rt) < 3:
            return None
        first, last = rt.iloc[0], rt.iloc[-1]
        years = int(last["year"] - first["year"])
        nominal = cagr(first["value"], last["value"], years)
        real = cagr(first["value_real"], last["value_real"], years)
        lt = linear_trend(rt["year"], rt["value_real"], alpha=0.1, log=True)
        text = (f"W latach {int(first['year'])}–{int(last['year'])} średnioroczna zmiana: {num(100 * nominal, 1, signed=True)}% "
                f"w cenach bieżących, {num(100 * real, 1, signed=True)}% w cenach stałych {self.v.year} r.")
        if pd.notna(lt["slope"]):
            sure = lt["lo"] > 0 or lt["hi"] < 0
            text += (f" Trend liniowy w cenach stałych: {num(100 * lt['slope'], 1, signed=True)}% rocznie "
                     f"(90% przedział ufności: od {num(100 * lt['lo'], 1, signed=True)}% do {num(100 * lt['hi'], 1, signed=True)}%)"
                     + (", kierunek pewny." if sure else ", kierunek niepewny."))
        return text

    def notes_html(self, indicator: str) -> str:
        parts = [s for s in (self.expected_sentence(indicator), self.interval_sentence(indicator),
                             self.trend_sentence(indicator)) if s]
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
        self.composite_groups = _read(f, "composite_groups.parquet", [("group", "==", view.group["id"])])

    def composites(self) -> list[tuple[dict, pd.DataFrame]]:
        """Each composite of the series with the members' rank intervals within the group."""
        out = []
        for c in self.v.s.meta.get("composites", []):
            rows = self.composite_groups[self.composite_groups["composite"] == c["id"]]
            if len(rows):
                out.append((c, rows))
        return out

    def composite_text(self, c: dict, rows: pd.DataFrame) -> str:
        ranked = rows.dropna(subset=["nominal_rank"])
        clear = ranked[ranked["rank_hi"] == 1]
        text = (f"{c['name']}: pozycje {len(ranked)} członków z danymi. Pasek pokazuje, jakie pozycje członek zajmuje w 90% "
                f"przebiegów analizy niepewności (inne normalizacje, wagi, agregacje); nakładające się paski oznaczają, "
                f"że kolejności nie da się rozstrzygnąć.")
        if len(clear):
            text += f" Pierwsze miejsce niezależnie od wyborów metody: {', '.join(self.v.s.unit_name(u) for u in clear['unit'])}."
        return text

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
            if m["status"] in NOT_FITTED:
                out.append(f"<p><b>{esc(title)}</b>: bez korekty — {esc(m['note'])}.</p>")
                continue
            t = self.adjusted_table(ind)
            quality = (f"model: {STATUS_TEXT[m['status']]}, R² = {num(m['r2'], 2)}, n = {int(m['n'])}")
            rows = "".join(
                f"<tr><td>{esc(r.name)}</td><td>{esc(fmt(r.value))}</td><td>{esc(fmt(r.expected))}</td>"
                f"<td>{esc(_gap_text(r.gap_rel, r.gap_abs, fmt, m['response']))}</td><td>{int(r.raw_rank)}</td><td>{int(r.adj_rank)}</td>"
                f"<td>{esc('tak' if r.pi_low <= r.value <= r.pi_high else 'nie')}</td></tr>" for r in t.itertuples())
            head = ["JST", "Wartość", "Oczekiwana", "Różnica", "Pozycja", "Pozycja po korekcie", "W przedziale 90%"]
            out.append(f"<h4>{esc(title)}</h4><p style='font-size:0.85em;color:#555'>{esc(quality)}</p>"
                       + table_open("jst-adjusted", head) + f"{rows}</tbody></table>")
        return "".join(out) + f"<p style='font-size:0.85em;color:#555'>{esc(ADJ_NOTE)}</p>"
