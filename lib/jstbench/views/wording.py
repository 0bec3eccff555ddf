"""The fixed Polish wording of the reports: labels, notes and explanations, in one place.

Sentences that carry numbers are built in the views from these labels; every number in them comes from the
series folder."""

from __future__ import annotations

from collections.abc import Iterable

from jstbench.core.text import num, pct
from jstbench.core.units import KIND_GROUPS

SYNTHETIC_NOTE = ("DANE SYNTETYCZNE: wszystkie wartości w tym raporcie są wygenerowane do celów "
                  "demonstracyjnych i nie opisują rzeczywistych jednostek.")
COLOUR_NOTE = ("Kolory pokazują pozycję względem grupy porównawczej (ćwiartki), z uwzględnieniem kierunku "
               "wskaźnika; to ocena względna, nie bezwzględna. Wskaźniki kontekstowe nie są oceniane.")
QUARTILE_LABELS = {1: "Q1 najlepsza ćwiartka", 2: "Q2", 3: "Q3", 4: "Q4 najsłabsza ćwiartka"}
ORIENTATION = {"higher-better": "↑", "lower-better": "↓", "target-range": "↔", "none": ""}
ORIENTATION_NOTE = "↑ więcej = lepiej, ↓ mniej = lepiej, ↔ najlepiej w przedziale docelowym."

ADJ_NOTE = ("Wartość oczekiwana to typowa wartość JST o takich samych warunkach (liczba mieszkańców, gęstość, "
            "struktura wieku, dochody własne, rodzaj jednostki — cechy, których brak w danych, model pomija), wyliczona "
            "z regresji na danych wszystkich JST, które je mają (n w kolumnie modelu: ile ich jest z ilu w rejestrze); "
            "przedział 90% pokazuje, jak bardzo JST w takich warunkach zwykle się różnią. Różnica poza przedziałem "
            "jest warta wyjaśnienia; w przedziale — mieści się w zwykłej zmienności.")
STATUS_TEXT = {"ok": "model dopasowany", "poor-fit": "słabe dopasowanie", "too-few": "za mało jednostek",
               "constant": "brak zróżnicowania"}

STRATUM_NAMES = {"gminy": "wśród gmin i miast na prawach powiatu", "powiaty": "wśród powiatów"}
STRATUM_KINDS = {"gminy": list(KIND_GROUPS["all_gminas"]), "powiaty": ["powiat"]}  # as `indicators.features.strata`
FACTOR_NAMES = {"normalise": "metody normalizacji", "weights": "metody ważenia", "aggregate": "metody agregacji",
                "impute": "sposobu uzupełniania braków", "weight_noise": "dokładnych wartości wag",
                "treat": "traktowania wartości odstających", "drop": "pominięcia jednej składowej",
                "interactions/residual": "interakcje wyborów i reszta"}
METHOD_NAMES = {"minmax": "min-max", "zscore": "standaryzacja z", "rank": "rangi", "distance_to_target": "odległość od celu",
                "equal": "równe", "expert": "eksperckie", "pca": "z analizy składowych głównych", "arithmetic": "średnia arytmetyczna",
                "geometric": "średnia geometryczna", "none": "bez uzupełniania braków", "mean": "średnia", "median": "mediana",
                "goalposts": "stałe progi (goalposts)", "copeland": "metoda Copelanda (bez kompensacji)",
                "bod": "korzyść z wątpliwości (wagi DEA)", "group_mean": "średnia JST tego samego rodzaju i wielkości",
                "group_median": "mediana JST tego samego rodzaju i wielkości"}
TREAT_NAMES = {"none": "bez traktowania wartości odstających", "winsorise": "winsoryzacja", "log": "logarytm",
               "boxcox": "przekształcenie Boxa–Coxa", "winsorise_log": "winsoryzacja, a gdy nie wystarcza — logarytm"}

