"""A deterministic synthetic participatory budget for the demo: one Pabulib instance of an authority, city-wide or of
one district, with approval ballots and a `selected` column that greedy by votes reproduces. META says it is
synthetic (`description` and the extra key `synthetic;yes`)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from jstbench.data.pabulib import greedy, write_pb

PER_RESIDENT = (20.0, 60.0)  # PLN of PB budget per resident (Polish cities: roughly 0.5% of spending)
TURNOUT = (0.04, 0.14)
KINDS = ("plac zabaw", "chodnik", "zieleń", "ławki i kosze", "siłownia plenerowa", "zajęcia dla seniorów", "oświetlenie",
         "stojaki rowerowe", "warsztaty dla dzieci", "boisko", "biblioteka", "monitoring")
MAX_APPROVALS = 5


def demo_pb(code: str, name: str, population: int, year: int, seed: int,
            district: str | None = None) -> tuple[dict[str, str], pd.DataFrame, pd.DataFrame]:
    """META, PROJECTS and VOTES of a plausible instance (the same inputs always give the same file). A district
    instance gets a fifth of the residents and of the budget."""
    rng = np.random.default_rng([seed, int(code), year, 0 if district is None else sum(map(ord, district))])
    residents = population // 5 if district else population
    budget = int(round(residents * rng.uniform(*PER_RESIDENT), -3))
    n_projects = int(np.clip(residents / 5_000, 8, 60)) + int(rng.integers(0, 5))
    costs = np.clip(np.round(rng.lognormal(np.log(budget / 10), 0.9, n_projects), -2), 1_000, budget * 0.6)
    appeal = rng.gamma(1.2, 1.0, n_projects)
    n_voters = max(20, int(residents * rng.uniform(*TURNOUT)))
    sizes = np.minimum(rng.integers(1, MAX_APPROVALS + 1, n_voters), n_projects)
    # k projects per voter drawn without replacement with probabilities ∝ appeal (Gumbel top-k, vectorised)
    ranked = np.argsort(-(np.log(appeal) + rng.gumbel(size=(n_voters, n_projects))), axis=1)
    ids = [str(101 + j) for j in range(n_projects)]
    ballots = [tuple(ids[j] for j in sorted(row[:k])) for row, k in zip(ranked, sizes, strict=True)]
    counts = pd.Series(np.bincount(np.concatenate([row[:k] for row, k in zip(ranked, sizes, strict=True)]), minlength=n_projects),
                       index=ids)
    chosen = {ids[int(s.project_id)] for s in greedy(costs.tolist(), counts.tolist(), budget) if s.chosen}
    projects = pd.DataFrame({"project_id": ids, "cost": costs.astype(int),
                             "votes": counts.to_numpy(),
                             "name": [f"{KINDS[i % len(KINDS)].capitalize()} nr {i + 1}" for i in range(n_projects)],
                             "selected": [int(i in chosen) for i in ids]}).set_index("project_id")
    votes = pd.DataFrame({"voter_id": [str(i + 1) for i in range(n_voters)], "vote": ballots, "points": None})
    meta = {"description": f"SYNTHETIC demo data, not a real vote: {'district' if district else 'city-wide'} PB of {name}",
            "country": "Poland", "unit": name, **({"subunit": district, "district": district} if district else {}),
            "instance": str(year), "num_projects": str(n_projects), "num_votes": str(n_voters), "budget": str(budget),
            "vote_type": "approval", "rule": "greedy", "min_length": "1", "max_length": str(MAX_APPROVALS),
            "language": "polish", "teryt": code, "synthetic": "yes"}
    return meta, projects, votes


def slug(text: str) -> str:
    """A file-name part from a name: ASCII letters and digits, '-' between words.

    >>> slug("Jeżyce Północ / Łazarz")
    'jezyce-polnoc-lazarz'
    """
    ascii_text = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def write_demo_pb(folder: str | Path, code: str, name: str, population: int, year: int, seed: int,
                  district: str | None = None) -> Path:
    """Write `demo_pb` as `<code>_<year>[_<district>].pb` in `folder` (atomically)."""
    suffix = f"_{slug(district)}" if district else ""
    return write_pb(Path(folder) / f"{code}_{year}{suffix}.pb", *demo_pb(code, name, population, year, seed, district))
