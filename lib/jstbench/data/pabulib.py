"""Participatory budgets in the Pabulib `.pb` format (pabulib.org/format): a reader that checks every section and
names the file, section and line of each problem, and a writer (used by the demo generator).

A file has three sections, each a header line then `;`-separated rows (the stdlib `csv` module, so quoted fields
work): META (`key;value`), PROJECTS (`project_id;cost;...`, optional `votes`, `score`, `name`, `selected`,
`category`, `target`, `subunit`, ...), VOTES (`voter_id;...;vote`, plus `points` for cumulative and scoring
ballots). Multi-value cells (a ballot, its points, categories) are comma-separated.

Two kinds of problems:
- structural (always an error): a missing or repeated section, a wrong header, another separator, a row with the
  wrong number of fields, duplicate ids, a non-numeric number, a vote for an unknown project, a ballot whose vote and
  points differ in length, a file that ends mid-row short of `num_votes`;
- consistency (an error by default; with `strict=False` a warning kept on the result): META `num_projects` /
  `num_votes` against the sections, ballots outside the META limits, `votes` / `score` columns against the VOTES
  section, a budget below the cost of the projects marked selected. Published files have these (both real samples
  in ../shared/realdata do), so a user can still read them, with every warning shown.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jstbench.core.atomic import write_text
from jstbench.core.errors import InputError, InputErrors

SECTIONS = ("META", "PROJECTS", "VOTES")
VOTE_TYPES = ("approval", "choose-1", "cumulative", "ordinal", "scoring")
RULES = ("greedy", "greedy-no-skip", "greedy-threshold", "greedy-exclusive", "greedy-custom", "equalshares",
         "equalshares-comparison", "equalshares/add1", "equalshares/add1-comparison", "unknown")
REQUIRED_META = ("description", "country", "unit", "instance", "num_projects", "num_votes", "budget", "vote_type", "rule")
WITH_POINTS = ("cumulative", "scoring")
SELECTED_VALUES = {"0", "1", "2", "3"}  # 1 selected by the rule; 2 and 3 funded outside it (e.g. reserve funds)
MISSING = {"", "none"}  # Pabulib writes a missing optional value as `None` or leaves it empty
LIMITS = {"min_length": "length", "max_length": "length", "min_sum_cost": "sum_cost", "max_sum_cost": "sum_cost",
          "min_points": "points", "max_points": "points", "min_sum_points": "sum_points", "max_sum_points": "sum_points"}
MAX_SHOWN = 5  # line numbers listed per kind of repeated problem


class InconsistentFile(InputErrors):
    """A well-formed file whose parts disagree (META counts, ballot limits, tallies, budget): readable with
    `strict=False`, the problems then kept as warnings."""


@dataclass(frozen=True)
class ParticipatoryBudget:
    """One Pabulib instance.

    `projects`: one row per project in file order, index `project_id` (str); columns `cost` (float), `name`,
    `votes` / `score` / `selected` (as in the file, pandas nullable integers; absent columns are absent), every other
    column as text, and `line` (the line in the file). `votes`: one row per ballot, columns `voter_id`, `vote`
    (a tuple of project ids, in the order given: the ranking of an ordinal ballot), `points` (a tuple of numbers for
    cumulative and scoring ballots, else None), the other columns as text, and `line`."""

    path: Path
    meta: dict[str, str]
    projects: pd.DataFrame
    votes: pd.DataFrame
    warnings: tuple[str, ...] = field(default=())

    @property
    def budget(self) -> float:
        return _number(self.meta["budget"])

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"]

    @property
    def rule(self) -> str:
        return self.meta["rule"]

    @property
    def has_selected(self) -> bool:
        return "selected" in self.projects.columns

    def selected_in_file(self) -> list[str] | None:
        """Projects the file marks `selected` = 1, in file order; None when the file has no `selected` column."""
        if not self.has_selected:
            return None
        return [str(p) for p in self.projects.index[self.projects["selected"] == 1]]

    def tallies(self) -> pd.DataFrame:
        """Counted from the VOTES section, per project (file order): `votes` (ballots naming it) and `score` (points
        for cumulative/scoring ballots; for ordinal ballots Pabulib's positional points, n for the first of n
        projects down to 1; for approval the number of votes)."""
        votes: Counter[str] = Counter()
        score: Counter[str] = Counter()
        for ballot, points in zip(self.votes["vote"], self.votes["points"], strict=True):
            votes.update(ballot)
            if points is not None:
                score.update(dict(zip(ballot, points, strict=True)))
            elif self.vote_type == "ordinal":
                score.update({p: len(ballot) - i for i, p in enumerate(ballot)})
            else:
                score.update(ballot)
        ids = list(self.projects.index)
        return pd.DataFrame({"votes": [votes[p] for p in ids], "score": [score[p] for p in ids]}, index=self.projects.index)


@dataclass(frozen=True)
class GreedyStep:
    project_id: str
    rank: int
    score: float
    cost: float
    remaining: float  # budget left when the project was reached
    chosen: bool


def greedy(costs: Sequence[float], scores: Sequence[float], budget: float, no_skip: bool = False,
           threshold: float | None = None) -> list[GreedyStep]:
    """Greedy selection over projects given in file order (ids 0..n-1 as text): decreasing score, ties in the given
    order; fund what fits the remaining budget (`no_skip`: stop at the first that does not); projects scoring below
    `threshold` are never funded. One step per project, in the rule's order.

    >>> [(s.project_id, s.chosen) for s in greedy([60, 50, 30], [10, 8, 8], 100)]
    [('0', True), ('1', False), ('2', True)]
    """
    order = sorted(range(len(costs)), key=lambda i: -scores[i])  # sorted() is stable: ties keep the file's order
    left, stopped, steps = float(budget), False, []
    for rank, i in enumerate(order, start=1):
        eligible = threshold is None or scores[i] >= threshold
        fits = eligible and not stopped and costs[i] <= left
        steps.append(GreedyStep(str(i), rank, float(scores[i]), float(costs[i]), left, fits))
        if fits:
            left -= costs[i]
        elif eligible and no_skip:
            stopped = True
    return steps


def _number(text: str) -> float:
    value = float(str(text).strip().replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _split(cell: str) -> list[str]:
    return [] if cell.strip().lower() in MISSING else [c.strip() for c in cell.split(",")]


def _other_separator(line: str) -> str | None:
    """The separator a header line uses instead of `;`, if it uses another one (csv.Sniffer)."""
    try:
        found = csv.Sniffer().sniff(line, delimiters=",\t|").delimiter
    except csv.Error:
        return None
    return {"\t": "a tab", ",": "','", "|": "'|'"}.get(found)


@dataclass
class _Row:
    line: int
    cells: list[str]


class _Reader:
    """One pass over a file: the sections, then each check, every problem kept with its section and line."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.text = text
        self.errors: list[InputError] = []
        self.inconsistent: list[InputError] = []
        self.sections: dict[str, tuple[int, list[str], list[_Row]]] = {}  # name: (header line, header, rows)

    def error(self, where: str, problem: str) -> None:
        self.errors.append(InputError(problem, self.path, where))

    def inconsistency(self, where: str, problem: str) -> None:
        self.inconsistent.append(InputError(problem, self.path, where))

    def stop(self) -> None:
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else InputErrors(self.errors)

    def split_sections(self) -> None:
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=";")
        current: str | None = None
        start = 0
        try:
            for cells in reader:
                line = reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                first = cells[0].strip()
                if first.upper() in SECTIONS and not any(c.strip() for c in cells[1:]):
                    current = first.upper()
                    if current in self.sections:
                        self.error(f"{current} line {line}", f"the section {current} appears twice")
                        return
                    self.sections[current] = (0, [], [])
                    start = line
                elif current is None:
                    self.error(f"line {line}", f"expected the section line META, found {first[:40]!r}")
                    return
                elif not self.sections[current][1]:
                    header = [c.strip() for c in cells]
                    if len(header) == 1 and (sep := _other_separator(cells[0])):
                        self.error(f"{current} line {line}", f"the header uses {sep} as the separator; Pabulib files use ';'")
                        return
                    self.sections[current] = (line, header, [])
                else:
                    self.sections[current][2].append(_Row(line, cells))
        except csv.Error as exc:  # e.g. a quoted field never closed: the file was cut inside it
            self.error(f"{current or 'file'} line {reader.line_num}", f"unreadable row ({exc}): the file may be truncated")
            return
        for name in SECTIONS:
            if name not in self.sections:
                self.error(name, f"the section {name} is missing (a Pabulib file has META, PROJECTS and VOTES)")
            elif not self.sections[name][1]:
                self.error(f"{name} line {start}", f"the section {name} has no header line")
        order = [s for s in self.sections]
        if not self.errors and order != list(SECTIONS):
            self.error("file", f"the sections come in the order {', '.join(order)}; expected META, PROJECTS, VOTES")

    def rows_of(self, name: str, required: Sequence[str]) -> tuple[list[str], list[_Row]]:
        """The header and rows of a section; the header checked for the required columns and duplicates, each row
        for its number of fields."""
        line, header, rows = self.sections[name]
        missing = [c for c in required if c not in header]
        if missing:
            sep = _other_separator(";".join(header))
            hint = f" (it seems to use {sep} as the separator)" if sep and len(header) <= 2 else ""
            self.error(f"{name} line {line}", f"the header {';'.join(header)!r} lacks the column(s) {', '.join(missing)}{hint}")
        dup = [c for c, n in Counter(header).items() if n > 1]
        if dup:
            self.error(f"{name} line {line}", f"the header repeats the column(s) {', '.join(dup)}")
        for row in rows:
            if len(row.cells) != len(header):
                self.error(f"{name} line {row.line}", f"{len(row.cells)} fields where the header has {len(header)} "
                           "(a cut row, an unquoted ';' in a name, or another separator?)")
        return header, rows

    def read_meta(self) -> dict[str, str]:
        header, rows = self.rows_of("META", ())
        if header[:2] != ["key", "value"]:
            self.error(f"META line {self.sections['META'][0]}", f"the header is {';'.join(header)!r}; expected 'key;value'")
        meta: dict[str, str] = {}
        for row in rows:
            key = row.cells[0].strip()
            if key in meta:
                self.error(f"META line {row.line}", f"the key {key!r} appears twice")
            meta[key] = row.cells[1].strip() if len(row.cells) > 1 else ""
        self.stop()
        for key in REQUIRED_META:
            if not meta.get(key):
                self.error("META", f"the key {key!r} is missing or empty")
        for key in ("budget", "num_projects", "num_votes", "min_length", "max_length", "min_sum_cost", "max_sum_cost",
                    "min_points", "max_points", "min_sum_points", "max_sum_points", "min_project_score_threshold"):
            if meta.get(key):
                try:
                    value = _number(meta[key])
                except ValueError:
                    self.error(f"META {key}", f"{meta[key]!r} is not a number")
                    continue
                if value < 0:
                    self.error(f"META {key}", f"{meta[key]} is negative")
                if key.startswith("num_") and value != int(value):
                    self.error(f"META {key}", f"{meta[key]} is not a whole number")
        if meta.get("vote_type") and meta["vote_type"] not in VOTE_TYPES:
            self.error("META vote_type", f"{meta['vote_type']!r} is not a Pabulib vote type ({', '.join(VOTE_TYPES)})")
        if meta.get("rule") and meta["rule"] not in RULES:
            self.error("META rule", f"{meta['rule']!r} is not a Pabulib rule ({', '.join(RULES)})")
        self.stop()
        return meta

    def read_projects(self) -> pd.DataFrame:
        header, rows = self.rows_of("PROJECTS", ("project_id", "cost"))
        self.stop()
        records: list[dict[str, object]] = []
        seen: dict[str, int] = {}
        for row in rows:
            rec: dict[str, object] = {h: c.strip() for h, c in zip(header, row.cells, strict=True)}
            pid = str(rec["project_id"])
            if not pid:
                self.error(f"PROJECTS line {row.line}", "the project_id is empty")
            elif pid in seen:
                self.error(f"PROJECTS line {row.line}", f"the project_id {pid} repeats line {seen[pid]}")
            seen.setdefault(pid, row.line)
            try:
                rec["cost"] = _number(str(rec["cost"]))
                if float(rec["cost"]) < 0:  # type: ignore[arg-type]
                    raise ValueError
            except ValueError:
                self.error(f"PROJECTS line {row.line}, column cost", f"{rec['cost']!r} is not a cost (a number of at least 0)")
            for col in ("votes", "score"):
                if col in rec:
                    rec[col] = self.whole(str(rec[col]), f"PROJECTS line {row.line}, column {col}")
            if "selected" in rec and str(rec["selected"]) not in SELECTED_VALUES:
                self.error(f"PROJECTS line {row.line}, column selected", f"{rec['selected']!r} is not 0, 1, 2 or 3")
            rec["line"] = row.line
            records.append(rec)
        self.stop()
        projects = pd.DataFrame.from_records(records, columns=[*header, "line"]).set_index("project_id")
        for col in ("votes", "score", "selected"):
            if col in projects.columns:
                projects[col] = pd.to_numeric(projects[col]).astype("Int64")
        return projects

    def whole(self, text: str, where: str) -> int | None:
        if text.lower() in MISSING:
            return None
        try:
            value = _number(text)
        except ValueError:
            value = -1.0
        if value < 0 or value != int(value):
            self.error(where, f"{text!r} is not a whole number of at least 0")
            return None
        return int(value)

    def read_votes(self, meta: dict[str, str], projects: pd.DataFrame) -> pd.DataFrame:
        vote_type = meta["vote_type"]
        header, rows = self.rows_of("VOTES", ("voter_id", "vote", *(("points",) if vote_type in WITH_POINTS else ())))
        self.check_truncated(rows, int(_number(meta["num_votes"])))
        self.stop()
        known = set(projects.index)
        seen: dict[str, int] = {}
        unknown: dict[str, list[int]] = {}
        records: list[dict[str, object]] = []
        for row in rows:
            rec: dict[str, object] = {h: c.strip() for h, c in zip(header, row.cells, strict=True)}
            where = f"VOTES line {row.line}"
            vid = str(rec["voter_id"])
            if vid in seen:
                self.error(where, f"the voter_id {vid} repeats line {seen[vid]}")
            seen.setdefault(vid, row.line)
            ballot = tuple(_split(str(rec["vote"])))
            if "" in ballot:
                self.error(where, f"an empty project id in the ballot {rec['vote']!r} (a cut row?)")
            for pid in ballot:
                if pid and pid not in known:
                    unknown.setdefault(pid, []).append(row.line)
            if len(set(ballot)) < len(ballot):
                self.error(where, f"the ballot names a project twice: {','.join(ballot)}")
            if vote_type == "choose-1" and len(ballot) > 1:
                self.error(where, f"a choose-1 ballot names {len(ballot)} projects")
            points: tuple[float, ...] | None = None
            if vote_type in WITH_POINTS:
                try:
                    points = tuple(_number(p) for p in _split(str(rec["points"])))
                except ValueError:
                    self.error(where + ", column points", f"{rec['points']!r} is not a list of numbers")
                    points = ()
                if len(points) != len(ballot) and points:
                    self.error(where, f"{len(ballot)} projects but {len(points)} points (a cut row?)")
            rec.update(vote=ballot, points=points, line=row.line)
            records.append(rec)
        for pid, lines in unknown.items():
            self.error(f"VOTES line {lines[0]}", f"a vote for the project {pid}, which is not in PROJECTS "
                       f"({len(lines)} ballot(s){_lines(lines)})")
        self.check_truncated(rows, int(_number(meta["num_votes"])))
        self.stop()
        return pd.DataFrame.from_records(records, columns=[*header, *(["points"] if "points" not in header else []), "line"])

    def check_truncated(self, rows: list[_Row], declared: int) -> None:
        """A file ending mid-line whose last row is short of ballots or faulty was cut: say so once, at that line."""
        if not rows or self.text.endswith(("\n", "\r")):
            return
        last = f"VOTES line {rows[-1].line}"
        message = f"the file ends in the middle of this line, with {len(rows)} of the {declared} ballots in num_votes: it is truncated"
        said = any(e.problem == message for e in self.errors)
        if not said and (len(rows) < declared or any(e.where and e.where.startswith(last) for e in self.errors)):
            self.error(last, message)

    def check_consistency(self, meta: dict[str, str], projects: pd.DataFrame, votes: pd.DataFrame, pb: ParticipatoryBudget) -> None:
        for key, n, section in (("num_projects", len(projects), "PROJECTS"), ("num_votes", len(votes), "VOTES")):
            declared = int(_number(meta[key]))
            if declared != n:
                self.inconsistency(f"META {key}", f"{declared} in META but the section {section} has {n} rows"
                                   + (" (fewer: truncated?)" if n < declared and section == "VOTES" else ""))
        self.check_limits(meta, projects, votes)
        counted = pb.tallies()
        for col in ("votes", "score"):
            if col not in projects.columns or (col == "score" and meta["vote_type"] == "approval"):
                continue
            differ = projects[col].notna() & (projects[col] != counted[col])
            if differ.any():
                ids = list(projects.index[differ])
                first = ids[0]
                self.inconsistency(f"PROJECTS line {projects.at[first, 'line']}, column {col}",
                                   f"{len(ids)} project(s) whose {col} differ from the VOTES section, e.g. {first}: "
                                   f"{projects.at[first, col]} in the column, {counted.at[first, col]:g} counted")
        chosen = pb.selected_in_file()
        if chosen:
            cost = float(projects.loc[chosen, "cost"].sum())
            if cost > pb.budget:
                self.inconsistency("PROJECTS, column selected", f"the {len(chosen)} projects marked selected cost "
                                   f"{cost:,.0f}, above the budget {pb.budget:,.0f} in META")

    def check_limits(self, meta: dict[str, str], projects: pd.DataFrame, votes: pd.DataFrame) -> None:
        """Every ballot against the META limits it is subject to (points limits for points ballots only)."""
        cost = projects["cost"].to_dict()
        limits = [(k, m) for k, m in LIMITS.items() if meta.get(k) and (m != "sum_points" and m != "points" or meta["vote_type"] in WITH_POINTS)]
        if not limits:
            return
        values = []
        for ballot, points in zip(votes["vote"], votes["points"], strict=True):
            pts = points or ()
            values.append({"length": len(ballot), "sum_cost": sum(cost[p] for p in ballot), "sum_points": sum(pts),
                           "min points": min(pts, default=None), "max points": max(pts, default=None)})
        for key, measure in limits:
            limit = _number(meta[key])
            name = f"{key[:3]} points" if measure == "points" else measure
            low = key.startswith("min_")
            bad = [(int(line), v[name]) for v, line in zip(values, votes["line"], strict=True)
                   if v[name] is not None and (v[name] < limit if low else v[name] > limit)]
            if bad:
                line, value = bad[0]
                self.inconsistency(f"VOTES line {line}", f"{len(bad)} ballot(s) outside {key} {limit:g} in META, e.g. "
                                   f"this one: {name.replace('_', ' ')} {value:g}{_lines([b[0] for b in bad])}")


