"""What the report notebooks show, computed here so that notebooks only present.

`UnitView` (one authority, one year) and `GroupView` (one group, one year) read the series folder through
`jstbench.series.folder` (nothing else); every number they put into sentences comes from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jstbench.catalogue.model import DIRECTIONS, SECTORS, Structure
from jstbench.core.errors import InputError
from jstbench.core.text import num, pct, reason_text
from jstbench.core.units import POPULATION_CLASS_LABELS, UNIT_KINDS
from jstbench.series.folder import SeriesFolder
from jstbench.views.tables import banner, note, paragraph, stylesheet, table
from jstbench.views.wording import (
    CHART,
    COLOUR_NOTE,
    HEADS,
    ORIENTATION,
    QUARTILE_LABELS,
    SYNTHETIC_NOTE,
    WITHHELD_CELL,
    coverage_text,
    quality_text,
    say,
    withheld_values,
)


@dataclass
class SeriesData:
    """The shared, read-only part of a series: catalogue, units, groups. With `year`, a series built for another
    year is refused (the notebook's year parameter must be the series' year)."""

    folder: Path
    year: int | None = None
    data: SeriesFolder = field(init=False)
    meta: dict = field(init=False)
    indicators: dict[str, dict] = field(init=False)
    variables: dict[str, dict] = field(init=False)
    units: pd.DataFrame = field(init=False)
    structure: Structure | None = field(init=False)
    _breaks: pd.DataFrame | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self.data = SeriesFolder(self.folder, self.year)
        self.meta = self.data.meta
        cat = self.data.json("catalogue")
        self.indicators = {i["id"]: i for i in cat["indicators"]}
        self.variables = {v["name"]: v for v in cat["variables"]}
        self.structure = Structure.model_validate(cat["structure"]) if cat.get("structure") else None
        self.units = self.data.read("units").set_index("code", drop=False)

    def read(self, name: str, filters: list | None = None) -> pd.DataFrame:
        return self.data.read(name, filters)

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic"))

    def banner_html(self) -> str:
        """The stylesheet of the reports, and the synthetic-data banner where it applies."""
        return stylesheet() + (banner(SYNTHETIC_NOTE) if self.synthetic else "")

    def ordered(self) -> list[tuple[str, dict]]:
        """Indicators in reading order: by sector, monitoring before context, then by name."""
        order = {sec: n for n, sec in enumerate(SECTORS)}
        return sorted(self.indicators.items(),
                      key=lambda kv: (order[kv[1]["sector"]], kv[1]["kind"] != "monitoring", kv[1]["name"]["pl"]))

    def variable_labels(self) -> dict[str, str]:
        return {k: v["label"]["pl"] for k, v in self.variables.items()}

    def exchange_group(self, group_id: str) -> dict:
        for g in self.meta["exchange_groups"]:
            if g["id"] == group_id:
                return g
        raise InputError(f"unknown group {group_id!r}; groups: {[g['id'] for g in self.meta['exchange_groups']]}",
                         self.folder / "series.json")

    def unit_name(self, code: str) -> str:
        return str(self.units.loc[code, "name"]) if code in self.units.index else code

    def fmt(self, indicator: str, x: float | None, signed: bool = False) -> str:
        return num(x, int(self.indicators[indicator].get("decimals", 1)), signed)

    @property
    def min_coverage(self) -> float:
        """The least share of the units a statistic should rest on for it to be shown (the series' min_coverage)."""
        return float(self.meta.get("min_coverage", 0.0))

    def coverage(self, indicator: str, stat: pd.Series) -> str:
        """'195 z 2 477 gmin': how many units a group statistic (a group_stats row) rests on, of how many."""
        return coverage_text(stat["n"], stat["expected"], self.indicators[indicator]["applies_to"])

    def breaks(self, indicator: str, first: int, last: int) -> pd.DataFrame:
        """Comparability breaks of an indicator's series in the years after `first` up to `last` (year, variable
        label, change)."""
        if self._breaks is None:
            self._breaks = self.read("breaks")
        b = self._breaks
        b = b[(b["indicator"] == indicator) & (b["year"] > first) & (b["year"] <= last)]
        return b.assign(label=b["variable"].map(self.variable_labels()).fillna(b["variable"]))

    def withheld(self, indicator: str, stat: pd.Series) -> dict[str, str]:
        """The values of a phrase saying why a statistic (a group_stats row) is withheld."""
        return withheld_values(stat["n"], stat["expected"], self.indicators[indicator]["applies_to"], self.min_coverage)


def stats_by_group(stats: pd.DataFrame, year: int) -> pd.DataFrame:
    """group_stats rows of one year indexed by (group, indicator) as strings."""
    cur = stats[stats["year"] == year]
    return cur.set_index([cur["group"].astype(str), cur["indicator"].astype(str)]).sort_index()


def stat_row(stats: pd.DataFrame, group: str, indicator: str) -> pd.Series | None:
    """The statistics of one group on one indicator (from `stats_by_group`), or None."""
    key = (str(group), str(indicator))
    return stats.loc[key] if key in stats.index else None


class UnitView:
    """One authority in one year: its values, positions and peers."""

    def __init__(self, series_dir: str | Path, unit: str, year: int):
        self.s = SeriesData(Path(series_dir), int(year))
        if unit not in self.s.units.index:
            raise InputError(f"unit {unit!r} is not in the series' units register", self.s.folder / "units.parquet")
        self.code, self.year = unit, int(year)
        self.unit = self.s.units.loc[unit]
        self.groups = [g for g in self.s.meta["exchange_groups"] if unit in g["members"]]
        read = self.s.read
        self.values = read("values", [("unit", "==", unit)]).merge(
            read("changes", [("unit", "==", unit)]), on=["unit", "indicator", "year"], how="left")
        own = [read(f"comparison_{gt}", [("unit", "==", unit)]).assign(group_type=gt) for gt in ("exchange", "typology", "national")]
        self.own = pd.concat(own, ignore_index=True)
        gids = [g["id"] for g in self.groups]
        self.peers = read("comparison_exchange", [("group", "in", gids)]) if gids else self.own.iloc[:0]
        typ = self.own.loc[self.own["group_type"] == "typology", "group"]
        self.typology_group = str(typ.iloc[0]) if len(typ) else None
        stat_groups = gids + [self.s.meta["national_id"]] + ([self.typology_group] if self.typology_group else [])
        self.stats = read("group_stats", [("group", "in", stat_groups)])
        self.stats_now = stats_by_group(self.stats, self.year)
        if not (self.values["year"] == self.year).any():
            raise InputError(f"no values for year {self.year} for unit {unit}", self.s.folder / "values.parquet")

    @property
    def name(self) -> str:
        return str(self.unit["name"])

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS[self.unit["kind"]]

    @property
    def primary_group(self) -> dict | None:
        return self.groups[0] if self.groups else None

    def title(self) -> str:
        return say("unit.title", name=self.name, kind=self.kind_label, code=self.code, year=self.year)

    def position(self, group_type: str, group: str | None = None) -> pd.DataFrame:
        """The unit's comparison rows in the report year for one group type (and group), indexed by indicator."""
        rows = self.own[(self.own["group_type"] == group_type) & (self.own["year"] == self.year)]
        if group is not None:
            rows = rows[rows["group"] == group]
        return rows.set_index("indicator")

    def summary(self) -> pd.DataFrame:
        """Position on every indicator that applies to the unit: one row per indicator."""
        labels = self.s.variable_labels()
        cur = self.values[self.values["year"] == self.year].set_index("indicator")
        grp = self.position("exchange", self.primary_group["id"]) if self.primary_group else None
        nat = self.position("national")
        rows = []
        for ind_id, meta in self.s.ordered():
            if ind_id not in cur.index:
                continue
            value = cur.loc[ind_id, "value"]
            g = grp.loc[ind_id] if grp is not None and ind_id in grp.index else None
            n = nat.loc[ind_id] if ind_id in nat.index else None
            gs = stat_row(self.stats_now, self.primary_group["id"], ind_id) if self.primary_group else None
            ns = stat_row(self.stats_now, self.s.meta["national_id"], ind_id)
            g_held, n_held = gs is not None and bool(gs["withheld"]), ns is not None and bool(ns["withheld"])
            remarks = [reason_text(cur.loc[ind_id, "reason"], labels) if pd.isna(value)
                       else quality_text(cur.loc[ind_id, "quality"] if "quality" in cur.columns else None)]
            if g_held and gs is not None and gs["n"] > 0:
                remarks.append(say("withheld.remark", what=say("withheld.group"), **self.s.withheld(ind_id, gs)))
            if n_held and ns is not None and ns["n"] > 0:
                remarks.append(say("withheld.remark", what=say("withheld.national"), **self.s.withheld(ind_id, ns)))
            rows.append({
                "sector": meta["sector"],
                "Obszar": SECTORS[meta["sector"]]["pl"],
                "indicator": ind_id,
                "Wskaźnik": meta["name"]["pl"],
                "kind": meta["kind"],
                "Kierunek": ORIENTATION[meta["direction"]],
                "Jednostka": meta["unit"],
                "value": value,
                "Wartość": self.s.fmt(ind_id, value),
                "group_median": g["median"] if g is not None else np.nan,
                "Mediana grupy": WITHHELD_CELL if g_held else self.s.fmt(ind_id, g["median"]) if g is not None else "–",
                "group_rank": g["rank"] if g is not None else np.nan,
                "group_n": g["n"] if g is not None else np.nan,
                "Pozycja w grupie": (f"{int(g['rank'])}/{int(g['n'])}" if g is not None and pd.notna(g["rank"]) else "–"),
                "group_quartile": g["quartile"] if g is not None else np.nan,
                "national_median": n["median"] if n is not None else np.nan,
                "Mediana kraju": WITHHELD_CELL if n_held else self.s.fmt(ind_id, n["median"]) if n is not None else "–",
                "national_n": ns["n"] if ns is not None else np.nan,
                "national_expected": ns["expected"] if ns is not None else np.nan,
                "national_withheld": n_held,
                "JST z danymi w kraju": (say("coverage.cell", n=num(ns["n"], 0), expected=num(ns["expected"], 0),
                                             share=pct(100 * ns["coverage"])) if ns is not None else "–"),
                "national_percentile": n["percentile"] if n is not None else np.nan,
                "national_quartile": n["quartile"] if n is not None else np.nan,
                "Uwagi": "; ".join(r for r in remarks if r),
            })
        return pd.DataFrame(rows)

    def summary_html(self) -> str:
        """The summary table as HTML, cells coloured by quartile (with the quartile written out too)."""
        df = self.summary()
        group_name = self.primary_group["name"] if self.primary_group else say("no_group")

        def quartile(q: float, context: bool) -> tuple[str, str]:
            if context:
                return say("context"), "context"
            return ("–", "") if pd.isna(q) else (QUARTILE_LABELS[int(q)], f"q{int(q)}")

        rows, classes = [], []
        for _, r in df.iterrows():
            ctx = r["kind"] == "context"
            (gq, gc), (nq, nc) = quartile(r["group_quartile"], ctx), quartile(r["national_quartile"], ctx)
            rows.append([r["Obszar"], r["Wskaźnik"], r["Kierunek"], r["Jednostka"], r["Wartość"], r["Mediana grupy"],
                         r["Pozycja w grupie"], gq, r["Mediana kraju"], r["JST z danymi w kraju"], nq, r["Uwagi"]])
            classes.append(["", "", "", "", "", "", "", gc, "", "", nc, "remark"])
        caption = say("summary.caption", group=group_name)
        return table("jst-summary", HEADS["summary"], rows, caption, cell_classes=classes) + note(COLOUR_NOTE)

    def sectors(self) -> list[str]:
        present = set(self.values["indicator"])
        order = list(SECTORS)
        secs = {self.s.indicators[i]["sector"] for i in present}
        return [s for s in order if s in secs]

    def chart_sectors(self, mode: str = "group") -> list[str]:
        """Sectors that get charts: `group` = the services of the unit's exchange groups plus
        administrative decisions (all sectors when the unit is in no group); `all` = every sector."""
        if mode not in ("group", "all"):
            raise InputError(f"chart mode {mode!r}: use 'group' or 'all'", "notebook parameters", "charts")
        if mode == "all" or not self.groups:
            return self.sectors()
        wanted = {g["sector"] for g in self.groups} | {"administration"}
        return [s for s in self.sectors() if s in wanted]

    def sector_indicators(self, sector: str, kind: str | None = None) -> list[str]:
        present = set(self.values["indicator"])
        return [i for i, m in self.s.ordered()
                if m["sector"] == sector and i in present and (kind is None or m["kind"] == kind)]

    def series(self, indicator: str) -> pd.DataFrame:
        """Years × (unit value, group median, national q25, median, q75) for a time-series chart."""
        own = self.values[self.values["indicator"] == indicator].set_index("year")["value"].rename("value")
        st = self.stats[self.stats["indicator"] == indicator]
        nat = st[st["group"] == self.s.meta["national_id"]].set_index("year")
        out = pd.DataFrame({"value": own})
        out["national_q25"] = nat["q25"]
        out["national_median"] = nat["median"]
        out["national_q75"] = nat["q75"]
        if self.primary_group:
            grp = st[st["group"] == self.primary_group["id"]].set_index("year")
            out["group_median"] = grp["median"]
        return out.sort_index()

    def peer_values(self, indicator: str) -> pd.DataFrame:
        """Members of the primary group in the report year: unit, name, value, highlighted."""
        if not self.primary_group:
            return pd.DataFrame(columns=["unit", "name", "value", "is_self"])
        p = self.peers[(self.peers["group"] == self.primary_group["id"]) & (self.peers["indicator"] == indicator)
                       & (self.peers["year"] == self.year)]
        return pd.DataFrame({"unit": p["unit"], "name": [self.s.unit_name(c) for c in p["unit"]],
                             "value": p["value"], "is_self": p["unit"] == self.code})

    def sentences(self, indicator: str) -> list[str]:
        """Short Polish sentences about one indicator; every number comes from the data."""
        meta = self.s.indicators[indicator]
        unit = meta["unit"]
        name = meta["name"]["pl"]
        cur = self.values[(self.values["indicator"] == indicator) & (self.values["year"] == self.year)]
        if cur.empty:
            return []
        value, reason = cur["value"].iloc[0], cur["reason"].iloc[0]
        if pd.isna(value):
            return [say("value.missing", name=name, year=self.year, reason=reason_text(reason, self.s.variable_labels()))]
        out = [say("value", name=name, year=self.year, value=self.s.fmt(indicator, value), unit=unit)]
        warning = quality_text(cur["quality"].iloc[0] if "quality" in cur.columns else None)
        if warning:
            out.append(say("value.warning", warning=warning))
        pg = self.primary_group
        grp = self.position("exchange", pg["id"]) if pg else None
        gs = stat_row(self.stats_now, pg["id"], indicator) if pg else None
        if pg and grp is not None and indicator in grp.index and gs is not None:
            g = grp.loc[indicator]
            if gs["withheld"]:
                out.append(say("group.withheld", group=pg["name"], **self.s.withheld(indicator, gs)))
            else:
                text = say("group.median", group=pg["name"], median=self.s.fmt(indicator, g["median"]),
                           coverage=self.s.coverage(indicator, gs))
                if meta["kind"] == "monitoring" and pd.notna(g["rank"]):
                    text += say("group.rank", rank=int(g["rank"]), n=int(g["n"]))
                elif meta["kind"] == "monitoring":
                    text += say("group.too_few", n=int(g["n"]), minimum=self.s.meta["min_group_size"])
                out.append(text + ".")
        nat = self.position("national")
        ns = stat_row(self.stats_now, self.s.meta["national_id"], indicator)
        if indicator in nat.index and ns is not None:
            n = nat.loc[indicator]
            if ns["withheld"]:
                out.append(say("national.withheld", **self.s.withheld(indicator, ns)))
            else:
                text = say("national.median", median=self.s.fmt(indicator, n["median"]), coverage=self.s.coverage(indicator, ns))
                if meta["kind"] == "monitoring" and pd.notna(n["percentile"]):
                    text += say("national.better_than", percentile=pct(n["percentile"]))
                out.append(text + ".")
        row = cur.iloc[0]
        if meta["direction"] == "target-range":
            t, gap = meta["target"], row["target_gap"]
            out.append(say("target.inside" if gap == 0 else "target.outside", low=num(t["low"]), high=num(t["high"]),
                           gap=self.s.fmt(indicator, gap), unit=unit))
        if pd.notna(row["change"]):
            change = self.s.fmt(indicator, row["change"], signed=True)
            out.append(say("change.pct", year=self.year - 1, change=change, pct=num(row["change_pct"], 1, signed=True))
                       if pd.notna(row["change_pct"]) else say("change", year=self.year - 1, change=change))
            if len(self.s.breaks(indicator, self.year - 1, self.year)):
                out.append(say("break.change", year=self.year - 1))
        years = self.values.loc[self.values["indicator"] == indicator, "year"]
        for b in self.s.breaks(indicator, int(years.min()), self.year).itertuples():
            out.append(say("break", year=b.year, variable=b.label, change=b.change.rstrip(".") + "."))
        return out

    def sentences_html(self, indicator: str) -> str:
        return paragraph(self.sentences(indicator))

    def size_sentence(self) -> str:
        """The unit's size class and the year of the population it rests on (an earlier year, or none, said so)."""
        pclass = str(self.unit.get("population_class") or "unknown")
        pyear = self.unit.get("population_year")
        if pclass == "unknown" or pyear is None or pd.isna(pyear):
            return say("unit.size_unknown", year=self.year)
        size = POPULATION_CLASS_LABELS.get(pclass, pclass)
        if int(pyear) < self.year:
            return say("unit.size_earlier", size=size, population_year=int(pyear), year=self.year)
        return say("unit.size", size=size, year=int(pyear))

    def header_html(self) -> str:
        lines = [say("unit.kind", kind=self.kind_label, voivodeship=self.unit["voivodeship"], powiat=self.unit["powiat"]),
                 self.size_sentence(),
                 say("unit.groups", groups=", ".join(g["name"] for g in self.groups) or say("none")),
                 say("unit.typology", typology=self.typology_group or say("none"))]
        return self.s.banner_html() + "".join(paragraph([x]) for x in lines)


class GroupView:
    """One experience-exchange group in one year."""

    def __init__(self, series_dir: str | Path, group: str, year: int):
        self.s = SeriesData(Path(series_dir), int(year))
        self.group = self.s.exchange_group(group)
        self.year = int(year)
        self.rows = self.s.read("comparison_exchange", [("group", "==", group)])
        self.stats = self.s.read("group_stats", [("group", "in", [group, self.s.meta["national_id"]])])
        self.stats_now = stats_by_group(self.stats, self.year)

    @property
    def name(self) -> str:
        return self.group["name"]

    def members(self) -> pd.DataFrame:
        u = self.s.units.loc[self.group["members"]]
        return pd.DataFrame({"TERYT": u["code"], "Nazwa": u["name"],
                             "Rodzaj": [UNIT_KINDS[k] for k in u["kind"]]}).reset_index(drop=True)

    def members_html(self) -> str:
        m = self.members()
        return table("jst-members", HEADS["members"], [[r.TERYT, r.Nazwa, r.Rodzaj] for r in m.itertuples()])

    def monitoring_indicators(self, sector: str | None = None) -> list[str]:
        present = set(self.rows.loc[self.rows["year"] == self.year, "indicator"])
        return [i for i, m in self.s.ordered()
                if m["kind"] == "monitoring" and i in present and (sector is None or m["sector"] == sector)]

    def percentile_matrix(self, sector: str | None = None) -> pd.DataFrame:
        """Members × monitoring indicators (of one sector, or all): percentile in the group (100 = best)."""
        inds = self.monitoring_indicators(sector)
        cur = self.rows[(self.rows["year"] == self.year) & self.rows["indicator"].isin(inds)]
        mat = cur.pivot(index="unit", columns="indicator", values="percentile")
        mat = mat.reindex(index=self.group["members"], columns=inds)
        mat.index = [self.s.unit_name(c) for c in mat.index]
        mat.columns = [self.s.indicators[i]["name"]["pl"] for i in mat.columns]
        return mat

    def sector_matrix(self) -> pd.DataFrame:
        """Members × sectors: mean percentile over the sector's monitoring indicators with a position."""
        cur = self.s.read("group_sectors", [("group", "==", self.group["id"])])
        mat = cur.pivot(index="unit", columns="sector", values="mean_percentile")
        order = [s for s in SECTORS if s in mat.columns]
        mat = mat.reindex(index=self.group["members"], columns=order)
        mat.index = [self.s.unit_name(c) for c in mat.index]
        mat.columns = [SECTORS[c]["pl"] for c in mat.columns]
        return mat

    def values_table(self, indicator: str) -> pd.DataFrame:
        cur = self.rows[(self.rows["indicator"] == indicator) & (self.rows["year"] == self.year)]
        return pd.DataFrame({"unit": cur["unit"], "name": [self.s.unit_name(c) for c in cur["unit"]],
                             "value": cur["value"], "rank": cur["rank"]}).sort_values("rank")

    def trend(self, indicator: str) -> pd.DataFrame:
        """Years × members' values, with group and national medians."""
        rows = self.rows[self.rows["indicator"] == indicator]
        wide = rows.pivot(index="year", columns="unit", values="value")
        wide.columns = [self.s.unit_name(c) for c in wide.columns]
        st = self.stats[self.stats["indicator"] == indicator]
        wide[CHART["group_median"]] = st[st["group"] == self.group["id"]].set_index("year")["median"]
        wide[CHART["national_median"]] = st[st["group"] == self.s.meta["national_id"]].set_index("year")["median"]
        return wide.sort_index()

    def sentences(self, indicator: str) -> list[str]:
        """The group's median and mean, the national median, each with the units it rests on (or why it is
        withheld), and the best member."""
        meta = self.s.indicators[indicator]
        g = stat_row(self.stats_now, self.group["id"], indicator)
        n = stat_row(self.stats_now, self.s.meta["national_id"], indicator)
        if g is None or g["n"] == 0:
            return [say("group.no_data", name=meta["name"]["pl"], year=self.year)]
        best = self.values_table(indicator).dropna(subset=["value"])
        if g["withheld"]:
            out = [say("group.summary_withheld", name=meta["name"]["pl"], unit=meta["unit"], year=self.year,
                       **self.s.withheld(indicator, g))]
        else:
            out = [say("group.summary", name=meta["name"]["pl"], unit=meta["unit"], year=self.year,
                       median=self.s.fmt(indicator, g["median"]), mean=self.s.fmt(indicator, g["mean"]),
                       coverage=self.s.coverage(indicator, g))]
        if n is not None and n["withheld"] and n["n"] > 0:
            out.append(say("national.withheld", **self.s.withheld(indicator, n)))
        elif n is not None and n["n"] > 0:
            out.append(say("national.median", median=self.s.fmt(indicator, n["median"]), coverage=self.s.coverage(indicator, n)) + ".")
        if len(best) and pd.notna(best["rank"].iloc[0]):
            out.append(say("group.best", direction=DIRECTIONS[meta["direction"]], unit=best["name"].iloc[0],
                           value=self.s.fmt(indicator, best["value"].iloc[0])))
        return out

    def sentences_html(self, indicator: str) -> str:
        return paragraph(self.sentences(indicator))

    def header_html(self) -> str:
        sector = SECTORS[self.group["sector"]]["pl"]
        return self.s.banner_html() + paragraph([say("group.header", sector=sector, n=len(self.group["members"]), year=self.year)])
