"""`jstbench pb`: participatory budgets in the Pabulib format (read and check a `.pb` file)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from jstbench.cli.common import friendly, literal, out, say
from jstbench.core.errors import InputError, InputErrors

app = typer.Typer(help="Participatory budgets (Pabulib .pb files).", no_args_is_help=True, add_completion=False)

LENIENT_HINT = ("the file is well-formed but its parts disagree; `--lenient` reads it and lists these as warnings")


def _fmt(x: float | None, suffix: str = "", decimals: int = 1) -> str:
    return "–" if x is None else f"{x:,.{decimals}f}{suffix}"


@app.command()
@friendly
def read(file: Annotated[Path, typer.Argument(help="The .pb file.")],
         as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
         population: Annotated[Optional[float], typer.Option(help="Residents of the authority (for per-resident indicators).")] = None,
         spending: Annotated[Optional[float], typer.Option(help="The authority's total spending, PLN (for the budget's share).")] = None,
         lenient: Annotated[bool, typer.Option("--lenient", help="Read a file whose META counts, ballot limits, tallies or "
                                               "selected costs disagree, listing them as warnings.")] = False) -> None:
    """Read a .pb file, check it, re-run its selection rule and print the participatory-budget indicators."""
    from jstbench.data.pabulib import InconsistentFile, read_pb
    from jstbench.indicators.participatory import pb_summary

    for option, given in (("--population", population), ("--spending", spending)):
        if given is not None and given <= 0:
            raise InputError(f"must be above 0, got {given:g}", where=option)
    try:
        pb = read_pb(file, strict=not lenient)
    except InconsistentFile as exc:
        raise InputErrors([*exc.errors, InputError(LENIENT_HINT)]) from None
    summary = pb_summary(pb, population=population, spending=spending)
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        return
    s = summary
    place = s["unit"] + (f" – {s['subunit']}" if s["subunit"] else " (city-wide)")
    table = Table("indicator", "value", title=literal(f"{place}, {s['instance']}: {s['vote_type']} ballots, rule {s['rule']}"))
    c = s["cost"]
    for label, value in (
        ("projects submitted", str(s["projects"])), ("voters (ballots)", f"{s['voters']:,}"), ("budget, PLN", _fmt(s["budget"], decimals=0)),
        (f"projects selected ({s['selected_source'] or '–'})", str(s["selected_count"] if s["selected_count"] is not None else "–")),
        ("turnout", _fmt(s["turnout_pct"], "%", 2)), ("budget per resident, PLN", _fmt(s["budget_per_resident"], decimals=2)),
        ("budget share of spending", _fmt(s["budget_share_pct"], "%", 3)),
        ("submitted per 10,000 residents", _fmt(s["submitted_per_10k"], decimals=2)),
        ("selected per 10,000 residents", _fmt(s["selected_per_10k"], decimals=2)),
        ("project cost min / Q1 / median / Q3 / max", " / ".join(_fmt(c[k], decimals=0) for k in ("min", "q1", "median", "q3", "max"))),
        ("largest selected project, % of budget", _fmt(s["largest_selected_share_pct"], "%")),
        ("vote concentration (HHI)", _fmt(s["hhi"], decimals=3)), ("votes of the top 3 projects", _fmt(s["top3_pct"], "%")),
    ):
        table.add_row(literal(label), literal(value))
    out.print(table)
    if not s["selection_rerun"]:
        out.print(literal(f"selection check: not done ({s['selection_reason']})"))
    elif s["selection_agrees"] is None:
        out.print(literal(f"selection check: the file has no `selected` column; the rule {s['rule']} selects "
                          f"{len(s['selected_by_rule'])} projects: {', '.join(s['selected_by_rule'])}"))
    elif s["selection_agrees"]:
        out.print(Text.assemble("selection check: ", ("agrees", "green"), literal(
            f" – the rule {s['rule']} selects the same {len(s['selected_in_file'])} projects as the file")))
    else:
        diff = Table("project", "name", "in file", "by rule", "why",
                     title=Text.assemble("selection check: ", ("differs", "red"), " from the file"))
        for d in s["differences"]:
            diff.add_row(literal(d["project_id"]), literal(d["name"][:50]), "yes" if d["in_file"] else "no",
                         "yes" if d["by_rule"] else "no", literal(d["why"]))
        out.print(diff)
    for w in s["warnings"]:
        say(out, "warning:", "yellow", w)
