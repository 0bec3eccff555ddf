"""A competition's results in Polish: a standalone results page, the same as Quarto Markdown for the methodology
site's `praktyki/` section, and a feedback workbook per entry — from a `CompetitionResult` (plain data)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from jstbench.core.errors import InputError
from jstbench.core.text import esc, md_cell, num
from jstbench.core.xlsx import deterministic, save_workbook
from jstbench.data.competition import CompetitionResult
from jstbench.views.tables import banner, paragraph, stylesheet, table

METHODS = {
    "zscore": "oceny każdego jurora w każdym kryterium wystandaryzowano (średnia i rozrzut jurora) i przeliczono z "
              "powrotem na punkty skali — średnią wszystkich ocen kryterium i typowy rozrzut ocen jednego jurora",
    "centre": "od ocen każdego jurora w każdym kryterium odjęto jego średnią i dodano średnią wszystkich ocen "
              "kryterium",
    "none": "oceny uwzględniono tak, jak je wystawiono (bez normalizacji)",
}
SYNTHETIC = "Dane demonstracyjne (syntetyczne): to nie są wyniki prawdziwego konkursu."
HEADS = ["Miejsce", "Zgłoszenie", "JST", "Wynik", "Przedział miejsc", "Nagroda"]


def place_text(row: pd.Series) -> str:
    """`2`, `2 (ex aequo)`, or `–` for an entry nobody scored."""
    if pd.isna(row["place"]):
        return "–"
    return f"{int(row['place'])}" + (" (ex aequo)" if row["ex_aequo"] else "")


def interval_text(row: pd.Series) -> str:
    """The rank interval, `1–3` (or `2` when it is one rank)."""
    if pd.isna(row["rank_low"]):
        return "–"
    low, high = int(row["rank_low"]), int(row["rank_high"])
    return f"{low}" if low == high else f"{low}–{high}"


def _scale(r: CompetitionResult) -> str:
    s = r.competition.scale
    return f"{num(s.min, 0 if s.min == int(s.min) else 1)}–{num(s.max, 0 if s.max == int(s.max) else 1)}"


def method_sentences(r: CompetitionResult) -> list[str]:
    """How the ranking was made, every number from the result."""
    c = r.competition
    crit = ", ".join(f"{k.name} ({num(100 * c.weights[k.id], 0)}%)" for k in c.criteria)
    conflicts = sum(c.conflict(j, e) for j in c.jurors for e in c.entries)
    level = num(100 * c.bootstrap.level, 0)
    out = [
        f"Zgłoszenia: {len(c.entries)}; jurorzy: {len(c.jurors)}; kryteria ({len(c.criteria)}) i ich wagi: {crit}; "
        f"skala ocen {_scale(r)}.",
        f"Normalizacja: {METHODS[c.normalise]}, tak by surowy lub łagodny juror nie przesądzał o wyniku.",
        "Wynik to ważona suma średnich ocen jurorów w kryteriach, w punktach skali.",
        f"Przedział miejsc obejmuje {level}% wyników z {num(r.runs, 0)} losowań składu jury ze zwracaniem "
        f"(bootstrap, ziarno {c.bootstrap.seed}).",
        f"Zgłoszenie dzieli miejsce („ex aequo”) z pierwszym zgłoszeniem tego miejsca, gdy to pierwsze wypada lepiej w "
        f"mniej niż {num(100 * c.tie_threshold, 0)}% losowań; w przeciwnym razie zajmuje kolejne miejsce.",
    ]
    if conflicts:
        out.append(f"Jurorzy nie oceniali zgłoszeń własnej JST (konflikt interesów); par juror–zgłoszenie "
                   f"wyłączonych z oceny: {conflicts}.")
    if r.constant:
        out.append(f"Par juror–kryterium, w których wszystkie oceny były jednakowe (te oceny tylko wycentrowano): "
                   f"{len(r.constant)}.")
    unscored = r.ranking[r.ranking["unscored_runs"] > 0]
    for _, row in unscored.iterrows():
        out.append(f"Zgłoszenie „{row['title']}” nie miało żadnej oceny w części losowań (liczba losowań: "
                   f"{row['unscored_runs']}); w nich pominięto je w rankingu.")
    return out


def _rows(r: CompetitionResult) -> list[list[str]]:
    return [[place_text(row), row["title"], row["name"], num(row["total"], 2), interval_text(row), row["award"] or ""]
            for _, row in r.ranking.iterrows()]


def _criteria_rows(r: CompetitionResult) -> tuple[list[str], list[list[str]]]:
    c = r.competition
    wide = r.means.pivot(index="entry", columns="criterion", values="mean")
    head = ["Zgłoszenie", *[k.name for k in c.criteria]]
    rows = [[row["title"], *[num(wide.at[row["entry"], k.id], 2) if row["entry"] in wide.index and k.id in wide.columns
                             else "–" for k in c.criteria]] for _, row in r.ranking.iterrows()]
    return head, rows


def results_html(r: CompetitionResult) -> str:
    """A standalone results page (Polish): title, how the ranking was made, the ranking, the criteria's means."""
    c = r.competition
    head, crit_rows = _criteria_rows(r)
    parts = [
        "<!DOCTYPE html>", "<html lang='pl'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(c.title)} — wyniki</title>", stylesheet(), "</head><body><main>",
        f"<h1>{esc(c.title)}</h1>",
        paragraph([f"Rok {c.year}." + (f" Obszar: {c.area}." if c.area else "")]),
        banner(SYNTHETIC) if c.synthetic else "",
        "<h2>Jak powstał ranking</h2>", paragraph(method_sentences(r)),
        "<h2>Wyniki</h2>", table("competition-results", HEADS, _rows(r)),
        "<h2>Średnie ocen w kryteriach (po normalizacji)</h2>", table("competition-criteria", head, crit_rows),
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def results_markdown(r: CompetitionResult) -> str:
    """The results as a Quarto Markdown page of the methodology site (`praktyki/konkurs-<id>.qmd`); an entry naming
    a practice links to its page `<practice>.qmd`."""
    c = r.competition
    lines = ["---", f"title: {json.dumps(esc(c.title), ensure_ascii=False)}", "---", ""]
    if c.synthetic:
        lines += [f"::: {{.callout-warning title=\"Dane demonstracyjne\"}}\n{md_cell(SYNTHETIC)}\n:::", ""]
    lines += [md_cell(f"Rok {c.year}." + (f" Obszar: {c.area}." if c.area else "")), "", "## Jak powstał ranking", "",
              md_cell(" ".join(method_sentences(r))), "", "## Wyniki", "",
              "| " + " | ".join(HEADS) + " |", "|" + "---|" * len(HEADS)]
    for (_, row), cells in zip(r.ranking.iterrows(), _rows(r), strict=True):
        title = md_cell(row["title"])
        cells = [md_cell(x) for x in cells]
        cells[1] = f"[{title}]({row['practice']}.qmd)" if row["practice"] else title
        lines.append("| " + " | ".join(cells) + " |")
    head, crit_rows = _criteria_rows(r)
    lines += ["", "## Średnie ocen w kryteriach (po normalizacji)", "", "| " + " | ".join(md_cell(h) for h in head) + " |",
              "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(md_cell(x) for x in row) + " |" for row in crit_rows]
    lines += ["", "[← Wszystkie praktyki](index.qmd)", ""]
    return "\n".join(lines)


def feedback_rows(r: CompetitionResult, entry: str) -> pd.DataFrame:
    """Per criterion for one entry: weight, the entry's mean normalised score, its min and max over jurors, and the
    mean of all scored entries."""
    c = r.competition
    mine = r.means[r.means["entry"] == entry].set_index("criterion")
    everyone = r.means.groupby("criterion")["mean"].mean()
    return pd.DataFrame([{"criterion": k.name, "weight": c.weights[k.id],
                          "mean": mine["mean"].get(k.id, float("nan")), "min": mine["min"].get(k.id, float("nan")),
                          "max": mine["max"].get(k.id, float("nan")), "all": everyone.get(k.id, float("nan"))}
                         for k in c.criteria])


def anonymised_comments(r: CompetitionResult, entry: str) -> list[tuple[str, str]]:
    """The jurors' comments on one entry as ("Juror 1", text), …: numbered in the order of the jurors in
    konkurs.yml among those who commented (stable), never naming them."""
    got = r.comments[r.comments["entry"] == entry].set_index("juror")["comment"]
    order = [j.id for j in r.competition.jurors if j.id in got.index]
    return [(f"Juror {i}", str(got[j])) for i, j in enumerate(order, start=1)]


def feedback_xlsx(r: CompetitionResult, entry: str, path: Path) -> None:
    """The feedback workbook of one entry (written atomically, deterministic bytes)."""
    ranking = r.ranking.set_index("entry")
    if entry not in ranking.index:
        raise InputError(f"no entry {entry!r} in competition {r.competition.id!r}")
    row = ranking.loc[entry]
    c = r.competition
    wb = Workbook()
    ws = wb.active
    ws.title = "Informacja zwrotna"
    bold = Font(bold=True)
    ws.append([c.title])
    ws["A1"].font = Font(bold=True, size=14)
    if c.synthetic:
        ws.append([SYNTHETIC])
    ws.append(["Zgłoszenie", row["title"]])
    ws.append(["JST", f"{row['name']} (TERYT {row['unit']})"])
    ws.append(["Wynik (punkty skali)", None if pd.isna(row["total"]) else float(row["total"])])
    ws.append(["Miejsce", place_text(row.rename(None)) + f" na {len(r.ranking)}"])
    ws.append([f"Przedział miejsc ({num(100 * c.bootstrap.level, 0)}%)", interval_text(row)])
    if row["award"]:
        ws.append(["Nagroda", row["award"]])
    ws.append([])
    ws.append(["Kryterium", "Waga", "Średnia ocena zgłoszenia", "Najniższa ocena jurora", "Najwyższa ocena jurora",
               "Średnia wszystkich zgłoszeń"])
    for cell in ws[ws.max_row]:
        cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="top")
    for _, f in feedback_rows(r, entry).iterrows():
        ws.append([f["criterion"], *[None if pd.isna(f[k]) else float(f[k]) for k in ("weight", "mean", "min", "max", "all")]])
        ws.cell(ws.max_row, 2).number_format = "0%"
        for col in range(3, 7):
            ws.cell(ws.max_row, col).number_format = "0.00"
    ws.append(["Oceny po normalizacji (usunięta surowość lub łagodność jurorów), w punktach skali "
               f"{_scale(r)}."])
    ws.append([])
    ws.append(["Uwagi jurorów (anonimowo)"])
    ws.cell(ws.max_row, 1).font = bold
    notes = anonymised_comments(r, entry)
    for who, text in notes:
        ws.append([who, text])
        ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    if not notes:
        ws.append(["Jurorzy nie zostawili uwag."])
    ws.column_dimensions["A"].width = 34
    for letter in "CDEF":
        ws.column_dimensions[letter].width = 20
    ws.column_dimensions["B"].width = 60
    save_workbook(wb, Path(path))


def results_xlsx(r: CompetitionResult) -> bytes:
    """The results as a workbook (deterministic bytes): `Wyniki` (the ranking), `Kryteria` (each entry's mean
    normalised score per criterion), `Oceny` (every score, as given and normalised)."""
    rk = r.ranking
    wyniki = pd.DataFrame({
        "miejsce": [place_text(row) for _, row in rk.iterrows()], "zgłoszenie": rk["entry"], "tytuł": rk["title"],
        "TERYT": rk["unit"], "JST": rk["name"], "wynik": rk["total"].round(4), "miejsce (bez losowania)": rk["rank"],
        "przedział miejsc od": rk["rank_low"], "przedział miejsc do": rk["rank_high"],
        "udział losowań, w których zgłoszenie wyżej jest lepsze": rk["p_above"].round(4),
        "losowania bez oceny": rk["unscored_runs"], "nagroda": rk["award"], "praktyka": rk["practice"]})
    names = {k.id: k.name for k in r.competition.criteria}
    kryteria = r.means.assign(criterion=r.means["criterion"].map(names)).rename(columns={
        "entry": "zgłoszenie", "criterion": "kryterium", "mean": "średnia", "min": "min", "max": "max",
        "jurors": "liczba jurorów"})
    oceny = r.adjusted.rename(columns={"juror": "juror", "entry": "zgłoszenie", "criterion": "kryterium",
                                       "score": "ocena", "adjusted": "ocena po normalizacji"})
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, df in (("Wyniki", wyniki), ("Kryteria", kryteria), ("Oceny", oceny)):
            df.to_excel(xl, index=False, sheet_name=name)
    return deterministic(buf.getvalue())
