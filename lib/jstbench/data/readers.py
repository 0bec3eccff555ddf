"""The readers of `data load`, each registered once by name: a description for the help, how a file is recognised
(a suffix or a rule on its first line; none means only with --format), whether the store needs a units register
first, and the function that reads one file into observations and a Summary (or, for TERC, into the register)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from jstbench.core.errors import InputError, excerpt

if TYPE_CHECKING:  # the readers import pandas and their parsers when they run: `jstbench --help` stays quick
    import pandas as pd

    from jstbench.catalogue.model import Catalogue

SNAPSHOTS_FILE = "register_snapshots.parquet"
CROSSWALK_FILE = "crosswalk.parquet"


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


@dataclass
class Context:
    """What readers share during one load: the options, the units register as it stands (a TERC file replaces it)
    and the tables written with everything else (`pending`, file name -> table)."""

    store_dir: Path
    units: pd.DataFrame | None
    mapping_path: Path | None = None
    known_variables: set[str] | None = None
    skip_unknown_units: bool = False
    budget_columns: Path | None = None
    catalogue: Catalogue | None = None
    year: int | None = None
    layout: str | None = None
    units_dictionary: Path | None = None  # the MF JST dictionary for MF unit keys the digits do not tell
    pending: dict[str, pd.DataFrame] = field(default_factory=dict)

    @cached_property
    def mapping(self):
        """The BDL mapping rules, read once per load."""
        from jstbench.data.bdl import load_mapping

        if self.mapping_path is None:
            raise InputError("BDL files need a mapping file (--mapping) from BDL variables to catalogue variables")
        return load_mapping(self.mapping_path, self.known_variables)


ReadFn = Callable[[Path, str, str, Context], "tuple[pd.DataFrame | None, Summary]"]
"""read(path, format name, source, context) -> (observations, or None when the file updates the register; summary)"""


@dataclass(frozen=True)
class Reader:
    """One format of `data load`; with neither suffixes nor a header rule it is read only when named by --format."""

    name: str
    description: str  # one line for the help
    read: ReadFn
    needs_register: bool = True  # the store must have a units register before a file of this format loads
    suffixes: tuple[str, ...] = ()  # a file with one of these (lower-case) suffixes is this format
    header: Callable[[str], bool] | None = None  # a rule on the first line of a text file

    @property
    def detected(self) -> bool:
        return bool(self.suffixes) or self.header is not None


READERS: dict[str, Reader] = {}
"""Registered readers by name, in registration order: the order of the help and of detection."""


def register(reader: Reader) -> Reader:
    """Add a reader: this alone makes `load_files` and `data load` accept its format."""
    if reader.name in READERS:
        raise ValueError(f"a reader {reader.name!r} is already registered")
    READERS[reader.name] = reader
    return reader


def get(name: str) -> Reader:
    """The reader of format `name`; an unknown name is refused with the known ones."""
    if name not in READERS:
        raise InputError(f"unknown format {name!r}: {', '.join(READERS)}", where="--format")
    return READERS[name]


def detect_format(path: Path) -> str:
    """The first reader claiming the file's suffix; failing that (the file is text), the first whose rule accepts
    its first line that is not blank."""
    from jstbench.data.bdl import first_line, read_text

    suffix = path.suffix.lower()
    for r in READERS.values():
        if suffix in r.suffixes:
            return r.name
    header = first_line(read_text(path))[1]
    for r in READERS.values():
        if r.header is not None and r.header(header):
            return r.name
    raise InputError(f"cannot tell the format: give --format ({', '.join(READERS)})", path)


def format_help() -> str:
    """`name: description` of every reader, for the --format help."""
    return "; ".join(f"{r.name}: {r.description}" + ("" if r.detected else " (only with --format)") for r in READERS.values())


def files_help() -> str:
    """The formats recognised from the file and those that need --format, for the files argument's help."""
    detected = ", ".join(r.name for r in READERS.values() if r.detected)
    named = ", ".join(r.name for r in READERS.values() if not r.detected)
    return f"Files to load; recognised: {detected}; only with --format: {named}."


def _register_date(units: pd.DataFrame, ctx: Context | None) -> str | None:
    """The date of the register's newest TERC snapshot (register_snapshots, about to be written or in the store); without
    one, the newest date its units carry (valid_from/valid_to); None for a register not made from TERC files."""
    import pandas as pd

    snaps = ctx.pending.get(SNAPSHOTS_FILE) if ctx is not None else None
    if snaps is None and ctx is not None and (ctx.store_dir / SNAPSHOTS_FILE).exists():
        snaps = pd.read_parquet(ctx.store_dir / SNAPSHOTS_FILE, columns=["valid_on"])
    if snaps is not None and len(snaps):
        return str(snaps["valid_on"].astype(str).max())
    dates = [units[c].dropna().astype(str) for c in ("valid_from", "valid_to") if c in units]
    found = pd.concat(dates) if dates else pd.Series([], dtype=str)
    return str(found.max()) if len(found) else None


