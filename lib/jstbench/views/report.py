"""What the report notebooks show, computed here so that notebooks only present.

`UnitView` (one authority, one year) and `GroupView` (one group, one year) read the series folder through
`jstbench.series.folder` (nothing else); every number they put into sentences comes from it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from jstbench.catalogue.model import DIRECTIONS, RATED_KINDS, SECTORS, Structure
from jstbench.core.errors import InputError
from jstbench.core.text import esc, num, pct, reason_text, share
from jstbench.core.units import POPULATION_CLASS_LABELS, UNIT_KINDS, VOIVODESHIPS, display_name
from jstbench.core.xlsx import frame_xlsx
from jstbench.series.folder import SeriesFolder
from jstbench.views import links
from jstbench.views.tables import Html, banner, note, paragraph, stylesheet, table
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

KIND_ORDER = {"monitoring": 0, "survey": 1, "context": 2}  # reading order within a sector


class Break(NamedTuple):
    """A comparability break in an indicator's series: from `year` on, `variable` (`label`) changed."""

    year: int
    variable: str
    label: str
    change: str


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
    _breaks: dict[str, list[Break]] | None = field(init=False, default=None)
    _ordered: list[tuple[str, dict]] | None = field(init=False, default=None)
    _labels: dict[str, str] | None = field(init=False, default=None)
    _group_names: dict[str, str] | None = field(init=False, default=None)

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
        if self._ordered is None:
            order = {sec: n for n, sec in enumerate(SECTORS)}
            self._ordered = sorted(self.indicators.items(),
                                   key=lambda kv: (order[kv[1]["sector"]], KIND_ORDER[kv[1]["kind"]], kv[1]["name"]["pl"]))
        return self._ordered

    def variable_labels(self) -> dict[str, str]:
        if self._labels is None:
            self._labels = {k: v["label"]["pl"] for k, v in self.variables.items()}
        return self._labels

    def exchange_group(self, group_id: str) -> dict:
        for g in self.meta["exchange_groups"]:
            if g["id"] == group_id:
                return g
        raise InputError(f"unknown group {group_id!r}; groups: {[g['id'] for g in self.meta['exchange_groups']]}",
                         self.folder / "series.json")

    def unit_name(self, code: str) -> str:
        """A unit's name as readers know it: a powiat (registered by its adjective, "polkowicki") is "powiat
        polkowicki"."""
        if code not in self.units.index:
            return code
        row = self.units.loc[code]
        return display_name(str(row["name"]), str(row["kind"]))

    def fmt(self, indicator: str, x: float | None, signed: bool = False) -> str:
        """A value of an indicator with its decimals; a share is never shown as 0 or 100 unless it is exactly that."""
        decimals = int(self.indicators[indicator].get("decimals", 1))
        if self.is_share(indicator) and not signed:
            return share(x, decimals)
        return num(x, decimals, signed)

    def is_share(self, indicator: str) -> bool:
        return self.indicators[indicator]["unit"] == "%"

    def delta(self, indicator: str, x: float | None) -> str:
        """A signed difference with its unit: percentage points for shares ("+2,1 p.p."), else the indicator's unit."""
        unit = "p.p." if self.is_share(indicator) else self.indicators[indicator]["unit"]
        return f"{self.fmt(indicator, x, signed=True)} {unit}"

    def group_name(self, group: str) -> str:
        """A group's name for readers (typology groups are named by kind and size, not by their id)."""
        if self._group_names is None:
            m = self.read("membership")[["group", "group_name"]].drop_duplicates("group")
            self._group_names = {str(g): str(n) for g, n in zip(m["group"], m["group_name"], strict=True) if pd.notna(n)}
            self._group_names |= {g["id"]: g["name"] for g in self.meta["exchange_groups"]}
        return self._group_names.get(str(group), str(group))

    def indicator_link(self, indicator: str) -> str:
        """The indicator's name linked to its methodology page (HTML)."""
        return f"<a href='{esc(links.indicator(indicator))}'>{esc(self.indicators[indicator]['name']['pl'])}</a>"

    def unit_link(self, code: str) -> str:
        """A unit's name, linked to its report where the series has one (HTML)."""
        name = esc(self.unit_name(code))
        return f"<a href='{esc(links.unit_report(code))}'>{name}</a>" if code in self.report_units else name

    def group_link(self, group_id: str) -> str:
        """A group's name, linked to its report where the series has one (HTML)."""
        name = esc(self.group_name(group_id))
        reported = group_id in self.meta.get("report_groups", [])
        return f"<a href='{esc(links.group_report(group_id))}'>{name}</a>" if reported else name

    @functools.cached_property
    def report_units(self) -> set[str]:
        return set(self.meta.get("report_units", []))


    @property
    def min_coverage(self) -> float:
        """The least share of the units a statistic should rest on for it to be shown (the series' min_coverage)."""
        return float(self.meta.get("min_coverage", 0.0))

    def coverage(self, indicator: str, stat: dict) -> str:
        """'195 z 2 477 gmin': how many units a group statistic (a group_stats row) rests on, of how many."""
        return coverage_text(stat["n"], stat["expected"], self.indicators[indicator]["applies_to"])

    def breaks(self, indicator: str, first: int, last: int) -> list[Break]:
        """Comparability breaks of an indicator's series in the years after `first` up to `last`."""
        if self._breaks is None:
            b = self.read("breaks")
            labels = b["variable"].map(self.variable_labels()).fillna(b["variable"])
            self._breaks = {}
            for ind, year, var, label, change in zip(b["indicator"], b["year"], b["variable"], labels, b["change"], strict=True):
                self._breaks.setdefault(ind, []).append(Break(int(year), var, label, change))
        return [b for b in self._breaks.get(indicator, []) if first < b.year <= last]

    def withheld(self, indicator: str, stat: dict) -> dict[str, str]:
        """The values of a phrase saying why a statistic (a group_stats row) is withheld."""
        return withheld_values(stat["n"], stat["expected"], self.indicators[indicator]["applies_to"], self.min_coverage)


