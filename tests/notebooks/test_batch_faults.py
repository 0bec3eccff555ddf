"""Faults in a batch of reports: a worker killed mid-batch, a kernel that dies, two builds of one series at once, a full
disk. Small notebooks written here stand in for the report templates (the same runner executes both)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import nbformat
import pytest

from jstbench.core.errors import InputError
from jstbench.series.run import series_lock
from jstbench.series.runner import Job, execute

KILL = """
import os, signal, pathlib
marker = pathlib.Path(marker_dir) / f"attempt-{x}"
first = not marker.exists()
marker.write_text("x")
if x in kill_worker and (first or x in always):
    os.kill(os.getppid(), signal.SIGKILL)  # the kernel's parent: the worker process
if x in kill_kernel and first:
    os._exit(1)  # the kernel itself dies
print(x * 10)
"""


def template(tmp_path: Path) -> Path:
    params = nbformat.v4.new_code_cell("x: int = 0\nmarker_dir: str = ''\nkill_worker: list = []\nkill_kernel: list = []\n"
                                       "always: list = []")
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(KILL)])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    path = tmp_path / "fault.ipynb"
    nbformat.write(nb, path)
    return path


def jobs(tmp_path: Path, n: int, **faults) -> list[Job]:
    tpl = str(template(tmp_path))
    (tmp_path / "markers").mkdir(exist_ok=True)
    return [Job("unit", f"u{x}", f"u{x}", tpl, {"x": x, "marker_dir": str(tmp_path / "markers"), **faults},
                f"jst/u{x}.html", f"notebooks/u{x}.ipynb") for x in range(n)]


def test_a_killed_worker_is_replaced_and_its_report_run_once_more(tmp_path):
    out = tmp_path / "series"
    results = execute(jobs(tmp_path, 5, kill_worker=[2]), out, workers=2, progress=False)
    assert [r.status for r in results] == ["ok"] * 5
    assert [r.attempts for r in results] == [1, 1, 2, 1, 1]
    assert "20" in (out / "jst" / "u2.html").read_text(encoding="utf-8")


def test_a_report_that_kills_its_worker_twice_is_listed_as_failed_and_the_batch_finishes(tmp_path):
    results = execute(jobs(tmp_path, 4, kill_worker=[1], always=[1]), tmp_path / "series", workers=2, progress=False)
    assert [r.status for r in results] == ["ok", "failed", "ok", "ok"]
    assert results[1].attempts == 2 and "worker process died" in results[1].error


def test_a_dead_kernel_is_restarted_and_its_report_run_once_more(tmp_path):
    results = execute(jobs(tmp_path, 3, kill_kernel=[0]), tmp_path / "series", workers=1, progress=False)
    assert [r.status for r in results] == ["ok"] * 3
    assert results[0].attempts == 2


def test_a_second_build_of_the_same_series_is_refused_and_stale_staging_folders_are_removed(tmp_path):
    out = tmp_path / "output"
    stale = out / ".demo.k1l2m3"
    stale.mkdir(parents=True)
    (stale / "half.html").write_text("<p>half", encoding="utf-8")
    other = out / ".demo2.abc"
    other.mkdir()
    with series_lock(out, "demo"):
        assert not stale.exists() and other.exists()  # another series' staging folder is not ours
        with pytest.raises(InputError, match=f"series 'demo' is being written by process {os.getpid()} on ") as err:
            with series_lock(out, "demo"):
                pass
        assert err.value.file == str(out / ".demo.lock")
        with series_lock(out, "demo2"):  # another series is built alongside
            pass
    with series_lock(out, "demo"):  # released when the first build ended
        pass


def test_a_series_left_half_swapped_by_a_killed_build_is_put_back(tmp_path):
    """Killed between the two renames of the swap: no `demo/`, the previous series in `.demo.old`, the new one staged."""
    out = tmp_path / "output"
    (out / ".demo.old").mkdir(parents=True)
    (out / ".demo.old" / "index.html").write_text("previous", encoding="utf-8")
    (out / ".demo.x1y2z3").mkdir()
    with series_lock(out, "demo"):
        assert sorted(p.name for p in out.iterdir()) == [".demo.lock", "demo"]
        assert (out / "demo" / "index.html").read_text(encoding="utf-8") == "previous"


def test_a_previous_series_left_beside_a_complete_one_is_removed(tmp_path):
    out = tmp_path / "output"
    for name in ("demo", ".demo.old"):
        (out / name).mkdir(parents=True)
        (out / name / "index.html").write_text(name, encoding="utf-8")
    with series_lock(out, "demo"):
        assert sorted(p.name for p in out.iterdir()) == [".demo.lock", "demo"]
        assert (out / "demo" / "index.html").read_text(encoding="utf-8") == "demo"


def test_a_full_disk_stops_the_build_and_leaves_the_previous_series_intact(small_project, small_series, monkeypatch):
    from jstbench.core.project import Project
    from jstbench.series import run as reports

    folder = small_project / "output" / "tests"
    before = (folder / "manifest.json").read_bytes()

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(reports, "write_text", full)
    with pytest.raises(InputError, match="no space left on the device") as err:
        reports.run(Project(small_project), "tests", workers=1, progress=False)
    assert "previous series" in str(err.value) and "unchanged" in str(err.value)
    assert (folder / "manifest.json").read_bytes() == before
    assert json.loads(before)["ok"] > 0
    leftovers = [p.name for p in folder.parent.iterdir() if p.name.startswith(".tests.") and p.is_dir()]
    assert leftovers == []


def test_a_full_disk_while_writing_a_report_is_reported_as_such_and_stops_the_batch(tmp_path, monkeypatch):
    from jstbench.series import runner

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    [job] = jobs(tmp_path, 1)
    monkeypatch.setattr(runner, "write_text", full)
    (tmp_path / "series" / "notebooks").mkdir(parents=True)
    runner._setup_worker("warm", str(tmp_path / "series" / "notebooks"), 120)
    try:
        res = runner.run_job(job, tmp_path / "series")
    finally:
        runner._shutdown_worker()
    assert res.status == "failed" and res.disk_full and "no space left" in res.error
    assert not (tmp_path / "series" / "jst" / "u0.html").exists()
