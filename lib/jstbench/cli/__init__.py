"""The `jstbench` command line: check, demo-data, indicators, reports, site, audit, pdf, clean."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from jstbench.cli.common import RootOpt, err, friendly, literal, option_path, out, project_of, say
from jstbench.core.errors import InputError

app = typer.Typer(help="Benchmarking usług publicznych JST: katalog wskaźników, dane, raporty, metodologia.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@app.command()
@friendly
def check(series: Annotated[Optional[list[str]], typer.Argument(help="Series to check (default: none, only the catalogue).")] = None,
          root: RootOpt = None) -> None:
    """Validate the catalogue (indicators, the CAF model) and the competitions, and for each series its parameters,
    groups, data and inputs (surveys, strategies, practices, CAF workbooks), before a build."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.series.build import check_series

    project = project_of(root)
    cat = load_catalogue(project.catalogue_dir)
    out.print(f"catalogue: {len(cat)} indicators, {len(cat.variables)} variables, digest {cat.digest}")
    for warning in cat.problems():
        say(out, "  warning:", "yellow", warning)
    todo = sum(i.status != "verified" for i in cat.indicators.values())
    out.print(f"  {todo} of {len(cat)} indicators are marked to-verify or draft")
    from jstbench.catalogue.caf import load_caf
    from jstbench.data.competition import load_competition

    caf = load_caf(project.catalogue_dir / "caf.yml")
    out.print(literal(f"CAF model: {caf.version}, {len(caf.criteria)} criteria, {len(caf.subcriteria())} sub-criteria, "
                      f"workbook template {caf.template_version}"))
    for path in sorted(project.competitions_dir.glob("*/konkurs.yml")):
        comp = load_competition(path)
        out.print(literal(f"competition {comp.id}: {len(comp.criteria)} criteria, {len(comp.jurors)} jurors, "
                          f"{len(comp.entries)} entries"))
    for name in series or []:
        c = check_series(project, name)
        out.print(literal(f"series {name}: year {c.spec.year}, {len(c.group_ids)} groups, {len(c.unit_codes)} authorities, "
                          f"data {c.spec.data} ({len(c.store.units)} units, years {c.store.years[0]}-{c.store.years[-1]})"))
    out.print("[green]ok[/]")


@app.command("demo-data")
@friendly
def demo_data(scale: Annotated[float, typer.Option(help="Share of the synthetic national background (1 = all ~2,800 units).")] = 1.0,
              seed: int = 20111, root: RootOpt = None) -> None:
    """Write the deterministic demo data (participants + synthetic background) to output/data/demo."""
    from jstbench.data.demo import generate
    from jstbench.data.participants import load_participants
    from jstbench.data.store import save

    project = project_of(root)
    t0 = time.perf_counter()
    participants = load_participants(project.participants_file)
    units, obs = generate(participants, background_scale=scale, seed=seed)
    save(units, obs, project.demo_data_dir)
    out.print(literal(f"demo data: {len(units)} units ({int((~units['synthetic']).sum())} real participants, "
              f"{int(units['synthetic'].sum())} synthetic), {obs['year'].nunique()} years, {len(obs):,} observations "
              f"→ {project.demo_data_dir} ({time.perf_counter() - t0:.1f} s)"))
    from jstbench.catalogue.load import load_catalogue
    from jstbench.data.demo_voice import WAVES, write_demo_voice

    q = load_catalogue(project.catalogue_dir).questionnaires["mieszkancy"]
    surveys, budgets = write_demo_voice(project.demo_data_dir, participants, obs, q, seed)
    out.print(literal(f"  residents' surveys: {surveys} files (waves {', '.join(map(str, WAVES))}); participatory budgets: "
              f"{budgets} .pb files → {project.demo_data_dir}/surveys, /pb"))
    from jstbench.catalogue.caf import load_caf
    from jstbench.core.atomic import replace_dir
    from jstbench.data.caf_demo import DEMO_UNITS, write_demo_caf

    names = {p.code: p.name for p in participants if p.code and p.name}
    caf_model, caf = load_caf(project.catalogue_dir / "caf.yml"), []
    replace_dir(project.demo_data_dir / "caf", lambda staging: caf.append(
        write_demo_caf(staging, [(c, names[c]) for c in DEMO_UNITS], seed, caf_model)))
    out.print(literal(f"  CAF self-assessments: {caf[0]} (team workbooks of {len(DEMO_UNITS)} cities) → {project.demo_data_dir}/caf"))
    from jstbench.data.competition import load_competition
    from jstbench.data.competition_demo import write_demo_scores

    demo = project.competitions_dir / "demo-2024" / "konkurs.yml"
    if demo.exists():
        c = load_competition(demo)
        jurors = []
        replace_dir(c.scores_dir(demo, project.root), lambda staging: jurors.append(write_demo_scores(c, staging, seed)))
        out.print(literal(f"  competition {c.id}: {len(c.entries)} entries, workbooks of {jurors[0]} jurors → {c.scores_dir(demo, project.root)}"))
    unresolved = [p.as_given for p in participants if p.code is None]
    if unresolved:
        out.print(literal(f"  unresolved participant names left out: {', '.join(unresolved)} (see params/participants.yml)"))