def _lines(lines: Sequence[int]) -> str:
    if len(lines) <= 1:
        return ""
    more = f", ... ({len(lines) - MAX_SHOWN} more)" if len(lines) > MAX_SHOWN else ""
    return "; lines " + ", ".join(map(str, lines[:MAX_SHOWN])) + more


def read_pb(path: str | Path, strict: bool = True) -> ParticipatoryBudget:
    """Read and check a `.pb` file. Raises InputError (or InputErrors, several at once) naming the file, the section
    and the line; with `strict=False` consistency problems become `warnings` of the result (see the module doc)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start}); Pabulib files are UTF-8", path) from None
    reader = _Reader(path, text)
    reader.split_sections()
    reader.stop()
    meta = reader.read_meta()
    projects = reader.read_projects()
    votes = reader.read_votes(meta, projects)
    pb = ParticipatoryBudget(path, meta, projects, votes)
    reader.check_consistency(meta, projects, votes, pb)
    if reader.inconsistent and strict:
        raise InconsistentFile(reader.inconsistent)
    return ParticipatoryBudget(path, meta, projects, votes, tuple(e.message for e in reader.inconsistent))


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "None"
    if isinstance(value, tuple | list | set):
        return ",".join(_cell(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def pb_text(meta: dict[str, str], projects: pd.DataFrame, votes: pd.DataFrame) -> str:
    """A `.pb` file as text: META as given (num_projects/num_votes set from the tables), PROJECTS with `project_id`
    first, VOTES with tuples written comma-separated; `line` columns are dropped."""
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\n")
    meta = {**meta, "num_projects": str(len(projects)), "num_votes": str(len(votes))}
    out.writerows([["META"], ["key", "value"], *([k, v] for k, v in meta.items())])
    table = projects.drop(columns="line", errors="ignore").reset_index()
    out.writerows([["PROJECTS"], list(table.columns), *([_cell(v) for v in row] for row in table.itertuples(index=False))])
    ballots = votes.drop(columns="line", errors="ignore")
    if meta["vote_type"] not in WITH_POINTS:
        ballots = ballots.drop(columns="points", errors="ignore")
    out.writerows([["VOTES"], list(ballots.columns), *([_cell(v) for v in row] for row in ballots.itertuples(index=False))])
    return buf.getvalue()


def write_pb(path: str | Path, meta: dict[str, str], projects: pd.DataFrame, votes: pd.DataFrame) -> Path:
    """Write a `.pb` file atomically (see `pb_text`)."""
    path = Path(path)
    write_text(path, pb_text(meta, projects, votes))
    return path
