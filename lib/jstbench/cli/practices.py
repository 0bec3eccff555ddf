"""`jstbench practices …`: the good-practice base (params/practices/): submission templates and their check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from jstbench.cli.common import RootOpt, friendly, literal, option_path, out, project_of
from jstbench.core.errors import InputError, InputErrors
from jstbench.core.project import Project

app = typer.Typer(help="Baza dobrych praktyk: szablon zgłoszenia i kontrola plików praktyk.",
                  no_args_is_help=True, add_completion=False)


def units_register(project: Project, data: Path | None) -> tuple[pd.DataFrame | None, Path | None]:
    """The units register practices are checked against: `--data`, else the real store, else the demo store."""
    from jstbench.data.store import UNITS_FILE

    candidates = [option_path(project, data, project.real_data_dir)] if data else [project.real_data_dir, project.demo_data_dir]
    for folder in candidates:
        if (folder / UNITS_FILE).exists():
            return pd.read_parquet(folder / UNITS_FILE).set_index("code", drop=False), folder
    if data:
        raise InputError(f"no units register ({UNITS_FILE}) in this folder", option_path(project, data, project.real_data_dir))
    return None, None


@app.command()
@friendly
def check(files: Annotated[Optional[list[Path]], typer.Argument(
              help="Practice files or folders (.md with front matter, .yml, .xlsx template; default params/practices).")] = None,
          data: Annotated[Optional[Path], typer.Option(
              help="Store whose units register the authorities are checked against (default: the real store, else the "
                   "demo store).")] = None,
          root: RootOpt = None) -> None:
    """Validate practices: fields, years of results, catalogue indicators, units, award records. Every problem of
    every file is listed (exit 1)."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.catalogue.model import SECTORS
    from jstbench.data.practices import STATUSES, competition_entries, load_practices

    project = project_of(root)
    cat = load_catalogue(project.catalogue_dir)
    units, register = units_register(project, data)
    awards = competition_entries(project.competitions_dir)
    paths = files or [project.practices_dir]
    loaded = load_practices(paths, cat, units, awards, base=project.practices_dir if not files else None)
    if not files:  # the whole base: every competition entry that names a practice must find it
        from jstbench.data.competition import load_competition

        ids = {x.practice.id for x in loaded}
        missing = [InputError(f"entry {e.id!r} names practice {e.practice!r}, which is not in {project.practices_dir}",
                              path, f"entries[{i}].practice")
                   for path in sorted(project.competitions_dir.glob("*/konkurs.yml"))
                   for i, e in enumerate(load_competition(path).entries) if e.practice and e.practice not in ids]
        if missing:
            raise InputErrors(missing)
    table = Table("praktyka", "JST", "obszar", "wskaźniki", "wyniki", "status", title="Dobre praktyki")
    for item in loaded:
        p = item.practice
        name = str(units.loc[p.unit, "name"]) if units is not None else p.unit
        table.add_row(Text.assemble(literal(p.id), (" (fikcyjna)" if p.synthetic else "", "dim")),
                      literal(f"{name} ({p.unit})"), literal(SECTORS[p.service]["pl"]), literal(", ".join(p.indicators)),
                      str(len(p.results)), literal(STATUSES[p.status]))
    out.print(table)
    where = literal(f"units register {register} ({len(units)} units)") if units is not None else \
        Text("units not checked: no units register (load TERC or run `jstbench demo-data`)", style="yellow")
    out.print(Text.assemble(literal(f"{len(loaded)} practices valid; "), where, f"; {len(awards)} competition record(s)"))


@app.command()
@friendly
def template(path: Annotated[Path, typer.Argument(help="File to write: .xlsx (Excel template) or .md (Markdown).")],
             force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
             root: RootOpt = None) -> None:
    """Write a blank submission template for an authority to fill in."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.data.practices import write_template_md, write_template_xlsx

    project = project_of(root)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".md"):
        raise InputError("the template is .xlsx or .md", path)
    if path.exists() and not force:
        raise InputError("file exists (use --force to overwrite)", path)
    if suffix == ".xlsx":
        write_template_xlsx(path, load_catalogue(project.catalogue_dir))
    else:
        write_template_md(path)
    out.print(literal(f"template → {path}; check it with `jstbench practices check {path}`"))
