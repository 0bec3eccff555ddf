"""CAF self-assessment: consolidate the scores of an assessment team, sum them up per criterion, compare with the
authority's previous assessment and with the other authorities that assessed in the same round.

Input is the reader's `scores` frame (one row per assessor and sub-criterion, `points` on the common 0–100 scale).
A sub-criterion whose assessors' scores lie `threshold` points or more apart is flagged `consensus_needed`: the CAF
consensus meeting has to settle it. A criterion's score is the mean of its sub-criteria means; the enablers' and
the results' scores are the means of their criteria (1–5, 6–9), the overall score the mean of the nine criteria
(each criterion weighs the same, however many sub-criteria it has). Assessments of an authority are ordered by their
id as text (`2022` < `2024`, `2024-03` < `2024-10`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["unit", "assessment"]
TOTALS = {"enabler": "enablers", "result": "results"}  # the item of a kind's mean; "overall": all nine criteria
STATS = ["n", "min", "q25", "median", "q75", "max"]


def consolidate(scores: pd.DataFrame, threshold: float = 40.0) -> pd.DataFrame:
    """Per unit, assessment and sub-criterion: assessors (n), mean, median, min, max, spread (max − min), sample
    standard deviation (NaN for one assessor), and whether the spread reaches `threshold` points.

    >>> s = pd.DataFrame({"unit": "0201011", "assessment": "2024", "assessor": ["a", "b", "c"], "panel": "classical",
    ...                   "criterion": 1, "subcriterion": "1.1", "kind": "enabler", "points": [20.0, 60.0, 80.0]})
    >>> print(consolidate(s)[["n", "mean", "median", "spread", "sd", "consensus_needed"]].round(2).to_string(index=False))
     n  mean  median  spread    sd  consensus_needed
     3 53.33    60.0    60.0 30.55              True
    """
    cols = [*KEYS, "panel", "criterion", "subcriterion", "kind"]
    g = scores.groupby(cols, sort=True, observed=True)["points"]
    out = g.agg(n="count", mean="mean", median="median", min="min", max="max", sd="std").reset_index()
    out["spread"] = out["max"] - out["min"]
    out["consensus_needed"] = out["spread"] >= threshold
    out["n"] = out["n"].astype("int64")
    return out[[*cols, "n", "mean", "median", "min", "max", "spread", "sd", "consensus_needed"]]


def _with_totals(per_criterion: pd.DataFrame, value: str, by: list[str]) -> pd.DataFrame:
    """Criterion rows (`item` "1"…"9") and the means of `value` over the enablers', the results' and all criteria."""
    rows = per_criterion.assign(item=per_criterion["criterion"].astype(int).astype(str))
    totals = [rows.groupby([*by, "kind"], observed=True)[value].mean().reset_index()
              .assign(item=lambda d: d["kind"].map(TOTALS)),
              rows.groupby(by, observed=True)[value].mean().reset_index().assign(item="overall", kind=None)]
    return pd.concat([rows, *totals], ignore_index=True)


def criterion_scores(consolidated: pd.DataFrame) -> pd.DataFrame:
    """Per unit and assessment, one row per `item`: each criterion ("1"…"9": mean of its sub-criteria means), then
    "enablers", "results" (mean of their criteria) and "overall" (mean of the nine). With the spread summaries of a
    criterion's sub-criteria: mean and largest spread, how many need consensus and how many there are (totals: over
    all their sub-criteria).

    >>> c = pd.DataFrame({"unit": "u", "assessment": "2024", "panel": "fine", "criterion": [1, 1, 6],
    ...                   "subcriterion": ["1.1", "1.2", "6.1"], "kind": ["enabler", "enabler", "result"],
    ...                   "n": 2, "mean": [40.0, 60.0, 20.0], "spread": [10.0, 50.0, 0.0],
    ...                   "consensus_needed": [False, True, False]})
    >>> print(criterion_scores(c)[["item", "score", "spread_max", "consensus"]].to_string(index=False))
        item  score  spread_max  consensus
           1   50.0        50.0          1
           6   20.0         0.0          0
    enablers   50.0        50.0          1
     results   20.0         0.0          0
     overall   35.0        50.0          1
    """
    by = [*KEYS, "panel"]
    crit = (consolidated.groupby([*by, "criterion", "kind"], observed=True)
            .agg(score=("mean", "mean"), assessors=("n", "max")).reset_index())
    scored = _with_totals(crit, "score", by)
    sub = consolidated.assign(item=consolidated["criterion"].astype(int).astype(str))
    parts = [sub, sub.assign(item=sub["kind"].map(TOTALS)), sub.assign(item="overall")]
    spread = (pd.concat(parts, ignore_index=True).groupby([*KEYS, "item"], observed=True)
              .agg(spread_mean=("spread", "mean"), spread_max=("spread", "max"),
                   consensus=("consensus_needed", "sum"), subcriteria=("subcriterion", "count"),
                   team=("n", "max")).reset_index())
    out = scored.drop(columns="assessors").merge(spread, on=[*KEYS, "item"], how="left", validate="one_to_one")
    out["criterion"] = pd.to_numeric(out["item"], errors="coerce")
    out = out.rename(columns={"team": "assessors"})
    out[["consensus", "subcriteria", "assessors"]] = out[["consensus", "subcriteria", "assessors"]].astype("int64")
    return out[[*by, "item", "criterion", "kind", "score", "spread_mean", "spread_max", "consensus", "subcriteria",
                "assessors"]].reset_index(drop=True)


def assessor_range(scores: pd.DataFrame) -> pd.DataFrame:
    """Per unit, assessment and item (criteria and totals as in `criterion_scores`): the lowest and the highest of
    the assessors' own scores (an assessor's criterion score is the mean of their sub-criteria points).

    >>> s = pd.DataFrame({"unit": "u", "assessment": "2024", "assessor": ["a", "a", "b", "b"], "criterion": [1, 1, 1, 1],
    ...                   "subcriterion": ["1.1", "1.2", "1.1", "1.2"], "kind": "enabler", "points": [20.0, 40, 60, 100]})
    >>> print(assessor_range(s).to_string(index=False))
    unit assessment     item  low  high
       u       2024        1 30.0  80.0
       u       2024 enablers 30.0  80.0
       u       2024  overall 30.0  80.0
    """
    by = [*KEYS, "assessor"]
    own = scores.groupby([*by, "criterion", "kind"], observed=True)["points"].mean().reset_index(name="score")
    items = _with_totals(own, "score", by)
    return (items.groupby([*KEYS, "item"], observed=True)["score"].agg(low="min", high="max").reset_index())


def change(criteria: pd.DataFrame, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """`criteria` with the authority's previous assessment (the latest with an earlier id, looked up in `previous`,
    default in `criteria` itself), its score of the item, and the change `score − previous` (NaN when none).

    >>> c = pd.DataFrame({"unit": "u", "assessment": ["2022", "2024"], "item": "1", "score": [40.0, 55.0]})
    >>> change(c)[["assessment", "previous_assessment", "change"]].to_dict("records")[1]
    {'assessment': '2024', 'previous_assessment': '2022', 'change': 15.0}
    """
    history = criteria if previous is None else previous
    done = history[["unit", "assessment"]].drop_duplicates()
    current = criteria[["unit", "assessment"]].drop_duplicates()
    pairs = current.merge(done.rename(columns={"assessment": "previous_assessment"}), on="unit")
    pairs = pairs[pairs["previous_assessment"].astype(str) < pairs["assessment"].astype(str)]
    latest = pairs.groupby(KEYS, observed=True)["previous_assessment"].max().reset_index()
    out = criteria.merge(latest, on=KEYS, how="left", validate="many_to_one")
    before = history[["unit", "assessment", "item", "score"]].rename(
        columns={"assessment": "previous_assessment", "score": "previous"})
    out = out.merge(before, on=["unit", "previous_assessment", "item"], how="left", validate="many_to_one")
    out["change"] = out["score"] - out["previous"]
    return out


def group_distribution(criteria: pd.DataFrame, assessment: str, min_n: int = 5) -> pd.DataFrame:
    """Per item among the authorities that assessed in `assessment`: how many (n), min, quartiles (linear
    interpolation, numpy's default), max, and each authority's `rank` (1 = highest score; ties share the best rank)
    and `band` (1: below the lower quartile, 2: up to the median, 3: up to the upper quartile, 4: above it). With
    fewer than `min_n` authorities every number but n is NaN and `suppressed` is set.

    >>> c = pd.DataFrame({"unit": list("abcde"), "assessment": "2024", "item": "1", "score": [10.0, 20, 30, 40, 50]})
    >>> d = group_distribution(c, "2024")
    >>> print(d[["unit", "n", "q25", "median", "q75", "rank", "band", "suppressed"]].to_string(index=False))
    unit  n  q25  median  q75  rank  band  suppressed
       a  5 20.0    30.0 40.0   5.0   1.0       False
       b  5 20.0    30.0 40.0   4.0   2.0       False
       c  5 20.0    30.0 40.0   3.0   2.0       False
       d  5 20.0    30.0 40.0   2.0   3.0       False
       e  5 20.0    30.0 40.0   1.0   4.0       False
    >>> bool(group_distribution(c, "2024", min_n=6)["suppressed"].all())
    True
    """
    rows = criteria.loc[criteria["assessment"].astype(str) == str(assessment), ["unit", "assessment", "item", "score"]]
    rows = rows.dropna(subset=["score"]).copy()
    g = rows.groupby("item", observed=True)["score"]
    rows["n"] = g.transform("count").astype("int64")
    for name, q in (("min", 0.0), ("q25", 0.25), ("median", 0.5), ("q75", 0.75), ("max", 1.0)):
        rows[name] = g.transform(lambda s, q=q: float(np.quantile(s.to_numpy(), q)))
    rows["rank"] = g.rank(method="min", ascending=False)
    x = rows["score"]
    rows["band"] = np.select([x < rows["q25"], x <= rows["median"], x <= rows["q75"]], [1, 2, 3], 4).astype(float)
    rows["suppressed"] = rows["n"] < min_n
    hidden = ["min", "q25", "median", "q75", "max", "rank", "band"]
    rows.loc[rows["suppressed"], hidden] = np.nan
    return rows.drop(columns="score").reset_index(drop=True)