def _known_units(rows: pd.DataFrame, units: pd.DataFrame, skip: bool, summary: Summary, path: Path, describe,
                 ctx: Context | None = None) -> pd.DataFrame:
    """Rows of units in the register; others fail the file (saying whether the register is older than the data), or
    with `skip` are counted as rejected."""
    known = rows["unit"].isin(set(units["code"]))
    if known.all():
        return rows
    if not skip:
        what, where = describe(rows[~known].iloc[0])
        years = sorted({int(y) for y in rows["year"]}) if "year" in rows else []
        span = "" if not years else str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
        date = _register_date(units, ctx)
        if date is None:
            advice = (f"the register was not made from a TERC file: load a TERC snapshot covering {span or 'the data years'}, "
                      f"or pass --skip-unknown-units")
        elif years and int(date[:4]) < years[-1]:
            advice = (f"the units register is as of {date}, the file has data for {span}: load a newer TERC snapshot (as of "
                      f"{years[-1]}-01-01 or later, from eteryt.stat.gov.pl; the register keeps the older ones as history), "
                      f"or pass --skip-unknown-units")
        else:
            advice = (f"the units register (as of {date}) is not older than the data ({span or 'no year'}): check the code; a "
                      f"unit abolished or merged before {date} is known only once a TERC snapshot of its time is loaded too "
                      f"(the register keeps every snapshot's units), or pass --skip-unknown-units")
        raise InputError(f"unit code {what} is not in the units register ({int((~known).sum())} rows); {advice}", path, where)
    summary.rejected["unit not in the register"] = int((~known).sum())
    return rows[known]


def _bdl_observations(path: Path, fmt: str, source: str, ctx: Context) -> tuple[pd.DataFrame, Summary]:
    """A BDL export or API response: the rules of the mapping take its values (by table, breakdown and level), zero
    placeholders become missing values, a unit given by two rows (a city's powiat and gmina rows, a gmina's code
    before and after a change of type) becomes one observation or an error naming both rows. Every code, year and
    value is checked (`jstbench.data.validate`): one bad cell refuses the file."""
    import pandas as pd

    from jstbench.data import bdl
    from jstbench.data.teryt import kind_change_crosswalk
    from jstbench.data.validate import check_observations, value_ranges

    table = bdl.read_export(path, fmt)
    data = table.data
    bdl.check_codes(table)
    summary = Summary(str(path), table.layout, rows=len(data))
    if ctx.units is None:
        raise InputError("the store has no units register yet: load a TERYT TERC file first", ctx.store_dir)
    mapping = ctx.mapping
    matched, unmatched = bdl.apply_mapping(data, mapping)
    if matched.empty:
        raise bdl.no_rule_matched(table, mapping, ctx.mapping_path)
    matched, warnings = bdl.mark_zero_placeholders(data, matched, mapping.rules)
    codes = data["code"].unique()
    unit_of = dict(zip(codes, map(bdl.unit_code, codes), strict=True))
    unit = data["code"].map({c: u for c, (u, _) in unit_of.items()})
    for why, n in data.loc[unit.isna(), "code"].map({c: why for c, (_, why) in unit_of.items()}).value_counts().items():
        summary.rejected[str(why)] = int(n)
    if (unmatched & unit.notna()).any():
        summary.rejected["no mapping rule for this BDL variable/breakdown"] = int((unmatched & unit.notna()).sum())
    matched = matched.assign(unit=unit.reindex(matched.index))
    matched = matched[matched["unit"].notna()]
    matched, skipped, level_warnings = bdl.level_filter(matched, mapping.rules)
    summary.rejected.update(skipped)
    crosswalk = kind_change_crosswalk(set(matched["unit"]), ctx.units)
    if crosswalk:
        matched = matched.assign(unit=matched["unit"].map(crosswalk).fillna(matched["unit"]))
        summary.recoded = {old: new for old, new in sorted(crosswalk.items())}
    matched = _known_units(matched, ctx.units, ctx.skip_unknown_units, summary, path,
                           lambda r: (f"{r['code']!r} ({excerpt(r['name'])})", table.code_place(int(r["row"]))), ctx)
    matched, merged = bdl.merge_duplicates(matched, path)
    summary.rejected.update(merged)
    if table.table_from != bdl.FROM_NAME:
        summary.rejected[f"(not rows) table code {table.table} taken from {table.table_from}"] = 0
    for text in level_warnings + warnings:
        summary.rejected[f"(not rows) warning: {text}"] = 0
    ranges = value_ranges(ctx.catalogue)
    check_observations(matched.assign(variable=matched["variable"].str.split(bdl.PART, n=1).str[0]), path,
                       lambda i: table.place(int(matched.at[i, "row"]), matched.at[i, "col"]), ranges)
    obs = pd.DataFrame({"unit": matched["unit"], "year": matched["year"].astype(int), "variable": matched["variable"],
                        "value": matched["value"].astype(float), "flag": matched["flag"], "source": source})
    summary.units, summary.values = obs["unit"].nunique(), int(obs["value"].notna().sum())
    summary.years = sorted(int(y) for y in obs["year"].unique())
    summary.variables = sorted(obs["variable"].unique())
    summary.flags = int(obs["flag"].notna().sum())
    return obs, summary


