"""Speed and effect of the statistical layer, as ratios against baselines measured in the same run.

1. Structural adjustment: fitting every adjustment model for the national background (report year), against
   computing the whole catalogue for that background (the step every series already pays).
2. Composite uncertainty: Monte Carlo runs per second for a composite of 20 indicators over every gmina
   (~2,500 units; outlier treatment, imputation, normalisation, weights, aggregation and weight noise varied),
   vectorised, against a naive loop that rebuilds the composite with pandas run by run; and the variance-based
   sensitivity analysis (Saltelli design, drop-one-indicator included) of the same composite.
3. Effect: the share of the demo authorities (the real participants) whose national quartile changes after
   adjustment, over the indicators with a well-fitting model.
4. Effect of outlier treatment: the rank changes among gminas when each demo composite is built with its outlier
   treatment (or, for a composite without one, with winsorise_log) against none.

Usage: python benchmarks/stats.py [--series demo] [--runs 1000] [--n-base 64]. Needs the demo data
(`jstbench demo-data`).
Results: printed, and written to output/benchmarks/stats.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from jstbench.core.project import Project  # noqa: E402
from jstbench.core.units import KIND_GROUPS  # noqa: E402
from jstbench.indicators.compute import compute_all  # noqa: E402
from jstbench.series.build import check_series  # noqa: E402
from jstbench.series.composites import composite_spec  # noqa: E402
from jstbench.stats.adjust import adjust_all  # noqa: E402
from jstbench.stats.composite import (  # noqa: E402
    FACTORS,
    CompositeSpec,
    Engine,
    composite_ranks,
    composite_scores,
    composite_sensitivity,
    monte_carlo,
)
from jstbench.stats.composite.registry import EXPLICIT_ONLY  # noqa: E402


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
    needs_input = EXPLICIT_ONLY | {"expert", "goalposts", "group_mean", "group_median"}
    options = {f: [n for n in table if n not in needs_input] for f, table in FACTORS.items()}
    t0 = time.perf_counter()
    for _ in range(runs):
        spec = CompositeSpec(**{f: str(rng.choice(opts)) for f, opts in options.items()})
        composite_ranks(composite_scores(x, directions, spec, targets))
    return time.perf_counter() - t0


def outlier_effect(checked, values: pd.DataFrame, units: pd.DataFrame, year: int) -> list[dict]:
    """Per composite of the series: its nominal ranks among gminas with its outlier treatment (winsorise_log if it has
    none) against no treatment — points treated, units whose rank changes, median and largest shift."""
    gminas = units.loc[units["kind"].isin(KIND_GROUPS["all_gminas"]), "code"].astype(str)
    out = []
    for c in checked.spec.composites:
        inds = [checked.catalogue.indicators[i] for i in c.indicators]
        if not set(KIND_GROUPS["all_gminas"]) <= set.intersection(*(set(i.applies_to) for i in inds)):
            continue
        cur = values[(values["year"] == year) & values["indicator"].isin(c.indicators)]
        x = cur.pivot_table(index="unit", columns="indicator", values="value", observed=True).reindex(
            index=gminas, columns=c.indicators)
        directions = {i.id: str(i.direction) for i in inds}
        targets = {i.id: (i.target.low, i.target.high) for i in inds if i.target} or None
        spec = composite_spec(c.model_copy(update={"impute": "none", "normalise": "minmax", "reference_year": None}))
        treat = c.treat if c.treat != "none" else "winsorise_log"
        treated = Engine(x, directions, replace(spec, treat=treat), targets)
        with_treatment = composite_ranks(treated.nominal().scores)
        without = composite_ranks(Engine(x, directions, replace(spec, treat="none"), targets).nominal().scores)
        both = with_treatment.notna() & without.notna()
        shift = (with_treatment - without)[both].abs()
        out.append({"composite": c.id, "treat": treat, "points": int(treated.treated(treat)[1]["unit"].notna().sum()),
                    "ranked": int(both.sum()), "changed": int((shift > 0).sum()),
                    "median_shift": float(shift[shift > 0].median()) if (shift > 0).any() else 0.0,
                    "max_shift": float(shift.max())})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--series", default="demo")
    ap.add_argument("--runs", type=int, default=1000, help="Monte Carlo runs of the vectorised analysis")
    ap.add_argument("--n-base", type=int, default=64, help="base points of the Saltelli design (a power of 2)")
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
    result = monte_carlo(x, directions, CompositeSpec(), runs=args.runs, targets=targets)
    t_mc = time.perf_counter() - t0
    t0 = time.perf_counter()
    sens = composite_sensitivity(Engine(x, directions, CompositeSpec(), targets), result, args.n_base)
    t_sobol = time.perf_counter() - t0
    print(f"composite sensitivity (Sobol'), {x.shape[1]} indicators: {sens.runs} runs ({sens.evaluations} distinct builds) in "
          f"{t_sobol:.1f} s; factors with the largest total index: "
          + ", ".join(f"{r.factor} {r.ST:.2f}±{r.ST_conf:.2f}" for r in sens.indices.nlargest(3, "ST").itertuples()))
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

    treatment = outlier_effect(checked, values, units, year)
    for r in treatment:
        print(f"outlier treatment, composite {r['composite']} ({r['treat']}): {r['points']} points treated; ranks of "
              f"{r['changed']} of {r['ranked']} gminas change ({100 * r['changed'] / r['ranked']:.0f}%), median shift "
              f"{r['median_shift']:.0f}, largest {r['max_shift']:.0f} places")

    out = ROOT / "output" / "benchmarks" / "stats.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "adjustment": {"models": len(models), "units": len(units), "seconds": round(t_adjust, 2),
                       "baseline_catalogue_s": round(t_catalogue, 2), "ratio": round(t_adjust / t_catalogue, 2)},
        "monte_carlo": {"indicators": x.shape[1], "units": x.shape[0], "runs": args.runs, "seconds": round(t_mc, 2),
                        "runs_per_s": round(rate, 1), "naive_runs_per_s": round(naive_rate, 2), "speedup": round(rate / naive_rate, 1)},
        "sensitivity": {"n_base": args.n_base, "runs": sens.runs, "builds": sens.evaluations, "seconds": round(t_sobol, 2)},
        "outlier_treatment": treatment,
        "quartile_changes": {"pairs_share": round(float(changed.mean()), 3), "authorities": int(own["unit"].nunique()),
                             "median_per_authority": round(float(per_unit.median()), 3)},
    }, indent=2))
    print(f"→ {out}")


if __name__ == "__main__":
    main()
