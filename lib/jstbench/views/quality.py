"""The data-quality report of a series: what its notebook shows, read from the series folder (computed at build)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jstbench.core.text import num, pct
from jstbench.views.report import SeriesData
from jstbench.views.tables import note, paragraph, table
from jstbench.views.wording import HEADS, quality_text, say


class QualityView:
    """Coverage, missing and flagged inputs, unusual values and revisions of one series."""

    def __init__(self, series_dir: str | Path, year: int):
        self.s = SeriesData(Path(series_dir), int(year))
        self.year = int(year)
        self.counts = self.s.read("quality_counts").set_index("measure")["n"]

    def header_html(self) -> str:
        c = self.counts
        share = 100 * c["missing"] / max(c["observations"], 1)
        text = say("quality.summary", observations=num(c["observations"], 0), missing=num(c["missing"], 0), share=num(share, 1),
                   outliers=num(c["outlier"], 0), jumps=num(c["jump"], 0), impossible=num(c["impossible-share"], 0),
                   flagged=num(c["input-flag"], 0))
        sizes = say("quality.population", year=self.year, unknown=num(c["population-unknown"], 0),
                    earlier=num(c["population-earlier"], 0))
        return self.s.banner_html() + paragraph([text, sizes])

    def coverage_html(self, by: str, limit: int | None = None) -> str:
        """Coverage against the units register by `variable` (lowest first, with the variable's Polish label, the
        units with a value and the register's units it is asked of) or by `year`."""
        df = self.s.read(f"quality_coverage_{by}")
        df = df.head(limit) if limit else df
        labels = self.s.variable_labels()
        if by == "variable":
            rows = [[labels.get(r.variable, r.variable), num(r.units, 0), num(r.register_units, 0), num(r.values, 0),
                     num(r.expected, 0), f"{num(r.coverage_pct, 1)}%"] for r in df.itertuples()]
        else:
            rows = [[str(int(r.year)), num(r.values, 0), num(r.expected, 0), f"{num(r.coverage_pct, 1)}%"] for r in df.itertuples()]
        return (note(say("quality.coverage_note")) if by == "variable" else "") + table(f"jst-coverage-{by}", HEADS[f"coverage_{by}"], rows)

    def indicator_coverage(self) -> pd.DataFrame:
        """Every indicator in the report year: units with a value of the register's units it applies to, whether its
        national statistics are withheld; lowest coverage first."""
        return self.s.read("quality_coverage_indicator").sort_values(["coverage_pct", "indicator"], na_position="first")

    def indicator_coverage_html(self, limit: int | None = None) -> str:
        """How many indicators have national statistics in the report year, and the least covered ones."""
        df = self.indicator_coverage()
        intro = say("quality.indicators", year=self.year, shown=num(int((~df["withheld"]).sum()), 0), n=num(len(df), 0),
                    withheld=num(int(df["withheld"].sum()), 0), minimum=pct(100 * self.s.min_coverage))
        part = df.head(limit) if limit else df
        rows = [[self.s.indicators[r.indicator]["name"]["pl"] if r.indicator in self.s.indicators else r.indicator,
                 num(r.n, 0), num(r.expected, 0), "–" if pd.isna(r.coverage_pct) else f"{num(r.coverage_pct, 1)}%",
                 say("quality.withheld" if r.withheld else "quality.shown")] for r in part.itertuples()]
        return paragraph([intro]) + table("jst-coverage-indicator", HEADS["coverage_indicator"], rows)

    def flags_html(self, limit: int) -> str:
        """Variables with the most missing values, by source flag."""
        df = self.s.read("quality_flags")
        df = df[df["missing"] > 0].sort_values("missing", ascending=False).head(limit)
        if df.empty:
            return paragraph([say("quality.no_missing")])
        labels = self.s.variable_labels()
        rows = [[labels.get(r.variable, r.variable), r.flag, num(r.rows, 0), num(r.missing, 0)] for r in df.itertuples()]
        return table("jst-flags", HEADS["flags"], rows)

    def flagged_values_html(self, limit: int) -> str:
        """The report units' flagged indicator values in the report year, the largest deviations first."""
        df = self.s.read("quality_report")
        if df.empty:
            return paragraph([say("quality.no_flagged", year=self.year)])
        df = df.sort_values("z", key=lambda z: z.abs(), ascending=False, na_position="last").head(limit)
        rows = [[r.unit, self.s.unit_name(r.unit), self.s.indicators[r.indicator]["name"]["pl"], self.s.fmt(r.indicator, r.value),
                 num(r.z, 1), "–" if pd.isna(r.change) else f"{num(100 * r.change, 0, signed=True)}%", quality_text(r.quality)]
                for r in df.itertuples()]
        return table("jst-flagged", HEADS["flagged"], rows)

    def revisions_html(self, limit: int) -> str:
        df = self.s.read("revisions")
        text = paragraph([say("quality.revised", n=num(len(df), 0))])
        if df.empty:
            return text
        labels = self.s.variable_labels()
        rows = [[r.unit, self.s.unit_name(r.unit), labels.get(r.variable, r.variable), str(r.year), num(r.old_value, 2),
                 num(r.new_value, 2), r.new_source] for r in df.head(limit).itertuples()]
        return text + table("jst-revisions", HEADS["revisions"], rows)
