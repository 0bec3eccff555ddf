"""The `praktyki/` section of the methodology site: a searchable, filterable list of the good-practice base and a
page per practice with the authority's trend on each indicator it moved, before and after it started — the data
from a built report series (the first, by name, holding the authority; a synthetic practice only from a synthetic
series and a real one only from real data). Competition results pages come from `params/competitions/`."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jstbench.catalogue.model import DIRECTIONS, SECTORS, Catalogue
from jstbench.core.errors import InputError
from jstbench.core.project import Project
from jstbench.core.text import esc, num
from jstbench.core.text import md_cell as cell
from jstbench.core.units import POPULATION_CLASS_LABELS, UNIT_KINDS, display_name
from jstbench.data.forms import unit_kind
from jstbench.data.practices import STATUSES, Loaded, Practice, competition_entries, load_practices
from jstbench.series.folder import SeriesFolder
from jstbench.series.practices import improvements
from jstbench.views.charts import alt_text, setup, svg
from jstbench.views.practices import trend_figure

FILTER_JS = Path(__file__).with_name("practices.js")


@dataclass
class Source:
    """A built report series the practice pages take data from."""

    name: str
    folder: SeriesFolder
    synthetic: bool
    units: pd.DataFrame


def sources(project: Project) -> list[Source]:
    """The built report series under output/, by name; folders of another jstbench version are skipped."""
    found = []
    for meta in sorted(project.output_dir.glob("*/data/series.json")):
        try:
            folder = SeriesFolder(meta.parent)
        except InputError:
            continue
        found.append(Source(meta.parent.parent.name, folder, bool(folder.meta.get("synthetic")),
                            folder.read("units").set_index("code", drop=False)))
    return found


@dataclass
class Entry:
    """A practice with what its pages show about its authority."""

    loaded: Loaded
    name: str
    kind: str
    size: str
    source: Source | None

    @property
    def p(self) -> Practice:
        return self.loaded.practice


def entries(loaded: list[Loaded], found: list[Source]) -> list[Entry]:
    out = []
    for x in loaded:
        p = x.practice
        src = next((s for s in found if s.synthetic == p.synthetic and p.unit in s.units.index), None)
        if src is not None:
            row = src.units.loc[p.unit]
            out.append(Entry(x, display_name(str(row["name"]), str(row["kind"])), str(row["kind"]),
                             str(row["population_class"] or "unknown"), src))
        else:
            out.append(Entry(x, p.unit, unit_kind(p.unit), "unknown", None))
    return out


def _trend(e: Entry, indicator: str) -> pd.DataFrame:
    """The authority's values and the national median by year."""
    assert e.source is not None
    f = e.source.folder
    v = f.read("values", [("unit", "==", e.p.unit), ("indicator", "==", indicator)])[["year", "value"]]
    stats = f.read("group_stats", [("group", "==", f.meta["national_id"]), ("indicator", "==", indicator)])
    stats = stats.drop_duplicates("year").set_index("year")
    med = stats["median"].where(~stats["withheld"])
    return v.set_index("year").sort_index().assign(national_median=med).reset_index()


