"""Deterministic synthetic CAF self-assessments for the demo, written as filled assessor workbooks in the layout
`caf read` expects: `<folder>/<TERYT>/<assessment>/<assessor>.xlsx`.

Every score and text is synthetic (INFO says so). Each authority has a maturity level; criteria differ a little
(strategy and processes ahead of people results, say), sub-criteria scatter around their criterion, and each assessor
adds a small personal bias and noise; on two sub-criteria per assessment one assessor disagrees sharply (by 2–3
levels, ≥ 40 points), which the consensus step has to settle. The previous assessment (2022) of half the authorities
is a little lower. The classical panel is used by even-numbered authorities (in the order given), the fine-tuned one
by the others; on the fine-tuned panel the later PDCA phases (Check, Act) score lower than Plan and Do, as CAF users
typically find. Same inputs and seed → byte-identical workbooks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from openpyxl import load_workbook

from jstbench.catalogue.caf import CafModel, Kind, Panel
from jstbench.core.xlsx import save_workbook
from jstbench.data.caf import FIRST_ROW, PLAN, SCORES, entry_columns, make_workbook, safe_name

ASSESSORS = ["Sekretarz", "Skarbnik", "Kierownik Wydziału Organizacyjnego", "Kierownik Referatu Inwestycji",
             "Pełnomocnik ds. jakości"]
CRITERION_SHIFT = {1: 0.2, 2: 0.3, 3: -0.2, 4: 0.0, 5: 0.3, 6: -0.1, 7: -0.5, 8: -0.6, 9: 0.1}  # in levels
PHASE_SHIFT = {"plan": 8.0, "do": 4.0, "check": -6.0, "act": -12.0, "trends": 2.0, "targets": -2.0}  # in points
STRENGTHS = {
    1: "Misja, wizja i wartości urzędu są spisane i znane pracownikom.",
    2: "Strategia rozwoju ma mierzalne cele i przypisane wskaźniki.",
    3: "Plan szkoleń wynika z oceny kompetencji pracowników.",
    4: "Budżet obywatelski i konsultacje społeczne prowadzone są co roku.",
    5: "Większość spraw można załatwić elektronicznie.",
    6: "Urząd co roku bada satysfakcję klientów.",
    7: "Rotacja kadr jest niska.",
    8: "Urząd współpracuje z organizacjami pozarządowymi w ramach programu rocznego.",
    9: "Sprawy administracyjne są załatwiane terminowo.",
}
IMPROVEMENTS = {
    1: "Kierownictwo nie przegląda systematycznie realizacji celów.",
    2: "Realizacja strategii nie jest monitorowana w cyklu rocznym.",
    3: "Nie badamy satysfakcji pracowników.",
    4: "Wiedza odchodzących pracowników nie jest przekazywana.",
    5: "Procesy nie są opisane ani mierzone.",
    6: "Wyników badań klientów nie porównujemy w czasie.",
    7: "Raporty nie zawierają wskaźników absencji i szkoleń.",
    8: "Nie mierzymy wpływu urzędu na środowisko.",
    9: "Nie porównujemy kosztów usług z innymi samorządami.",
}
ACTIONS = {
    1: ("Wprowadzić kwartalny przegląd realizacji celów przez kierownictwo", "sekretarz",
        "cele przeglądane co kwartał, protokoły przeglądów"),
    2: ("Przygotowywać roczny raport z monitoringu strategii", "kierownik wydziału rozwoju",
        "raport przyjęty przez radę"),
    3: ("Przeprowadzić anonimowe badanie satysfakcji pracowników", "kadry", "wyniki badania i plan działań"),
    4: ("Opracować procedurę przekazywania wiedzy przy zmianie stanowiska", "sekretarz",
        "procedura stosowana przy każdej zmianie"),
    5: ("Opisać i zmierzyć pięć kluczowych procesów obsługi mieszkańców", "pełnomocnik ds. jakości",
        "mapy procesów i czasy obsługi"),
    6: ("Powtarzać badanie satysfakcji klientów według tej samej metody", "pełnomocnik ds. jakości",
        "porównywalne wyniki co roku"),
    7: ("Dodać wskaźniki kadrowe do rocznego raportu urzędu", "kadry", "wskaźniki w raporcie"),
    8: ("Policzyć zużycie energii i papieru w urzędzie", "kierownik referatu gospodarki",
        "wskaźniki środowiskowe urzędu"),
    9: ("Przystąpić do porównań kosztów usług w grupie podobnych samorządów", "skarbnik",
        "pozycja urzędu na tle grupy"),
}
PRIORITY = ["wysoki", "średni", "niski"]


def _raw(caf: CafModel, panel: Panel, kind: Kind, level: float, rng: np.random.Generator) -> dict[str, float]:
    """The raw entries of one sub-criterion for an assessor whose view of it is `level` (0–5, continuous)."""
    if panel == "classical":
        return {"level": float(np.clip(np.rint(level), 0, 5))}
    out = {}
    for e in caf.entries("fine", kind):
        x = level * 20 + PHASE_SHIFT[e] + rng.normal(0, 5)
        out[e] = float(np.clip(5 * np.rint(x / 5), 0, 100))
    return out


DEMO_UNITS = ("3064011", "1661011", "0262011", "0663011", "2862011", "3061011")
"""The demo's assessing authorities: six cities with powiat rights among the participants (enough for the group
distribution, shown from 5)."""


def write_demo_caf(folder: str | Path, units: list[tuple[str, str]], seed: int, caf: CafModel) -> int:
    """Write the synthetic assessments of `units` [(TERYT, name)]: "2024" for all, "2022" for every other one
    (the 1st, 3rd, 5th …), 3–5 assessors each; return the number of assessments written."""
    folder = Path(folder)
    subs = caf.subcriteria()
    written = 0
    for u, (code, name) in enumerate(units):
        rng = np.random.default_rng([seed, int(code), 0])
        maturity = rng.uniform(1.6, 3.4)
        base = {s.id: maturity + CRITERION_SHIFT[c.number] + rng.normal(0, 0.35) for c, s in subs}
        panel: Panel = "classical" if u % 2 == 0 else "fine"
        years = ["2022", "2024"] if u % 2 == 0 else ["2024"]
        for year in years:
            arng = np.random.default_rng([seed, int(code), int(year)])
            lift = 0.0 if year == "2024" else -0.45
            team = ASSESSORS[:int(arng.integers(3, 6))]
            disputed = {subs[i][1].id: int(arng.integers(0, len(team)))
                        for i in arng.choice(len(subs), 2, replace=False)}
            for a, assessor in enumerate(team):
                bias = arng.normal(0, 0.25)
                values: dict[str, tuple[Kind, float, dict[str, float]]] = {}
                for c, s in subs:
                    level = base[s.id] + lift + bias + arng.normal(0, 0.3)
                    if disputed.get(s.id) == a:
                        level += (2.5 if base[s.id] < 2.5 else -2.5)
                    values[s.id] = (c.kind, level, _raw(caf, panel, c.kind, level, arng))
                path = folder / code / year / f"{safe_name(assessor)}.xlsx"
                make_workbook(path, caf, code, name, year, assessor, panel,
                              generated=dt.date(int(year), 11, 15), synthetic=True)
                _fill(path, caf, panel, values, int(year), arng)
            written += 1
    return written


def _fill(path: Path, caf: CafModel, panel: Panel, values: dict[str, tuple[Kind, float, dict[str, float]]],
          year: int, rng: np.random.Generator) -> None:
    wb = load_workbook(path)
    ws, plan = wb[SCORES], wb[PLAN]
    entries = entry_columns(caf, panel)
    first = 5
    order = sorted(values, key=lambda sid: values[sid][1])
    weak, strong = order[:2], order[-2:]
    for r in range(FIRST_ROW, ws.max_row + 1):
        sid = str(ws.cell(r, 2).value)
        for e, v in values[sid][2].items():
            ws.cell(r, first + entries.index(e)).value = int(v)
        criterion = int(sid.split(".")[0])
        if sid in strong:
            ws.cell(r, first + len(entries)).value = STRENGTHS[criterion]
        if sid in weak:
            ws.cell(r, first + len(entries) + 1).value = IMPROVEMENTS[criterion]
    for i, sid in enumerate(weak[:int(rng.integers(1, 3))]):
        action, owner, effect = ACTIONS[int(sid.split(".")[0])]
        for j, text in enumerate([action, sid, PRIORITY[i], owner, f"{year + 1}-06-30", effect], start=1):
            plan.cell(FIRST_ROW + i, j).value = text
    save_workbook(wb, path)
