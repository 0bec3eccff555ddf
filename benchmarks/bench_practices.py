"""The good-practice section of the site at scale: 1,000 synthetic practices against the demo base (the baseline,
measured in the same run, on the same machine and series data).

1. Pages: writing the `praktyki/` sources (a page per practice with its trend charts from a built series, the list,
   the competition pages; `site.practices.write_practices`), per practice, for the demo base and for N practices.
2. Site: the whole methodology site (`jstbench site`, the renderer it finds), with the demo base and with N practices.
3. Search: in headless Chromium, one change of a filter on the list page (`jstbenchFilterPractices`: every row tested
   against the five selects and the text box, the count updated), the mean of --repeat changes, for the demo base
   and for the demo base plus N practices; and the number of rows a filter by indicator leaves.

Needs the demo series built (`jstbench demo-data && jstbench reports demo`: the trends come from it) and Chromium.
Usage: python benchmarks/bench_practices.py [--n 1000] [--repeat 200] [--seed 2026].
Results: printed, and written to output/benchmarks/practices.json.
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
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from jstbench.catalogue.load import load_catalogue  # noqa: E402
from jstbench.core.project import Project  # noqa: E402
from jstbench.core.units import expand_kinds  # noqa: E402
from jstbench.data.practices import parse  # noqa: E402
from jstbench.site.build import build_site  # noqa: E402
from jstbench.site.practices import write_practices  # noqa: E402


def project_copy(dest: Path) -> Project:
    """The project's definitions copied to `dest`, its built series and demo data linked (read only)."""
    for name in ("methodology", "params", "notebooks"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("_site"))
    (dest / "output").mkdir()
    for built in (ROOT / "output").glob("*/data/series.json"):
        (dest / "output" / built.parent.parent.name).symlink_to(built.parent.parent)
    (dest / "output" / "data").symlink_to(ROOT / "output" / "data")
    return Project(dest)


def synthetic_practices(folder: Path, n: int, seed: int) -> None:
    """`n` practices of random authorities of the demo register, each on one rated indicator that applies to it, added
    to the base (the demo practices stay: the demo competition names them)."""
    rng = np.random.default_rng(seed)
    cat = load_catalogue(ROOT / "methodology" / "catalogue")
    units = pd.read_parquet(ROOT / "output" / "data" / "demo" / "units.parquet")
    rated = [i for i in cat.indicators.values() if i.direction in ("higher-better", "lower-better") and i.kind == "monitoring"]
    for k in range(n):
        u = units.iloc[int(rng.integers(len(units)))]
        fits = [i for i in rated if u["kind"] in expand_kinds(i.applies_to)]
        ind = fits[int(rng.integers(len(fits)))]
        start = int(rng.integers(2017, 2022))
        doc = {"id": f"bench-{k:04d}", "title": f"Praktyka syntetyczna {k} ({ind.name.pl[:40]})", "unit": str(u["code"]),
               "synthetic": True, "service": ind.sector, "indicators": [ind.id], "period": {"start": start},
               "problem": "Problem opisany syntetycznie.", "actions": "Działania opisane syntetycznie.",
               "results": [{"description": "Zmiana wskaźnika", "indicator": ind.id,
                            "before": {"year": start - 1, "value": 1.0}, "after": {"year": 2024, "value": 2.0}}],
               "contact": {"role": "Sekretariat"}, "date": "2024-01-01", "status": "submitted",
               "tags": [f"t{int(rng.integers(50))}"]}
        (folder / f"bench-{k:04d}.yml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def pages_s(project: Project) -> tuple[float, int]:
    cat = load_catalogue(project.catalogue_dir)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        n = write_practices(project, cat, Path(tmp))
        return time.perf_counter() - t0, n


def site_s(project: Project) -> tuple[float, str, int]:
    t0 = time.perf_counter()
    result = build_site(project)
    return time.perf_counter() - t0, result.renderer, result.pages


def search_ms(page: Path, repeat: int, indicator: str) -> tuple[float, int]:
    """Mean time of one filter change (ms, over `repeat` changes timed together: one change of a short list is below
    the browser clock's resolution) and the rows left by filtering on `indicator`."""
    from jstbench.site.pdf import chromium

    with chromium() as browser:
        tab = browser.new_page()
        tab.goto(page.as_uri())
        return tab.evaluate("""([repeat, indicator]) => {
            const select = document.getElementById('f-indicator');
            const t0 = performance.now();
            for (let i = 0; i < repeat; i++) {
                select.value = i % 2 ? '' : indicator;
                window.jstbenchFilterPractices();
            }
            const mean = (performance.now() - t0) / repeat;
            select.value = indicator;
            window.jstbenchFilterPractices();
            const shown = document.querySelectorAll('#practices tbody tr:not([hidden])').length;
            return [mean, shown];
        }""", [repeat, indicator])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        project = project_copy(Path(tmp))
        for label in ("demo", f"n{args.n}"):
            if label != "demo":
                synthetic_practices(project.practices_dir, args.n, args.seed)
            seconds, n = pages_s(project)
            site, renderer, pages = site_s(project)
            indicator = parse(sorted(project.practices_dir.glob("*"))[0]).indicators[0]
            ms, shown = search_ms(project.site_dir / "praktyki" / "index.html", args.repeat, indicator)
            out[label] = {"practices": n, "pages_s": round(seconds, 2), "pages_s_per_practice": round(seconds / n, 4),
                          "site_s": round(site, 1), "site_pages": pages, "renderer": renderer,
                          "filter_ms": round(ms, 3), "filter_rows_left": shown, "filter_indicator": indicator}
            print(f"{label}: {n} practices: pages {seconds:.1f} s ({1000 * seconds / n:.0f} ms each); site {site:.0f} s "
                  f"({pages} pages, {renderer}); one filter change {ms:.2f} ms ({shown} rows left for {indicator})")
    base, big = out["demo"], out[f"n{args.n}"]
    out["ratios"] = {"pages_per_practice": round(big["pages_s_per_practice"] / base["pages_s_per_practice"], 2),
                     "site": round(big["site_s"] / base["site_s"], 2), "filter": round(big["filter_ms"] / max(base["filter_ms"], 1e-3), 1)}
    print(f"ratios against the demo base (1.00×): time per practice page {out['ratios']['pages_per_practice']}×, "
          f"whole site {out['ratios']['site']}×, one filter change {out['ratios']['filter']}×")
    target = ROOT / "output" / "benchmarks" / "practices.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