def practice_page(e: Entry, cat: Catalogue, dest: Path, competitions: dict[str, str]) -> str:
    """The page of one practice (Quarto Markdown); its charts are written beside it."""
    p = e.p
    period = f"od {p.period.start}" + (f" do {p.period.end}" if p.period.end else " (trwa)")
    lines = ["---", f'title: "{cell(p.title)}"', "---", ""]
    if p.synthetic:
        lines += ['::: {.callout-warning title="Praktyka fikcyjna"}',
                  "Dane demonstracyjne: opis i liczby są syntetyczne, nie opisują rzeczywistych działań urzędu.", ":::", ""]
    award = ""
    if p.award is not None:
        title = competitions.get(p.award.competition, p.award.competition)
        award = f" — [{cell(title)}](konkurs-{p.award.competition}.qmd), zgłoszenie `{cell(p.award.entry)}`"
    lines += ["| cecha | wartość |", "|---|---|",
              f"| JST | {cell(e.name)} (TERYT {cell(p.unit)}) |",
              f"| Rodzaj i wielkość | {cell(UNIT_KINDS.get(e.kind, e.kind))}, {cell(POPULATION_CLASS_LABELS.get(e.size, e.size))} |",
              f"| Obszar usług | {cell(SECTORS[p.service]['pl'])} |",
              f"| Okres wdrożenia | {period} |",
              f"| Status | {STATUSES[p.status]}{award} |",
              f"| Data zgłoszenia | {p.date.isoformat()} |",
              f"| Słowa kluczowe | {cell(', '.join(p.tags)) or '—'} |", "",
              "## Problem", "", esc(p.problem), "", "## Co zrobiono", "", esc(p.actions), ""]
    if p.description:
        lines += ["## Opis", "", esc(p.description), ""]
    lines += ["## Wyniki podane przez JST", "", "| wynik | wskaźnik | przed | po |", "|---|---|---|---|"]
    for r in p.results:
        unit = f" {r.unit}" if r.unit else ""
        ind = f"[{cell(cat.indicators[r.indicator].name.pl)}](../indicators/{r.indicator}.qmd)" if r.indicator else "—"
        lines.append(f"| {cell(r.description)} | {ind} | {num(r.before.value, 2)}{cell(unit)} ({r.before.year}) | "
                     f"{num(r.after.value, 2)}{cell(unit)} ({r.after.year}) |")
    lines += ["", *_data_section(e, cat, dest), "## Koszty", ""]
    if p.costs:
        lines += ["| na co | rok | kwota (zł) |", "|---|---|---|"]
        lines += [f"| {cell(c.description)} | {c.year or '—'} | {num(c.amount_pln, 0)} |" for c in p.costs]
        lines += [f"| **razem** | | **{num(p.cost_total, 0)}** |", ""]
    else:
        lines += ["JST nie podała kosztów.", ""]
    lines += ["## Kontakt", "", esc(p.contact.role) + (f", {esc(p.contact.department)}" if p.contact.department else "")
              + (f" · <{esc(p.contact.email)}>" if p.contact.email else "") + (f" · tel. {esc(p.contact.phone)}" if p.contact.phone else ""),
              "", "## Dokumenty źródłowe", ""]
    for s in p.sources:
        if s.url:
            lines.append(f"- [{cell(s.title)}]({s.url})")
        else:
            lines.append(f"- [{cell(s.title)}](zalaczniki/{p.id}/{_safe_name(Path(s.file or '').name)})")
    if not p.sources:
        lines.append("Brak.")
    lines += ["", "[← Wszystkie praktyki](index.qmd)", ""]
    return "\n".join(lines) + "\n"


def _data_section(e: Entry, cat: Catalogue, dest: Path) -> list[str]:
    """Per indicator the practice moved: the authority's trend with the practice's years marked, and the change
    from the last year before it started to the latest year, in the series' data."""
    lines = ["## Wskaźniki w danych", ""]
    if e.source is None:
        return lines + ["Brak zbudowanej serii raportów z danymi tej JST: uruchom `jstbench reports <seria>` i zbuduj serwis "
                        "ponownie.", ""]
    year = int(e.source.folder.meta["year"])
    lines += [f"Dane z serii raportów `{cell(e.source.name)}` (rok {year}){' — dane syntetyczne' if e.source.synthetic else ''}. "
              "Zmiana liczona od ostatniego roku przed rozpoczęciem praktyki do ostatniego roku z danymi; zbieżność "
              "w czasie nie dowodzi, że zmiana wynika z praktyki.", ""]
    imp = improvements([e.loaded], e.source.folder.read("values", [("unit", "==", e.p.unit)]), cat, year).set_index("indicator")
    for ind_id in e.p.indicators:
        ind = cat.indicators[ind_id]
        t = _trend(e, ind_id)
        lines += [f"### {cell(ind.name.pl)}", ""]
        if t["value"].notna().sum() == 0:
            lines += ["Brak wartości tej JST w danych serii.", ""]
            continue
        name = f"{e.p.id}-{ind_id}.svg"
        fig = trend_figure(e.name, ind.name.pl, ind.unit, t, e.p.period.start, e.p.period.end)
        (dest / name).write_text(svg(fig), encoding="utf-8")
        lines += [f"![{cell(alt_text(fig))}]({name})", ""]
        r = imp.loc[ind_id]
        if np.isfinite(r["better"]):
            word = "poprawa" if r["better"] > 0 else ("bez zmiany" if r["better"] == 0 else "pogorszenie")
            lines += [f"{int(r['before_year'])}: {num(r['before'], ind.decimals)} {cell(ind.unit)} → {int(r['after_year'])}: "
                      f"{num(r['after'], ind.decimals)} {cell(ind.unit)} — **{word}** "
                      f"({DIRECTIONS[ind.direction]}).", ""]
        else:
            lines += ["Za mało lat przed lub po rozpoczęciu praktyki, by porównać.", ""]
    return lines


