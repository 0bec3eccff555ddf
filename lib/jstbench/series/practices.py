"""Good practices in a series: what each practice's authority achieved on the indicators it names (measured on the
series' data, not as reported), and for every report authority, where it lags, the practices of authorities that
improved on that indicator — nearest peers first."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jstbench.catalogue.model import Catalogue
from jstbench.data.practices import Loaded

PEER_LEVELS = {0: "similar", 1: "kind_size", 2: "kind", 3: "other"}
"""Order of closeness: among the authority's similar authorities, same kind and size class, same kind, any."""


def practices_table(loaded: list[Loaded]) -> pd.DataFrame:
    """One row per practice: what a report needs to name and link it."""
    rows = [{"practice": x.practice.id, "unit": x.practice.unit, "title": x.practice.title, "service": x.practice.service,
             "status": x.practice.status, "synthetic": x.practice.synthetic, "indicators": ",".join(x.practice.indicators),
             "start": x.practice.period.start, "end": x.practice.period.end if x.practice.period.end else np.nan}
            for x in loaded]
    cols = ["practice", "unit", "title", "service", "status", "synthetic", "indicators", "start", "end"]
    return pd.DataFrame(rows, columns=cols).astype({"start": "int64", "end": "float64", "synthetic": bool})


def _better(catalogue: Catalogue, indicator: str, before: float, after: float) -> float:
    """The change from `before` to `after` in the better direction (positive: better); for a target range, the
    reduction of the distance to the range."""
    ind = catalogue.indicators[indicator]
    if ind.direction == "higher-better":
        return after - before
    if ind.direction == "lower-better":
        return before - after
    if ind.direction == "target-range" and ind.target is not None:
        def gap(x: float) -> float:
            return max(ind.target.low - x, 0.0, x - ind.target.high)  # type: ignore[union-attr]
        return gap(before) - gap(after)
    return np.nan


def improvements(loaded: list[Loaded], values: pd.DataFrame, catalogue: Catalogue, year: int) -> pd.DataFrame:
    """Per practice and indicator, on the data: the value of the last year before the practice started and of the
    latest year from its start to the report year; the change in the better direction, absolute and relative to the
    value before (`better_rel`, missing from a zero base); `improved` when it is positive.

    Each practice's own slice of `values` is selected by index, never by scanning the national table per practice.
    """
    cols = ["practice", "unit", "indicator", "start", "before_year", "before", "after_year", "after", "better", "better_rel",
            "improved"]
    wanted = {(x.practice.unit, i) for x in loaded for i in x.practice.indicators if i in catalogue.indicators}
    if not wanted:
        return pd.DataFrame(columns=cols)
    v = values[["unit", "indicator", "year", "value"]].dropna(subset=["value"])
    v = v.astype({"unit": str, "indicator": str})
    v = v[pd.MultiIndex.from_frame(v[["unit", "indicator"]]).isin(list(wanted))].set_index(["unit", "indicator"]).sort_index()
    rows = []
    for x in loaded:
        p = x.practice
        for ind in p.indicators:
            key = (p.unit, ind)
            s = v.loc[key].set_index("year")["value"].sort_index() if key in v.index else pd.Series(dtype=float)
            pre, post = s[s.index < p.period.start], s[(s.index >= p.period.start) & (s.index <= year)]
            by, b = (int(pre.index[-1]), float(pre.iloc[-1])) if len(pre) else (np.nan, np.nan)
            ay, a = (int(post.index[-1]), float(post.iloc[-1])) if len(post) else (np.nan, np.nan)
            better = _better(catalogue, ind, b, a) if len(pre) and len(post) else np.nan
            rel = better / abs(b) if np.isfinite(better) and b != 0 else np.nan
            rows.append((p.id, p.unit, ind, p.period.start, by, b, ay, a, better, rel, bool(np.isfinite(better) and better > 0)))
    return pd.DataFrame(rows, columns=cols)


def links(report_units: list[str], positions: pd.DataFrame, improved: pd.DataFrame, units: pd.DataFrame,
          peers: pd.DataFrame, lag_below: float, per_indicator: int, synthetic_series: bool,
          synthetic: dict[str, bool]) -> pd.DataFrame:
    """For each report unit and indicator on which its percentile (`positions`: unit, indicator, percentile — 100 is
    best — and basis, the group it is measured in) is below `lag_below`: up to `per_indicator` practices of other
    authorities that improved on it, nearest peers first (`PEER_LEVELS`), then by the relative improvement.
    Synthetic practices only in a synthetic series."""
    cols = ["unit", "indicator", "percentile", "basis", "practice", "practice_unit", "level", "order", "before_year",
            "before", "after_year", "after", "better", "better_rel"]
    good = improved[improved["improved"]]
    if not synthetic_series:
        good = good[~good["practice"].map(lambda p: synthetic.get(p, False)).astype(bool)]
    lag = positions[positions["unit"].isin(report_units) & (positions["percentile"] < lag_below)]
    pairs = lag[["unit", "indicator", "percentile", "basis"]].merge(
        good.rename(columns={"unit": "practice_unit"}), on="indicator")
    pairs = pairs[pairs["unit"] != pairs["practice_unit"]]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    kind, size = units.set_index("code")["kind"], units.set_index("code")["population_class"]
    similar = set(zip(peers["unit"].astype(str), peers["peer"].astype(str), strict=True))
    same_kind = pairs["unit"].map(kind).to_numpy() == pairs["practice_unit"].map(kind).to_numpy()
    same_size = pairs["unit"].map(size).to_numpy() == pairs["practice_unit"].map(size).to_numpy()
    is_peer = np.array([(u, p) in similar for u, p in zip(pairs["unit"], pairs["practice_unit"], strict=True)], dtype=bool)
    level = np.select([is_peer, same_kind & same_size, same_kind], [0, 1, 2], default=3)
    pairs = pairs.assign(level=level, rel_key=-pairs["better_rel"].fillna(-np.inf))
    pairs = pairs.sort_values(["unit", "indicator", "level", "rel_key", "practice"])
    pairs["order"] = pairs.groupby(["unit", "indicator"], observed=True).cumcount() + 1
    pairs = pairs[pairs["order"] <= per_indicator]
    return pairs[cols].reset_index(drop=True).astype({"level": "int64", "order": "int64"})
