"""Loading files into the store as an append with provenance: every load is recorded (file, hash, time, reader
version), a revised value never silently replaces an earlier one (the earlier one is kept in revisions.parquet
and reported), and a file with a problem loads nothing."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from jstbench.core.atomic import write_with
from jstbench.core.digest import file_digest
from jstbench.core.errors import InputError
from jstbench.data import readers
from jstbench.data.readers import Context, Summary, detect_format
from jstbench.data.store import OBSERVATIONS_FILE, UNITS_FILE, Store, save

READER_VERSION = "1.0"
LOADS_FILE = "loads.parquet"
REVISIONS_FILE = "revisions.parquet"


def _merge(old: pd.DataFrame, new: pd.DataFrame, load_id: str) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """New observations over old ones; returns (observations, revisions, n_new, n_unchanged)."""
    keys = ["unit", "year", "variable"]
    old = old.astype({"unit": str, "variable": str, "source": str}).assign(flag=old["flag"].astype(object))
    both = new.merge(old, on=keys, how="left", suffixes=("", "_old"), indicator=True)
    existed = both["_merge"] == "both"
    same = existed & ((both["value"] == both["value_old"]) | (both["value"].isna() & both["value_old"].isna()))
    changed = existed & ~same
    revisions = pd.DataFrame({
        "unit": both.loc[changed, "unit"], "year": both.loc[changed, "year"], "variable": both.loc[changed, "variable"],
        "old_value": both.loc[changed, "value_old"], "old_source": both.loc[changed, "source_old"],
        "new_value": both.loc[changed, "value"], "new_source": both.loc[changed, "source"], "load_id": load_id,
    })
    replace = both[~same][keys + ["value", "flag", "source"]]
    kept = old.merge(replace[keys], on=keys, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    out = pd.concat([kept, replace], ignore_index=True)
    return out, revisions, int((~existed).sum()), int(same.sum())


def load_files(store_dir: Path, files: list[Path], fmt: str | None = None, mapping_path: Path | None = None,
               known_variables: set[str] | None = None, skip_unknown_units: bool = False,
               budget_columns: Path | None = None, catalogue=None, year: int | None = None,
               layout: str | None = None, units_dictionary: Path | None = None) -> list[Summary]:
    """Read every file first (any problem stops everything before a byte is written), then append."""
    store_dir = Path(store_dir)
    given = readers.get(fmt) if fmt is not None else None
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    exists = (store_dir / UNITS_FILE).exists()
    store = Store.load(store_dir) if exists else None
    observations = store.observations if store is not None else _empty_observations()
    ctx = Context(store_dir, store.units.reset_index(drop=True) if store is not None else None, mapping_path, known_variables,
                  skip_unknown_units, budget_columns, catalogue, year, layout, units_dictionary)
    new_obs, summaries, loads = [], [], []
    for path in map(Path, files):
        if not path.exists():
            raise InputError("file not found", path)
        reader = given or readers.get(detect_format(path))
        digest = file_digest(path)
        load_id = f"{now}#{digest[:12]}"
        if reader.needs_register and ctx.units is None:
            raise InputError("the store has no units register yet: load a TERYT TERC file first", store_dir)
        obs, s = reader.read(path, reader.name, f"{reader.name}:{path.name}@{digest[:12]}", ctx)
        if obs is not None:
            new_obs.append((obs, load_id, s))
        summaries.append(s)
        loads.append(dict(load_id=load_id, file=path.name, sha256=digest, format=reader.name, reader_version=READER_VERSION,
                          time=now, rows=s.rows, values=s.values, rejected=int(sum(s.rejected.values()))))
    new_obs = _sum_parts(new_obs, ctx)
    revisions = []
    for obs, load_id, s in new_obs:
        observations, rev, s.new, s.unchanged = _merge(observations, obs, load_id)
        s.revised = len(rev)
        revisions.append(rev)
    save(ctx.units, observations.reset_index(drop=True), store_dir)
    for name, table in ctx.pending.items():
        write_with(store_dir / name, partial(_write_parquet, table))
    _append(store_dir / LOADS_FILE, pd.DataFrame(loads))
    if revisions and any(len(r) for r in revisions):
        _append(store_dir / REVISIONS_FILE, pd.concat(revisions, ignore_index=True))
    return summaries


def _sum_parts(new_obs: list, ctx: Context) -> list:
    """Variables summed from several BDL tables (rules with `part: true`): the parts, read from several files of
    this load, become one variable, counted with the last file that gave a part."""
    from jstbench.data.bdl import PART, sum_parts

    has_part = [bool(obs["variable"].str.contains(PART, regex=False).any()) for obs, _, _ in new_obs]
    if not any(has_part):
        return new_obs
    last = max(i for i, p in enumerate(has_part) if p)
    combined = sum_parts(pd.concat([obs for (obs, _, _), p in zip(new_obs, has_part, strict=True) if p],
                                   ignore_index=True), ctx.mapping)
    out = [(obs, load_id, s) for (obs, load_id, s), p in zip(new_obs, has_part, strict=True) if not p]
    _, load_id, s = new_obs[last]
    s.variables = sorted(combined["variable"].unique())
    return [*out, (combined, load_id, s)]


def _empty_observations() -> pd.DataFrame:
    return pd.DataFrame({"unit": pd.Series([], dtype=str), "year": pd.Series([], dtype=np.int64),
                         "variable": pd.Series([], dtype=str), "value": pd.Series([], dtype=float),
                         "flag": pd.Series([], dtype=object), "source": pd.Series([], dtype=str)})


def _append(path: Path, rows: pd.DataFrame) -> None:
    old = pd.read_parquet(path) if path.exists() else None
    table = rows if old is None else pd.concat([old, rows], ignore_index=True)
    write_with(path, partial(_write_parquet, table))


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    table.to_parquet(path, index=False)


__all__ = ["load_files", "Summary", "OBSERVATIONS_FILE"]