def _safe_name(name: str) -> str:
    """A file name from a practice file (untrusted): letters, digits, dots, dashes and underscores only."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name).lstrip(".")
    return safe or "plik"


def index_page(items: list[Entry], cat: Catalogue, competitions: dict[str, str]) -> str:
    """The list: filters (service, unit kind, size class, indicator, status, text) over a table with a row per
    practice; without JavaScript every row shows."""
    def options(label: str, key: str, values: dict[str, str]) -> str:
        opts = "".join(f"<option value='{esc(k)}'>{esc(v)}</option>" for k, v in sorted(values.items(), key=lambda kv: kv[1]))
        return (f"<div><label for='f-{key}'>{esc(label)}</label>"
                f"<select id='f-{key}' data-filter='{key}'><option value=''>wszystkie</option>{opts}</select></div>")

    services = {e.p.service: SECTORS[e.p.service]["pl"] for e in items}
    kinds = {e.kind: UNIT_KINDS.get(e.kind, e.kind) for e in items}
    sizes = {e.size: POPULATION_CLASS_LABELS.get(e.size, e.size) for e in items}
    indicators = {i: cat.indicators[i].name.pl for e in items for i in e.p.indicators}
    lines = ["---", 'title: "Baza dobrych praktyk"', "---", "",
             "Praktyki zgłoszone przez JST: problem, co zrobiono, koszty, wyniki z liczbami i latami, kontakt (stanowisko, "
             "nie osoba) i dokumenty. Każda praktyka wskazuje wskaźniki katalogu, na które wpłynęła; jej strona pokazuje "
             "przebieg tych wskaźników w danych przed i po rozpoczęciu. Raporty JST odsyłają tutaj tam, gdzie JST wypada "
             "słabiej, a autor praktyki się poprawił. Zgłoszenie: `jstbench practices template zgloszenie.xlsx`, "
             "kontrola: `jstbench practices check`. Opis metody: [Uczenie się od innych](../methods/learning.qmd). "
             "Wykaz dla innych narzędzi: [praktyki.json](praktyki.json).", ""]
    if not items:
        return "\n".join(lines + ["Baza jest pusta: dodaj pliki praktyk do `params/practices/`.", ""]) + "\n"
    if competitions:
        lines += ["Konkursy: " + ", ".join(f"[{cell(t)}](konkurs-{c}.qmd)" for c, t in sorted(competitions.items())) + ".", ""]
    form = ("<form class='jst-filters' role='search' aria-label='Filtry praktyk' onsubmit='return false'>"
            + options("Obszar usług", "service", services) + options("Rodzaj JST", "kind", kinds)
            + options("Wielkość", "size", sizes) + options("Wskaźnik", "indicator", indicators)
            + options("Status", "status", dict(STATUSES))
            + "<div><label for='f-text'>Szukaj (tytuł, JST, słowa kluczowe)</label>"
            + "<input id='f-text' type='search' data-filter='text'></div>"
            + "</form>")
    rows = []
    for e in items:
        p = e.p
        text = f"{p.title} {e.name} {' '.join(p.tags)}".lower()
        attrs = (f"data-service='{esc(p.service)}' data-kind='{esc(e.kind)}' data-size='{esc(e.size)}' "
                 f"data-indicator=' {esc(' '.join(p.indicators))} ' data-status='{esc(p.status)}' data-text='{esc(text)}'")
        badge = " <span class='jst-fake'>(fikcyjna)</span>" if p.synthetic else ""
        rows.append(f"<tr {attrs}><td><a href='{esc(p.id)}.html'>{esc(p.title)}</a>{badge}</td><td>{esc(e.name)}</td>"
                    f"<td>{esc(SECTORS[p.service]['pl'])}</td><td>{p.period.start}</td><td>{esc(STATUSES[p.status])}</td></tr>")
    table = ("<table class='table jst-practices' id='practices'><caption>Praktyki w bazie</caption><thead><tr>"
             + "".join(f"<th scope='col'>{h}</th>" for h in ("Praktyka", "JST", "Obszar", "Od roku", "Status"))
             + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    count = f"<p id='practices-count' aria-live='polite'>Praktyk: {len(items)}.</p>"
    script = f"<script>\n{FILTER_JS.read_text(encoding='utf-8')}\n</script>"
    return "\n".join(lines) + "\n" + "\n\n".join([form, count, table, script]) + "\n"


def competition_pages(project: Project, dest: Path) -> dict[str, str]:
    """A results page per competition (`konkurs-<id>.qmd`; before the jury's workbooks are in, the competition's
    criteria and entries with a note that the results are to come); competition id -> title."""
    from jstbench.data.competition import load_competition
    from jstbench.series.competition import score_competition
    from jstbench.views.competition import results_markdown

    titles = {}
    for path in sorted(project.competitions_dir.glob("*/konkurs.yml")):
        c = load_competition(path)
        scores = c.scores_dir(path, project.root)
        if scores.is_dir() and any(scores.glob("*.xlsx")):
            text = results_markdown(score_competition(path, project))
        else:
            lines = ["---", f'title: "{cell(c.title)}"', "---", "",
                     "Wyniki nie zostały jeszcze ogłoszone: arkusze ocen jury nie zostały wczytane.", "",
                     "| kryterium | waga |", "|---|---|"]
            lines += [f"| {cell(k.name)} | {num(100 * c.weights[k.id], 0)}% |" for k in c.criteria]
            lines += ["", "| zgłoszenie | JST | tytuł |", "|---|---|---|"]
            lines += [f"| {cell(e.id)} | {cell(e.unit)} | {cell(e.title)} |" for e in c.entries]
            text = "\n".join(lines) + "\n"
        (dest / f"konkurs-{c.id}.qmd").write_text(text, encoding="utf-8")
        titles[c.id] = c.title
    return titles


def write_practices(project: Project, cat: Catalogue, src: Path) -> int:
    """Write `praktyki/` (list, a page per practice, charts, attachments, competition results) into the site
    source `src`; the number of practices."""
    setup()  # the reports' chart style: text kept as text in the SVG
    dest = src / "praktyki"
    dest.mkdir(parents=True, exist_ok=True)
    folder = project.practices_dir
    competitions = competition_pages(project, dest)
    loaded = (load_practices([folder], cat, None, competition_entries(project.competitions_dir), folder)
              if folder.is_dir() and any(folder.iterdir()) else [])
    items = entries(loaded, sources(project))
    for e in items:
        (dest / f"{e.p.id}.qmd").write_text(practice_page(e, cat, dest, competitions), encoding="utf-8")
        for path, s in zip(e.loaded.attachments, [s for s in e.p.sources if s.file], strict=True):
            target = dest / "zalaczniki" / e.p.id / _safe_name(Path(s.file or "").name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    (dest / "index.qmd").write_text(index_page(items, cat, competitions), encoding="utf-8")
    (dest / "praktyki.json").write_text(practices_json(items), encoding="utf-8")
    return len(items)


def practices_json(items: list[Entry]) -> str:
    """The list as JSON (id, title, unit, service, kind, size, indicators, status): for other tools."""
    return json.dumps([{"id": e.p.id, "title": e.p.title, "unit": e.p.unit, "name": e.name, "service": e.p.service,
                        "kind": e.kind, "size": e.size, "indicators": e.p.indicators, "status": e.p.status,
                        "synthetic": e.p.synthetic} for e in items], ensure_ascii=False, indent=1)
