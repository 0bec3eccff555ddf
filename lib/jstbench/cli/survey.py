"""`jstbench survey …`: survey response files checked against the questionnaires of the catalogue
(methodology/catalogue/surveys/*.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich.table import Column, Table
from rich.text import Text

from jstbench.cli.common import RootOpt, friendly, literal, option_path, out, project_of, run_reports
from jstbench.core.errors import InputError, InputErrors, collect
from jstbench.core.text import num

app = typer.Typer(help="Ankiety mieszkańców, organizacji i przedsiębiorców: kontrola plików z odpowiedziami, ważenie, "
                       "raporty.",
                  no_args_is_help=True, add_completion=False)


@app.command()
@friendly
def check(files: Annotated[list[Path], typer.Argument(help="Response files: CSV, XLSX or SPSS .sav.")],
          questionnaire: Annotated[Optional[str], typer.Option(
              "--questionnaire", "-q", help="Questionnaire id (default: told from each file's columns).")] = None,
          sheet: Annotated[Optional[str], typer.Option(help="XLSX sheet (default: the first).")] = None,
          root: RootOpt = None) -> None:
    """Validate every answer against its questionnaire; per unit and wave print the respondents, the respondents per
    stratum (those under 10 marked) and item response rates. Every problem of every file is listed (exit 1)."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.data.survey import SMALL_STRATUM, Responses, guess_questionnaire, read_responses, response_rates, strata_counts

    project = project_of(root)
    cat = load_catalogue(project.catalogue_dir)
    known = cat.questionnaires
    if questionnaire is not None and questionnaire not in known:
        raise InputError(f"unknown questionnaire {questionnaire!r}; known: {', '.join(known)}")
    errors: list[InputError] = []
    parts: dict[str, list[Responses]] = {}
    for path in files:
        q = known[questionnaire] if questionnaire else collect(errors, guess_questionnaire, path, known, sheet)
        r = collect(errors, read_responses, path, q, sheet) if q is not None else None
        if q is None or r is None:
            continue
        parts.setdefault(q.id, []).append(r)
    for qid, items in parts.items():
        responses = Responses.combine(items)
        q = responses.questionnaire
        out.print(Text.assemble(Text.assemble(literal(q.title), style="bold"), literal(
            f" ({qid}, wersja {q.version}): plików {len(items)}, respondentów {num(len(responses.data), 0)}")))
        counts = strata_counts(responses)
        rates = response_rates(responses)
        strata = [s.id for s in q.strata]
        cells = counts[strata].drop_duplicates().astype(str).agg(" ".join, axis=1).tolist()
        table = Table("JST", "fala", "respondenci", *(Column(literal(c)) for c in cells), "odpowiedzi (min.)",
                      title="Respondenci według warstw")
        for (unit, wave), g in counts.groupby(["unit", "wave"], sort=True):
            shown = [Text(f"{n}*", style="red") if n < SMALL_STRATUM else str(n) for n in g["respondents"]]
            row = rates.loc[(unit, wave)]
            lowest = literal(f"{row.min() * 100:.0f}% ({row.idxmin()})")
            table.add_row(literal(str(unit)), literal(str(wave)), str(int(g["respondents"].sum())), *shown, lowest)
        out.print(table)
        out.print(f"* mniej niż {SMALL_STRATUM} respondentów w warstwie (kontrola ujawnienia przy publikacji)")
        detail = Table("pytanie", *(Column(literal(f"{u} {w}")) for u, w in rates.index), title="Odsetek odpowiedzi merytorycznych")
        for column in rates.columns:
            detail.add_row(literal(str(column)), *(f"{v * 100:.0f}%" for v in rates[column]))
        out.print(detail)
        if len(responses.free_text):
            out.print(f"odpowiedzi swobodne: {len(responses.free_text)} (nie są publikowane)")
    if errors:
        raise InputErrors(errors)
    out.print("[green]ok[/]")


