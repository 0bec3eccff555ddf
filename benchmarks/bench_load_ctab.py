"""Speed of `data load` on a national multi-year BDL CTAB export, as a ratio against a baseline measured in the same run.

The file is synthetic, written to a temporary folder with a matching TERC register: the country and 16 voivodeship
rows, 380 powiat rows (314 land powiats, 66 cities with powiat rights) and 2,477 gminas (66 of them the cities), plus
30 gminas that changed type (rural -> urban-rural) given under their old code in the first years, as BDL exports do;
5 variables × 10 years (population; net migration, 0 for every unit in one year as in the real 2015 export; in-moves
total and its two components, with some totals 0). Mapped: population (gmina and powiat), net migration and in-moves
(gmina level), so every path of the loader runs (levels, kind-change merge, city twins, zero placeholders).

Timed: `load_files` into a store holding only the register (best of --repeat runs, each into a fresh copy), against
the baseline `pandas.read_csv` of the same file (the floor of any CSV loader). Also shown: the reader alone.

Usage: python benchmarks/bench_load_ctab.py [--years 10] [--repeat 3].
Results: printed, and written to output/benchmarks/load_ctab.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from timing import best  # noqa: E402  (benchmarks/timing.py, beside this script)

from jstbench.data.bdl import read_export  # noqa: E402
from jstbench.data.load import load_files  # noqa: E402

VOIVODESHIPS = [f"{w:02d}" for w in range(2, 33, 2)]
LAND_POWIATS, CITIES, GMINAS, URBAN, URBAN_RURAL, CHANGED = 314, 66, 2477, 302, 642, 30
LABELS = ["ludność", "saldo migracji", "zameldowania ogółem", "zameldowania z miast", "zameldowania ze wsi"]
RULES = """rules:
  - {table: LUDN_9999, match: {label: ludność, breakdown: ogółem}, variable: population, level: [gmina, powiat]}
  - {table: LUDN_9999, match: {label: saldo migracji, breakdown: ogółem}, variable: net_migration, level: gmina}
  - {table: LUDN_9999, match: {label: zameldowania ogółem, breakdown: ogółem}, variable: in_moves, level: gmina}
