"""Fair comparisons in the reports: expected values given conditions, similar authorities, intervals, real terms.

`UnitFair` and `GroupFair` read the tables the build wrote into the series folder (`jstbench.series.folder`) and
turn them into tables and Polish sentences; they compute nothing, every number comes from the data, every name is
escaped. A model whose conditions explain too little (`usable_model`) gives no expected value; a missing number is
"–" with its reason; differences of shares are in percentage points; tied ranks are "ex aequo".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from jstbench.catalogue.model import Structure
from jstbench.compare.coverage import withheld
from jstbench.core.text import esc, num, pct, reason_text
from jstbench.core.units import UNIT_KINDS
from jstbench.series.folder import NOT_FITTED
from jstbench.views.report import GroupView, SeriesData, UnitView, position_text, records
from jstbench.views.tables import note, paragraph, table
from jstbench.views.wording import (
    ADJ_NOTE,
    FACTOR_NAMES,
    HEADS,
    METHOD_NAMES,
    PEERS_MISSING_NOTE,
    POSITION_NOTE,
    STATUS_TEXT,
    STRATUM_KINDS,
    STRATUM_NAMES,
    TREAT_NAMES,
    WITHHELD_CELL,
    coverage_text,
    model_note,
    say,
    withheld_values,
)

USABLE_R2 = 0.3
"""The least R² of a model whose expected value the reports show (the series' own `min_r2`, which only separates
"poor-fit" models, applies when it is higher): below it the structural conditions explain too little of the
differences between authorities for an expected value, its interval or an adjusted position to mean anything."""

# Polish wording of this module (to join `wording.PHRASES` / `wording.HEADS`)
FAIR_PHRASES = {
    "expected.weak": "warunki strukturalne wyjaśniają tylko {share} różnic między JST (R² = {r2})",
    "expected.weak_group": "warunki strukturalne wyjaśniają za mało różnic między JST (R² poniżej {minimum})",
    "expected.no_model": "model nie powstał ({why})",
    "expected.no_value": "ta JST nie ma wartości ({why})",
    "expected.no_value_group": "ta JST nie ma wartości",
    "expected.no_features": "brak cech strukturalnych tej JST: {features}",
    "expected.no_features_any": "brak cech strukturalnych tej JST",
    "expected.all_missing": "Wartości oczekiwanej nie podajemy dla żadnego wskaźnika tych obszarów — {reasons}.",
    "expected.why": "Wartości oczekiwanej nie podajemy: {why}.",
    "expected.threshold": ("Wartość oczekiwaną podajemy tylko przy modelach, w których warunki strukturalne wyjaśniają co "
                           "najmniej {share} różnic między JST (R² ≥ {r2})."),
    "expected.caption": "Wartość oczekiwana dla JST w takich warunkach jak ta, {year} r.",
    "expected.none_caption": "Wskaźniki bez wartości oczekiwanej i powód, {year} r.",
    "trend.no_pct": ("W latach {first}–{last} zmiana: {nominal} w cenach bieżących, {real} w cenach stałych {year} r. "
                     "(bez zmiany procentowej: wartość w {first} r. lub {last} r. nie jest dodatnia)."),
    "similar.caption": "Dlaczego te JST są podobne: cechy strukturalne tej JST i jej podobnych",
    "positions.caption": "Pozycja tej JST w grupie wymiany, wśród podobnych JST i w typie strukturalnym, {year} r.",
    "positions.no_value": "brak danych",
    "positions.missing": "„–” przy pozycji: ta JST nie ma wartości wskaźnika albo pozycji nie podajemy (niżej).",
    "composite.missing": "Brak danych tej JST dla {k} z {n} składowych: {missing}. Indeks policzono mimo to — {how}; "
                         "pozycja jest przez to mniej pewna.",
    "composite.no_index_missing": ("Ta JST nie ma indeksu: brak danych dla {k} z {n} składowych ({missing}), a indeks "
                                   "wymaga danych co najmniej {need} z {n}."),
    "composite.how.none": "jako średnią z pozostałych {present} składowych, z wagami przeliczonymi na nie",
    "composite.how.mean": "brakujące składowe zastąpiono średnią JST z danymi",
    "composite.how.median": "brakujące składowe zastąpiono medianą JST z danymi",
    "composite.group_member": "{unit} (brak: {missing})",
    "composite.group_missing": " Bez części składowych (brak danych) policzono indeks dla: {units}.",
    "adjusted.weak": "bez korekty — {why}.",
    "adjusted.caption": "{name}: wartość oczekiwana i pozycja członków grupy przed korektą i po niej, {year} r.",
}
FAIR_HEADS = {
    "composite_domains": ["Domena", "Waga domeny", "Wynik (0–100 przy min-max)", "Pozycja"],
    "expected_none": ["Wskaźnik", "Wartość", "Dlaczego bez wartości oczekiwanej"],
    "peer_positions": ["Wskaźnik", "Wartość", "Mediana grupy wymiany", "Pozycja w grupie wymiany", "Mediana podobnych JST",
                       "Pozycja wśród podobnych JST", "Mediana typu", "Pozycja w typie"],
}


def _say(key: str, **values: object) -> str:
    """A phrase of this module (`FAIR_PHRASES`), else of `wording.PHRASES`, filled with formatted values."""
    return FAIR_PHRASES[key].format(**values) if key in FAIR_PHRASES else say(key, **values)


def _float(x: Any) -> float | None:
    """A number as a Python float, None when missing (numpy float32 NaN must not reach `num` as text "nan")."""
    return None if x is None or pd.isna(x) else float(x)


def _num(x: object, decimals: int = 1, signed: bool = False) -> str:
    return num(_float(x), decimals, signed)


def _fmt(s: SeriesData, indicator: str, x: object, signed: bool = False) -> str:
    return s.fmt(indicator, _float(x), signed)


def _delta(s: SeriesData, indicator: str, x: object) -> str:
    """A signed difference in the indicator's unit, percentage points for shares; "–" when missing."""
    return "–" if _float(x) is None else s.delta(indicator, _float(x))


