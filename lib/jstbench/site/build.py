"""The methodology site: a Quarto project in `methodology/`, plus pages generated from the catalogue
(one per indicator), the participants file and the report series. Rendered with `quarto` when it is
installed, otherwise with the pure-Python `smalldocs` from the same `_quarto.yml`."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jstbench.catalogue.caf import CafModel, load_caf
from jstbench.catalogue.deflators import load_deflators
from jstbench.catalogue.load import load_catalogue
from jstbench.catalogue.model import DIRECTIONS, KINDS, SECTORS, Catalogue, Indicator, Variable
from jstbench.catalogue.sources import Source
from jstbench.core.atomic import replace_dir
from jstbench.core.errors import InputError
from jstbench.core.project import Project
from jstbench.core.text import esc, num
from jstbench.core.text import md_cell as cell
from jstbench.core.units import UNIT_KINDS
from jstbench.data.participants import load_participants
from jstbench.site.diagnostics import deflators_page, diagnostics_pages, features_page
from jstbench.site.offline import external_resources, polish_smalldocs
from jstbench.site.practices import write_practices


def source_text(v: Variable) -> str:
    """Each source of a variable with its years, e.g. `2015–2016: Rb-28S, dział 852, rozdziały 85211`."""
    return "; ".join(_one_source(s, v.name) for s in v.sources)


COLUMNS = {"plan": "plan", "arrears": "„w tym zaległości” (netto)", "debt": "zadłużenie ogółem",
           "rate_reduction": "skutki obniżenia górnych stawek", "relief": "skutki ulg, umorzeń i zwolnień"}


def _source_body(s: Source, name: str) -> str:
    """What a source is, without its years."""
    if s.type == "budget":
        parts = [s.report or "", f"dział {s.dzial}" if s.dzial else "",
                 f"rozdziały {', '.join(s.rozdzial)}" if s.rozdzial else "",
                 f"bez rozdziałów {', '.join(s.exclude_rozdzial)}" if s.exclude_rozdzial else "",
                 ("wszystkie paragrafy" if s.paragraphs.strip() == "*" else f"§ {s.paragraphs}") if s.paragraphs else "",
                 f"bez § {s.exclude_paragraphs}" if s.exclude_paragraphs else "",
                 f"kolumna {COLUMNS.get(s.column, s.column)}" if s.column != "execution" else "", s.note or ""]
        text = ", ".join(p for p in parts if p)
    elif s.type == "form":
        text = f"formularz „{s.form}”, pole: {name}"
    elif s.type == "bdl":
        ids = " + ".join(s.bdl_id or [])
        text = (f"GUS BDL, zmienna {ids}{' (prawdopodobna)' if s.probable else ''}, poziom {'/'.join(s.level)}: "
                if ids else "GUS BDL: ") + (s.note or "")
    elif s.type == "register":
        text = f"rejestr / sprawozdanie: {s.note}" if s.note else "rejestr"
    else:
        text = s.note or s.type
    return text.rstrip(": ")


def _one_source(s: Source, name: str) -> str:
    years = "" if s.valid_from is None and s.valid_to is None else f"{s.years_text()}: "
    return years + _source_body(s, name)


STATUS = {"verified": "zweryfikowana", "to-verify": "do weryfikacji"}


def _variable_rows(v: Variable) -> list[str]:
    """Table rows `| lata | źródło | dowód |` of a variable, one per source (the caller puts the variable's own cells
    in front of the first)."""
    rows = []
    for s in v.sources:
        evidence = s.evidence or "—"
        if s.probable:
            evidence += " · **id prawdopodobne, do potwierdzenia**"
        rows.append(f"{cell(s.years_text())} | {cell(_source_body(s, v.name))} | {cell(evidence)}")
    return rows


def _breaks_section(entries: list[tuple[int, str, str, str]], first: int, last: int) -> list[str]:
    lines = ["## Przerwy w porównywalności", ""]
    if not entries:
        return lines + [f"W latach {first}–{last} nie zapisano przerw w źródłach zmiennych tego wskaźnika.", ""]
    lines += ["Wartości sprzed i po roku przerwy nie należy porównywać wprost. „Do weryfikacji” w opisie znaczy, że "
              "przerwa wynika z wiedzy dziedzinowej, a nie z potwierdzonego źródła.",
              "", "| rok | zmienna | zmiana | dowód |", "|---|---|---|---|"]
    lines += [f"| {y} | `{n}` | {cell(change)} | {cell(ev)} |" for y, n, change, ev in entries]
    return lines + [""]


def _adjustment_text(ind: Indicator, cat: Catalogue) -> str:
    if not ind.adjustable or cat.structure is None:
        return "nie dotyczy (wskaźnik kontekstowy, z przedziałem docelowym albo wyłączony)"
    labels = {f.id: f.label.pl for f in cat.structure.features}
    text = "względem: " + ", ".join(labels[f] for f in cat.structure.adjustment_features(ind))
    return text + (f" ({ind.adjustment.note})" if ind.adjustment.note else "")


def _definition(ind: Indicator) -> list[str]:
    """The formula, or for a survey indicator the question (or service index) it is estimated from."""
    if ind.survey is None:
        return ["## Formuła", "", "```", ind.formula or "", "```", ""]
    s = ind.survey
    what = (f"pytanie `{s.question}`" if s.question else f"indeks zadowolenia z usług obszaru „{cell(SECTORS[s.service]['pl'])}”"
            if s.service in SECTORS else f"indeks zadowolenia `{cell(s.service or '')}`")
    stat = {"top": f"odsetek odpowiedzi o kodach {', '.join(map(str, s.codes))} wśród odpowiadających",
            "mean": "średnia odpowiedzi (kod na skali)", "index": "średnia indeksu 0–100 respondentów"}[s.statistic]
    return ["## Definicja (badanie opinii)", "",
            f"Kwestionariusz `{s.questionnaire}`, {what}: {stat}. Szacowane z wagami (kalibracja do struktury płci i wieku "
            "ludności) dla każdej JST i fali badania, z przedziałem ufności; wynik z mniej niż progiem odpowiedzi jest "
            "ukrywany. Zob. [Badania opinii](../methods/surveys.qmd).", ""]


def indicator_page(ind: Indicator, cat: Catalogue) -> str:
    kinds = ", ".join(UNIT_KINDS[k] for k in ind.applies_to)
    target = f" ({ind.target.low:g}–{ind.target.high:g})" if ind.target else ""
    lines = [
        "---", f'title: "{cell(ind.name.pl)}"', f'subtitle: "{cell(ind.name.en)}"', "---", "",
        f"`{ind.id}` · wersja {cell(ind.version)} · status: **{cell(ind.status)}**", "",
        "| cecha | wartość |", "|---|---|",
        f"| Obszar | {cell(SECTORS[ind.sector]['pl'])} |",
        f"| Rodzaj | {KINDS[ind.kind]} |",
        f"| Jednostka | {cell(ind.unit)} |",
        f"| Kierunek | {cell(DIRECTIONS[ind.direction])}{cell(target)} |",
        f"| Dotyczy | {cell(kinds)} |",
        f"| Korekta strukturalna | {cell(_adjustment_text(ind, cat))} |",
        f"| Niepewność pozycji | {'przedział bootstrap (udział z małej liczby spraw)' if ind.uncertainty == 'binomial' else '—'} |",
        "", *_definition(ind),
        "## Zmienne i źródła", "",
        "Każde źródło z latami, w których obowiązuje, i dowodem; status `verified` ma zmienna, której każde źródło ma "
        "dowód i żaden identyfikator BDL nie jest tylko prawdopodobny.", "",
        "| zmienna | opis | jednostka | lata | źródło | dowód | status |", "|---|---|---|---|---|---|---|",
    ]
    for name in ind.variables:
        if name in cat.indicators:
            other = cat.indicators[name]
            lines.append(f"| [`{name}`]({name}.qmd) | wskaźnik: {cell(other.name.pl)} | {cell(other.unit)} | — | "
                         f"formuła wskaźnika | — | {cell(other.status)} |")
            continue
        v = cat.variables[name]
        for n, row in enumerate(_variable_rows(v)):
            head = f"`{name}` | {cell(v.label.pl)} | {cell(v.unit)}" if n == 0 else " | | "
            lines.append(f"| {head} | {row} | {cell(v.status) if n == 0 else ''} |")
    lines += [""]
    lines += _breaks_section(cat.breaks(ind), cat.years.first, cat.years.last)
    if ind.smup:
        lines += ["## Odpowiednik w SMUP", "",
                  "Ten sam lub zbliżony wskaźnik w Systemie Monitorowania Usług Publicznych GUS (osobne "
                  "identyfikatory dla gmin i miast na prawach powiatu):", ""]
        lines += [f"- SMUP {cell(r.id)} ({cell(r.units)}): {esc(r.name)} — dowód: {esc(r.evidence)}" for r in ind.smup]
        lines += [""]
    lines += ["## Opis", "", esc(ind.description), "", "## Interpretacja", "", esc(ind.interpretation), ""]
    if ind.caveats:
        lines += ["## Zastrzeżenia", ""] + [f"- {esc(c)}" for c in ind.caveats] + [""]
    lines += ["## Historia zmian", "", "| data | wersja | zmiana | łamie porównywalność |", "|---|---|---|---|"]
    for ch in ind.changelog:
        lines.append(f"| {ch.date} | {cell(ch.version)} | {cell(ch.change)} | {'tak' if ch.breaks_comparability else 'nie'} |")
    return "\n".join(lines) + "\n"


FILTER = """<input id="jst-filter" type="search" placeholder="Szukaj: nazwa, obszar, jednostka, status…"
 style="width:100%;padding:.4em;margin:.5em 0 1em" aria-label="Szukaj w tabeli wskaźników">
