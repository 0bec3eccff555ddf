"""The Dask executor on tiny notebooks: same output as the local executor, failures, a lost worker, a bad address."""

from __future__ import annotations

import os
import time
from pathlib import Path

import distributed
import nbformat
import psutil
import pytest

from jstbench.core.errors import InputError
from jstbench.series import dask_executor
from jstbench.series.dask_executor import execute_dask
from jstbench.series.runner import Job, execute


def template(path: Path, body: str) -> str:
    """A notebook with a `parameters` cell (`x: int = 1`) and one code cell."""
    params = nbformat.v4.new_code_cell("x: int = 1")
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(body)])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return str(path)


def jobs(tpl: str, xs: list[int]) -> list[Job]:
    return [Job("unit", f"{x:07d}", f"Jednostka {x}", tpl, {"x": x}, f"jst/{x:07d}.html", f"notebooks/jst-{x:07d}.ipynb") for x in xs]


def files(series_dir: Path, job: Job) -> tuple[str, bytes]:
    return (series_dir / job.notebook).read_text(encoding="utf-8"), (series_dir / job.html).read_bytes()


OK_BODY = 'from IPython.display import HTML\nprint(f"x squared is {x * x}")\nHTML(f"<b>x = {x}</b>")'


def test_same_files_as_the_local_executor(tmp_path):
    tpl = template(tmp_path / "ok.ipynb", OK_BODY)
    batch = jobs(tpl, [1, 2, 3, 4])
    results = execute_dask(batch, tmp_path / "dask", workers=2, progress=False)
    assert [r.job for r in results] == batch
    assert [(r.status, r.error) for r in results] == [("ok", None)] * 4
    local = execute(batch, tmp_path / "local", workers=2, engine="warm", progress=False)
    assert [r.status for r in local] == ["ok"] * 4
    for job in batch:
        dask_nb, dask_html = files(tmp_path / "dask", job)
        assert f"x squared is {job.parameters['x'] ** 2}".encode() in dask_html
        assert (dask_nb, dask_html) == files(tmp_path / "local", job)  # byte for byte


def test_a_failing_report_does_not_stop_the_batch(tmp_path):
    ok = template(tmp_path / "ok.ipynb", OK_BODY)
    bad = template(tmp_path / "bad.ipynb", 'raise ValueError(f"no data for x={x}")')
    batch = jobs(ok, [1]) + jobs(bad, [2]) + jobs(ok, [3])
    results = execute_dask(batch, tmp_path / "series", workers=2, progress=False)
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert results[1].error == "ValueError: no data for x=2"
    assert (tmp_path / "series" / "notebooks" / "jst-0000002.failed.ipynb").exists()


def test_lost_workers_and_dead_kernels_retry_a_report_once(tmp_path):
    marker, attempts = tmp_path / "killed.txt", tmp_path / "attempts.txt"
    # First attempt: note the kernel's parent (the Dask worker) and grandparent, then kill the parent.
    once = template(tmp_path / "once.ipynb", f"""\
import os, pathlib, signal, psutil
marker = pathlib.Path({str(marker)!r})
if not marker.exists():
    marker.write_text(f"{{os.getppid()}} {{psutil.Process(os.getppid()).ppid()}}")
    os.kill(os.getppid(), signal.SIGKILL)
print(f"x = {{x}}")""")
    always = template(tmp_path / "always.ipynb", f"import os, signal\nopen({str(attempts)!r}, 'a').write('.')\nos.kill(os.getppid(), signal.SIGKILL)")
    kernel_once = template(tmp_path / "kernel_once.ipynb", f"""\
import os, pathlib, signal
marker = pathlib.Path({str(tmp_path / "kernel.txt")!r})
if not marker.exists():
    marker.touch()
    os.kill(os.getpid(), signal.SIGKILL)""")
    ok = template(tmp_path / "ok.ipynb", OK_BODY)
    batch = jobs(ok, [1]) + jobs(once, [2]) + jobs(ok, [3]) + jobs(always, [4]) + jobs(kernel_once, [5]) + jobs(ok, [6])
    results = execute_dask(batch, tmp_path / "series", workers=2, progress=False)
    assert [r.status for r in results] == ["ok", "ok", "ok", "failed", "ok", "ok"]
    assert results[3].error == "the Dask worker running this report died on all 2 attempts (killed, out of memory?)"
    assert attempts.read_text() == ".."  # given up after one retry
    assert [r.attempts for r in results] == [1, 1, 1, 2, 2, 1]  # a retry after a lost worker is Dask's: not counted
    worker, nanny_host = map(int, marker.read_text().split())
    # the killed process was a worker process spawned by this (the nanny's) process, not the kernel or pytest
    assert nanny_host == os.getpid() and worker != os.getpid()
    assert not psutil.pid_exists(worker)
    assert "x = 2" in (tmp_path / "series" / "jst" / "0000002.html").read_text(encoding="utf-8")


def test_existing_cluster_keeps_one_kernel_per_worker_and_shuts_it_down(tmp_path):
    pids = tmp_path / "pids.txt"
    tpl = template(tmp_path / "pid.ipynb", f"import os\nwith open({str(pids)!r}, 'a') as f:\n    f.write(f'{{os.getpid()}}\\n')\nprint(x)")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address="127.0.0.1:0") as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        results = execute_dask(jobs(tpl, [1, 2, 3]), tmp_path / "series", workers=1, progress=False,
                               scheduler=cluster.scheduler_address)
        assert [r.status for r in results] == ["ok"] * 3
        kernels = set(pids.read_text().split())
        assert len(kernels) == 1  # one warm kernel ran all three reports
        assert len(client.nthreads()) == 1  # the cluster lives on ...
        assert not psutil.pid_exists(int(kernels.pop()))  # ... but its kernel was shut down


def test_unreachable_scheduler_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT_S", 2)
    t0 = time.monotonic()
    with pytest.raises(InputError, match="tcp://127.0.0.1:1"):
        execute_dask(jobs(str(tmp_path / "none.ipynb"), [1]), tmp_path / "series", workers=1, progress=False,
                     scheduler="tcp://127.0.0.1:1")
    assert time.monotonic() - t0 < 6
