"""Loading a national Ministry of Finance Rb-28S file into a store, as a ratio against reading the same DBF with
dbfread alone, measured in the same run.

A DBF of realistic size is built in a temporary ZIP: every unit of the real TERYT register (TERC 2020: gminas,
powiats, cities with powiat rights — MF-coded as in its JST dictionary — plus the 16 voivodeships and a few unions,
which the loader skips) × ~430 budget lines ≈ 1.2 million records, cp1250, the fields of the MF files (WK, PK, GK,
GT, PT, DZIAL, ROZDZIAL, PAR, PAR4, R1, R4). The header is written by the `dbf` package, the records with numpy (the
`dbf` package appends ~8,000 records/s: minutes for this size). Then, in the same run:

- baseline 1.00×: `for record in dbfread.DBF(path)` — parsed records, what a script reading the file would do;
- dbfread raw iteration (bytes, no parsing): the reader's own first step;
- `jstbench` load: `load_files` on the ZIP with the project's layouts and catalogue (ZIP → DBF → checks of codepage,
  units, classification → line items → every catalogue variable of Rb-28S → the store with provenance), into a
  store holding the register of those units.

Usage: python benchmarks/bench_load_mf.py [--lines 430] [--runs 2]. Needs ../shared/realdata/teryt/TERC_2020-01-01.csv.
Results: printed, and written to output/benchmarks/load_mf.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from jstbench.catalogue.load import load_catalogue  # noqa: E402
from jstbench.data.load import load_files  # noqa: E402

TERC = ROOT.parent / "shared" / "realdata" / "teryt" / "TERC_2020-01-01.csv"
FIELDS = [("WK", 2), ("PK", 2), ("GK", 2), ("GT", 1), ("PT", 1), ("DZIAL", 3), ("ROZDZIAL", 5), ("PAR", 3), ("PAR4", 1)]
MONEY = [("R1", 15), ("R4", 15)]
ROZDZIALY = ["60004", "60014", "60015", "60016", "70005", "70007", "71012", "71015", "75011", "75020", "75022", "75023",
             "75075", "75085", "75412", "75416", "75702", "75818", "80101", "80103", "80104", "80107", "80110", "80113",
             "80120", "80146", "80148", "80149", "80150", "80195", "85111", "85153", "85154", "85195", "85202", "85203",
             "85205", "85213", "85214", "85215", "85216", "85219", "85228", "85230", "85295", "85401", "85415", "85501",
             "85502", "85503", "85504", "85508", "85510", "90001", "90002", "90003", "90004", "90005", "90013", "90015",
             "90095", "92105", "92109", "92116", "92118", "92195", "92601", "92605", "92695"]
PARAGRAFY = ["401", "404", "411", "412", "417", "421", "422", "424", "426", "427", "428", "430", "436", "441", "443", "444",
             "448", "451", "452", "470", "471", "303", "311", "605", "606", "617", "236", "248", "254", "283"]


def mf_units(terc: pd.DataFrame) -> pd.DataFrame:
    """MF unit keys (WK PK GK GT PT) of the register's authorities, as the MF JST dictionary codes them."""
    keys = []
    for r in terc.itertuples():
        woj, pow_, gmi, rodz = r.WOJ, r.POW, r.GMI, r.RODZ
        if not pow_:
            keys.append((woj, "00", "00", "0", "0"))  # voivodeship: skipped by the loader
        elif not gmi:
            keys.append((woj, pow_, "00", "0", "2" if int(pow_) >= 61 else "1"))
        elif rodz in ("1", "2", "3") and int(pow_) < 61:
            keys.append((woj, pow_, gmi, rodz, "0"))
    keys += [(f"{w:02d}", "01", "01", "Z", "8") for w in range(2, 22, 2)]  # 10 unions: skipped
    return pd.DataFrame(keys, columns=["WK", "PK", "GK", "GT", "PT"])


def records(units: pd.DataFrame, lines_per_unit: int, seed: int = 0) -> np.ndarray:
    """One fixed-width DBF record per unit × line (a random set of lines per unit, amounts in zł)."""
    rng = np.random.default_rng(seed)
    pool = np.array([(rz[:3], rz, par, d4) for rz in ROZDZIALY for par in PARAGRAFY for d4 in ("0", "7", "9")
                     if d4 == "0" or par in ("605", "606")], dtype=object)
    n_units = len(units)
    pick = np.concatenate([rng.choice(len(pool), lines_per_unit, replace=False) for _ in range(n_units)])
    unit_idx = np.repeat(np.arange(n_units), lines_per_unit)
    dtype = [("deleted", "S1")] + [(f, f"S{w}") for f, w in FIELDS] + [(f, f"S{w}") for f, w in MONEY]
    rec = np.zeros(len(pick), dtype=dtype)
    rec["deleted"] = b" "
    for col in ("WK", "PK", "GK", "GT", "PT"):
        rec[col] = units[col].to_numpy(dtype="S")[unit_idx]
    for j, col in enumerate(("DZIAL", "ROZDZIAL", "PAR", "PAR4")):
        rec[col] = pool[:, j].astype("S")[pick]
    plan = rng.gamma(1.2, 40_000, len(pick)).round(2)
    rec["R1"] = np.char.mod("%15.2f", plan).astype("S15")
    rec["R4"] = np.char.mod("%15.2f", (plan * rng.uniform(0.7, 1.0, len(pick))).round(2)).astype("S15")
    return rec