class Comparator(NamedTuple):
    """The group an indicator is compared with: `kind` exchange | typology | similar | national."""

    kind: str
    group: str
    name: str


def position_text(rank: float, ties: float, n: float) -> str:
    """A position in a group: '2/9', or '1–3 ex aequo/9' when several units share it; '–' without one.

    >>> position_text(2, 1, 9), position_text(1, 3, 9), position_text(float("nan"), 1, 9)
    ('2/9', '1–3 ex aequo/9', '–')
    """
    if pd.isna(rank):
        return "–"
    r, t = int(rank), int(ties) if pd.notna(ties) else 1
    return f"{r}–{r + t - 1} ex aequo/{int(n)}" if t > 1 else f"{r}/{int(n)}"


def stats_by_group(stats: pd.DataFrame, year: int) -> dict[tuple[str, str], dict]:
    """group_stats rows of one year by (group, indicator), each a dict of its columns."""
    cur = stats[stats["year"] == year]
    keys = zip(cur["group"].astype(str), cur["indicator"].astype(str), strict=True)
    return dict(zip(keys, cur.to_dict("records"), strict=True))


def stat_row(stats: dict[tuple[str, str], dict], group: str, indicator: str) -> dict | None:
    """The statistics of one group on one indicator (from `stats_by_group`), or None."""
    return stats.get((str(group), str(indicator)))


