"""The fixed Polish wording of the reports: labels, notes and explanations, in one place.

Sentences that carry numbers are built in the views from these labels; every number in them comes from the
series folder."""

from __future__ import annotations

from jstbench.core.text import num

SYNTHETIC_NOTE = ("DANE SYNTETYCZNE: wszystkie wartości w tym raporcie są wygenerowane do celów "
                  "demonstracyjnych i nie opisują rzeczywistych jednostek.")
COLOUR_NOTE = ("Kolory pokazują pozycję względem grupy porównawczej (ćwiartki), z uwzględnieniem kierunku "
               "wskaźnika; to ocena względna, nie bezwzględna. Wskaźniki kontekstowe nie są oceniane.")
QUARTILE_LABELS = {1: "Q1 najlepsza ćwiartka", 2: "Q2", 3: "Q3", 4: "Q4 najsłabsza ćwiartka"}
ORIENTATION = {"higher-better": "↑", "lower-better": "↓", "target-range": "↔", "none": ""}
ORIENTATION_NOTE = "↑ więcej = lepiej, ↓ mniej = lepiej, ↔ najlepiej w przedziale docelowym."

ADJ_NOTE = ("Wartość oczekiwana to typowa wartość JST o takich samych warunkach (liczba mieszkańców, gęstość, "
            "struktura wieku, dochody własne, rodzaj jednostki), wyliczona z regresji na danych wszystkich JST; "
            "przedział 90% pokazuje, jak bardzo JST w takich warunkach zwykle się różnią. Różnica poza przedziałem "
            "jest warta wyjaśnienia; w przedziale — mieści się w zwykłej zmienności.")
GREY_ROWS_NOTE = "Szare wiersze: model słabo dopasowany albo za mało danych — wartość oczekiwana mało wtedy mówi."
STATUS_TEXT = {"ok": "model dopasowany", "poor-fit": "słabe dopasowanie", "too-few": "za mało jednostek",
               "constant": "brak zróżnicowania"}

STRATUM_NAMES = {"gminy": "wśród gmin i miast na prawach powiatu", "powiaty": "wśród powiatów"}
FACTOR_NAMES = {"normalise": "metody normalizacji", "weights": "metody ważenia", "aggregate": "metody agregacji",
                "impute": "sposobu uzupełniania braków", "weight_noise": "dokładnych wartości wag"}
METHOD_NAMES = {"minmax": "min-max", "zscore": "standaryzacja z", "rank": "rangi", "distance_to_target": "odległość od celu",
                "equal": "równe", "expert": "eksperckie", "pca": "z analizy składowych głównych", "arithmetic": "średnia arytmetyczna",
                "geometric": "średnia geometryczna", "none": "bez uzupełniania braków", "mean": "średnia", "median": "mediana"}

QUALITY_TEXT = {"outlier": "wartość nietypowa na tle kraju (odporny z-score > 3,5)",
                "jump": "skok o ponad 50% wobec poprzedniego roku",
                "input-flag": "dane wejściowe mają flagę źródła (np. wartość szacunkowa lub niepełna)",
                "impossible-share": "udział spoza 0–100%: liczby wejściowe są niespójne (np. więcej spraw po terminie niż wydanych)"}

POSITION_NOTE = ("Pozycja 1 = najlepszy wynik według kierunku wskaźnika; liczba po ukośniku to liczba JST z danymi "
                 "(razem z tą).")
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
