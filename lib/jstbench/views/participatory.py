"""The participatory-budget section of an authority report (Polish), from `pb_summary` records.

The record (`jstbench.indicators.participatory.pb_summary`, one per Pabulib instance, JSON-ready):
- identity: `file`, `unit`, `subunit` (district name or None), `district` (bool), `instance` (edition/year, text),
  `description`, `synthetic` (bool), `vote_type`, `rule`;
- inputs: `budget` (PLN), `population` and `spending` (None when not given), `projects`, `voters`;
- selection: `selected_source` ("file", "rule" or None), `selected_count`, `selected_cost`, `selected` (list of
  {project_id, name, cost, votes}, by cost then votes, descending), `selected_in_file` / `selected_by_rule` (ids or
  None), `selection_agrees` (True/False/None), `selection_rerun` (bool), `selection_reason` (why not re-run),
  `score_source` ("score", "votes" or "counted"), `differences` (list of {project_id, name, cost, score, rank,
  in_file, by_rule, remaining, why}), `warnings` (list of text);
- indicators (None when an input is missing): `turnout_pct`, `budget_share_pct`, `budget_per_resident`,
  `submitted_per_10k`, `selected_per_10k`, `cost` ({min, q1, median, q3, max}), `largest_selected_share_pct`,
  `hhi` (0–1), `top3_pct`.
`district_vs_citywide` (optional) is the dict of the same name in that module."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jstbench.core.text import esc, num, pct
from jstbench.views.tables import banner, note, paragraph, table

TITLE = "Budżet obywatelski"
SYNTHETIC = "DANE SYNTETYCZNE: ten budżet obywatelski jest wygenerowany do demonstracji, nie jest wynikiem prawdziwego głosowania."
VOTE_TYPES = {"approval": "głosowanie na wybrane projekty (aprobujące)", "choose-1": "głos na jeden projekt",
              "cumulative": "rozdzielanie punktów między projekty", "ordinal": "ranking projektów",
              "scoring": "ocena projektów punktami"}
RULES = {"greedy": "zachłanna (projekty od największej liczby głosów, dopóki mieszczą się w budżecie)",
         "greedy-no-skip": "zachłanna bez pomijania (do pierwszego projektu, który się nie mieści)",
         "greedy-threshold": "zachłanna z progiem poparcia",
         "equalshares": "metoda równych udziałów", "equalshares/add1": "metoda równych udziałów z dopełnieniem (add1)"}
RULE_NAMES = {"greedy": "zachłanna", "greedy-no-skip": "zachłanna bez pomijania", "greedy-threshold": "zachłanna z progiem",
              "equalshares": "metoda równych udziałów", "equalshares/add1": "metoda równych udziałów z dopełnieniem"}
HEADS = ["Projekt", "Koszt (zł)", "Głosy", "Udział w budżecie"]
DIFF_HEADS = ["Projekt", "Koszt (zł)", "Miejsce", "W pliku", "Według reguły", "Dlaczego"]


def _zl(x: float | None) -> str:
    return f"{num(x, 0)} zł" if x is not None else "–"


def _score_word(source: str | None) -> str:
    return "głosów" if source in ("votes", None) else "pkt"


def _why(d: Mapping[str, Any]) -> str:
    """Why the rule and the file disagree on a project, in Polish, from the structured fields."""
    if d["remaining"] is None:
        return "metoda równych udziałów go nie finansuje" if d["in_file"] else "metoda równych udziałów go finansuje, plik nie"
    if d["in_file"] and d["cost"] > d["remaining"]:
        return f"gdy reguła doszła do niego, w budżecie zostało {_zl(d['remaining'])}, a kosztuje {_zl(d['cost'])}"
    if d["in_file"]:
        return "reguła go pomija (próg poparcia albo zatrzymanie na pierwszym projekcie, który się nie mieści)"
    return f"mieści się w pozostałych {_zl(d['remaining'])}, a plik go nie wybiera"


def _facts(s: Mapping[str, Any], split: Mapping[str, Any] | None) -> list[str | None]:
    where = f"dzielnicy {s['subunit']}" if s["district"] and s["subunit"] else "całego miasta (ogólnomiejski)"
    c = s["cost"]
    facts: list[str | None] = [
        f"Budżet obywatelski {s['unit']}, {where}, edycja {s['instance']}: {_zl(s['budget'])} do podziału, "
        f"{num(s['projects'], 0)} zgłoszonych projektów, {num(s['voters'], 0)} oddanych głosów.",
        f"Sposób głosowania: {VOTE_TYPES.get(s['vote_type'], s['vote_type'])}; reguła wyboru: {RULES.get(s['rule'], s['rule'])}.",
        f"Frekwencja: {pct(s['turnout_pct'], 1)} mieszkańców." if s["turnout_pct"] is not None else None,
        f"Budżet obywatelski to {pct(s['budget_share_pct'], 2)} wydatków ogółem." if s["budget_share_pct"] is not None else None,
        f"Na mieszkańca przypada {num(s['budget_per_resident'], 2)} zł." if s["budget_per_resident"] is not None else None,
        (f"Na 10 tys. mieszkańców zgłoszono {num(s['submitted_per_10k'], 1)} projektów"
         + (f", wybrano {num(s['selected_per_10k'], 1)}." if s["selected_per_10k"] is not None else "."))
        if s["submitted_per_10k"] is not None else None,
        (f"Koszt projektu: od {_zl(c['min'])} do {_zl(c['max'])}, mediana {_zl(c['median'])}; "
         f"połowa projektów kosztuje od {_zl(c['q1'])} do {_zl(c['q3'])}.") if c["min"] is not None else None,
        (f"Największy wybrany projekt to {pct(s['largest_selected_share_pct'], 1)} budżetu."
         if s["largest_selected_share_pct"] is not None else None),
        (f"Trzy projekty z największą liczbą głosów zebrały {pct(s['top3_pct'], 1)} wszystkich głosów "
         f"(wskaźnik koncentracji Herfindahla–Hirschmana: {num(s['hhi'], 3)}).") if s["hhi"] is not None else None,
    ]
    if split and split.get("district_share_pct") is not None:
        facts.append(f"Budżety dzielnicowe ({num(split['district_instances'], 0)}) to {pct(split['district_share_pct'], 1)} "
                     f"całego budżetu obywatelskiego tej edycji ({_zl(split['district_budget'] + split['citywide_budget'])}).")
    return facts


def _check(s: Mapping[str, Any]) -> list[str]:
    rule = f"„{RULE_NAMES.get(s['rule'], s['rule'])}”"
    if not s["selection_rerun"]:
        return [f"Reguły wyboru „{s['rule']}” nie odtwarzamy, więc nie sprawdzamy listy wybranych projektów."]
    if s["selection_agrees"] is None:
        return [f"Plik nie podaje, które projekty wybrano. Według reguły {rule} wybranych byłoby "
                f"{num(len(s['selected_by_rule']), 0)} projektów za {_zl(s['selected_cost'])}; to nasze obliczenie, nie wynik urzędowy."]
    if s["selection_agrees"]:
        return [f"Sprawdzenie: ponowne zastosowanie reguły {rule} daje te same {num(len(s['selected_in_file']), 0)} "
                "projektów, które plik podaje jako wybrane."]
    return [f"Sprawdzenie: ponowne zastosowanie reguły {rule} daje inny wynik niż plik – "
            f"{num(len(s['differences']), 0)} różnic(e) w tabeli poniżej. Różnica nie musi oznaczać błędu: "
            "miasto mogło np. dołożyć środki albo zastosować zasady, których plik nie opisuje."]


def pb_section_html(summary: Mapping[str, Any], split: Mapping[str, Any] | None = None) -> str:
    """The section: facts, the selected projects by cost and votes, the selection check (and its differences)."""
    s = summary
    parts = [f"<h2 id='budzet-obywatelski'>{esc(TITLE)}</h2>"]
    if s["synthetic"]:
        parts.append(banner(SYNTHETIC))
    parts.append(paragraph(_facts(s, split)))
    if s["selected"]:
        caption = ("Wybrane projekty według kosztu i liczby głosów"
                   + (" (wynik z pliku)" if s["selected_source"] == "file" else " (według reguły, plik nie podaje wyniku)"))
        rows = [[r["name"] or r["project_id"], num(r["cost"], 0), num(r["votes"], 0),
                 pct(100 * r["cost"] / s["budget"], 1) if s["budget"] else "–"] for r in s["selected"]]
        parts.append(table("jst-pb", HEADS, rows, caption=caption))
    parts.append(paragraph(_check(s)))
    if s["differences"]:
        rows = [[d["name"] or d["project_id"], num(d["cost"], 0), f"{d['rank']}. ({num(d['score'], 0)} {_score_word(s['score_source'])})",
                 "tak" if d["in_file"] else "nie", "tak" if d["by_rule"] else "nie", _why(d)]
                for d in s["differences"]]
        parts.append(table("jst-pb-diff", DIFF_HEADS, rows, caption="Projekty, co do których plik i reguła się różnią"))
    if s["warnings"]:
        parts.append(note(f"Plik ma {len(s['warnings'])} niezgodności wewnętrzne (np. liczby w nagłówku META inne niż w "
                          "sekcjach, głosy ponad limit, suma kosztów wybranych projektów ponad budżet); wyniki liczymy z sekcji "
                          "PROJECTS i VOTES. Szczegóły: jstbench pb read --lenient."))
    return "".join(parts)


def unit_pb_html(series_dir: str | Path, unit: str) -> str:
    """The section of an authority report: its latest participatory-budget edition in the series data (the
    city-wide instance, or the first district one, with the district / city-wide split); "" without data."""
    from jstbench.series.folder import SeriesFolder

    rows = SeriesFolder(series_dir).read("pb_summary", [("unit", "==", unit)])
    if rows.empty:
        return ""
    latest = rows[rows["year"] == rows["year"].max()].sort_values("district")
    record = json.loads(latest.iloc[0]["record"])
    split = record.pop("split", None)
    return pb_section_html(record, split if split and split.get("district_instances") else None)