QUALITY_TEXT = {"outlier": "wartość nietypowa na tle kraju (odporny z-score > 3,5)",
                "jump": "skok o ponad 50% wobec poprzedniego roku",
                "input-flag": "dane wejściowe mają flagę źródła (np. wartość szacunkowa lub niepełna)",
                "impossible-share": "udział spoza 0–100%: liczby wejściowe są niespójne (np. więcej spraw po terminie niż wydanych)"}

POSITION_NOTE = ("Pozycja 1 = najlepszy wynik według kierunku wskaźnika; liczba po ukośniku to liczba JST z danymi "
                 "(razem z tą).")
WITHHELD_CELL = "nie podajemy"
PEERS_MISSING_NOTE = "„–”: brak danych tej JST; w odległości przyjęto wtedy medianę jednostek tego rodzaju."


def quality_text(flags: str | None) -> str:
    """Quality flags ('outlier,jump') in plain Polish.

    >>> quality_text("jump")
    'skok o ponad 50% wobec poprzedniego roku'
    >>> quality_text(None)
    ''
    """
    if not flags:
        return ""
    return "; ".join(QUALITY_TEXT[f] for f in str(flags).split(",") if f in QUALITY_TEXT)


def model_note(status: str, n: int, needed: int, r2: float, min_r2: float) -> str:
    """Why a model gives no (or a weak) expected value.

    >>> model_note("too-few", 12, 30, float("nan"), 0.1)
    '12 jednostek z danymi; potrzeba co najmniej 30'
    >>> model_note("poor-fit", 200, 30, 0.054, 0.1)
    'R² = 0,054 < 0,100'
    """
    if status == "too-few":
        return "brak jednostek z danymi" if n == 0 else f"{n} jednostek z danymi; potrzeba co najmniej {needed}"
    if status == "constant":
        return "wszystkie JST mają tę samą wartość"
    if status == "poor-fit":
        return f"R² = {num(r2, 3)} < {num(min_r2, 3)}"
    return ""

CHART = {
    "national_band": "kraj: 25–75 percentyl", "national_median": "mediana kraju", "group_median": "mediana grupy",
    "group_in_year": "grupa w {year} r.", "percentile": "percentyl (100 = najlepiej)",
    "expected_band": "90% przedział JST w podobnych warunkach", "this_unit": "ta JST",
    "current_prices": "ceny bieżące", "constant_prices": "ceny stałe {year} r.", "units": "JST", "influential": "punkty wpływowe",
    "break": "przerwa w porównywalności",
    "alt": "Wykres: {panels}.", "alt_none": "bez danych",
    "fitted": "wartość dopasowana", "fitted_log": "wartość dopasowana (log)", "residual": "reszta",
}

HEADS = {
    "summary": ["Wskaźnik", "Kierunek", "Wartość", "Jednostka", "Mediana grupy porównawczej", "Pozycja w grupie",
                "Ćwiartka w grupie", "Mediana podobnych JST", "Mediana kraju", "JST z danymi w kraju", "Ćwiartka w kraju",
                "Uwagi"],
    "findings": ["Wskaźnik", "Wartość", "Grupa porównawcza", "Mediana grupy", "Pozycja", "Ćwiartka"],
    "outside": ["Wskaźnik", "Wartość", "Oczekiwana", "Zwykły przedział (90%)", "Ocena"],
    "changes": ["Wskaźnik", "Rok wcześniej", "Teraz", "Zmiana", "Ocena"],
    "learn": ["Wskaźnik", "Ta JST", "Najlepsi w grupie wymiany", "Najlepsi wśród podobnych JST"],
    "members": ["JST (raport)", "TERYT", "Rodzaj"],
    "expected": ["Wskaźnik", "Jednostka", "Wartość", "Oczekiwana", "Przedział 90%", "Różnica", "Ćwiartka w kraju",
                 "Ćwiartka po korekcie", "Model"],
    "why_peers": ["Cecha", "Ta JST", "Mediana podobnych", "Zakres podobnych", "Średnia różnica (odch. std.)", "Waga"],
    "adjusted": ["JST", "Wartość", "Oczekiwana", "Różnica", "Pozycja", "Pozycja po korekcie", "W przedziale 90%"],
    "coverage_variable": ["Zmienna", "JST z danymi", "JST w rejestrze", "Wartości", "Oczekiwane", "Pokrycie"],
    "coverage_indicator": ["Wskaźnik", "JST z danymi", "JST w rejestrze, których dotyczy", "Pokrycie", "Statystyki krajowe"],
    "coverage_year": ["Rok", "Wartości", "Oczekiwane", "Pokrycie"],
    "flags": ["Zmienna", "Flaga źródła", "Wierszy", "Brakujących"],
    "flagged": ["TERYT", "JST", "Wskaźnik", "Wartość", "Odporny z-score", "Zmiana r/r", "Uwagi"],
    "revisions": ["TERYT", "JST", "Zmienna", "Rok", "Było", "Jest", "Źródło poprawki"],
}

