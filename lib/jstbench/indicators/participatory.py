"""Participatory budgets: the selection rule re-run and checked against the file, the indicators, and the
`pb_summary` record the report section reads.

Rules (Pabulib's `rule` in META):
- `greedy`: projects in decreasing order of the file's `score` column, else its `votes` column, else the score
  counted from the VOTES section (ties keep the file's order, as Pabulib's own checker does: the format states no
  other tie-break); a project is funded if it fits what is left of the budget, else skipped.
  `greedy-no-skip` stops at the first project that does not fit; `greedy-threshold` first leaves out projects below
  META `min_project_score_threshold`.
- `equalshares` and `equalshares/add1`: the Method of Equal Shares of `pabutools` with cost satisfaction (approval
  ballots, as on equalshares.net and in Pabulib's checker), ties to the cheaper project, then to the one with more
  votes, then to the file's order; `/add1` is pabutools' completion adding 1 to every voter's budget while the
  outcome stays within the budget and is not exhaustive.
Other rules (`greedy-exclusive`, `greedy-custom`, `...-comparison`, `unknown`) are not re-run: the check says so.
A project with `selected` = 1 is selected in the file; 2 and 3 (funded outside the rule) are not compared.

Indicators are None, never 0, when an input they need (population, spending) is missing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from jstbench.core.errors import InputError
from jstbench.data.pabulib import ParticipatoryBudget, greedy

GREEDY_RULES = ("greedy", "greedy-no-skip", "greedy-threshold")
MES_RULES = ("equalshares", "equalshares/add1")
APPROVAL_TYPES = ("approval", "choose-1")
CITYWIDE = {"citywide", "city-wide", "city wide", "ogólnomiejski", "ogolnomiejski"}


@dataclass(frozen=True)
class Difference:
    """A project the file and the re-run rule disagree on."""

    project_id: str
    name: str
    cost: float
    score: float
    rank: int  # position in the rule's order (1 = first)
    in_file: bool
    by_rule: bool
    remaining: float | None  # budget left when greedy reached the project (None for equal shares)
    why: str


@dataclass(frozen=True)
class SelectionCheck:
    """The rule re-run: `agrees` is None when the file has no `selected` column or the rule was not re-run."""

    rule: str
    rerun: bool
    reason: str | None  # why the rule was not re-run
    score_source: str | None  # the column greedy ranked by: score, votes or counted
    selected_in_file: list[str] | None
    selected_by_rule: list[str] | None
    agrees: bool | None
    differences: list[Difference] = field(default_factory=list)


def ranking_scores(pb: ParticipatoryBudget) -> tuple[pd.Series, str]:
    """The score greedy ranks by and where it comes from: the file's `score` column, else `votes`, else counted."""
    for col in ("score", "votes"):
        if col in pb.projects.columns and pb.projects[col].notna().all():
            return pb.projects[col].astype(float), col
    counted = pb.tallies()
    return counted["score"].astype(float), "counted"


