"""The built pages of the test series: the static audit on every page, axe-core on three, a PDF of one report."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from jstbench.site.audit import audit_folder, axe_pages
from jstbench.site.pdf import BrowserUnavailable, chromium, print_reports, report_pages


def series_dir(root: Path) -> Path:
    return root / "output" / "tests"


@pytest.fixture(scope="module")
def browser_or_skip() -> None:
    """Skip (with the reason) where Playwright or a system Chromium is missing."""
    try:
        with chromium():
            pass
    except BrowserUnavailable as exc:
        pytest.skip(f"no headless browser: {exc.message}")


def test_static_audit_finds_no_problem_on_any_page(small_project, small_series):
    res = audit_folder(series_dir(small_project))
    assert res.pages >= 1 + 1 + 2 + 7  # index, data quality, 2 groups, Poznań and the groups' members
    counts = Counter(p.check for p in res.problems)
    listing = "\n".join(f"{p.file}: {p.check}: {p.message} | {p.snippet}" for p in res.problems[:40])
    assert not res.problems, f"{len(res.problems)} problems {dict(counts)}:\n{listing}"


def test_axe_finds_no_serious_or_critical_violation(small_project, small_series, browser_or_skip):
    folder = series_dir(small_project)
    group = sorted((folder / "grupy").glob("*.html"))[0]
    pages = [folder / "jst" / "3064011.html", group, folder / "index.html"]
    res = axe_pages(pages, folder)
    assert res.pages == [p.relative_to(folder).as_posix() for p in pages] and not res.failed
    assert not res.failing, "\n".join(f"{v.impact} {v.rule}: {v.page} ({v.nodes} elements): {v.help}" for v in res.failing)


def test_a_report_prints_to_pdf(small_project, small_series, browser_or_skip, tmp_path):
    from pypdf import PdfReader

    (tmp_path / "jst").mkdir()
    shutil.copy(series_dir(small_project) / "jst" / "3064011.html", tmp_path / "jst")  # the PDF goes beside the copy
    run = print_reports(report_pages(tmp_path, ["3064011"]), workers=1)
    assert not run.failed and [p.pdf for p in run.printed] == [tmp_path / "jst" / "3064011.pdf"]
    pdf = tmp_path / "jst" / "3064011.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-") and run.printed[0].size == pdf.stat().st_size
    assert len(PdfReader(pdf).pages) >= 1
    assert sorted(p.name for p in (tmp_path / "jst").iterdir()) == ["3064011.html", "3064011.pdf"]  # no temporary left
