"""Batch execution of report notebooks: papermill injects parameters, nbclient runs them, nbconvert
exports HTML without code. Parallel worker processes; one failing report does not stop the rest.

Engines:
* ``warm`` (default): each worker keeps one Jupyter kernel alive and reuses it for its reports, with the
  user namespace reset (``%reset -f``) before each notebook; imports and the series tables stay loaded
  (`jstbench.series.folder` keeps each table in memory once per kernel), which is most of the cost of a cold report.
* ``papermill``: ``papermill.execute_notebook`` per report, a fresh kernel each time (slowest, most isolated).

Faults: a worker process that dies (killed, out of memory) is replaced and its report is run once more; a report
whose kernel dies is run once more too; the second failure is recorded and the batch goes on. A full disk stops the
batch (`DiskFull`): nothing after it could be written either.

Stopping: a batch that ends with an error or a signal (`jstbench.series.run` turns SIGTERM and SIGINT into one) sends
its workers `STOP`, and so does the system when the batch dies, even killed (Linux: `PR_SET_PDEATHSIG`): the worker
kills its kernel and exits at once. Workers run in a process group of their own, so that a terminal's Ctrl-C reaches
the batch only, and the batch stops them. A kernel also exits by itself when its worker is gone (ipykernel polls its
parent), which covers the papermill engine's kernels and a worker killed outright.

Determinism: the same report from the same inputs is the same file, whichever worker ran it and after which report:
cell ids come from the template (their place in it, when it has none), a warm kernel's execution counter starts again at 1 for each report (tracebacks
quote it), and no run times or paths are recorded (`stable`).
"""

from __future__ import annotations

import errno
import json
import multiprocessing as mp
import os
import signal
import time
import traceback
from collections import deque
from contextlib import suppress
from dataclasses import asdict, dataclass
from importlib.resources import files
from multiprocessing.connection import Connection, wait
from pathlib import Path

import nbformat
from jupyter_client.client import KernelClient
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbconvert import HTMLExporter
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from jstbench.core.atomic import write_text

KERNEL = "python3"
# Kernel-side log noise (e.g. ipykernel's TCP transport notice) is not the report's business;
# errors in cells still reach the runner through the execution messages.
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"]
# Between two reports in one kernel: every name the previous report defined is deleted and its figures closed (what
# `%reset -f` does for names, without its history reset). Then the previous report's cycles are collected and what
# survives (libraries, the series tables the kernel keeps for the next reports) is frozen out of the garbage
# collector's sight: each report's own collections then scan what that report makes, not the whole kernel (about a
# tenth of a national report's time otherwise), and the collection here scans one report's leftovers.
RESET_SOURCE = """\
import gc as _gc
import matplotlib.pyplot as _plt
_plt.close("all")
_ns, _hidden, _name = get_ipython().user_ns, get_ipython().user_ns_hidden, None
for _name in [n for n in _ns if not n.startswith("_") and n not in _hidden]:
    del _ns[_name]
del _plt, _ns, _hidden, _name
_gc.collect()
_gc.freeze()
del _gc
get_ipython().execution_count = 1  # the next report runs from In[1], as in a new kernel (tracebacks quote it)
"""
RETRIES = 1  # a report whose worker or kernel died is run once more
# Stops a worker at once. Not SIGTERM or SIGINT: nbclient takes those over while a notebook runs (to shut its kernel
# down, asynchronously) and resets them to the defaults afterwards.
STOP = signal.SIGUSR1
# What a terminal or a service manager sends to a whole process group: blocked while a worker starts (it inherits the
# mask), discarded by the worker once it is in a group of its own (the batch stops its workers itself).
GROUP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
# papermill's run times and paths (the staging folder has a random name), in the notebook's and each cell's metadata
RUN_DETAILS = ("start_time", "end_time", "duration", "input_path", "output_path")


class DiskFull(OSError):
    """No space left on the device while writing a report: the batch stops."""


@dataclass
class Job:
    kind: str  # "unit", "group" or "quality"
    key: str  # TERYT code or group id (validated: digits / slug, so safe in file names)
    label: str
    template: str
    parameters: dict
    html: str  # path relative to the series folder
    notebook: str  # path relative to the series folder
    extra: tuple[str, ...] = ()  # more files the notebook writes (relative to the series folder), reused with it