def _terc_snapshot(path: Path, fmt: str, source: str, ctx: Context) -> tuple[None, Summary]:
    """Add a TERC snapshot to the register's history; the register holds every unit of every snapshot with
    valid_from/valid_to, except old codes of gminas that changed kind (their data join the new code)."""
    import pandas as pd

    from jstbench.data.teryt import read_terc, register_history

    store_dir, units, pending = ctx.store_dir, ctx.units, ctx.pending
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
    ctx.units = register
    return None, s


def _budget_observations(path: Path, fmt: str, source: str, ctx: Context) -> tuple[pd.DataFrame, Summary]:
    """Budget reports (CSV with a layout, or MF ZIP/DBF files as published): see `jstbench.data.budget`."""
    from jstbench.data.budget import observations_from_report

    return observations_from_report(path, fmt, source, ctx)


def _form_observations(path: Path, fmt: str, source: str, ctx: Context) -> tuple[pd.DataFrame, Summary]:
    from jstbench.data.forms import read_workbook

    if ctx.catalogue is None or ctx.units is None:
        raise InputError("forms need a store with a units register and the catalogue", ctx.store_dir)
    obs, year, group = read_workbook(path, ctx.catalogue)
    unknown = sorted(set(obs["unit"]) - set(ctx.units["code"]))
    if unknown:
        raise InputError(f"unit codes {unknown} are not in the units register", path)
    obs = obs.assign(flag=None, source=source)
    s = Summary(str(path), f"form:{group}", rows=len(obs), units=obs["unit"].nunique(), years=[year],
                variables=sorted(obs["variable"].unique()), values=int(obs["value"].notna().sum()))
    return obs, s


# the order of the help and of detection: suffixes first; among text files TERC, then CREL, then CTAB takes the rest
for _reader in (
    Reader("xlsx", "BDL XLSX download, sheet DANE (.xlsx, .xlsm)", _bdl_observations, suffixes=(".xlsx", ".xlsm")),
    Reader("api-json", "BDL API data by variable (.json): saved by `data fetch-bdl`, a raw API page, or what pyBDL returns",
           _bdl_observations, suffixes=(".json",)),
    Reader("terc", "TERYT TERC units register (.xml, current or older layout, or CSV starting WOJ;POW;GMI;RODZ), needed by the others",
           _terc_snapshot,
           needs_register=False, suffixes=(".xml",), header=lambda line: line.replace('"', "").startswith("WOJ;POW;GMI;RODZ")),
    Reader("crel", "BDL CSV export, long table (header with Wartosc)", _bdl_observations, header=lambda line: "Wartosc" in line),
    Reader("ctab", "BDL CSV export, wide table (any other CSV)", _bdl_observations, header=lambda line: True),
    Reader("mf", "Ministry of Finance budget report as published (.zip of DBF files, .dbf): Rb-27S, Rb-28S, Rb-Z or Rb-PDP, "
           "told by the file name or fields", _budget_observations, suffixes=(".zip", ".dbf")),
    Reader("rb27s", "Rb-27S budget revenue report: MF .zip/.dbf, or CSV with --layout from params/budget_columns.yml",
           _budget_observations),
    Reader("rb28s", "Rb-28S budget expenditure report: MF .zip/.dbf, or CSV with --layout from params/budget_columns.yml",
           _budget_observations),
    Reader("rbz", "Rb-Z debt report (MF .zip/.dbf)", _budget_observations),
    Reader("rbpdp", "Rb-PDP report of tax rate reductions and reliefs (MF .zip/.dbf)", _budget_observations),
    Reader("form", "filled data-collection workbook made by `forms make`", _form_observations),
):
    register(_reader)
