"""Where a report's links point: the series index, the data-quality page, the group and authority reports of the
same series, and the methodology site. Paths are relative to a report in `output/<series>/jst/` or `grupy/` (the
site is built into `output/site`), so a series folder copied next to its site keeps working offline. Codes and
group ids come from data: they are percent-quoted, never trusted as paths."""

from __future__ import annotations

from urllib.parse import quote

SITE = "../../site"
INDEX = "../index.html"
QUALITY = "../jakosc-danych.html"


def indicator(indicator_id: str) -> str:
    """The indicator's methodology page."""
    return f"{SITE}/indicators/{quote(indicator_id, safe='')}.html"


def methodology(page: str = "index") -> str:
    """A page of the methodology site, e.g. `methods/reading-a-report`."""
    return f"{SITE}/{quote(page)}.html"


def group_report(group_id: str) -> str:
    return f"../grupy/{quote(group_id, safe='')}.html"


def unit_report(code: str) -> str:
    return f"../jst/{quote(code, safe='')}.html"
