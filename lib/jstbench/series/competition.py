"""Scoring a competition: `konkurs.yml` and the jury's workbooks -> the normalised scores, totals, rank intervals
and places (`stats.competition`) -> a `CompetitionResult` the views show (the results page, the site's pages in
`praktyki/`, the feedback sheets)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jstbench.core.project import Project
from jstbench.core.units import display_name
from jstbench.data.competition import CompetitionResult, load_competition, read_scores
from jstbench.data.participants import load_participants
from jstbench.stats.competition import rank_intervals

KONKURS = "konkurs.yml"


def konkurs_file(folder: Path) -> Path:
    """The competition file of a folder (or the file itself when given)."""
    folder = Path(folder)
    return folder if folder.suffix in (".yml", ".yaml") else folder / KONKURS


def unit_names(project: Project) -> dict[str, str]:
    """Authority names by TERYT code, as readers know them, from the project's participants (empty without them)."""
    if not project.participants_file.exists():
        return {}
    return {p.code: display_name(p.name, p.kind or "") for p in load_participants(project.participants_file)
            if p.code and p.name}


def score_competition(folder: Path, project: Project) -> CompetitionResult:
    """Load the competition in `folder`, read and check the jury's workbooks and rank the entries."""
    path = konkurs_file(folder)
    c = load_competition(path)
    scores, comments = read_scores(c, c.scores_dir(path, project.root))
    r = rank_intervals(scores, c.weights, [j.id for j in c.jurors], [e.id for e in c.entries], c.normalise,
                       c.bootstrap.runs, c.bootstrap.seed, c.bootstrap.level, c.tie_threshold)
    names = unit_names(project)
    entries = pd.DataFrame([{"entry": e.id, "unit": e.unit, "name": names.get(e.unit, f"JST {e.unit}"),
                             "title": e.title, "practice": e.practice or ""} for e in c.entries])
    awards = {a.entry: a.award for a in c.awards}
    ranking = r.table.merge(entries, on="entry", how="left").assign(award=lambda d: d["entry"].map(awards).fillna(""))
    cols = ["entry", "unit", "name", "title", "practice", "total", "rank", "rank_low", "rank_high", "place", "ex_aequo",
            "p_above", "unscored_runs", "award"]
    return CompetitionResult(c, ranking[cols], r.means, r.adjusted, comments, r.constant, r.runs)
