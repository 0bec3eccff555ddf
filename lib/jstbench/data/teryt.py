"""The TERYT TERC register as the units register, and a name resolver that never picks silently."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jstbench.core.errors import InputError, excerpt
from jstbench.core.units import RODZ_TO_KIND
from jstbench.data.bdl import read_text
from jstbench.data.validate import date

TERC_COLUMNS = ["WOJ", "POW", "GMI", "RODZ", "NAZWA", "NAZWA_DOD", "STAN_NA"]
OLD_NAMES = {"NAZDOD": "NAZWA_DOD"}
"""Columns of older TERC layouts: the XML of about 2013-2016 (`<col name="NAZDOD">`) calls NAZWA_DOD NAZDOD."""
MAX_NAME = 200  # characters of a unit's name (the units register holds no longer ones)

Rows = list[tuple[str, list[str]]]
"""Rows of a TERC file with where each is: `row 5` (the line of a CSV file, the 5th <row> element of an XML file)."""


def read_terc(path: str | Path) -> pd.DataFrame:
    """A TERC register in its CSV or XML form, current or older layout (see `read_terc_xml`)."""
    path = Path(path)
    return read_terc_xml(path) if path.suffix.lower() == ".xml" else read_terc_csv(path)


def read_terc_xml(path: Path) -> pd.DataFrame:
    """TERC XML: rows as `<row><col name="WOJ">02</col>...</row>` (older files, with NAZDOD) or as
    `<row><WOJ>02</WOJ>...</row>` (current files, with NAZWA_DOD)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(Path(path).read_bytes())
    except ET.ParseError as exc:
        raise InputError(f"not valid XML: {exc}", path) from None
    rows = []
    for n, row in enumerate(root.iter("row"), start=1):
        named = [(c.get("name"), c.text) for c in row.iter("col")]
        pairs = named if named else [(c.tag, c.text) for c in row]
        cols = {OLD_NAMES.get(str(k), str(k)): (v or "").strip() for k, v in pairs}
        missing = [c for c in TERC_COLUMNS if c not in cols]
        if missing:
            raise InputError(f"row lacks columns {missing}", path, f"row {n}")
        rows.append((f"row {n}", [cols[c] for c in TERC_COLUMNS]))
    if not rows:
        raise InputError("no <row> elements: not a TERC XML file", path)
    return _parse_terc_rows(rows, path)


def read_terc_csv(path: str | Path) -> pd.DataFrame:
    """Every row of a TERC CSV export (`;`-separated, blank lines skipped), codes as text, with its level."""
    path = Path(path)
    reader = csv.reader(io.StringIO(read_text(path)), delimiter=";")
    try:
        rows = [(f"row {n}", r) for n, r in enumerate(reader, start=1) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise InputError(f"not a readable CSV row: {excerpt(str(exc))}", path, f"line {reader.line_num}") from None
    where, first = rows[0]
    header = [h.strip() for h in first]
    if [OLD_NAMES.get(h, h) for h in header[: len(TERC_COLUMNS)]] != TERC_COLUMNS:
        raise InputError(f"TERC header must be {';'.join(TERC_COLUMNS)}, got {excerpt(';'.join(header))} "
                         f"(older files may say NAZDOD for NAZWA_DOD)", path, where)
    if len(rows) == 1:
        raise InputError("no units: the file has only its header", path)
    return _parse_terc_rows(rows[1:], path)


def _terc_row(cells: list[str], path: Path, where: str) -> dict[str, str]:
    """One row's fields, checked: WOJ two digits; POW and GMI two digits or empty, GMI only under a POW; RODZ one
    digit 1-9 for a gmina (or its part) and empty otherwise; a name; STAN_NA a calendar date."""
    if len(cells) < len(TERC_COLUMNS):
        raise InputError(f"{len(cells)} fields, expected {len(TERC_COLUMNS)} (truncated file?)", path, where)
    woj, pow_, gmi, rodz, name, extra, valid_on = (c.strip() for c in cells[:7])
    for value, col in ((woj, "WOJ"), (pow_, "POW"), (gmi, "GMI")):
        if (value or col == "WOJ") and not re.fullmatch(r"[0-9]{2}", value):
            raise InputError(f"{col} {excerpt(value)!r} is not 2 digits (lost leading zero?)", path, f"{where}, column {col}")
    if gmi and not pow_:
        raise InputError(f"GMI {gmi} without a POW: a gmina lies in a powiat", path, f"{where}, column POW")
    if gmi and not re.fullmatch(r"[1-9]", rodz):
        raise InputError(f"RODZ {excerpt(rodz)!r} is not a kind of gmina (one digit 1-9)", path, f"{where}, column RODZ")
    if rodz and not gmi:
        raise InputError(f"RODZ {excerpt(rodz)!r} given without a GMI: only gminas and their parts have a kind", path,
                         f"{where}, column RODZ")
    if not name or len(name) > MAX_NAME:
        raise InputError(f"NAZWA {'is empty' if not name else f'is longer than {MAX_NAME} characters'}", path,
                         f"{where}, column NAZWA")
    return dict(woj=woj, pow=pow_, gmi=gmi, rodz=rodz, name=name, extra=extra,
                valid_on=date(valid_on, path, f"{where}, column STAN_NA"))


def _parse_terc_rows(rows: Rows, path: Path) -> pd.DataFrame:
    """The rows of a TERC snapshot (header left out), each checked (`_terc_row`); one date and each unit once."""
    out: list[dict[str, str]] = []
    seen: dict[tuple[str, ...], str] = {}
    for where, cells in rows:
        r = _terc_row(cells, path, where)
        if out and r["valid_on"] != out[0]["valid_on"]:
            raise InputError(f"STAN_NA {r['valid_on']} differs from {out[0]['valid_on']} ({rows[0][0]}): a TERC file is "
                             f"one snapshot of the register", path, f"{where}, column STAN_NA")
        key = (r["woj"], r["pow"], r["gmi"], r["rodz"])
        if key in seen:
            raise InputError(f"the unit {';'.join(key)} appears twice (also {seen[key]}): a TERC snapshot lists each unit "
                             f"once", path, where)
        seen[key] = where
        out.append({**r, "row": where})
    return pd.DataFrame(out)


def register_history(snapshots: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units over time from several TERC snapshots (each with `valid_on`): every unit with the first and last
    snapshot date it appears in (`valid_to` empty if it is in the newest), and a crosswalk of gmina codes that
    changed kind between consecutive snapshots (same WOJ+POW+GMI)."""
    frames = []
    for terc in sorted(snapshots, key=lambda t: str(t["valid_on"].max())):
        units = units_from_terc(terc)
        units["snapshot"] = str(terc["valid_on"].max())
        frames.append(units)
    allu = pd.concat(frames, ignore_index=True)
    newest = allu["snapshot"].max()
    span = allu.groupby("code")["snapshot"].agg(["min", "max"])
    latest = allu.sort_values("snapshot").drop_duplicates("code", keep="last").set_index("code")
    latest["valid_from"] = span["min"]
    latest["valid_to"] = span["max"].where(span["max"] != newest, None)
    crosswalk = []
    for older, newer in zip(frames, frames[1:], strict=False):
        for old, new in kind_change_crosswalk(set(older["code"]), newer).items():
            crosswalk.append((old, new, newer["snapshot"].iloc[0]))
    return latest.drop(columns="snapshot").reset_index(), pd.DataFrame(crosswalk, columns=["old_code", "new_code", "since"])


def units_from_terc(terc: pd.DataFrame) -> pd.DataFrame:
    """Authorities in the project's register form: gminas (kinds 1-3), land powiats, cities with powiat rights."""
    rows = []
    for r in terc.itertuples():
        if r.pow and not r.gmi and int(r.pow) < 61:
            rows.append((f"{r.woj}{r.pow}", r.name, "powiat"))
        elif r.gmi and r.rodz in RODZ_TO_KIND:
            kind = "city_powiat" if int(r.pow) >= 61 else RODZ_TO_KIND[r.rodz]
            rows.append((f"{r.woj}{r.pow}{r.gmi}{r.rodz}", r.name, kind))
    units = pd.DataFrame(rows, columns=["code", "name", "kind"])
    units["voivodeship"] = units["code"].str[:2]
    units["powiat"] = units["code"].str[:4]
    units["population_class"] = "unknown"
    units["synthetic"] = False
    return units


def _fold(text: str) -> str:
    """Lower case without diacritics (ł → l), for matching garbled names."""
    text = text.lower().replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).strip()


@dataclass
class Resolution:
    name: str
    status: str  # exact | ambiguous | unknown | folded (matched only without diacritics)
    codes: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)


