"""Fair comparisons in the reports: expected values given conditions, similar authorities, intervals, real terms.

`UnitFair` and `GroupFair` read the tables the build wrote into the series folder (`jstbench.series.folder`) and
turn them into tables and Polish sentences; they compute nothing, every number comes from the data, every name is
escaped.
"""

from __future__ import annotations

import pandas as pd

from jstbench.catalogue.model import Structure
from jstbench.compare.coverage import withheld
from jstbench.core.text import esc, num, pct
from jstbench.core.units import UNIT_KINDS
from jstbench.series.folder import NOT_FITTED
from jstbench.views.report import GroupView, UnitView, records
from jstbench.views.tables import note, paragraph, table
from jstbench.views.wording import (
    ADJ_NOTE,
    FACTOR_NAMES,
    GREY_ROWS_NOTE,
    HEADS,
    METHOD_NAMES,
    PEERS_MISSING_NOTE,
    POSITION_NOTE,
    STATUS_TEXT,
    STRATUM_KINDS,
    STRATUM_NAMES,
    coverage_text,
    model_note,
    say,
    withheld_values,
)


def _gap_text(gap_rel: float, gap_abs: float, fmt, response: str = "log") -> str:
    """Relative gap for log models (money, rates); absolute gap, in the indicator's unit, for level models (shares)."""
    if response == "log" and pd.notna(gap_rel):
        if abs(gap_rel) < 0.005:
            return "0%"
        return f"{num(100 * gap_rel, 0, signed=True)}%"
    return fmt(gap_abs, signed=True)


def model_text(m: pd.Series, key: str, structure: Structure | None) -> str:
    """A model's status, fit and size (n of the register's units the indicator applies to), and the structural
    features it left out for lack of data."""
    text = say(key, status=STATUS_TEXT[m["status"]], r2=num(m["r2"], 2), n=num(m["n"], 0), expected=num(m["expected"], 0))
    dropped = [f for f in str(m.get("dropped_features") or "").split(",") if f]
    if dropped:
        labels = structure.labels() if structure else {}
        text += say("expected.dropped", features=", ".join(labels.get(f, f).split(" (")[0].lower() for f in dropped))
    return text


def _quartile(q: float) -> str:
    return "–" if pd.isna(q) else f"Q{int(q)}"


