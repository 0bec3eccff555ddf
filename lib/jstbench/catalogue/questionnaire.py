"""Survey questionnaires as data (methodology/catalogue/surveys/*.yml): the population surveyed, the strata the answers
are weighted by, answer scales with their Polish labels and missing codes, and questions, each tied to the catalogue
sector (and optionally the indicator) it informs. Checked on their own (pydantic) and against the catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from jstbench.catalogue.model import SLUG, Change, Indicator
from jstbench.core.errors import InputError, InputErrors
from jstbench.core.yamlio import Strict, read_yaml, validation_errors

POPULATIONS = {
    "residents_18plus": "mieszkańcy w wieku 18 lat i więcej",
    "ngos": "organizacje pozarządowe",
    "entrepreneurs": "przedsiębiorcy",
}
RESIDENTS_MIN_AGE = 18
# Columns every response file has besides strata and answers: who answered, in which authority, in which wave.
FIXED_COLUMNS = ("respondent_id", "unit", "wave")


class Scale(Strict):
    """Answer codes and their labels. `order` tells how the valid codes rank (higher-better: a higher code is a better
    opinion; nominal: no ranking); `missing` codes ("trudno powiedzieć") are labelled but carry no opinion and must lie
    outside the range of the valid codes."""

    id: str = Field(pattern=SLUG)
    labels: dict[int, str] = Field(min_length=2)
    order: Literal["higher-better", "lower-better", "nominal"]
    missing: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _missing_outside(self) -> "Scale":
        unknown = [c for c in self.missing if c not in self.labels]
        if unknown:
            raise ValueError(f"missing codes {unknown} have no label")
        valid = self.valid_codes
        if len(valid) < 2:
            raise ValueError("a scale needs at least two valid (non-missing) codes")
        inside = [c for c in self.missing if min(valid) <= c <= max(valid)]
        if inside:
            raise ValueError(f"missing codes {inside} lie inside the range of valid codes {min(valid)}–{max(valid)}")
        empty = [c for c, label in self.labels.items() if not label.strip()]
        if empty:
            raise ValueError(f"codes {empty} have an empty label")
        return self

    @property
    def valid_codes(self) -> list[int]:
        return sorted(c for c in self.labels if c not in self.missing)


class Question(Strict):
    """One question. Closed types (scale, single, multi) name a scale; a multi question is answered in one 0/1 column
    per valid code of its scale, named `<id>_<code>`; a number has optional bounds; a text answer is free text."""

    id: str = Field(pattern=SLUG)
    text: str = Field(min_length=5)
    type: Literal["scale", "single", "multi", "text", "number"]
    scale: str | None = None
    service: str
    indicator: str | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _shape(self) -> "Question":
        closed = self.type in ("scale", "single", "multi")
        if closed != (self.scale is not None):
            raise ValueError(f"a {self.type} question {'needs' if closed else 'takes no'} `scale`")
        if (self.min is not None or self.max is not None) and self.type != "number":
            raise ValueError("only number questions take `min`/`max`")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"min {self.min:g} must be below max {self.max:g}")
        return self

    def columns(self, scales: Mapping[str, Scale]) -> list[str]:
        """The data columns that answer this question."""
        if self.type == "multi" and self.scale is not None and self.scale in scales:
            return [f"{self.id}_{c}" for c in scales[self.scale].valid_codes]
        return [self.id]


class AgeClass(Strict):
    """A class of a numeric stratum variable: `min` to `max` inclusive (the last class may be open: no `max`)."""

    label: str = Field(min_length=1)
    min: int = Field(ge=0)
    max: int | None = None


class Stratum(Strict):
    """A weighting stratum: categories (code -> Polish name; the codes are the stratum's values) or classes of a
    number given in the column `source` (an age in years, a number of employees), whose labels are the values."""

    id: str = Field(pattern=SLUG)
    label: str = Field(min_length=1)
    categories: dict[str, str] | None = None
    source: str | None = Field(default=None, pattern=SLUG)
    classes: list[AgeClass] | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> "Stratum":
        if (self.categories is None) == (self.classes is None):
            raise ValueError("a stratum has exactly one of `categories` or `classes`")
        if self.classes is None:
            if self.source is not None:
                raise ValueError("`source` belongs to a stratum with `classes`")
            if not self.categories or len(self.categories) < 2:
                raise ValueError("a stratum needs at least two categories")
            return self
        if self.source is None:
            raise ValueError("a stratum with classes names its `source` column (e.g. age)")
        if len(self.classes) < 2:
            raise ValueError("a stratum needs at least two classes")
        labels = [c.label for c in self.classes]
        if len(set(labels)) != len(labels):
            raise ValueError(f"duplicate class labels in {labels}")
        for a, b in zip(self.classes, self.classes[1:], strict=False):
            if a.max is None:
                raise ValueError(f"only the last class may be open; {a.label!r} has no max")
            if a.max < a.min:
                raise ValueError(f"class {a.label!r}: max {a.max} is below min {a.min}")
            if b.min != a.max + 1:
                kind = "overlap" if b.min <= a.max else "leave a gap"
                raise ValueError(f"classes {a.label!r} ({a.min}–{a.max}) and {b.label!r} (from {b.min}) {kind}: "
                                 f"each class starts one above the previous max")
        last = self.classes[-1]
        if last.max is not None and last.max < last.min:
            raise ValueError(f"class {last.label!r}: max {last.max} is below min {last.min}")
        return self

    @property
    def values(self) -> list[str]:
        """The stratum's values in order: category codes or class labels."""
        return list(self.categories) if self.categories is not None else [c.label for c in self.classes or []]

    def class_of(self, number: float) -> str | None:
        """The label of the class holding `number` (None: below the first class or above the last)."""
        for c in self.classes or []:
            if c.min <= number and (c.max is None or number < c.max + 1):
                return c.label
        return None


class Questionnaire(Strict):
    """One survey: its population, strata, scales and questions, versioned like an indicator."""

    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=5)
    population: Literal["residents_18plus", "ngos", "entrepreneurs"]
    description: str = ""
    strata: list[Stratum] = Field(min_length=1)
    scales: list[Scale] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    version: str = Field(pattern=r"^\d+\.\d+(\.\d+)?$")
    changelog: list[Change] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "Questionnaire":
        for kind, ids in (("scale", [s.id for s in self.scales]), ("question", [q.id for q in self.questions]),
                          ("stratum", [s.id for s in self.strata])):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                raise ValueError(f"duplicate {kind} ids {dup}")
        scales = self.scale_map
        unknown = [f"{q.id} -> {q.scale}" for q in self.questions if q.scale is not None and q.scale not in scales]
        if unknown:
            raise ValueError(f"questions name unknown scales: {', '.join(unknown)}; scales: {', '.join(scales)}")
        reserved = {*FIXED_COLUMNS, *(s.id for s in self.strata), *(s.source for s in self.strata if s.source)}
        columns = [c for q in self.questions for c in q.columns(scales)]
        clash = sorted(reserved & set(columns))
        dup_cols = sorted({c for c in columns if columns.count(c) > 1})
        if clash or dup_cols:
            raise ValueError(f"question columns {clash or dup_cols} clash with {'reserved columns' if clash else 'each other'}")
        if self.population == "residents_18plus":
            by_id = {s.id: s for s in self.strata}
            age = by_id.get("age_group")
            if set(by_id) != {"sex", "age_group"} or age is None or age.classes is None:
                raise ValueError("a residents survey is weighted by strata `sex` (categories) and `age_group` (classes of age)")
            if age.classes[0].min != RESIDENTS_MIN_AGE:
                raise ValueError(f"the age groups of a residents 18+ survey start at {RESIDENTS_MIN_AGE}, "
                                 f"not {age.classes[0].min}")
            if age.classes[-1].max is not None:
                raise ValueError("the last age group must be open (no max): every adult belongs to a group")
        if self.changelog[-1].version != self.version:
            raise ValueError(f"version {self.version} differs from the last change log entry {self.changelog[-1].version}")
        return self

    @property
    def scale_map(self) -> dict[str, Scale]:
        return {s.id: s for s in self.scales}

    def scale_of(self, question: Question) -> Scale | None:
        return self.scale_map.get(question.scale) if question.scale else None

    @property
    def question_columns(self) -> dict[str, Question]:
        """Every data column of an answer -> its question."""
        scales = self.scale_map
        return {c: q for q in self.questions for c in q.columns(scales)}

    def rated(self, question: Question) -> bool:
        """Whether a question is answered on an ordered scale (it can give a mean, a top share, an index)."""
        scale = self.scale_of(question)
        return question.type == "scale" and scale is not None and scale.order != "nominal"

    def service_items(self, service: str) -> list[Question]:
        """The rated questions about a service: the items of its satisfaction index."""
        return [x for x in self.questions if x.service == service and self.rated(x)]

    def margin_cells(self) -> list[tuple[str, str, str]]:
        """(sex code, age group, catalogue variable) of every weighting cell of a residents survey: the population of
        the cell is the store variable `pop_<women|men>_<min>_<max>` (`..._<min>plus` for the open last group)."""
        if self.population != "residents_18plus":
            return []
        strata = {x.id: x for x in self.strata}
        return [(sex, c.label, margin_variable(sex, c)) for sex in strata["sex"].values for c in strata["age_group"].classes or []]


