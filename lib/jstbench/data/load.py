"""Loading files into the store as an append with provenance: every load is recorded (file, hash, time, reader
version), a revised value never silently replaces an earlier one (the earlier one is kept in revisions.parquet
and reported), and a file with a problem loads nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jstbench.core.atomic import write_with
from jstbench.core.errors import InputError
from jstbench.data.bdl import apply_mapping, check_leading_zeros, load_mapping, read_export, unit_code
from jstbench.data.store import OBSERVATIONS_FILE, UNITS_FILE, Store, save
from jstbench.data.teryt import kind_change_crosswalk, read_terc, register_history

READER_VERSION = "1.0"
LOADS_FILE = "loads.parquet"
REVISIONS_FILE = "revisions.parquet"
FORMATS = ("ctab", "crel", "xlsx", "api-json", "terc", "rb27s", "rb28s", "form")


@dataclass
class Summary:
    file: str
    layout: str
    rows: int = 0
    units: int = 0
    years: list[int] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    values: int = 0
    flags: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    recoded: dict[str, str] = field(default_factory=dict)  # old code -> current code (type change of a gmina)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def detect_format(path: Path) -> str:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return "xlsx"
    if path.suffix.lower() == ".json":
        return "api-json"
    if path.suffix.lower() == ".xml":
        return "terc"
    from jstbench.data.bdl import read_text

    header = read_text(path).splitlines()[0]
    if header.replace('"', "").startswith("WOJ;POW;GMI;RODZ"):
        return "terc"
    return "crel" if "Wartosc" in header else "ctab"


def _known_units(rows: pd.DataFrame, units: pd.DataFrame, skip: bool, summary: Summary, path: Path, describe) -> pd.DataFrame:
    """Rows of units in the register; others fail the file, or with `skip` are counted as rejected."""
    known = rows["unit"].isin(set(units["code"]))
    if known.all():
        return rows
    if not skip:
        what, where = describe(rows[~known].iloc[0])
        raise InputError(f"unit code {what} is not in the units register ({int((~known).sum())} rows); load the "
                         f"TERYT register first, or pass --skip-unknown-units", path, where)
    summary.rejected["unit not in the register"] = int((~known).sum())
    return rows[known]


def _bdl_observations(path: Path, layout: str, mapping, units: pd.DataFrame, skip_unknown: bool,
                      source: str) -> tuple[pd.DataFrame, Summary]:
    table = read_export(path, layout)
    data = table.data
    check_leading_zeros(data, path)
    summary = Summary(str(path), table.layout, rows=len(data))
    mapped = data["code"].map(unit_code)
    data = data.assign(unit=[m[0] for m in mapped], why=[m[1] for m in mapped])
    for why, n in data.loc[data["unit"].isna(), "why"].value_counts().items():
        summary.rejected[why] = int(n)
    data = data[data["unit"].notna()]
    crosswalk = kind_change_crosswalk(set(data["unit"]), units)
    if crosswalk:
        data = data.assign(unit=data["unit"].replace(crosswalk))
        summary.recoded = {old: new for old, new in sorted(crosswalk.items())}
    matched, unmatched = apply_mapping(data, mapping)
    if unmatched.any():
        summary.rejected["no mapping rule for this BDL variable/breakdown"] = int(unmatched.sum())
    matched = _known_units(matched, units, skip_unknown, summary, path,
                           lambda r: (f"{r['code']!r} ({r['name']})", f"row {r['row']}, column Kod"))
    # a city with powiat rights appears twice in gmina-level exports ("Powiat m. X" WWPP000 and "X (1)" WWPP011):
    # identical values are one observation; different values are an error below
    twins = matched.duplicated(["unit", "year", "variable", "value"], keep="last")
    if twins.any():
        summary.rejected["same value given for the city and its powiat row"] = int(twins.sum())
        matched = matched[~twins]
    dup = matched.duplicated(["unit", "year", "variable"], keep=False)
    if dup.any():
        rows = ", ".join(map(str, matched.loc[dup, "row"].head(4)))
        raise InputError(f"two rows give the same unit, year and catalogue variable (rows {rows}): check the mapping", path)
    obs = pd.DataFrame({"unit": matched["unit"], "year": matched["year"].astype(int), "variable": matched["variable"],
                        "value": matched["value"].astype(float), "flag": matched["flag"], "source": source})
    summary.units, summary.values = obs["unit"].nunique(), int(obs["value"].notna().sum())
    summary.years = sorted(int(y) for y in obs["year"].unique())
    summary.variables = sorted(obs["variable"].unique())
    summary.flags = int(obs["flag"].notna().sum())
    return obs, summary


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


def _budget_observations(path: Path, layout_name: str, budget_columns: Path | None, catalogue, year: int | None,
                         units: pd.DataFrame, skip_unknown: bool, source: str) -> tuple[pd.DataFrame, Summary]:
    from jstbench.data.budget import load_budget_mapping, read_budget, to_observations

    if budget_columns is None or catalogue is None:
        raise InputError("budget reports need the column layouts (params/budget_columns.yml) and the catalogue")
    layouts = load_budget_mapping(budget_columns).layouts
    if layout_name not in layouts:
        raise InputError(f"no layout {layout_name!r} in {budget_columns.name} (layouts: {', '.join(layouts)})", budget_columns)
    cols = layouts[layout_name]
    items = read_budget(path, cols, year)
    summary = Summary(str(path), layout_name, rows=len(items))
    items = _known_units(items, units, skip_unknown, summary, path, lambda r: (f"{r['unit']!r}", f"row {r['row']}"))
    obs, not_derivable = to_observations(items, catalogue, cols.report, source)
    if not_derivable:
        summary.rejected[f"(not rows) variables not derivable from line items: {', '.join(not_derivable)}"] = 0
    execution = obs[~obs["variable"].str.startswith("plan:")]
    summary.units, summary.values = obs["unit"].nunique(), int(execution["value"].notna().sum())
    summary.years = sorted(int(y) for y in obs["year"].unique())
    summary.variables = sorted(execution["variable"].unique())
    return obs, summary


def load_files(store_dir: Path, files: list[Path], fmt: str | None = None, mapping_path: Path | None = None,
               known_variables: set[str] | None = None, skip_unknown_units: bool = False,
               budget_columns: Path | None = None, catalogue=None, year: int | None = None,
               layout: str | None = None) -> list[Summary]:
    """Read every file first (any problem stops everything before a byte is written), then append."""
    store_dir = Path(store_dir)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: {', '.join(FORMATS)}", where="--format")
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    exists = (store_dir / UNITS_FILE).exists()
    store = Store.load(store_dir) if exists else None
    units = store.units.reset_index(drop=True) if store is not None else None
    observations = store.observations if store is not None else _empty_observations()
    new_obs, summaries, loads = [], [], []
    pending: dict[str, pd.DataFrame] = {}  # register snapshots and crosswalk, written with everything else
    mapping = None
    layout_arg = layout
    for path in map(Path, files):
        if not path.exists():
            raise InputError("file not found", path)
        layout = fmt or detect_format(path)
        digest = sha256(path)
        load_id = f"{now}#{digest[:12]}"
        source = f"{layout}:{path.name}@{digest[:12]}"
        if layout == "terc":
            units, s = _terc_snapshot(store_dir, path, units, pending)
        elif layout == "form":
            from jstbench.data.forms import read_workbook

            if units is None or catalogue is None:
                raise InputError("forms need a store with a units register and the catalogue", store_dir)
            obs, year_, group = read_workbook(path, catalogue)
            unknown = sorted(set(obs["unit"]) - set(units["code"]))
            if unknown:
                raise InputError(f"unit codes {unknown} are not in the units register", path)
            obs = obs.assign(flag=None, source=source)
            s = Summary(str(path), f"form:{group}", rows=len(obs), units=obs["unit"].nunique(), years=[year_],
                        variables=sorted(obs["variable"].unique()), values=int(obs["value"].notna().sum()))
            new_obs.append((obs, load_id, s))
        elif layout in ("rb27s", "rb28s"):
            if units is None:
                raise InputError("the store has no units register yet: load a TERYT TERC file first", store_dir)
            obs, s = _budget_observations(path, layout_name=layout_arg or layout,
                                          budget_columns=budget_columns, catalogue=catalogue, year=year, units=units,
                                          skip_unknown=skip_unknown_units, source=source)
            new_obs.append((obs, load_id, s))
        else:
            if units is None:
                raise InputError("the store has no units register yet: load a TERYT TERC file first", store_dir)
            if mapping is None:
                if mapping_path is None:
                    raise InputError("BDL files need a mapping file (--mapping) from BDL variables to catalogue variables")
                mapping = load_mapping(mapping_path, known_variables)
            obs, s = _bdl_observations(path, layout, mapping, units, skip_unknown_units, source)
            new_obs.append((obs, load_id, s))
        summaries.append(s)
        loads.append(dict(load_id=load_id, file=path.name, sha256=digest, format=layout, reader_version=READER_VERSION,
                          time=now, rows=s.rows, values=s.values, rejected=int(sum(s.rejected.values()))))
    revisions = []
    for obs, load_id, s in new_obs:
        observations, rev, s.new, s.unchanged = _merge(observations, obs, load_id)
        s.revised = len(rev)
        revisions.append(rev)
    save(units, observations.reset_index(drop=True), store_dir)
    for name, table in pending.items():
        write_with(store_dir / name, lambda p, t=table: t.to_parquet(p, index=False))
    _append(store_dir / LOADS_FILE, pd.DataFrame(loads))
    if revisions and any(len(r) for r in revisions):
        _append(store_dir / REVISIONS_FILE, pd.concat(revisions, ignore_index=True))
    return summaries


SNAPSHOTS_FILE = "register_snapshots.parquet"
CROSSWALK_FILE = "crosswalk.parquet"


def _terc_snapshot(store_dir: Path, path: Path, units: pd.DataFrame | None, pending: dict) -> tuple[pd.DataFrame, Summary]:
    """Add a TERC snapshot to the register's history; the register holds every unit of every snapshot with
    valid_from/valid_to, except old codes of gminas that changed kind (their data join the new code)."""
    terc = read_terc(path)
    old = pending.get(SNAPSHOTS_FILE)
    if old is None and (store_dir / SNAPSHOTS_FILE).exists():
        old = pd.read_parquet(store_dir / SNAPSHOTS_FILE)
    snaps = terc if old is None else pd.concat([old[~old["valid_on"].isin(set(terc["valid_on"]))], terc], ignore_index=True)
    history, crosswalk = register_history([g for _, g in snaps.groupby("valid_on")])
    register = history[~history["code"].isin(set(crosswalk["old_code"]))].reset_index(drop=True)
    if units is not None:  # keep what a previous register knew that TERC does not (e.g. population classes)
        known = units.set_index("code")["population_class"]
        register["population_class"] = register["code"].map(known).fillna(register["population_class"])
    pending[SNAPSHOTS_FILE] = snaps.drop(columns=["row"], errors="ignore")
    pending[CROSSWALK_FILE] = crosswalk
    s = Summary(str(path), "terc", rows=len(terc), units=len(register))
    if len(crosswalk):
        s.recoded = dict(zip(crosswalk["old_code"], crosswalk["new_code"], strict=True))
    ended = int(register["valid_to"].notna().sum())
    if ended:
        s.rejected[f"(not rows) {ended} units no longer exist in the newest register (kept with valid_to)"] = 0
    return register, s


def _empty_observations() -> pd.DataFrame:
    return pd.DataFrame({"unit": pd.Series([], dtype=str), "year": pd.Series([], dtype=np.int64),
                         "variable": pd.Series([], dtype=str), "value": pd.Series([], dtype=float),
                         "flag": pd.Series([], dtype=object), "source": pd.Series([], dtype=str)})


def _append(path: Path, rows: pd.DataFrame) -> None:
    old = pd.read_parquet(path) if path.exists() else None
    table = rows if old is None else pd.concat([old, rows], ignore_index=True)
    write_with(path, lambda p: table.to_parquet(p, index=False))


__all__ = ["load_files", "Summary", "FORMATS", "OBSERVATIONS_FILE"]
