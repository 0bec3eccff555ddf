"""Reports printed to A4 PDF with the system's headless Chromium (Playwright drives it; no browser is downloaded).

Every `<details>` is opened before printing, so collapsed sections are in the PDF; `views/print.css` does the rest
(repeated table headers, rows and charts not split, headings kept with what follows)."""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from jstbench.core.atomic import atomic_path
from jstbench.core.errors import InputError

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ENV = "JSTBENCH_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
OPEN_DETAILS = "document.querySelectorAll('details').forEach(d => { d.open = true; })"


class BrowserUnavailable(InputError):
    """No headless Chromium can be started: Playwright is missing, no browser is installed, or it fails to start."""


def find_chromium() -> str:
    """The Chromium executable: $JSTBENCH_CHROMIUM, else the first of CHROMIUM_NAMES on the PATH."""
    given = os.environ.get(CHROMIUM_ENV)
    if given:
        if not (Path(given).is_file() and os.access(given, os.X_OK)):
            raise BrowserUnavailable(f"{CHROMIUM_ENV}={given} is not an executable file")
        return given
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(f"no Chromium found on the PATH (looked for {', '.join(CHROMIUM_NAMES)}): install it, e.g. "
                             f"`apt-get install chromium`, or set {CHROMIUM_ENV} to its path; jstbench never downloads a browser")


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless system Chromium driven by Playwright, closed on exit; BrowserUnavailable when there is none."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise BrowserUnavailable("Playwright for Python is not installed: `pip install playwright` (no `playwright install` "
                                 "is needed: the system Chromium is used)") from None
    exe = find_chromium()
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=exe, headless=True)
        except Error as exc:
            first = (str(exc).strip().splitlines() or ["unknown error"])[0]
            raise BrowserUnavailable(f"{exe} did not start under Playwright: {first}") from None
        try:
            yield browser
        finally:
            browser.close()


def report_pages(folder: Path, only: Sequence[str] = ()) -> list[Path]:
    """The built reports of a series folder: jst/*.html, grupy/*.html and jakosc-danych.html; with `only`, those whose
    name (a TERYT code, a group id, `jakosc-danych`) is listed. An unknown name is an error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("no built series here (run `jstbench reports <series>` first)", folder)
    pages = sorted(folder.glob("jst/*.html")) + sorted(folder.glob("grupy/*.html")) + sorted(folder.glob("jakosc-danych.html"))
    if only:
        unknown = sorted(set(only) - {p.stem for p in pages})
        if unknown:
            raise InputError(f"no report named {', '.join(unknown)} (TERYT codes, group ids or jakosc-danych)", folder)
        pages = [p for p in pages if p.stem in set(only)]
    if not pages:
        raise InputError("no reports to print (jst/*.html, grupy/*.html, jakosc-danych.html)", folder)
    return pages


@dataclass
class Printed:
    """One report printed: its PDF, the seconds it took and the PDF's size in bytes."""

    pdf: Path
    seconds: float
    size: int


@dataclass
class PrintRun:
    """A batch of reports printed to PDF: those printed, those that failed (page, reason), and the wall time."""

    printed: list[Printed] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0


def print_pdf(browser: Browser, html: Path, pdf: Path) -> int:
    """Print one HTML page to an A4 PDF (all `<details>` open, backgrounds printed), written atomically; its size."""
    page = browser.new_page()
    try:
        page.goto(Path(html).resolve().as_uri(), wait_until="load")
        page.evaluate(OPEN_DETAILS)
        data = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        page.close()
    with atomic_path(pdf) as tmp:
        tmp.write_bytes(data)
    return len(data)


def print_reports(pages: Sequence[Path], workers: int = 2) -> PrintRun:
    """Print each page to a PDF beside it (`x.html` → `x.pdf`) with `workers` browsers; a page that fails is listed
    with its reason and the others go on. BrowserUnavailable when no browser can be started at all."""
    if workers < 1:
        raise InputError(f"workers must be at least 1, not {workers}", where="--workers")
    with chromium():  # fail early and clearly, before any thread starts
        pass
    todo: queue.Queue[Path] = queue.Queue()
    for p in pages:
        todo.put(Path(p))
    run, lock = PrintRun(), threading.Lock()

    def worker() -> None:
        # Playwright's sync API is not thread-safe: each thread drives its own Playwright and browser.
        try:
            with chromium() as browser:
                while True:
                    try:
                        html = todo.get_nowait()
                    except queue.Empty:
                        return
                    t0 = time.perf_counter()
                    try:
                        size = print_pdf(browser, html, html.with_suffix(".pdf"))
                    except Exception as exc:  # a batch goes on past a failing page
                        with lock:
                            run.failed.append((html, _reason(exc)))
                        continue
                    with lock:
                        run.printed.append(Printed(html.with_suffix(".pdf"), time.perf_counter() - t0, size))
        except BrowserUnavailable as exc:
            while True:  # this worker's browser did not start: its share of the pages fails with the reason
                try:
                    html = todo.get_nowait()
                except queue.Empty:
                    return
                with lock:
                    run.failed.append((html, exc.message))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, name=f"pdf-{i}") for i in range(min(workers, len(pages)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - t0
    run.printed.sort(key=lambda p: p.pdf)
    run.failed.sort()
    return run


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
