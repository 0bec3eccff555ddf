"""Progress of an authority's strategy, computed from a built series folder (or an own indicator's values).

For each indicator of a strategy file (`jstbench.catalogue.strategy`): the baseline, the latest observed value up
to the series' year, the observed and required yearly rates and the status (`jstbench.stats.progress`, the Open SDG /
Statistics Canada method), the linear-trend forecast for the target year with its prediction interval and whether
the interval holds the target, and the authority's position among its peers on the same indicator in the latest
year: the exchange group of the indicator's sector when the authority is in one, else its typology group (units of
the same kind and size), else the national group; rank and percentile oriented by the strategy's desired direction
(`jstbench.compare.measures`), and the peers' median in every year.

Two tables per strategy are written atomically to `<series>/data/strategy/`: `<code>.parquet` (one row per
indicator, `PROGRESS`) and `<code>-series.parquet` (one row per indicator and year, for the charts: `POINTS`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.parquet as pq
from pandera.errors import SchemaError, SchemaErrors

from jstbench.catalogue.model import Catalogue
from jstbench.catalogue.strategy import Item, StrategyFile
from jstbench.compare.measures import percentile, rank
from jstbench.core.atomic import write_with
from jstbench.core.errors import InputError
from jstbench.series.folder import SeriesFolder
from jstbench.stats.progress import STATUSES, forecast, progress_status

LEVEL = 0.9  # of the forecast's prediction interval
FOLDER = "strategy"  # inside the series' data folder
PEER_ORDER = ("exchange", "typology", "national")
META_KEY = b"jstbench.strategy"


def _s(nullable: bool = False) -> pa.Column:
    return pa.Column(object, nullable=nullable, coerce=True)


def _f() -> pa.Column:
    return pa.Column(float, nullable=True, coerce=True)


def _i(nullable: bool = False) -> pa.Column:
    return pa.Column("Int64" if nullable else "int64", nullable=nullable, coerce=True)


PROGRESS = pa.DataFrameSchema({
    "order": _i(), "unit": _s(), "goal": _s(), "goal_name": _s(), "objective": _s(), "objective_name": _s(),
    "indicator": _s(), "name": _s(), "source": pa.Column(object, pa.Check.isin(["catalogue", "own"])),
    "measure_unit": _s(), "decimals": _i(), "increase": pa.Column(bool), "responsible": _s(), "notes": _s(),
    "baseline_year": _i(), "baseline_value": _f(), "target_year": _i(), "target_value": _f(),
    "latest_year": _i(True), "latest_value": _f(),
    "status": pa.Column(object, pa.Check.isin(list(STATUSES))), "method": _s(True),
    "observed_rate": _f(), "required_rate": _f(), "ratio": _f(),
    "forecast_points": _i(), "forecast_year": _i(True), "forecast": _f(), "forecast_low": _f(), "forecast_high": _f(),
    "target_in_interval": pa.Column("boolean", nullable=True, coerce=True),
    "forecast_reaches_target": pa.Column("boolean", nullable=True, coerce=True),
    "peer_group": _s(True), "peer_group_type": _s(True), "peer_group_name": _s(True), "peer_year": _i(True),
    "peer_n": _i(True), "peer_rank": _f(), "peer_percentile": _f(), "peer_median": _f(),
}, strict=True, unique=["indicator"], ordered=False)
"""One row per indicator of a strategy, in the file's order (`order`): rates are fractions a year for method "cagr"
and changes a year in the indicator's unit for "absolute"; `forecast*` is the trend for the target year with its 90%
prediction interval (missing with fewer than 3 observations from the base year on); `peer_*` the position in the
peer group in `peer_year` (rank 1 = best by the desired direction, percentile 100 = best)."""

POINTS = pa.DataFrameSchema({
    "unit": _s(), "indicator": _s(), "year": _i(), "observed": _f(), "trend": _f(), "trend_low": _f(), "trend_high": _f(),
    "peer_median": _f(),
}, strict=True, unique=["indicator", "year"], ordered=False)
"""One row per indicator and year for the charts: the observed value, the forecast with its interval (years after
the last observation up to the target year) and the peers' median."""


def paths(data_dir: str | Path, code: str) -> tuple[Path, Path]:
    """The progress table and the chart points of one authority's strategy in a series' data folder."""
    folder = Path(data_dir) / FOLDER
    return folder / f"{code}.parquet", folder / f"{code}-series.parquet"