def records(frame: pd.DataFrame) -> dict[str, dict]:
    """Rows of a frame indexed by indicator as dicts (lookups in report text without pandas indexing)."""
    return dict(zip(frame.index.astype(str), frame.to_dict("records"), strict=True))


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
        gids = [g["id"] for g in self.groups]
        self.peers = read("comparison_exchange", [("group", "in", gids)])  # its groups' rows: its own among them
        own = [self.peers[self.peers["unit"] == unit].assign(group_type="exchange")]
        own += [read(f"comparison_{gt}", [("unit", "==", unit)]).assign(group_type=gt) for gt in ("typology", "national")]
        self.own = pd.concat(own, ignore_index=True)
        typ = self.own.loc[self.own["group_type"] == "typology", "group"]
        self.typology_group = str(typ.iloc[0]) if len(typ) else None
        stat_groups = gids + [self.s.meta["national_id"]] + ([self.typology_group] if self.typology_group else [])
        self.stats = read("group_stats", [("group", "in", stat_groups)])
        self.stats_now = stats_by_group(self.stats, self.year)
        if not (self.values["year"] == self.year).any():
            raise InputError(f"no values for year {self.year} for unit {unit}", self.s.folder / "values.parquet")
        self._positions: dict[tuple[str, str | None], pd.DataFrame] = {}
        self._records: dict[tuple[str, str | None], dict[str, dict]] = {}
        self._summary: pd.DataFrame | None = None
        self._summary_rows: dict[str | None, list[dict]] | None = None
        self.current = self.values[self.values["year"] == self.year].set_index("indicator")
        self.current_records = records(self.current)
        self.first_year = self.values.groupby("indicator")["year"].min().to_dict()
        self.present = set(self.values["indicator"])
        similar = read("comparison_similar", [("unit", "==", unit)])
        self.similar = records(similar[similar["year"] == self.year].set_index("indicator"))
        self.similar_group = str(similar["group"].iloc[0]) if len(similar) else None
        self.peer_codes = read("peers", [("unit", "==", unit)]).sort_values("order")["peer"].astype(str).tolist()

    def comparator(self, sector: str) -> Comparator:
        """The group a sector's indicators are compared with: the unit's exchange group for that service; else its
        typology group (units of the same kind and size class); else its similar authorities; else the country."""
        for g in self.groups:
            if g["sector"] == sector:
                return Comparator("exchange", g["id"], g["name"])
        if self.typology_group:
            return Comparator("typology", self.typology_group, self.s.group_name(self.typology_group))
        if self.similar_group:
            return Comparator("similar", self.similar_group, say("similar.group", k=len(self.peer_codes)))
        return Comparator("national", self.s.meta["national_id"], self.s.meta.get("national_name", "kraj"))

    def comparator_row(self, comp: Comparator, indicator: str) -> dict | None:
        """The unit's comparison row in the comparator group (report year)."""
        if comp.kind == "similar":
            return self.similar.get(indicator)
        return self.position_records(comp.kind, comp.group if comp.kind == "exchange" else None).get(indicator)

    def comparator_withheld(self, comp: Comparator, indicator: str, row: dict | None) -> dict | None:
        """The values of a "withheld" phrase when the comparator's statistics are withheld for too little coverage."""
        st = stat_row(self.stats_now, comp.group, indicator)
        if st is not None:
            return self.s.withheld(indicator, st) if st["withheld"] and st["n"] > 0 else None
        if row is not None and pd.isna(row["median"]) and row["n"] > 0:
            return self.s.withheld(indicator, {"n": row["n"], "expected": row["expected"]})
        return None

    @property
    def name(self) -> str:
        return str(self.unit["name"])

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS[self.unit["kind"]]

    @property
    def primary_group(self) -> dict | None:
        return self.groups[0] if self.groups else None

    @property
    def primary_sector(self) -> str | None:
        """The service of the primary exchange group (its members are charted beside the unit)."""
        return self.primary_group["sector"] if self.primary_group else None

    def title(self) -> str:
        if self.unit["kind"] == "powiat":
            name = self.s.unit_name(self.code)
            return say("unit.title_powiat", name=name[:1].upper() + name[1:], code=self.code, year=self.year)
        return say("unit.title", name=self.name, kind=self.kind_label, code=self.code, year=self.year)

    def position(self, group_type: str, group: str | None = None) -> pd.DataFrame:
        """The unit's comparison rows in the report year for one group type (and group), indexed by indicator."""
        key = (group_type, group)
        if key not in self._positions:
            rows = self.own[(self.own["group_type"] == group_type) & (self.own["year"] == self.year)]
            if group is not None:
                rows = rows[rows["group"] == group]
            self._positions[key] = rows.set_index("indicator")
        return self._positions[key]

    def position_records(self, group_type: str, group: str | None = None) -> dict[str, dict]:
        """`position` as dicts by indicator."""
        key = (group_type, group)
        if key not in self._records:
            self._records[key] = records(self.position(group_type, group))
        return self._records[key]

    def summary(self) -> pd.DataFrame:
        """Position on every indicator that applies to the unit: one row per indicator, against its sector's
        comparator (`comparator`), its similar authorities and the country."""
        labels = self.s.variable_labels()
        nat = self.position_records("national")
        rows = []
        for ind_id, meta in self.s.ordered():
            cur = self.current_records.get(ind_id)
            if cur is None:
                continue
            value = cur["value"]
            comp = self.comparator(meta["sector"])
            g = self.comparator_row(comp, ind_id)
            sim = self.similar.get(ind_id)
            n = nat.get(ind_id)
            ns = stat_row(self.stats_now, self.s.meta["national_id"], ind_id)
            g_held = self.comparator_withheld(comp, ind_id, g)
            n_held = ns is not None and bool(ns["withheld"])
            remarks = [reason_text(cur["reason"], labels) if pd.isna(value) else quality_text(cur.get("quality"))]
            if g_held:
                remarks.append(say("withheld.remark", what=say("withheld.group"), **g_held))
            if n_held and ns is not None and ns["n"] > 0:
                remarks.append(say("withheld.remark", what=say("withheld.national"), **self.s.withheld(ind_id, ns)))
            rated = meta["kind"] in RATED_KINDS

            def get(row: dict | None, col: str) -> float:
                return row[col] if row is not None else np.nan

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
                "comparator": comp.group,
                "Grupa porównawcza": comp.name,
                "group_median": get(g, "median"),
                "Mediana grupy": WITHHELD_CELL if g_held else self.s.fmt(ind_id, get(g, "median")),
                "group_rank": get(g, "rank") if rated else np.nan,
                "group_ties": get(g, "ties") if rated else np.nan,
                "group_n": get(g, "n"),
                "group_percentile": get(g, "percentile") if rated else np.nan,
                "Pozycja w grupie": position_text(get(g, "rank"), get(g, "ties"), get(g, "n")) if rated else "–",
                "group_quartile": get(g, "quartile") if rated else np.nan,
                "group_zscore": get(g, "zscore"),
                "similar_median": get(sim, "median"),
                "Mediana podobnych JST": self.s.fmt(ind_id, get(sim, "median")),
                "national_median": get(n, "median"),
                "Mediana kraju": WITHHELD_CELL if n_held else self.s.fmt(ind_id, get(n, "median")),
                "national_n": ns["n"] if ns is not None else np.nan,
                "national_expected": ns["expected"] if ns is not None else np.nan,
                "national_withheld": n_held,
                "JST z danymi w kraju": (say("coverage.cell", n=num(ns["n"], 0), expected=num(ns["expected"], 0),
                                             share=pct(100 * ns["coverage"])) if ns is not None else "–"),
                "national_percentile": get(n, "percentile") if rated else np.nan,
                "national_quartile": get(n, "quartile") if rated else np.nan,
                "Uwagi": "; ".join(r for r in remarks if r),
            })
        return pd.DataFrame(rows)

    def summary_frame(self) -> pd.DataFrame:
        """`summary` cached (the report shows it in parts)."""
        if self._summary is None:
            self._summary = self.summary()
        return self._summary

    def summary_records(self, sector: str | None = None) -> list[dict]:
        """The rows of `summary_frame` (of one sector, or all) as records, split by sector once per report."""
        if self._summary_rows is None:
            rows = self.summary_frame().to_dict("records")
            self._summary_rows = {None: rows}
            for r in rows:
                self._summary_rows.setdefault(r["sector"], []).append(r)
        return self._summary_rows.get(sector, [])

    def summary_html(self, sector: str | None = None) -> str:
        """The summary table (of one sector, or all) as HTML: names link to the indicators' definitions; quartiles
        are written out as well as coloured."""

        def quartile(q: float, context: bool) -> tuple[str, str]:
            if context:
                return say("context"), "context"
            return ("–", "") if pd.isna(q) else (QUARTILE_LABELS[int(q)], f"q{int(q)}")

        rows, classes = [], []
        for r in self.summary_records(sector):
            ctx = r["kind"] == "context"
            (gq, gc), (nq, nc) = quartile(r["group_quartile"], ctx), quartile(r["national_quartile"], ctx)
            rows.append([Html(self.s.indicator_link(r["indicator"])), r["Kierunek"], r["Wartość"], r["Jednostka"],
                         r["Mediana grupy"], r["Pozycja w grupie"], gq, r["Mediana podobnych JST"], r["Mediana kraju"],
                         r["JST z danymi w kraju"], nq, r["Uwagi"]])
            classes.append(["", "", "num", "", "num", "", gc, "num", "num", "", nc, "remark"])
        if sector is None:
            caption = say("summary.caption_all")
        else:
            comp = self.comparator(sector)
            caption = say("summary.caption", sector=SECTORS[sector]["pl"], group=comp.name, year=self.year)
        html = table("jst-summary", HEADS["summary"], rows, caption, cell_classes=classes)
        return html + note(COLOUR_NOTE) if sector is None else html

    def export_frame(self) -> pd.DataFrame:
        """The report's numbers for download: one row per indicator, Polish headers, numbers unformatted."""
        df = self.summary_frame()
        out = pd.DataFrame({"TERYT": self.code, "JST": self.name, "Rok": self.year, "Obszar": df["Obszar"],
                            "Identyfikator wskaźnika": df["indicator"], "Wskaźnik": df["Wskaźnik"],
                            "Jednostka": df["Jednostka"], "Wartość": df["value"], "Grupa porównawcza": df["Grupa porównawcza"],
                            "Mediana grupy porównawczej": df["group_median"], "Pozycja w grupie": df["group_rank"],
                            "JST na tej samej pozycji": df["group_ties"], "JST w grupie z danymi": df["group_n"],
                            "Ćwiartka w grupie": df["group_quartile"], "Mediana podobnych JST": df["similar_median"],
                            "Mediana kraju": df["national_median"], "Percentyl w kraju": df["national_percentile"],
                            "Uwagi": df["Uwagi"]})
        numbers = out.select_dtypes("number").columns.drop("Rok")
        out[numbers] = out[numbers].astype(float).round(4)
        return out

    def downloads_html(self) -> str:
        """Links that download the report's numbers as CSV and XLSX (`downloads_html`)."""
        return downloads_html(self.export_frame(), f"jst-{self.code}-{self.year}", str(self.year))

    def sectors(self) -> list[str]:
        order = list(SECTORS)
        secs = {self.s.indicators[i]["sector"] for i in self.present}
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

    def trend_sectors(self, mode: str = "group") -> list[str]:
        """Sectors that get trend panels: `group` = the services of the unit's exchange groups plus administrative
        decisions (none for a unit in no group: its position chart and text cover every sector); `all` = every
        sector."""
        return self.chart_sectors(mode) if mode == "all" or self.groups else []

    def sector_indicators(self, sector: str, kind: str | None = None) -> list[str]:
        return [i for i, m in self.s.ordered()
                if m["sector"] == sector and i in self.present and (kind is None or m["kind"] == kind)]

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

    def members_table_html(self, sector: str) -> str:
        """The primary group's members on the sector's rated indicators in the report year (this unit's column
        marked), with the group median: who the group is, by name, and where each stands."""
        pg = self.primary_group
        inds = self.sector_indicators(sector, kind="monitoring")
        if pg is None or not inds:
            return ""
        cur = self.peers[(self.peers["group"] == pg["id"]) & (self.peers["year"] == self.year)]
        values = {(u, i): v for u, i, v in zip(cur["unit"], cur["indicator"].astype(str), cur["value"], strict=True)}
        members = list(pg["members"])
        rows: list[list[object]] = []
        classes = []
        for ind in inds:
            meta = self.s.indicators[ind]
            stat = stat_row(self.stats_now, pg["id"], ind)
            median = WITHHELD_CELL if stat is not None and stat["withheld"] else self.s.fmt(ind, stat["median"] if stat else None)
            rows.append([f"{meta['name']['pl']} [{meta['unit']}]", *(self.s.fmt(ind, values.get((m, ind))) for m in members), median])
            classes.append(["", *("self" if m == self.code else "" for m in members), ""])
        head = ["Wskaźnik", *(self.s.unit_name(m) for m in members), CHART["group_median"]]
        return table("jst-members-values", head, rows, say("members.caption", group=pg["name"], year=self.year), cell_classes=classes)

    def sentences(self, indicator: str) -> list[str]:
        """Short Polish sentences about one indicator; every number comes from the data."""
        meta = self.s.indicators[indicator]
        unit = meta["unit"]
        name = meta["name"]["pl"]
        row = self.current_records.get(indicator)
        if row is None:
            return []
        value, reason = row["value"], row["reason"]
        if pd.isna(value):
            return [say("value.missing", name=name, year=self.year, reason=reason_text(reason, self.s.variable_labels()))]
        out = [say("value.share" if self.s.is_share(indicator) else "value", name=name, year=self.year,
                   value=self.s.fmt(indicator, value), unit=unit)]
        warning = quality_text(row.get("quality"))
        if warning:
            out.append(say("value.warning", warning=warning))
        comp = self.comparator(meta["sector"])
        g = self.comparator_row(comp, indicator) if comp.kind != "national" else None
        if g is not None:
            held = self.comparator_withheld(comp, indicator, g)
            if held:
                out.append(say("group.withheld", group=comp.name, **held))
            else:
                text = say("group.median", group=comp.name, median=self.s.fmt(indicator, g["median"]),
                           coverage=self.s.coverage(indicator, g))
                if meta["kind"] in RATED_KINDS and pd.notna(g["rank"]) and pd.notna(g["ties"]) and g["ties"] > 1:
                    text += say("group.rank_tied", rank=int(g["rank"]), last=int(g["rank"] + g["ties"] - 1), n=int(g["n"]))
                elif meta["kind"] in RATED_KINDS and pd.notna(g["rank"]):
                    text += say("group.rank", rank=int(g["rank"]), n=int(g["n"]))
                elif meta["kind"] in RATED_KINDS:
                    text += say("group.too_few", n=int(g["n"]), minimum=self.s.meta["min_group_size"])
                out.append(text + ".")
        nat = self.position_records("national")
        ns = stat_row(self.stats_now, self.s.meta["national_id"], indicator)
        if indicator in nat and ns is not None:
            n = nat[indicator]
            if ns["withheld"]:
                out.append(say("national.withheld", **self.s.withheld(indicator, ns)))
            else:
                text = say("national.median", median=self.s.fmt(indicator, n["median"]), coverage=self.s.coverage(indicator, ns))
                if meta["kind"] in RATED_KINDS and pd.notna(n["percentile"]):
                    text += say("national.better_than", percentile=pct(n["percentile"]))
                out.append(text + ".")
        if meta["direction"] == "target-range":
            t, gap = meta["target"], row["target_gap"]
            out.append(say("target.inside" if gap == 0 else "target.outside", low=num(t["low"]), high=num(t["high"]),
                           gap=self.s.fmt(indicator, gap), unit="p.p." if self.s.is_share(indicator) else unit))
        if pd.notna(row["change"]):
            out.append(self.change_sentence(indicator, row))
            if len(self.s.breaks(indicator, self.year - 1, self.year)):
                out.append(say("break.change", year=self.year - 1))
        for b in self.s.breaks(indicator, int(self.first_year[indicator]), self.year):
            out.append(say("break", year=b.year, variable=b.label, change=b.change.rstrip(".") + "."))
        return out

    def change_text(self, indicator: str, row: dict) -> str:
        """The change on the previous year: a difference (in percentage points for shares), in per cent as well only
        from a positive base: '+766 zł na ucznia (+9,0%)', '−2,1 p.p.'."""
        change = self.s.delta(indicator, row["change"])
        if pd.notna(row["change_pct"]) and not self.s.is_share(indicator):
            return f"{change} ({num(row['change_pct'], 1, signed=True)}%)"
        return change

    def change_sentence(self, indicator: str, row: dict) -> str:
        text = say("change", year=self.year - 1, change=self.change_text(indicator, row))
        return text if text.endswith(".") else text + "."

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

    def place(self) -> str:
        """Kind, voivodeship and powiat in words (a city with powiat rights is its own powiat)."""
        voiv = VOIVODESHIPS.get(str(self.unit["voivodeship"]), str(self.unit["voivodeship"]))
        powiat = str(self.unit["powiat"] or "")
        parts = [self.kind_label, say("unit.voivodeship", name=voiv)]
        if powiat and powiat in self.s.units.index and powiat != self.code:
            parts.append(say("unit.powiat", name=self.s.unit_name(powiat)))
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]

    def header_html(self) -> str:
        """Where the unit is, its size, its comparators in words, and links to the series' other pages."""
        groups = ", ".join(self.s.group_link(g["id"]) for g in self.groups) or esc(say("none"))
        lines = [esc(self.place() + ". " + self.size_sentence()),
                 esc(say("unit.groups_intro")) + " " + groups + ".",
                 esc(say("unit.typology", typology=self.s.group_name(self.typology_group) if self.typology_group
                         else say("none"), k=len(self.peer_codes)))]
        return self.s.banner_html() + "".join(f"<p>{x}</p>" for x in lines) + nav_html()