# Sentences with numbers: str.format templates filled by `say` with values the views format from the series folder.
PHRASES = {
    # authority report
    "unit.title": "{name} ({kind}, TERYT {code}) — raport porównawczy za {year} r.",
    "unit.voivodeship": "województwo {name}",
    "unit.title_powiat": "{name} (TERYT {code}) — raport porównawczy za {year} r.",
    "unit.powiat": "powiat {name}",
    "unit.groups_intro": "Grupy wymiany doświadczeń:",
    "unit.typology": ("Usługi bez grupy wymiany porównujemy z JST tego samego rodzaju i wielkości ({typology}). Obok: mediana "
                      "{k} najbardziej podobnych JST i mediana kraju (wszystkie JST, do których wskaźnik się stosuje)."),
    "similar.group": "{k} najbardziej podobnych JST",
    "nav.label": "Strony serii",
    "nav.index": "Wszystkie raporty serii",
    "nav.quality": "Jakość danych serii",
    "nav.reading": "Jak czytać raport",
    "nav.methodology": "Metodologia i definicje wskaźników",
    "toc.label": "Spis treści",
    "download.csv": "Liczby tego raportu w pliku CSV (średnik, przecinek dziesiętny)",
    "download.xlsx": "Liczby tego raportu w arkuszu Excel (XLSX)",
    "group.rank_tied": "; pozycje {rank}.–{last}. ex aequo na {n} JST z danymi",
    "unit.size": "Wielkość: {size} mieszkańców (liczba ludności z {year} r.).",
    "unit.size_earlier": ("Wielkość: {size} mieszkańców (liczba ludności z {population_year} r., ostatniego roku z danymi; "
                          "za {year} r. jej brak)."),
    "unit.size_unknown": ("Wielkość: nieznana — w danych brak liczby ludności tej JST do {year} r.; jej grupa typologiczna to "
                          "JST tego rodzaju o nieznanej wielkości."),
    "none": "brak",
    "no_group": "brak grupy wymiany",
    "context": "kontekst",
    "members.caption": "Członkowie grupy „{group}” w {year} r. (kolumna tej JST wyróżniona).",
    "summary.caption": "{sector}, {year} r.: grupa porównawcza — {group}. " + ORIENTATION_NOTE,
    "summary.caption_all": "Wszystkie wskaźniki; grupa porównawcza każdego obszaru opisana przy obszarze. " + ORIENTATION_NOTE,
    "value.missing": "{name}: brak wartości za {year} r. ({reason}).",
    "value": "{name} w {year} r.: {value} ({unit}).",
    "value.share": "{name} w {year} r.: {value}%.",
    "value.warning": "Uwaga: {warning} — sprawdź dane źródłowe.",
    "coverage": "{n} z {expected} {noun}",
    "coverage.cell": "{n} z {expected} ({share})",
    "group.median": "Mediana grupy „{group}”: {median} (dane ma {coverage})",
    "group.withheld": ("Mediany i pozycji w grupie „{group}” nie podajemy: dane ma tylko {coverage} ({share}), a wymagamy "
                       "co najmniej {minimum}."),
    "group.rank": "; pozycja {rank}. na {n} JST z danymi",
    "group.too_few": "; pozycji nie podajemy, bo dane ma tylko {n} JST (minimum {minimum})",
    "national.median": "Mediana krajowa: {median} (dane ma {coverage})",
    "national.withheld": ("Mediany krajowej i pozycji w kraju nie podajemy: dane ma tylko {coverage} ({share}), a wymagamy "
                          "co najmniej {minimum}."),
    "withheld.remark": "{what} nie podajemy: dane ma tylko {coverage} ({share}), minimum {minimum}",
    "withheld.national": "mediany i ćwiartki w kraju",
    "withheld.group": "mediany i pozycji w grupie",
    "national.better_than": "; wynik lepszy niż u {percentile} porównywanych JST w kraju",
    "target.inside": "Przedział docelowy: {low}–{high}; wartość mieści się w nim.",
    "target.outside": ("Przedział docelowy: {low}–{high}; wartość jest poza nim o {gap} ({unit}); porównania liczą "
                       "odległość od przedziału, nie samą wartość."),
    "change": "Zmiana wobec {year} r.: {change}",
    "break": ("Przerwa w porównywalności od {year} r. ({variable}): {change} Lata przed {year} r. i od {year} r. "
              "porównuj ostrożnie."),
    "break.change": "Zmiana wobec {year} r. przekracza przerwę w porównywalności (zob. niżej) — nie traktuj jej jako zmiany w usłudze.",
    # the first page of an authority report
    "first.counts": ("W {year} r. na {n} ocenianych wskaźnikach z pozycją w grupie porównawczej: {q1} w najlepszej ćwiartce, "
                     "{q4} w najsłabszej."),
    "first.strengths": "Mocne strony",
    "first.weaknesses": "Słabe strony",
    "first.strengths_caption": "Najlepsze pozycje w {year} r. (lepiej niż mediana grupy porównawczej), od najlepszej.",
    "first.weaknesses_caption": "Najsłabsze pozycje w {year} r. (gorzej niż mediana grupy porównawczej), od najsłabszej.",
    "first.no_strengths": "Na żadnym ocenianym wskaźniku ta JST nie jest lepsza niż mediana swojej grupy porównawczej.",
    "first.no_weaknesses": "Na żadnym ocenianym wskaźniku ta JST nie jest słabsza niż mediana swojej grupy porównawczej.",
    "first.outside": "Poza zwykłym przedziałem dla JST w podobnych warunkach",
    "first.outside_caption": ("Wskaźniki, na których wartość w {year} r. wychodzi poza przedział, w którym mieści się 90% JST "
                              "o takich warunkach strukturalnych (tylko modele, które dobrze je opisują)."),
    "first.no_outside": ("Na żadnym wskaźniku z dobrze dopasowanym modelem wartość nie wychodzi poza przedział typowy dla JST "
                         "w podobnych warunkach."),
    "first.above": "powyżej przedziału",
    "first.below": "poniżej przedziału",
    "first.better": "korzystnie",
    "first.worse": "niekorzystnie",
    "first.changes": "Największe zmiany od {year} r.",
    "first.changes_caption": ("Największe poprawy i pogorszenia od {year} r., mierzone względem rozrzutu wskaźnika w kraju "
                              "(rozstępu międzykwartylowego); bez zmian przez przerwę w porównywalności."),
    "first.no_changes": "Brak porównywalnych zmian od {year} r.",
    "first.improved": "poprawa",
    "first.worsened": "pogorszenie",
    "learn.caption": ("Od kogo się uczyć ({year} r.): JST z lepszym wynikiem na najsłabszych wskaźnikach tej JST, najlepsze "
                      "najpierw; nazwy prowadzą do ich raportów, gdy seria je zawiera."),
    "learn.none": "brak JST z lepszym wynikiem",
    "learn.nothing": "Brak słabych stron, przy których można wskazać JST z lepszym wynikiem.",
    "sector.exchange": "{sector}: porównanie z grupą wymiany doświadczeń",
    "sector.members": "{n} JST",
    "sector.other": ("{sector}: ta JST nie ma grupy wymiany dla tej usługi, więc porównujemy ją z grupą: {group}."),
    "sector.similar": "{sector}: porównanie z grupą: {group}.",
    # group report
    "group.header": "Usługa: {sector}. Członkowie: {n}. Rok: {year}.",
    "group.members_caption": "Członkowie grupy „{group}”; nazwy prowadzą do ich raportów.",
    "group.no_data": "{name}: brak danych w grupie za {year} r.",
    "group.summary": "{name} ({unit}), {year} r.: mediana grupy {median}, średnia nieważona {mean} (dane ma {coverage}).",
    "group.summary_withheld": ("{name} ({unit}), {year} r.: mediany i średniej grupy nie podajemy — dane ma tylko {coverage} "
                               "({share}), a wymagamy co najmniej {minimum}."),
    "group.best": "Najlepszy wynik w grupie ({direction}): {unit}, {value}.",
    # expected values
    "expected.none_here": "Brak wskaźników z modelem korekty w tych obszarach.",
    "expected.model": "{status}, R² = {r2}, n = {n} z {expected}",
    "expected.model_not_fitted": "{status} (n = {n} z {expected})",
    "expected.dropped": "; bez cech: {features} (za mało danych)",
    "expected.quartiles_withheld": ("Ćwiartek w kraju nie podajemy przy modelach opartych na mniej niż {minimum} JST, do "
                                    "których wskaźnik się stosuje."),
    "expected.not_computed": "Wartości oczekiwanej nie liczymy: {why}.",
    "expected.no_features": "Wartości oczekiwanej nie liczymy: brak cech strukturalnych tej JST.",
    "expected.inside": ("JST w warunkach podobnych do tej mają zwykle około {expected} (90% przedział: {low}–{high}); "
                        "tutaj {value}, różnica {gap} — w granicach zwykłej zmienności."),
    "expected.outside": ("JST w warunkach podobnych do tej mają zwykle około {expected} (90% przedział: {low}–{high}); "
                         "tutaj {value}, różnica {gap} — poza zwykłą zmiennością, warto ją wyjaśnić."),
    "adjusted.not_fitted": "bez korekty — {why}.",
    "adjusted.model": "model: {status}, R² = {r2}, n = {n} z {expected}",
    "fair.withheld": ("„–” przy medianie i pozycji: dane ma mniej niż {minimum} JST tej grupy, do których wskaźnik się "
                      "stosuje, więc ich nie podajemy."),
    "yes": "tak",
    "no": "nie",
    # bootstrap intervals
    "interval.certain": ("Losowość spraw (tu {trials} w roku) nie zmienia pozycji w grupie: wynik lepszy niż u {low} członków "
                         "grupy (przedział bootstrap 90%)."),
    "interval": ("Część różnic to przypadek (tu {trials} spraw w roku): z 90% pewnością wynik jest lepszy niż u {low}–{high} "
                 "członków grupy (przedział bootstrap)."),
    # similar authorities and types
    "similar.none": "Brak podobnych JST: dla tej jednostki brakuje cech strukturalnych.",
    "similar.item": "{name} ({kind}, TERYT {code}; odległość {distance})",
    "similar.intro": ("Podobne JST to {k} jednostek tego samego rodzaju porównań (gminy z gminami, powiaty z powiatami), "
                      "najbliższych pod względem cech strukturalnych z wagami z metodologii. Najbardziej zbliżają je: {closest}."),
    "similar.stable": "Na danych z poprzedniego roku {same} z {k} podobnych JST byłoby takich samych.",
    "similar.unstable": ("Na danych z poprzedniego roku {same} z {k} podobnych JST byłoby takich samych — wiele JST ma bardzo "
                         "zbliżone warunki, więc skład tej grupy zmienia się z roku na rok: traktuj ją jako przykłady do porównań, "
                         "nie stałą grupę."),
    "similar.weights": "Przy losowej zmianie wag o ±25% średnio {kept} podobnych JST zostaje w grupie.",
    "and": " i ",
    "cluster.none": "Jednostka nie ma typu strukturalnego (brak cech).",
    "cluster.feature": "{feature}: {side} przeciętnej ({z} odch. std.)",
    "cluster.above": "powyżej",
    "cluster.below": "poniżej",
    "cluster": ("Typ strukturalny (grupowanie metodą Warda według cech strukturalnych): {cluster}, {n} JST. Wyróżnia go: "
                "{distinct}. Stabilność typu (średni indeks Jaccarda przy losowaniu 80% jednostek): {stability} — {verdict}."),
    "cluster.stable": "stabilny",
    "cluster.moderate": "umiarkowanie stabilny",
    "cluster.unstable": "niestabilny: to umowny podział ciągłego zróżnicowania, granice typu łatwo się przesuwają",
    # composites
    "composite.none": "Ta seria nie definiuje indeksów złożonych.",
    "composite.methods": ("Składowe: {names}. Wybory nominalne: normalizacja {normalise}, wagi {weights}, agregacja {aggregate}, "
                          "braki: {impute}."),
    "composite.no_index": "Ta JST nie ma indeksu: za mało składowych z danymi.",
    "composite.no_index_missing": "Ta JST nie ma indeksu: za mało składowych z danymi (brak: {missing}).",
    "composite.missing": ("Uwaga: indeks policzono bez {k} z {n} składowych, dla których ta JST nie ma danych ({missing}); "
                          "pozycja jest mniej pewna."),
    "composite.national": ("W kraju ({stratum}): pozycja {rank} na {n} JST z indeksem ({coverage} w rejestrze); przy innych "
                           "rozsądnych wyborach metody (90% przebiegów Monte Carlo) od {low} do {high}."),
    "composite.national_withheld": ("Pozycji w kraju ({stratum}) nie podajemy: indeks ma tylko {coverage} ({share}), a "
                                    "wymagamy co najmniej {minimum}."),
    "composite.group": "W grupie „{group}”: pozycja {rank} z {n}, przedział {low}–{high}.",
    "composite.top_factor": ("Najwięcej niepewności pozycji wnosi wybór: {factor} (około {share} wariancji pozycji, "
                             "± {se} pkt proc.; {runs} przebiegów Monte Carlo)."),
    "composite.domains": "Indeks ma dwa poziomy: składowe łączą się w domeny, domeny w indeks. Domeny tej JST:",
    "composite.domains_caption": "{name}: wynik w domenach i pozycja {stratum}, {year} r.",
    "composite.imputed": "Uzupełnione składowe tej JST (oznaczone w danych): {items}.",
    "composite.imputed_year": "{name} — wartość z {year} r.",
    "composite.imputed_method": "{name} — {method}",
    "composite.treated": "Wartości odstające tej JST potraktowane przed normalizacją ({method}): {items}.",
    "composite.treated_any": ("Przed normalizacją potraktowano wartości odstające ({method}) w składowych: {names}; "
                              "wartości tej JST nie zmieniono."),
    "composite.trend": ("Na stałych progach indeks porównuje się między latami: w {first} r. {first_score} (pozycja {first_rank}), "
                        "w {last} r. {last_score} (pozycja {last_rank})."),
    "composite.group_intro": ("{name}: pozycje {n} członków z danymi. Pasek pokazuje, jakie pozycje członek zajmuje w 90% "
                              "przebiegów analizy niepewności (inne normalizacje, wagi, agregacje); nakładające się paski "
                              "oznaczają, że kolejności nie da się rozstrzygnąć."),
    "composite.group_first": " Pierwsze miejsce niezależnie od wyborów metody: {units}.",
    # trends in constant prices
    "trend.cagr": ("W latach {first}–{last} średnioroczna zmiana: {nominal}% w cenach bieżących, {real}% w cenach stałych "
                   "{year} r."),
    "trend.sure": (" Trend liniowy w cenach stałych: {slope}% rocznie (90% przedział ufności: od {low}% do {high}%), "
                   "kierunek pewny."),
    "trend.unsure": (" Trend liniowy w cenach stałych: {slope}% rocznie (90% przedział ufności: od {low}% do {high}%), "
                     "kierunek niepewny."),
    # data quality
    "quality.summary": ("Obserwacji: {observations}, w tym brakujących: {missing} ({share}%). Wartości wskaźników nietypowych: "
                        "{outliers}; skoków rok do roku powyżej 50%: {jumps}; udziałów spoza 0–100% (niespójne liczby spraw): "
                        "{impossible}; z flagą źródła danych wejściowych: {flagged}."),
    "quality.population": ("Klasy wielkości JST (grupy typologiczne) liczymy z liczby ludności {year} r.; bez liczby ludności "
                           "(klasa nieznana): {unknown} JST; z liczbą ludności z wcześniejszego roku: {earlier} JST."),
    "quality.coverage_note": ("Pokrycie liczymy względem rejestru jednostek: oczekujemy wartości od każdej JST rodzaju, "
                              "którego dotyczą wskaźniki korzystające ze zmiennej, za każdy rok danych."),
    "quality.indicators": ("W {year} r. statystyki krajowe (mediany, ćwiartki, pozycje w kraju) podajemy dla {shown} z {n} "
                           "wskaźników; dla {withheld} nie podajemy ich, bo dane ma mniej niż {minimum} JST, których "
                           "dotyczą."),
    "quality.shown": "podane",
    "quality.withheld": "nie podane",
    "quality.no_missing": "Brak brakujących wartości.",
    "quality.no_flagged": "Brak oznaczonych wartości w {year} r.",
    "quality.revised": "Poprawionych wartości: {n}.",
}