SEXES = {"K": "women", "M": "men"}


def margin_variable(sex: str, age: AgeClass) -> str:
    """The catalogue variable holding the population of one sex and age group.

    >>> margin_variable("K", AgeClass(label="18-29", min=18, max=29)), margin_variable("M", AgeClass(label="60+", min=60))
    ('pop_women_18_29', 'pop_men_60plus')
    """
    return f"pop_{SEXES.get(sex, sex.lower())}_{age.min}" + ("plus" if age.max is None else f"_{age.max}")


def load_questionnaires(folder: Path, sectors: Iterable[str], indicators: Mapping[str, Indicator]) -> dict[str, Questionnaire]:
    """Read every `*.yml` in `folder` into a Questionnaire and check it against the catalogue: each question's
    `service` is a known sector, its `indicator` exists and belongs to that sector, the file is named after the id.
    All problems are raised together (InputErrors), each with its file and field."""
    folder = Path(folder)
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise InputError("no questionnaires (*.yml) found", folder)
    known = set(sectors)
    errors: list[InputError] = []
    out: dict[str, Questionnaire] = {}
    for path in files:
        raw = read_yaml(path)
        if not isinstance(raw, dict):
            errors.append(InputError("expected a mapping of fields", path))
            continue
        try:
            q = Questionnaire.model_validate(raw)
        except ValidationError as exc:
            errors += validation_errors(exc, path)
            continue
        if path.stem != q.id:
            errors.append(InputError(f"file name must be the questionnaire id: {q.id}.yml", path, "id"))
        if q.id in out:
            errors.append(InputError(f"duplicate questionnaire id {q.id!r}", path, "id"))
        for n, question in enumerate(q.questions):
            where = f"questions[{n}]"
            if question.service not in known:
                errors.append(InputError(f"unknown service {question.service!r}; sectors: {', '.join(sorted(known))}",
                                         path, f"{where}.service"))
            if question.indicator is None:
                continue
            ind = indicators.get(question.indicator)
            if ind is None:
                errors.append(InputError(f"unknown indicator {question.indicator!r}", path, f"{where}.indicator"))
            elif ind.sector != question.service:
                errors.append(InputError(f"indicator {ind.id!r} belongs to sector {ind.sector!r}, not to the question's "
                                         f"service {question.service!r}", path, f"{where}.indicator"))
        out[q.id] = q
    if errors:
        raise InputErrors(errors)
    return out