class UnitFair:
    """Expected values and position intervals of one authority."""

    def __init__(self, view: UnitView):
        self.v = view
        read, code = view.s.read, view.code
        self.adjusted = read("adjusted", [("unit", "==", code)]).set_index("indicator")
        models = read("models")
        self.models = models[models["year"] == view.year].set_index("indicator")
        self.intervals = read("intervals", [("unit", "==", code)])
        self.interval_rows = {(r["group"], r["indicator"]): r for r in self.intervals.to_dict("records")}
        peers = read("peers", [("unit", "==", code)]).sort_values("order")
        self.peers = list(peers["peer"])
        self.peer_distance = dict(zip(peers["peer"], peers["distance"], strict=True))
        self.peer_explanations = read("peer_explanations", [("unit", "==", code)]).sort_values("order").set_index("feature")
        self.peer_stability = read("peer_stability", [("unit", "==", code)])
        typ = read("typology", [("unit", "==", code)])
        self.cluster = str(typ["cluster"].iloc[0]) if len(typ) and pd.notna(typ["cluster"].iloc[0]) else None
        self.clusters = read("clusters").set_index("cluster")
        self.similar_group = f"podobne-{code}"
        gids = [self.similar_group] + ([self.cluster] if self.cluster else [])
        self.composites = read("composite_scores", [("unit", "==", code)])
        gids_c = [g["id"] for g in view.groups]
        self.composite_groups = read("composite_groups", [("group", "in", gids_c)]) if gids_c else None
        self.composite_shares = read("composite_shares")
        self.real = read("real_terms", [("unit", "==", code)])
        self.trends = read("trends", [("unit", "==", code)]).set_index("indicator")
        parts = [read(f"comparison_{gt}", [("unit", "==", code), ("group", "in", gids)]).assign(group_type=gt)
                 for gt in ("similar", "cluster")]
        self.fair_rows = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)  # no all-empty concat

    def national_withheld(self, indicator: str) -> bool:
        """The model's units cover less than the series' min_coverage of the register's units the indicator applies
        to: its national positions (quartiles before and after adjustment) are not shown."""
        m = self.models.loc[indicator]
        return bool(withheld([m["n"]], [m["expected"]], self.v.s.min_coverage)[0])

    def expected_table(self, sectors: list[str]) -> pd.DataFrame:
        """Adjustable monitoring indicators of these sectors: value, expected value, interval, gap, quartiles (missing
        where the model rests on too few of the units it should, `national_withheld`)."""
        cols = ["value", "expected", "pi_low", "pi_high", "gap_rel", "gap_abs", "raw_quartile", "adj_quartile"]
        inds = [i for sector in sectors for i in self.v.sector_indicators(sector, "monitoring") if i in self.models.index]
        if not inds:
            return pd.DataFrame()
        m = self.models.loc[inds, ["status", "response", "r2", "n"]]
        own = self.adjusted.reindex(inds)[cols]  # NaN where the unit has no adjusted value
        held = pd.Series([self.national_withheld(i) for i in inds], index=inds)
        own[["raw_quartile", "adj_quartile"]] = own[["raw_quartile", "adj_quartile"]].mask(held, axis=0)
        names = pd.DataFrame({"name": [self.v.s.indicators[i]["name"]["pl"] for i in inds],
                              "unit": [self.v.s.indicators[i]["unit"] for i in inds]}, index=inds)
        return names.join(m).join(own).assign(national_withheld=held).rename_axis("indicator").reset_index()

    def expected_html(self, sectors: list[str]) -> str:
        df = self.expected_table(sectors)
        if df.empty:
            return paragraph([say("expected.none_here")])
        rows, classes = [], []
        for r in df.itertuples():
            fmt = lambda x, signed=False, i=r.indicator: self.v.s.fmt(i, x, signed)  # noqa: E731
            model = model_text(self.models.loc[r.indicator], "expected.model" if r.status not in NOT_FITTED else "expected.model_not_fitted",
                               self.v.s.structure)
            fitted = r.status not in NOT_FITTED and pd.notna(r.expected)
            rows.append([r.name, r.unit, fmt(r.value), fmt(r.expected) if fitted else "–",
                         f"{fmt(r.pi_low)}–{fmt(r.pi_high)}" if fitted else "–",
                         _gap_text(r.gap_rel, r.gap_abs, fmt, r.response) if fitted else "–",
                         _quartile(r.raw_quartile), _quartile(r.adj_quartile), model])
            classes.append("muted" if r.status != "ok" else "")
        held = say("expected.quartiles_withheld", minimum=pct(100 * self.v.s.min_coverage)) if df["national_withheld"].any() else ""
        return table("jst-expected", HEADS["expected"], rows, row_classes=classes) + note(f"{ADJ_NOTE} {GREY_ROWS_NOTE} {held}".strip())

    def expected_sentence(self, indicator: str) -> str | None:
        """"Authorities in conditions like yours have about X; you have Y" — or why there is no such sentence."""
        if indicator not in self.models.index:
            return None
        m = self.models.loc[indicator]
        if m["status"] in NOT_FITTED:
            return say("expected.not_computed", why=model_note(m["status"], m["n"], m["needed"], m["r2"], m["min_r2"]))
        if indicator not in self.adjusted.index:
            own = self.v.values[(self.v.values["indicator"] == indicator) & (self.v.values["year"] == self.v.year)]
            if own["value"].notna().any():
                return say("expected.no_features")
            return None
        a = self.adjusted.loc[indicator]
        if m["status"] != "ok":
            return None  # a poor fit is shown, greyed, in the table of expected values; no sentence builds on it
        fmt = lambda x, signed=False: self.v.s.fmt(indicator, x, signed)  # noqa: E731
        inside = a["pi_low"] <= a["value"] <= a["pi_high"]
        return say("expected.inside" if inside else "expected.outside", expected=fmt(a["expected"]), low=fmt(a["pi_low"]),
                   high=fmt(a["pi_high"]), value=fmt(a["value"]), gap=_gap_text(a["gap_rel"], a["gap_abs"], fmt, m["response"]))

    def interval_sentence(self, indicator: str) -> str | None:
        """The bootstrap interval of the position in the primary group, for shares of small counts."""
        g = self.v.primary_group
        if g is None:
            return None
        r = self.interval_rows.get((g["id"], indicator))
        if r is None:
            return None
        if r["percentile_lo"] == r["percentile_hi"]:
            return say("interval.certain", trials=num(r["trials"], 0), low=pct(r["percentile_lo"]))
        return say("interval", trials=num(r["trials"], 0), low=pct(r["percentile_lo"]), high=pct(r["percentile_hi"]))

    def similar_html(self) -> str:
        """Who the similar authorities are, why, and how stable that is."""
        if not self.peers:
            return paragraph([say("similar.none")])
        k = len(self.peers)
        units = self.v.s.units
        items = "".join("<li>" + esc(say("similar.item", name=self.v.s.unit_name(p), kind=UNIT_KINDS[units.loc[p, "kind"]], code=p,
                                             distance=num(self.peer_distance[p], 2))) + "</li>" for p in self.peers)
        labels = self.v.s.structure.labels() if self.v.s.structure else {}
        why = self.peer_explanations[self.peer_explanations["weight"] > 0]
        value = lambda x: num(x, 0 if pd.notna(x) and abs(x) >= 100 else 1)  # noqa: E731
        rows = [[labels.get(f, f), value(r.unit_value), value(r.peers_median), f"{value(r.peers_min)}–{value(r.peers_max)}",
                 num(r.gap_sd, 2), num(r.weight, 1)] for f, r in why.iterrows()]
        closest = [labels.get(f, f) for f in why.index[:2]]
        stab = self.peer_stability.iloc[0] if len(self.peer_stability) else None
        text = [say("similar.intro", k=k, closest=say("and").join(closest))]
        if stab is not None:
            if pd.notna(stab["jaccard_previous"]):
                same = round(k * 2 * stab["jaccard_previous"] / (1 + stab["jaccard_previous"]))
                text.append(say("similar.stable" if same > k / 2 else "similar.unstable", same=same, k=k))
            text.append(say("similar.weights", kept=pct(100 * stab["kept_share"])))
        return (paragraph(text) + f"<ol class='jst-peers'>{items}</ol>" + table("jst-why", HEADS["why_peers"], rows)
                + note(PEERS_MISSING_NOTE))

    def cluster_html(self) -> str:
        """The data-driven type of the unit, what characterises it and how stable it is."""
        if self.cluster is None or self.cluster not in self.clusters.index:
            return paragraph([say("cluster.none")])
        c = self.clusters.loc[self.cluster]
        stab = c["stability"]
        verdict = say("cluster.stable" if stab >= 0.75 else "cluster.moderate" if stab >= 0.5 else "cluster.unstable")
        labels = self.v.s.structure.labels() if self.v.s.structure else {}
        z = {k[2:]: c[k] for k in c.index if k.startswith("z_") and pd.notna(c[k])}
        top = sorted(z, key=lambda f: -abs(z[f]))[:2]
        distinct = "; ".join(say("cluster.feature", feature=labels.get(f, f).split(" (")[0].lower(),
                                 side=say("cluster.above" if z[f] > 0 else "cluster.below"), z=num(z[f], 1, signed=True)) for f in top)
        return paragraph([say("cluster", cluster=self.cluster, n=int(c["n"]), distinct=distinct, stability=num(stab, 2), verdict=verdict)])

    def peer_positions(self, sectors: list[str]) -> pd.DataFrame:
        """Monitoring indicators: position in the exchange group, among similar authorities and in the type."""
        cur = self.fair_rows[(self.fair_rows["year"] == self.v.year) & (self.fair_rows["unit"] == self.v.code)]
        exch = self.v.position_records("exchange", self.v.primary_group["id"]) if self.v.primary_group else {}
        parts = {"exchange": exch, **{gt: records(cur[cur["group_type"] == gt].set_index("indicator")) for gt in ("similar", "cluster")}}
        rows = []
        for sector in sectors:
            for ind in self.v.sector_indicators(sector, "monitoring"):
                r = dict(indicator=ind, name=self.v.s.indicators[ind]["name"]["pl"])
                for label, part in parts.items():
                    own = part.get(ind, {})
                    for col in ("value", "median", "rank", "n"):
                        r[f"{label}_{col}"] = own.get(col, float("nan"))
                rows.append(r)
        return pd.DataFrame(rows)

    def peer_positions_html(self, sectors: list[str]) -> str:
        df = self.peer_positions(sectors)
        if df.empty:
            return ""

        def pos(r, label):
            rank, n = r[f"{label}_rank"], r[f"{label}_n"]
            return f"{int(rank)}/{int(n)}" if pd.notna(rank) else "–"

        rows = []
        for _, r in df.iterrows():
            fmt = lambda x, i=r["indicator"]: self.v.s.fmt(i, x)  # noqa: E731
            value = next((r[f"{g}_value"] for g in ("similar", "cluster", "exchange") if pd.notna(r[f"{g}_value"])), float("nan"))
            rows.append([r["name"], fmt(value), fmt(r["exchange_median"]), pos(r, "exchange"), fmt(r["similar_median"]),
                         pos(r, "similar"), fmt(r["cluster_median"]), pos(r, "cluster")])
        return (table("jst-peer-positions", HEADS["peer_positions"], rows)
                + note(f"{POSITION_NOTE} {say('fair.withheld', minimum=pct(100 * self.v.s.min_coverage))}"))

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
            text = [say("composite.methods", names=names, normalise=METHOD_NAMES[c["normalise"]], weights=METHOD_NAMES[c["weights"]],
                        aggregate=METHOD_NAMES[c["aggregate"]], impute=METHOD_NAMES[c["impute"]])]
            missing = [self.v.s.indicators[i]["name"]["pl"] for i in str(nat["missing_inputs"]).split(",") if i] \
                if nat is not None else []
            if nat is None or pd.isna(nat["nominal_rank"]):
                text.append(say("composite.no_index_missing", missing=", ".join(missing)) if missing else say("composite.no_index"))
            else:
                if missing:
                    text.append(say("composite.missing", k=len(missing), n=len(c["indicators"]), missing=", ".join(missing)))
                stratum = STRATUM_NAMES.get(nat["stratum"], nat["stratum"])
                kinds = STRATUM_KINDS.get(nat["stratum"], [])
                if nat["n"] < self.v.s.min_coverage * nat["expected"]:
                    text.append(say("composite.national_withheld", stratum=stratum,
                                    **withheld_values(nat["n"], nat["expected"], kinds, self.v.s.min_coverage)))
                else:
                    text.append(say("composite.national", stratum=stratum, rank=int(nat["nominal_rank"]), n=int(nat["n"]),
                                    coverage=coverage_text(nat["n"], nat["expected"], kinds), low=int(nat["rank_lo"]),
                                    high=int(nat["rank_hi"])))
            pg = self.v.primary_group
            if r["group"] is not None and pg is not None:  # a group row exists only with a primary group
                own = r["group"][r["group"]["unit"] == self.v.code]
                if len(own) and pd.notna(own["nominal_rank"].iloc[0]):
                    o = own.iloc[0]
                    text.append(say("composite.group", group=pg["name"], rank=int(o["nominal_rank"]), n=int(o["n"]), low=int(o["rank_lo"]),
                                    high=int(o["rank_hi"])))
            shares = r["shares"].drop(index="interactions/residual", errors="ignore")
            if len(shares) and shares.notna().any():
                top = shares.idxmax()
                text.append(say("composite.top_factor", factor=FACTOR_NAMES.get(top, top), share=pct(100 * shares[top])))
            parts.append(f"<h4>{esc(c['name'])}</h4>" + paragraph(text))
        return "".join(parts)

    def money(self, indicators: list[str]) -> list[str]:
        """The indicators measured in money that have a real-terms series for this unit."""
        have = set(self.real["indicator"])
        return [i for i in indicators if i in have]

    def real_terms(self, indicator: str) -> pd.DataFrame:
        """Years × real value (prices of the report year) of a money indicator."""
        return self.real[self.real["indicator"] == indicator].sort_values("year")

    def trend_sentence(self, indicator: str) -> str | None:
        """Compound and linear trends of a money indicator, nominal and real."""
        if indicator not in self.trends.index:
            return None
        tr = self.trends.loc[indicator]
        signed = lambda x: num(100 * x, 1, signed=True)  # noqa: E731  (a rate as a signed percentage)
        text = say("trend.cagr", first=int(tr["first_year"]), last=int(tr["last_year"]), nominal=signed(tr["cagr_nominal"]),
                   real=signed(tr["cagr_real"]), year=self.v.year)
        if pd.notna(tr["slope"]):
            sure = tr["slope_lo"] > 0 or tr["slope_hi"] < 0
            text += say("trend.sure" if sure else "trend.unsure", slope=signed(tr["slope"]), low=signed(tr["slope_lo"]),
                        high=signed(tr["slope_hi"]))
        return text

    def notes_html(self, indicator: str) -> str:
        return paragraph([self.expected_sentence(indicator), self.interval_sentence(indicator), self.trend_sentence(indicator)],
                         "jst-notes")


