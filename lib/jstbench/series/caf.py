"""The CAF self-assessment tables of a series folder: the assessors' workbooks (`jstbench.data.caf`) consolidated per
sub-criterion and summed up per criterion, with the change on the authority's previous assessment and the
distribution among the authorities that assessed in the same round (`jstbench.stats.caf`).

`TABLE_SCHEMAS` declares the four tables (name → schema, what it holds, sort order) for `series.folder.TABLES`;
this module imports nothing of the folder, so the folder may import it.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from jstbench.catalogue.caf import CafModel
from jstbench.stats import caf as stats

ITEMS = [*(str(c) for c in range(1, 10)), "enablers", "results", "overall"]  # the rows of each assessment, in order


def _str(nullable: bool = False) -> pa.Column:
    return pa.Column(object, nullable=nullable, coerce=True)


def _num(dtype: type | str = float, nullable: bool = True) -> pa.Column:
    return pa.Column(dtype, nullable=nullable, coerce=True)


def _schema(columns: dict[str, pa.Column], unique: list[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(columns, strict=True, unique=unique, ordered=False)


_ASSESSMENT = {"unit": _str(), "assessment": _str(), "panel": pa.Column(object, pa.Check.isin(["classical", "fine"]))}
_DISTRIBUTION = ("min", "q25", "median", "q75", "max")

TABLE_SCHEMAS: dict[str, tuple[pa.DataFrameSchema, str, tuple[str, ...]]] = {
    "caf_scores": (
        _schema({**_ASSESSMENT, "criterion": _num("int64", False), "subcriterion": _str(), "kind": _str(), "name": _str(),
                 "n": _num("int64", False), **{c: _num() for c in ("mean", "median", "min", "max", "spread", "sd")},
                 "consensus_needed": _num(bool, False), "threshold": _num(float, False)},
                ["unit", "assessment", "subcriterion"]),
        "CAF self-assessments per authority, assessment and sub-criterion (points 0–100 on both panels): assessors, "
        "mean, median, range, spread (max − min), standard deviation, and whether the spread reaches the consensus "
        "threshold (the team has to agree on a score; `threshold`, in points)",
        ("unit", "assessment", "criterion", "subcriterion")),
    "caf_criteria": (
        _schema({**_ASSESSMENT, "item": pa.Column(object, pa.Check.isin(ITEMS)), "order": _num("int64", False),
                 "criterion": _num(), "kind": _str(True), "name": _str(),
                 **{c: _num() for c in ("score", "low", "high", "spread_mean", "spread_max")},
                 **{c: _num("int64", False) for c in ("consensus", "subcriteria", "assessors")},
                 "previous_assessment": _str(True), "previous": _num(), "change": _num(),
                 "group_n": _num("int64", False), **{f"group_{c}": _num() for c in _DISTRIBUTION},
                 "rank": _num(), "band": _num(), "suppressed": _num(bool, False), "min_n": _num("int64", False)},
                ["unit", "assessment", "item"]),
        "CAF self-assessments per authority, assessment and criterion (then enablers, results, overall): the mean "
        "of its sub-criteria means, the lowest and highest assessor's own score, spread summaries, the change on the "
        "authority's previous assessment, and the distribution among the authorities that assessed in the same round "
        "(n, min, quartiles, max, the authority's rank and quartile band), suppressed below min_n authorities",
        ("unit", "assessment", "order")),
    "caf_notes": (
        _schema({"unit": _str(), "assessment": _str(), "assessor": _str(), "criterion": _num("int64", False),
                 "subcriterion": _str(), "kind": pa.Column(object, pa.Check.isin(["strength", "improvement"])),
                 "text": _str()}, []),
        "strengths and areas for improvement written by the assessors, one row per line, per sub-criterion",
        ("unit", "assessment", "criterion", "subcriterion", "kind", "assessor")),
    "caf_plan": (
        _schema({"unit": _str(), "assessment": _str(), "assessor": _str(), "action": _str(), "subcriterion": _str(),
                 "criterion": _num("int64", False), "priority": pa.Column(object, pa.Check.isin(["wysoki", "średni", "niski"])),
                 **{c: _str(True) for c in ("owner", "deadline", "effect")}}, []),
        "the improvement actions the assessors proposed: sub-criterion, priority, owner, deadline, expected effect",
        ("unit", "assessment", "criterion", "subcriterion", "assessor")),
}


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame(columns=list(TABLE_SCHEMAS[name][0].columns))


def caf_tables(scores: pd.DataFrame, notes: pd.DataFrame, plan: pd.DataFrame, catalogue_caf: CafModel, *,
               min_n: int = 5, threshold: float = 40.0) -> dict[str, pd.DataFrame]:
    """The four tables of the series folder from the reader's frames: consolidated sub-criteria (`caf_scores`),
    criteria with their change and group distribution (`caf_criteria`), notes and plan (`caf_notes`, `caf_plan`).
    `min_n`: the least number of authorities of a round whose distribution is shown; `threshold`: the spread (in
    points) from which a sub-criterion needs consensus."""
    names = {s.id: s.name.pl for _, s in catalogue_caf.subcriteria()}
    item_names = {str(c.number): c.name.pl for c in catalogue_caf.criteria} | {
        "enablers": "Potencjał (kryteria 1–5)", "results": "Wyniki (kryteria 6–9)", "overall": "Ogółem (kryteria 1–9)"}
    out = {"caf_notes": notes[list(TABLE_SCHEMAS["caf_notes"][0].columns)].reset_index(drop=True),
           "caf_plan": plan[list(TABLE_SCHEMAS["caf_plan"][0].columns)].reset_index(drop=True)}
    if scores.empty:
        return out | {"caf_scores": _empty("caf_scores"), "caf_criteria": _empty("caf_criteria")}
    consolidated = stats.consolidate(scores, threshold)
    out["caf_scores"] = consolidated.assign(name=consolidated["subcriterion"].map(names), threshold=float(threshold))
    criteria = stats.criterion_scores(consolidated).merge(stats.assessor_range(scores), on=["unit", "assessment", "item"],
                                                          how="left", validate="one_to_one")
    criteria = stats.change(criteria)
    groups = pd.concat([stats.group_distribution(criteria, a, min_n) for a in sorted(criteria["assessment"].unique())],
                       ignore_index=True)
    groups = groups.rename(columns={"n": "group_n", **{c: f"group_{c}" for c in _DISTRIBUTION}})
    criteria = criteria.merge(groups, on=["unit", "assessment", "item"], how="left", validate="one_to_one")
    order = {item: k for k, item in enumerate(ITEMS, start=1)}
    out["caf_criteria"] = criteria.assign(name=criteria["item"].map(item_names), order=criteria["item"].map(order),
                                          min_n=min_n)
    return out