@app.command()
@friendly
def weight(files: Annotated[list[Path], typer.Argument(help="Response files: CSV, XLSX or SPSS .sav.")],
           questionnaire: Annotated[str, typer.Option("--questionnaire", "-q", help="Questionnaire id.")] = "mieszkancy",
           method: Annotated[str, typer.Option(help="rake (sex and age margins) or poststratify (sex × age cells).")] = "rake",
           data: Annotated[Optional[Path], typer.Option(
               help="Store with the population by sex and age (default output/data/demo).")] = None,
           out_file: Annotated[Optional[Path], typer.Option("--out", help="Write respondent_id;unit;wave;weight as CSV.")] = None,
           root: RootOpt = None) -> None:
    """Weight each authority and wave to its own population by sex and age group (the store's pop_<sex>_<ages>
    variables of the wave's year, or the latest earlier one); print respondents, population, effective sample size,
    design effect, largest/smallest weight and merged cells; with --out write the weights."""
    from jstbench.catalogue.load import load_catalogue
    from jstbench.core.atomic import write_text
    from jstbench.data.store import Store
    from jstbench.data.survey import Responses, read_responses
    from jstbench.series.surveys import weigh

    if method not in ("rake", "poststratify"):
        raise InputError(f"unknown method {method!r}: rake or poststratify", where="--method")
    project = project_of(root)
    q = _questionnaire(load_catalogue(project.catalogue_dir), questionnaire)
    errors: list[InputError] = []
    parts = [collect(errors, read_responses, path, q) for path in files]
    if errors:
        raise InputErrors(errors)
    responses = Responses.combine([p for p in parts if p is not None]).data.reset_index(drop=True)
    store = Store.load(option_path(project, data, project.demo_data_dir))
    weighting, waves = weigh(responses, q, store.wide(), method)
    table = Table("unit", "wave", "respondents", "population", "of year", "n_eff", "deff", "max/min weight", "merged cells",
                  title=literal(f"{q.id}: weights ({waves['method'].iloc[0] if len(waves) else method})"))
    for r in waves.itertuples():
        table.add_row(literal(str(r.unit)), literal(str(r.wave)), str(r.respondents), num(r.population, 0),
                      num(r.population_year, 0), num(r.n_eff, 1), num(r.deff, 2),
                      num(r.weight_ratio, 1), literal(r.collapsed or "–"))
    out.print(table)
    if out_file is not None:
        weights = weighting if isinstance(weighting, pd.Series) else weighting.weights
        frame = responses[["respondent_id", "unit", "wave"]].assign(weight=weights.round(6))
        write_text(project.resolve(out_file), frame.to_csv(sep=";", index=False))
        out.print(literal(f"weights of {len(frame)} respondents → {project.resolve(out_file)}"))


@app.command()
@friendly
def report(series: Annotated[str, typer.Argument(help="A series with `surveys:` (params/<series>.yml), built by "
                                                      "`jstbench reports`.")],
           only: Annotated[Optional[list[str]], typer.Option("--only", help="Only these authorities (TERYT; repeat).")] = None,
           workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 2,
           root: RootOpt = None) -> None:
    """Execute the survey reports (one per authority and wave) of a built series again into
    output/<series>/ankiety/, e.g. after editing the template; `jstbench reports` builds them with everything else."""
    from jstbench.series.build import check_series
    from jstbench.series.run import voice_jobs

    project = project_of(root)
    checked = check_series(project, series)
    if checked.spec.surveys is None:
        raise InputError("the series has no `surveys:` section", checked.path, "surveys")
    series_dir = project.output_dir / series
    if not (series_dir / "data" / "survey_waves.parquet").exists():
        raise InputError(f"series {series!r} is not built: run `jstbench reports {series}` first", series_dir)
    jobs = [j for j in voice_jobs(checked, project, series_dir / "data")
            if j.kind == "survey" and (not only or j.parameters["unit"] in only)]
    if not jobs:
        raise InputError(f"no survey waves of {', '.join(only or [])} in the series", where="--only")
    run_reports(jobs, series_dir, workers, "survey", series_dir / "ankiety")


def _questionnaire(cat, qid: str):
    if qid not in cat.questionnaires:
        raise InputError(f"unknown questionnaire {qid!r}; known: {', '.join(cat.questionnaires)}", where="--questionnaire")
    return cat.questionnaires[qid]