<script>
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("jst-filter");
  box.addEventListener("input", function () {
    var q = box.value.toLowerCase();
    document.querySelectorAll("table tbody tr").forEach(function (tr) {
      tr.style.display = tr.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
    });
  });
});
</script>
"""


SHORT_KINDS = {"gmina_urban": "gm. miejskie", "gmina_rural": "gm. wiejskie", "gmina_urban_rural": "gm. miejsko-wiejskie",
               "city_powiat": "miasta npp", "powiat": "powiaty"}


def _kinds_short(ind: Indicator) -> str:
    kinds = set(ind.applies_to)
    if kinds == set(UNIT_KINDS):
        return "wszystkie JST"
    if kinds == {"gmina_urban", "gmina_rural", "gmina_urban_rural", "city_powiat"}:
        return "gminy i miasta npp"
    if kinds == {"powiat", "city_powiat"}:
        return "powiaty i miasta npp"
    return ", ".join(SHORT_KINDS[k] for k in ind.applies_to)


def _indicator_table(inds: list[Indicator], prefix: str, with_sector: bool) -> list[str]:
    head = "| wskaźnik | " + ("obszar | " if with_sector else "") + "jednostka | kierunek | rodzaj | dotyczy | status |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for i in inds:
        sector = f"{cell(SECTORS[i.sector]['pl'])} | " if with_sector else ""
        lines.append(f"| [{cell(i.name.pl)}]({prefix}{i.id}.qmd) | {sector}{cell(i.unit)} | {cell(DIRECTIONS[i.direction])} | "
                     f"{KINDS[i.kind]} | {cell(_kinds_short(i))} | {i.status} |")
    return lines


def indicators_index(cat: Catalogue) -> str:
    n_mon = sum(i.kind == "monitoring" for i in cat.indicators.values())
    n_svy = sum(i.kind == "survey" for i in cat.indicators.values())
    lines = ["---", 'title: "Katalog wskaźników"', "---", "",
             f"Katalog liczy **{len(cat)}** wskaźników ({n_mon} monitorujących, {n_svy} z badań opinii, "
             f"{len(cat) - n_mon - n_svy} kontekstowych) "
             f"i **{len(cat.variables)}** zmiennych wejściowych. Wersja katalogu: `{cat.digest}`. "
             "Wskaźniki kontekstowe opisują warunki (wielkość, zamożność, demografię) i nie są oceniane.", "",
             "## Obszary", ""]
    for sector, inds in cat.by_sector().items():
        mon = sum(i.kind == "monitoring" for i in inds)
        lines.append(f"- [{cell(SECTORS[sector]['pl'])}](../sectors/{sector}.qmd): {len(inds)} wskaźników ({mon} monitorujących)")
    lines += ["", "## Wszystkie wskaźniki", "", FILTER, ""]
    lines += _indicator_table(sorted(cat.indicators.values(), key=lambda i: (list(SECTORS).index(i.sector), i.name.pl)),
                              "", with_sector=True)
    return "\n".join(lines) + "\n"


def sector_page(sector: str, inds: list[Indicator]) -> str:
    lines = ["---", f'title: "{cell(SECTORS[sector]["pl"])}"', f'subtitle: "{cell(SECTORS[sector]["en"])}"', "---", "",
             f"{len(inds)} wskaźników. [Cały katalog](../indicators/index.qmd).", "", FILTER, ""]
    lines += _indicator_table(sorted(inds, key=lambda i: (i.kind != "monitoring", i.name.pl)), "../indicators/", False)
    return "\n".join(lines) + "\n"


def to_verify_page(cat: Catalogue) -> str:
    inds = [i for i in cat.indicators.values() if i.status != "verified"]
    varz = [v for v in cat.variables.values() if v.status != "verified"]
    lines = ["---", 'title: "Do weryfikacji"', "---", "",
             f"**{len(inds)}** z {len(cat)} wskaźników i **{len(varz)}** z {len(cat.variables)} zmiennych ma status "
             "`to-verify` lub `draft`: ich źródło (kod zmiennej BDL, rozdział lub paragraf klasyfikacji budżetowej, "
             "pole formularza) trzeba potwierdzić w źródle urzędowym przed użyciem w decyzjach. Identyfikator zmiennej BDL "
             "podajemy tylko wtedy, gdy sprawdzono go w rzeczywistej odpowiedzi API lub eksporcie.", "",
             "## Wskaźniki", ""]
    lines += [f"- [{cell(i.name.pl)}](../indicators/{i.id}.qmd) — `{i.status}`" for i in inds]
    lines += ["", "## Zmienne", "", "| zmienna | opis | źródło |", "|---|---|---|"]
    lines += [f"| `{v.name}` | {cell(v.label.pl)} | {cell(source_text(v))} |" for v in varz]
    return "\n".join(lines) + "\n"


def percent(x: float) -> str:
    """`40,4%` (Polish decimal comma)."""
    return f"{100 * x:.1f}%".replace(".", ",")


def sources_page(cat: Catalogue) -> str:
    """Every variable with its sources, years, evidence and status; the breaks; the two coverage shares."""
    cov = cat.coverage()
    types = {"budget": "sprawozdanie budżetowe", "bdl": "GUS BDL", "form": "formularz", "register": "rejestr"}
    counts = {t: sum(any(s.type == t for s in v.sources) for v in cat.variables.values()) for t in types}
    probable = [v.name for v in cat.variables.values() if any(s.probable for s in v.sources)]
    lines = ["---", 'title: "Źródła danych"', "---", "",
             "Każda zmienna katalogu ma listę źródeł z latami, w których obowiązują (`valid_from`–`valid_to` w "
             "`methodology/catalogue/variables.yml`): linie sprawozdania budżetowego (sprawozdanie, dział, rozdziały, "
             "zbiór paragrafów — trzy cyfry to paragraf z dowolną czwartą cyfrą — i kolumna), zmienne GUS BDL "
             "(identyfikatory sumowane, poziom gmin lub powiatów), formularz albo rejestr. Zmiana źródła między latami "
             "to przerwa w porównywalności, zapisana z dowodem. Dowody to klucze przeglądu źródeł (KLAS — "
             "rozporządzenie MF o klasyfikacji budżetowej, LEG855, JAWNE, MIRROR, ZUS500, …).", "",
             "## Pokrycie źródłami publicznymi", "",
             f"- **{percent(cov.verified_public_share)}** zmiennych katalogu ({len(cov.verified_public)} z "
             f"{cov.variables}) ma zweryfikowane źródło publiczne: status `verified` (każde źródło z dowodem, bez "
             "prawdopodobnych identyfikatorów BDL) i co najmniej jedno źródło, które narzędzie wczytuje: zmienną BDL o "
             "znanym identyfikatorze albo pozycje sprawozdania budżetowego (sam opis źródła albo rejestr, którego "
             "narzędzie nie czyta, nie wystarcza).",
             f"- **{percent(cov.public_only_share)}** wskaźników ({len(cov.public_only)} z {cov.indicators}) da się "
             "policzyć wyłącznie ze źródeł publicznych — każdą zmienną (także przez wskaźniki użyte w formule) narzędzie "
             "wczytuje z BDL albo ze sprawozdań budżetowych, żadna nie pochodzi z formularza.", "",
             "Zmienne według rodzaju źródła: " + ", ".join(f"{types[t]} {n}" for t, n in counts.items()) + ". "
             + (f"Prawdopodobne (niepotwierdzone) identyfikatory BDL mają: {', '.join(f'`{n}`' for n in probable)}."
                if probable else ""), "",
             "## Zmienne", "", FILTER, "",
             "| zmienna | opis | lata | źródło | dowód | status |", "|---|---|---|---|---|---|"]
    for v in cat.variables.values():
        for n, row in enumerate(_variable_rows(v)):
            head = f"`{v.name}` | {cell(v.label.pl)}" if n == 0 else " | "
            lines.append(f"| {head} | {row} | {cell(STATUS.get(v.status, v.status)) if n == 0 else ''} |")
    entries = sorted((b.year, v.name, b.change, b.evidence) for v in cat.variables.values() for b in v.breaks)
    lines += ["", "## Przerwy w porównywalności", "",
              f"{len(entries)} zapisanych przerw w latach {cat.years.first}–{cat.years.last} i wokół nich. Przerwa "
              "opisana jako „do weryfikacji” pochodzi z wiedzy dziedzinowej przeglądu, nie z potwierdzonego źródła.", "",
              "| rok | zmienna | zmiana | dowód |", "|---|---|---|---|"]
    lines += [f"| {y} | `{n}` | {cell(change)} | {cell(ev)} |" for y, n, change, ev in entries]
    smup = [(i, r) for i in cat.indicators.values() for r in i.smup]
    lines += ["", "## Odpowiedniki w SMUP", "",
              f"{len({i.id for i, _ in smup})} wskaźników ma odpowiednik w Systemie Monitorowania Usług Publicznych GUS.",
              "", "| wskaźnik | SMUP | jednostki | nazwa w SMUP |", "|---|---|---|---|"]
    lines += [f"| [{cell(i.name.pl)}](../indicators/{i.id}.qmd) | {cell(r.id)} | {cell(r.units)} | {cell(r.name)} |"
              for i, r in smup]
    return "\n".join(lines) + "\n"


def changelog_page(cat: Catalogue) -> str:
    changes = cat.changes()
    breaking = [(i, c) for i, c in changes if c.breaks_comparability]
    lines = ["---", 'title: "Historia zmian katalogu"', "---", "",
             "Każda definicja ma wersję i datowaną historię zmian. Zmiany, które łamią porównywalność między latami "
             "(inna formuła, inne źródło), są wymienione osobno: wartości sprzed i po zmianie nie należy porównywać.", "",
             "## Zmiany łamiące porównywalność", ""]
    lines += ([f"- {c.date} — [{cell(i.name.pl)}](../indicators/{i.id}.qmd) {cell(c.version)}: {cell(c.change)}"
               for i, c in breaking] or ["Brak."])
    lines += ["", "## Wszystkie zmiany", "", "| data | wskaźnik | wersja | zmiana | łamie porównywalność |", "|---|---|---|---|---|"]
    lines += [f"| {c.date} | [{cell(i.name.pl)}](../indicators/{i.id}.qmd) | {cell(c.version)} | {cell(c.change)} | "
              f"{'tak' if c.breaks_comparability else 'nie'} |" for i, c in changes]
    return "\n".join(lines) + "\n"


def forms_page(cat: Catalogue) -> str:
    lines = ["---", 'title: "Formularze zbierania danych"', "---", "",
             "Dane, których nie ma w żadnym rejestrze, uczestnicy wpisują do formularzy (arkusz Excel na formularz, "
             "wiersz na JST, kolumna na pole). Definicje: `methodology/catalogue/forms.yml`.", ""]
    for form in cat.forms.values():
        lines += [f"## {cell(form.name)}", "", f"Arkusz `{cell(form.sheet)}`. {esc(form.description)}", "",
                  "| pole | opis | jednostka | instrukcja | wymagane |", "|---|---|---|---|---|"]
        for f in form.fields:
            v = cat.variables[f.variable]
            lines.append(f"| `{f.variable}` | {cell(v.label.pl)} | {cell(v.unit)} | {cell(f.instruction)} | "
                         f"{'tak' if f.required else 'nie'} |")
        lines.append("")
    return "\n".join(lines) + "\n"


QUESTION_TYPES = {"scale": "skala ocen", "single": "jednokrotny wybór", "multi": "wielokrotny wybór",
                  "text": "odpowiedź swobodna (niepublikowana)", "number": "liczba"}


def questionnaires_page(cat: Catalogue) -> str:
    """The survey questionnaires as the catalogue holds them (methodology/catalogue/surveys/*.yml): population,
    weighting strata, scales with their labels, and each question with the service and indicator it informs."""
    from jstbench.catalogue.questionnaire import POPULATIONS

    lines = ["---", 'title: "Kwestionariusze badań opinii"', "---", "",
             "Kwestionariusze są danymi katalogu (`methodology/catalogue/surveys/`): pliki z odpowiedziami są sprawdzane "
             "względem nich (kody spoza skali, etykiety w plikach SPSS), a wskaźniki z badań opinii wskazują pytanie albo "
             "usługę. Odpowiedzi na pytania otwarte nigdy nie są publikowane. Metoda: [Badania opinii](../methods/surveys.qmd).", ""]
    for q in cat.questionnaires.values():
        lines += [f"## {cell(q.title)}", "", f"`{q.id}` · wersja {cell(q.version)} · badani: {cell(POPULATIONS[q.population])}.",
                  "", esc(q.description), ""]
        strata = "; ".join(f"{cell(x.label)}: {cell(', '.join((x.categories or {}).get(v, v) for v in x.values))}"
                           for x in q.strata)
        lines += [f"Warstwy ważenia: {strata}.", ""]
        if q.margin_cells():
            lines += ["Liczebności ludności w komórkach (płeć × wiek) pochodzą ze zmiennych katalogu: "
                      + ", ".join(f"`{v}`" for _, _, v in q.margin_cells()) + ".", ""]
        lines += ["| skala | kody i etykiety | braki odpowiedzi |", "|---|---|---|"]
        for sc in q.scales:
            labels = "; ".join(f"{k} = {cell(v)}" for k, v in sc.labels.items() if k not in sc.missing)
            lines.append(f"| `{sc.id}` | {labels} | {cell(', '.join(f'{k} = {sc.labels[k]}' for k in sc.missing)) or '—'} |")
        lines += ["", "| pytanie | treść | typ | skala | usługa | wskaźnik |", "|---|---|---|---|---|---|"]
        for x in q.questions:
            ind = f"[`{x.indicator}`](../indicators/{x.indicator}.qmd)" if x.indicator in cat.indicators else "—"
            lines.append(f"| `{x.id}` | {cell(x.text)} | {cell(QUESTION_TYPES[x.type])} | {cell(x.scale or '—')} | "
                         f"{cell(SECTORS.get(x.service, {}).get('pl', x.service))} | {ind} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def caf_page(caf: CafModel) -> str:
    """The CAF model as the catalogue holds it (methodology/catalogue/caf.yml): criteria and sub-criteria, and the
    two scoring panels with the common 0–100 points of the classical levels."""
    lines = ["---", 'title: "Model CAF: kryteria i panele ocen"', "---", "",
             f"{cell(caf.version)}, wersja szablonu arkusza {caf.template_version}. Źródło: `methodology/catalogue/caf.yml`; "
             "metoda: [Uczenie się od innych](../methods/learning.qmd).", "",
             '::: {.callout-note title="Tłumaczenie robocze"}',
             "Nazwy kryteriów — według polskiej wersji CAF. Nazwy podkryteriów i opisy poziomów to "
             "robocze tłumaczenie tekstu CAF 2020; przed publikacją raportu sprawdź je z polskim wydaniem CAF 2020 (KPRM).",
             ":::", "",
             "## Kryteria i podkryteria", "", "| kryterium | rodzaj | podkryterium | nazwa |", "|---|---|---|---|"]
    kinds = {"enabler": "potencjał", "result": "wyniki"}
    for c in caf.criteria:
        for n, sub in enumerate(c.subcriteria):
            head = f"{c.number}. {cell(c.name.pl)} | {kinds[c.kind]}" if n == 0 else " | "
            lines.append(f"| {head} | {sub.id} | {cell(sub.name.pl)} |")
    for kind in ("enabler", "result"):
        lines += ["", f"## Panel klasyczny: {kinds[kind]}", "", "| poziom | faza PDCA | przedział CAF | punkty (0–100) | opis |",
                  "|---|---|---|---|---|"]
        for lv in getattr(caf.panels.classical, kind):
            phase = (getattr(lv, "phase", None) or "—").upper()
            lines.append(f"| {lv.level} | {cell(phase)} | {lv.range[0]}–{lv.range[1]} | {num(lv.points, 0)} | {cell(lv.pl)} |")
        fine = getattr(caf.panels.fine, kind)
        lines += ["", f"## Panel dokładny: {kinds[kind]}", "",
                  "Każdy element oceniany osobno w skali 0–100 (" + ", ".join(cell(e.pl) for e in fine.entries)
                  + "); ocena podkryterium to ich średnia.", "", "| przedział | opis |", "|---|---|"]
        lines += [f"| {b.range[0]}–{b.range[1]} | {cell(b.pl)} |" for b in fine.bands]
    return "\n".join(lines) + "\n"


def participants_page(project: Project) -> str:
    people = load_participants(project.participants_file)
    labels = {"exact": "jednoznaczna", "homonym-chosen": "wybór spośród jednostek o tej nazwie",
              "garbled-probable": "nazwa zniekształcona — prawdopodobna jednostka", "unresolved": "nierozstrzygnięta"}
    lines = ["---", 'title: "Uczestnicy i rozstrzygnięcie nazw"', "---", "",
             "Nazwy uczestników z dokumentu źródłowego zamieniono na kody TERYT (rejestr TERC, stan na 2020-01-01). "
             "Nazwy nie są unikalne, a część jest zniekształcona; żadna nie została wybrana po cichu. "
             "Źródło: `params/participants.yml`.", "",
             "| w źródle | lista | kod TERYT | jednostka | rodzaj | rozstrzygnięcie | uzasadnienie |", "|---|---|---|---|---|---|---|"]
    for p in people:
        lines.append(f"| {cell(p.as_given)} | {cell(p.list)} | {cell(p.code or '—')} | {cell(p.name or '—')} | "
                     f"{cell(UNIT_KINDS.get(p.kind or '', '—'))} | {cell(labels[p.resolution])} | {cell(p.note)} |")
    unresolved = [p for p in people if p.resolution == "unresolved"]
    lines += ["", "## Nazwy nierozstrzygnięte", "",
              "Nazwę, której nie ma w rejestrze, porównujemy z nazwami wszystkich jednostek: początkiem nazwy (te same "
              "pierwsze litery) i odległością edycyjną (Levenshteina). Jednostkę wybieramy tylko wtedy, gdy jeden kandydat "
              "wyraźnie wygrywa i pasuje do listy, na której nazwa stoi (miasta, gminy wiejskie, powiaty). Gdy kilku "
              "kandydatów pasuje równie dobrze — na przykład wiele nazw gmin jest w tej samej odległości edycyjnej — "
              "nie zgadujemy: jednostka zostaje nierozstrzygnięta, z listą kandydatów, poza grupami porównawczymi, "
              "dopóki stowarzyszenie jej nie potwierdzi. Argument regionalny („w tym samym województwie co inni "
              "uczestnicy”) nie wystarcza, bo listy uczestników obejmują jednostki z całego kraju.", ""]
    lines += [f"- **{cell(p.as_given)}** ({cell(p.list)}): {esc(p.note)}" for p in unresolved] or ["Brak."]
    return "\n".join(lines) + "\n"


def reports_page(project: Project) -> str:
    lines = ["---", 'title: "Raporty"', "---", ""]
    found = []
    if project.output_dir.exists():
        for manifest in sorted(project.output_dir.glob("*/manifest.json")):
            try:
                m = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            found.append((manifest.parent.name, m))
    if not found:
        lines.append("Nie wygenerowano jeszcze żadnej serii raportów: uruchom `jstbench reports demo`.")
    for name, m in found:
        note = " — **dane syntetyczne**" if m.get("synthetic") else ""
        lines += [f"## {cell(m.get('title', name))}", "",
                  f"Rok {m.get('year')}, {m.get('ok', 0)} raportów gotowych, {m.get('failed', 0)} nieudanych{note}. "
                  f"Wygenerowano {cell(m.get('created', ''))}.", "",
                  f"[Spis raportów serii {cell(name)}](../{name}/index.html)", ""]
    return "\n".join(lines) + "\n"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, _tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, val in attrs:
            if key in ("href", "src") and val:
                self.links.append(val)


def broken_links(site: Path, final: Path) -> tuple[int, list[str]]:
    """Internal links of every page that point to no file. Links leaving the site are resolved
    against its final place (`final`), so links to report series beside it are checked too."""
    checked, broken = 0, []
    for page in site.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("#", "mailto:", "javascript:", "data:")):
                continue
            if not parts.path:
                continue
            checked += 1
            target = (page.parent / unquote(parts.path)).resolve()
            try:
                rel = target.relative_to(site.resolve())
                exists = (site / rel).exists()
            except ValueError:
                outside = (final / page.parent.relative_to(site) / unquote(parts.path)).resolve()
                exists = outside.exists()
            if exists and target.is_dir():
                exists = (target / "index.html").exists()
            if not exists:
                broken.append(f"{page.relative_to(site)} → {link}")
    return checked, broken


