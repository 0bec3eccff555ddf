"""The data store: a units register and a long observations table, as parquet, validated with pandera.

One writer at a time (`writing`: the store's lock) and every write all or nothing (`commit`): the new tables are
written beside the old ones, a journal naming them is written atomically (the commit point), then they are renamed
into place. A writer that dies before the journal leaves the store as it was; one that dies after it leaves the
journal, and the next writer or reader finishes the renames (`recover`)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from jstbench.core.atomic import write_with
from jstbench.core.errors import InputError
from jstbench.core.lock import exclusive
from jstbench.core.units import POPULATION_CLASS_LABELS, UNIT_KINDS

CODE_RE = r"\d{6}[123]|\d{4}"
UNITS_FILE = "units.parquet"
OBSERVATIONS_FILE = "observations.parquet"
JOURNAL_FILE = ".commit.json"  # the tables of a commit whose new versions are complete (see `commit`)
NEW = ".{}.new"  # the new version of a table while a commit writes it
LOCK_WAIT = 10.0  # seconds a second writer waits for the store before it is refused
EXCERPT = 80  # characters of a reader's error quoted in a message

UNITS_SCHEMA = pa.DataFrameSchema(
    {
        "code": pa.Column(str, pa.Check.str_matches(r"^(\d{6}[123]|\d{4})$"), unique=True),
        "name": pa.Column(str, pa.Check.str_length(1, 200)),
        "kind": pa.Column(str, pa.Check.isin(list(UNIT_KINDS))),
        "voivodeship": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
        "powiat": pa.Column(str, pa.Check.str_matches(r"^\d{4}$")),
        "population_class": pa.Column(str, pa.Check.isin(list(POPULATION_CLASS_LABELS))),
        "synthetic": pa.Column(bool),
        # from TERYT history: first and last register date a unit appears in (valid_to empty: still valid)
        "valid_from": pa.Column(str, nullable=True, required=False),
        "valid_to": pa.Column(str, nullable=True, required=False),
    },
    checks=[
        pa.Check(lambda df: df["code"].str[:4] == df["powiat"], element_wise=False,
                 error="powiat must be the first 4 digits of the code"),
        pa.Check(lambda df: (df["kind"] == "powiat") == (df["code"].str.len() == 4), element_wise=False,
                 error="4-digit codes are powiats and only they"),
    ],
    strict=True,
    coerce=False,
)

def _codes_match(series: pd.Series) -> bool:
    """TERYT shape of every distinct code (checked on distinct values: millions of rows, few codes)."""
    return bool(pd.Series(series.unique()).astype(str).str.fullmatch(CODE_RE).all())


OBSERVATIONS_SCHEMA = pa.DataFrameSchema(
    {
        # categorical: millions of rows, few distinct codes; checks run on the distinct values
        "unit": pa.Column("category", pa.Check(_codes_match, error="unit codes must be TERYT codes (7 or 4 digits)")),
        "year": pa.Column(int, pa.Check.in_range(1990, 2100)),
        "variable": pa.Column("category"),
        "value": pa.Column(float, nullable=True),
        "flag": pa.Column("category", nullable=True),
        "source": pa.Column("category"),
    },
    unique=["unit", "year", "variable"],
    strict=True,
    coerce=True,
)


def _validate(schema: pa.DataFrameSchema, df: pd.DataFrame, path: Path) -> pd.DataFrame:
    try:
        return schema.validate(df, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.head(10)
        lines = []
        for _, row in cases.iterrows():
            idx = row.get("index")
            where = f"row {int(idx) + 1}" if pd.notna(idx) and str(idx).isdigit() else "table"
            col = row.get("column")
            lines.append(f"{where}, column {col}: {row.get('check')} failed for {row.get('failure_case')!r}")
        more = len(exc.failure_cases) - len(cases)
        text = "; ".join(lines) + (f"; and {more} more" if more > 0 else "")
        raise InputError(f"invalid data: {text}", path) from None


@dataclass
class Store:
    """Units register and observations of one data folder."""

    units: pd.DataFrame
    observations: pd.DataFrame
    folder: Path

    @classmethod
    def load(cls, folder: Path) -> "Store":
        folder = store_folder(folder)
        if (folder / JOURNAL_FILE).exists():  # a writer died during its renames: finish them first
            with writing(folder):
                pass
        frames = {}
        for name in (UNITS_FILE, OBSERVATIONS_FILE):
            path = folder / name
            if not path.exists():
                raise InputError(
                    "data file not found (run `jstbench demo-data` for the demo; for real data load the TERYT register with "
                    "`jstbench data load TERC_<date>.xml` and then `jstbench data fetch --years 2015-2024`; or point "
                    "the series to your data)",
                    path,
                )
            frames[name] = read_table(path)
        units = _validate(UNITS_SCHEMA, frames[UNITS_FILE], folder / UNITS_FILE)
        obs = _validate(OBSERVATIONS_SCHEMA, frames[OBSERVATIONS_FILE], folder / OBSERVATIONS_FILE)
        unknown = set(map(str, obs["unit"].unique())) - set(units["code"])
        if unknown:
            raise InputError(f"observations for unit codes not in {UNITS_FILE}: {sorted(unknown)[:10]}",
                             folder / OBSERVATIONS_FILE)
        return cls(units.set_index("code", drop=False), obs, folder)

    def save(self) -> None:
        save(self.units.reset_index(drop=True), self.observations, self.folder)

    def wide(self) -> pd.DataFrame:
        """Observations as a frame indexed by (unit, year) with one column per variable."""
        obs = self.observations
        units, variables = obs["unit"].cat, obs["variable"].cat
        years = np.sort(obs["year"].unique())
        row = units.codes.to_numpy().astype(np.int64) * len(years) + np.searchsorted(years, obs["year"].to_numpy())
        values = np.full((len(units.categories) * len(years), len(variables.categories)), np.nan)
        values[row, variables.codes.to_numpy()] = obs["value"].to_numpy()
        index = pd.MultiIndex.from_product([units.categories.astype(str), years.astype(int)], names=["unit", "year"])
        wide = pd.DataFrame(values, index=index, columns=list(variables.categories.astype(str)))
        present = np.zeros(len(index), dtype=bool)
        present[row] = True  # only (unit, year) pairs that have observations
        return wide[present].sort_index()

    @property
    def synthetic(self) -> bool:
        """Whether the store holds synthetic values (made by `demo-data`): reports on it say so on every page."""
        from jstbench.data.demo import SOURCE

        return bool(self.units["synthetic"].any()) or bool((self.observations["source"].astype(str) == SOURCE).any())

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.observations["year"].unique())

    def digest(self) -> str:
        return data_digest(self.folder)


def save(units: pd.DataFrame, observations: pd.DataFrame, folder: Path) -> None:
    """Validate both tables, then write them as one commit, holding the store's lock."""
    folder = store_folder(folder)
    tables = validated(units, observations, folder)
    with writing(folder):
        commit(folder, tables)


