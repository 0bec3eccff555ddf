"""The data-quality report of a series: what its notebook shows, read from the series folder (computed at build).

The page is `output/<series>/jakosc-danych.html`; the methodology site is `output/site`. Long tables show the lines to
act on first and the rest in a collapsible `<details>`, at most `MAX_ROWS` lines (the national series has ~2 800 units)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from jstbench.core.text import esc, num, pct, reason_text
from jstbench.core.units import UNIT_KINDS
from jstbench.views.report import SeriesData
from jstbench.views.tables import Html, banner, note, paragraph, stylesheet, table
from jstbench.views.wording import HEADS, QUALITY_TEXT, SYNTHETIC_NOTE, quality_text, say

SITE = "../site"  # the methodology site, relative to output/<series>/
INDEX = "index.html"  # the series index, next to this page
MAX_ROWS = 300  # at most this many lines in a collapsible table; the rest is in the series data folder

SOURCE_FLAGS = {"(bez flagi)": "bez flagi",
                "not-available": "brak danych w źródle",
                "part-missing": "brak części składowych sumy",
                "zero-placeholder": "zero zamiast braku danych (wczytane jako brak)"}
SOURCE_TYPES = {"bdl": "BDL", "budget": "sprawozdanie", "form": "formularz", "register": "rejestr"}

# The wording of this page only (the shared wording is in `jstbench.views.wording`).
HEADS_Q: dict[str, list[str]] = {
    "kinds": ["Rodzaj JST", "JST w rejestrze", "JST z danymi", "Pokrycie", "JST bez żadnej wartości"],
    "marks": ["Oznaczenie (dlaczego wartość jest do sprawdzenia)", "Wartości wskaźników"],
    "reasons": ["Przyczyna braku", "Brakujące wartości wskaźników"],
}
FLAG_HEADS = {"outlier": "Wartości nietypowe", "jump": "Skoki r/r", "input-flag": "Z flagą źródła",
              "impossible-share": "Udziały spoza 0–100%"}  # one column per flag of `QUALITY_TEXT`
SOURCE_HEAD = "Identyfikator (źródło)"
TEXT = {
    "title": "Raport jakości danych: {title}, {year} r.",
    "scope": ("Seria obejmuje {units} JST z rejestru jednostek i {indicators} wskaźników; dane wejściowe z lat "
              "{first}–{last}."),
    "with_data": "Jakąkolwiek wartość wskaźnika za {year} r. ma {n} z {units} JST ({share}); bez żadnej: {without}.",
    "least": ("Najmniej pełne dane: zmienna „{variable}” (jest {coverage} oczekiwanych wartości) i wskaźnik „{indicator}” "
              "({n} z {expected} JST, których dotyczy)."),
    "top_reason": "Najczęstsza przyczyna braku wartości wskaźnika w {year} r.: {reason} ({n} wartości).",
    "kinds.caption": "Pokrycie rejestru jednostek w {year} r.: JST, które mają wartość choć jednego wskaźnika.",
    "all_kinds": "Razem",
    "marks.caption": "Oznaczone wartości wskaźników we wszystkich latach serii i co znaczy każde oznaczenie.",
    "indicators.caption": "{shown} wskaźników z najniższym pokryciem w {year} r.",
    "indicators.all": "Pokrycie wszystkich {n} wskaźników w {year} r.",
    "variables.caption": "{shown} zmiennych z najniższym pokryciem (wszystkie lata).",
    "variables.all": "Pokrycie wszystkich {n} zmiennych",
    "years.caption": "Pokrycie danych wejściowych w kolejnych latach.",
    "reasons.caption": "Najczęstsze przyczyny braku wartości wskaźnika w {year} r.",
    "reasons.all": "Wszystkie przyczyny braków w {year} r. ({n})",
    "no_reasons": "W {year} r. nie brakuje żadnej wartości wskaźnika.",
    "flags.caption": "{shown} zmiennych z największą liczbą brakujących wartości (wszystkie lata), z flagą źródła danych.",
    "flags.all": "Wszystkie braki według zmiennych i flag źródła ({n} wierszy)",
    "flagged.intro": ("W {year} r. oznaczonych jest {n} wartości wskaźników jednostek serii. Najpierw udziały spoza "
                      "0–100% i wartości z flagą źródła, potem największe odchylenia."),
    "flagged.caption": "{shown} oznaczonych wartości do sprawdzenia w pierwszej kolejności, {year} r.",
    "by_indicator.all": "Oznaczone wartości według wskaźników ({n} wskaźników)",
    "by_indicator.caption": "Liczba oznaczonych wartości każdego wskaźnika w {year} r.",
    "revisions.caption": "{shown} poprawionych wartości o największej zmianie względnej.",
    "revisions.all": "Wszystkie poprawione wartości ({n})",
    "capped": ("Pokazujemy {shown} z {n} wierszy; całość jest w pliku {file} w folderze danych serii."),
}


def _say(key: str, **values: object) -> str:
    return TEXT[key].format(**values)


def indicator_href(indicator: str) -> str:
    """The indicator's methodology page, relative to the data-quality page.

    >>> indicator_href("edu_cost")
    '../site/indicators/edu_cost.html'
    """
    return f"{SITE}/indicators/{quote(indicator, safe='')}.html"


def source_flag_text(flag: object) -> str:
    """A source flag (several joined by commas) in Polish; an unknown one quoted as it is.

    >>> source_flag_text("not-available"), source_flag_text("part-missing,x")
    ('brak danych w źródle', 'brak części składowych sumy; flaga źródła „x”')
    """
    return "; ".join(SOURCE_FLAGS.get(f, f"flaga źródła „{f}”") for f in str(flag).split(",") if f)


def source_text(variable: str, meta: dict | None) -> str:
    """A variable's id and where it comes from, for looking it up: 'population; BDL 72305'.

    >>> source_text("x", {"sources": [{"type": "bdl", "bdl_id": ["1", "2"]}, {"type": "budget", "report": "Rb-27S"}]})
    'x; BDL 1, 2; sprawozdanie Rb-27S'
    """
    parts = [variable]
    for s in (meta or {}).get("sources", []):
        detail = ", ".join(s.get("bdl_id") or []) or s.get("report") or s.get("form") or ""
        parts.append(f"{SOURCE_TYPES.get(s['type'], s['type'])} {detail}".strip())
    return "; ".join(dict.fromkeys(parts))


def register_coverage(units: pd.DataFrame, present: Iterable[str]) -> pd.DataFrame:
    """Units of the register by kind (in `UNIT_KINDS` order, only kinds it has): how many, how many of them are in
    `present` (units with data), the share in per cent, how many are not."""
    have = units["code"].isin(set(present))
    df = pd.DataFrame({"kind": units["kind"], "have": have}).groupby("kind")["have"].agg(register="size", with_data="sum")
    df = df.reindex([k for k in UNIT_KINDS if k in df.index] + sorted(set(df.index) - set(UNIT_KINDS)))
    df = df.astype("int64").reset_index()
    return df.assign(coverage_pct=100 * df["with_data"] / df["register"], without=df["register"] - df["with_data"])


def missing_reasons(values: pd.DataFrame) -> pd.Series:
    """How many indicator values are missing for each reason, most frequent first (ties by reason)."""
    counts = values.loc[values["value"].isna(), "reason"].fillna("missing").value_counts().sort_index()
    return counts.sort_values(ascending=False, kind="stable")


def flagged_by_indicator(report: pd.DataFrame) -> pd.DataFrame:
    """Flagged values per indicator: one column per quality flag (`QUALITY_TEXT`) and the total, most flagged first."""
    flags = report["quality"].fillna("").str.split(",")
    counts = pd.DataFrame({f: flags.map(lambda fs, f=f: f in fs) for f in QUALITY_TEXT}).astype("int64")
    out = counts.groupby(report["indicator"].to_numpy()).sum().rename_axis("indicator")
    out["total"] = (counts.sum(axis=1) > 0).groupby(report["indicator"].to_numpy()).sum()
    return out.reset_index().sort_values(["total", "indicator"], ascending=[False, True], ignore_index=True)


def priority(report: pd.DataFrame) -> pd.DataFrame:
    """Flagged values in the order to check them: shares outside 0–100% and input flags first (the data are
    wrong or uncertain), then the largest robust z, then the largest change; NaN last."""
    q = report["quality"].fillna("")
    key = pd.DataFrame({"later": ~(q.str.contains("impossible-share") | q.str.contains("input-flag")),
                        "z": -report["z"].abs().fillna(-1), "change": -report["change"].abs().fillna(-1)})
    return report.loc[key.sort_values(["later", "z", "change"], kind="stable").index].reset_index(drop=True)


def details(summary: str, body: str) -> str:
    """A collapsible part of the page with a Polish summary line."""
    return f"<details class='jst-details'><summary>{esc(summary)}</summary>{body}</details>"


class QualityView:
    """Coverage, missing and flagged inputs, unusual values and revisions of one series."""

    def __init__(self, series_dir: str | Path, year: int):
        self.s = SeriesData(Path(series_dir), int(year))
        self.year = int(year)
        self.counts = self.s.read("quality_counts").set_index("measure")["n"]
        self.current = self.s.read("values", [("year", "==", self.year)])

    def name(self, indicator: str) -> str:
        """An indicator's Polish name (its id where the catalogue lacks it)."""
        meta = self.s.indicators.get(indicator)
        return str(meta["name"]["pl"]) if meta else indicator

    def link(self, indicator: str) -> Html:
        """An indicator's Polish name linked to its methodology page."""
        return Html(f"<a href='{esc(indicator_href(indicator))}'>{esc(self.name(indicator))}</a>")

    def reason(self, reason: str) -> str:
        """Why a value is missing, in Polish, naming the variable or indicator it lacks."""
        return reason_text(reason, self.s.variable_labels() | {i: self.name(i) for i in self.s.indicators})

    def label(self, variable: str) -> str:
        return self.s.variable_labels().get(variable, variable)

    def source(self, variable: str) -> str:
        return source_text(variable, self.s.variables.get(variable))

    def capped(self, cls: str, head: list[str], rows: Sequence[Sequence[object]], caption: str, file: str,
               classes: list[list[str]] | None = None) -> str:
        """A table of at most `MAX_ROWS` lines, with a note naming the file that holds the rest."""
        cut = note(_say("capped", shown=num(MAX_ROWS, 0), n=num(len(rows), 0), file=file)) if len(rows) > MAX_ROWS else ""
        return table(cls, head, [list(r) for r in rows[:MAX_ROWS]], caption,
                     cell_classes=classes[:MAX_ROWS] if classes is not None else None) + cut

    def title(self) -> str:
        return _say("title", title=self.s.meta.get("title", self.s.meta["name"]), year=self.year)

    def title_html(self) -> str:
        """The stylesheet, the page's one h1, the synthetic-data banner and links to the series' other pages."""
        items = [(INDEX, say("nav.index")), (f"{SITE}/index.html", say("nav.methodology"))]
        nav = ("<nav class='jst-nav' aria-label='" + esc(say("nav.label")) + "'><ul>"
               + "".join(f"<li><a href='{esc(h)}'>{esc(t)}</a></li>" for h, t in items) + "</ul></nav>")
        return stylesheet() + f"<h1>{esc(self.title())}</h1>" + (banner(SYNTHETIC_NOTE) if self.s.synthetic else "") + nav

    def register_coverage(self) -> pd.DataFrame:
        """The register's units by kind with and without any indicator value in the report year."""
        present = self.current.loc[self.current["value"].notna(), "unit"].unique()
        return register_coverage(self.s.units, present)

    def summary_html(self) -> str:
        """Units and indicators, coverage of the register by kind, what is missing most, what is flagged and why."""
        c, kinds = self.counts, self.register_coverage()
        years = self.s.read("quality_coverage_year")["year"]
        units, have = int(kinds["register"].sum()), int(kinds["with_data"].sum())
        sentences = [_say("scope", units=num(units, 0), indicators=num(len(self.s.indicators), 0),
                          first=int(years.min()), last=int(years.max())) if len(years) else None,
                     _say("with_data", year=self.year, n=num(have, 0), units=num(units, 0),
                          share=pct(100 * have / units if units else None, 1), without=num(units - have, 0))]
        var = self.s.read("quality_coverage_variable").sort_values(["coverage_pct", "variable"])
        ind = self.s.read("quality_coverage_indicator").sort_values(["coverage_pct", "indicator"])
        if len(var) and len(ind):
            v, i = var.iloc[0], ind.iloc[0]
            sentences.append(_say("least", variable=self.label(v["variable"]), coverage=pct(v["coverage_pct"], 1),
                                  indicator=self.name(i["indicator"]),
                                  n=num(i["n"], 0), expected=num(i["expected"], 0)))
        reasons = missing_reasons(self.current)
        if len(reasons):
            sentences.append(_say("top_reason", year=self.year, reason=self.reason(reasons.index[0]),
                                  n=num(reasons.iloc[0], 0)))
        share = 100 * c["missing"] / max(c["observations"], 1)
        flags = say("quality.summary", observations=num(c["observations"], 0), missing=num(c["missing"], 0),
                    share=num(share, 1), outliers=num(c["outlier"], 0), jumps=num(c["jump"], 0),
                    impossible=num(c["impossible-share"], 0), flagged=num(c["input-flag"], 0))
        sizes = say("quality.population", year=self.year, unknown=num(c["population-unknown"], 0),
                    earlier=num(c["population-earlier"], 0))
        rows = [[UNIT_KINDS.get(r.kind, r.kind), num(r.register, 0), num(r.with_data, 0), pct(r.coverage_pct, 1),
                 num(r.without, 0)] for r in kinds.itertuples()]
        rows.append([_say("all_kinds"), num(units, 0), num(have, 0), pct(100 * have / units if units else None, 1),
                     num(units - have, 0)])
        marks = [[text, num(c[f], 0)] for f, text in QUALITY_TEXT.items()]
        return (paragraph(sentences) + table("jst-coverage-kind", HEADS_Q["kinds"], rows, _say("kinds.caption", year=self.year))
                + paragraph([flags, sizes]) + table("jst-marks", HEADS_Q["marks"], marks, _say("marks.caption")))

    def coverage_html(self, by: str, limit: int | None = None) -> str:
        """Coverage against the units register by `variable` (lowest first, with the variable's Polish label and
        its id and source; the `limit` lowest up front, all of them collapsed) or by `year` (in order)."""
        df = self.s.read(f"quality_coverage_{by}")
        if by == "year":
            rows = [[str(int(r.year)), num(r.values, 0), num(r.expected, 0), pct(r.coverage_pct, 1)]
                    for r in df.sort_values("year").itertuples()]
            return table("jst-coverage-year", HEADS["coverage_year"], rows, _say("years.caption"))
        df = df.sort_values(["coverage_pct", "variable"], ignore_index=True)
        head = HEADS["coverage_variable"] + [SOURCE_HEAD]
        rows = [[self.label(r.variable), num(r.units, 0), num(r.register_units, 0), num(r.values, 0), num(r.expected, 0),
                 pct(r.coverage_pct, 1), self.source(r.variable)] for r in df.itertuples()]
        classes = [[""] * 6 + ["context"] for _ in rows]
        out = note(say("quality.coverage_note"))
        if limit is None or len(rows) <= limit:
            return out + table("jst-coverage-variable", head, rows, _say("variables.all", n=num(len(rows), 0)), cell_classes=classes)
        return (out + table("jst-coverage-variable", head, rows[:limit], _say("variables.caption", shown=num(limit, 0)),
                            cell_classes=classes[:limit])
                + details(_say("variables.all", n=num(len(rows), 0)),
                          self.capped("jst-coverage-variable", head, rows, _say("variables.all", n=num(len(rows), 0)),
                                      "quality_coverage_variable.parquet", classes)))

    def indicator_coverage(self) -> pd.DataFrame:
        """Every indicator in the report year: units with a value of the register's units it applies to, whether its
        national statistics are withheld; lowest coverage first."""
        return self.s.read("quality_coverage_indicator").sort_values(["coverage_pct", "indicator"], na_position="first",
                                                                     ignore_index=True)

    def indicator_coverage_html(self, limit: int | None = None) -> str:
        """How many indicators have national statistics in the report year; the `limit` least covered up front
        (all of them without a limit), every indicator collapsed."""
        df = self.indicator_coverage()
        intro = say("quality.indicators", year=self.year, shown=num(int((~df["withheld"]).sum()), 0), n=num(len(df), 0),
                    withheld=num(int(df["withheld"].sum()), 0), minimum=pct(100 * self.s.min_coverage))
        rows = [[self.link(r.indicator), num(r.n, 0), num(r.expected, 0), pct(r.coverage_pct, 1),
                 say("quality.withheld" if r.withheld else "quality.shown")] for r in df.itertuples()]
        classes = [["", "", "", "", "remark" if r.withheld else ""] for r in df.itertuples()]
        head, every = HEADS["coverage_indicator"], _say("indicators.all", n=num(len(rows), 0), year=self.year)
        if limit is None or len(rows) <= limit:
            return paragraph([intro]) + table("jst-coverage-indicator", head, rows, every, cell_classes=classes)
        return (paragraph([intro])
                + table("jst-coverage-indicator", head, rows[:limit], _say("indicators.caption", shown=num(limit, 0), year=self.year),
                        cell_classes=classes[:limit])
                + details(every, self.capped("jst-coverage-indicator", head, rows, every, "quality_coverage_indicator.parquet",
                                             classes)))

    def reasons_html(self, limit: int) -> str:
        """Why indicator values of the report year are missing: the `limit` most frequent reasons, all collapsed."""
        reasons = missing_reasons(self.current)
        if reasons.empty:
            return paragraph([_say("no_reasons", year=self.year)])
        rows = [[self.reason(r), num(n, 0)] for r, n in reasons.items()]
        out = table("jst-reasons", HEADS_Q["reasons"], rows[:limit], _say("reasons.caption", year=self.year))
        if len(rows) > limit:
            out += details(_say("reasons.all", year=self.year, n=num(len(rows), 0)),
                           self.capped("jst-reasons", HEADS_Q["reasons"], rows, _say("reasons.all", year=self.year, n=num(len(rows), 0)),
                                       "values.parquet"))
        return out

    def flags_html(self, limit: int) -> str:
        """Variables with the most missing values, by source flag (in Polish); the `limit` largest up front."""
        df = self.s.read("quality_flags")
        df = df[df["missing"] > 0].sort_values(["missing", "variable"], ascending=[False, True], ignore_index=True)
        if df.empty:
            return paragraph([say("quality.no_missing")])
        head = HEADS["flags"] + [SOURCE_HEAD]
        rows = [[self.label(r.variable), source_flag_text(r.flag), num(r.rows, 0), num(r.missing, 0), self.source(r.variable)]
                for r in df.itertuples()]
        classes = [["", "", "", "", "context"] for _ in rows]
        out = table("jst-flags", head, rows[:limit], _say("flags.caption", shown=num(min(limit, len(rows)), 0)),
                    cell_classes=classes[:limit])
        if len(rows) > limit:
            out += details(_say("flags.all", n=num(len(rows), 0)),
                           self.capped("jst-flags", head, rows, _say("flags.all", n=num(len(rows), 0)), "quality_flags.parquet",
                                       classes))
        return out

    def flagged_values_html(self, limit: int) -> str:
        """The report units' flagged indicator values in the report year: the `limit` to check first, and the
        number of flagged values of every indicator collapsed."""
        df = self.s.read("quality_report")
        if df.empty:
            return paragraph([say("quality.no_flagged", year=self.year)])
        top = priority(df).head(limit)
        rows = [[r.unit, self.s.unit_name(r.unit), self.link(r.indicator), self.s.fmt(r.indicator, r.value), num(r.z, 1),
                 "–" if pd.isna(r.change) else f"{num(100 * r.change, 0, signed=True)}%", quality_text(r.quality)]
                for r in top.itertuples()]
        counts = flagged_by_indicator(df)
        by_ind = [[self.link(ind), *(num(n, 0) for n in ns)]
                  for ind, ns in zip(counts["indicator"], counts[[*QUALITY_TEXT, "total"]].to_numpy(), strict=True)]
        return (paragraph([_say("flagged.intro", year=self.year, n=num(len(df), 0))])
                + table("jst-flagged", HEADS["flagged"], rows, _say("flagged.caption", shown=num(len(rows), 0), year=self.year))
                + details(_say("by_indicator.all", n=num(len(counts), 0)),
                          table("jst-flagged-indicator", ["Wskaźnik", *(FLAG_HEADS[f] for f in QUALITY_TEXT), "Razem"], by_ind,
                                _say("by_indicator.caption", year=self.year))))

    def revisions_html(self, limit: int) -> str:
        """Values revised between loads: the `limit` largest relative changes up front, all of them collapsed."""
        df = self.s.read("revisions")
        text = paragraph([say("quality.revised", n=num(len(df), 0))])
        if df.empty:
            return text
        old, new = pd.to_numeric(df["old_value"], errors="coerce"), pd.to_numeric(df["new_value"], errors="coerce")
        rel = ((new - old).abs() / old.abs().where(old != 0)).fillna(float("inf"))
        df = df.assign(old_value=old, new_value=new, year=pd.to_numeric(df["year"], errors="coerce"))
        df = df.loc[rel.sort_values(ascending=False, kind="stable").index]
        rows = [[r.unit, self.s.unit_name(r.unit), self.label(r.variable), "–" if pd.isna(r.year) else str(int(r.year)),
                 num(r.old_value, 2), num(r.new_value, 2), "" if pd.isna(r.new_source) else r.new_source]
                for r in df.itertuples()]
        out = text + table("jst-revisions", HEADS["revisions"], rows[:limit],
                           _say("revisions.caption", shown=num(min(limit, len(rows)), 0)))
        if len(rows) > limit:
            out += details(_say("revisions.all", n=num(len(rows), 0)),
                           self.capped("jst-revisions", HEADS["revisions"], rows, _say("revisions.all", n=num(len(rows), 0)),
                                       "revisions.parquet"))
        return out
