"""Incremental rebuilds: what a series and each of its reports depend on, as digests.

A series' computed data are reused when its inputs are unchanged (`series_digest`: the series file, the groups file,
the catalogue, the deflators, the data store and the library). A report is rebuilt only when the digest of its
inputs changes (`report_digest`): its template, its parameters, the library, the series-wide tables and its slice of
the per-unit and per-group tables (`jstbench.series.folder.Table.key`) — an authority report reads its own rows and
those of its groups (exchange groups, typology group, the national group); a group report its own rows and its
members'. A test checks that a report reads nothing outside the slice declared here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from jstbench.core.digest import digest, file_digest
from jstbench.series import folder as sf


def library_digest() -> str:
    """The jstbench code that computes and presents (every module, the stylesheet, the HTML template) and its version."""
    root = Path(__file__).resolve().parents[1]
    try:
        ver = version("jstbench")
    except PackageNotFoundError:
        ver = "unknown"
    h = hashlib.sha256(ver.encode())
    for p in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".css", ".j2", ".json") and "__pycache__" not in p.parts):
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


@dataclass
class Digests:
    """Digests of a built series folder: whole tables and JSON files (series-wide ones), and per key value (a unit
    code or a group id) for the keyed tables."""

    whole: dict[str, str] = field(default_factory=dict)
    keyed: dict[str, dict[str, str]] = field(default_factory=dict)

    def of(self, table: str, keys: list[str]) -> list[str]:
        part = self.keyed[table]
        return [part.get(k, "") for k in keys]


def _per_key(df: pd.DataFrame, column: str) -> dict[str, str]:
    """Order-free digest of the rows of each value of `column`: the sum (mod 2^64) of row hashes, and the count."""
    if df.empty:
        return {}
    rows = pd.util.hash_pandas_object(df, index=False).to_numpy(np.uint64)
    codes, keys = pd.factorize(df[column].astype(str))
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=len(keys))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    sums = np.add.reduceat(rows[order], starts)
    return {str(k): f"{int(s):016x}{int(n):x}" for k, s, n in zip(keys, sums, counts, strict=True)}


def folder_digests(data_dir: Path) -> Digests:
    """Digests of every table and JSON file of a built series folder (`jstbench.series.folder`)."""
    folder = sf.SeriesFolder(data_dir)
    out = Digests()
    for name in sf.JSON_FILES:
        out.whole[name] = file_digest(data_dir / f"{name}.json")
    for name, table in sf.TABLES.items():
        if table.key is None:
            out.whole[name] = file_digest(data_dir / f"{name}.parquet")
        else:
            out.keyed[name] = _per_key(folder.read(name), table.key)
    return out


def slice_keys(job_kind: str, key: str, meta: dict, typology: dict[str, str],
               peers: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The key values of each keyed table a report reads: ("unit" | "group") -> values. An authority's report reads
    its own rows and its similar authorities' (`peers`: who to learn from)."""
    if job_kind == "unit":
        groups = [g["id"] for g in meta["exchange_groups"] if key in g["members"]]
        return {"unit": [key, *(peers or {}).get(key, [])],
                "group": [*groups, meta["national_id"], *([typology[key]] if key in typology else [])]}
    if job_kind == "group":
        members = next(g["members"] for g in meta["exchange_groups"] if g["id"] == key)
        return {"unit": list(members), "group": [key, meta["national_id"]]}
    raise ValueError(job_kind)


def slice_digest(kind: str, key: str, digests: Digests, meta: dict, typology: dict[str, str],
                 peers: dict[str, list[str]] | None = None) -> str:
    """The series data one report reads: the series-wide tables and its slice of the keyed ones (`slice_keys`); a
    report of another kind (the data-quality report) reads every table."""
    if kind not in ("unit", "group"):
        return digest(digests.whole, digests.keyed)
    keys = slice_keys(kind, key, meta, typology, peers)
    return digest(digests.whole, {name: digests.of(name, keys[sf.TABLES[name].key or ""]) for name in digests.keyed})


def report_digest(kind: str, key: str, template: str, parameters: dict, library: str, data: str) -> str:
    """What one report depends on: its template (digest), parameters, the library and its series data (`slice_digest`)."""
    return digest(kind, key, template, parameters, library, data)


def link_or_copy(src: Path, dst: Path) -> None:
    """Reuse a previous output: a hard link where the file system allows it, a copy otherwise."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
