"""Methodology pages of the statistical layer, generated from its data so the site cannot drift from it:
structural features and method defaults (features.yml), deflators (deflators.yml), and the diagnostics of the
adjustment models, the typology and the composites of each report series that has been built."""

from __future__ import annotations

import json
from pathlib import Path

from jstbench.catalogue.deflators import Deflator
from jstbench.catalogue.model import Catalogue
from jstbench.core.errors import InputError
from jstbench.core.project import Project
from jstbench.core.text import md_cell as cell
from jstbench.core.text import num
from jstbench.series.folder import SeriesFolder
from jstbench.site.composites import composites_page
from jstbench.stats.adjust import quartile_changes
from jstbench.views.wording import STATUS_TEXT, model_note

HEAD = "---\ntitle: \"{title}\"\n---\n\n"
PI_METHODS = {"pooled": "wspólna wariancja", "variance-function": "funkcja wariancji (kalibrowana)"}


def features_page(cat: Catalogue) -> str:
    s = cat.require_structure()
    lines = [HEAD.format(title="Cechy strukturalne i ustawienia metod"),
             "Generowane z `methodology/catalogue/features.yml`. Cechy opisują warunki, w których działa JST i których "
             "nie zmieni szybko; używają ich [korekta strukturalna](adjustment.qmd), [podobne JST i typologia](similar.qmd).",
             "", "| cecha | opis | źródło | przekształcenie | korekta | podobne JST (waga) | typologia |", "|---|---|---|---|---|---|---|"]
    for f in s.features:
        source = f"[`{f.indicator}`](../indicators/{f.indicator}.qmd)" if f.indicator else f"rejestr JST: `{f.column}`"
        lines.append(f"| `{f.id}` | {cell(f.label.pl)} | {source} | {'logarytm' if f.transform == 'log' else '—'} | "
                     f"{'tak' if f.id in s.adjustment.features else '—'} | {cell(s.similar.weights.get(f.id, '—'))} | "
                     f"{'tak' if f.id in s.typology.features else '—'} |")
    clusters = ", ".join(f"{k}: {v}" for k, v in (s.typology.n_clusters or {}).items()) or "wybór według sylwetki"
    lines += ["", "## Ustawienia", "",
              f"- Korekta: minimum {s.adjustment.min_n} JST z danymi; słabe dopasowanie poniżej R² = {num(s.adjustment.min_r2, 2)}; "
              f"przedziały predykcji {num(100 * (1 - s.adjustment.alpha), 0)}%.",
              f"- Podobne JST: k = {s.similar.k} (seria może zmienić k i wagi w `similar:`).",
              f"- Typologia: liczba typów {clusters}; najwyżej {s.typology.max_clusters}.", "",
              "## Wskaźniki z własnym zestawem cech albo bez korekty", "", "| wskaźnik | cechy | skala | uwaga |", "|---|---|---|---|"]
    for ind in cat.indicators.values():
        a = ind.adjustment
        if a.features is not None or not a.enabled or a.response != "auto":
            feats = "bez korekty" if not a.enabled else ", ".join(s.adjustment_features(ind))
            lines.append(f"| [{cell(ind.name.pl)}](../indicators/{ind.id}.qmd) | {cell(feats)} | {cell(a.response)} | {cell(a.note or '')} |")
    return "\n".join(lines) + "\n"


def deflators_page(deflators: dict[str, Deflator]) -> str:
    lines = [HEAD.format(title="Deflatory"),
             "Generowane z `methodology/catalogue/deflators.yml`. Roczne wskaźniki cen (rok poprzedni = 100) łańcuchuje się "
             "w poziom cen z rokiem raportu = 1; zob. [trendy i ceny stałe](trends.qmd).", ""]
    for d in deflators.values():
        src = d.source
        lines += [f"## {cell(d.name_pl)} (`{d.id}`)", "",
                  f"Źródło: [{cell(src.publisher)}, *{cell(src.title)}*{', ' + cell(src.table) if src.table else ''}]"
                  f"(<{src.url}>), pobrano {src.retrieved}. Status: **{cell(d.status)}**. {cell(d.note or '')}", "",
                  "| rok | wskaźnik (rok poprzedni = 100) |", "|---|---|"]
        lines += [f"| {year} | {num(value, 1)} |" for year, value in sorted(d.values.items())]
        lines.append("")
    return "\n".join(lines) + "\n"


