"""`jstbench strategy`: check strategy files, and report progress towards their targets in a built series."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from jstbench.cli.common import RootOpt, err, friendly, literal, out, project_of, run_reports, say
from jstbench.core.errors import InputError, InputErrors, collect

app = typer.Typer(help="Strategie rozwoju JST: sprawdzenie plików i raport z realizacji celów.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)

STRATEGIES = "params/strategies"  # one file per authority: <TERYT>.yml
TEMPLATE = "notebooks/strategy_report.ipynb"
OUT = "strategie"  # in output/<series>/


def _warn(warnings: list[InputError]) -> None:
    for w in warnings:
        say(err, "  warning:", "yellow", w.message)


@app.command()
@friendly
def check(files: Annotated[list[Path], typer.Argument(help="Strategy files (YAML) to check.")], root: RootOpt = None) -> None:
    """Validate strategy files against the catalogue; every problem of every file is named (file, field, line)."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.catalogue.strategy import load_strategy

    project = project_of(root)
    catalogue = load_catalogue(project.catalogue_dir)
    problems: list[InputError] = []
    for path in files:
        sf = collect(problems, load_strategy, path, catalogue)
        if sf is None:
            continue
        out.print(literal(f"{path}: {sf.code}, {len(sf.strategy.goals)} goals, {len(sf.items)} indicators "
                          f"({sum(i.source == 'own' for i in sf.items)} own)"))
        _warn(sf.warnings)
    if problems:
        raise InputErrors(problems)
    out.print("[green]ok[/]")


@app.command()
@friendly
def report(series: Annotated[str, typer.Argument(help="A built series: output/<series>/data (jstbench reports <series>).")],
           only: Annotated[Optional[list[str]], typer.Option("--only", help="Only these authorities (TERYT codes; repeat the option).")] = None,
           strategies: Annotated[Optional[Path], typer.Option(help=f"Folder of strategy files (default: {STRATEGIES}).")] = None,
           workers: Annotated[int, typer.Option(min=1, help="Worker processes for the reports.")] = 2,
           root: RootOpt = None) -> None:
    """Compute progress towards each strategy's targets into the series folder, then write per authority
    output/<series>/strategie/<code>.html and the annex of the annual report on the state of the gmina
    (<code>-zalacznik.xlsx and .html)."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.catalogue.strategy import StrategyFile, load_strategy
    from jstbench.series import strategy as st
    from jstbench.series.folder import SeriesFolder
    from jstbench.series.runner import Job

    project = project_of(root)
    series_dir = project.output_dir / series
    folder = SeriesFolder(series_dir / "data")
    year = int(folder.meta["year"])
    catalogue = load_catalogue(project.catalogue_dir)
    source = project.resolve(strategies) if strategies is not None else project.resolve(STRATEGIES)
    paths = sorted(source.glob("*.yml"))
    wanted = set(only or [])
    unknown = wanted - {p.stem for p in paths}
    if unknown:
        raise InputError(f"no strategy file for {', '.join(sorted(unknown))} in {source}", where="--only")
    paths = [p for p in paths if not wanted or p.stem in wanted]
    if not paths:
        raise InputError("no strategy files (<TERYT>.yml)", source)
    units = folder.read("units")
    known = set(units["code"])
    values = folder.read("values", [("unit", "in", [p.stem for p in paths])])
    loaded: list[StrategyFile] = []
    problems: list[InputError] = []
    for path in paths:
        try:
            sf = load_strategy(path, catalogue, values)
        except InputErrors as exc:
            problems += exc.errors
            continue
        if path.stem != sf.code:
            problems.append(InputError(f"the strategy of {sf.code} must be in {sf.code}.yml", path, "authority"))
        elif sf.code not in known:
            problems.append(InputError(f"authority {sf.code} is not in series {series!r}", path, "authority"))
        else:
            loaded.append(sf)
    if problems:
        raise InputErrors(problems)
    jobs = []
    for sf in loaded:
        _warn(sf.warnings)
        progress, points = st.progress_tables(sf, folder, catalogue)
        st.write_progress(folder.folder, sf.code, progress, points, st.strategy_meta(sf))
        jobs.append(Job("strategy", sf.code, f"Strategia: {sf.strategy.title}", str(project.resolve(TEMPLATE)),
                        {"unit": sf.code, "year": year, "series_dir": "../data"},
                        f"{OUT}/{sf.code}.html", f"notebooks/strategia-{sf.code}.ipynb",
                        (f"{OUT}/{sf.code}-zalacznik.xlsx", f"{OUT}/{sf.code}-zalacznik.html")))
    run_reports(jobs, series_dir, workers, "strategy", series_dir / OUT)