def equal_shares(pb: ParticipatoryBudget, add1: bool = False) -> list[str]:
    """The Method of Equal Shares (pabutools, cost satisfaction) on approval ballots; the funded project ids in file
    order."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project  # type: ignore[import-untyped]
    from pabutools.rules import method_of_equal_shares  # type: ignore[import-untyped]
    from pabutools.tiebreaking import TieBreakingRule  # type: ignore[import-untyped]

    ids = [str(p) for p in pb.projects.index]
    order = {p: i for i, p in enumerate(ids)}
    votes = pb.tallies()["votes"].to_dict()
    projects = {p: Project(p, Fraction(str(c))) for p, c in zip(ids, pb.projects["cost"], strict=True)}
    instance = Instance(projects.values(), budget_limit=Fraction(str(pb.budget)))
    profile = ApprovalProfile([ApprovalBallot([projects[p] for p in ballot]) for ballot in pb.votes["vote"]])
    ties = TieBreakingRule(lambda inst, prof, p: (p.cost, -votes[p.name], order[p.name]))
    outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=ties,
                                     voter_budget_increment=1 if add1 else None)
    chosen = {p.name for p in outcome}
    return [p for p in ids if p in chosen]


def check_selection(pb: ParticipatoryBudget) -> SelectionCheck:
    """Re-run the rule META names and compare with the `selected` column, every difference with its reason."""
    in_file = pb.selected_in_file()
    rule = pb.rule
    if rule not in GREEDY_RULES + MES_RULES:
        return SelectionCheck(rule, False, f"the rule {rule!r} is not re-run here", None, in_file, None, None)
    if rule in MES_RULES and pb.vote_type not in APPROVAL_TYPES:
        return SelectionCheck(rule, False, f"equal shares is re-run for approval ballots only, not {pb.vote_type}",
                              None, in_file, None, None)
    ids = [str(p) for p in pb.projects.index]
    scores, source = ranking_scores(pb)
    costs = pb.projects["cost"].astype(float).tolist()
    threshold = None
    if rule == "greedy-threshold":
        if not pb.meta.get("min_project_score_threshold"):
            raise InputError("the rule greedy-threshold needs min_project_score_threshold", pb.path, "META")
        threshold = float(pb.meta["min_project_score_threshold"].replace(",", "."))
    steps = {ids[int(s.project_id)]: s for s in greedy(costs, scores.tolist(), pb.budget, rule == "greedy-no-skip", threshold)}
    if rule in MES_RULES:
        by_rule = equal_shares(pb, add1=rule.endswith("/add1"))
    else:
        by_rule = [p for p in ids if steps[p].chosen]
    if in_file is None:
        return SelectionCheck(rule, True, None, source, None, by_rule, None)
    file_set, rule_set = set(in_file), set(by_rule)
    supporters = pb.tallies()["votes"]
    differences = []
    for p in sorted(file_set ^ rule_set, key=lambda x: steps[x].rank):
        s = steps[p]
        name = str(pb.projects.at[p, "name"]) if "name" in pb.projects.columns else ""
        in_f = p in file_set
        if rule in MES_RULES:
            why = (f"equal shares {'does not fund' if in_f else 'funds'} it: {int(supporters[p])} supporters, "
                   f"cost {s.cost:,.0f}")
            remaining = None
        else:
            remaining = s.remaining
            if threshold is not None and s.score < threshold:
                why = f"score {s.score:g} is below the threshold {threshold:g}"
            elif in_f:
                why = f"ranked {s.rank} ({source} {s.score:g}); {s.remaining:,.0f} left when reached, it costs {s.cost:,.0f}"
            else:
                why = f"ranked {s.rank} ({source} {s.score:g}); it fits the {s.remaining:,.0f} left, yet the file does not select it"
        differences.append(Difference(p, name, s.cost, s.score, s.rank, in_f, not in_f, remaining, why))
    return SelectionCheck(rule, True, None, source, in_file, by_rule, not differences, differences)


def _ratio(a: float | None, b: float | None, scale: float = 1.0) -> float | None:
    if a is None or b is None or b == 0 or (isinstance(b, float) and math.isnan(b)):
        return None
    return scale * a / b


def turnout_pct(voters: int, population: float | None) -> float | None:
    """Voters per 100 residents."""
    return _ratio(voters, population, 100.0)


def budget_share_pct(budget: float, spending: float | None) -> float | None:
    """The PB budget as a per cent of the authority's total spending."""
    return _ratio(budget, spending, 100.0)


def per_resident(amount: float, population: float | None) -> float | None:
    """An amount (PLN) per resident."""
    return _ratio(amount, population)


def per_10k(count: int, population: float | None) -> float | None:
    """A count per 10,000 residents."""
    return _ratio(count, population, 10_000.0)


def cost_distribution(costs: Sequence[float]) -> dict[str, float | None]:
    """Minimum, quartiles (linear interpolation, numpy's default) and maximum of the project costs."""
    if len(costs) == 0:
        return dict.fromkeys(("min", "q1", "median", "q3", "max"))
    q = np.percentile(np.asarray(costs, dtype=float), [0, 25, 50, 75, 100])
    return dict(zip(("min", "q1", "median", "q3", "max"), (float(x) for x in q), strict=True))


def largest_share_pct(costs: Sequence[float], budget: float) -> float | None:
    """The largest of the given (selected) projects' costs as a per cent of the budget."""
    return _ratio(max(costs), budget, 100.0) if len(costs) else None


