"""What the residents' survey report shows (Polish): one authority, one survey wave, and its short sections in the
authority and group reports.

Reads only the series folder: `survey_waves` (respondents, weighting), `survey_estimates` (weighted estimates with
95% intervals; a result resting on too few answers is `suppressed` and has no numbers) and `survey_changes` (the
latest wave against the previous one, with its test). A suppressed result never shows a number: not in a table,
a chart, an export or a sentence. Free-text answers are never in the folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from jstbench.catalogue.model import SECTORS
from jstbench.core.errors import InputError
from jstbench.core.text import esc, num, pct, share
from jstbench.views import links
from jstbench.views.charts import GROUP, NATIONAL, SELF, PolishFigure, finish_points, image, label, with_alt
from jstbench.views.report import SeriesData, downloads_html, nav_html
from jstbench.views.tables import note, paragraph, table

HIDDEN = "ukryte (za mało odpowiedzi, by pokazać wynik)"
HIDDEN_CELL = "ukryte"
NO_SURVEY = "brak badania"
GOOD = "dobrze"  # the category of the share of good answers ("raczej dobrze" or "bardzo dobrze")
METHODS = {"raking": "metodą rakingu (iteracyjne dopasowanie do rozkładów płci i wieku)",
           "poststratification": "metodą poststratyfikacji (komórki płeć × wiek)",
           "none": "bez ważenia (każda odpowiedź liczy się tak samo)"}
TEXT = {
    "title": "Badanie opinii mieszkańców: {name}, {wave} r.",
    "intro": "{survey}. Fala badania: {wave} r.{previous} Dane serii za {year} r.",
    "previous": " Poprzednia fala: {wave} r.",
    "first": " To pierwsza fala badania w tej serii.",
    "unit_report": "Raport porównawczy tej JST",
    "respondents": "Liczba ankiet w badaniu z {wave} r.: {n}.",
    "weighted": ("Wyniki są ważone {method} do liczby ludności w wieku 18 lat i więcej ({population} osób), tak by "
                 "struktura płci i wieku odpowiadała strukturze mieszkańców."),
    "earlier_year": (" Struktura ludności z {year} r.: to ostatni rok przed falą badania z danymi o ludności w każdej "
                     "grupie płci i wieku."),
    "unweighted": "Wyniki nie są ważone {method}.",
    "neff": ("Ważenie zmniejsza precyzję: efektywna liczebność próby to {n_eff} (efekt schematu doboru deff = {deff}; "
             "największa waga jest {ratio} razy większa od najmniejszej)."),
    "collapsed": "Przy ważeniu połączono nieliczne komórki: {cells}.",
    "not_collapsed": "Przy ważeniu nie trzeba było łączyć żadnych komórek.",
    "ci": ("Przy każdym wyniku podajemy 95-procentowy przedział ufności uwzględniający ważenie: gdyby badanie "
           "powtarzać wiele razy, tak wyznaczone przedziały obejmowałyby prawdziwą wartość w 95 przypadkach na 100."),
    "hidden": "Liczba wyników ukrytych, bo opierałyby się na zbyt małej liczbie odpowiedzi: {n}.",
    "none_hidden": "Żaden wynik tej fali nie jest ukryty: każdy opiera się na wystarczającej liczbie odpowiedzi.",
    "services_caption": "Indeksy zadowolenia z usług (0–100) w {wave} r. z 95% przedziałem ufności, zmiana i porównanie z grupą",
    "questions_caption": "Pytania w {wave} r.: średnia ocena (1–5) i odsetek dobrych ocen, z 95% przedziałem ufności",
    "group_caption": "Członkowie grupy: indeksy zadowolenia z usług (0–100) z ostatniego badania, 95% przedział ufności w nawiasie",
    "group_note": ("„Ukryte”: za mało odpowiedzi, by pokazać wynik. „Brak badania”: JST nie badała opinii mieszkańców "
                   "w tej serii. „–”: badanie nie obejmowało tej usługi."),
    "section_caption": "Indeksy zadowolenia z usług (0–100) w {wave} r.",
    "first_wave": "pierwsza fala",
    "no_test": "bez porównania",
    "significant": "zmiana istotna statystycznie",
    "within": "w granicach błędu",
    "change": "{diff} pkt wobec {previous} r. ({word})",
    "median": "{median} ({n} JST)",
    "services_note": ("Zmiana: różnica indeksu wobec poprzedniej fali; test uwzględnia ważenie obu fal (poziom istotności "
                      "5%). „Bez porównania”: w jednej z fal wynik jest ukryty albo ta fala nie jest ostatnia. Mediana "
                      "grupy: mediana indeksów innych JST z {groups}, które w {wave} r. badały mieszkańców (ich wyniki "
                      "nieukryte)."),
    "no_groups": "grup wymiany doświadczeń tej JST",
    "best_worst": "Najwyżej oceniona usługa: {best} ({best_value} na 100), najniżej: {worst} ({worst_value} na 100).",
    "changes_some": "Zmiany istotne statystycznie wobec {previous} r.: {items}.",
    "changes_none": "Żadna zmiana wobec {previous} r. nie jest istotna statystycznie.",
    "section_intro": "Badanie opinii mieszkańców z {wave} r. (liczba ankiet: {n}).",
    "full_report": "Pełny raport z badania opinii mieszkańców ({wave} r.)",
    "differences_head": "Na tle innych JST z grupy, które badały mieszkańców w {wave} r. (test uwzględnia ważenie obu badań):",
    "higher": "istotnie wyżej niż {names}",
    "lower": "istotnie niżej niż {names}",
    "same": "bez istotnej różnicy: {names}",
    "differences_none": ("Żadna inna JST z grup wymiany doświadczeń tej JST nie ma w {wave} r. nieukrytego wyniku do "
                         "porównania."),
    "chart_hidden": "Na wykresie nie ma usług z wynikiem ukrytym (za mało odpowiedzi, by pokazać wynik): {items}.",
    "axis": "indeks zadowolenia (0–100)",
    "this_wave": "{wave} r. z 95% przedziałem",
    "previous_wave": "{wave} r.",
    "group_median": "mediana grupy w {wave} r.",
    "alt": ("Wykres punktowy z przedziałami: indeksy zadowolenia z usług (0–100) w {wave} r. z 95% przedziałem "
            "ufności{previous}{median}. {items}"),
    "alt_previous": ", wynik z {wave} r. (kwadrat)",
    "alt_median": ", mediana grupy (pionowa kreska)",
    "alt_item": "{service}: {value} ({low}–{high}){previous_value}{median_value}.",
    "alt_previous_value": "; w {wave} r. {value}",
    "alt_median_value": "; mediana grupy {value}",
}
SERVICE_HEAD = ["Usługa", "Indeks (0–100)", "95% przedział ufności", "Liczba odpowiedzi", "Zmiana wobec poprzedniej fali",
                "Mediana grupy (liczba JST)"]
QUESTION_HEAD = ["Pytanie", "Usługa", "Średnia ocena (1–5)", "95% przedział", "Odsetek dobrych ocen", "95% przedział",
                 "Liczba odpowiedzi"]
SECTION_HEAD = ["Usługa", "Indeks (0–100)", "95% przedział ufności", "Zmiana"]
EXPORT_COLUMNS = ["TERYT", "Fala", "Pozycja", "Rodzaj", "Usługa", "Statystyka", "Wynik", "Dolna granica 95%",
                  "Górna granica 95%", "Liczba odpowiedzi", "Efektywna liczebność", "Uwagi"]
STATISTICS = {("index", "mean"): "indeks 0–100", ("question", "mean"): "średnia ocena 1–5",
              ("question", "share"): "odsetek dobrych ocen (0–1)"}


def service_name(service: str) -> str:
    """A service's Polish name (its id when the catalogue does not know it).

    >>> service_name("culture"), service_name("context"), service_name("unknown")
    ('Kultura', 'Kontekst', 'unknown')
    """
    return SECTORS[service]["pl"] if service in SECTORS else service


def _interval(low: float, high: float, decimals: int) -> str:
    return f"{num(low, decimals)}–{num(high, decimals)}"


def _share_interval(low: float, high: float) -> str:
    return f"{share(100 * low)}–{pct(100 * high)}"


def _shown(flag: object) -> bool:
    """An estimate that may be shown: present (not missing after a join) and not suppressed."""
    return flag is not None and not pd.isna(flag) and not bool(flag)


def _cells(r: pd.Series, suffix: str, value: Callable[[float], str],
           interval: Callable[[float, float], str]) -> tuple[str, str]:
    """(value, interval) of an estimate in a row of `SurveyView.questions` (columns with `suffix`): "–" when there
    is none, the hidden note when it is suppressed."""
    flag = r[f"suppressed{suffix}"]
    if flag is None or pd.isna(flag):
        return "–", "–"
    if not _shown(flag):
        return HIDDEN, "–"
    return value(r[f"estimate{suffix}"]), interval(r[f"ci_low{suffix}"], r[f"ci_high{suffix}"])


def _waves(s: SeriesData, units: list[str]) -> pd.DataFrame:
    return s.read("survey_waves", [("unit", "in", units)])


class SurveyView:
    """One authority's residents' survey in one wave: its estimates, the change on the previous wave and the median
    of the other surveyed members of its exchange groups."""

    def __init__(self, series_dir: str | Path, unit: str, wave: int, year: int):
        self.s = SeriesData(Path(series_dir), int(year))
        if unit not in self.s.units.index:
            raise InputError(f"unit {unit!r} is not in the series' units register", self.s.folder / "units.parquet")
        self.code, self.wave, self.year = unit, int(wave), int(year)
        waves = _waves(self.s, [unit]).sort_values("wave")
        if self.wave not in set(waves["wave"].astype(int)):
            known = ", ".join(str(int(w)) for w in waves["wave"]) or "none"
            raise InputError(f"no survey wave {self.wave} for unit {unit} (its waves: {known})",
                             self.s.folder / "survey_waves.parquet", "wave")
        self.info = waves[waves["wave"] == self.wave].iloc[0]
        earlier = waves.loc[waves["wave"] < self.wave, "wave"]
        self.previous = int(earlier.max()) if len(earlier) else None
        est = self.s.read("survey_estimates", [("unit", "==", unit)])
        self.now = est[est["wave"] == self.wave].reset_index(drop=True)
        self.before = est[est["wave"] == self.previous].reset_index(drop=True) if self.previous else est.iloc[:0]
        ch = self.s.read("survey_changes", [("unit", "==", unit)])
        self.changes = ch[(ch["wave"] == self.wave) & (ch["previous_wave"] == self.previous)] if self.previous else ch.iloc[:0]
        m = self.s.read("membership", [("unit", "==", unit)])
        self.groups = sorted(set(m.loc[m["group_type"] == "exchange", "group"].astype(str)))
        self.catalogue = self.s.data.json("catalogue")

    # -- data -------------------------------------------------------------------------------------------------------
    def differences(self) -> pd.DataFrame:
        """This wave's service indices against each other surveyed member of the unit's exchange groups (tested)."""
        d = self.s.read("survey_differences", [("unit", "==", self.code)])
        return d[d["wave"] == self.wave]

    def _order(self) -> dict[str, int]:
        """Question ids in questionnaire order."""
        ids = [q["id"] for qn in self.catalogue.get("questionnaires") or [] for q in qn.get("questions", [])]
        return {q: n for n, q in enumerate(dict.fromkeys(ids))}

    def services(self) -> pd.DataFrame:
        """The service indices of this wave (suppressed ones too), in the catalogue's order of services."""
        idx = self.now[(self.now["kind"] == "index") & (self.now["statistic"] == "mean")]
        order = {s: n for n, s in enumerate(SECTORS)}
        return idx.assign(_o=idx["service"].map(order).fillna(len(order))).sort_values(["_o", "item"]).drop(columns="_o")

    def questions(self) -> pd.DataFrame:
        """One row per question of this wave: mean and share of good answers (with `*_suppressed` flags)."""
        q = self.now[self.now["kind"] == "question"]
        mean = q[q["statistic"] == "mean"].set_index("item")
        good = q[(q["statistic"] == "share") & (q["category"] == GOOD)].set_index("item")
        out = mean[["label", "service", "estimate", "ci_low", "ci_high", "n", "suppressed"]].join(
            good[["estimate", "ci_low", "ci_high", "n", "suppressed"]], rsuffix="_good", how="outer")
        order = self._order()
        out = out.assign(_o=[order.get(i, len(order)) for i in out.index]).sort_values(["_o"]).drop(columns="_o")
        for col in ("label", "service"):
            out[col] = out[col].fillna(good[col].reindex(out.index))
        return out

    def group_medians(self) -> pd.DataFrame:
        """Per service index: the median over the other surveyed members of the unit's exchange groups in this wave,
        from their unsuppressed results only; `n` members it rests on."""
        members = sorted(set(self.s.read("membership", [("group", "in", self.groups)])["unit"].astype(str)) - {self.code}) \
            if self.groups else []
        if not members:
            return pd.DataFrame(columns=["median", "n"])
        e = self.s.read("survey_estimates", [("unit", "in", members)])
        e = e[(e["wave"] == self.wave) & (e["kind"] == "index") & (e["statistic"] == "mean") & ~e["suppressed"]]
        return e.groupby("item")["estimate"].agg(median="median", n="count")

    def change(self, item: str) -> dict | None:
        """The tested change of an item's mean (a service index) on the previous wave; None when there is none."""
        rows = self.changes[(self.changes["item"] == item) & (self.changes["statistic"] == "mean")]
        return rows.iloc[0].to_dict() if len(rows) else None

    def change_text(self, item: str) -> str:
        """The change of a service index on the previous wave with its test in words."""
        if self.previous is None:
            return TEXT["first_wave"]
        c = self.change(item)
        if c is None:
            return TEXT["no_test"]
        return TEXT["change"].format(diff=num(c["difference"], 1, signed=True), previous=self.previous,
                                     word=TEXT["significant"] if c["significant"] else TEXT["within"])

    def hidden_count(self) -> int:
        return int(self.now["suppressed"].sum())

    # -- HTML -------------------------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.s.unit_name(self.code)

    def title(self) -> str:
        return TEXT["title"].format(name=self.name, wave=self.wave)

    def title_html(self) -> str:
        """The report's one h1."""
        return f"<h1>{esc(self.title())}</h1>"

    def survey_title(self) -> str:
        qs = self.catalogue.get("questionnaires") or []
        return str(qs[0].get("title", "")) if len(qs) == 1 else "Badanie opinii mieszkańców o usługach publicznych"

    def header_html(self) -> str:
        """The stylesheet and synthetic-data banner, what the survey is, links to the authority report and the series."""
        previous = TEXT["previous"].format(wave=self.previous) if self.previous else TEXT["first"]
        intro = paragraph([TEXT["intro"].format(survey=self.survey_title(), wave=self.wave, previous=previous, year=self.year)])
        link = (f"<p><a href='{esc(links.unit_report(self.code))}'>{esc(TEXT['unit_report'])}: {esc(self.name)}</a></p>"
                if self.code in self.s.report_units else "")
        return self.s.banner_html() + intro + link + nav_html()

    def summary_sentences(self) -> list[str]:
        i = self.info
        method = METHODS.get(str(i["method"]), str(i["method"]))
        out = [TEXT["respondents"].format(wave=self.wave, n=num(i["respondents"], 0))]
        if str(i["method"]) == "none":
            out.append(TEXT["unweighted"].format(method=method))
        else:
            year = i.get("population_year")
            earlier = TEXT["earlier_year"].format(year=int(year)) if pd.notna(year) and int(year) != self.wave else ""
            out.append(TEXT["weighted"].format(method=method, population=num(i["population"], 0)) + earlier)
            out.append(TEXT["neff"].format(n_eff=num(i["n_eff"], 0), deff=num(i["deff"], 2), ratio=num(i["weight_ratio"], 1)))
            cells = str(i["collapsed"] or "").strip()
            out.append(TEXT["collapsed"].format(cells=cells) if cells else TEXT["not_collapsed"])
        out.append(TEXT["ci"])
        hidden = self.hidden_count()
        out.append(TEXT["hidden"].format(n=hidden) if hidden else TEXT["none_hidden"])
        out += [self.best_worst_sentence(), self.changes_sentence()]
        return [x for x in out if x]

    def best_worst_sentence(self) -> str:
        """The best and the worst rated service of this wave (its unsuppressed indices; "" with fewer than two)."""
        shown = self.services()
        shown = shown[~shown["suppressed"]]
        if len(shown) < 2:
            return ""
        best, worst = shown.loc[shown["estimate"].idxmax()], shown.loc[shown["estimate"].idxmin()]
        return TEXT["best_worst"].format(best=service_name(best["service"]), best_value=num(best["estimate"], 1),
                                         worst=service_name(worst["service"]), worst_value=num(worst["estimate"], 1))

    def changes_sentence(self) -> str:
        """Which service indices changed significantly on the previous wave (none said so)."""
        if self.previous is None or self.changes.empty:
            return ""
        sig = self.changes[self.changes["item"].str.startswith("index:") & self.changes["significant"]]
        if sig.empty:
            return TEXT["changes_none"].format(previous=self.previous)
        items = [f"{service_name(str(item).removeprefix('index:'))} {num(d, 1, signed=True)} pkt"
                 for item, d in zip(sig["item"], sig["difference"], strict=True)]
        return TEXT["changes_some"].format(previous=self.previous, items="; ".join(items))

    def summary_html(self) -> str:
        return paragraph(self.summary_sentences())

    def services_html(self) -> str:
        """Service indices of this wave with intervals, n, the change and its test, and the group median."""
        medians = self.group_medians()
        rows = []
        for r in self.services().itertuples():
            med = medians.loc[r.item] if r.item in medians.index else None
            median = TEXT["median"].format(median=num(med["median"], 1), n=int(med["n"])) if med is not None else "–"
            if r.suppressed:
                rows.append([service_name(r.service), HIDDEN, "–", "–", TEXT["no_test"], median])
            else:
                rows.append([service_name(r.service), num(r.estimate, 1), _interval(r.ci_low, r.ci_high, 1), num(r.n, 0),
                             self.change_text(r.item), median])
        groups = ", ".join(self.s.group_name(g) for g in self.groups) or TEXT["no_groups"]
        return (table("jst-survey", SERVICE_HEAD, rows, TEXT["services_caption"].format(wave=self.wave))
                + note(TEXT["services_note"].format(groups=groups, wave=self.wave)))

    def questions_html(self) -> str:
        """Per question: the mean (1–5) and the share of good answers, each with its interval."""
        rows = []
        for item, r in self.questions().iterrows():
            mean = _cells(r, "", lambda x: num(x, 2), lambda lo, hi: _interval(lo, hi, 2))
            good = _cells(r, "_good", lambda x: pct(100 * x), _share_interval)
            n = num(r["n"], 0) if _shown(r["suppressed"]) else "–"
            rows.append([r["label"] if isinstance(r["label"], str) else item, service_name(str(r["service"])), *mean, *good, n])
        return table("jst-survey-questions", QUESTION_HEAD, rows, TEXT["questions_caption"].format(wave=self.wave))

    def figure(self):
        """Dot-and-whisker chart of the service indices of this wave with their intervals, the previous wave and the
        group median as marks; suppressed services are left out (`figure_html` lists them). None when none shows."""
        svc = self.services()
        shown = svc[~svc["suppressed"]]
        if shown.empty:
            return None
        before = self.before[(self.before["kind"] == "index") & ~self.before["suppressed"]].set_index("item")["estimate"]
        medians = self.group_medians()["median"] if self.groups else pd.Series(dtype=float)
        y = np.arange(len(shown))
        fig = PolishFigure(figsize=(7, 1.2 + 0.38 * len(shown)))
        ax = fig.subplots()
        ax.hlines(y, shown["ci_low"], shown["ci_high"], color=SELF, lw=2)
        ax.scatter(shown["estimate"], y, color=SELF, marker="o", s=36, zorder=3, label=TEXT["this_wave"].format(wave=self.wave))
        prev = shown["item"].map(before).to_numpy(dtype=float)
        if self.previous and np.isfinite(prev).any():
            ax.scatter(prev, y, color=NATIONAL, marker="s", s=24, zorder=2, facecolors="none",
                       label=TEXT["previous_wave"].format(wave=self.previous))
        med = shown["item"].map(medians).to_numpy(dtype=float)
        if np.isfinite(med).any():
            ax.scatter(med, y, color=GROUP, marker="|", s=160, linewidths=2, zorder=2,
                       label=TEXT["group_median"].format(wave=self.wave))
        ax.set_yticks(y, [label(service_name(s), 30, 1) for s in shown["service"]], fontsize=8)
        finish_points(fig, ax, TEXT["axis"], left=0.3, bottom=0.95, ncol=3)
        items = []
        for r, p, m in zip(shown.itertuples(), prev, med, strict=True):
            items.append(TEXT["alt_item"].format(
                service=service_name(r.service), value=num(r.estimate, 1), low=num(r.ci_low, 1), high=num(r.ci_high, 1),
                previous_value=TEXT["alt_previous_value"].format(wave=self.previous, value=num(p, 1)) if np.isfinite(p) else "",
                median_value=TEXT["alt_median_value"].format(value=num(m, 1)) if np.isfinite(m) else ""))
        alt = TEXT["alt"].format(wave=self.wave,
                                 previous=TEXT["alt_previous"].format(wave=self.previous) if np.isfinite(prev).any() else "",
                                 median=TEXT["alt_median"] if np.isfinite(med).any() else "", items=" ".join(items))
        return with_alt(fig, alt)

    def hidden_services(self) -> list[str]:
        svc = self.services()
        return [service_name(s) for s in svc.loc[svc["suppressed"], "service"]]

    def figure_html(self) -> str:
        """The chart as an image with its text alternative, and the services left out of it."""
        hidden = self.hidden_services()
        return image(self.figure()) + (note(TEXT["chart_hidden"].format(items=", ".join(hidden))) if hidden else "")

    def export_frame(self) -> pd.DataFrame:
        """Every estimate of this wave, one row each; a suppressed one has its keys and no number."""
        e = self.now
        keep = ~e["suppressed"].to_numpy()

        def blank(col: str) -> pd.Series:
            return e[col].where(keep)

        return pd.DataFrame({
            "TERYT": self.code, "Fala": self.wave, "Pozycja": e["label"], "Rodzaj": e["kind"].map({"index": "indeks",
                                                                                              "question": "pytanie"}),
            "Usługa": e["service"].map(service_name),
            "Statystyka": [STATISTICS.get((k, s), f"{s} {c}".strip()) for k, s, c in zip(e["kind"], e["statistic"],
                                                                                         e["category"], strict=True)],
            "Wynik": blank("estimate"), "Dolna granica 95%": blank("ci_low"), "Górna granica 95%": blank("ci_high"),
            "Liczba odpowiedzi": blank("n"), "Efektywna liczebność": blank("n_eff"),
            "Uwagi": np.where(keep, "", HIDDEN)}, columns=EXPORT_COLUMNS)

    def downloads_html(self) -> str:
        """Links that download this wave's estimates as CSV and XLSX, inside the page (hidden results blank)."""
        return downloads_html(self.export_frame(), f"ankieta-{quote(self.code, safe='')}-{self.wave}", str(self.wave))


