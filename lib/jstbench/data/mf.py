"""Ministry of Finance budget reports of local governments as MF publishes them (gov.pl/web/finanse, "bazy
danych" / "sprawozdania budżetowe"): ZIP archives of DBF files in Windows-1250, one per report and period, named
like `Rb28S_2023Q4.zip`. This module opens them (ZIP → DBF with dbfread, the codepage checked), tells the report,
year and quarter, and turns the MF unit keys into the project's TERYT codes; `budget.py` turns records into line
items and line items into catalogue variables.

What is verified, and from where (source keys of /work/shared/SOURCES.md, plus two public files read for this):

- CZB (public pipeline `jan-rezab/czbudget`: `scripts/download-education-comparative.py` fetches `Rb28S_2025Q4.zip`
  from gov.pl/web/finanse/bazy-danych8, its `run_poland` parses it): the archive holds a DBF
  read as cp1250; unit keys WK, PK, GK, GT, PT; DZIAL, ROZDZIAL; the paragraph as PAR (3 digits) + PAR4 (4th digit);
  R1 = plan after changes, R4 = execution; no original plan in Q4 files; year and quarter from the file name; units
  mapped to TERYT through the MF JST dictionary (key WK+PK+GK+GT+PT, column "Kod GUS"). The same pipeline reads the
  Rb-27S file with R1/R4 as plan/execution.
- BESTIA-MAP (`CCLab/open-beast@14aed88813a9:mapowanie_nowe_csv.txt`: the field list of the MF BeSTi@ export the
  published files come from, 2011): common fields
  WK "kod województwa wg GUS", PK "kod powiatu", GK "kod gminy", GT "typ gminy", PT "typ powiatu", KODMSWIA "kod
  związku JST wg MSWiA", ROK, KWARTAL, DZIAL, ROZDZIAL, PAR, PAR4 "4 cyfra paragrafu". Rb-27S: R1 plan, R2
  należności, R3 potrącenia, R4 dochody wykonane, R9 dochody otrzymane, R10 należności pozostałe do zapłaty ogółem,
  R5 w tym zaległości, R6 nadpłaty, R7 skutki obniżenia górnych stawek podatków, R8 skutki udzielonych ulg,
  odroczeń, umorzeń, zwolnień, R11Z/R11R skutki decyzji organu podatkowego. Rb-28S: R1 plan, R10 zaangażowanie,
  R4 wydatki wykonane, R11 zobowiązania ogółem, R12U/R12B zobowiązania wymagalne, R9 niewygasające, R13 fundusz
  sołecki. Rb-Z ("Rbz", one record per unit, no classification): E zobowiązania według tytułów dłużnych ogółem,
  E1 papiery wartościowe, E2 kredyty i pożyczki, E3 przyjęte depozyty, E4 wymagalne zobowiązania.
- BESTIA-DICT (`CCLab/open-beast@4d365996f96b:slownik_jst_2011_max_ost.csv`: the MF JST dictionary, columns NAZWA; WK; PK;
  GK; GT; PT; Typ jednostki; Podtyp jednostki; Kod GUS; Kod MSWiA; Data od; Data do): voivodeship WK 00 00 0 0
  "Województwo" (Kod GUS WW00000); powiat WK PK 00 0 1 "Powiat" (WWPP000); gmina WK PK GK GT 0 "Gmina" with GT =
  1/2/3 as TERYT RODZ (WWPPGGR); city with powiat rights WK PK 00 0 2 "Miasto na prawach powiatu" (WWPP000, PK ≥
  61: one budget for the gmina and the powiat, the project's code WWPP011); unions GT "Z", PT "8" "Związek JST"
  (Kod GUS like "181503Z", several unions may share WK+PK+GK).

Not verified (kept configurable in `params/budget_columns.yml`; the Rb-PDP columns are marked `unverified` there,
so that a summary says when a value comes from them): the fields of the separate Rb-PDP file (the layout assumes the
2011 Rb-27S names R7/R8/R11Z/R11R for the same columns); that R5, R6, R10 and E–E4 keep their 2011 meaning in the
2015–2025 files (CZB confirms only the unit and classification fields and R1/R4, for 2025); whether those files
still carry ROK/KWARTAL (used when present); how the Górnośląsko-Zagłębiowska Metropolia (from 2017) is coded (no
rule: such a row needs the dictionary); and which DBF fields tell Rb-27S from Rb-28S (the file name does; the
`detect` fields are a fallback).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from jstbench.core.errors import InputError, excerpt
from jstbench.core.text import parse_years as core_parse_years

if TYPE_CHECKING:
    import numpy as np

CP1250_LDID = 0xC8  # the DBF "language driver" byte for Windows-1250
REPORT_NAMES: dict[str, re.Pattern[str]] = {  # the report named in a file name (Rb28S_2023Q4.zip, RB-27S.DBF, ...)
    "Rb-27S": re.compile(r"rb[-_ ]?27[-_ ]?s(?![a-z])", re.I),
    "Rb-28S": re.compile(r"rb[-_ ]?28[-_ ]?s(?![a-z])", re.I),
    "Rb-Z": re.compile(r"rb[-_ ]?z(?![a-z])", re.I),
    "Rb-PDP": re.compile(r"rb[-_ ]?pdp(?![a-z])", re.I),
}
FORMAT_REPORT = {"rb27s": "Rb-27S", "rb28s": "Rb-28S", "rbz": "Rb-Z", "rbpdp": "Rb-PDP"}
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_QUARTER = re.compile(r"(?<!\d)(?:19|20)\d\d[-_ ]?(?:q|kw)?([1-4])(?![\d])|(?<![a-z\d])(?:q|kw)([1-4])(?!\d)", re.I)



# ---------------------------------------------------------------------------------------------------------- names

def report_from_name(name: str) -> str | None:
    """The report a file name names, if exactly one.

    >>> report_from_name("Rb28S_2023Q4.zip"), report_from_name("RB-27S.DBF"), report_from_name("RbZ_2020Q4.zip")
    ('Rb-28S', 'Rb-27S', 'Rb-Z')
    >>> report_from_name("RbZKP_2020.zip") is None and report_from_name("export.zip") is None
    True
    """
    found = [r for r, rx in REPORT_NAMES.items() if rx.search(Path(name).name)]
    return found[0] if len(found) == 1 else None


def year_quarter_from_name(name: str) -> tuple[int | None, int | None]:
    """The year and quarter in a file name (`Rb28S_2023Q4.zip` → 2023, 4); None where the name has none.

    >>> year_quarter_from_name("Rb28S_2023Q4.zip"), year_quarter_from_name("rb27s 2019.zip"), year_quarter_from_name("x.dbf")
    ((2023, 4), (2019, None), (None, None))
    """
    stem = Path(name).name
    years = set(_YEAR.findall(stem))
    year = int(years.pop()) if len(years) == 1 else None
    m = _QUARTER.search(stem)
    quarter = int(m.group(1) or m.group(2)) if m else None
    return year, quarter


# ------------------------------------------------------------------------------------------------------ ZIP / DBF

@dataclass
class Member:
    """One DBF to read: where it is on disk and how to name it in messages (`Rb28S_2023Q4.zip › RB28S.DBF`)."""

    path: Path
    name: str
    outer: Path  # the file given (the ZIP, or the DBF itself)


def dbf_members(path: Path, workdir: Path) -> list[Member]:
    """The DBF files of a ZIP (extracted to `workdir`) or the DBF itself; a damaged ZIP or one without a DBF is refused."""
    path = Path(path)
    if path.suffix.lower() == ".dbf":
        return [Member(path, path.name, path)]
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            dbfs = [i for i in infos if i.filename.lower().endswith(".dbf")]
            if not dbfs:
                names = ", ".join(i.filename for i in infos[:8]) or "nothing"
                hint = " (a bundle of reports: use `jstbench data fetch-mf`)" if any(i.filename.lower().endswith(".zip")
                                                                                   for i in infos) else ""
                raise InputError(f"the ZIP holds no DBF file (it has: {names}){hint}", path)
            out = []
            for n, info in enumerate(dbfs):
                target = workdir / f"{n:03d}_{Path(info.filename).name}"
                with archive.open(info) as src, open(target, "wb") as dst:
                    while block := src.read(1 << 20):
                        dst.write(block)
                out.append(Member(target, f"{path.name} › {info.filename}", path))
            return out
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise InputError(f"damaged ZIP archive ({exc}); download it again", path) from None


@dataclass
class DbfData:
    """The live records of one DBF as raw byte columns (numpy 'S' arrays), decoded on demand."""

    name: str
    fields: list[str]
    types: dict[str, str]
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    records: int = 0
    deleted: int = 0
    codepage_assumed: bool = False  # the codepage byte was empty: Windows-1250 assumed
    _decoded: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict, repr=False)

    def codes(self, name: str) -> tuple[list[str], np.ndarray]:
        """The distinct decoded values of a field and, per record, the index of its value (decoded once)."""
        if name not in self._decoded:
            self._decoded[name] = decode_distinct(self.columns[name], name, self.name)
        return self._decoded[name]

    def text(self, name: str, width: int | None = None) -> np.ndarray:
        """A field as decoded, stripped text (an object array), zero-padded to `width` when given."""
        import numpy as np

        values, inverse = self.codes(name)
        table = np.array([v.zfill(width) if width and v else v for v in values], dtype=object)
        return table[inverse] if len(inverse) else np.array([], dtype=object)

    def numbers(self, name: str) -> np.ndarray:
        return decode_numbers(self.columns[name], name, self.name)


def dbf_header(path: Path, name: str):
    """dbfread's table object, after checking the codepage byte and that the file holds every record it announces."""
    from dbfread import DBF  # type: ignore[import-untyped]
    from dbfread.codepages import codepages  # type: ignore[import-untyped]

    try:
        table = DBF(str(path), encoding="cp1250", raw=True, recfactory=None, ignore_missing_memofile=True,
                    char_decode_errors="strict")
    except (ValueError, struct.error, UnicodeDecodeError, IndexError) as exc:
        raise InputError(f"not a readable DBF file ({exc})", name) from None
    ldid = table.header.language_driver
    if ldid not in (0, CP1250_LDID):
        cp, what = codepages.get(ldid, ("unknown", "unknown codepage"))
        raise InputError(f"the DBF codepage byte is 0x{ldid:02X} ({cp}, {what}), not Windows-1250 (0xC8) as MF files are; "
                         "convert the file to cp1250 or check where it comes from", name, "header byte 29")
    expected = table.header.headerlen + table.header.numrecords * table.header.recordlen
    size = Path(path).stat().st_size
    if size < expected:
        complete = max(0, (size - table.header.headerlen) // max(1, table.header.recordlen))
        raise InputError(f"truncated DBF: the header announces {table.header.numrecords:,} records, the file holds "
                         f"{complete:,} complete ones; download it again", name)
    return table


def _join_fields(items: list[tuple[str, bytes]]) -> bytes:
    return b"".join([v for _, v in items])


def read_dbf(path: Path, name: str, chunk: int = 250_000) -> DbfData:
    """Every live record (dbfread, raw bytes: one joined record at a time, split into fixed-width columns with
    numpy). Every text (C) field is decoded as Windows-1250 here, so that a file in another encoding is refused
    whatever fields a layout uses."""
    import numpy as np

    table = dbf_header(path, name)
    table.recfactory = _join_fields
    types = {f.name: f.type for f in table.fields}
    dtype = np.dtype([(f.name, f"S{max(1, f.length)}") for f in table.fields])
    data = DbfData(name, list(types), types, codepage_assumed=table.header.language_driver == 0)
    parts: list[np.ndarray] = []
    buffer: list[bytes] = []
    for record in table:
        buffer.append(record)
        if len(buffer) == chunk:
            parts.append(np.frombuffer(b"".join(buffer), dtype=dtype))
            buffer.clear()
    if buffer:
        parts.append(np.frombuffer(b"".join(buffer), dtype=dtype))
    rec = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
    data.records = len(rec)
    data.deleted = table.header.numrecords - len(rec)
    for f in types:
        data.columns[f] = np.ascontiguousarray(rec[f])
    for f, t in types.items():
        if t == "C":
            data.codes(f)  # a value that is not Windows-1250 fails the file here
    return data


_UTF8_MARKS = re.compile("[ĂÄĹ][^\x00-\x7f]")  # Polish letters in UTF-8 (C3 xx, C4 xx, C5 xx) read as cp1250


def decode_distinct(raw: np.ndarray, field_name: str, name: str) -> tuple[list[str], np.ndarray]:
    """The distinct byte values of a column as stripped text (Windows-1250, strict) and, per record, the index of its
    value; a value that does not decode, or that is UTF-8 text, fails the file with its record and field named."""
    import numpy as np

    uniq, inverse = np.unique(raw, return_inverse=True)
    inverse = inverse.reshape(-1)
    out = []
    for k, value in enumerate(uniq.tolist()):
        try:
            text = value.decode("cp1250").strip()
        except UnicodeDecodeError as exc:
            rec = int(np.flatnonzero(inverse == k)[0]) + 1
            raise InputError(f"field {field_name}: byte 0x{value[exc.start]:02X} in {value!r} is not Windows-1250 (cp1250) "
                             "text: the file is in another encoding", name, f"record {rec}") from None
        if _UTF8_MARKS.search(text):
            try:
                as_utf8 = value.decode("utf-8").strip()
            except UnicodeDecodeError:
                as_utf8 = None
            if as_utf8 is not None and as_utf8 != text:
                rec = int(np.flatnonzero(inverse == k)[0]) + 1
                raise InputError(f"field {field_name}: {as_utf8!r} is UTF-8 text, read as Windows-1250 it would be {text!r}: "
                                 "MF files are cp1250; convert the file", name, f"record {rec}")
        out.append(text)
    return out, inverse


def decode_text(raw: np.ndarray, field_name: str, name: str, width: int | None = None) -> np.ndarray:
    """Byte values as stripped text (an object array), zero-padded to `width` when given (see `decode_distinct`)."""
    import numpy as np

    values, inverse = decode_distinct(raw, field_name, name)
    table = np.array([v.zfill(width) if width and v else v for v in values], dtype=object)
    return table[inverse] if len(raw) else np.array([], dtype=object)


def decode_numbers(raw: np.ndarray, field_name: str, name: str) -> np.ndarray:
    """Byte values as floats (empty → NaN; a decimal comma is accepted); a value that is not a finite number (text,
    `inf`, `nan`, `1e999`) fails the file with its record named."""
    import numpy as np

    stripped = np.char.strip(raw)
    empty = stripped == b""
    cleaned = np.where(empty, b"nan", np.char.replace(stripped, b",", b"."))

    def refuse(k: int, what: str) -> InputError:
        shown = excerpt(stripped[k].decode("cp1250", "replace"))
        return InputError(f"field {field_name}: {shown!r} is not {what}", name, f"record {k + 1}")

    try:
        numbers = cleaned.astype(np.float64)
    except ValueError:  # numpy reads bytes as float() does: some value is not a number
        raise refuse(next(k for k, v in enumerate(cleaned.tolist()) if not _is_number(v)), "a number") from None
    bad = np.flatnonzero(~empty & ~np.isfinite(numbers))
    if len(bad):
        raise refuse(int(bad[0]), "a finite number")
    return numbers


def _is_number(value: bytes) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------------------------ units

VOIVODESHIP = "voivodeship (samorząd województwa: not a gmina or powiat)"
UNION = "union of local governments (związek JST, GT 'Z' / PT '8')"
METROPOLIS = "metropolitan union (związek metropolitalny)"


def unit_from_digits(wk: str, pk: str, gk: str, gt: str, pt: str) -> tuple[str | None, str | None]:
    """The project's code for MF unit keys (BESTIA-DICT), or None and why the row is skipped; ValueError for keys
    the digits do not tell (they need the MF dictionary).

    >>> unit_from_digits("02", "01", "01", "1", "0"), unit_from_digits("02", "01", "00", "0", "1")
    (('0201011', None), ('0201', None))
    >>> unit_from_digits("30", "64", "00", "0", "2")[0], unit_from_digits("02", "00", "00", "0", "0")[0]
    ('3064011', None)
    >>> unit_from_digits("18", "15", "03", "Z", "8")[1]
    "union of local governments (związek JST, GT 'Z' / PT '8')"
    """
    gt, pt = gt.upper(), pt.upper()
    if gt == "Z" or pt == "8":
        return None, UNION
    if not (re.fullmatch(r"\d\d", wk) and re.fullmatch(r"\d\d", pk) and re.fullmatch(r"\d\d", gk)):
        raise ValueError("WK, PK and GK are not two digits each")
    if pk == "00" and gk == "00" and gt in ("0", "") and pt in ("0", ""):
        return None, VOIVODESHIP
    if gk == "00" and gt in ("0", ""):
        if pt == "2" or (pt == "" and int(pk) >= 61):
            return f"{wk}{pk}011", None  # a city with powiat rights: one budget, the project's code WWPP011
        if pt in ("1", "") and pk != "00" and int(pk) < 61:
            return f"{wk}{pk}", None
    if gk != "00" and gt in ("1", "2", "3") and pt in ("0", ""):
        return f"{wk}{pk}{gk}{gt}", None
    raise ValueError("not a kind the digits tell (gmina: GT 1-3, PT 0; powiat: GK 00, PT 1; city with powiat rights: "
                     "GK 00, PT 2; voivodeship: PK 00, GK 00; union: GT Z, PT 8)")


@dataclass(frozen=True)
class DictEntry:
    code: str | None
    reason: str | None
    valid_from: int | None
    valid_to: int | None


class UnitsDictionary:
    """The MF JST dictionary (CSV or XLSX): unit keys WK+PK+GK+GT+PT → "Kod GUS" and the kind of unit."""

    def __init__(self, path: Path, entries: dict[tuple[str, ...], list[DictEntry]]):
        self.path = path
        self.entries = entries

    def lookup(self, key: tuple[str, ...], year: int) -> DictEntry | None:
        found = self.entries.get(key)
        if not found:
            return None
        valid = [e for e in found if (e.valid_from is None or e.valid_from <= year) and (e.valid_to is None or year <= e.valid_to)]
        valid = valid or found
        if len({(e.code, e.reason) for e in valid}) > 1 and not all(e.reason == UNION for e in valid):
            codes = ", ".join(sorted({str(e.code or e.reason) for e in valid}))
            raise InputError(f"MF unit {'/'.join(key)} has several entries valid in {year} ({codes})", self.path)
        return valid[0]


def _dict_entry(code: str, kind: str) -> tuple[str | None, str | None]:
    """The project's code for a dictionary row: its "Kod GUS" and its kind ("Gmina", "Powiat", "Miasto na prawach
    powiatu", "Województwo", "Związek JST")."""
    k = kind.lower()
    if "zwi" in k and "metropol" in k:
        return None, METROPOLIS
    if "zwi" in k:
        return None, UNION
    if "wojew" in k:
        return None, VOIVODESHIP
    if code.isdigit():
        code = code.zfill(7)
    if not re.fullmatch(r"\d{7}", code):
        raise ValueError(f"Kod GUS {code!r} is not 7 digits")
    if "miasto na prawach" in k or (not k and code[4:] == "000" and int(code[2:4]) >= 61):
        return code[:4] + "011", None
    if "powiat" in k or (not k and code[4:] == "000" and code[2:4] != "00"):
        return code[:4], None
    if code[2:] == "00000":
        return None, VOIVODESHIP
    if code[6] in "123":
        return code, None
    raise ValueError(f"unit kind {kind!r} with Kod GUS {code} is not a gmina, powiat or city with powiat rights")


def _year_of(value: object) -> int | None:
    m = re.search(r"(?:19|20)\d\d", str(value or ""))
    return int(m.group(0)) if m else None


@lru_cache(maxsize=4)
def _read_dictionary(path: Path, mtime: float, key: tuple[str, ...], code_col: str, kind_cols: tuple[str, ...],
                     from_cols: tuple[str, ...], to_cols: tuple[str, ...]) -> UnitsDictionary:
    rows = _dictionary_rows(path)
    if not rows:
        raise InputError("the units dictionary is empty", path)
    header = [str(h or "").strip().replace("\u200b", "") for h in rows[0]]
    missing = [c for c in (*key, code_col) if c not in header]
    if missing:
        raise InputError(f"the units dictionary has no column(s) {missing} (it has {header}); set `dictionary` in "
                         "params/budget_columns.yml", path, "row 1")
    at = {c: header.index(c) for c in header}
    kind_at = next((at[c] for c in kind_cols if c in at), None)
    from_at = next((at[c] for c in from_cols if c in at), None)
    to_at = next((at[c] for c in to_cols if c in at), None)
    widths = (2, 2, 2, 1, 1)
    entries: dict[tuple[str, ...], list[DictEntry]] = {}
    for n, row in enumerate(rows[1:], start=2):
        cells = [str(c if c is not None else "").strip() for c in row] + [""] * len(header)
        if not any(cells[: len(header)]):
            continue
        k = tuple(cells[at[c]].split(".")[0].zfill(w) for c, w in zip(key, widths, strict=True))
        try:
            code, reason = _dict_entry(cells[at[code_col]], cells[kind_at] if kind_at is not None else "")
        except ValueError as exc:
            raise InputError(str(exc), path, f"row {n}") from None
        entry = DictEntry(code, reason, _year_of(cells[from_at]) if from_at is not None else None,
                          _year_of(cells[to_at]) if to_at is not None else None)
        entries.setdefault(k, []).append(entry)
    return UnitsDictionary(path, entries)


def _dictionary_rows(path: Path) -> list[list[object]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from jstbench.core.xlsx import open_workbook

        wb = open_workbook(path, read_only=True)  # refuses an encrypted, damaged or oversized workbook, named
        try:
            return [list(r) for r in wb.active.iter_rows(values_only=True)]
        finally:
            wb.close()
    import csv
    import io

    from jstbench.data.bdl import read_text

    text = read_text(path)
    first = text.splitlines()[0] if text else ""
    sep = ";" if first.count(";") >= first.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=sep)]


