"""What every `jstbench` command shares: the consoles, the --root option, the project, clear input errors."""

from __future__ import annotations

from functools import wraps
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from jstbench.core.errors import InputError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

RootOpt = Annotated[Optional[Path], typer.Option("--root", help="Project folder (default: found from cwd).")]


def project_of(root: Path | None):
    from jstbench.core.project import Project

    return Project.find(root) if root is None else Project(root.resolve())


def option_path(project, given: Path | None, default: Path) -> Path:
    """An option's path (relative to the project root), or the project's default for it."""
    return default if given is None else project.resolve(given)


def friendly(fn):
    """Turn input errors into a clear message and exit code 1 (no traceback)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            err.print("[bold red]error:[/] " + escape(exc.message.replace("\n", "\n  ")), highlight=False)
            raise typer.Exit(1) from None
        except FileNotFoundError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


def run_reports(jobs: list, series_dir: Path, workers: int, what: str, folder: Path) -> None:
    """Execute report jobs (`series.runner`), say how many passed, list the failures; exit 1 when any failed."""
    from jstbench.series.runner import execute

    results = execute(jobs, series_dir, workers)
    failed = [r for r in results if r.status != "ok"]
    out.print(f"{len(results) - len(failed)} {what} reports ok, {len(failed)} failed → {folder}")
    for r in failed:
        err.print(f"[red]failed:[/] {escape(r.job.label)}: {escape(r.error or '')}", highlight=False)
    if failed:
        raise typer.Exit(1)