def _series_with_models(project: Project) -> list[tuple[str, SeriesFolder | None, dict]]:
    """Built series under output/ (a folder of another contract version comes without its data, to be rebuilt)."""
    out: list[tuple[str, SeriesFolder | None, dict]] = []
    if project.output_dir.exists():
        for meta in sorted(project.output_dir.glob("*/data/series.json")):
            try:
                folder = SeriesFolder(meta.parent)
                out.append((meta.parent.parent.name, folder, folder.meta))
            except InputError:
                out.append((meta.parent.parent.name, None, json.loads(meta.read_text(encoding="utf-8"))))
    return out


def diagnostics_pages(project: Project, cat: Catalogue, dest: Path) -> None:
    """`diagnostics/index.qmd` and one page per built series (with residual plots as PNG files)."""
    dest.mkdir(parents=True, exist_ok=True)
    found = _series_with_models(project)
    lines = [HEAD.format(title="Diagnostyka modeli"),
             "Dopasowanie modeli [korekty strukturalnej](../methods/adjustment.qmd), stabilność [typologii](../methods/similar.qmd) "
             "i wrażliwość [indeksów złożonych](../methods/composites.qmd) — dla każdej zbudowanej serii raportów.", ""]
    if not found:
        lines.append("Nie zbudowano jeszcze żadnej serii raportów: uruchom `jstbench reports demo`, potem `jstbench site`.")
    for name, folder, meta in found:
        if folder is None:
            lines.append(f"- {cell(meta.get('title', name))} — zbudowana starszą wersją jstbench: przebuduj `jstbench reports {name}`")
            continue
        lines.append(f"- [{cell(meta.get('title', name))}]({name}.qmd) — rok {meta.get('year')}; "
                     f"[indeksy złożone]({name}-indeksy.qmd)")
        (dest / f"{name}.qmd").write_text(series_diagnostics(name, folder, meta, cat, dest), encoding="utf-8")
        names = {i.id: i.name.pl for i in cat.indicators.values()}
        (dest / f"{name}-indeksy.qmd").write_text(composites_page(name, folder, meta, names), encoding="utf-8")
    (dest / "index.qmd").write_text("\n".join(lines) + "\n", encoding="utf-8")


def series_diagnostics(name: str, folder: SeriesFolder, meta: dict, cat: Catalogue, dest: Path) -> str:
    from jstbench.views import charts

    models = folder.read("models")
    adjusted = folder.read("adjusted")
    units = folder.read("units").set_index("code")["name"]
    changes = quartile_changes(adjusted)
    fitted = models[models["status"] == "ok"]
    ok_rows = adjusted[adjusted["indicator"].isin(fitted["indicator"])].dropna(subset=["raw_quartile", "adj_quartile"])
    moved = (ok_rows["raw_quartile"] != ok_rows["adj_quartile"]).mean() if len(ok_rows) else float("nan")
    synthetic = " **Dane syntetyczne.**" if meta.get("synthetic") else ""
    counts = models["status"].value_counts()
    lines = [HEAD.format(title=f"Diagnostyka: {cell(meta.get('title', name))}"),
             f"Rok {meta.get('year')}.{synthetic} Modeli: {len(models)} — " + ", ".join(
                 f"{STATUS_TEXT[s]}: {int(counts.get(s, 0))}" for s in STATUS_TEXT) + ". "
             f"Mediana R² modeli dopasowanych: {num(fitted['r2'].median(), 2)}. "
             f"Po korekcie ćwiartkę w kraju zmienia {num(100 * moved, 0)}% par (JST, wskaźnik) w modelach dopasowanych.", "",
             "## Modele", "",
             "| wskaźnik | n | skala | R² | R² skor. | test Breuscha–Pagana (p) | przedział predykcji | punkty wpływowe | "
             "zmiana ćwiartki | status |", "|---|---|---|---|---|---|---|---|---|---|"]
    influential = adjusted[adjusted["influential"]].groupby("indicator").size()
    for m in models.sort_values("indicator").itertuples():
        ind = cat.indicators.get(m.indicator)
        label = ind.name.pl if ind else m.indicator
        lines.append(f"| [{cell(label)}](#{m.indicator}) | {m.n} | {m.response} | {num(m.r2, 2)} | {num(m.r2_adj, 2)} | "
                     f"{num(m.bp_pvalue, 3)} | {PI_METHODS.get(str(m.pi_method), '–')} | {int(influential.get(m.indicator, 0))} | "
                     f"{num(100 * changes.get(m.indicator, float('nan')), 0)}% | {STATUS_TEXT[m.status]} {cell(_note(m))} |")
    img = dest / "img" / name
    img.mkdir(parents=True, exist_ok=True)
    by_indicator = dict(tuple(adjusted.groupby("indicator")))
    for m in models.sort_values("indicator").itertuples():
        ind = cat.indicators.get(m.indicator)
        name_pl = cell(ind.name.pl if ind else m.indicator)
        lines += ["", f"## {name_pl} {{#{m.indicator}}}", "",
                  f"[Definicja wskaźnika „{name_pl}”](../indicators/{m.indicator}.qmd). Cechy: {cell(m.features)}; skala: {m.response}; "
                  f"n = {m.n}; status: {STATUS_TEXT[m.status]}. {cell(_note(m))}", ""]
        coefs = json.loads(m.coefficients)
        if coefs:
            lines += ["| składnik | współczynnik | błąd std. (HC3) | p |", "|---|---|---|---|"]
            lines += [f"| `{cell(c['term'])}` | {num(c['coef'], 4)} | {num(c['se'], 4)} | {num(c['p'], 3)} |" for c in coefs]
        rows = by_indicator.get(m.indicator, adjusted.iloc[:0])
        if len(rows):
            top = rows.nlargest(3, "cooks_d")
            lines += ["", "Największa odległość Cooka: " + "; ".join(
                f"{cell(units.get(u, u))} ({num(d, 3)})" for u, d in zip(top["unit"], top["cooks_d"], strict=True)) + "."]
            fig = charts.residual_figure(rows, m.response)
            fig.savefig(img / f"{m.indicator}.png", dpi=72)
            charts.plt.close(fig)
            lines += ["", f"![Reszty wobec wartości dopasowanych: {cell(m.indicator)}](img/{name}/{m.indicator}.png)"]
    lines += typology_section(folder, cat) + composites_section(name, folder, meta)
    return "\n".join(lines) + "\n"


