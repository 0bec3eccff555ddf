"""Run report jobs on a Dask cluster: a private local one, or an existing one spread over several machines.

One Dask task per report. Each Dask worker runs one report at a time and keeps one warm kernel (see
`runner`) for all the reports it gets; the kernel is shut down when the batch ends.

An existing cluster::

    dask scheduler                                      # on one machine; listens on tcp://host:8786
    dask worker tcp://host:8786 --nworkers N --nthreads 1 --memory-limit 1.5GB   # on each machine

* Workers must see the series folder under the same path as the machine that starts the batch (a shared
  disk mounted at the same place): they write the reports there themselves. This is checked at the start.
* ``--nthreads 1`` is required (one warm kernel serves one report at a time); also checked.
* Workers need the same Python environment (jstbench installed).
* Sizing: one report worker needs about 1 GB of memory (its warm kernel holds the series tables) and one
  core; several national series at once need the sum of their workers. The kernel is a child process of
  the worker, outside the worker's own ``--memory-limit``, so leave that memory free on the machine.
* A report whose worker dies is run again on another worker; the scheduler gives it up after
  ``distributed.scheduler.allowed-failures`` + 1 lost workers (default 3, the local cluster uses 1). Start an
  existing cluster's scheduler with ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1`` and
  ``DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=1.0`` for the local cluster's behaviour.
* One batch at a time per cluster: the per-worker kernel state is global to the worker process.
"""

from __future__ import annotations

import errno
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dask
import distributed
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jstbench.core.errors import InputError
from jstbench.series import runner
from jstbench.series.runner import RETRIES, DiskFull, Job, Result, run_job

CONNECT_TIMEOUT_S = 10
PLUGIN_NAME = "jstbench-report-kernel"
# The local scheduler gives a report up after its worker died twice; on worker-saturation see execute_dask.
LOCAL_CONFIG = {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}


class ReportKernelPlugin(distributed.WorkerPlugin):
    """Sets up the runner's per-process state on each Dask worker; shuts its warm kernel down at the end."""

    def __init__(self, engine: str, cwd: str, timeout: int):
        self.engine, self.cwd, self.timeout = engine, cwd, timeout

    def setup(self, worker: distributed.Worker) -> None:
        runner._setup_worker(self.engine, self.cwd, self.timeout)

    def teardown(self, worker: distributed.Worker) -> None:
        runner._shutdown_worker()


@contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[distributed.Client]:
    """A client of a new local cluster (closed at the end), or of the cluster at `scheduler` (left running)."""
    if scheduler is None:
        with dask.config.set(LOCAL_CONFIG):
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
        with cluster, distributed.Client(cluster, set_as_default=False) as client:
            yield client
        return
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot connect to the Dask scheduler {scheduler}: {exc}".splitlines()[0]) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except distributed.TimeoutError:
            raise InputError(f"no Dask workers connected to the scheduler {scheduler} within {CONNECT_TIMEOUT_S} s") from None
        yield client


def _check_workers(client: distributed.Client, series_dir: Path) -> None:
    """One thread per worker, and every worker sees `series_dir` (a marker file written here)."""
    threaded = [f"{addr} ({n} threads)" for addr, n in client.nthreads().items() if n != 1]
    if threaded:
        raise InputError(f"Dask workers must run with --nthreads 1 (one warm kernel each): {', '.join(sorted(threaded))}")
    marker = series_dir / "notebooks" / f".dask-check-{uuid.uuid4().hex}"
    marker.touch()
    try:
        seen = client.run(os.path.exists, str(marker))
    finally:
        marker.unlink()
    blind = sorted(addr for addr, ok in seen.items() if not ok)
    if blind:
        raise InputError(f"Dask workers {', '.join(blind)} do not see the series folder {series_dir}: "
                         "they must share its disk under the same path")


def _outcome(future: distributed.Future, job: Job) -> Result:
    try:
        return future.result()
    except distributed.KilledWorker as exc:
        n = exc.allowed_failures + 1
        return Result(job, "failed", f"the Dask worker running this report died on all {n} attempts (killed, out of memory?)",
                      0.0, attempts=n)
    except Exception as exc:  # noqa: BLE001 - an error outside run_job (it never raises): recorded, the batch goes on
        return Result(job, "failed", f"Dask task failed: {type(exc).__name__}: {exc}".splitlines()[0][:500], 0.0)


def execute_dask(jobs: list[Job], series_dir: Path, workers: int, engine: str = "warm", timeout: int = 600,
                 progress: bool = True, scheduler: str | None = None) -> list[Result]:
    """Run all jobs as Dask tasks; results in job order. Raises `DiskFull` when the device fills up.

    `scheduler` None: a local cluster of `workers` processes; else the address of an existing cluster
    (``tcp://host:8786``; `workers` is then unused). A task is retried once after an exception, a report whose
    kernel died is run once more (as in `runner.execute`)."""
    if not jobs:
        return []
    if engine not in ("warm", "papermill"):
        raise ValueError(f"unknown engine {engine!r}: warm or papermill")
    if not jobs:
        return []
    series_dir = series_dir.absolute()  # workers elsewhere do not share this process's working directory
    cwd = series_dir / "notebooks"
    cwd.mkdir(parents=True, exist_ok=True)
    results: dict[int, Result] = {}
    with _client(scheduler, max(1, min(workers, len(jobs)))) as client:
        _check_workers(client, series_dir)
        client.register_plugin(ReportKernelPlugin(engine, str(cwd), timeout), name=PLUGIN_NAME)
        try:
            # One graph, one task group ("raport"): a batch larger than twice the cluster's threads is queued on
            # the scheduler and each worker gets one report at a time (worker-saturation 1.0), so a dying worker
            # takes no queued report's retry with it. Smaller batches are handed out at once. The futures are kept
            # to the end: forgotten tasks would shrink the group below that size.
            keys = [_key(job) for job in jobs]
            futures = {f: i for i, f in enumerate(client.map(run_job, jobs, [series_dir] * len(jobs), key=keys, pure=False, retries=1))}
            attempts = [1] * len(jobs)
            columns = [TextColumn("[bold]raporty"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       TextColumn("{task.description}")]
            with Progress(*columns, disable=not progress, transient=False) as bar:
                task = bar.add_task("", total=len(jobs))
                done = distributed.as_completed(futures, loop=client.loop)
                for future in done:
                    i = futures[future]
                    res = _outcome(future, jobs[i])
                    if res.status != "ok" and res.retry and attempts[i] <= RETRIES:  # the kernel died: once more
                        attempts[i] += 1
                        retry = client.submit(run_job, jobs[i], series_dir, key=_key(jobs[i]), pure=False, retries=1)
                        futures[retry] = i
                        done.add(retry)
                        continue
                    res.attempts = max(res.attempts, attempts[i])
                    results[i] = res
                    bar.update(task, advance=1, description=f"{'✓' if res.status == 'ok' else '✗'} {res.job.label[:50]}")
                    if res.disk_full:  # nothing after it could be written either
                        client.cancel([f for f in futures if not f.done()])
                        raise DiskFull(errno.ENOSPC, res.error)
        finally:
            client.unregister_worker_plugin(PLUGIN_NAME)  # shuts the kernels down; an existing cluster lives on
    return [results[i] for i in range(len(jobs))]


def _key(job: Job) -> tuple[str, str, str]:
    """A task key readable in the dashboard, unique on a shared scheduler; all in one task group ("raport")."""
    return "raport", f"{job.kind}-{job.key}", uuid.uuid4().hex[:8]