def validated(units: pd.DataFrame, observations: pd.DataFrame, folder: Path) -> dict[str, pd.DataFrame]:
    """The units register and the observations as checked by their schemas, by file name (for `commit`)."""
    return {UNITS_FILE: _validate(UNITS_SCHEMA, units.reset_index(drop=True), folder / UNITS_FILE),
            OBSERVATIONS_FILE: _validate(OBSERVATIONS_SCHEMA, observations.reset_index(drop=True), folder / OBSERVATIONS_FILE)}


def store_folder(folder: Path) -> Path:
    """`folder` as a store's folder, refused when it, or a folder above it, is a file."""
    folder = Path(folder)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise InputError(f"{existing} is a file, not a store folder (a store is a folder holding {UNITS_FILE}, "
                         f"{OBSERVATIONS_FILE} and the load records)")
    return folder


def read_table(path: Path) -> pd.DataFrame:
    """A parquet table of the store; a damaged one is an InputError naming it."""
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        text = " ".join(str(exc).split())
        text = text if len(text) <= EXCERPT else text[:EXCERPT - 1] + "…"
        raise InputError(f"cannot read this parquet table, it is damaged or unreadable ({type(exc).__name__}: {text})",
                         path) from None


@contextmanager
def writing(folder: Path) -> Iterator[Path]:
    """Hold the store's lock while the block runs (a second writer waits LOCK_WAIT seconds, then is refused with
    who holds it), after finishing a commit a dead writer left."""
    folder = store_folder(folder)
    with exclusive(folder, f"the data store {folder}", wait=LOCK_WAIT):
        recover(folder)
        yield folder


def commit(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Write `tables` (file name -> table) into the store all or nothing; the caller holds `writing(folder)`.

    Each table goes to `.<name>.new`, synced to disk; then the journal naming them is written atomically (the commit
    point); then `recover` renames them into place. A failure before the journal (a full disk) removes the new files:
    the store is as it was."""
    staged = [folder / NEW.format(name) for name in tables]
    try:
        for table, path in zip(tables.values(), staged, strict=True):
            table.to_parquet(path, index=False)
            _sync(path)
        write_with(folder / JOURNAL_FILE, lambda p: _write_synced(p, json.dumps(list(tables))))
        _sync(folder)
    except BaseException as exc:
        for path in staged:
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write the store ({exc.strerror or exc}); nothing was written, the store is as it "
                             "was", folder) from None
        raise
    recover(folder)


def recover(folder: Path) -> None:
    """Finish a commit whose journal was written (rename its new tables into place, then remove the journal); remove
    the new tables of a commit that died before its journal. The caller holds the store's lock."""
    journal = folder / JOURNAL_FILE
    if journal.exists():
        names = _journal(journal)
        for name in names:
            if (folder / NEW.format(name)).exists():
                os.replace(folder / NEW.format(name), folder / name)
        _sync(folder)
        journal.unlink()
    for left in [*folder.glob(NEW.format("*.parquet")), *folder.glob(f".{JOURNAL_FILE}.*.tmp")]:
        left.unlink()


def _journal(path: Path) -> list[str]:
    """The table names a journal lists (plain file names of the store's folder)."""
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) and n == Path(n).name for n in names):
        raise InputError("the journal of an unfinished write is damaged, so the tables may be partly updated: check "
                         "them, then remove the journal", path)
    return names


def _write_synced(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    _sync(path)


def _sync(path: Path) -> None:
    """Flush a file, or a folder's entries (renames), to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def data_digest(folder: Path) -> str:
    """A short hash of the data files, for manifests."""
    h = hashlib.sha256()
    for name in (UNITS_FILE, OBSERVATIONS_FILE):
        with open(Path(folder) / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]
