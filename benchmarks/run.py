"""Speed of jstbench at national scale, always as ratios against a baseline measured in the same run.

1. Reports: `jstbench reports` (warm kernels, N workers) against a naive loop (papermill CLI, then `jupyter nbconvert`
   CLI, one report after another) on samples of the national series (`params/series/national.yml`: every unit of the
   data): every k-th authority report and a few group reports, as mixed as the country. The engine runs 200 of them
   (start-up included, as in a real build it is spread over many reports), the naive loop 12 of those.
   Projected national wall time = computing the series data + engine time per report × every report of the series.
2. Catalogue: every indicator for every unit and year (vectorised); the series data (indicators, every comparison in
   every group, the statistical layer) for the national series; its size on disk.
3. An unchanged rebuild: a series of the sample built twice; the second build reuses data and reports.
4. Peak memory of one worker (its process and its kernel), sampled while the engine runs.

Usage: python benchmarks/run.py [--reports 12] [--workers 2] [--json]. Needs the demo data (`jstbench demo-data`).
Results: printed (one JSON object with --json), and written to output/benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from jstbench.core.project import Project  # noqa: E402

# The series build and the runner are imported inside main(): the report workers are spawned processes, which import
# the parent's main module again — this file — and would otherwise each carry the statistics stack (statsmodels,
# scipy: ~200 MB) that the workers of `jstbench reports` never load.


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


class PeakMemory:
    """Largest resident memory of one worker with its kernel (process trees under this process), sampled."""

    def __init__(self, every: float = 0.2):
        import psutil

        self.psutil, self.every, self.peak_mb = psutil, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = self.psutil.Process()
        while not self._stop.is_set():
            try:
                for worker in me.children():
                    tree = [worker, *worker.children(recursive=True)]
                    rss = sum(p.memory_info().rss for p in tree if p.is_running())
                    self.peak_mb = max(self.peak_mb, rss / 2**20)
            except self.psutil.Error:
                pass
            self._stop.wait(self.every)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def sample(jobs, n: int) -> list:
    """A few group reports and every k-th authority report (the data-quality report is left out)."""
    units = [j for j in jobs if j.kind == "unit"]
    groups = [j for j in jobs if j.kind == "group"]
    n_groups = max(1, round(n * len(groups) / max(1, len(units) + len(groups))))
    step = max(1, len(units) // max(1, n - n_groups))
    return groups[:n_groups] + units[::step][: n - n_groups]


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def unchanged_rebuild(project: Project, checked, jobs, work: Path) -> float:
    """Build a series of the sample's authorities twice in a scratch project; the time of the second build."""
    from jstbench.series import run as reports

    scratch = work / "project"
    for name in ("params", "notebooks", "methodology"):
        shutil.copytree(ROOT / name, scratch / name, ignore=shutil.ignore_patterns("_site", ".ipynb_checkpoints"))
    (scratch / "output").mkdir()
    data = scratch / checked.spec.data  # the series' data folder, seen from the scratch project
    data.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(project.resolve(checked.spec.data), data)
    units = [j.key for j in jobs if j.kind == "unit"]
    spec = (ROOT / "params" / "series" / "national.yml").read_text(encoding="utf-8")
    spec = spec.replace("units: all", "units: [" + ", ".join(f'"{u}"' for u in units) + "]").replace("groups: all", "groups: []")
    (scratch / "params" / "series" / "bench.yml").write_text(spec, encoding="utf-8")
    proj = Project(scratch)
    reports.run(proj, "bench", workers=2, progress=False)
    t0 = time.perf_counter()
    m = reports.run(proj, "bench", workers=2, progress=False)
    took = time.perf_counter() - t0
    if m.get("executed", len(m["reports"])) > 0:
        print(f"  note: the unchanged rebuild executed {m.get('executed')} reports", file=sys.stderr)
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=12, help="how many reports the naive loop runs (each takes seconds)")
    ap.add_argument("--engine-reports", type=int, default=200,
                    help="how many reports jstbench runs (the naive loop's among them): enough that starting the warm "
                         "kernels and loading the tables weigh as little as in a national build")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--series", default="national")
    ap.add_argument("--json", action="store_true", help="print one JSON object (the figures) instead of prose")
    args = ap.parse_args()
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    from jstbench.series.build import check_series, compute, write_data
    from jstbench.series.run import plan
    from jstbench.series.runner import execute

    project = Project(ROOT)
    checked = check_series(project, args.series)

    from jstbench.indicators.compute import compute_all

    units = checked.store.units.reset_index(drop=True)
    wide = checked.store.wide()
    t0 = time.perf_counter()
    compute_all(checked.catalogue, wide, units)
    catalogue_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tables = compute(checked)
    series_compute_s = time.perf_counter() - t0
    work = Path(tempfile.mkdtemp(prefix="jstbench-bench-"))
    try:
        t0 = time.perf_counter()
        write_data(checked, tables, work / "data")
        write_s = time.perf_counter() - t0
        del tables
        data_mb = folder_mb(work / "data")
        say(f"catalogue: {len(checked.catalogue)} indicators × {len(units)} units × {len(checked.store.years)} years in "
            f"{catalogue_s:.2f} s; series data (every comparison, statistics) {series_compute_s:.1f} s + writing "
            f"{write_s:.1f} s; {data_mb:.0f} MB")
        all_jobs = plan(checked, project)
        engine_jobs = sample(all_jobs, args.engine_reports)
        jobs = engine_jobs[:: max(1, len(engine_jobs) // args.reports)][: args.reports]  # the naive loop's share of it
        (work / "notebooks").mkdir()
        for j in engine_jobs:
            j.parameters = {**j.parameters, "series_dir": str(work / "data")}
        t_naive = naive(jobs, work)
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            results = execute(engine_jobs, work / "engine", workers=args.workers, progress=False)
            t_engine = time.perf_counter() - t0
        ok = sum(r.status == "ok" for r in results)
        rebuild_s = unchanged_rebuild(project, checked, jobs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n, n_engine = len(jobs), len(engine_jobs)
    per_naive, per_engine = t_naive / n, t_engine / n_engine
    projected = series_compute_s + write_s + per_engine * len(all_jobs)
    figures = {
        "sample_reports": n, "engine_reports": n_engine, "workers": args.workers, "cores": os.cpu_count(), "engine_ok": ok,
        "naive_s_per_report": round(per_naive, 3), "engine_s_per_report": round(per_engine, 3),
        "ratio": round(per_naive / per_engine, 1), "national_reports": len(all_jobs),
        "projected_national_s": round(projected, 1), "catalogue_compute_s": round(catalogue_s, 3),
        "series_compute_s": round(series_compute_s, 2), "series_write_s": round(write_s, 2),
        "unchanged_rebuild_s": round(rebuild_s, 2), "peak_worker_mb": round(mem.peak_mb, 1), "series_data_mb": round(data_mb, 1),
    }
    say(f"reports (samples of the {len(all_jobs)} of series {args.series!r}, {args.workers} workers): naive loop {per_naive:.2f} "
        f"s/report ({n} reports), jstbench {per_engine:.3f} s/report ({n_engine} reports, kernel start-up included) → "
        f"{figures['ratio']}× (ok {ok}/{n_engine})")
    say(f"projected national build: {projected / 60:.1f} min; unchanged rebuild {rebuild_s:.1f} s; peak worker "
        f"{mem.peak_mb:.0f} MB")
    out = ROOT / "output" / "benchmarks" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"→ {out}")


if __name__ == "__main__":
    main()
