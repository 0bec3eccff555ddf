"""The composites page of a built series (`diagnostics/<series>-indeksy.qmd`): structure and effective weights, the
outlier treatment and imputation applied, the Monte Carlo shares with their standard errors, the variance-based
sensitivity analysis (Sobol' indices with their intervals) and the statistical coherence audit — generated from the
series folder, so the page shows what the reports rest on."""

from __future__ import annotations

import pandas as pd

from jstbench.core.text import md_cell as cell
from jstbench.core.text import num, pct
from jstbench.series.folder import SeriesFolder
from jstbench.stats.composite.build import ONE_LEVEL
from jstbench.stats.composite.coherence import INDEX
from jstbench.views.wording import FACTOR_NAMES, METHOD_NAMES, STRATUM_NAMES, TREAT_NAMES

HEAD = "---\ntitle: \"{title}\"\n---\n\n"
LEVELS = {"indicator-indicator": "wskaźnik–wskaźnik", "indicator-domain": "wskaźnik–domena", "indicator-index": "wskaźnik–indeks",
          "domain-domain": "domena–domena", "domain-index": "domena–indeks"}


def _pm(value: float, conf: float) -> str:
    return f"{num(value, 2)} ± {num(conf, 2)}"


def _names(cat_names: dict[str, str], ids: object) -> str:
    return cell(cat_names.get(str(ids), str(ids)))


def composites_page(name: str, folder: SeriesFolder, meta: dict, indicator_names: dict[str, str]) -> str:
    """The page's Markdown."""
    defs = meta.get("composites", [])
    lines = [HEAD.format(title=f"Indeksy złożone: {cell(meta.get('title', name))}"),
             f"Rok {meta.get('year')}. Metody: [indeksy złożone](../methods/composites.qmd), "
             "[definicje pozycji, percentyli i progów](../methods/definitions.qmd)."]
    if not defs:
        return "\n".join(lines + ["", "Seria nie definiuje indeksów złożonych."]) + "\n"
    t = {n: folder.read(n) for n in ("composite_scores", "composite_shares", "composite_weights", "composite_treated",
                                     "composite_imputed", "composite_sensitivity", "composite_coherence", "composite_flags")}
    for c in defs:
        lines += ["", f"## {cell(c['name'])} {{#{c['id']}}}", "", _choices(c)]
        names = indicator_names | {d["id"]: f"domena „{d['name']}”" for d in c.get("domains", [])} | {
            INDEX: "indeks", ONE_LEVEL: "wszystkie składowe"}
        for stratum in sorted(set(t["composite_scores"].loc[t["composite_scores"]["composite"] == c["id"], "stratum"])):
            part = {k: v[(v["composite"] == c["id"]) & (v["stratum"] == stratum)] for k, v in t.items()}
            lines += ["", f"### {cell(STRATUM_NAMES.get(stratum, stratum)).capitalize()}", ""]
            lines += _weights(part["composite_weights"], names, c)
            lines += _treatment(part["composite_treated"], part["composite_imputed"], names, c)
            lines += _uncertainty(part["composite_scores"], part["composite_shares"], part["composite_sensitivity"], c)
            lines += _coherence(part["composite_coherence"], part["composite_flags"], names)
    return "\n".join(lines) + "\n"


def _choices(c: dict) -> str:
    levels = (f"dwa poziomy (domeny: {len(c['domains'])}), agregacja domen w indeks: "
              f"{METHOD_NAMES.get(c.get('index_aggregate') or c['aggregate'], c['aggregate'])}" if c.get("domains") else "jeden poziom")
    scale = ""
    if c["normalise"] == "goalposts":
        scale = (f" Skala stała: zakres roku {c['reference_year']}." if c.get("reference_year")
                 else " Skala stała: progi podane w serii.")
    return (f"Struktura: {levels}. Wartości odstające: {TREAT_NAMES.get(c.get('treat', 'none'), c.get('treat'))}; braki: "
            f"{METHOD_NAMES.get(c['impute'], c['impute'])}"
            + (f", a brak w roku raportu — wartość z najwyżej {c['latest_year']} lat wcześniej" if c.get("latest_year") else "")
            + f"; normalizacja: {METHOD_NAMES.get(c['normalise'], c['normalise'])}; wagi: {METHOD_NAMES.get(c['weights'], c['weights'])}; "
            f"agregacja: {METHOD_NAMES.get(c['aggregate'], c['aggregate'])}.{scale}")


def _weights(w: pd.DataFrame, names: dict[str, str], c: dict) -> list[str]:
    domain_names = {d["id"]: d["name"] for d in c.get("domains", [])}
    lines = ["Wagi nominalne: w domenie, domeny w indeksie i efektywna waga wskaźnika w indeksie (iloczyn; dokładna przy "
             "agregacji arytmetycznej na obu poziomach).", "", "| wskaźnik | domena | waga w domenie | waga domeny | waga efektywna |",
             "|---|---|---|---|---|"]
    for r in w.itertuples():
        lines.append(f"| {_names(names, r.indicator)} | {cell(domain_names.get(r.domain, '—'))} | {pct(100 * r.weight, 1)} | "
                     f"{pct(100 * r.domain_weight, 1)} | {pct(100 * r.effective_weight, 1)} |")
    return lines + [""]


