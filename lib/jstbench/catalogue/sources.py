"""Where a catalogue variable comes from, and for which years: budget report lines (dział, rozdziały, a paragraph
set), BDL variables at a level, form fields or registers. Each source is valid for a span of years; a change of
source between years is a comparability break that the variable records with its evidence."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from jstbench.core.yamlio import Strict

if TYPE_CHECKING:  # pandas is imported where line items are matched: reading the catalogue stays light
    import pandas as pd

REPORTS = ("Rb-27S", "Rb-28S", "Rb-Z", "Rb-PDP", "Rb-NDS")
READ_REPORTS = ("Rb-27S", "Rb-28S", "Rb-Z", "Rb-PDP")  # the budget reports `data load` reads (not yet Rb-NDS)
Level = Literal["gmina", "powiat"]
LEVELS: tuple[Level, ...] = ("gmina", "powiat")
_ITEM = re.compile(r"^(?P<lo>\d{3,4})(?:-(?P<hi>\d{3,4}))?$")


def _listed(v: object) -> object:
    """A single value written where a list is expected becomes a one-item list (`rozdzial: '80101'`)."""
    if isinstance(v, (str, int)):
        return [str(v)]
    return v


Codes = Annotated[list[str], BeforeValidator(_listed)]


class ParagraphSet:
    """Budget paragraphs as the classification groups them: `'605-606, 613-615, 617'` — a 3-digit code stands for
    the paragraph with any 4th digit (605 = 6050…6059), a 4-digit code for itself; `'*'` is every paragraph.

    >>> ParagraphSet("605-606, 6170").ranges
    ((6050, 6069), (6170, 6170))
    >>> import pandas as pd
    >>> ParagraphSet("605").mask(pd.Series(["6050", "6057", "6060"])).tolist()
    [True, True, False]
    """

    def __init__(self, spec: str):
        self.spec = spec.strip()
        if self.spec == "*":
            self.ranges: tuple[tuple[int, int], ...] = ((0, 9999),)
            return
        ranges = []
        for item in (p.strip() for p in self.spec.split(",")):
            m = _ITEM.fullmatch(item)
            if not m:
                raise ValueError(f"paragraph set item {item!r} is not a code (3 digits = any 4th digit, or 4 digits) "
                                 "or a range of codes like 613-615")
            lo, hi = m.group("lo"), m.group("hi") or m.group("lo")
            if len(lo) != len(hi):
                raise ValueError(f"range {item!r} mixes 3- and 4-digit codes")
            a, b = (int(lo) * 10, int(hi) * 10 + 9) if len(lo) == 3 else (int(lo), int(hi))
            if a > b:
                raise ValueError(f"range {item!r} runs backwards")
            ranges.append((a, b))
        self.ranges = tuple(ranges)

    def mask(self, paragraphs: pd.Series) -> pd.Series:
        """Which 4-digit paragraph codes (strings) are in the set."""
        import numpy as np
        import pandas as pd

        codes = pd.to_numeric(paragraphs, errors="coerce").to_numpy()
        hit = np.zeros(len(codes), dtype=bool)
        for a, b in self.ranges:
            hit |= (codes >= a) & (codes <= b)
        return pd.Series(hit, index=paragraphs.index)

    def __contains__(self, code: str) -> bool:
        return any(a <= int(code) <= b for a, b in self.ranges)


def _paragraph_spec(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, int):
        raise ValueError(f"paragraph set {v!r} must be quoted: YAML may read 0490 as 490 or 0310 as the octal 200")
    if isinstance(v, list):
        v = ", ".join(map(str, v))
    ParagraphSet(str(v))
    return str(v)


Paragraphs = Annotated[str, BeforeValidator(_paragraph_spec)]


class Source(Strict):
    """One source of a variable for the years `valid_from`–`valid_to` (None: open on that side)."""

    type: Literal["budget", "bdl", "form", "register"]
    valid_from: int | None = Field(default=None, ge=1995, le=2100)
    valid_to: int | None = Field(default=None, ge=1995, le=2100)
    # budget reports
    report: Literal["Rb-27S", "Rb-28S", "Rb-Z", "Rb-PDP", "Rb-NDS"] | None = None  # Rb-NDS: przychody i rozchody
    dzial: str | None = Field(default=None, pattern=r"^\d{3}$")
    rozdzial: Codes | None = None
    exclude_rozdzial: Codes = Field(default_factory=list)
    paragraphs: Paragraphs | None = None
    exclude_paragraphs: Paragraphs | None = None
    column: str = Field(default="execution", pattern=r"^[a-z][a-z0-9_]{1,40}$")  # a value column of the report layout
    # GUS BDL
    bdl_id: Codes | None = None  # several ids are summed (e.g. 65–69 and 70+)
    level: list[Level] = Field(default_factory=lambda: list(LEVELS))
    probable: bool = False  # the id is likely, not yet confirmed against the API's variable description
    # data-collection form
    form: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{1,40}$")
    note: str | None = None
    evidence: str | None = None

    @field_validator("rozdzial", "exclude_rozdzial")
    @classmethod
    def _rozdzialy(cls, v: list[str] | None) -> list[str] | None:
        for code in v or []:
            if not re.fullmatch(r"\d{5}", code):
                raise ValueError(f"rozdział {code!r} is not 5 digits")
        return v

    @field_validator("bdl_id")
    @classmethod
    def _bdl_ids(cls, v: list[str] | None) -> list[str] | None:
        for code in v or []:
            if not re.fullmatch(r"\d{1,9}", code):
                raise ValueError(f"BDL variable id {code!r} is not a number")
        return v

    @model_validator(mode="after")
    def _complete(self) -> "Source":
        t = self.type
        if t == "budget":
            if not self.report:
                raise ValueError(f"a budget source names its report ({', '.join(REPORTS)})")
            if not (self.dzial or self.rozdzial or self.paragraphs or self.note):
                raise ValueError("a budget source needs a dział, rozdziały, a paragraph set or a note")
            for r in [*(self.rozdzial or []), *self.exclude_rozdzial]:
                if self.dzial and not r.startswith(self.dzial):
                    raise ValueError(f"rozdział {r} does not belong to dział {self.dzial}")
        elif any((self.report, self.dzial, self.rozdzial, self.paragraphs, self.exclude_rozdzial, self.exclude_paragraphs)):
            raise ValueError("report, dział, rozdział and paragraphs belong to budget sources only")
        if (t == "form") != bool(self.form):
            raise ValueError("a form source names its form (an id from forms.yml), and only a form source does")
        if self.bdl_id and t != "bdl":
            raise ValueError("bdl_id belongs to bdl sources only")
        if t == "bdl" and not (self.bdl_id or self.note):
            raise ValueError("a bdl source needs its variable id(s) (bdl_id) or a note saying what to look for")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError(f"valid_from {self.valid_from} is after valid_to {self.valid_to}")
        return self

    @property
    def defined(self) -> bool:
        """A budget source that line items can give (not only a note)."""
        return bool(self.dzial or self.rozdzial or self.paragraphs)

    @property
    def loadable(self) -> bool:
        """A public source the tool loads: BDL with its variable id(s), or budget report lines."""
        return (self.type == "bdl" and bool(self.bdl_id)) or (self.type == "budget" and self.defined
                                                              and self.report in READ_REPORTS)

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or year >= self.valid_from) and (self.valid_to is None or year <= self.valid_to)

    def years_text(self) -> str:
        """`2015–2016`, `od 2017`, `do 2016` or `wszystkie lata`."""
        a, b = self.valid_from, self.valid_to
        if a and b:
            return f"{a}–{b}" if a != b else str(a)
        return f"od {a}" if a else f"do {b}" if b else "wszystkie lata"

    def line_mask(self, items: pd.DataFrame) -> pd.Series:
        """Which budget line items (columns dzial, rozdzial, paragraf) the source sums."""
        import pandas as pd

        hit = pd.Series(True, index=items.index)
        if self.dzial:
            hit &= items["dzial"] == self.dzial
        if self.rozdzial:
            hit &= items["rozdzial"].isin(self.rozdzial)
        if self.exclude_rozdzial:
            hit &= ~items["rozdzial"].isin(self.exclude_rozdzial)
        if self.paragraphs:
            hit &= ParagraphSet(self.paragraphs).mask(items["paragraf"])
        if self.exclude_paragraphs:
            hit &= ~ParagraphSet(self.exclude_paragraphs).mask(items["paragraf"])
        return hit


class Break(Strict):
    """A comparability break in a variable's series from `year` on (a new source or a change in what it holds)."""

    year: int = Field(ge=1995, le=2100)
    change: str = Field(min_length=5)  # Polish, shown in reports next to a trend that crosses it
    evidence: str = Field(min_length=2)


