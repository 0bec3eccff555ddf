"""Loading files into the store as an append with provenance: every load is recorded (file, hash, time, reader
version), a revised value never silently replaces an earlier one (the earlier one is kept in revisions.parquet
and reported), and a file with a problem loads nothing. A load is one transaction: everything is read and checked
before the store's lock is taken and its tables are written as one commit (`store.commit`), so two loads at once
both keep their observations, and a load that fails or dies leaves the store as it was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from jstbench.core.digest import file_digest
from jstbench.core.errors import InputError
from jstbench.data import readers
from jstbench.data.readers import SNAPSHOTS_FILE, Context, Summary, detect_format
from jstbench.data.store import OBSERVATIONS_FILE, UNITS_FILE, Store, commit, read_table, store_folder, validated, writing

READER_VERSION = "1.0"
LOADS_FILE = "loads.parquet"
REVISIONS_FILE = "revisions.parquet"
LOADS_COLUMNS = ["load_id", "file", "sha256", "format", "reader_version", "time", "rows", "values", "rejected"]
REVISIONS_COLUMNS = ["unit", "year", "variable", "old_value", "old_source", "new_value", "new_source", "load_id"]


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
    """One transaction: read and check everything first (the files and the store's tables: any problem stops the
    load before a byte is written, lock included), then, holding the store's lock, write every changed table as one
    commit. When another writer committed while the files were read, they are read again on the store as it is
    now, under the lock, so that neither load loses the other's observations."""
    store_dir = store_folder(Path(store_dir))
    given = readers.get(fmt) if fmt is not None else None
    paths = [Path(f) for f in files]
    missing = next((p for p in paths if not p.exists()), None)
    if missing is not None:
        raise InputError("file not found", missing)
    context = partial(Context, mapping_path=mapping_path, known_variables=known_variables,
                      skip_unknown_units=skip_unknown_units, budget_columns=budget_columns, catalogue=catalogue,
                      year=year, layout=layout, units_dictionary=units_dictionary)
    seen = _version(store_dir)
    tables, summaries = _prepare(store_dir, paths, given, context)
    with writing(store_dir):
        if _version(store_dir) != seen:
            tables, summaries = _prepare(store_dir, paths, given, context)
        commit(store_dir, tables)
    return summaries


def _version(folder: Path) -> list[tuple[str, int, int, int]]:
    """What tells one state of the store's tables from another (a commit renames new files in: new inodes)."""
    if not folder.is_dir():
        return []
    return sorted((p.name, st.st_ino, st.st_mtime_ns, st.st_size) for p in folder.glob("*.parquet") for st in [p.stat()])


def _prepare(store_dir: Path, paths: list[Path], given: readers.Reader | None,
             context: Callable[..., Context]) -> tuple[dict[str, pd.DataFrame], list[Summary]]:
    """Every table a load writes (file name -> table), checked, and the files' summaries; nothing is written."""
    store = Store.load(store_dir) if (store_dir / UNITS_FILE).exists() else None
    earlier_loads = _earlier(store_dir / LOADS_FILE, LOADS_COLUMNS)
    earlier_revisions = _earlier(store_dir / REVISIONS_FILE, REVISIONS_COLUMNS)
    _earlier(store_dir / SNAPSHOTS_FILE, [])  # the TERC reader reads it: a damaged one fails here, first
    ctx = context(store_dir, store.units.reset_index(drop=True) if store is not None else None)
    summaries, new_obs, loads = _read_files(paths, given, ctx)
    observations = store.observations if store is not None else _empty_observations()
    revisions = []
    for obs, load_id, s in _sum_parts(new_obs, ctx):
        observations, rev, s.new, s.unchanged = _merge(observations, obs, load_id)
        s.revised = len(rev)
        revisions.append(rev)
    if ctx.units is None:  # no file at all, into a store without a register
        raise InputError("the store has no units register yet: load a TERYT TERC file first", store_dir)
    tables = {**validated(ctx.units, observations, store_dir), **ctx.pending,
              LOADS_FILE: _concat(earlier_loads, pd.DataFrame(loads))}
    if any(len(r) for r in revisions):
        tables[REVISIONS_FILE] = _concat(earlier_revisions, *revisions)
    return tables, summaries


def _read_files(paths: list[Path], given: readers.Reader | None, ctx: Context) -> tuple[list[Summary], list, list[dict]]:
    """Read every file: (summaries, [(observations, load id, summary)], the rows of loads.parquet)."""
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    summaries, new_obs, loads = [], [], []
    for path in paths:
        reader = given or readers.get(detect_format(path))
        digest = file_digest(path)
        load_id = f"{now}#{digest[:12]}"
        if reader.needs_register and ctx.units is None:
            raise InputError("the store has no units register yet: load a TERYT TERC file first", ctx.store_dir)
        obs, s = reader.read(path, reader.name, f"{reader.name}:{path.name}@{digest[:12]}", ctx)
        if obs is not None:
            new_obs.append((obs, load_id, s))
        summaries.append(s)
        loads.append(dict(load_id=load_id, file=path.name, sha256=digest, format=reader.name, reader_version=READER_VERSION,
                          time=now, rows=s.rows, values=s.values, rejected=int(sum(s.rejected.values()))))
    return summaries, new_obs, loads


def _earlier(path: Path, columns: list[str]) -> pd.DataFrame | None:
    """A table of the store as it stands (None when absent), checked before anything is written."""
    if not path.exists():
        return None
    table = read_table(path)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"not a table of {path.stem}: no column {', '.join(missing)}; nothing was written", path)
    return table


def _concat(earlier: pd.DataFrame | None, *rows: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([t for t in (earlier, *rows) if t is not None], ignore_index=True)


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


__all__ = ["load_files", "Summary", "OBSERVATIONS_FILE"]