def write_mf_dbf(path: Path, rec: np.ndarray) -> Path:
    """The header by the `dbf` package (dBase III, codepage byte cp1250), then the records and the count."""
    import dbf

    spec = "; ".join(f"{f} C({w})" for f, w in FIELDS) + "; " + "; ".join(f"{f} N({w},2)" for f, w in MONEY)
    table = dbf.Table(str(path), spec, codepage="cp1250", dbf_type="db3")
    table.open(dbf.READ_WRITE)
    table.close()
    raw = bytearray(path.read_bytes())
    headerlen = int.from_bytes(raw[8:10], "little")
    recordlen = int.from_bytes(raw[10:12], "little")
    assert recordlen == rec.dtype.itemsize, (recordlen, rec.dtype.itemsize)
    raw = raw[:headerlen]
    raw[4:8] = len(rec).to_bytes(4, "little")
    with open(path, "wb") as f:
        f.write(raw)
        f.write(rec.tobytes())
        f.write(b"\x1a")
    return path


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=430, help="budget lines per unit")
    ap.add_argument("--runs", type=int, default=2, help="runs of each timing (median)")
    args = ap.parse_args()
    from dbfread import DBF

    if not TERC.exists():
        sys.exit(f"needs the TERYT register {TERC}")
    terc = pd.read_csv(TERC, sep=";", dtype=str, keep_default_na=False)
    units = mf_units(terc)
    cat = load_catalogue(ROOT / "methodology" / "catalogue")
    work = Path(tempfile.mkdtemp(prefix="jstbench-bench-mf-"))
    try:
        t0 = time.perf_counter()
        dbf_path = write_mf_dbf(work / "RB28S.DBF", records(units, args.lines))
        archive = work / "Rb28S_2023Q4.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(dbf_path, "RB28S.DBF")
        built = time.perf_counter() - t0
        n = DBF(str(dbf_path)).header.numrecords
        print(f"built {n:,} records ({len(units):,} MF units × {args.lines} lines; DBF {dbf_path.stat().st_size / 1e6:.0f} MB, "
              f"ZIP {archive.stat().st_size / 1e6:.0f} MB) in {built:.1f} s")
        register = work / "register"
        load_files(register, [TERC])

        def baseline() -> int:
            return sum(1 for _ in DBF(str(dbf_path), encoding="cp1250"))

        def raw() -> int:
            return sum(1 for _ in DBF(str(dbf_path), encoding="cp1250", raw=True, recfactory=None))

        def load() -> object:
            store = work / "store"
            shutil.rmtree(store, ignore_errors=True)
            shutil.copytree(register, store)
            [s] = load_files(store, [archive], budget_columns=ROOT / "params" / "budget_columns.yml", catalogue=cat)
            return s

        t_base, count = timed(baseline, args.runs)
        t_raw, _ = timed(raw, args.runs)
        t_load, summary = timed(load, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert count == n
    rate = {k: round(n / t) for k, t in (("baseline", t_base), ("raw", t_raw), ("load", t_load))}
    print(f"dbfread, parsed records (baseline 1.00×): {t_base:6.2f} s = {rate['baseline']:,} records/s")
    print(f"dbfread, raw records:                     {t_raw:6.2f} s = {rate['raw']:,} records/s ({t_base / t_raw:.2f}×)")
    print(f"jstbench load into a store:               {t_load:6.2f} s = {rate['load']:,} records/s ({t_base / t_load:.2f}×): "
          f"{summary.units:,} units, {len(summary.variables)} variables, {summary.values:,} values; "
          f"skipped {sum(v for v in summary.rejected.values())} records (voivodeships, unions)")
    out = ROOT / "output" / "benchmarks" / "load_mf.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"records": n, "units": len(units), "lines_per_unit": args.lines, "runs": args.runs,
                               "seconds": {"dbfread_parsed": round(t_base, 2), "dbfread_raw": round(t_raw, 2),
                                           "jstbench_load": round(t_load, 2)},
                               "records_per_s": rate, "ratio_vs_dbfread_parsed": round(t_base / t_load, 2),
                               "variables": summary.variables, "values": summary.values}, indent=2))
    print(f"→ {out}")


if __name__ == "__main__":
    main()