@app.command()
@friendly
def indicators(as_json: Annotated[bool, typer.Option("--json", help="Print the whole catalogue as JSON.")] = False,
               root: RootOpt = None) -> None:
    """List the indicator catalogue."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.catalogue.model import SECTORS

    cat = load_catalogue(project_of(root).catalogue_dir)
    if as_json:
        sys.stdout.write(cat.to_json() + "\n")
        return
    table = Table("id", "obszar", "rodzaj", "kierunek", "jednostka", "formuła", "status")
    for ind in cat.indicators.values():
        table.add_row(*(literal(x or "") for x in (ind.id, SECTORS[ind.sector]["pl"], ind.kind, ind.direction, ind.unit,
                                                   ind.formula, ind.status)))
    out.print(table)
    out.print(f"{len(cat)} indicators")


@app.command()
@friendly
def reports(series: Annotated[str, typer.Argument(help="Series name: params/<series>.yml")],
            workers: Annotated[Optional[int], typer.Option(help="Worker processes (default: from the series).")] = None,
            engine: Annotated[str, typer.Option(help="warm (kernel reuse) or papermill (fresh kernel per report).")] = "warm",
            executor: Annotated[str, typer.Option(help="local (worker processes on this machine) or dask (a Dask cluster).")] = "local",
            scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with "
                                                             "--executor dask; default: a local cluster).")] = None,
            force: Annotated[bool, typer.Option("--force", help="Rebuild everything, even what is unchanged.")] = False,
            root: RootOpt = None) -> None:
    """Execute every report of a series into output/<series>/ (HTML, notebooks, index, manifest).

    Data and reports whose inputs did not change since the last build are reused (see the manifest)."""
    from jstbench.series import run as rep
    from jstbench.series.build import check_series

    if engine not in ("warm", "papermill"):
        raise InputError(f"unknown engine {engine!r}: use warm or papermill", where="--engine")
    if executor not in ("local", "dask"):
        raise InputError(f"unknown executor {executor!r}: use local or dask", where="--executor")
    if scheduler and executor != "dask":
        raise InputError("--scheduler needs --executor dask", where="--scheduler")
    project = project_of(root)
    checked = check_series(project, series)
    m = rep.run(project, series, workers=workers, engine=engine, checked=checked, executor=executor, scheduler=scheduler,
                force=force)
    folder = project.output_dir / series
    reused = f" ({m['reused']} unchanged, reused)" if m["reused"] else ""
    out.print(literal(f"{m['ok']} reports ok{reused}, {m['failed']} failed in {m['duration_s']} s → {folder / 'index.html'}"))
    for r in m["reports"]:
        if r["status"] != "ok":
            say(err, "failed:", "red", f"{r['label']}: {r['error']}")
    if m["failed"]:
        raise typer.Exit(1)


@app.command()
@friendly
def site(root: RootOpt = None,
         renderer: Annotated[str, typer.Option(help="auto (quarto if installed, else smalldocs), quarto or smalldocs.")] = "auto") -> None:
    """Render the methodology site (with one generated page per indicator) into output/site/."""
    from jstbench.site.build import build_site

    project = project_of(root)
    res = build_site(project, renderer=renderer)
    out.print(Text.assemble("site rendered with ", (res.renderer, "bold"), literal(
        f": {res.pages} pages, {res.links_checked} internal links checked, none broken → {res.index}")))


@app.command()
@friendly
def audit(folder: Annotated[Path, typer.Argument(help="A built folder: a series (output/<series>) or the site (output/site).")],
          axe: Annotated[bool, typer.Option("--axe/--no-axe", help="Also run axe-core (WCAG 2.1 AA) in headless Chromium.")] = True,
          sample: Annotated[int, typer.Option(help="Pages axe-core checks, spread over the sub-folders.")] = 5) -> None:
    """Check every HTML page for accessibility and self-containment (lang, headings, alt texts, table captions and
    scopes, nothing loaded from another host, no nan/None shown), and a sample with axe-core; exit 1 on any static
    problem or any serious or critical axe violation."""
    from collections import Counter

    from jstbench.site.audit import CHECKS, FAILING_IMPACTS, audit_folder, html_pages, sample_pages
    from jstbench.site.pdf import BrowserUnavailable

    folder = folder.resolve()
    if not folder.is_dir():
        raise InputError("not a folder", folder)
    if not html_pages(folder):
        raise InputError("no HTML pages under this folder (build the series or the site first)", folder)
    t0 = time.perf_counter()
    res = audit_folder(folder)
    for p in res.problems:
        out.print(Text.assemble(Text.assemble(literal(p.file), style="red"), literal(f": {p.check}: {p.message}")))
        if p.snippet:
            out.print(Text.assemble("    ", literal(p.snippet), style="dim"))
    out.print(f"static checks: {res.pages} pages, {res.stylesheets} stylesheets, {len(res.problems)} problems "
              f"({time.perf_counter() - t0:.1f} s)")
    by_check = Counter(p.check for p in res.problems)
    for check, n in by_check.most_common():
        pages = len({p.file for p in res.problems if p.check == check})
        out.print(f"  {check} ({CHECKS[check]}): {n} problems on {pages} files")
    failed = bool(res.problems)
    if axe:
        chosen = sample_pages(html_pages(folder), folder, sample)
        try:
            from jstbench.site.audit import axe_pages

            ax = axe_pages(chosen, folder)
        except BrowserUnavailable as exc:
            say(err, "axe-core skipped:", "yellow", f"{exc.message}; static checks only")
        else:
            for v in ax.violations:
                colour = "red" if v.impact in FAILING_IMPACTS else "yellow"
                out.print(Text.assemble(Text.assemble(literal(v.impact), style=colour),
                                        literal(f" {v.rule}: {v.page} ({v.nodes} elements): {v.help}")))
            for page, why in ax.failed:
                err.print(Text.assemble(Text.assemble(literal(f"axe-core could not check {page}:"), style="red"), " ",
                                        literal(why)))
            impacts = Counter(v.impact for v in ax.violations)
            out.print(literal(f"axe-core (WCAG 2.1 A/AA) on {len(ax.pages)} pages: " + (", ".join(
                f"{n} {i}" for i, n in impacts.most_common()) or "no violations")))
            failed = failed or bool(ax.failing) or bool(ax.failed)
    if failed:
        raise typer.Exit(1)
    out.print("[green]ok[/]")


@app.command()
@friendly
def pdf(series: Annotated[str, typer.Argument(help="Series name: its reports in output/<series>/ are printed.")],
        only: Annotated[Optional[list[str]], typer.Option(
            "--only", help="Only these reports: TERYT codes, group ids or jakosc-danych (repeat the option).")] = None,
        workers: Annotated[int, typer.Option(help="Browsers printing at once.")] = 2,
        root: RootOpt = None) -> None:
    """Print the series' reports (jst/, grupy/, jakosc-danych) to A4 PDFs beside them, with headless Chromium."""
    from jstbench.site.pdf import print_reports, report_pages

    folder = project_of(root).output_dir / series
    pages = report_pages(folder, only or [])
    run = print_reports(pages, workers=workers)
    size = sum(p.size for p in run.printed)
    each = sum(p.seconds for p in run.printed) / len(run.printed) if run.printed else 0.0
    out.print(literal(f"{len(run.printed)} PDFs ({size / 1e6:.1f} MB, {each:.1f} s per report), {len(run.failed)} failed, "
                      f"in {run.seconds:.1f} s → {folder}"))
    for html, why in run.failed:
        say(err, "failed:", "red", f"{html.relative_to(folder)}: {why}")
    if run.failed:
        raise typer.Exit(1)


