"""Batch execution of report notebooks: papermill injects parameters, nbclient runs them, nbconvert
exports HTML without code. Parallel worker processes; one failing report does not stop the rest.

Engines:
* ``warm`` (default): each worker keeps one Jupyter kernel alive and reuses it for its reports, with the
  user namespace reset (``%reset -f``) before each notebook; imports stay loaded, which is most of the
  cost of a cold report.
* ``papermill``: ``papermill.execute_notebook`` per report, a fresh kernel each time (slowest, most isolated).
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
import traceback
from dataclasses import asdict, dataclass
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
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]
RESET_SOURCE = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt"


@dataclass
class Job:
    kind: str  # "unit" or "group"
    key: str  # TERYT code or group id (validated: digits / slug, so safe in file names)
    label: str
    template: str
    parameters: dict
    html: str  # path relative to the series folder
    notebook: str  # path relative to the series folder


@dataclass
class Result:
    job: Job
    status: str  # "ok" or "failed"
    error: str | None
    duration_s: float


def _html(nb: nbformat.NotebookNode, title: str) -> str:
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
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
        client = NotebookClient(nb, timeout=self.timeout, kernel_name=KERNEL, extra_arguments=KERNEL_ARGS,
                                resources={"metadata": {"path": self.cwd}}, km=self.km)
        if self.km is not None:
            client.kc = self.kc
        return client

    def run(self, nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
        if self.km is not None:
            reset = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(RESET_SOURCE)])
            reset.metadata["kernelspec"] = {"name": KERNEL, "language": "python", "display_name": "Python 3"}
            self._client(reset).execute(cleanup_kc=False)
        client = self._client(nb)
        try:
            client.execute(cleanup_kc=False)
        except (DeadKernelError, TimeoutError, RuntimeError):
            self.shutdown()
            raise
        self.km, self.kc = client.km, client.kc
        return nb

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


_WORKER: dict = {}


def _setup_worker(engine: str, cwd: str, timeout: int) -> None:
    _WORKER.update(engine=engine, cwd=cwd, timeout=timeout)
    if engine == "warm":
        _WORKER["kernel"] = WarmKernel(Path(cwd), timeout)


def run_job(job: Job, series_dir: Path) -> Result:
    """Execute one report; write its notebook and HTML atomically. Never raises."""
    t0 = time.perf_counter()
    nb_path, html_path = series_dir / job.notebook, series_dir / job.html
    nb = None
    try:
        template = load_notebook_node(job.template)  # adds the cell tags papermill expects
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
            nb = parameterize_notebook(template, job.parameters, kernel_name=KERNEL, language="python")
            _WORKER["kernel"].run(nb)
        write_text(nb_path, nbformat.writes(nb))
        write_text(html_path, _html(nb, job.label))
        return Result(job, "ok", None, time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - a failing report is recorded, the batch goes on
        if nb is not None:
            failed = nb_path.with_name(nb_path.stem + ".failed.ipynb")
            try:
                write_text(failed, nbformat.writes(nb))
            except Exception:  # noqa: BLE001
                pass
        expected = (CellExecutionError, DeadKernelError, TimeoutError, OSError, nbformat.ValidationError)
        detail = _error_text(exc)
        if not isinstance(exc, expected):  # an internal error: say where it happened
            detail += " | " + traceback.format_exc(limit=1).splitlines()[-1]
        return Result(job, "failed", detail, time.perf_counter() - t0)


def _worker_loop(engine: str, cwd: str, timeout: int, series_dir: str, jobs: mp.Queue, results: mp.Queue) -> None:
    """A worker process: take jobs until the sentinel, then shut its kernel down cleanly."""
    _setup_worker(engine, cwd, timeout)
    try:
        while True:
            item = jobs.get()
            if item is None:
                break
            i, job = item
            results.put((i, run_job(job, Path(series_dir))))
    finally:
        if "kernel" in _WORKER:
            _WORKER["kernel"].shutdown()


def execute(jobs: list[Job], series_dir: Path, workers: int, engine: str = "warm", timeout: int = 600,
            progress: bool = True) -> list[Result]:
    """Run all jobs in `workers` processes; results in job order."""
    if engine not in ("warm", "papermill"):
        raise ValueError(f"unknown engine {engine!r}: warm or papermill")
    cwd = str(series_dir / "notebooks")
    Path(cwd).mkdir(parents=True, exist_ok=True)
    ctx = mp.get_context("spawn")
    job_q: mp.Queue = ctx.Queue()
    res_q: mp.Queue = ctx.Queue()
    n_workers = max(1, min(workers, len(jobs) or 1))
    for item in enumerate(jobs):
        job_q.put(item)
    for _ in range(n_workers):
        job_q.put(None)
    procs = [ctx.Process(target=_worker_loop, args=(engine, cwd, timeout, str(series_dir), job_q, res_q), daemon=False)
             for _ in range(n_workers)]
    for p in procs:
        p.start()
    results: dict[int, Result] = {}
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("[bold]raporty"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}")]
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task("", total=len(jobs))
        while len(results) < len(jobs):
            try:
                i, res = res_q.get(timeout=5)
            except queue.Empty:
                if not any(p.is_alive() for p in procs):
                    break  # every worker died: the rest is reported as failed below
                continue
            results[i] = res
            mark = "✓" if res.status == "ok" else "✗"
            bar.update(task, advance=1, description=f"{mark} {res.job.label[:50]}")
    for p in procs:
        p.join(timeout=60)
        if p.is_alive():
            p.terminate()
    return [results.get(i) or Result(job, "failed", "worker process died", 0.0) for i, job in enumerate(jobs)]


def result_record(res: Result) -> dict:
    rec = asdict(res.job)
    rec.update(status=res.status, error=res.error, duration_s=round(res.duration_s, 3))
    return rec