@dataclass
class Result:
    job: Job
    status: str  # "ok" or "failed"
    error: str | None
    duration_s: float
    attempts: int = 1
    retry: bool = False  # the failure may pass on another attempt (the kernel died)
    disk_full: bool = False


_WORKER: dict = {}


class ReportExporter(HTMLExporter):
    """nbconvert's HTML export without its last step, which parses the whole page again (BeautifulSoup) only to give
    images without a text alternative a placeholder one and to make outputs focusable: the reports' images carry
    their own text alternative (`jstbench.views.charts.show`), and the parse costs as much as the rest of the export."""

    def from_notebook_node(self, nb, resources=None, **kw):
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        lang = nb.metadata.get("language_info", {})
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lang.get("pygments_lexer", lang.get("name")), parent=self)))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                                        resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


def _html(nb: nbformat.NotebookNode, title: str) -> str:
    """The report as HTML without code; one exporter per process (building one compiles its templates)."""
    if "exporter" not in _WORKER:
        # optimistic_validation: the notebook is validated once, after all preprocessors, not after each of them
        _WORKER["exporter"] = ReportExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                                             optimistic_validation=True,
                                             template_name="jstbench", language_code="pl",
                                             extra_template_basedirs=[str(files("jstbench.views") / "templates")])
    body, _ = _WORKER["exporter"].from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, CellExecutionError):
        return f"{exc.ename}: {exc.evalue}".strip()
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:500]


class WarmKernel:
    """One kernel reused for many notebooks (namespace reset between them)."""

    def __init__(self, cwd: Path, timeout: int):
        self.cwd, self.timeout = str(cwd), timeout
        self.km: KernelManager | None = None
        self.kc: KernelClient | None = None

    def _client(self, nb: nbformat.NotebookNode) -> NotebookClient:
        # no per-cell timestamps: the same report from the same inputs is the same file, whichever worker ran it
        client = NotebookClient(nb, timeout=self.timeout, kernel_name=KERNEL, extra_arguments=KERNEL_ARGS,
                                resources={"metadata": {"path": self.cwd}}, km=self.km, record_timing=False)
        if self.km is not None:
            client.kc = self.kc
        return client

    def run(self, nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
        if self.km is not None and self.kc is not None:
            reset = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(RESET_SOURCE)])
            reset.metadata["kernelspec"] = {"name": KERNEL, "language": "python", "display_name": "Python 3"}
            try:
                self._client(reset).execute(cleanup_kc=False)
            except (DeadKernelError, TimeoutError, RuntimeError):
                self.shutdown()  # the kept kernel died between reports: start a fresh one
        client = self._client(nb)
        self.km = client.km or client.create_kernel_manager()  # known before the kernel starts: `kill` can reach it
        try:
            client.execute(cleanup_kc=False)
        except (DeadKernelError, TimeoutError, RuntimeError):
            self.shutdown()
            raise
        finally:
            if self.km is not None:  # kept (a report that failed in a cell leaves a working kernel)
                self.kc = client.kc
        return nb

    def kill(self) -> None:
        """Kill the kernel at once (its process group: the kernel runs in a session of its own) and remove its
        connection file; for a worker that is being stopped, when waiting for a clean shutdown is not an option."""
        km, self.km, self.kc = self.km, None, None
        pgid = getattr(getattr(km, "provisioner", None), "pgid", None)
        if pgid:
            with suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)
        if km is not None and km.connection_file:
            Path(km.connection_file).unlink(missing_ok=True)

    def shutdown(self) -> None:
        if self.km is not None:
            try:
                if self.kc is not None:
                    self.kc.stop_channels()
                from nbclient.util import run_sync

                # nbclient types km as KernelManager, but its default kernel_manager_class is AsyncKernelManager (async shutdown_kernel)
                run_sync(self.km.shutdown_kernel)(now=True)  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001 - best effort at exit
                pass
        self.km = self.kc = None


def _setup_worker(engine: str, cwd: str, timeout: int) -> None:
    _WORKER.update(engine=engine, cwd=cwd, timeout=timeout)
    if engine == "warm":
        _WORKER["kernel"] = WarmKernel(Path(cwd), timeout)


def _shutdown_worker() -> None:
    kernel = _WORKER.pop("kernel", None)
    if kernel is not None:
        kernel.shutdown()