def resolve(name: str, units: pd.DataFrame, kind: str | None = None, voivodeship: str | None = None) -> Resolution:
    """Codes for a name as a source document gives it. Several matches are reported as ambiguous, no match as
    unknown (with the closest names as candidates): the caller decides, nothing is picked silently."""
    pool = units
    if kind:
        pool = pool[pool["kind"] == kind]
    if voivodeship:
        pool = pool[pool["voivodeship"] == voivodeship]
    clean = re.sub(r"\s*\(\d\)\s*$", "", name).strip()
    exact = pool[pool["name"].str.lower() == clean.lower()]
    if len(exact) == 1:
        return Resolution(name, "exact", list(exact["code"]))
    if len(exact) > 1:
        return Resolution(name, "ambiguous", [], [f"{c} {n} ({k})" for c, n, k in exact[["code", "name", "kind"]].values])
    folded = pool[pool["name"].map(_fold) == _fold(clean)]
    if len(folded) == 1:
        return Resolution(name, "folded", list(folded["code"]))
    if len(folded) > 1:
        return Resolution(name, "ambiguous", [], [f"{c} {n} ({k})" for c, n, k in folded[["code", "name", "kind"]].values])
    import difflib

    close = difflib.get_close_matches(_fold(clean), list(dict.fromkeys(pool["name"].map(_fold))), n=5, cutoff=0.6)
    names = pool[pool["name"].map(_fold).isin(close)]
    return Resolution(name, "unknown", [], [f"{c} {n} ({k})" for c, n, k in names[["code", "name", "kind"]].values])


def kind_change_crosswalk(codes: set[str], units: pd.DataFrame) -> dict[str, str]:
    """Old 7-digit gmina codes that are not in the register, mapped to the one current unit with the same
    WOJ+POW+GMI and another kind digit: a gmina whose type changed (e.g. a rural gmina whose village received
    town rights becomes urban-rural, 2 -> 3) keeps its territory, so its series join across years.
    Codes with no such unit, or with several, are left out (the caller reports them)."""
    by_prefix: dict[str, list[str]] = {}
    for code in units["code"]:
        if len(code) == 7:
            by_prefix.setdefault(code[:6], []).append(code)
    known = set(units["code"])
    out = {}
    for code in codes:
        if len(code) == 7 and code not in known:
            match = by_prefix.get(code[:6], [])
            if len(match) == 1:
                out[code] = match[0]
    return out