def signed_pct(x: float) -> str:
    """A signed percentage, never "0%" unless it is exactly zero.

    >>> signed_pct(12.4), signed_pct(-0.3), signed_pct(0.0), signed_pct(0.001)
    ('+12%', '−0,3%', '0%', '+<0,01%')
    """
    if x == 0:
        return "0%"
    for d in range(3):
        if round(x, d) != 0:
            return f"{num(x, d, signed=True)}%"
    return f"{'+' if x > 0 else '−'}<0,01%"


def share_step(se: float) -> int:
    """The rounding step, in percentage points, that a variance share with this standard error merits: 1, 5 or 10
    (the Monte Carlo's shares vary between seeds; a share is not shown more precisely than it is known).

    >>> share_step(0.004), share_step(0.02), share_step(0.04), share_step(float("nan"))
    (1, 5, 10, 10)
    """
    return 1 if se <= 0.005 else 5 if se <= 0.025 else 10


def rank_text(rank: object, ties: object = 1) -> str:
    """A rank, or the span of ranks units share: "4", "3–5 ex aequo"; "–" without one.

    >>> rank_text(4.0), rank_text(3, 3), rank_text(float("nan"))
    ('4', '3–5 ex aequo', '–')
    """
    r, t = _float(rank), _float(ties)
    if r is None:
        return "–"
    t = int(t) if t else 1
    return f"{int(r)}–{int(r) + t - 1} ex aequo" if t > 1 else str(int(r))


def usable_model(m: Mapping) -> bool:
    """The model is fitted and its conditions explain enough (R² ≥ `USABLE_R2` and ≥ the series' min_r2) for its
    expected value to be shown."""
    r2, floor = _float(m["r2"]), _float(m.get("min_r2"))
    return m["status"] == "ok" and r2 is not None and r2 >= max(USABLE_R2, floor or 0.0)


def weak_reason(m: Mapping) -> str:
    """Why a weak model gives no expected value, with its R²."""
    r2 = _float(m["r2"]) or 0.0
    return _say("expected.weak", share=pct(100 * r2), r2=num(r2, 2))


def _gap_text(s: SeriesData, indicator: str, a, response: str) -> str:
    """The gap to the expected value: in per cent of it for log models (money, rates: expected > 0), else as a
    difference in the indicator's unit; for shares always in percentage points."""
    expected, gap_rel = _float(a["expected"]), _float(a["gap_rel"])
    if response == "log" and not s.is_share(indicator) and gap_rel is not None and expected and expected > 0:
        return signed_pct(100 * gap_rel)
    return _delta(s, indicator, a["gap_abs"])


def model_text(m: pd.Series, key: str, structure: Structure | None) -> str:
    """A model's status, fit and size (n of the register's units the indicator applies to), and the structural
    features it left out for lack of data."""
    text = say(key, status=STATUS_TEXT[m["status"]], r2=_num(m["r2"], 2), n=_num(m["n"], 0), expected=_num(m["expected"], 0))
    dropped = [f for f in str(m["dropped_features"]).split(",") if f] if isinstance(m.get("dropped_features"), str) else []
    if dropped:
        labels = structure.labels() if structure else {}
        text += say("expected.dropped", features=", ".join(labels.get(f, f).split(" (")[0].lower() for f in dropped))
    return text