class GroupFair:
    """The adjusted comparison of a group's members."""

    def __init__(self, view: GroupView):
        self.v = view
        read, gid = view.s.read, view.group["id"]
        self.adjusted = read("adjusted", [("unit", "in", list(view.group["members"]))])
        self.ranks = read("adjusted_ranks", [("group", "==", gid)])
        models = read("models")
        self.models = models[models["year"] == view.year].set_index("indicator")
        self.composite_groups = read("composite_groups", [("group", "==", gid)])

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
        text = say("composite.group_intro", name=c["name"], n=len(ranked))
        if len(clear):
            text += say("composite.group_first", units=", ".join(self.v.s.unit_name(u) for u in clear["unit"]))
        return text

    def adjusted_table(self, indicator: str) -> pd.DataFrame:
        """Members: value, expected, gap, rank in the group on the raw value and on the adjusted scale."""
        a = self.adjusted[self.adjusted["indicator"] == indicator]
        if a.empty:
            return a
        ranks = self.ranks[self.ranks["indicator"] == indicator][["unit", "raw_rank", "adj_rank", "inside"]]
        a = a.merge(ranks, on="unit", how="left")
        return a.assign(name=[self.v.s.unit_name(c) for c in a["unit"]]).sort_values("adj_rank")

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
                why = model_note(m["status"], int(m["n"]), int(m["needed"]), m["r2"], m["min_r2"])
                out.append(f"<p><b>{esc(title)}</b>: {esc(say('adjusted.not_fitted', why=why))}</p>")
                continue
            t = self.adjusted_table(ind)
            quality = model_text(m, "adjusted.model", self.v.s.structure)
            rows = [[r.name, fmt(r.value), fmt(r.expected), _gap_text(r.gap_rel, r.gap_abs, fmt, m["response"]),
                     int(r.raw_rank), int(r.adj_rank), say("yes" if r.inside else "no")] for r in t.itertuples()]
            out.append(f"<h4>{esc(title)}</h4>" + note(quality) + table("jst-adjusted", HEADS["adjusted"], rows))
        return "".join(out) + note(ADJ_NOTE)
