"""Computing the whole catalogue for the national panel, every year, as a ratio against a baseline measured in the
same run.

The panel is the demo data for the participants of params/participants.yml (every gmina and powiat of the country,
all years), saved as a store in a temporary folder. Then, in the same run (best of --repeat runs each):

- baseline 1.00×: `Store.wide()`, the (unit, year) × variable frame every computation starts from;
- also shown: `wide.copy()`, a plain copy of that frame;
- `compute_all`: every indicator of methodology/catalogue for every unit and year it applies to, in long format.

Usage: python benchmarks/bench_compute.py [--repeat 5].
Results: printed, and written to output/benchmarks/compute.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from timing import best  # noqa: E402  (benchmarks/timing.py, beside this script)

from jstbench.catalogue.load import load_catalogue  # noqa: E402
from jstbench.data.demo import generate  # noqa: E402
from jstbench.data.participants import load_participants  # noqa: E402
from jstbench.data.store import Store, save  # noqa: E402
from jstbench.indicators.compute import compute_all  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each timing; the best is kept")
    args = ap.parse_args()
    catalogue = load_catalogue(ROOT / "methodology" / "catalogue")
    with tempfile.TemporaryDirectory() as tmp:
        save(*generate(load_participants(ROOT / "params" / "participants.yml")), Path(tmp))
        store = Store.load(Path(tmp))
    units = store.units.reset_index(drop=True)
    wide = store.wide()
    values = compute_all(catalogue, wide, units)

    t_wide = best(store.wide, args.repeat)
    t_copy = best(wide.copy, args.repeat)
    t_all = best(lambda: compute_all(catalogue, wide, units), args.repeat)

    print(f"national panel: {len(units):,} units, {len(store.years)} years, {wide.shape[1]} variables; "
          f"{len(catalogue.indicators)} indicators → {len(values):,} values")
    print(f"baseline Store.wide(): {t_wide:.3f} s")
    print(f"wide.copy(): {t_copy:.3f} s → {t_copy / t_wide:.2f}× the baseline")
    print(f"compute_all: {t_all:.3f} s ({len(values) / t_all:,.0f} values/s) → {t_all / t_wide:.2f}× the baseline")
    out = ROOT / "output" / "benchmarks" / "compute.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "units": len(units), "years": len(store.years), "variables": wide.shape[1], "indicators": len(catalogue.indicators),
        "values": len(values), "baseline_wide_s": round(t_wide, 3), "copy_s": round(t_copy, 3),
        "compute_all_s": round(t_all, 3), "copy_ratio": round(t_copy / t_wide, 2), "compute_all_ratio": round(t_all / t_wide, 2),
    }, indent=2))
    print(f"→ {out}")


if __name__ == "__main__":
    main()