def _with_unit(value: str, unit: str) -> str:
    """A formatted value with its unit: "4,5%", "17 dni"."""
    return f"{value}{unit}" if unit == "%" else f"{value} {unit}"


def _quartile(q: object, held: bool) -> str:
    x = _float(q)
    return WITHHELD_CELL if held else "–" if x is None else f"Q{int(x)}"


class UnitFair:
    """Expected values and position intervals of one authority."""

    def __init__(self, view: UnitView):
        self.v = view
        read, code = view.s.read, view.code
        self.adjusted = read("adjusted", [("unit", "==", code)]).set_index("indicator")
        models = read("models")
        self.models = models[models["year"] == view.year].set_index("indicator")
        features = read("features", [("unit", "==", code)])
        features = features[features["year"] == view.year]
        self.features = features.iloc[0] if len(features) else None
        self.intervals = read("intervals", [("unit", "==", code)])
        self.interval_rows = {(r["group"], r["indicator"]): r for r in self.intervals.to_dict("records")}
        peers = read("peers", [("unit", "==", code)]).sort_values("order")
        self.peers = [str(p) for p in peers["peer"]]
        self.peer_distance = dict(zip(self.peers, peers["distance"], strict=True))
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
        self.composite_domains = read("composite_domains", [("unit", "==", code)])
        self.composite_imputed = read("composite_imputed", [("unit", "==", code)])
        self.composite_treated = read("composite_treated")
        self.composite_trend = read("composite_trend", [("unit", "==", code)])
        self.real = read("real_terms", [("unit", "==", code)])
        self.trends = read("trends", [("unit", "==", code)]).set_index("indicator")
        parts = [read(f"comparison_{gt}", [("unit", "==", code), ("group", "in", gids)]).assign(group_type=gt)
                 for gt in ("similar", "cluster")]
        self.fair_rows = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)  # no all-empty concat

    def similar_codes(self) -> list[str]:
        """The codes of the authority's similar authorities, nearest first (empty without structural features)."""
        return list(self.peers)

    def national_withheld(self, indicator: str) -> bool:
        """The model's units cover less than the series' min_coverage of the register's units the indicator applies
        to: its national positions (quartiles before and after adjustment) are not shown."""
        m = self.models.loc[indicator]
        return bool(withheld([m["n"]], [m["expected"]], self.v.s.min_coverage)[0])

    def missing_features(self, indicator: str) -> list[str]:
        """The structural features of the indicator's model this authority has no value of (report year)."""
        used = [f for f in str(self.models.loc[indicator, "features"]).split(",") if f]
        f = self.features
        return [x for x in used if f is None or (x in f.index and pd.isna(f[x]))]

    def no_expected(self, indicator: str) -> tuple[str, str, str]:
        """Why the report shows no expected value of a modelled indicator: (the reason in full, the reason shared by
        indicators, this indicator's detail); empty texts when it shows one. The authority's own missing value comes
        first, then the model (not fitted, too weak: `usable_model`), then the authority's missing features."""
        m = self.models.loc[indicator]
        own = self.v.current_records.get(indicator)
        if own is None or _float(own["value"]) is None:
            why = reason_text(own["reason"], self.v.s.variable_labels()) if own is not None else ""
            full = _say("expected.no_value", why=why) if why else _say("expected.no_value_group")
            return full, _say("expected.no_value_group"), why
        if m["status"] in NOT_FITTED:
            why = model_note(m["status"], int(m["n"]), int(m["needed"]), m["r2"], m["min_r2"])
            full = _say("expected.no_model", why=why)
            return full, full, ""
        if not usable_model(m):
            minimum = num(max(USABLE_R2, _float(m["min_r2"]) or 0.0), 2)
            return weak_reason(m), _say("expected.weak_group", minimum=minimum), f"R² = {_num(m['r2'], 2)}"
        if indicator not in self.adjusted.index:
            labels = self.v.s.structure.labels() if self.v.s.structure else {}
            names = ", ".join(labels.get(f, f).split(" (")[0].lower() for f in self.missing_features(indicator))
            full = _say("expected.no_features", features=names) if names else _say("expected.no_features_any")
            return full, _say("expected.no_features_any"), names
        return "", "", ""

    def expected_table(self, sectors: list[str]) -> pd.DataFrame:
        """Adjustable monitoring indicators of these sectors: the authority's value, and the expected value, interval,
        gap and adjusted quartile where shown (else missing, with `reason`: `no_expected`); national quartiles are
        missing where the model rests on too few of the units it should (`national_withheld`)."""
        cols = ["expected", "pi_low", "pi_high", "gap_rel", "gap_abs", "raw_quartile", "adj_quartile"]
        inds = [i for sector in sectors for i in self.v.sector_indicators(sector, "monitoring") if i in self.models.index]
        if not inds:
            return pd.DataFrame()
        m = self.models.loc[inds, ["status", "response", "r2", "n"]]
        own = self.adjusted.reindex(inds)[cols]  # NaN where the unit has no adjusted value
        why = pd.DataFrame([self.no_expected(i) for i in inds], index=inds, columns=["reason", "reason_group", "reason_detail"])
        own = own.mask(why["reason"] != "", axis=0)  # the model's figures: shown, or none at all
        held = pd.Series([self.national_withheld(i) for i in inds], index=inds)
        own[["raw_quartile", "adj_quartile"]] = own[["raw_quartile", "adj_quartile"]].mask(held, axis=0)
        names = pd.DataFrame({"name": [self.v.s.indicators[i]["name"]["pl"] for i in inds],
                              "unit": [self.v.s.indicators[i]["unit"] for i in inds],
                              "value": [_float(self.v.current_records.get(i, {}).get("value")) for i in inds]}, index=inds, dtype=object)
        names["value"] = names["value"].astype(float)
        return (names.join(m).join(own).assign(national_withheld=held).join(why)
                .rename_axis("indicator").reset_index())

    def expected_html(self, sectors: list[str], computed: pd.DataFrame | None = None) -> str:
        """The table of expected values; indicators without one in a table saying why in each row — or, when no
        indicator has one, a single sentence saying why instead of any table. `computed`: `expected_table(sectors)`,
        when the caller has it already (the report also charts it)."""
        df = self.expected_table(sectors) if computed is None else computed
        if df.empty:
            return paragraph([say("expected.none_here")])
        s = self.v.s
        shown, missing = df[df["reason"] == ""], df[df["reason"] != ""]
        if shown.empty:
            reasons = []
            for group, part in missing.groupby("reason_group", sort=False):
                details = set(part["reason_detail"])
                if len(details) == 1:  # one detail for all (e.g. the same missing features): said once
                    detail = details.pop()
                    reasons.append(f"{group}{f' ({detail})' if detail else ''}: {', '.join(part['name'])}")
                    continue
                items = [f"{n} ({d})" if d else n for n, d in zip(part["name"], part["reason_detail"], strict=True)]
                reasons.append(f"{group}: {', '.join(items)}")
            return paragraph([_say("expected.all_missing", reasons="; ".join(reasons))], "jst-expected-none")
        rows = []
        for r in shown.itertuples():
            rows.append([r.name, r.unit, _fmt(s, r.indicator, r.value), _fmt(s, r.indicator, r.expected),
                         f"{_fmt(s, r.indicator, r.pi_low)}–{_fmt(s, r.indicator, r.pi_high)}",
                         _gap_text(s, r.indicator, r._asdict(), r.response),
                         _quartile(r.raw_quartile, r.national_withheld), _quartile(r.adj_quartile, r.national_withheld),
                         model_text(self.models.loc[r.indicator], "expected.model", s.structure)])
        threshold = _say("expected.threshold", share=pct(100 * USABLE_R2), r2=num(USABLE_R2, 2))
        held = (say("expected.quartiles_withheld", minimum=pct(100 * s.min_coverage)) + f" „{WITHHELD_CELL}”."
                if shown["national_withheld"].any() else "")
        out = (table("jst-expected", HEADS["expected"], rows, _say("expected.caption", year=self.v.year))
               + note(f"{ADJ_NOTE} {threshold} {held}".strip()))
        if len(missing):
            none = [[r.name, _with_unit(_fmt(s, r.indicator, r.value), r.unit) if pd.notna(r.value) else "–", r.reason]
                    for r in missing.itertuples()]
            out += table("jst-expected-none", FAIR_HEADS["expected_none"], none, _say("expected.none_caption", year=self.v.year))
        return out

    def expected_sentence(self, indicator: str) -> str | None:
        """"Authorities in conditions like yours have about X; you have Y" — or why there is no such sentence (none
        when the authority has no value: the report says so already)."""
        if indicator not in self.models.index:
            return None
        own = self.v.current_records.get(indicator)
        if own is None or _float(own["value"]) is None:
            return None
        reason = self.no_expected(indicator)[0]
        if reason:
            return _say("expected.why", why=reason)
        a, m = self.adjusted.loc[indicator], self.models.loc[indicator]
        s = self.v.s
        inside = a["pi_low"] <= a["value"] <= a["pi_high"]
        return say("expected.inside" if inside else "expected.outside", expected=_fmt(s, indicator, a["expected"]),
                   low=_fmt(s, indicator, a["pi_low"]), high=_fmt(s, indicator, a["pi_high"]), value=_fmt(s, indicator, a["value"]),
                   gap=_gap_text(s, indicator, a, m["response"]))

    def interval_sentence(self, indicator: str) -> str | None:
        """The bootstrap interval of the position in the primary group, for shares of small counts."""
        g = self.v.primary_group
        if g is None:
            return None
        r = self.interval_rows.get((g["id"], indicator))
        if r is None or _float(r["percentile_lo"]) is None or _float(r["percentile_hi"]) is None:
            return None
        low, high = pct(_float(r["percentile_lo"])), pct(_float(r["percentile_hi"]))
        if r["percentile_lo"] == r["percentile_hi"]:
            return say("interval.certain", trials=_num(r["trials"], 0), low=low)
        return say("interval", trials=_num(r["trials"], 0), low=low, high=high)

    def similar_html(self) -> str:
        """Who the similar authorities are, why, and how stable that is."""
        if not self.peers:
            return paragraph([say("similar.none")])
        k = len(self.peers)
        units = self.v.s.units
        items = "".join("<li>" + esc(say("similar.item", name=self.v.s.unit_name(p), kind=UNIT_KINDS.get(units.loc[p, "kind"], "JST"),
                                             code=p, distance=_num(self.peer_distance[p], 2))) + "</li>" for p in self.peers)
        labels = self.v.s.structure.labels() if self.v.s.structure else {}
        why = self.peer_explanations[self.peer_explanations["weight"] > 0]
        value = lambda x: _num(x, 0 if pd.notna(x) and abs(x) >= 100 else 1)  # noqa: E731
        rows = [[labels.get(f, f), value(r.unit_value), value(r.peers_median), f"{value(r.peers_min)}–{value(r.peers_max)}",
                 _num(r.gap_sd, 2), _num(r.weight, 1)] for f, r in why.iterrows()]
        closest = [labels.get(f, f) for f in why.index[:2]]
        stab = self.peer_stability.iloc[0] if len(self.peer_stability) else None
        text = [say("similar.intro", k=k, closest=say("and").join(closest))]
        if stab is not None:
            if pd.notna(stab["jaccard_previous"]):
                same = round(k * 2 * stab["jaccard_previous"] / (1 + stab["jaccard_previous"]))
                text.append(say("similar.stable" if same > k / 2 else "similar.unstable", same=same, k=k))
            if pd.notna(stab["kept_share"]):
                text.append(say("similar.weights", kept=pct(100 * float(stab["kept_share"]))))
        return (paragraph(text) + f"<ol class='jst-peers'>{items}</ol>" + table("jst-why", HEADS["why_peers"], rows, _say("similar.caption"))
                + note(PEERS_MISSING_NOTE))

    def cluster_html(self) -> str:
        """The data-driven type of the unit, what characterises it and how stable it is."""
        if self.cluster is None or self.cluster not in self.clusters.index:
            return paragraph([say("cluster.none")])
        c = self.clusters.loc[self.cluster]
        stab = _float(c["stability"]) or 0.0
        verdict = say("cluster.stable" if stab >= 0.75 else "cluster.moderate" if stab >= 0.5 else "cluster.unstable")
        labels = self.v.s.structure.labels() if self.v.s.structure else {}
        z = {k[2:]: float(c[k]) for k in c.index if k.startswith("z_") and pd.notna(c[k])}
        top = sorted(z, key=lambda f: -abs(z[f]))[:2]
        distinct = "; ".join(say("cluster.feature", feature=labels.get(f, f).split(" (")[0].lower(),
                                 side=say("cluster.above" if z[f] > 0 else "cluster.below"), z=num(z[f], 1, signed=True)) for f in top)
        return paragraph([say("cluster", cluster=self.cluster, n=int(c["n"]), distinct=distinct or "–", stability=num(stab, 2),
                              verdict=verdict)])

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
                    for col in ("value", "median", "rank", "ties", "n"):
                        r[f"{label}_{col}"] = _float(own.get(col))
                rows.append(r)
        return pd.DataFrame(rows)

    def peer_positions_html(self, sectors: list[str]) -> str:
        df = self.peer_positions(sectors)
        if df.empty:
            return ""
        s = self.v.s

        def pos(r, label):
            return position_text(r[f"{label}_rank"], r[f"{label}_ties"], r[f"{label}_n"])

        rows = []
        for r in df.to_dict("records"):
            ind = r["indicator"]
            value = next((r[f"{g}_value"] for g in ("similar", "cluster", "exchange") if pd.notna(r[f"{g}_value"])), None)
            rows.append([r["name"], _fmt(s, ind, value) if value is not None else _say("positions.no_value"),
                         _fmt(s, ind, r["exchange_median"]), pos(r, "exchange"), _fmt(s, ind, r["similar_median"]),
                         pos(r, "similar"), _fmt(s, ind, r["cluster_median"]), pos(r, "cluster")])
        return (table("jst-peer-positions", FAIR_HEADS["peer_positions"], rows, _say("positions.caption", year=self.v.year))
                + note(f"{POSITION_NOTE} {_say('positions.missing')} {say('fair.withheld', minimum=pct(100 * s.min_coverage))}"))

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
            shares = cs[(cs["composite"] == c["id"]) & (cs["stratum"] == stratum)].set_index("factor")
            out.append(dict(definition=c, national=nat.iloc[0] if len(nat) else None,
                            group=grp if grp is not None and len(grp) else None, shares=shares))
        return out

    def missing_text(self, c: dict, nat: pd.Series | None) -> str | None:
        """The composite's inputs this authority has no value of, and whether and how the index was computed without
        them (the composite's imputation; the least share of inputs, min_indicators)."""
        if nat is None:
            return say("composite.no_index")
        ids = [i for i in str(nat["missing_inputs"]).split(",") if i in self.v.s.indicators] \
            if isinstance(nat["missing_inputs"], str) else []
        n, k = len(c["indicators"]), len(ids)
        missing = ", ".join(self.v.s.indicators[i]["name"]["pl"] for i in ids)
        if _float(nat["nominal_rank"]) is None:
            if not ids:
                return say("composite.no_index")
            need = math.ceil(float(c.get("min_indicators", 0.5)) * n - 1e-9)
            return _say("composite.no_index_missing", k=k, n=n, missing=missing, need=need)
        if not ids:
            return None
        how_key = f"composite.how.{c['impute']}"
        how = _say(how_key, present=n - k) if how_key in FAIR_PHRASES else METHOD_NAMES.get(c["impute"], c["impute"])
        return _say("composite.missing", k=k, n=n, missing=missing, how=how)

    def composites_html(self) -> str:
        """Each composite: its inputs and choices, what the authority lacks, its national and group rank intervals
        (tied ranks as "ex aequo"), and the choice that moves the rank most; headings h3 (the report's section is h2)."""
        rows = self.composite_rows()
        if not rows:
            return ""
        s = self.v.s
        parts = []
        for r in rows:
            c, nat = r["definition"], r["national"]
            names = ", ".join(s.indicators[i]["name"]["pl"] for i in c["indicators"])
            text = [say("composite.methods", names=names, normalise=METHOD_NAMES[c["normalise"]], weights=METHOD_NAMES[c["weights"]],
                        aggregate=METHOD_NAMES[c["aggregate"]], impute=METHOD_NAMES[c["impute"]]), self.missing_text(c, nat)]
            if nat is not None and _float(nat["nominal_rank"]) is not None:
                stratum = STRATUM_NAMES.get(nat["stratum"], nat["stratum"])
                kinds = STRATUM_KINDS.get(nat["stratum"], [])
                if nat["n"] < s.min_coverage * nat["expected"]:
                    text.append(say("composite.national_withheld", stratum=stratum,
                                    **withheld_values(nat["n"], nat["expected"], kinds, s.min_coverage)))
                else:
                    # a report reads its own score only (its digest slice); composite scores are continuous, so a
                    # national tie is not looked up
                    text.append(say("composite.national", stratum=stratum, rank=rank_text(nat["nominal_rank"]), n=int(nat["n"]),
                                    coverage=coverage_text(nat["n"], nat["expected"], kinds), low=rank_text(nat["rank_lo"]),
                                    high=rank_text(nat["rank_hi"])))
            pg = self.v.primary_group
            if r["group"] is not None and pg is not None:  # a group row exists only with a primary group
                g = r["group"]
                own = g[g["unit"] == self.v.code]
                if len(own) and _float(own["nominal_rank"].iloc[0]) is not None:
                    o = own.iloc[0]
                    ties = int((g["nominal_rank"] == o["nominal_rank"]).sum())
                    text.append(say("composite.group", group=pg["name"], rank=rank_text(o["nominal_rank"], ties), n=int(o["n"]),
                                    low=rank_text(o["rank_lo"]), high=rank_text(o["rank_hi"])))
            text += self.flags_text(c)
            shares = r["shares"].drop(index="interactions/residual", errors="ignore").dropna(subset=["share"])
            if len(shares):
                top = shares["share"].idxmax()
                share, se = float(shares.loc[top, "share"]), float(shares.loc[top, "share_se"])
                step = share_step(se)
                text.append(say("composite.top_factor", factor=FACTOR_NAMES.get(top, top), share=pct(round(100 * share / step) * step),
                                se=num(100 * se, 0), runs=int(shares.loc[top, "runs"])))
            trend = self.trend_text(c)
            if trend:
                text.append(trend)
            parts.append(f"<h3>{esc(c['name'])}</h3>" + paragraph(text) + self.domains_table(c, nat))
        return "".join(parts)

    def flags_text(self, c: dict) -> list[str]:
        """What of this authority's inputs was imputed (and how, or from which year) or treated as an outlier."""
        s, out = self.v.s, []
        imp = self.composite_imputed[self.composite_imputed["composite"] == c["id"]]
        if len(imp):
            items = [_say("composite.imputed_year", name=s.indicators[r.indicator]["name"]["pl"], year=r.source)
                     if r.method == "latest_year" else
                     _say("composite.imputed_method", name=s.indicators[r.indicator]["name"]["pl"],
                          method=METHOD_NAMES.get(r.method, r.method)) for r in imp.itertuples()]
            out.append(_say("composite.imputed", items="; ".join(items)))
        treated = self.composite_treated[self.composite_treated["composite"] == c["id"]]
        if c.get("treat", "none") != "none" and len(treated):
            method = TREAT_NAMES.get(c["treat"], c["treat"])
            own = treated[treated["unit"] == self.v.code]
            if len(own):
                out.append(_say("composite.treated", method=method, items="; ".join(
                    f"{s.indicators[r.indicator]['name']['pl']} ({_fmt(s, r.indicator, r.original)} → {_fmt(s, r.indicator, r.treated)})"
                    if r.method == "winsorise" else s.indicators[r.indicator]["name"]["pl"] for r in own.itertuples())))
            else:
                out.append(_say("composite.treated_any", method=method, names=", ".join(
                    s.indicators[i]["name"]["pl"] for i in treated["indicator"].drop_duplicates())))
        return out

    def trend_text(self, c: dict) -> str | None:
        """On fixed goalposts: the index and rank in the first and the report year."""
        tr = self.composite_trend[self.composite_trend["composite"] == c["id"]].sort_values("year")
        if len(tr) < 2:
            return None
        a, b = tr.iloc[0], tr.iloc[-1]
        return _say("composite.trend", first=int(a["year"]), first_score=num(a["score"], 1), first_rank=rank_text(a["rank"]),
                    last=int(b["year"]), last_score=num(b["score"], 1), last_rank=rank_text(b["rank"]))

    def domains_table(self, c: dict, nat: pd.Series | None) -> str:
        """A multi-level composite's domains: this authority's score and rank in each, with the domain's weight."""
        if not c.get("domains") or nat is None:
            return ""
        dom = self.composite_domains[self.composite_domains["composite"] == c["id"]].set_index("domain")
        rows = []
        total = sum(float(d["weight"]) for d in c["domains"])
        for d in c["domains"]:
            r = dom.loc[d["id"]] if d["id"] in dom.index else None
            rows.append([d["name"], pct(100 * float(d["weight"]) / total),
                         num(r["score"], 1) if r is not None and pd.notna(r["score"]) else "–",
                         rank_text(r["rank"]) if r is not None and pd.notna(r["rank"]) else "–"])
        stratum = STRATUM_NAMES.get(nat["stratum"], nat["stratum"])
        return table("jst-composite-domains", FAIR_HEADS["composite_domains"], rows,
                     _say("composite.domains_caption", name=c["name"], stratum=stratum, year=self.v.year))

    def money(self, indicators: list[str]) -> list[str]:
        """The indicators measured in money that have a real-terms series for this unit."""
        have = set(self.real["indicator"])
        return [i for i in indicators if i in have]

    def real_terms(self, indicator: str) -> pd.DataFrame:
        """Years × real value (prices of the report year) of a money indicator."""
        return self.real[self.real["indicator"] == indicator].sort_values("year")

    def _change(self, indicator: str, first: int, last: int) -> tuple[float | None, float | None]:
        """The difference between two years of a money indicator: nominal (values) and real (real_terms)."""
        v = self.v.values[self.v.values["indicator"] == indicator].set_index("year")["value"]
        r = self.real_terms(indicator).set_index("year")["value_real"]

        def diff(x: pd.Series) -> float | None:
            a, b = _float(x.get(first)), _float(x.get(last))
            return None if a is None or b is None else b - a

        return diff(v), diff(r)

    def trend_sentence(self, indicator: str) -> str | None:
        """Compound and linear trends of a money indicator, nominal and real; without a positive first and last value
        (no percentage change is defined), the difference between them instead."""
        if indicator not in self.trends.index:
            return None
        tr = self.trends.loc[indicator]
        first, last = int(tr["first_year"]), int(tr["last_year"])
        signed = lambda x: _num(100 * x, 1, signed=True)  # noqa: E731  (a rate as a signed percentage)
        if _float(tr["cagr_nominal"]) is None or _float(tr["cagr_real"]) is None:
            nominal, real = self._change(indicator, first, last)
            if first == last or nominal is None or real is None:
                return None
            s = self.v.s
            return _say("trend.no_pct", first=first, last=last, nominal=s.delta(indicator, nominal), real=s.delta(indicator, real),
                        year=self.v.year)
        text = say("trend.cagr", first=first, last=last, nominal=signed(tr["cagr_nominal"]), real=signed(tr["cagr_real"]),
                   year=self.v.year)
        if _float(tr["slope"]) is not None and _float(tr["slope_lo"]) is not None and _float(tr["slope_hi"]) is not None:
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
        self.composite_scores = read("composite_scores", [("unit", "in", list(view.group["members"]))])

    def composites(self) -> list[tuple[dict, pd.DataFrame]]:
        """Each composite of the series with the members' rank intervals within the group."""
        out = []
        for c in self.v.s.meta.get("composites", []):
            rows = self.composite_groups[self.composite_groups["composite"] == c["id"]]
            if len(rows):
                out.append((c, rows))
        return out

    def composite_text(self, c: dict, rows: pd.DataFrame) -> str:
        """How many members are ranked, who is first whatever the method, and which members' index lacks inputs."""
        ranked = rows.dropna(subset=["nominal_rank"])
        clear = ranked[ranked["rank_hi"] == 1]
        text = say("composite.group_intro", name=c["name"], n=len(ranked))
        if len(clear):
            text += say("composite.group_first", units=", ".join(self.v.s.unit_name(u) for u in clear["unit"]))
        sc = self.composite_scores
        lacking = sc[(sc["composite"] == c["id"]) & sc["unit"].isin(set(ranked["unit"]))
                     & sc["missing_inputs"].map(lambda x: isinstance(x, str) and x != "")]
        if len(lacking):
            names = lambda ids: ", ".join(self.v.s.indicators[i]["name"]["pl"] for i in ids.split(",") if i in self.v.s.indicators)  # noqa: E731
            units = [_say("composite.group_member", unit=self.v.s.unit_name(u), missing=names(m))
                     for u, m in zip(lacking["unit"], lacking["missing_inputs"], strict=True)]
            text += _say("composite.group_missing", units="; ".join(units))
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
        """Per indicator with a usable model (`usable_model`): the members' expected values and ranks before and after
        adjustment (tied ranks "ex aequo"); else why there is none. Headings h3 (the report's section is h2)."""
        out = []
        s = self.v.s
        for ind in indicators:
            if ind not in self.models.index:
                continue
            m = self.models.loc[ind]
            meta = s.indicators[ind]
            title = f"{meta['name']['pl']} ({meta['unit']})"
            if m["status"] in NOT_FITTED:
                why = model_note(m["status"], int(m["n"]), int(m["needed"]), m["r2"], m["min_r2"])
                out.append(f"<p><b>{esc(title)}</b>: {esc(say('adjusted.not_fitted', why=why))}</p>")
                continue
            if not usable_model(m):
                out.append(f"<p><b>{esc(title)}</b>: {esc(_say('adjusted.weak', why=weak_reason(m)))}</p>")
                continue
            t = self.adjusted_table(ind)
            raw_ties, adj_ties = t["raw_rank"].value_counts(), t["adj_rank"].value_counts()
            rows = [[r.name, _fmt(s, ind, r.value), _fmt(s, ind, r.expected), _gap_text(s, ind, r._asdict(), m["response"]),
                     rank_text(r.raw_rank, raw_ties.get(r.raw_rank, 1)), rank_text(r.adj_rank, adj_ties.get(r.adj_rank, 1)),
                     "–" if pd.isna(r.inside) else say("yes" if r.inside else "no")] for r in t.itertuples()]
            out.append(f"<h3>{esc(title)}</h3>" + note(model_text(m, "adjusted.model", s.structure))
                       + table("jst-adjusted", HEADS["adjusted"], rows, _say("adjusted.caption", name=meta["name"]["pl"], year=self.v.year)))
        threshold = _say("expected.threshold", share=pct(100 * USABLE_R2), r2=num(USABLE_R2, 2))
        return "".join(out) + note(f"{ADJ_NOTE} {threshold}")