@app.command()
@friendly
def clean(root: RootOpt = None, yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False) -> None:
    """Delete everything generated under output/ (keeps output/README.md)."""
    project = project_of(root)
    targets = [p for p in project.output_dir.iterdir() if p.name != "README.md"] if project.output_dir.exists() else []
    if not targets:
        out.print("output/ is already clean")
        return
    if not yes and not typer.confirm(f"delete {len(targets)} item(s) under {project.output_dir}?"):
        raise typer.Exit(1)
    for p in targets:
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    out.print(literal(f"deleted {len(targets)} item(s) under {project.output_dir}"))


data_app = typer.Typer(help="Real data into the store: GUS BDL exports, the TERYT register.", no_args_is_help=True)
app.add_typer(data_app, name="data")


from jstbench.data.readers import files_help, format_help  # noqa: E402  (the help below is generated from the readers)


@data_app.command("load")
@friendly
def data_load(files: Annotated[list[Path], typer.Argument(help=files_help())],
              fmt: Annotated[Optional[str], typer.Option(
                  "--format", help=f"Format of every file, detected when not given. {format_help()}.")] = None,
              store: Annotated[Optional[Path], typer.Option(
                  help="Store folder (units.parquet, observations.parquet); default output/data/real.")] = None,
              mapping: Annotated[Optional[Path], typer.Option(
                  help="BDL variable → catalogue variable rules; default params/bdl_mapping.yml.")] = None,
              skip_unknown_units: Annotated[bool, typer.Option(
                  help="Reject rows of units not in the register instead of failing.")] = False,
              year: Annotated[Optional[int], typer.Option(help="Year of a budget report file without a year column.")] = None,
              layout: Annotated[Optional[str], typer.Option(help="Column layout of a budget report (params/budget_columns.yml).")] = None,
              units_dictionary: Annotated[Optional[Path], typer.Option(
                  help="MF JST dictionary (CSV/XLSX with 'Kod GUS') for MF unit keys the digits do not tell.")] = None,
              root: RootOpt = None) -> None:
    """Load files into the store (an append with provenance; a file with a problem loads nothing) and summarise."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.data.load import load_files

    project = project_of(root)
    cat = load_catalogue(project.catalogue_dir)
    t0 = time.perf_counter()
    store_dir = option_path(project, store, project.real_data_dir)
    summaries = load_files(store_dir, [Path(f) for f in files], fmt, option_path(project, mapping, project.bdl_mapping),
                           set(cat.variables), skip_unknown_units, budget_columns=project.budget_columns,
                           catalogue=cat, year=year, layout=layout,
                           units_dictionary=project.resolve(units_dictionary) if units_dictionary else None)
    for s in summaries:
        years = f"{s.years[0]}–{s.years[-1]}" if s.years else "–"
        out.print(Text.assemble(Text.assemble(literal(Path(s.file).name), style="bold"), literal(
            f" ({s.layout}): {s.rows:,} rows read; {s.units:,} units, years {years}, "
            f"variables: {', '.join(s.variables) or '–'}; {s.values:,} values, {s.flags} flagged; "
            f"{s.new:,} new, {s.revised:,} revised, {s.unchanged:,} unchanged")))
        for why, n in s.rejected.items():
            out.print(literal(f"  rejected {n:,} rows: {why}" if n else f"  note: {why}"))
        if s.recoded:
            pairs = ", ".join(f"{a}→{b}" for a, b in list(s.recoded.items())[:6])
            more = f" and {len(s.recoded) - 6} more" if len(s.recoded) > 6 else ""
            out.print(literal(f"  recoded {len(s.recoded)} gmina codes whose type changed since (same territory): {pairs}{more}"))
    out.print(literal(f"loaded into {store_dir} in {time.perf_counter() - t0:.1f} s"))


@data_app.command("fetch-bdl")
@friendly
def data_fetch_bdl(years: Annotated[list[int], typer.Option("--year", help="Years to fetch (repeat the option).")],
                   level: Annotated[int, typer.Option(help="BDL unit level: 5 powiats, 6 gminas.")] = 6,
                   store: Annotated[Optional[Path], typer.Option(
                       help="Store folder (default output/data/real); responses are kept in <store>/bdl-api/.")] = None,
                   mapping: Annotated[Optional[Path], typer.Option(
                       help="Rules (default params/bdl_mapping.yml); those with table API_<id> name the variables.")] = None,
                   skip_unknown_units: bool = True, root: RootOpt = None) -> None:
    """Fetch the mapping's API variables from the BDL API (pyBDL: rate limits, cache) and load them."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.data.bdl import load_mapping
    from jstbench.data.bdl_api import api_variables, fetch
    from jstbench.data.load import load_files

    project = project_of(root)
    cat = load_catalogue(project.catalogue_dir)
    store_dir, mapping_file = option_path(project, store, project.real_data_dir), option_path(project, mapping, project.bdl_mapping)
    rules = load_mapping(mapping_file, set(cat.variables))
    paths = fetch(api_variables(rules), years, level, store_dir / "bdl-api")
    summaries = load_files(store_dir, paths, "api-json", mapping_file, set(cat.variables), skip_unknown_units)
    for s in summaries:
        out.print(literal(f"{Path(s.file).name}: {s.values:,} values for {s.units:,} units, {s.new} new, {s.revised} revised"))


