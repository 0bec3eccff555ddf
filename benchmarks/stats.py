"""Speed and effect of the statistical layer, as ratios against baselines measured in the same run.

1. Structural adjustment: fitting every adjustment model for the national background (report year), against
   computing the whole catalogue for that background (the step every series already pays).
2. Composite uncertainty: Monte Carlo runs per second for a composite of 20 indicators over every gmina
   (~2,500 units), vectorised, against a naive loop that rebuilds the composite with pandas run by run.
3. Effect: the share of the demo authorities (the real participants) whose national quartile changes after
   adjustment, over the indicators with a well-fitting model.

Usage: python benchmarks/stats.py [--series demo] [--runs 500]. Needs the demo data (`jstbench demo-data`).
Results: printed, and written to output/benchmarks/stats.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from jstbench.core.project import Project  # noqa: E402
from jstbench.core.units import KIND_GROUPS  # noqa: E402
from jstbench.indicators.compute import compute_all  # noqa: E402
from jstbench.series.build import check_series  # noqa: E402
from jstbench.stats.adjust import adjust_all  # noqa: E402
from jstbench.stats.composite import FACTORS, CompositeSpec, composite_ranks, composite_scores, monte_carlo  # noqa: E402


def composite_input(values: pd.DataFrame, units: pd.DataFrame, catalogue, year: int, k: int = 20):
    """The k gmina monitoring indicators with the most data in `year`, as units × indicators."""
    gminas = set(KIND_GROUPS["all_gminas"])
    rated = [i.id for i in catalogue.indicators.values()
             if i.kind == "monitoring" and i.direction != "none" and gminas <= set(i.applies_to)]
    cur = values[(values["year"] == year) & values["indicator"].isin(rated)]
    best = cur.dropna(subset=["value"]).groupby("indicator").size().nlargest(k).index.tolist()
    codes = units.loc[units["kind"].isin(gminas), "code"]
    x = cur[cur["indicator"].isin(best)].pivot_table(index="unit", columns="indicator", values="value").reindex(codes)
    directions = {i: catalogue.indicators[i].direction for i in best}
    targets = {i: (catalogue.indicators[i].target.low, catalogue.indicators[i].target.high)
               for i in best if catalogue.indicators[i].target}
    return x, directions, targets or None


def naive_runs(x, directions, targets, runs: int, seed: int = 0) -> float:
    """Seconds for `runs` runs rebuilt one by one with the pandas functions (random choices and weights)."""
    rng = np.random.default_rng(seed)
    options = {f: [n for n in table if n != "expert"] for f, table in FACTORS.items()}
    t0 = time.perf_counter()
    for _ in range(runs):
        spec = CompositeSpec(**{f: str(rng.choice(opts)) for f, opts in options.items()})
        composite_ranks(composite_scores(x, directions, spec, targets))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--series", default="demo")
    ap.add_argument("--runs", type=int, default=500, help="Monte Carlo runs of the vectorised analysis")
    args = ap.parse_args()
    checked = check_series(Project(ROOT), args.series)
    year = checked.spec.year
    units = checked.store.units.reset_index(drop=True)
    wide = checked.store.wide()

    t0 = time.perf_counter()
    values = compute_all(checked.catalogue, wide, units)
    t_catalogue = time.perf_counter() - t0
    t0 = time.perf_counter()
    models, adjusted = adjust_all(checked.catalogue, values, units, year)
    t_adjust = time.perf_counter() - t0
    print(f"adjustment: {len(models)} models ({(models['status'] == 'ok').sum()} well fitted, "
          f"{(models['status'] == 'poor-fit').sum()} poor, {(models['status'] == 'too-few').sum()} too few units) over "
          f"{len(units)} units in {t_adjust:.2f} s; baseline: computing the whole catalogue, all years, {t_catalogue:.2f} s "
          f"→ {t_adjust / t_catalogue:.2f}× the baseline")

    x, directions, targets = composite_input(values, units, checked.catalogue, year)
    t0 = time.perf_counter()
    monte_carlo(x, directions, CompositeSpec(), runs=args.runs, targets=targets)
    t_mc = time.perf_counter() - t0
    naive_n = max(10, args.runs // 25)
    t_naive = naive_runs(x, directions, targets, naive_n)
    rate, naive_rate = args.runs / t_mc, naive_n / t_naive
    print(f"composite Monte Carlo, {x.shape[1]} indicators × {x.shape[0]} units: {rate:.0f} runs/s ({args.runs} runs, "
          f"{t_mc:.2f} s incl. intervals and variance shares); naive pandas loop {naive_rate:.1f} runs/s "
          f"→ {rate / naive_rate:.1f}× faster")

    fitted = set(models.loc[models["status"] == "ok", "indicator"])
    participants = set(units.loc[~units["synthetic"], "code"])
    own = adjusted[adjusted["unit"].isin(participants) & adjusted["indicator"].isin(fitted)].dropna(
        subset=["raw_quartile", "adj_quartile"])
    changed = own["raw_quartile"] != own["adj_quartile"]
    per_unit = changed.groupby(own["unit"]).mean()
    print(f"quartile changes after adjustment ({len(fitted)} well-fitted models, {own['unit'].nunique()} demo authorities): "
          f"{100 * changed.mean():.0f}% of (authority, indicator) pairs; every authority changes quartile on at least one "
          f"indicator: {bool((per_unit > 0).all())}; median per authority {100 * per_unit.median():.0f}% "
          f"(range {100 * per_unit.min():.0f}–{100 * per_unit.max():.0f}%)")

    out = ROOT / "output" / "benchmarks" / "stats.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "adjustment": {"models": len(models), "units": len(units), "seconds": round(t_adjust, 2),
                       "baseline_catalogue_s": round(t_catalogue, 2), "ratio": round(t_adjust / t_catalogue, 2)},
        "monte_carlo": {"indicators": x.shape[1], "units": x.shape[0], "runs": args.runs, "runs_per_s": round(rate, 1),
                        "naive_runs_per_s": round(naive_rate, 2), "speedup": round(rate / naive_rate, 1)},
        "quartile_changes": {"pairs_share": round(float(changed.mean()), 3), "authorities": int(own["unit"].nunique()),
                             "median_per_authority": round(float(per_unit.median()), 3)},
    }, indent=2))
    print(f"→ {out}")


if __name__ == "__main__":
    main()