def differences_html(view: SurveyView) -> str:
    """One sentence per service: the members of the unit's exchange groups it is significantly above and below."""
    d = view.differences()
    if d.empty:
        return paragraph([TEXT["differences_none"].format(wave=view.wave)])

    def names(rows: pd.DataFrame, difference: bool) -> str:
        return ", ".join(view.s.unit_name(r.other) + (f" ({num(r.difference, 1, signed=True)} pkt)" if difference else "")
                         for r in rows.itertuples())

    items = []
    services = view.services().set_index("item")
    for item, rows in d.groupby("item", sort=False):
        sig = rows[rows["significant"]]
        parts = [(TEXT["higher"], names(sig[sig["difference"] > 0], True)), (TEXT["lower"], names(sig[sig["difference"] < 0], True)),
                 (TEXT["same"], names(rows[~rows["significant"]], False))]
        service = services["service"].get(item, str(item).removeprefix("index:"))
        text = "; ".join(template.format(names=who) for template, who in parts if who)
        items.append("<li>" + esc(f"{service_name(service)}: {text}.") + "</li>")
    return f"<p>{esc(TEXT['differences_head'].format(wave=view.wave))}</p><ul>" + "".join(items) + "</ul>"


def survey_link(unit: str, wave: int) -> str:
    """The survey report of an authority's wave, relative to its authority report (`jst/<unit>.html`)."""
    return f"../ankiety/{quote(unit, safe='')}-{int(wave)}.html"


