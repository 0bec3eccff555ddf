"""Polish formatting of numbers and reasons, and safe HTML building blocks."""

from __future__ import annotations

import html

NBSP = "\u00a0"

REASONS = {
    "missing": "brak danych",
    "not-finite": "wartość nieokreślona",
}


def num(x: float | None, decimals: int = 1, signed: bool = False) -> str:
    r"""A number the Polish way: `12 345,6` (non-breaking space for thousands, comma for decimals).

    The thousands separator is U+00A0 (shown as ``\xa0`` by ``repr``), the minus sign U+2212,
    a missing value an en dash:

    >>> num(12345.678)
    '12\xa0345,7'
    >>> num(1234567, 0)
    '1\xa0234\xa0567'
    >>> num(-3.25, 2)
    '−3,25'
    >>> num(2.5, signed=True)
    '+2,5'
    >>> num(-0.04)  # rounds to zero: no "−0,0"
    '0,0'
    >>> num(None), num(float("nan"))
    ('–', '–')
    """
    if x is None or x != x:
        return "–"
    if round(x, decimals) == 0:
        x, signed = 0.0, False  # no "−0,0" or "+0,0"
    text = f"{x:+,.{decimals}f}" if signed else f"{x:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", NBSP).replace("-", "−")


def share(x: float | None, decimals: int = 0) -> str:
    r"""A share in per cent as a number (`num`), never 0 or 100 unless it is exactly that: near the bounds more
    decimals are shown, up to three, then "<0,001" / ">99,999".

    >>> share(37.4), share(99.958), share(100.0), share(0.3, 1), share(0.0)
    ('37', '99,96', '100', '0,3', '0')
    >>> share(99.99999), share(0.00001), share(None)
    ('>99,999', '<0,001', '–')
    """
    if x is None or x != x:
        return "–"
    for d in range(decimals, 4):
        r = round(float(x), d)
        if not ((r == 100 and x != 100) or (r == 0 and x != 0)):
            return num(x, d)
    return ">99,999" if x > 50 else "<0,001"


def pct(x: float | None, decimals: int = 0) -> str:
    r"""A percentage: `share` and the sign, no space before it.

    >>> pct(37.4), pct(37.46, 1), pct(1234.4), pct(99.958), pct(None)
    ('37%', '37,5%', '1\xa0234%', '99,96%', '–')
    """
    text = share(x, decimals)
    return text if text == "–" else f"{text}%"


def reason_text(reason: str | None, variable_labels: dict[str, str] | None = None) -> str:
    """A reason code from the formula engine in plain Polish."""
    if not reason:
        return ""
    kind, _, detail = str(reason).partition(":")
    labels = variable_labels or {}
    if kind == "missing" and detail:
        return f"brak danych: {labels.get(detail, detail)}"
    if kind == "zero-division":
        return f"dzielenie przez zero ({labels.get(detail, detail)} = 0)"
    if kind == "no-previous-year":
        return "brak danych za rok poprzedni"
    if kind == "suppressed":
        return f"ukryte: mniej niż {detail} odpowiedzi w badaniu" if detail else "ukryte: za mało odpowiedzi w badaniu"
    return REASONS.get(kind, kind)


def esc(text: object) -> str:
    """Escape any text (names, free text) before it reaches HTML.

    >>> esc('<b>"Zarząd" & Rada</b>')
    '&lt;b&gt;&quot;Zarząd&quot; &amp; Rada&lt;/b&gt;'
    >>> esc("O'Neil"), esc(None), esc(12)
    ('O&#x27;Neil', '', '12')
    """
    return html.escape("" if text is None else str(text), quote=True)


def md_cell(text: object) -> str:
    """Text for a Markdown table cell: HTML-escaped, pipes and newlines neutralised."""
    return esc(text).replace("|", "\\|").replace("\n", " ")


def parse_years(text: str) -> list[int]:
    """`2015-2024`, `2019` or `2015,2018-2020` (an en dash works too) as sorted years; a problem names `--years`.

    >>> parse_years("2015, 2018–2020")
    [2015, 2018, 2019, 2020]
    """
    import re

    from jstbench.core.errors import InputError

    years: set[int] = set()
    for part in (p.strip() for p in str(text).split(",")):
        m = re.fullmatch(r"(\d{4})(?:\s*[-–]\s*(\d{4}))?", part)
        if not m:
            raise InputError(f"{part!r} is not a year or a span of years like 2015-2024", where="--years")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if a > b:
            raise InputError(f"the span {part!r} runs backwards", where="--years")
        years.update(range(a, b + 1))
    return sorted(years)
