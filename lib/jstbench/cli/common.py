"""What every `jstbench` command shares: the consoles, the --root option, the project, clear input errors."""

from __future__ import annotations

import re
from functools import wraps
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.text import Text

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


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def literal(text: str) -> Text:
    """Input-derived text as rich prints it literally: no markup, emoji codes or highlighting, and control
    characters (a terminal escape, a carriage return) shown as `\\x1b` instead of acting on the terminal."""
    return Text(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text))


def say(console: Console, label: str, style: str, text: str) -> None:
    """`label` in `style`, then `text` printed literally (continuation lines indented)."""
    console.print(Text.assemble((label, style), " ", literal(text.replace("\n", "\n  "))))


def friendly(fn):
    """Turn input errors into a clear message and exit code 1 (no traceback)."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            say(err, "error:", "bold red", exc.message)
            raise typer.Exit(1) from None
        except FileNotFoundError as exc:
            say(err, "error:", "bold red", str(exc))
            raise typer.Exit(1) from None

    return wrapper


def run_reports(jobs: list, series_dir: Path, workers: int, what: str, folder: Path) -> None:
    """Execute report jobs (`series.runner`), say how many passed, list the failures; exit 1 when any failed."""
    from jstbench.series.runner import execute

    results = execute(jobs, series_dir, workers)
    failed = [r for r in results if r.status != "ok"]
    out.print(literal(f"{len(results) - len(failed)} {what} reports ok, {len(failed)} failed → {folder}"))
    for r in failed:
        say(err, "failed:", "red", f"{r.job.label}: {r.error or ''}")
    if failed:
        raise typer.Exit(1)