@data_app.command("fetch")
@friendly
def data_fetch(years: Annotated[str, typer.Option(help="Years: 2015-2024, 2020, or a list such as 2015,2018-2020.")],
               store: Annotated[Optional[Path], typer.Option(help="Store folder; default output/data/real.")] = None,
               cache: Annotated[Optional[Path], typer.Option(
                   help="Folder of the saved responses and pyBDL's caches; default <store>/bdl-api.")] = None,
               levels: Annotated[str, typer.Option(help="gmina (BDL level 6), powiat (level 5) or both.")] = "gmina,powiat",
               variables: Annotated[Optional[str], typer.Option(
                   help="Catalogue variables to fetch, comma-separated; default: all with a BDL source.")] = None,
               dry_run: Annotated[bool, typer.Option(
                   "--dry-run", help="Show the requests and how long they take at the API's limits; fetch nothing.")] = False,
               skip_unknown_units: Annotated[bool, typer.Option(
                   help="Reject rows of units not in the register (e.g. abolished gminas) instead of failing.")] = True,
               root: RootOpt = None) -> None:
    """Fetch every BDL variable the catalogue's sources need (pyBDL: rate limits, cache; API key from BDL_API_KEY)
    and load it; a rerun reuses the responses already saved, so an interrupted fetch resumes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from jstbench.catalogue.load import load_catalogue
    from jstbench.core.text import parse_years
    from jstbench.data import bdl_api
    from jstbench.data.store import UNITS_FILE, store_folder

    project = project_of(root)
    cat = load_catalogue(project.catalogue_dir)
    store_dir = store_folder(option_path(project, store, project.real_data_dir))  # a file there is named as such
    cache_dir = option_path(project, cache, store_dir / "bdl-api")
    names = [v.strip() for v in variables.split(",") if v.strip()] if variables else None
    plan = bdl_api.plan_requests(cat, parse_years(years), bdl_api.parse_levels(levels), names)
    for note in plan.notes():
        out.print(literal(f"note: {note}"))
    if not plan.tasks:
        raise InputError("no BDL variable id to fetch: the catalogue's BDL sources (variables.yml, `bdl_id`) name none "
                         "for these years, levels and variables")
    todo = [t for t in plan.tasks if not (cache_dir / t.file_name).exists()]
    out.print(literal(bdl_api.plan_summary(plan).text()))
    if dry_run:
        for t in plan.tasks:
            state = "to fetch" if t in todo else "saved"
            out.print(literal(f"  {t.file_name}  {', '.join(plan.users.get(t.bdl_id, []))}  ({state})"))
        if todo and len(todo) < len(plan.tasks):
            out.print(literal(f"still to fetch: {bdl_api.plan_summary(plan, todo).text()}"))
        return
    if not (store_dir / UNITS_FILE).exists():
        raise InputError("the store has no units register yet: load a TERYT TERC file first "
                         "(jstbench data load TERC_<date>.csv --store ...)", store_dir)
    client = bdl_api.make_client(cache_dir)
    out.print("API key: " + (f"registered (from {bdl_api.API_KEY_ENV})" if bdl_api.registered(client)
                             else f"none, anonymous limits (set {bdl_api.API_KEY_ENV} for the registered ones)"))
    try:
        with Progress(TextColumn("BDL API requests"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=False) as bar:
            bar_id = bar.add_task("requests", total=None)
            result = bdl_api.fetch_tasks(plan.tasks, cache_dir, client,
                                         on_progress=lambda done, total: bar.update(bar_id, completed=done, total=total))
    finally:
        client.close()
    out.print(literal(f"reused {result.reused} saved response(s) of {len(plan.tasks)}; fetched {result.fetched} "
                      f"({result.requests:,} requests) into {cache_dir}"))
    responses = bdl_api.sort_responses(result.paths, cat)
    for name, why in responses.skipped.items():
        out.print(literal(f"  not loaded: {name}: {why}"))
    if responses.refused:
        raise InputError("responses for BDL variables the catalogue does not know; nothing was loaded:\n"
                         + "\n".join(responses.refused))
    summaries = bdl_api.load_responses(store_dir, responses.load, cat, cache_dir / bdl_api.MAPPING_FILE, skip_unknown_units)
    for s in summaries:
        out.print(literal(f"{Path(s.file).name}: {s.values:,} values for {s.units:,} units, variables "
                          f"{', '.join(s.variables) or '–'}; {s.new:,} new, {s.revised:,} revised, {s.unchanged:,} unchanged"))
        for why, n in s.rejected.items():
            out.print(literal(f"  rejected {n:,} rows: {why}" if n else f"  note: {why}"))
    out.print(literal(f"loaded {len(summaries)} response(s) into {store_dir} (rules: {cache_dir / bdl_api.MAPPING_FILE})"))


@data_app.command("fetch-mf")
@friendly
def data_fetch_mf(source: Annotated[Path, typer.Argument(
                      help="Downloaded Ministry of Finance files: a folder, a ZIP of one report (DBF inside) or a bundle "
                           "ZIP of report ZIPs, or a DBF.")],
                  years: Annotated[Optional[str], typer.Option(
                      "--years", help="Years to load, e.g. 2015-2024 or 2019,2021-2023 (default: every year found).")] = None,
                  store: Annotated[Optional[Path], typer.Option(
                      help="Store folder (default output/data/real); it must hold the TERYT register.")] = None,
                  units_dictionary: Annotated[Optional[Path], typer.Option(
                      help="MF JST dictionary (CSV or XLSX, column 'Kod GUS') for unit keys the digits do not tell.")] = None,
                  fmt: Annotated[Optional[str], typer.Option(
                      "--format", help="rb27s, rb28s, rbz or rbpdp when the file names do not tell the report.")] = None,
                  skip_unknown_units: Annotated[bool, typer.Option(
                      help="Reject (and count) rows of units not in the register, e.g. abolished gminas, instead of "
                           "failing.")] = True,
                  root: RootOpt = None) -> None:
    """Load the annual (Q4) MF budget reports Rb-27S, Rb-28S, Rb-Z, Rb-PDP you downloaded from gov.pl/web/finanse
    ("bazy danych": ZIP of DBF files) for the years asked; nothing is downloaded, and nothing is stored if one file fails."""
    import tempfile

    from jstbench.data import mf

    project = project_of(root)
    wanted = mf.parse_years(years)
    with tempfile.TemporaryDirectory(prefix="jstbench-fetch-mf-") as tmp:
        found = mf.find_mf_files(project.resolve(source), wanted, Path(tmp))
        for name, why in found.skipped:
            out.print(literal(f"skipped {name}: {why}"))
        if not found.files:
            raise InputError(f"no MF report files for the years asked ({years or 'all'}) among the files found", source)
        out.print(literal(f"loading {len(found.files)} file(s): {', '.join(p.name for p in found.files)}"))
        data_load(files=found.files, fmt=fmt or "mf", store=store, mapping=None, skip_unknown_units=skip_unknown_units,
                  year=None, layout=None, units_dictionary=units_dictionary, root=root)


forms_app = typer.Typer(help="Data-collection forms as Excel workbooks: make them, read them back.", no_args_is_help=True)
app.add_typer(forms_app, name="forms")


@forms_app.command("make")
@friendly
def forms_make(group: Annotated[str, typer.Argument(help="Experience-exchange group id from params/groups.yml.")],
               year: Annotated[int, typer.Option(help="The year the data are for.")] = dt.date.today().year - 1,
               data: Annotated[Optional[Path], typer.Option(
                   help="Store whose units register gives the names (default output/data/demo).")] = None,
               out_dir: Annotated[Optional[Path], typer.Option("--out", help="Folder for the workbook (default output/forms).")] = None,
               root: RootOpt = None) -> None:
    """Write the group's workbook: a sheet per form, a row per member, a column per field."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.compare.groups import load_groups
    from jstbench.data.forms import forms_for_sector, make_workbook
    from jstbench.data.store import UNITS_FILE

    project = project_of(root)
    cat = load_catalogue(project.catalogue_dir)
    groups = load_groups(project.groups_file)
    try:
        g = groups.exchange(group)
    except KeyError:
        raise InputError(f"unknown group {group!r}; groups: {', '.join(x.id for x in groups.exchange_groups)}",
                         project.groups_file) from None
    names = {}
    units_file = option_path(project, data, project.demo_data_dir) / UNITS_FILE
    if units_file.exists():
        import pandas as pd

        names = pd.read_parquet(units_file).set_index("code")["name"].to_dict()
    path = option_path(project, out_dir, project.forms_dir) / f"{g.id}-{year}.xlsx"
    form_ids = forms_for_sector(cat, g.sector)
    make_workbook(path, cat, [(c, names.get(c, "")) for c in g.members], g.id, year, form_ids)
    out.print(literal(f"{len(form_ids)} forms ({', '.join(form_ids)}), {len(g.members)} authorities → {path}"))


