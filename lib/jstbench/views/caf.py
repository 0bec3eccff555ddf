"""What the CAF self-assessment report shows (Polish): one authority, one assessment round.

Reads only the series folder: `caf_criteria` (criterion scores, the assessors' range, the change on the previous
assessment, the distribution among the authorities of the round, suppressed below `min_n`), `caf_scores` (sub-criteria
consolidated, flagged for consensus), `caf_notes` (strengths, areas for improvement) and `caf_plan` (improvement
actions). Every number in a sentence comes from those tables; every text the assessors wrote is escaped.
"""

from __future__ import annotations

from urllib.parse import quote

import numpy as np
import pandas as pd

from jstbench.core.errors import InputError
from jstbench.core.text import esc, num
from jstbench.core.units import display_name
from jstbench.series.folder import SeriesFolder
from jstbench.views import links
from jstbench.views.charts import GROUP, NATIONAL, SELF, PolishFigure, finish_points, image, label, with_alt
from jstbench.views.report import downloads_html, nav_html
from jstbench.views.tables import banner, note, paragraph, stylesheet, table
from jstbench.views.wording import SYNTHETIC_NOTE

PANELS = {"classical": "klasyczny (poziomy 0–5, przeliczone na punkty: poziom × 20)",
          "fine": "szczegółowy (0–100 dla każdej fazy PDCA, dla wyników – trendów i celów)"}
KINDS = {"enabler": "potencjał", "result": "wyniki"}
PRIORITY_ORDER = {"wysoki": 0, "średni": 1, "niski": 2}
BANDS = {1: "poniżej dolnego kwartyla (najniższa ćwiartka)", 2: "między dolnym kwartylem a medianą",
         3: "między medianą a górnym kwartylem", 4: "powyżej górnego kwartyla (najwyższa ćwiartka)"}
CONSENSUS = "⚑ do uzgodnienia"
CRITERIA_HEAD = ["Kryterium", "Rodzaj", "Wynik (pkt)", "Oceny członków zespołu: najniższa–najwyższa",
                 "Podkryteria do uzgodnienia"]
SUB_HEAD = ["Podkryterium", "Nazwa", "Liczba oceniających", "Średnia", "Mediana", "Najniższa–najwyższa", "Rozrzut",
            "Odchylenie standardowe", "Uzgodnienie"]
PLAN_HEAD = ["Priorytet", "Działanie doskonalące", "Podkryterium", "Odpowiedzialny (rola)", "Termin",
             "Oczekiwany efekt", "Zaproponował(a)"]
GROUP_HEAD = ["Kryterium", "Wynik JST", "Najniższy", "Dolny kwartyl", "Mediana", "Górny kwartyl", "Najwyższy",
              "Pozycja", "Położenie"]
EXPORT_COLUMNS = ["TERYT", "Samoocena", "Panel", "Kryterium", "Podkryterium", "Nazwa", "Liczba oceniających",
                  "Średnia (pkt)", "Mediana (pkt)", "Najniższa (pkt)", "Najwyższa (pkt)", "Rozrzut (pkt)",
                  "Odchylenie standardowe (pkt)", "Do uzgodnienia"]