def vote_concentration(votes: Sequence[float]) -> dict[str, float | None]:
    """Herfindahl–Hirschman index of the votes over projects (sum of squared shares, 1/n for an even spread up to 1
    when one project has every vote) and the per cent of votes of the top 3 projects."""
    v = np.asarray(votes, dtype=float)
    total = v.sum()
    if total <= 0:
        return {"hhi": None, "top3_pct": None}
    shares = v / total
    return {"hhi": float((shares**2).sum()), "top3_pct": float(100 * np.sort(v)[::-1][:3].sum() / total)}


def is_district(meta: dict[str, str]) -> bool:
    """A district instance: META names a `district`, or a `subunit` that is not city-wide."""
    if meta.get("district", "").strip():
        return True
    sub = meta.get("subunit", "").strip().lower()
    return bool(sub) and sub not in CITYWIDE


def district_vs_citywide(pbs: Sequence[ParticipatoryBudget]) -> dict[str, float | int | None]:
    """The budgets of several instances of one authority and year split into district and city-wide ones, and the
    district share of the total in per cent."""
    keys = {(pb.meta["unit"], pb.meta["instance"]) for pb in pbs}
    if len(keys) != 1:
        raise InputError("the files are of different authorities or years: " + "; ".join(
            f"{pb.path.name}: {pb.meta['unit']} {pb.meta['instance']}" for pb in pbs))
    district = sum(pb.budget for pb in pbs if is_district(pb.meta))
    citywide = sum(pb.budget for pb in pbs if not is_district(pb.meta))
    return {"district_budget": district, "citywide_budget": citywide,
            "district_instances": sum(is_district(pb.meta) for pb in pbs),
            "citywide_instances": sum(not is_district(pb.meta) for pb in pbs),
            "district_share_pct": _ratio(district, district + citywide, 100.0)}


def pb_summary(pb: ParticipatoryBudget, check: SelectionCheck | None = None, population: float | None = None,
               spending: float | None = None) -> dict:
    """Everything the report section and `jstbench pb read --json` show, as plain JSON-ready values (the schema is
    in the module `jstbench.views.participatory`)."""
    check = check or check_selection(pb)
    counted = pb.tallies()
    if check.selected_in_file is not None:
        chosen, source = check.selected_in_file, "file"
    elif check.selected_by_rule is not None:
        chosen, source = check.selected_by_rule, "rule"
    else:
        chosen, source = [], None
    projects = pb.projects
    votes_col = projects["votes"].astype(float) if "votes" in projects.columns and projects["votes"].notna().all() else counted["votes"]
    rows = sorted(((float(projects.at[p, "cost"]), int(votes_col[p]), p) for p in chosen), key=lambda r: (-r[0], -r[1]))
    selected = [{"project_id": p, "name": str(projects.at[p, "name"]) if "name" in projects.columns else "", "cost": cost,
                 "votes": votes} for cost, votes, p in rows]
    costs = projects["cost"].astype(float).tolist()
    return {
        "file": pb.path.name, "unit": pb.meta["unit"], "subunit": pb.meta.get("district") or pb.meta.get("subunit") or None,
        "district": is_district(pb.meta), "instance": pb.meta["instance"], "description": pb.meta["description"],
        "synthetic": pb.meta.get("synthetic", "").lower() == "yes",
        "vote_type": pb.vote_type, "rule": pb.rule, "budget": pb.budget, "population": population, "spending": spending,
        "projects": len(projects), "voters": len(pb.votes), "selected_count": len(chosen) if source else None,
        "selected_source": source, "selected_cost": sum(r[0] for r in rows) if source else None,
        "turnout_pct": turnout_pct(len(pb.votes), population),
        "budget_share_pct": budget_share_pct(pb.budget, spending),
        "budget_per_resident": per_resident(pb.budget, population),
        "submitted_per_10k": per_10k(len(projects), population),
        "selected_per_10k": per_10k(len(chosen), population) if source else None,
        "cost": cost_distribution(costs),
        "largest_selected_share_pct": largest_share_pct([r[0] for r in rows], pb.budget),
        **vote_concentration(counted["votes"].tolist()),
        "selected": selected,
        "selected_in_file": check.selected_in_file, "selected_by_rule": check.selected_by_rule,
        "selection_agrees": check.agrees, "selection_rerun": check.rerun, "selection_reason": check.reason,
        "score_source": check.score_source,
        "differences": [asdict(d) for d in check.differences],
        "warnings": list(pb.warnings),
    }