def survey_problems(indicators: Mapping[str, Indicator], questionnaires: Mapping[str, Questionnaire],
                    variables: Iterable[str], files: Mapping[str, Path], folder: Path) -> list[InputError]:
    """Survey indicators against the questionnaires (the questionnaire, question or service exists; top/mean need a
    rated question and codes on its scale; an index needs rated items), and residents' weighting cells against the
    catalogue variables that hold their population."""
    errors: list[InputError] = []
    for ind in indicators.values():
        ref = ind.survey
        if ref is None:
            continue
        path = files.get(ind.id, folder)
        q = questionnaires.get(ref.questionnaire)
        if q is None:
            errors.append(InputError(f"unknown questionnaire {ref.questionnaire!r}; questionnaires: "
                                     f"{', '.join(sorted(questionnaires)) or 'none'}", path, "survey.questionnaire"))
            continue
        if ref.question is not None:
            question = next((x for x in q.questions if x.id == ref.question), None)
            if question is None:
                errors.append(InputError(f"question {ref.question!r} is not in questionnaire {q.id!r}", path, "survey.question"))
            elif not q.rated(question):
                errors.append(InputError(f"question {ref.question!r} is not on an ordered scale: it gives no mean or top share",
                                         path, "survey.question"))
            else:
                valid = q.scale_map[question.scale or ""].valid_codes
                bad = [c for c in ref.codes if c not in valid]
                if bad:
                    errors.append(InputError(f"codes {bad} are not valid answers of {ref.question!r} (valid: {valid})",
                                             path, "survey.codes"))
        elif not q.service_items(ref.service or ""):
            errors.append(InputError(f"questionnaire {q.id!r} has no rated question about service {ref.service!r}",
                                     path, "survey.service"))
    known = set(variables)
    for q in questionnaires.values():
        for sex, age, name in q.margin_cells():
            if name not in known:
                errors.append(InputError(f"the weighting cell {sex} × {age} needs the population variable {name!r} in "
                                         "variables.yml", folder / f"{q.id}.yml", "strata"))
    return errors