@forms_app.command("read")
@friendly
def forms_read(file: Annotated[Path, typer.Argument(help="A filled workbook.")],
               store: Annotated[Optional[Path], typer.Option(help="Also load the values into this store.")] = None,
               root: RootOpt = None) -> None:
    """Validate a filled workbook (every problem with its sheet and cell); with --store, load it."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.data.forms import read_workbook
    from jstbench.data.load import load_files

    project = project_of(root)
    cat = load_catalogue(project.catalogue_dir)
    obs, year, group = read_workbook(file, cat)
    out.print(literal(f"{file}: group {group}, year {year}: {obs['unit'].nunique()} authorities, "
                      f"{int(obs['value'].notna().sum())} values, {int(obs['value'].isna().sum())} empty optional cells — valid"))
    if store is not None:
        [s] = load_files(project.resolve(store), [file], "form", catalogue=cat)
        out.print(literal(f"loaded into {project.resolve(store)}: {s.new} new, {s.revised} revised, {s.unchanged} unchanged"))


from jstbench.cli import caf as _caf  # noqa: E402 - command families register after the main app exists
from jstbench.cli import competition as _competition  # noqa: E402
from jstbench.cli import pb as _pb  # noqa: E402
from jstbench.cli import practices as _practices  # noqa: E402
from jstbench.cli import strategy as _strategy  # noqa: E402
from jstbench.cli import survey as _survey  # noqa: E402

app.add_typer(_caf.app, name="caf")
app.add_typer(_competition.app, name="competition")
app.add_typer(_pb.app, name="pb")
app.add_typer(_practices.app, name="practices")
app.add_typer(_survey.app, name="survey")
app.add_typer(_strategy.app, name="strategy")


def main() -> None:  # pragma: no cover
    app()