TEXT = {
    "title": "Samoocena CAF: {name}, {assessment}",
    "facts": ("JST: {name} (TERYT {code}). Samoocena: {assessment}. Liczba oceniających w zespole: {assessors}. "
              "Panel oceny: {panel}."),
    "overall": ("Wynik ogółem: {overall} pkt na 100 (średnia 9 kryteriów); potencjał (kryteria 1–5): {enablers} pkt, "
                "wyniki (kryteria 6–9): {results} pkt."),
    "scale": ("Wszystkie oceny są na jednej skali 0–100 punktów; wynik kryterium to średnia średnich jego podkryteriów, "
              "a średnia podkryterium to średnia ocen członków zespołu."),
    "translation": ("Polskie nazwy podkryteriów są roboczym tłumaczeniem CAF 2020 przygotowanym w projekcie; przed "
                    "publikacją warto porównać je z polskim wydaniem modelu."),
    "method": "Model CAF i sposób liczenia wyników (strona metodologii)",
    "criteria_caption": "Wyniki według kryteriów CAF, samoocena {assessment} (punkty 0–100)",
    "chart_x": "punkty (0–100)",
    "chart_range": "zakres ocen członków zespołu (najniższa–najwyższa)",
    "chart_previous": "samoocena {assessment}",
    "alt": ("Wykres słupkowy: wyniki 9 kryteriów CAF w samoocenie {assessment} ({name}), w punktach 0–100, z zakresem "
            "ocen członków zespołu{previous}. {items}"),
    "alt_previous": " i wynikiem poprzedniej samooceny {assessment} (kwadrat)",
    "alt_item": "{criterion}: {score} pkt (od {low} do {high}{previous}).",
    "alt_item_previous": "; w {assessment}: {value}",
    "spread": ("Liczba podkryteriów, których oceny w zespole różnią się o co najmniej {threshold} pkt (do uzgodnienia "
               "na spotkaniu konsensusu): {flagged} z {total}."),
    "spread_largest": "Największy rozrzut: podkryterium {sub} ({name}), {spread} pkt (od {low} do {high}).",
    "spread_none": "Żadne podkryterium nie wymaga uzgodnienia: oceny członków zespołu różnią się o mniej niż {threshold} pkt.",
    "sub_caption": "Podkryteria: średnia, mediana i rozrzut ocen członków zespołu, samoocena {assessment} (punkty 0–100)",
    "notes_none": "Zespół nie wpisał mocnych stron ani obszarów do poprawy.",
    "strengths": "Mocne strony",
    "improvements": "Obszary do poprawy",
    "note_item": "{sub}: {text}",
    "note_many": " (liczba oceniających: {n})",
    "plan_caption": "Plan doskonalenia: działania zaproponowane przez zespół, samoocena {assessment}",
    "plan_none": "Zespół nie zaproponował działań doskonalących.",
    "plan_count": "Liczba działań doskonalących: {n} (priorytet wysoki: {high}, średni: {medium}, niski: {low}).",
    "first": ("To pierwsza samoocena CAF tej JST w danych serii ({assessment}): nie ma poprzedniej samooceny, "
              "z którą można ją porównać."),
    "change": ("Wobec poprzedniej samooceny ({previous_assessment}) wynik ogółem zmienił się o {change} pkt "
               "(z {previous} do {score} pkt)."),
    "change_most": "Największy wzrost: {up} ({up_change} pkt); najmniejszy wzrost lub spadek: {down} ({down_change} pkt).",
    "change_caption": "Zmiana wyników od samooceny {previous_assessment} do {assessment} (punkty 0–100)",
    "change_note": ("Porównanie ma sens, gdy obie samooceny przeprowadzono tą samą metodą: zmiana składu zespołu lub "
                    "panelu ocen sama może przesunąć wyniki o kilka punktów."),
    "suppressed": ("Rozkładu wyników innych JST nie pokazujemy: w samoocenie {assessment} liczba JST z samooceną "
                   "wynosi {n}, a rozkład pokazujemy od {min_n} JST (by nie dało się odczytać wyników pojedynczych "
                   "jednostek)."),
    "group": ("Liczba JST z samooceną {assessment}: {n}. {name}: wynik ogółem {score} pkt, {band} (mediana {median} "
              "pkt, kwartyle {q25}–{q75} pkt); pozycja {rank} z {n}."),
    "group_caption": "{name}: wyniki na tle JST z samooceną {assessment} (punkty 0–100; pozycja 1 = najwyższy wynik)",
    "group_note": ("Samoocena CAF służy doskonaleniu organizacji, a nie rankingom: zespoły różnych urzędów oceniają "
                   "z różną surowością, więc porównanie z innymi JST jest orientacyjne."),
    "position": "{rank} z {n}",
}


def _missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x))


def points(x: object) -> str:
    """Points 0–100 with one decimal, the Polish way.

    >>> points(62.5), points(float("nan"))
    ('62,5', '–')
    """
    return "–" if _missing(x) else num(float(x), 1)  # type: ignore[arg-type]