def ids_missing(template: str) -> bool:
    """Whether the template's cells have no ids (nbformat < 4.5): nbformat makes up random ones at each read."""
    return any("id" not in cell for cell in json.loads(Path(template).read_text(encoding="utf-8")).get("cells", []))


def stable(nb: nbformat.NotebookNode, renumber: bool = False) -> nbformat.NotebookNode:
    """The executed notebook without what changes from run to run: papermill gives the cell it injects a random id and
    records run times and paths. `renumber`: the template's cells had no ids, so they get their place in the template
    (`cell-<n>`) instead of random ones."""
    n = 0
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
        elif renumber:
            cell.id, n = f"cell-{n}", n + 1
        for key in RUN_DETAILS:
            cell.metadata.get("papermill", {}).pop(key, None)
        cell.metadata.pop("execution", None)
    for key in RUN_DETAILS:
        nb.metadata.get("papermill", {}).pop(key, None)
    return nb


def run_job(job: Job, series_dir: Path) -> Result:
    """Execute one report; write its notebook and HTML atomically. Never raises."""
    t0 = time.perf_counter()
    nb_path, html_path = series_dir / job.notebook, series_dir / job.html
    nb, renumber = None, False
    try:
        template = load_notebook_node(job.template)  # adds the cell tags papermill expects
        renumber = ids_missing(job.template)
        if _WORKER.get("engine", "warm") == "papermill":
            import papermill as pm

            nb_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = nb_path.with_name(f".running-{nb_path.name}")
            try:
                nb = pm.execute_notebook(job.template, str(tmp), parameters=job.parameters, kernel_name=KERNEL,
                                         progress_bar=False, cwd=_WORKER["cwd"], extra_arguments=KERNEL_ARGS,
                                         execution_timeout=_WORKER.get("timeout", 600))
            finally:
                tmp.unlink(missing_ok=True)
        else:
            if "kernel" not in _WORKER:
                _setup_worker("warm", str(series_dir / "notebooks"), 600)
            nb = parameterize_notebook(template, job.parameters, kernel_name=KERNEL, language="python")
            _WORKER["kernel"].run(nb)
        # nbformat.v4.writes: the JSON alone; the HTML export below validates the notebook (nbformat.writes would again)
        write_text(nb_path, nbformat.v4.writes(stable(nb, renumber)))
        write_text(html_path, _html(nb, job.label))
        return Result(job, "ok", None, time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - a failing report is recorded, the batch goes on
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return Result(job, "failed", f"no space left on the device while writing {html_path.parent}",
                          time.perf_counter() - t0, disk_full=True)
        if nb is not None:
            failed = nb_path.with_name(nb_path.stem + ".failed.ipynb")
            try:
                write_text(failed, nbformat.v4.writes(stable(nb, renumber)))
            except Exception:  # noqa: BLE001
                pass
        expected = (CellExecutionError, DeadKernelError, TimeoutError, OSError, nbformat.ValidationError)
        detail = _error_text(exc)
        if not isinstance(exc, expected):  # an internal error: say where it happened
            detail += " | " + traceback.format_exc(limit=1).splitlines()[-1]
        return Result(job, "failed", detail, time.perf_counter() - t0, retry=isinstance(exc, DeadKernelError))


def _stop_now(*_: object) -> None:
    """`STOP`: kill this worker's kernel and exit, without the clean shutdown that could wait on a busy kernel."""
    kernel = _WORKER.get("kernel")
    if kernel is not None:
        kernel.kill()
    os._exit(128 + STOP)


def _stop_with_parent(parent: int) -> None:
    """Make this worker stop (`STOP`) when the batch `parent` dies, however it dies, and leave the batch's process
    group: a Ctrl-C or a SIGTERM to the group reaches the batch, which stops its workers itself."""
    os.setpgrp()
    for sig, default in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL)):
        signal.signal(sig, signal.SIG_IGN)  # discards one sent to the batch's group while this worker started
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        signal.signal(sig, default)
    signal.signal(STOP, _stop_now)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, STOP)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass  # elsewhere: an idle worker sees its pipe close, a busy one fails to send its result
    if os.getppid() != parent:  # the batch died before the request was made
        _stop_now()