def _note(m) -> str:
    return model_note(m.status, m.n, m.needed, m.r2, m.min_r2)


def typology_section(folder: SeriesFolder, cat: Catalogue) -> list[str]:
    clusters = folder.read("clusters")
    feats = [c for c in clusters.columns if c not in ("cluster", "n", "stability") and not c.startswith("z_")]
    s = cat.require_structure()
    for f in feats:  # medians on the natural scale: the median commutes with the monotone log
        clusters[f] = clusters[f].map(s.feature(f).natural)
    labels = [cell(s.labels()[f]) for f in feats]
    lines = ["", "## Typologia z danych", "", "Mediany cech w typach i stabilność Henniga "
             "(powyżej 0,75 — stabilny, poniżej 0,5 — rozpada się).", "",
             "| typ | JST | " + " | ".join(labels) + " | stabilność |", "|---|---|" + "---|" * len(feats) + "---|"]
    for r in clusters.itertuples():
        lines.append(f"| {cell(r.cluster)} | {r.n} | " + " | ".join(
            num(getattr(r, f), 0 if abs(getattr(r, f)) >= 100 else 1) for f in feats) + f" | {num(r.stability, 2)} |")
    return lines


def composites_section(name: str, folder: SeriesFolder, meta: dict) -> list[str]:
    defs = meta.get("composites", [])
    if not defs:
        return ["", "## Indeksy złożone", "", "Seria nie definiuje indeksów złożonych."]
    shares = folder.read("composite_shares")
    scores = folder.read("composite_scores")
    factors = list(shares["factor"].drop_duplicates())
    lines = ["", "## Indeksy złożone", "", "Udział wyborów metody w wariancji pozycji (wrażliwość pierwszego rzędu, ± błąd "
             "standardowy) i typowa szerokość przedziału pozycji, osobno w każdej warstwie porównań. Struktura, wagi "
             f"efektywne, wartości odstające, wskaźniki Sobola i audyt spójności: [strona indeksów]({name}-indeksy.qmd).", "",
             "| indeks | warstwa | przebiegi | " + " | ".join(f"`{f}`" for f in factors) + " | mediana szerokości przedziału (pozycje) |",
             "|---|---|---|" + "---|" * len(factors) + "---|"]
    for c in defs:
        for stratum, sh in shares[shares["composite"] == c["id"]].groupby("stratum"):
            sc = scores[(scores["composite"] == c["id"]) & (scores["stratum"] == stratum)]
            width = (sc["rank_hi"] - sc["rank_lo"]).median()
            by = sh.set_index("factor").reindex(factors)
            lines.append(f"| [{cell(c['name'])}]({name}-indeksy.qmd#{c['id']}) | {cell(stratum)} | {int(sh['runs'].iloc[0])} | " + " | ".join(
                f"{num(100 * v, 0)}% ± {num(100 * e, 0)}" for v, e in zip(by["share"], by["share_se"], strict=True))
                + f" | {num(width, 0)} |")
    return lines