def _observed(item: Item, values: pd.DataFrame, last_year: int) -> pd.Series:
    """The indicator's values by year up to `last_year` (store, or the own indicator's), the strategy's baseline
    added when its year has no value."""
    ind = item.indicator
    if ind.own is not None:
        obs = pd.Series(ind.own.values, dtype=float)
    else:
        mine = values[values["indicator"] == item.id]
        obs = pd.Series(mine["value"].to_numpy(dtype=float), index=mine["year"].astype(int).to_numpy())
    obs = obs[np.isfinite(obs.to_numpy()) & (obs.index <= last_year)]
    if ind.baseline.year not in obs.index:
        obs.loc[ind.baseline.year] = ind.baseline.value
    return obs.sort_index()


def _peer_groups(code: str, item: Item, membership: pd.DataFrame, meta: dict, catalogue: Catalogue) -> list[pd.Series]:
    """The membership rows of the authority's candidate peer groups for this indicator, in order of preference: the
    exchange group of the indicator's sector, the typology group, the national group."""
    mine = membership[membership["unit"] == code]
    sector = catalogue.indicators[item.id].sector
    by_sector = {g["id"] for g in meta.get("exchange_groups", []) if g.get("sector") == sector}
    exchange = mine[(mine["group_type"] == "exchange") & mine["group"].isin(by_sector)]
    return [row for _, row in exchange.iterrows()] + [row for gt in PEER_ORDER[1:]
                                                       for _, row in mine[mine["group_type"] == gt].iterrows()]


def _peers(code: str, item: Item, year: int, folder: SeriesFolder, membership: pd.DataFrame,
           catalogue: Catalogue) -> tuple[dict, pd.Series]:
    """The authority's position in `year` in the first candidate peer group with at least the series' minimum group
    size of values that year (else the last candidate), and that group's median by year. Own indicators have no
    peers."""
    out: dict = {"peer_group": None, "peer_group_type": None, "peer_group_name": None, "peer_year": None, "peer_n": None,
                 "peer_rank": math.nan, "peer_percentile": math.nan, "peer_median": math.nan}
    medians = pd.Series(dtype=float)
    if item.source != "catalogue":
        return out, medians
    min_size = int(folder.meta.get("min_group_size", 4))
    for group in _peer_groups(code, item, membership, folder.meta, catalogue):
        members = membership.loc[membership["group"] == group["group"], "unit"].astype(str).unique().tolist()
        vals = folder.read("values", [("indicator", "==", item.id), ("unit", "in", members)])
        vals = vals[vals["value"].notna()]
        now = vals[vals["year"] == year].assign(group=group["group"], indicator=item.id,
                                                direction="higher-better" if item.increase else "lower-better")
        now = now.reset_index(drop=True)
        now["rank"], now["percentile"] = rank(now, min_size), percentile(now, min_size)
        own = now[now["unit"] == code]
        medians = vals.groupby("year")["value"].median()
        out.update(peer_group=group["group"], peer_group_type=group["group_type"], peer_group_name=group.get("group_name"),
                   peer_year=year, peer_n=len(now), peer_median=float(now["value"].median()) if len(now) else math.nan,
                   peer_rank=float(own["rank"].iloc[0]) if len(own) else math.nan,
                   peer_percentile=float(own["percentile"].iloc[0]) if len(own) else math.nan)
        if len(now) >= min_size:
            break
    return out, medians