def unit_section_html(folder: str | Path, unit: str, year: int) -> str:
    """The residents' voice in the authority report: the latest wave's service indices with intervals and changes,
    a sentence or two and a link to the full survey report; "" when the authority has no survey."""
    s = SeriesData(Path(folder), int(year))
    waves = _waves(s, [unit])
    if waves.empty:
        return ""
    view = SurveyView(folder, unit, int(waves["wave"].max()), year)
    rows = []
    for r in view.services().itertuples():
        if r.suppressed:
            rows.append([service_name(r.service), HIDDEN, "–", TEXT["no_test"]])
        else:
            rows.append([service_name(r.service), num(r.estimate, 1), _interval(r.ci_low, r.ci_high, 1), view.change_text(r.item)])
    text = [TEXT["section_intro"].format(wave=view.wave, n=num(view.info["respondents"], 0))]
    text += [view.best_worst_sentence(), view.changes_sentence()]
    link = (f"<p><a href='{esc(survey_link(unit, view.wave))}'>{esc(TEXT['full_report'].format(wave=view.wave))}</a></p>")
    return (paragraph(text) + table("jst-survey", SECTION_HEAD, rows, TEXT["section_caption"].format(wave=view.wave)) + link)


def group_table_html(folder: str | Path, group: str, year: int) -> str:
    """Members × service indices of each member's latest survey wave, the interval in the cell; "ukryte" for a
    suppressed result, "brak badania" for a member without a survey; "" when no member has one."""
    s = SeriesData(Path(folder), int(year))
    m = s.read("membership", [("group", "==", group)])
    members = list(dict.fromkeys(m["unit"].astype(str)))
    waves = _waves(s, members) if members else pd.DataFrame()
    if waves.empty:
        return ""
    latest = waves.groupby("unit")["wave"].max().astype(int).to_dict()
    e = s.read("survey_estimates", [("unit", "in", list(latest))])
    e = e[(e["kind"] == "index") & (e["statistic"] == "mean") & (e["wave"] == e["unit"].map(latest))]
    services = [x for x in SECTORS if x in set(e["service"])] + sorted(set(e["service"]) - set(SECTORS))
    cells = {(u, sv): r for u, sv, r in zip(e["unit"], e["service"], e.itertuples(), strict=True)}
    rows: list[list[object]] = []
    for code in members:
        if code not in latest:
            rows.append([s.unit_name(code), NO_SURVEY, *([NO_SURVEY] * len(services))])
            continue
        row: list[object] = [s.unit_name(code), str(latest[code])]
        for sv in services:
            r = cells.get((code, sv))
            row.append("–" if r is None else HIDDEN_CELL if r.suppressed else
                       f"{num(r.estimate, 1)} ({_interval(r.ci_low, r.ci_high, 1)})")
        rows.append(row)
    head = ["JST", "Fala badania", *(service_name(x) for x in services)]
    return table("jst-survey-group", head, rows, TEXT["group_caption"]) + note(TEXT["group_note"])
