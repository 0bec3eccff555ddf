"""HTML tables of the reports: one helper, one stylesheet (`report.css`), no inline styles; every cell escaped."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files

from jstbench.core.text import esc


def stylesheet() -> str:
    """The reports' stylesheet as a `<style>` element, shown once at the top of a report."""
    return "<style>" + files("jstbench.views").joinpath("report.css").read_text(encoding="utf-8") + "</style>"


def table(cls: str, head: list[str], rows: Iterable[list[object]], caption: str = "",
          row_classes: Iterable[str] | None = None, cell_classes: Iterable[list[str]] | None = None) -> str:
    """A report table: class, optional caption, escaped headers and cells, optional classes per row and per cell."""
    rows = list(rows)
    rc = list(row_classes) if row_classes is not None else [""] * len(rows)
    cc = list(cell_classes) if cell_classes is not None else [[""] * len(r) for r in rows]
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    out = [f"<table class='jst-table {esc(cls)}'>{cap}<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    for cells, row_cls, classes in zip(rows, rc, cc, strict=True):
        tr = f"<tr class='{esc(row_cls)}'>" if row_cls else "<tr>"
        out.append(tr + "".join(f"<td class='{esc(c)}'>{esc(v)}</td>" if c else f"<td>{esc(v)}</td>"
                                for v, c in zip(cells, classes, strict=True)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def note(text: str) -> str:
    """A small explanatory paragraph under a table or chart."""
    return f"<p class='jst-note'>{esc(text)}</p>"


def paragraph(sentences: Iterable[str | None], cls: str = "") -> str:
    """Escaped sentences as one paragraph (empty when there are none)."""
    text = " ".join(esc(s) for s in sentences if s)
    if not text:
        return ""
    return f"<p class='{esc(cls)}'>{text}</p>" if cls else f"<p>{text}</p>"


def banner(text: str) -> str:
    """A prominent warning above a report (e.g. synthetic data)."""
    return f"<div class='jst-banner'>{esc(text)}</div>"
