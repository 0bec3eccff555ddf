"""Speed of jstbench, always as ratios against a baseline measured in the same run.

1. Reports: `jstbench reports` engine (warm kernels, 2 workers) and the cold papermill engine against a naive loop
   (papermill CLI, then `jupyter nbconvert` CLI, one report after another) on the same reports.
2. Catalogue: computing every indicator for every unit and year (vectorised) against a per-unit loop
   (the same engine called unit by unit, on a sample, extrapolated).

Usage: python benchmarks/run.py [--reports 10] [--workers 2]. Needs the demo data (`jstbench demo-data`).
Results: printed, and written to output/benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from jstbench.core.project import Project  # noqa: E402
from jstbench.series.build import check_series, compute, write_data  # noqa: E402
from jstbench.series.run import plan  # noqa: E402
from jstbench.series.runner import execute  # noqa: E402


def naive(jobs, work: Path) -> float:
    """papermill CLI + nbconvert CLI per report, sequentially (what a user would script by hand)."""
    bindir = Path(sys.executable).parent
    t0 = time.perf_counter()
    for job in jobs:
        out = work / "naive" / f"{job.kind}-{job.key}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        args = [str(bindir / "papermill"), job.template, str(out), "--cwd", str(work / "notebooks"), "-k", "python3"]
        for k, v in job.parameters.items():
            args += ["-r" if isinstance(v, str) else "-p", k, str(v)]
        subprocess.run(args, check=True, capture_output=True)
        subprocess.run([str(bindir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
                       check=True, capture_output=True)
    return time.perf_counter() - t0


def engine_time(jobs, work: Path, workers: int, engine: str) -> tuple[float, int]:
    folder = work / engine
    t0 = time.perf_counter()
    results = execute(jobs, folder, workers=workers, engine=engine, progress=False)
    return time.perf_counter() - t0, sum(r.status == "ok" for r in results)


def catalogue_times(checked) -> dict:
    from jstbench.indicators.compute import compute_all, compute_indicator

    units = checked.store.units.reset_index(drop=True)
    wide = checked.store.wide()
    t0 = time.perf_counter()
    values = compute_all(checked.catalogue, wide, units)
    vectorised = time.perf_counter() - t0
    sample = units["code"].iloc[:: max(1, len(units) // 40)].tolist()
    kinds = units.set_index("code")["kind"]
    t0 = time.perf_counter()
    for code in sample:
        part = wide.loc[[code]]
        for ind in checked.catalogue.indicators.values():
            compute_indicator(ind, part, kinds)
    per_unit = (time.perf_counter() - t0) / len(sample) * len(units)
    t0 = time.perf_counter()
    compute(checked)
    full = time.perf_counter() - t0
    return {"units": len(units), "years": len(checked.store.years), "indicators": len(checked.catalogue),
            "values": len(values), "vectorised_s": round(vectorised, 3), "per_unit_loop_s_extrapolated": round(per_unit, 1),
            "speedup": round(per_unit / vectorised, 1), "indicators_plus_all_comparisons_s": round(full, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=10, help="how many reports of the demo series to time")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--series", default="demo")
    args = ap.parse_args()
    project = Project(ROOT)
    checked = check_series(project, args.series)
    cat = catalogue_times(checked)
    print(f"catalogue: {cat['indicators']} indicators × {cat['units']} units × {cat['years']} years = {cat['values']:,} values; "
          f"vectorised {cat['vectorised_s']} s vs per-unit loop ~{cat['per_unit_loop_s_extrapolated']} s "
          f"→ {cat['speedup']}× faster; with every comparison in every group: {cat['indicators_plus_all_comparisons_s']} s")
    jobs_all = plan(checked, project)
    units = [j for j in jobs_all if j.kind == "unit"]
    groups = [j for j in jobs_all if j.kind == "group"]
    n_groups = max(1, args.reports // 5)
    jobs = groups[:n_groups] + units[: args.reports - n_groups]
    work = Path(tempfile.mkdtemp(prefix="jstbench-bench-"))
    try:
        write_data(checked, compute(checked), work / "data")
        (work / "notebooks").mkdir()
        for j in jobs:
            j.parameters = {**j.parameters, "series_dir": str(work / "data")}
        t_naive = naive(jobs, work)
        t_cold, ok_cold = engine_time(jobs, work, args.workers, "papermill")
        t_warm, ok_warm = engine_time(jobs, work, args.workers, "warm")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = len(jobs)
    rpm = {k: round(60 * n / t, 1) for k, t in (("naive", t_naive), ("papermill", t_cold), ("warm", t_warm))}
    print(f"reports ({n}: {n_groups} group + {n - n_groups} authority, {args.workers} workers):")
    print(f"  naive loop (papermill CLI + nbconvert CLI): {t_naive:.1f} s = {rpm['naive']} reports/min (baseline 1.00×)")
    print(f"  jstbench --engine papermill:               {t_cold:.1f} s = {rpm['papermill']} reports/min ({t_naive / t_cold:.2f}×), ok {ok_cold}/{n}")
    print(f"  jstbench --engine warm (default):          {t_warm:.1f} s = {rpm['warm']} reports/min ({t_naive / t_warm:.2f}×), ok {ok_warm}/{n}")
    out = ROOT / "output" / "benchmarks" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"catalogue": cat, "reports": {"n": n, "workers": args.workers, "seconds": {
        "naive": round(t_naive, 2), "papermill": round(t_cold, 2), "warm": round(t_warm, 2)}, "reports_per_min": rpm,
        "ratio_vs_naive": {"papermill": round(t_naive / t_cold, 2), "warm": round(t_naive / t_warm, 2)}}}, indent=2))
    print(f"→ {out}")


if __name__ == "__main__":
    main()
