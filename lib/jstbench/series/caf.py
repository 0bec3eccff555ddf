"""The CAF self-assessment tables of a series folder: the assessors' workbooks (`jstbench.data.caf`) consolidated per
sub-criterion and summed up per criterion, with the change on the authority's previous assessment and the
distribution among the authorities that assessed in the same round (`jstbench.stats.caf`).

The four tables are declared in `series.folder.TABLES` with the rest of the folder's contract.
"""

from __future__ import annotations

import pandas as pd

from jstbench.catalogue.caf import CafModel
from jstbench.series.folder import CAF_ITEMS as ITEMS
from jstbench.series.folder import TABLES
from jstbench.stats import caf as stats


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame(columns=list(TABLES[name].schema.columns))


def caf_tables(scores: pd.DataFrame, notes: pd.DataFrame, plan: pd.DataFrame, catalogue_caf: CafModel, *,
               min_n: int = 5, threshold: float = 40.0) -> dict[str, pd.DataFrame]:
    """The four tables of the series folder from the reader's frames: consolidated sub-criteria (`caf_scores`),
    criteria with their change and group distribution (`caf_criteria`), notes and plan (`caf_notes`, `caf_plan`).
    `min_n`: the least number of authorities of a round whose distribution is shown; `threshold`: the spread (in
    points) from which a sub-criterion needs consensus."""
    names = {s.id: s.name.pl for _, s in catalogue_caf.subcriteria()}
    item_names = {str(c.number): c.name.pl for c in catalogue_caf.criteria} | {
        "enablers": "Potencjał (kryteria 1–5)", "results": "Wyniki (kryteria 6–9)", "overall": "Ogółem (kryteria 1–9)"}
    out = {"caf_notes": notes[list(TABLES["caf_notes"].schema.columns)].reset_index(drop=True),
           "caf_plan": plan[list(TABLES["caf_plan"].schema.columns)].reset_index(drop=True)}
    if scores.empty:
        return out | {"caf_scores": _empty("caf_scores"), "caf_criteria": _empty("caf_criteria")}
    consolidated = stats.consolidate(scores, threshold)
    out["caf_scores"] = consolidated.assign(name=consolidated["subcriterion"].map(names), threshold=float(threshold))
    criteria = stats.criterion_scores(consolidated).merge(stats.assessor_range(scores), on=["unit", "assessment", "item"],
                                                          how="left", validate="one_to_one")
    criteria = stats.change(criteria)
    groups = pd.concat([stats.group_distribution(criteria, a, min_n) for a in sorted(criteria["assessment"].unique())],
                       ignore_index=True)
    groups = groups.rename(columns={"n": "group_n", **{c: f"group_{c}" for c in ("min", "q25", "median", "q75", "max")}})
    criteria = criteria.merge(groups, on=["unit", "assessment", "item"], how="left", validate="one_to_one")
    order = {item: k for k, item in enumerate(ITEMS, start=1)}
    out["caf_criteria"] = criteria.assign(name=criteria["item"].map(item_names), order=criteria["item"].map(order),
                                          min_n=min_n)
    return out