@dataclass
class SiteResult:
    renderer: str
    pages: int
    links_checked: int
    index: Path


def build_site(project: Project, renderer: str = "auto") -> SiteResult:
    if renderer not in ("auto", "quarto", "smalldocs"):
        raise InputError(f"unknown renderer {renderer!r}: auto, quarto or smalldocs", where="--renderer")
    cat = load_catalogue(project.catalogue_dir)
    quarto = shutil.which("quarto")
    if renderer == "quarto" and not quarto:
        raise InputError("quarto is not installed (use --renderer smalldocs, or install Quarto)", where="--renderer")
    use = "quarto" if (renderer == "quarto" or (renderer == "auto" and quarto)) else "smalldocs"
    final = project.site_dir
    result: dict = {}

    def build(staging: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="jstbench-site-") as tmp:
            src = Path(tmp) / "methodology"
            shutil.copytree(project.methodology_dir, src, ignore=shutil.ignore_patterns("_site", ".quarto", "catalogue"))
            (src / "indicators").mkdir(exist_ok=True)
            for ind in cat.indicators.values():
                (src / "indicators" / f"{ind.id}.qmd").write_text(indicator_page(ind, cat), encoding="utf-8")
            (src / "indicators" / "index.qmd").write_text(indicators_index(cat), encoding="utf-8")
            (src / "sectors").mkdir(exist_ok=True)
            for sector, inds in cat.by_sector().items():
                (src / "sectors" / f"{sector}.qmd").write_text(sector_page(sector, inds), encoding="utf-8")
            (src / "catalogue").mkdir(exist_ok=True)
            (src / "catalogue" / "to-verify.qmd").write_text(to_verify_page(cat), encoding="utf-8")
            (src / "catalogue" / "changelog.qmd").write_text(changelog_page(cat), encoding="utf-8")
            (src / "catalogue" / "forms.qmd").write_text(forms_page(cat), encoding="utf-8")
            (src / "catalogue" / "questionnaires.qmd").write_text(questionnaires_page(cat), encoding="utf-8")
            (src / "catalogue" / "sources.qmd").write_text(sources_page(cat), encoding="utf-8")
            (src / "methods" / "participants.qmd").write_text(participants_page(project), encoding="utf-8")
            (src / "reports.qmd").write_text(reports_page(project), encoding="utf-8")
            (src / "methods" / "features.qmd").write_text(features_page(cat), encoding="utf-8")
            deflators = load_deflators(project.catalogue_dir / "deflators.yml")
            (src / "methods" / "deflators.qmd").write_text(deflators_page(deflators), encoding="utf-8")
            diagnostics_pages(project, cat, src / "diagnostics")
            write_practices(project, cat, src)
            (src / "catalogue" / "caf.qmd").write_text(caf_page(load_caf(project.catalogue_dir / "caf.yml")), encoding="utf-8")
            if use == "quarto" and quarto:
                proc = subprocess.run([quarto, "render", str(src)], capture_output=True, text=True)
                if proc.returncode != 0:
                    raise InputError(f"quarto render failed:\n{proc.stderr[-2000:]}", src / "_quarto.yml")
            else:
                from smalldocs.site import build as smalldocs_build

                site = smalldocs_build(src, quiet=True)
                # links to report series beside the site leave the project; broken_links() checks them below
                warnings = [w for w in site.warnings if "(outside the project)" not in w]
                if warnings:
                    raise InputError("smalldocs warnings: " + "; ".join(warnings[:10]), project.methodology_dir)
                polish_smalldocs(src / "_site")
            built = src / "_site"
            remote = external_resources(built)
            if remote:
                raise InputError(f"the site would load {len(remote)} resource(s) from other hosts: " + "; ".join(remote[:10]),
                                 project.methodology_dir)
            for item in built.iterdir():
                shutil.move(str(item), staging / item.name)
        checked, broken = broken_links(staging, final)
        if broken:
            raise InputError(f"{len(broken)} broken internal link(s): " + "; ".join(broken[:10]), project.methodology_dir)
        result.update(pages=len(list(staging.rglob("*.html"))), links=checked)

    replace_dir(final, build)
    return SiteResult(use, result["pages"], result["links"], final / "index.html")
