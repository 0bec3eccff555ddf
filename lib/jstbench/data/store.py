"""The data store: a units register and a long observations table, as parquet, validated with pandera."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from jstbench.core.atomic import write_with
from jstbench.core.errors import InputError
from jstbench.core.units import POPULATION_CLASS_LABELS, UNIT_KINDS

CODE_RE = r"\d{6}[123]|\d{4}"
UNITS_FILE = "units.parquet"
OBSERVATIONS_FILE = "observations.parquet"

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
        folder = Path(folder)
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
            try:
                frames[name] = pd.read_parquet(path)
            except Exception as exc:  # pyarrow raises several types for damaged files
                raise InputError(f"cannot read parquet: {exc}", path) from None
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
    """Validate and write both tables atomically (each file appears whole or not at all)."""
    folder = Path(folder)
    units = _validate(UNITS_SCHEMA, units.reset_index(drop=True), folder / UNITS_FILE)
    obs = _validate(OBSERVATIONS_SCHEMA, observations.reset_index(drop=True), folder / OBSERVATIONS_FILE)
    write_with(folder / UNITS_FILE, lambda p: units.to_parquet(p, index=False))
    write_with(folder / OBSERVATIONS_FILE, lambda p: obs.to_parquet(p, index=False))


def data_digest(folder: Path) -> str:
    """A short hash of the data files, for manifests."""
    h = hashlib.sha256()
    for name in (UNITS_FILE, OBSERVATIONS_FILE):
        with open(Path(folder) / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]