def progress_tables(sf: StrategyFile, folder: SeriesFolder, catalogue: Catalogue) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The progress table and the chart points of one strategy (validated against `PROGRESS` and `POINTS`)."""
    code, year = sf.code, int(folder.meta["year"])
    values = folder.read("values", [("unit", "==", code)])
    membership = folder.read("membership")
    rows, points = [], []
    for order, item in enumerate(sf.items):
        ind = item.indicator
        obs = _observed(item, values, year)
        after = obs[obs.index > ind.baseline.year]
        latest_year = int(after.index[-1]) if len(after) else None
        latest = float(after.iloc[-1]) if len(after) else None
        p = progress_status(ind.baseline.value, ind.baseline.year, latest, latest_year, ind.target.value,
                            ind.target.year, item.increase)
        since = obs[obs.index >= ind.baseline.year]
        trend = forecast(since.index.to_numpy(), since.to_numpy(), ind.target.year, LEVEL)
        end = trend.iloc[-1] if trend is not None else None
        peer, medians = _peers(code, item, latest_year or year, folder, membership, catalogue)
        target = ind.target.value
        rows.append({
            "order": order, "unit": code, "goal": item.goal.id, "goal_name": item.goal.name, "objective": item.objective.id,
            "objective_name": item.objective.name, "indicator": item.id, "name": item.name, "source": item.source,
            "measure_unit": item.unit, "decimals": item.decimals, "increase": item.increase,
            "responsible": ind.responsible, "notes": ind.notes,
            "baseline_year": ind.baseline.year, "baseline_value": ind.baseline.value, "target_year": ind.target.year,
            "target_value": target, "latest_year": latest_year, "latest_value": latest,
            "status": p.status, "method": p.method, "observed_rate": p.observed, "required_rate": p.required,
            "ratio": p.ratio, "forecast_points": len(since),
            "forecast_year": int(end["year"]) if end is not None else None,
            "forecast": float(end["mean"]) if end is not None else math.nan,
            "forecast_low": float(end["low"]) if end is not None else math.nan,
            "forecast_high": float(end["high"]) if end is not None else math.nan,
            "target_in_interval": bool(end["low"] <= target <= end["high"]) if end is not None else None,
            "forecast_reaches_target": (bool(end["mean"] >= target if item.increase else end["mean"] <= target)
                                        if end is not None else None),
            **peer,
        })
        frame = pd.DataFrame({"observed": obs}).join(pd.DataFrame({"peer_median": medians}), how="outer")
        if trend is not None:
            frame = frame.join(trend.set_index("year").rename(columns={"mean": "trend", "low": "trend_low",
                                                                       "high": "trend_high"}), how="outer")
        frame = frame.reindex(columns=["observed", "trend", "trend_low", "trend_high", "peer_median"])
        points.append(frame.rename_axis("year").reset_index().assign(unit=code, indicator=item.id))
    progress = _valid(PROGRESS, pd.DataFrame(rows), "progress")
    series = _valid(POINTS, pd.concat(points, ignore_index=True), "series")
    return progress, series.sort_values(["indicator", "year"], ignore_index=True)


def _valid(schema: pa.DataFrameSchema, df: pd.DataFrame, what: str) -> pd.DataFrame:
    try:
        return schema.validate(df)
    except (SchemaError, SchemaErrors) as exc:
        raise InputError(f"strategy {what} table does not match its declared schema: {exc}") from None


def strategy_meta(sf: StrategyFile) -> dict:
    """What the report says of the strategy itself: title, adoption, period, whether it is an illustrative example."""
    st = sf.strategy
    return {"title": st.title, "adopted": str(st.adopted), "start": st.period.start, "end": st.period.end,
            "example": st.example}


def write_progress(data_dir: Path, code: str, progress: pd.DataFrame, series: pd.DataFrame, meta: dict) -> None:
    """Write both tables of one strategy atomically (validated again: the only writer); `meta` (`strategy_meta`)
    goes into the progress file's metadata."""
    for path, schema, df, what in zip(paths(data_dir, code), (PROGRESS, POINTS), (progress, series),
                                      ("progress", "series"), strict=True):
        table = pa_arrow.Table.from_pandas(_valid(schema, df, what), preserve_index=False)
        if what == "progress":
            table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                   META_KEY: json.dumps(meta, ensure_ascii=False).encode("utf-8")})
        _write(path, table)


def _write(path: Path, table: pa_arrow.Table) -> None:
    def parquet(tmp: Path) -> None:
        pq.write_table(table, tmp, compression="zstd")

    write_with(path, parquet)


def read_progress(data_dir: str | Path, code: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Both tables of one strategy and its `strategy_meta`; a clear message when `jstbench strategy report` has not
    written them."""
    out = []
    for path, schema in zip(paths(data_dir, code), (PROGRESS, POINTS), strict=True):
        if not path.exists():
            raise InputError(f"no strategy progress for {code}: run `jstbench strategy report <series>` first", path)
        out.append(_valid(schema, pq.read_table(path).to_pandas(), path.name))
    raw = pq.read_schema(paths(data_dir, code)[0]).metadata or {}
    return out[0], out[1], json.loads(raw.get(META_KEY, b"{}"))


def write_all(strategies: Path, catalogue: Catalogue, data_dir: Path) -> list[str]:
    """The progress tables of every strategy file (<TERYT>.yml) in `strategies` whose authority is in the series'
    units, into the series' data folder; the codes written. Run after the series data (the values are read back)."""
    from jstbench.catalogue.strategy import load_strategy

    folder = SeriesFolder(data_dir)
    units = set(folder.read("units")["code"])
    files = sorted(Path(strategies).glob("*.yml"))
    values = folder.read("values", [("unit", "in", [p.stem for p in files])])
    written = []
    for path in files:
        sf = load_strategy(path, catalogue, values)
        if sf.code not in units:
            raise InputError(f"authority {sf.code} is not in the series' units", path, "authority")
        progress, points = progress_tables(sf, folder, catalogue)
        write_progress(data_dir, sf.code, progress, points, strategy_meta(sf))
        written.append(sf.code)
    return written


def codes(data_dir: Path) -> list[str]:
    """The authorities with progress tables in a series' data folder."""
    return sorted(p.stem for p in (Path(data_dir) / FOLDER).glob("*.parquet") if not p.stem.endswith("-series"))
