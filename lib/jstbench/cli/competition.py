"""`jstbench competition`: a management competition — the jury's workbooks (`make`) and the results (`score`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from jstbench.cli.common import RootOpt, friendly, literal, option_path, out, project_of
from jstbench.core.errors import InputError

app = typer.Typer(help="The management competition: jury workbooks, scores, results and feedback.",
                  no_args_is_help=True, add_completion=False)

FolderArg = Annotated[Path, typer.Argument(help="The competition's folder (with konkurs.yml), or its id under "
                                                "params/competitions/.")]


def _folder(project, given: Path) -> Path:
    """The competition folder as given, or by its id under params/competitions/."""
    if given.exists():
        return given
    by_id = project.competitions_dir / given
    if by_id.exists():
        return by_id
    raise InputError(f"no such folder, nor a competition {str(given)!r} in {project.competitions_dir}", given)


@app.command()
@friendly
def make(folder: FolderArg,
         force: Annotated[bool, typer.Option("--force", help="Overwrite workbooks that already hold scores.")] = False,
         root: RootOpt = None) -> None:
    """Write an empty score workbook for every juror into the competition's scores folder."""
    from jstbench.data.competition import filled, load_competition, make_score_sheets, workbook_name
    from jstbench.series.competition import konkurs_file

    project = project_of(root)
    path = konkurs_file(_folder(project, folder))
    c = load_competition(path)
    dest = c.scores_dir(path, project.root)
    kept = [dest / workbook_name(j) for j in c.jurors if (dest / workbook_name(j)).exists() and filled(dest / workbook_name(j))]
    if kept and not force:
        raise InputError(f"these workbooks already hold scores: {', '.join(p.name for p in kept)}; "
                         "`--force` overwrites them", dest)
    make_score_sheets(c, dest)
    conflicts = sum(c.conflict(j, e) for j in c.jurors for e in c.entries)
    out.print(literal(f"{len(c.jurors)} jury workbooks ({len(c.entries)} entries × {len(c.criteria)} criteria, "
                      f"{conflicts} conflict-of-interest rows greyed) → {dest}"))


@app.command()
@friendly
def score(folder: FolderArg,
          out_dir: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: output/konkurs/<id>).")] = None,
          root: RootOpt = None) -> None:
    """Read the jury's workbooks, rank the entries with rank intervals and write the results and feedback sheets."""
    from jstbench.core.atomic import replace_dir
    from jstbench.series.competition import score_competition
    from jstbench.views.competition import (
        feedback_xlsx,
        interval_text,
        place_text,
        results_html,
        results_xlsx,
    )

    project = project_of(root)
    r = score_competition(_folder(project, folder), project)
    c = r.competition
    dest = option_path(project, out_dir, project.output_dir / "konkurs" / c.id)

    def build(stage: Path) -> None:
        (stage / "wyniki.html").write_text(results_html(r), encoding="utf-8")
        (stage / "wyniki.xlsx").write_bytes(results_xlsx(r))
        (stage / "feedback").mkdir()
        for e in c.entries:
            feedback_xlsx(r, e.id, stage / "feedback" / f"{e.id}.xlsx")

    replace_dir(dest, build)
    level = f"{100 * c.bootstrap.level:.0f}%"
    table = Table("place", "entry", "authority", "total", f"rank interval ({level})", "award",
                  title=literal(f"{c.title}: {len(c.jurors)} jurors, normalisation {c.normalise}, {r.runs} bootstrap runs"))
    for _, row in r.ranking.iterrows():
        table.add_row(literal(place_text(row)), literal(f"{row['entry']}: {row['title']}"), literal(str(row["name"])),
                      "–" if row["total"] != row["total"] else f"{row['total']:.2f}", literal(interval_text(row)),
                      literal(str(row["award"])))
    out.print(table)
    for juror, criterion in r.constant:
        out.print(literal(f"note: juror {juror} gave every entry the same score on {criterion}: only centred"))
    out.print(literal(f"results → {dest} (wyniki.html, wyniki.xlsx, feedback/: {len(c.entries)} workbooks)"))