def load_units_dictionary(path: Path, key: list[str], code: str, kind: list[str], valid_from: list[str],
                          valid_to: list[str]) -> UnitsDictionary:
    """The MF JST dictionary at `path` (read once per load and cached while the file is unchanged)."""
    path = Path(path)
    if not path.exists():
        raise InputError("units dictionary not found", path)
    return _read_dictionary(path, path.stat().st_mtime, tuple(key), code, tuple(kind), tuple(valid_from), tuple(valid_to))


# ----------------------------------------------------------------------------------------------------- fetch-mf

def parse_years(text: str | None) -> set[int] | None:
    """The years of `--years` as a set (None: every year)."""
    return set(core_parse_years(text)) if text and text.strip() else None


@dataclass
class Found:
    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)


def find_mf_files(source: Path, years: set[int] | None, workdir: Path) -> Found:
    """The annual MF report files (ZIP of DBF, or DBF) in a folder, a bundle ZIP of such ZIPs, or one file, for
    `years`; ZIPs inside a bundle are extracted to `workdir`. Quarterly (Q1–Q3) files, files without a report or year
    in their name and other years are listed as skipped; two files for one report and year are refused."""
    source = Path(source)
    if not source.exists():
        raise InputError("not found", source)
    candidates: list[Path] = []
    if source.is_dir():
        candidates = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in (".zip", ".dbf"))
    elif source.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(source) as archive:
                names = [i for i in archive.infolist() if not i.is_dir()]
                if any(i.filename.lower().endswith(".dbf") for i in names):
                    candidates = [source]
                else:
                    for n, info in enumerate(i for i in names if i.filename.lower().endswith(".zip")):
                        target = workdir / f"{n:03d}" / Path(info.filename).name
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with archive.open(info) as src, open(target, "wb") as dst:
                            while block := src.read(1 << 20):
                                dst.write(block)
                        candidates.append(target)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise InputError(f"damaged ZIP archive ({exc}); download it again", source) from None
    elif source.suffix.lower() == ".dbf":
        candidates = [source]
    else:
        raise InputError("give a folder, a ZIP (one report, or a bundle of report ZIPs) or a DBF file", source)
    found = Found()
    seen: dict[tuple[str, int], Path] = {}
    for path in candidates:
        report = report_from_name(path.name)
        year, quarter = year_quarter_from_name(path.name)
        if report is None:
            found.skipped.append((path.name, "no report (Rb27S, Rb28S, RbZ, RbPDP) in the file name"))
        elif year is None:
            found.skipped.append((path.name, "no year in the file name: load it with `jstbench data load --year`"))
        elif years is not None and year not in years:
            found.skipped.append((path.name, f"year {year} not asked for"))
        elif quarter is not None and quarter != 4:
            found.skipped.append((path.name, f"quarterly report (Q{quarter}, cumulative): only annual (Q4) reports are loaded"))
        elif (report, year) in seen:
            raise InputError(f"two files for {report} {year}: {seen[(report, year)].name} and {path.name}; keep one", source)
        else:
            seen[(report, year)] = path
            found.files.append(path)
    return found