def _span(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}–{b}"


def validity_problems(sources: list[Source], breaks: list[Break], first: int, last: int) -> list[str]:
    """Overlaps, gaps and unrecorded breaks among a variable's sources of one type, within the years first–last.

    >>> validity_problems([Source(type="bdl", bdl_id="1", valid_to=2016), Source(type="bdl", bdl_id="2", valid_from=2018)],
    ...                   [], 2015, 2024)
    ['bdl sources leave 2017 without a source', 'bdl source from 2018 changes the source: record a break for 2018']
    """
    problems = []
    break_years = {b.year for b in breaks}
    for t in dict.fromkeys(s.type for s in sources):
        own = sorted((s for s in sources if s.type == t), key=lambda s: s.valid_from or first)
        for a, b in zip(own, own[1:], strict=False):
            a_to, b_from = a.valid_to if a.valid_to is not None else last, b.valid_from or first
            if b_from <= a_to:
                problems.append(f"{t} sources overlap in {_span(b_from, min(a_to, b.valid_to or last))}")
            elif b_from > a_to + 1:
                problems.append(f"{t} sources leave {_span(a_to + 1, b_from - 1)} without a source")
            if b_from not in break_years:
                problems.append(f"{t} source from {b_from} changes the source: record a break for {b_from}")
        if own[0].valid_from and own[0].valid_from > first:
            problems.append(f"{t} sources start in {own[0].valid_from}, after the first year {first}: add a source for "
                            f"{first}–{own[0].valid_from - 1}, or set the variable's first_year if it did not exist before")
    return problems