def downloads_html(df: pd.DataFrame, name: str, sheet: str) -> str:
    """Links that download a table as CSV (UTF-8 with BOM, for Excel) and XLSX; the data travel inside the page, so
    a report copied or mailed alone keeps them. `name` is the file name without extension (escaped here)."""
    import base64

    csv = df.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
    items = [(f"{name}.csv", "text/csv;charset=utf-8", csv, say("download.csv")),
             (f"{name}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              xlsx_bytes(df, sheet), say("download.xlsx"))]
    return "<ul class='jst-downloads'>" + "".join(
        f"<li><a download='{esc(fn)}' href='data:{mime};base64,{base64.b64encode(data).decode('ascii')}'>{esc(text)}</a></li>"
        for fn, mime, data, text in items) + "</ul>"


def xlsx_bytes(df: pd.DataFrame, sheet: str) -> bytes:
    """A frame as an XLSX workbook whose bytes depend on the data only (`jstbench.core.xlsx`)."""
    return frame_xlsx(df, sheet)


def nav_html() -> str:
    """Links from a report to the series index, the data-quality page and the methodology."""
    items = [(links.INDEX, say("nav.index")), (links.QUALITY, say("nav.quality")),
             (links.methodology("methods/reading-a-report"), say("nav.reading")), (links.methodology(), say("nav.methodology"))]
    return ("<nav class='jst-nav' aria-label='" + esc(say("nav.label")) + "'><ul>"
            + "".join(f"<li><a href='{esc(h)}'>{esc(t)}</a></li>" for h, t in items) + "</ul></nav>")


def toc_html(sections: list[tuple[str, str]]) -> str:
    """A table of contents: (anchor id, title) pairs, in reading order."""
    return ("<nav class='jst-toc' aria-label='" + esc(say("toc.label")) + "'><p class='jst-toc-title'>" + esc(say("toc.label"))
            + "</p><ol>" + "".join(f"<li><a href='#{esc(i)}'>{esc(t)}</a></li>" for i, t in sections) + "</ol></nav>")


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
        """The members by name, each linked to its report where the series has one."""
        m = self.members()
        return table("jst-members", HEADS["members"], [[Html(self.s.unit_link(r.TERYT)), r.TERYT, r.Rodzaj]
                                                       for r in m.itertuples()], say("group.members_caption", group=self.name))

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
        return (self.s.banner_html() + paragraph([say("group.header", sector=sector, n=len(self.group["members"]), year=self.year)])
                + nav_html())