"""


def country() -> tuple[list[tuple[str, str, str]], list[str]]:
    """(code, name, kind) of every powiat and gmina, and the codes of gminas that changed type (kind 2 -> 3)."""
    units = []
    land = np.array_split(np.arange(LAND_POWIATS), len(VOIVODESHIPS))
    cities = np.array_split(np.arange(CITIES), len(VOIVODESHIPS))
    land_gminas = np.array_split(np.arange(GMINAS - CITIES), LAND_POWIATS)
    kinds = ["1"] * (URBAN - CITIES) + ["3"] * URBAN_RURAL + ["2"] * (GMINAS - URBAN - URBAN_RURAL)
    kinds = list(np.random.default_rng(1).permutation(kinds))
    changed = []
    for w, powiats, towns in zip(VOIVODESHIPS, land, cities, strict=True):
        for n, p in enumerate(powiats, start=1):
            units.append((f"{w}{n:02d}", f"Powiat {w}-{n}", "powiat"))
            for g, _ in enumerate(land_gminas[p], start=1):
                kind = kinds.pop()
                code = f"{w}{n:02d}{g:02d}{kind}"
                units.append((code, f"Gmina {w}-{n}-{g}", kind))
                if kind == "3" and len(changed) < CHANGED:
                    changed.append(code)
        for n, _ in enumerate(towns, start=61):
            units.append((f"{w}{n}", f"Miasto {w}-{n}", "city"))
    return units, changed


def write_terc(units, path: Path) -> None:
    lines = ["WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA"]
    lines += [f"{w};;;;WOJ {w};województwo;2024-01-01" for w in VOIVODESHIPS]
    for code, name, kind in units:
        if kind in ("powiat", "city"):
            lines.append(f"{code[:2]};{code[2:4]};;;{name};{'powiat' if kind == 'powiat' else 'miasto na prawach powiatu'};2024-01-01")
        if kind == "city":
            lines.append(f"{code[:2]};{code[2:4]};01;1;{name};gmina miejska;2024-01-01")
        elif kind != "powiat":
            lines.append(f"{code[:2]};{code[2:4]};{code[4:6]};{kind};{name};gmina;2024-01-01")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_ctab(units, changed: list[str], years: list[int], path: Path) -> int:
    """The export; returns its number of data rows."""
    rng = np.random.default_rng(0)
    columns = [(label, year) for label in LABELS for year in years]
    changed_until = {code: years[0] + 1 + i % (len(years) - 2) for i, code in enumerate(changed)}  # last year of the old code

    def cells(code: str, only=None) -> str:
        out = []
        for label, year in columns:
            if only is not None and not only(year):
                out.append("")
            elif label == "saldo migracji" and year == years[1]:
                out.append("0")  # a placeholder year
            elif label == "zameldowania ogółem" and rng.random() < 0.05:
                out.append("0")  # a placeholder total
            else:
                out.append(str(int(rng.integers(-50, 50000)) if label == "ludność" else int(rng.integers(0, 400))))
        return ";".join(out)

    head = ";".join(['"Kod"', '"Nazwa"', *(f'"{label};ogółem;{year};[osoba]"' for label, year in columns)]) + ";"
    rows = [f'0000000;"POLSKA";{cells("0")};']
    rows += [f'{w}00000;"WOJ {w}";{cells(w)};' for w in VOIVODESHIPS]
    for code, name, kind in units:
        if kind == "powiat":
            rows.append(f'{code}000;"Powiat {name}";{cells(code)};')
        elif kind == "city":
            values = cells(code)
            rows += [f'{code}000;"Powiat m. {name}";{values};', f'{code}011;"{name} (1)";{values};']  # the city twice
        elif code in changed_until:
            until = changed_until[code]
            rows.append(f'{code[:6]}2;"{name} (2)";{cells(code, lambda y, u=until: y <= u)};')
            rows.append(f'{code};"{name} (3)";{cells(code, lambda y, u=until: y > u)};')
        else:
            rows.append(f'{code};"{name} ({kind})";{cells(code)};')
    path.write_text("\r\n".join([head, *rows]) + "\r\n", encoding="utf-8")
    return len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    years = list(range(2024 - args.years, 2024))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        units, changed = country()
        write_terc(units, work / "TERC.csv")
        path = work / "LUDN_9999_CTAB_20250101000000.csv"
        rows = write_ctab(units, changed, years, path)
        cells = rows * len(LABELS) * len(years)
        (work / "rules.yml").write_text(RULES, encoding="utf-8")
        load_files(work / "register", [work / "TERC.csv"])

        t_csv = best(lambda: pd.read_csv(path, sep=";", dtype=str, encoding="utf-8"), args.repeat)
        t_read = best(lambda: read_export(path), args.repeat)
        summaries, seconds = [], []
        for _ in range(args.repeat):
            store = work / "store"
            shutil.rmtree(store, ignore_errors=True)
            shutil.copytree(work / "register", store)  # a fresh store with the register only, not timed
            t0 = time.perf_counter()
            summaries = load_files(store, [path], mapping_path=work / "rules.yml")
            seconds.append(time.perf_counter() - t0)
        t_load = min(seconds)
        size = path.stat().st_size
        [s] = summaries

    print(f"synthetic CTAB: {rows:,} rows × {len(LABELS)} variables × {len(years)} years = {cells:,} cells ({size / 1e6:.1f} MB)")
    print(f"loaded: {s.values:,} values, {s.flags:,} flagged, {s.units:,} units, {len(s.recoded)} recoded codes; "
          f"rejected {sum(s.rejected.values()):,} cells")
    print(f"baseline pandas.read_csv: {t_csv:.3f} s ({rows / t_csv:,.0f} rows/s)")
    print(f"read_export (parse to the long table): {t_read:.3f} s ({rows / t_read:,.0f} rows/s) → {t_read / t_csv:.1f}× the baseline")
    print(f"load_files (parse, map, check, merge, write): {t_load:.3f} s ({rows / t_load:,.0f} rows/s, "
          f"{cells / t_load:,.0f} cells/s) → {t_load / t_csv:.1f}× the baseline")
    out = ROOT / "output" / "benchmarks" / "load_ctab.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "rows": rows, "cells": cells, "years": len(years), "variables": len(LABELS),
        "baseline_read_csv_s": round(t_csv, 3), "read_export_s": round(t_read, 3), "load_files_s": round(t_load, 3),
        "load_rows_per_s": round(rows / t_load), "read_export_ratio": round(t_read / t_csv, 1),
        "load_ratio": round(t_load / t_csv, 1),
    }, indent=2))
    print(f"→ {out}")


if __name__ == "__main__":
    main()