def units_noun(kinds: Iterable[str], n: float) -> str:
    """What `n` units of these kinds are called after "z" (of): gmin, powiatów, or JST for a mix.

    >>> units_noun(["gmina_urban", "gmina_rural", "gmina_urban_rural", "city_powiat"], 2477)
    'gmin'
    >>> units_noun(["powiat", "city_powiat"], 1), units_noun(["powiat", "gmina_rural"], 5)
    ('powiatu', 'JST')
    """
    kinds = set(kinds)
    if kinds and kinds <= set(KIND_GROUPS["all_gminas"]):
        return "gminy" if n == 1 else "gmin"
    if kinds and kinds <= set(KIND_GROUPS["all_powiats"]):
        return "powiatu" if n == 1 else "powiatów"
    return "JST"


def coverage_text(n: float, expected: float, kinds: Iterable[str]) -> str:
    """How many units a statistic rests on, of how many: '195 z 2\xa0477 gmin'.

    >>> coverage_text(195, 2477, ["gmina_rural", "gmina_urban"])
    '195 z 2\xa0477 gmin'
    """
    return say("coverage", n=num(n, 0), expected=num(expected, 0), noun=units_noun(kinds, expected))


def withheld_values(n: float, expected: float, kinds: Iterable[str], min_coverage: float) -> dict[str, str]:
    """The values of a "withheld" phrase: coverage, its share and the minimum, formatted.

    >>> withheld_values(195, 2477, ["gmina_rural"], 0.5)
    {'coverage': '195 z 2\xa0477 gmin', 'share': '8%', 'minimum': '50%'}
    """
    share = 100 * n / expected if expected else 0.0
    return {"coverage": coverage_text(n, expected, kinds), "share": pct(share), "minimum": pct(100 * min_coverage)}


def say(key: str, **values: object) -> str:
    """A phrase of `PHRASES` filled with values (numbers already formatted the Polish way).

    >>> say("change", year=2023, change="+3,4 zł (+6,6%)")
    'Zmiana wobec 2023 r.: +3,4 zł (+6,6%)'
    """
    return PHRASES[key].format(**values)