class CafView:
    """One authority's CAF self-assessment in one round, as the series folder holds it."""

    def __init__(self, folder: SeriesFolder, unit: str, assessment: str):
        self.folder, self.code, self.assessment = folder, str(unit), str(assessment)
        crit = folder.read("caf_criteria", [("unit", "==", self.code)])
        known = sorted(set(crit["assessment"].astype(str)))
        if self.assessment not in known:
            raise InputError(f"no CAF self-assessment {self.assessment!r} of unit {self.code} (its assessments: "
                             f"{', '.join(known) or 'none'})", folder.folder / "caf_criteria.parquet", "assessment")
        self.criteria = crit[crit["assessment"] == self.assessment].sort_values("order").set_index("item")
        subs = folder.read("caf_scores", [("unit", "==", self.code)])
        self.subcriteria = (subs[subs["assessment"] == self.assessment].sort_values(["criterion", "subcriterion"])
                            .reset_index(drop=True))
        notes = folder.read("caf_notes", [("unit", "==", self.code)])
        self.notes = notes[notes["assessment"] == self.assessment]
        plan = folder.read("caf_plan", [("unit", "==", self.code)])
        self.plan = plan[plan["assessment"] == self.assessment]
        units = folder.read("units", [("code", "==", self.code)])
        self.name = display_name(str(units["name"].iloc[0]), str(units["kind"].iloc[0])) if len(units) else self.code

    # -- data -------------------------------------------------------------------------------------------------------
    @property
    def overall(self) -> pd.Series:
        return self.criteria.loc["overall"]

    def per_criterion(self) -> pd.DataFrame:
        """The nine criterion rows, in CAF order."""
        return self.criteria[self.criteria["criterion"].notna()]

    @property
    def previous_assessment(self) -> str | None:
        prev = self.overall["previous_assessment"]
        return None if _missing(prev) else str(prev)

    @property
    def threshold(self) -> float:
        return float(self.subcriteria["threshold"].iloc[0])

    # -- HTML -------------------------------------------------------------------------------------------------------
    def title(self) -> str:
        return TEXT["title"].format(name=self.name, assessment=self.assessment)

    def title_html(self) -> str:
        """The report's one h1."""
        return f"<h1>{esc(self.title())}</h1>"

    def header_html(self) -> str:
        """The stylesheet, the synthetic-data banner, the facts of the assessment and its overall score."""
        o, c = self.overall, self.criteria
        facts = [TEXT["facts"].format(name=self.name, code=self.code, assessment=self.assessment,
                                      assessors=int(o["assessors"]), panel=PANELS[str(o["panel"])]),
                 TEXT["overall"].format(overall=points(o["score"]), enablers=points(c.loc["enablers", "score"]),
                                        results=points(c.loc["results", "score"])),
                 TEXT["scale"]]
        method = f"<p><a href='{esc(links.methodology('methods/learning'))}'>{esc(TEXT['method'])}</a></p>"
        return (stylesheet() + (banner(SYNTHETIC_NOTE) if self.folder.meta.get("synthetic") else "") + paragraph(facts)
                + note(TEXT["translation"]) + method + nav_html())

    def figure(self) -> PolishFigure:
        """Horizontal bars: each criterion's score with the range of the assessors' own scores as an error bar and
        the previous assessment's score as a square; enablers and results differ by colour and hatching."""
        rows = self.per_criterion()
        y = np.arange(len(rows))
        fig = PolishFigure(figsize=(7.2, 1.4 + 0.36 * len(rows)))
        ax = fig.subplots()
        for kind, colour, hatch in (("enabler", GROUP, ""), ("result", "#009E73", "//")):
            sel = (rows["kind"] == kind).to_numpy()
            ax.barh(y[sel], rows["score"][sel], color=colour, hatch=hatch, edgecolor="white", height=0.6,
                    label=KINDS[kind])
        score = rows["score"].to_numpy(dtype=float)
        err = np.vstack([score - rows["low"].to_numpy(dtype=float), rows["high"].to_numpy(dtype=float) - score])
        ax.errorbar(score, y, xerr=err, fmt="none", ecolor=NATIONAL, elinewidth=1.5, capsize=4, label=TEXT["chart_range"])
        prev = self.previous_assessment
        if prev is not None:
            ax.scatter(rows["previous"], y, marker="s", s=30, facecolors="white", edgecolors=SELF, linewidths=1.5,
                       zorder=3, label=TEXT["chart_previous"].format(assessment=prev))
        ax.set_yticks(y, [label(f"{int(c)}. {n}", 34, 2) for c, n in zip(rows["criterion"], rows["name"], strict=True)],
                      fontsize=7.5)
        finish_points(fig, ax, TEXT["chart_x"], left=0.33, bottom=1.0, ncol=2)
        items = [TEXT["alt_item"].format(
            criterion=f"{int(r.criterion)}. {r.name}", score=points(r.score), low=points(r.low), high=points(r.high),
            previous=TEXT["alt_item_previous"].format(assessment=prev, value=points(r.previous)) if prev else "")
            for r in rows.itertuples()]
        alt = TEXT["alt"].format(assessment=self.assessment, name=self.name, items=" ".join(items),
                                 previous=TEXT["alt_previous"].format(assessment=prev) if prev else "")
        return with_alt(fig, alt)

    def criteria_html(self) -> str:
        """The chart and the table of the criteria and totals."""
        subs = self.subcriteria
        body = []
        for _, r in self.criteria.iterrows():
            flagged = subs[(subs["criterion"] == r["criterion"]) & subs["consensus_needed"]]["subcriterion"]
            name = f"{int(r['criterion'])}. {r['name']}" if not _missing(r["criterion"]) else r["name"]
            body.append([name, KINDS.get(str(r["kind"]), "–"), points(r["score"]),
                         f"{points(r['low'])}–{points(r['high'])}",
                         ", ".join(flagged) if not _missing(r["criterion"]) else num(int(r["consensus"]), 0)])
        return image(self.figure()) + table("jst-caf", CRITERIA_HEAD, body,
                                            TEXT["criteria_caption"].format(assessment=self.assessment))

    def spread_sentences(self) -> list[str]:
        subs = self.subcriteria
        flagged = subs[subs["consensus_needed"]]
        threshold = num(self.threshold, 0)
        if flagged.empty:
            return [TEXT["spread_none"].format(threshold=threshold)]
        top = subs.sort_values(["spread", "criterion", "subcriterion"], ascending=[False, True, True]).iloc[0]
        return [TEXT["spread"].format(threshold=threshold, flagged=len(flagged), total=len(subs)),
                TEXT["spread_largest"].format(sub=top["subcriterion"], name=top["name"], spread=points(top["spread"]),
                                              low=points(top["min"]), high=points(top["max"]))]

    def spread_html(self) -> str:
        """Sentences on the disagreement in the team and the table of sub-criteria with the consensus flag."""
        body = [[r.subcriterion, r.name, num(r.n, 0), points(r.mean), points(r.median), f"{points(r.min)}–{points(r.max)}",
                 points(r.spread), points(r.sd), CONSENSUS if r.consensus_needed else "–"]
                for r in self.subcriteria.itertuples()]
        return paragraph(self.spread_sentences()) + table("jst-caf-subcriteria", SUB_HEAD, body,
                                                          TEXT["sub_caption"].format(assessment=self.assessment))

    def notes_html(self) -> str:
        """Per criterion: its strengths and its areas for improvement, each once (with how many assessors wrote it)."""
        if self.notes.empty:
            return paragraph([TEXT["notes_none"]])
        parts = []
        for r in self.per_criterion().itertuples():
            mine = self.notes[self.notes["criterion"] == r.criterion]
            if mine.empty:
                continue
            parts.append(f"<h3>{esc(f'{int(r.criterion)}. {r.name}')}</h3>")
            for kind, head in (("strength", TEXT["strengths"]), ("improvement", TEXT["improvements"])):
                rows = mine[mine["kind"] == kind]
                if rows.empty:
                    continue
                counted = rows.groupby(["subcriterion", "text"], sort=True)["assessor"].nunique()
                items = [TEXT["note_item"].format(sub=sub, text=text) + (TEXT["note_many"].format(n=n) if n > 1 else "")
                         for (sub, text), n in counted.items()]
                parts.append(f"<p><strong>{esc(head)}</strong></p><ul>" + "".join(f"<li>{esc(i)}</li>" for i in items)
                             + "</ul>")
        return "".join(parts)

    def plan_html(self) -> str:
        """The improvement actions by priority, the same action proposed by several assessors once."""
        if self.plan.empty:
            return paragraph([TEXT["plan_none"]])
        keys = ["priority", "action", "subcriterion", "criterion", "owner", "deadline", "effect"]
        p = (self.plan.fillna({"owner": "", "deadline": "", "effect": ""})
             .groupby(keys, sort=False)["assessor"].agg(lambda a: ", ".join(sorted(set(a)))).reset_index())
        p = p.assign(_o=p["priority"].map(PRIORITY_ORDER)).sort_values(["_o", "criterion", "subcriterion", "action"])
        counts = p["priority"].value_counts()
        body = [[r.priority, r.action, r.subcriterion, r.owner or "–", r.deadline or "–", r.effect or "–", r.assessor]
                for r in p.itertuples()]
        sentence = TEXT["plan_count"].format(n=len(p), high=int(counts.get("wysoki", 0)),
                                             medium=int(counts.get("średni", 0)), low=int(counts.get("niski", 0)))
        return paragraph([sentence]) + table("jst-caf-plan", PLAN_HEAD, body,
                                             TEXT["plan_caption"].format(assessment=self.assessment))

    def change_sentences(self) -> list[str]:
        prev = self.previous_assessment
        if prev is None:
            return [TEXT["first"].format(assessment=self.assessment)]
        o = self.overall
        rows = self.per_criterion().dropna(subset=["change"])
        out = [TEXT["change"].format(previous_assessment=prev, change=num(float(o["change"]), 1, signed=True),
                                     previous=points(o["previous"]), score=points(o["score"]))]
        if len(rows) >= 2:
            up, down = rows.loc[rows["change"].idxmax()], rows.loc[rows["change"].idxmin()]
            out.append(TEXT["change_most"].format(
                up=f"{int(up['criterion'])}. {up['name']}", up_change=num(float(up["change"]), 1, signed=True),
                down=f"{int(down['criterion'])}. {down['name']}", down_change=num(float(down["change"]), 1, signed=True)))
        return out

    def change_html(self) -> str:
        """The change on the previous assessment: sentences and, when there is one, the table."""
        prev = self.previous_assessment
        if prev is None:
            return paragraph(self.change_sentences())
        body = [[f"{int(r['criterion'])}. {r['name']}" if not _missing(r["criterion"]) else r["name"],
                 points(r["previous"]), points(r["score"]),
                 "–" if _missing(r["change"]) else num(float(r["change"]), 1, signed=True)]
                for _, r in self.criteria.iterrows()]
        head = ["Kryterium", f"Samoocena {prev}", f"Samoocena {self.assessment}", "Zmiana (pkt)"]
        return (paragraph(self.change_sentences())
                + table("jst-caf-change", head, body,
                        TEXT["change_caption"].format(previous_assessment=prev, assessment=self.assessment))
                + note(TEXT["change_note"]))

    def group_sentences(self) -> list[str]:
        o = self.overall
        if bool(o["suppressed"]):
            return [TEXT["suppressed"].format(assessment=self.assessment, n=int(o["group_n"]), min_n=int(o["min_n"]))]
        return [TEXT["group"].format(assessment=self.assessment, n=int(o["group_n"]), name=self.name,
                                     score=points(o["score"]), band=BANDS[int(o["band"])], median=points(o["group_median"]),
                                     q25=points(o["group_q25"]), q75=points(o["group_q75"]), rank=int(o["rank"]))]

    def group_html(self) -> str:
        """The authority against the round's distribution (quartiles, position), or why it is not shown."""
        if bool(self.overall["suppressed"]):
            return paragraph(self.group_sentences())
        body = []
        for _, r in self.criteria.iterrows():
            name = f"{int(r['criterion'])}. {r['name']}" if not _missing(r["criterion"]) else r["name"]
            body.append([name, points(r["score"]), *(points(r[f"group_{c}"]) for c in ("min", "q25", "median", "q75", "max")),
                         TEXT["position"].format(rank=int(r["rank"]), n=int(r["group_n"])), BANDS[int(r["band"])]])
        return (paragraph(self.group_sentences())
                + table("jst-caf-group", GROUP_HEAD, body,
                        TEXT["group_caption"].format(name=self.name, assessment=self.assessment))
                + note(TEXT["group_note"]))

    def export_frame(self) -> pd.DataFrame:
        """The sub-criteria table, one row each, numbers unrounded."""
        s = self.subcriteria
        return pd.DataFrame({
            "TERYT": self.code, "Samoocena": self.assessment, "Panel": s["panel"].map(lambda p: PANELS[str(p)]),
            "Kryterium": s["criterion"], "Podkryterium": s["subcriterion"], "Nazwa": s["name"],
            "Liczba oceniających": s["n"], "Średnia (pkt)": s["mean"], "Mediana (pkt)": s["median"],
            "Najniższa (pkt)": s["min"], "Najwyższa (pkt)": s["max"], "Rozrzut (pkt)": s["spread"],
            "Odchylenie standardowe (pkt)": s["sd"],
            "Do uzgodnienia": np.where(s["consensus_needed"], "tak", "nie")}, columns=EXPORT_COLUMNS)

    def downloads_html(self) -> str:
        """Links that download the sub-criteria table as CSV and XLSX, inside the page."""
        return downloads_html(self.export_frame(), f"caf-{quote(self.code, safe='')}-{quote(self.assessment, safe='')}",
                              "Samoocena CAF")