def _worker_loop(engine: str, cwd: str, timeout: int, series_dir: str, parent: int, conn: Connection) -> None:
    """A worker process: run the jobs it is sent, one at a time, until told to stop (None)."""
    _stop_with_parent(parent)
    _setup_worker(engine, cwd, timeout)
    try:
        while True:
            item = conn.recv()
            if item is None:
                break
            i, job = item
            conn.send((i, run_job(job, Path(series_dir))))
    except (EOFError, OSError):
        pass  # the batch is gone
    finally:
        _shutdown_worker()


class _Slot:
    """One worker process and the job it is running."""

    def __init__(self, ctx, args: tuple):
        self.ctx, self.args = ctx, args
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_loop, args=(*args, os.getpid(), child), daemon=True)
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, GROUP_SIGNALS)
        try:
            self.proc.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        child.close()
        self.job: int | None = None

    def stop(self, now: bool = False) -> None:
        """Let the worker finish its report and exit, or (`now`) make it kill its kernel and exit at once."""
        try:
            if now and self.proc.pid is not None:
                os.kill(self.proc.pid, STOP)
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(timeout=10 if now else 30)
        if self.proc.is_alive():
            self.proc.kill()  # its kernel follows within a second (ipykernel polls its parent)
            self.proc.join(timeout=10)


def execute(jobs: list[Job], series_dir: Path, workers: int, engine: str = "warm", timeout: int = 600,
            progress: bool = True) -> list[Result]:
    """Run all jobs in `workers` processes; results in job order. Raises `DiskFull` when the device fills up."""
    if engine not in ("warm", "papermill"):
        raise ValueError(f"unknown engine {engine!r}: warm or papermill")
    if not jobs:
        return []
    cwd = str(series_dir / "notebooks")
    Path(cwd).mkdir(parents=True, exist_ok=True)
    ctx = mp.get_context("spawn")
    args = (engine, cwd, timeout, str(series_dir))
    pending = deque(range(len(jobs)))
    attempts = [0] * len(jobs)
    results: dict[int, Result] = {}
    slots = [_Slot(ctx, args) for _ in range(max(1, min(workers, len(jobs) or 1)))]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("[bold]raporty"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}")]
    full: Result | None = None
    finished = False  # else an error or a signal (raised as an exception) ends the batch: the workers stop at once

    def settle(i: int, res: Result) -> None:
        nonlocal full
        res.attempts = attempts[i]
        if res.status != "ok" and res.retry and attempts[i] <= RETRIES:
            pending.appendleft(i)
            return
        results[i] = res
        full = full or (res if res.disk_full else None)
        bar.update(task, advance=1, description=f"{'✓' if res.status == 'ok' else '✗'} {res.job.label[:50]}")

    try:
        with Progress(*columns, disable=not progress, transient=False) as bar:
            task = bar.add_task("", total=len(jobs))
            while len(results) < len(jobs) and full is None:
                for slot in slots:
                    if slot.job is None and pending:
                        slot.job = pending.popleft()
                        attempts[slot.job] += 1
                        slot.conn.send((slot.job, jobs[slot.job]))
                busy = [s for s in slots if s.job is not None]
                ready = wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout=5)
                for n, slot in enumerate(slots):
                    if slot.job is None:
                        continue
                    if slot.conn in ready:
                        try:
                            i, res = slot.conn.recv()
                        except (EOFError, OSError):
                            i, res = slot.job, None
                        if res is not None:
                            slot.job = None
                            settle(i, res)
                            continue
                    if not slot.proc.is_alive():  # the worker died with a job: replace it, run the job again once
                        i, slot.job = slot.job, None
                        code = slot.proc.exitcode
                        slots[n] = _Slot(ctx, args)
                        settle(i, Result(jobs[i], "failed", f"the worker process died (exit code {code}) while running this "
                                         "report", 0.0, retry=True))
        finished = True
    finally:
        for slot in slots:
            slot.stop(now=not finished)
    if full is not None:
        raise DiskFull(errno.ENOSPC, full.error)
    return [results[i] for i in range(len(jobs))]


def result_record(res: Result) -> dict:
    rec = asdict(res.job)
    rec.update(extra=list(res.job.extra), status=res.status, error=res.error, duration_s=round(res.duration_s, 3), attempts=res.attempts)
    return rec
