"""`jstbench caf …`: CAF self-assessment — `make` writes one workbook per member of the assessment team, `read`
validates the filled workbooks, prints per assessment and criterion the mean points and the spread between
assessors (flagging sub-criteria to settle in the team) and, with `--out`, writes the consolidated workbook.
The numbers come from `stats.caf`: a criterion's points are the mean of its sub-criteria means, its spread the
difference between the highest and the lowest assessor's own criterion mean."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from jstbench.catalogue.caf import Panel
from jstbench.cli.common import RootOpt, friendly, literal, out, project_of
from jstbench.core.errors import InputError, InputErrors
from jstbench.core.text import num

app = typer.Typer(help="Samoocena CAF: arkusze dla członków zespołu oceniającego i ich odczyt.",
                  no_args_is_help=True, add_completion=False)

CONSENSUS = 40.0  # points: a sub-criterion whose assessors differ by this much is settled in the team (CAF consensus)
CONSENSUS_PL = "do uzgodnienia w zespole"
TOTALS_PL = {"enablers": "potencjał (kryteria 1–5)", "results": "wyniki (kryteria 6–9)", "overall": "ogółem"}
ASSESSMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,29}$")


def subcriteria_pl(n: int) -> str:
    """The Polish plural of "podkryterium" after the number `n`.

    >>> [subcriteria_pl(n) for n in (1, 2, 5, 12, 22, 28)]
    ['podkryterium', 'podkryteria', 'podkryteriów', 'podkryteriów', 'podkryteria', 'podkryteriów']
    """
    if n == 1:
        return "podkryterium"
    return "podkryteria" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "podkryteriów"


def _caf(root: Path | None):
    from jstbench.catalogue.caf import load_caf

    return load_caf(project_of(root).catalogue_dir / "caf.yml")


@app.command()
@friendly
def make(unit: Annotated[str, typer.Option("--unit", help="TERYT code of the authority (7 or 4 digits).")],
         name: Annotated[str, typer.Option("--name", help="Name of the authority.")],
         assessment: Annotated[str, typer.Option("--assessment", help="Assessment id, e.g. 2024.")],
         assessors: Annotated[str, typer.Option("--assessors", help='Assessor labels or roles, comma-separated, e.g. '
                                                                    '"Zespół A,Zespół B" (no personal data needed).')],
         panel: Annotated[str, typer.Option("--panel", help="classical (levels 0–5) or fine (0–100 per PDCA phase).")],
         out_dir: Annotated[Path, typer.Option("--out", help="Folder; workbooks go to <out>/<TERYT>/<assessment>/.")],
         force: Annotated[bool, typer.Option(help="Overwrite existing workbooks.")] = False,
         root: RootOpt = None) -> None:
    """Write one CAF self-assessment workbook per assessor."""
    from jstbench.core.units import check_code
    from jstbench.data.caf import PANELS, make_workbook, safe_name

    problems = []
    try:
        check_code(unit)
    except ValueError as exc:
        problems.append(InputError(str(exc), where="--unit"))
    if panel not in PANELS:
        problems.append(InputError(f"unknown panel {panel!r}: use one of {list(PANELS)}", where="--panel"))
    if not ASSESSMENT_ID.match(assessment):
        problems.append(InputError(f"assessment id {assessment!r} must be 1–30 letters, digits, '.', '_' or '-'",
                                   where="--assessment"))
    if not name.strip():
        problems.append(InputError("the name is empty", where="--name"))
    labels = [a.strip() for a in assessors.split(",") if a.strip()]
    files: dict[str, str] = {}
    for label in labels:
        file = safe_name(label)
        if file.lower() in files:
            problems.append(InputError(f"assessors {files[file.lower()]!r} and {label!r} would share the file name "
                                       f"{file}.xlsx: make the labels differ", where="--assessors"))
        files.setdefault(file.lower(), label)
    if not labels:
        problems.append(InputError("no assessor given", where="--assessors"))
    if problems:
        raise InputErrors(problems)
    chosen: Panel = "classical" if panel == "classical" else "fine"
    caf = _caf(root)
    folder = out_dir / unit / assessment
    targets = {label: folder / f"{safe_name(label)}.xlsx" for label in labels}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not force:
        raise InputError(f"workbooks exist (use --force to overwrite): {', '.join(existing)}")
    for label, path in targets.items():
        make_workbook(path, caf, unit, name.strip(), assessment, label, chosen)
    out.print(literal(f"{len(targets)} workbook(s), panel {panel}, {caf.version} → {folder}"))
    for label, path in targets.items():
        out.print(literal(f"  {label}: {path.name}"))
    out.print(literal(f"after filling: `jstbench caf read {out_dir}`"))


@app.command()
@friendly
def read(paths: Annotated[list[Path], typer.Argument(
             help="Workbooks, or folders laid out <folder>/<TERYT>/<assessment>/*.xlsx.")],
         out_file: Annotated[Optional[Path], typer.Option(
             "--out", help="Write the consolidated workbook (.xlsx): scores, consolidated, strengths, areas, plan.")] = None,
         root: RootOpt = None) -> None:
    """Validate filled workbooks (every problem of every file is listed, exit 1) and summarise each assessment."""
    from jstbench.data.caf import read_assessments
    from jstbench.stats.caf import assessor_range, consolidate, criterion_scores

    if out_file is not None and out_file.suffix.lower() != ".xlsx":
        raise InputError("the consolidated workbook must be .xlsx", out_file)
    caf = _caf(root)
    data = read_assessments(list(paths), caf)
    subs = consolidate(data.scores, threshold=CONSENSUS)
    crits = criterion_scores(subs).merge(assessor_range(data.scores), on=["unit", "assessment", "item"],
                                         validate="one_to_one")
    for (unit, assessment), group in _by_assessment(data):
        panel = group[0].panel
        synthetic = " (dane syntetyczne)" if any(s.synthetic for s in group) else ""
        heading = Text.assemble(literal(f"{data.names.get(unit, unit)} ({unit}), samoocena {assessment}"), style="bold")
        kind = "klasyczny" if panel == "classical" else "szczegółowy"
        out.print(Text.assemble("\n", heading, f", panel {kind}", (synthetic, "dim")))
        out.print(literal(f"oceniający ({len(group)}): " + ", ".join(s.assessor for s in group)))
        table = Table("kryterium", "nazwa", "średnio pkt", "rozrzut pkt", "do uzgodnienia")
        here = crits[(crits["unit"] == unit) & (crits["assessment"] == assessment)]
        here_subs = subs[(subs["unit"] == unit) & (subs["assessment"] == assessment)]
        for _, row in here.iterrows():
            total = pd.isna(row["criterion"])
            label = TOTALS_PL[str(row["item"])] if total else caf.criterion(int(row["criterion"])).name.pl
            flagged = here_subs[(here_subs["criterion"] == row["criterion"]) & here_subs["consensus_needed"]]
            table.add_row("" if total else literal(str(row["item"])), literal(label), num(row["score"]),
                          num(row["high"] - row["low"]),
                          literal(", ".join(f"{s} ({num(v, 0)})" for s, v in zip(flagged["subcriterion"], flagged["spread"],
                                                                                 strict=True))))
        out.print(table)
        n_flagged = int(here_subs["consensus_needed"].sum())
        if n_flagged:
            out.print(f"{n_flagged} {subcriteria_pl(n_flagged)} z rozrzutem ≥ {num(CONSENSUS, 0)} pkt: {CONSENSUS_PL}")
        else:
            out.print(f"oceny zgodne: rozrzut każdego podkryterium poniżej {num(CONSENSUS, 0)} pkt")
    out.print(f"\n{len(data.keys)} assessment(s), {len(data.sheets)} workbook(s) valid")
    if out_file is not None:
        _write(out_file, caf, data, subs)
        out.print(literal(f"consolidated workbook → {out_file}"))


def _by_assessment(data):
    groups: dict[tuple[str, str], list] = {}
    for s in data.sheets:
        groups.setdefault((s.unit, s.assessment), []).append(s)
    return sorted(groups.items())


def _write(path: Path, caf, data, subs: pd.DataFrame) -> None:
    from jstbench.core.atomic import atomic_path
    from jstbench.core.xlsx import deterministic

    names = {s.id: s.name.pl for _, s in caf.subcriteria()}
    crit_names = {c.number: c.name.pl for c in caf.criteria}
    consolidated = subs.assign(name=subs["subcriterion"].map(names),
                               consensus=subs["consensus_needed"].map({True: CONSENSUS_PL, False: ""}))
    notes = (data.notes.groupby(["unit", "assessment", "criterion", "subcriterion", "kind", "text"], sort=True)
             ["assessor"].agg(lambda a: ", ".join(sorted(set(a)))).reset_index())
    notes.insert(3, "criterion_name", notes["criterion"].map(crit_names))
    sheets = {"scores": data.scores, "consolidated": consolidated,
              "strengths": notes[notes["kind"] == "strength"].drop(columns="kind"),
              "areas": notes[notes["kind"] == "improvement"].drop(columns="kind"),
              "plan": data.plan.sort_values(["unit", "assessment", "criterion", "subcriterion", "assessor"])}
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for sheet, frame in sheets.items():
            frame.to_excel(xl, index=False, sheet_name=sheet)
    raw = deterministic(buf.getvalue())
    with atomic_path(path) as tmp:
        tmp.write_bytes(raw)
