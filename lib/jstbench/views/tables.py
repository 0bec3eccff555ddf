"""HTML tables of the reports: one helper, one stylesheet (`report.css`), no inline styles; every cell escaped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib.resources import files

from jstbench.core.text import esc


class Html(str):
    """Markup built by the views from escaped parts (e.g. a link): `table` puts it into a cell as it is."""


def _cell(v: object) -> str:
    return v if isinstance(v, Html) else esc(v)


def stylesheet() -> str:
    """The reports' stylesheets (screen, then A4 print) as one `<style>` element, shown once at the top of a report."""
    here = files("jstbench.views")
    return "<style>" + "".join(here.joinpath(n).read_text(encoding="utf-8") for n in ("report.css", "print.css")) + "</style>"


def table(cls: str, head: list[str], rows: Iterable[Sequence[object]], caption: str = "",
          row_classes: Iterable[str] | None = None, cell_classes: Iterable[list[str]] | None = None) -> str:
    """A report table: class, optional caption, escaped headers and cells, optional classes per row and per cell."""
    rows = list(rows)
    rc = list(row_classes) if row_classes is not None else [""] * len(rows)
    cc = list(cell_classes) if cell_classes is not None else [[""] * len(r) for r in rows]
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    out = [f"<table class='jst-table {esc(cls)}'>{cap}<thead><tr>" + "".join(f"<th scope='col'>{esc(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    for cells, row_cls, classes in zip(rows, rc, cc, strict=True):
        tr = f"<tr class='{esc(row_cls)}'>" if row_cls else "<tr>"
        out.append(tr + "".join(f"<td class='{esc(c)}'>{_cell(v)}</td>" if c else f"<td>{_cell(v)}</td>"
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