def _treatment(treated: pd.DataFrame, imputed: pd.DataFrame, names: dict[str, str], c: dict) -> list[str]:
    lines = []
    if c.get("treat", "none") != "none":
        if treated.empty:
            lines.append("Żaden wskaźnik nie przekroczył progów skośności i kurtozy (|skośność| ≥ 2 i kurtoza ≥ 3,5): "
                         "niczego nie przycięto ani nie przekształcono.")
        else:
            lines += ["Wartości odstające potraktowane przed normalizacją (reguła |skośność| ≥ 2 i kurtoza ≥ 3,5, jak w COINr):", "",
                      "| wskaźnik | metoda | punktów | najmniejsza zmieniona | największa zmieniona | parametr (λ Boxa–Coxa) |",
                      "|---|---|---|---|---|---|"]
            for (ind, method), g in treated.groupby(["indicator", "method"]):
                points = int(g["unit"].notna().sum())
                lines.append(f"| {_names(names, ind)} | {cell(TREAT_NAMES.get(str(method), method))} | {points} | "
                             f"{num(g['original'].min(), 1)} | {num(g['original'].max(), 1)} | {num(g['parameter'].max(), 3)} |")
        lines.append("")
    if len(imputed):
        counts = imputed.groupby(["indicator", "method"]).size()
        lines += ["Uzupełnione wartości (zaznaczone w raportach JST):", "", "| wskaźnik | sposób | JST |", "|---|---|---|"]
        lines += [f"| {_names(names, ind)} | {cell(METHOD_NAMES.get(str(m), 'wartość z wcześniejszego roku' if m == 'latest_year' else m))} "
                  f"| {n} |" for (ind, m), n in counts.items()]
        lines.append("")
    return lines


def _uncertainty(scores: pd.DataFrame, shares: pd.DataFrame, sens: pd.DataFrame, c: dict) -> list[str]:
    width = (scores["rank_hi"] - scores["rank_lo"]).median()
    runs = int(shares["runs"].iloc[0]) if len(shares) else c["uncertainty"]["runs"]
    lines = [f"Analiza niepewności: {runs} przebiegów Monte Carlo; mediana szerokości przedziału pozycji (90%): "
             f"{num(width, 0)} pozycji; JST z indeksem: {int(scores['score'].notna().sum())}.", "",
             "| wybór | udział w wariancji pozycji (I rząd, Monte Carlo) | błąd standardowy (bootstrap) |", "|---|---|---|"]
    lines += [f"| {cell(FACTOR_NAMES.get(r.factor, r.factor))} | {pct(100 * r.share, 1)} | {num(100 * r.share_se, 1)} pkt proc. |"
              for r in shares.itertuples()]
    if len(sens):
        s0 = sens.iloc[0]
        lines += ["", f"Analiza wrażliwości oparta na wariancji (plan Saltellego, {int(s0['n_base'])} punktów bazowych, "
                  f"{int(s0['runs'])} przebiegów): wskaźniki Sobola dla średniego bezwzględnego przesunięcia pozycji, "
                  "± połowa 95% przedziału bootstrap. S₁ — udział samego wyboru, Sₜ — z interakcjami.", "",
                  "| wybór | S₁ | Sₜ |", "|---|---|---|"]
        lines += [f"| {cell(FACTOR_NAMES.get(r.factor, r.factor))} | {_pm(r.S1, r.S1_conf)} | {_pm(r.ST, r.ST_conf)} |"
                  for r in sens.itertuples()]
        moved = scores["mean_abs_shift"]
        lines += ["", f"Średnie bezwzględne przesunięcie pozycji JST w planie: mediana {num(moved.median(), 1)}, "
                  f"90. percentyl {num(moved.quantile(0.9), 1)} pozycji."]
    return lines + [""]


def _coherence(coh: pd.DataFrame, flags: pd.DataFrame, names: dict[str, str]) -> list[str]:
    lines = ["Spójność statystyczna (na wartościach znormalizowanych):", ""]
    alpha = coh[(coh["part"] == "alpha") & coh["dropped"].isna()]
    pca = coh[coh["part"] == "pca"].set_index("group")
    lines += ["| grupa | alfa Cronbacha | alfa standaryzowana | 1. składowa główna | wartości własne > 1 | n |", "|---|---|---|---|---|---|"]
    for r in alpha.itertuples():
        p = pca.loc[r.group] if r.group in pca.index else None
        share = pct(100 * p["pc1_share"], 1) if p is not None and pd.notna(p["pc1_share"]) else "–"
        kaiser = str(int(p["kaiser"])) if p is not None and pd.notna(p["kaiser"]) else "–"
        lines.append(f"| {_names(names, r.group)} | {num(r.alpha_raw, 2)} | {num(r.alpha_std, 2)} | {share} | {kaiser} | {int(r.n)} |")
    corr = coh[(coh["part"] == "correlations") & coh["level"].isin(["indicator-domain", "indicator-index", "domain-index"])]
    if len(corr):
        lines += ["", "| poziom | a | b | r Pearsona | r skorygowane (bez wskaźnika) | n |", "|---|---|---|---|---|---|"]
        lines += [f"| {LEVELS.get(r.level, r.level)} | {_names(names, r.a)} | {_names(names, r.b)} | {num(r.pearson, 2)} | "
                  f"{num(r.pearson_corrected, 2)} | {int(r.n)} |" for r in corr.itertuples()]
    lines += ["", "**Sygnały do sprawdzenia:**" if len(flags) else "Audyt nie znalazł sygnałów do sprawdzenia.", ""]
    lines += [f"- {cell(m)}" for m in flags["message"]]
    return lines + [""]
