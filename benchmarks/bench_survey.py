"""Survey weighting and intervals: raking time as a ratio against post-stratification measured in the same run, and
the coverage of the 95% intervals in a simulation with a known population.

1. Speed: 10,000 respondents of one authority in 20 strata (sex × 10 age groups). Baseline 1.00×: post-stratification
   to the 20 population cells (`poststratify`); then raking to the two margins (`rake`, 2 + 10 totals, tol 1e-8;
   best of --repeat runs each). Respondents answer with probabilities that depend on sex and age, so the raked
   weights differ from the post-stratified ones and IPF needs several sweeps.
2. Coverage: a finite population of 20,000 adults (sex × 4 age groups; answers 1–5 that rise with age and are higher
   for women; older people and women respond more often, a product of a sex and an age factor). In each of --reps
   repetitions a sample of about n respondents (Bernoulli with the response propensity) is raked to the population
   margins, and the 95% intervals of the mean answer are checked against the population mean: raked, with the
   variance crediting the raking (`estimate_mean(y, weighting)`, what the reports use); raked, weights treated as
   fixed (`estimate_mean(y, weighting.weights)`); unweighted (equal weights). n = 100, 400, 1,000.

Usage: python benchmarks/bench_survey.py [--repeat 5] [--reps 2000] [--seed 2026].
Results: printed, and written to output/benchmarks/survey.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from timing import best  # noqa: E402  (benchmarks/timing.py, beside this script)

from jstbench.stats.survey import estimate_mean, poststratify, rake  # noqa: E402

STRATA = ("sex", "age_group")
AGES = ["18-29", "30-44", "45-59", "60+"]


def big_sample(rng: np.random.Generator, n: int = 10_000, ages: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n respondents in sex × `ages` age groups with stratum-dependent response, and the population cells."""
    levels = [f"a{i:02d}" for i in range(ages)]
    pop = pd.DataFrame([(s, a) for s in ("K", "M") for a in levels], columns=list(STRATA))
    pop["population"] = rng.integers(20_000, 60_000, len(pop)).astype(float)
    response = np.where(pop["sex"] == "K", 1.3, 0.8) * np.linspace(0.4, 1.8, ages)[np.arange(len(pop)) % ages]
    share = pop["population"] * response / (pop["population"] * response).sum()
    cell = rng.choice(len(pop), n, p=share.to_numpy())
    data = pop.iloc[cell][list(STRATA)].reset_index(drop=True).assign(unit="U", wave="1")
    return data, pop.assign(unit="U")


def population(rng: np.random.Generator, size: int = 20_000) -> pd.DataFrame:
    """Answers 1–5 rising with age (higher for women); older people and women respond more often."""
    sex = rng.choice(["K", "M"], size, p=[0.53, 0.47])
    age = rng.choice(AGES, size, p=[0.2, 0.27, 0.25, 0.28])
    by_age = pd.Series(age)
    base = np.where(sex == "K", 0.2, 0.0) + by_age.map(dict(zip(AGES, [0, 0.3, 0.6, 1.0], strict=True))).to_numpy()
    y = np.clip(np.round(1.8 + base + rng.normal(0, 1.2, size)), 1, 5)
    propensity = np.where(sex == "K", 1.4, 0.8) * by_age.map(dict(zip(AGES, [0.4, 0.7, 1.0, 1.6], strict=True))).to_numpy()
    return pd.DataFrame({"unit": "U", "wave": "1", "sex": sex, "age_group": age, "y": y, "propensity": propensity})


def coverage(rng: np.random.Generator, pop: pd.DataFrame, n: int, reps: int) -> dict:
    truth = pop["y"].mean()
    cells = pop.groupby(list(STRATA), as_index=False).size().rename(columns={"size": "population"}).assign(unit="U")
    p = n * pop["propensity"] / pop["propensity"].sum()
    hits = {"raked": 0, "fixed_weights": 0, "unweighted": 0}
    sizes, deffs, collapsed = [], [], 0
    for _ in range(reps):
        sample = pop[rng.random(len(pop)) < p]
        weighting = rake(sample, cells, STRATA)
        collapsed += bool(weighting.report.collapsed)
        for name, w in (("raked", weighting), ("fixed_weights", weighting.weights),
                        ("unweighted", pd.Series(1.0, index=sample.index))):
            est = estimate_mean(sample["y"], w)
            hits[name] += est["ci_low"] <= truth <= est["ci_high"]
        sizes.append(len(sample))
        deffs.append(weighting.report.groups["deff"].iloc[0])
    return {"n_target": n, "reps": reps, "mean_n": round(float(np.mean(sizes)), 1),
            "mean_kish_deff": round(float(np.mean(deffs)), 3), "reps_with_collapse": collapsed,
            **{f"coverage_{name}": round(hit / reps, 4) for name, hit in hits.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each timing; the best is kept")
    ap.add_argument("--reps", type=int, default=2000, help="repetitions of the coverage simulation per sample size")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    data, cells = big_sample(rng)
    raked = rake(data, cells, STRATA)
    t_post = best(lambda: poststratify(data, cells, STRATA), args.repeat)
    t_rake = best(lambda: rake(data, cells, STRATA), args.repeat)
    print(f"{len(data):,} respondents × {len(cells)} strata (sex × 10 age groups); raked weights: Kish deff "
          f"{raked.report.groups['deff'].iloc[0]:.2f}, max/min weight {raked.report.weight_ratio:.1f}")
    print(f"baseline poststratify (20 cells): {t_post * 1000:.1f} ms")
    print(f"rake (2 + 10 margins, tol 1e-8): {t_rake * 1000:.1f} ms → {t_rake / t_post:.2f}× the baseline")

    pop = population(rng)
    results = []
    for n in (100, 400, 1000):
        r = coverage(rng, pop, n, args.reps)
        results.append(r)
        print(f"n ≈ {r['mean_n']:.0f} ({r['reps']} repetitions, Kish deff {r['mean_kish_deff']:.2f}, "
              f"{r['reps_with_collapse']} with a collapsed age group): 95% interval coverage "
              f"raked {100 * r['coverage_raked']:.1f}%, raked with fixed-weight variance "
              f"{100 * r['coverage_fixed_weights']:.1f}%, unweighted {100 * r['coverage_unweighted']:.1f}%")

    out = ROOT / "output" / "benchmarks" / "survey.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "respondents": len(data), "strata": len(cells), "baseline_poststratify_s": round(t_post, 4),
        "rake_s": round(t_rake, 4), "rake_ratio": round(t_rake / t_post, 2), "coverage": results,
    }, indent=2))
    print(f"→ {out}")


if __name__ == "__main__":
    main()
