"""`jstbench survey …`: survey response files checked against the questionnaires of the catalogue
(methodology/catalogue/surveys/*.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from jstbench.cli.common import RootOpt, friendly, out, project_of
from jstbench.core.errors import InputError, InputErrors, collect
from jstbench.core.text import num

app = typer.Typer(help="Ankiety mieszkańców, organizacji i przedsiębiorców: kontrola plików z odpowiedziami.",
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
    from jstbench.catalogue.model import SECTORS
    from jstbench.catalogue.questionnaire import load_questionnaires
    from jstbench.data.survey import SMALL_STRATUM, Responses, guess_questionnaire, read_responses, response_rates, strata_counts

    project = project_of(root)
    cat = load_catalogue(project.catalogue_dir)
    known = load_questionnaires(project.catalogue_dir / "surveys", SECTORS, cat.indicators)
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
        out.print(f"[bold]{escape(q.title)}[/] ({qid}, wersja {q.version}): plików {len(items)}, "
                  f"respondentów {num(len(responses.data), 0)}")
        counts = strata_counts(responses)
        rates = response_rates(responses)
        strata = [s.id for s in q.strata]
        cells = counts[strata].drop_duplicates().astype(str).agg(" ".join, axis=1).tolist()
        table = Table("JST", "fala", "respondenci", *cells, "odpowiedzi (min.)", title="Respondenci według warstw")
        for (unit, wave), g in counts.groupby(["unit", "wave"], sort=True):
            shown = [f"[red]{n}*[/]" if n < SMALL_STRATUM else str(n) for n in g["respondents"]]
            row = rates.loc[(unit, wave)]
            lowest = f"{row.min() * 100:.0f}% ({escape(str(row.idxmin()))})"
            table.add_row(escape(str(unit)), escape(str(wave)), str(int(g["respondents"].sum())), *shown, lowest)
        out.print(table)
        out.print(f"* mniej niż {SMALL_STRATUM} respondentów w warstwie (kontrola ujawnienia przy publikacji)")
        detail = Table("pytanie", *(f"{u} {w}" for u, w in rates.index), title="Odsetek odpowiedzi merytorycznych")
        for column in rates.columns:
            detail.add_row(escape(column), *(f"{v * 100:.0f}%" for v in rates[column]))
        out.print(detail)
        if len(responses.free_text):
            out.print(f"odpowiedzi swobodne: {len(responses.free_text)} (nie są publikowane)")
    if errors:
        raise InputErrors(errors)
    out.print("[green]ok[/]")
