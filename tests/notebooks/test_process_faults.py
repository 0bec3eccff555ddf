"""`jstbench reports` as processes: two builds of one series at once, a build stopped by SIGTERM or Ctrl-C, a build
killed outright, and the same inputs giving the same files. Builds run in a subprocess of their own session, as a user
or a scheduler starts them; the processes under them (workers, kernels, the multiprocessing resource tracker) are
followed with psutil."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from jstbench.core.project import Project
from jstbench.series import run as reports
from jstbench.series.run import Interrupted, Signals
from jstbench.series.runner import Job, execute

from ..conftest import snapshot

CLI = "from jstbench.cli import app; app(prog_name='jstbench')"
BOUND_S = 30  # how long stopped processes may take to go
WORKERS = 2  # the `tests` series' workers (tests/conftest.py), each with a kernel of its own


@pytest.fixture
def project(tmp_path, small_project, small_series) -> Path:
    """A copy of the small project with its `tests` series built, whose unit template changed since: a build reuses
    the series data and runs the unit reports again, so its workers start within seconds."""
    root = Path(shutil.copytree(small_project, tmp_path / "project"))
    template = root / "notebooks" / "jst_report.ipynb"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    return root


def start(root: Path, logs: Path) -> subprocess.Popen:
    """`jstbench reports tests` in a session (and process group) of its own; its output in `logs`.{out,err}."""
    with open(logs.with_suffix(".out"), "w") as out, open(logs.with_suffix(".err"), "w") as err:
        return subprocess.Popen([sys.executable, "-c", CLI, "reports", "tests", "--root", str(root)],
                                stdout=out, stderr=err, start_new_session=True)


def staging(output: Path) -> list[str]:
    return sorted(p.name for p in output.glob(".tests.*") if p.is_dir())


def alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def command(p: psutil.Process) -> str:
    try:
        return " ".join(p.cmdline())
    except psutil.Error:
        return "?"


def running(proc: subprocess.Popen, output: Path) -> list[psutil.Process]:
    """Wait until the workers run reports (the staging folder exists, each of the WORKERS workers has its kernel up);
    the processes under the batch. Waiting for every worker, not the first one, keeps the signal from reaching a
    worker that is still starting on a loaded machine (its imports interrupted: another case than these tests')."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the build ended with {proc.returncode} before its workers ran"
        tree = psutil.Process(proc.pid).children(recursive=True)
        if staging(output) and sum("ipykernel_launcher" in command(p) for p in tree) >= WORKERS:
            return tree
        time.sleep(0.2)
    pytest.fail(f"the {WORKERS} workers did not all run a report within 300 s")


def left(tree: list[psutil.Process], session: int) -> list[str]:
    """Processes still running, among those seen under the batch (kernels run in sessions of their own) and in the
    batch's session; waits up to BOUND_S for them to go."""
    deadline = time.monotonic() + BOUND_S
    while True:
        rest = [p for p in tree if alive(p)]
        for p in psutil.process_iter():
            try:
                if os.getsid(p.pid) == session and alive(p):
                    rest.append(p)
            except OSError:
                pass
        if not rest or time.monotonic() > deadline:
            return sorted({f"{p.pid}: {command(p)[:120]}" for p in rest})
        time.sleep(0.2)


def connection_files(tree: list[psutil.Process]) -> list[Path]:
    """The connection files of the kernels among `tree` (`ipykernel_launcher -f <file>`)."""
    found = []
    for p in tree:
        words = command(p).split()
        if "ipykernel_launcher" in words and "-f" in words:
            found.append(Path(words[words.index("-f") + 1]))
    return found


def test_a_second_build_of_a_series_being_built_is_refused_naming_the_first(project, tmp_path):
    output = project / "output"
    before = json.loads((output / "tests" / "manifest.json").read_text(encoding="utf-8"))
    first = start(project, tmp_path / "first")
    try:
        running(first, output)
        os.kill(first.pid, signal.SIGSTOP)  # it cannot finish meanwhile (its workers go on with their reports)
        second = subprocess.run([sys.executable, "-c", CLI, "reports", "tests", "--root", str(project)],
                                capture_output=True, text=True, timeout=300)
    finally:
        os.kill(first.pid, signal.SIGCONT)
        first.wait(timeout=600)
    assert second.returncode == 1
    [line] = second.stderr.strip().splitlines()
    assert line.startswith(f"error: {output / '.tests.lock'}: series 'tests' is being written by process {first.pid} on ")
    assert "wait for it to finish and run the command again" in line
    # the first build went on undisturbed: its series is in place, complete
    after = json.loads((output / "tests" / "manifest.json").read_text(encoding="utf-8"))
    assert after["created"] >= before["created"] and after["executed"] > 0
    assert (after["ok"], after["failed"]) == (before["ok"], before["failed"])
    assert staging(output) == []


@pytest.mark.parametrize(("sig", "to_group"), [(signal.SIGTERM, False), (signal.SIGINT, True)],
                         ids=["SIGTERM to the batch", "SIGINT to its process group (Ctrl-C)"])
def test_a_stopped_build_stops_its_workers_and_kernels_and_leaves_the_previous_series(project, tmp_path, sig, to_group):
    output = project / "output"
    before = snapshot(output / "tests")
    proc = start(project, tmp_path / "build")
    tree = running(proc, output)
    kernels = connection_files(tree)
    (os.killpg if to_group else os.kill)(proc.pid, sig)
    code = proc.wait(timeout=120)
    assert left(tree, proc.pid) == []
    assert kernels and [f for f in kernels if f.exists()] == []
    assert code == 1
    message = f"error: {output / 'tests'}: stopped by {sig.name}: the build stopped; the previous series is unchanged"
    assert (tmp_path / "build.err").read_text(encoding="utf-8").strip().splitlines() == [message]
    assert staging(output) == []
    assert snapshot(output / "tests") == before


def test_a_killed_build_leaves_no_process_and_the_next_build_removes_its_staging_folder(project, tmp_path):
    output = project / "output"
    before = snapshot(output / "tests")
    proc = start(project, tmp_path / "build")
    tree = running(proc, output)
    dead, kernels = staging(output), connection_files(tree)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert left(tree, proc.pid) == []  # the workers saw their parent die, and stopped their kernels
    assert kernels and [f for f in kernels if f.exists()] == []
    assert staging(output) == dead and snapshot(output / "tests") == before
    manifest = reports.run(Project(project), "tests", workers=2, progress=False)
    assert staging(output) == []
    assert (manifest["ok"], manifest["failed"]) == (json.loads(before["manifest.json"])["ok"], 1)


def test_a_signal_stops_the_build_where_it_is_and_the_handlers_are_put_back(tmp_path):
    handler = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted, match="stopped by SIGTERM: the build stopped; the previous series is unchanged") as err:
        with Signals(tmp_path / "tests").handled():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)
            pytest.fail("the signal did not stop the block")
    assert err.value.signum == signal.SIGTERM and err.value.file == str(tmp_path / "tests")
    assert signal.getsignal(signal.SIGTERM) is handler


def test_a_signal_while_the_new_series_is_swapped_in_waits_for_the_swap(tmp_path):
    signals, swapped = Signals(tmp_path / "tests"), False
    with pytest.raises(Interrupted, match="stopped by SIGINT: the new series was complete and is in place"):
        with signals.handled():
            signals.held = True
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGTERM)  # a second signal is not a second interruption
            time.sleep(0.2)
            swapped = True
    assert swapped and signals.caught == signal.SIGINT


CELL = "import math\nif x in fail:\n    raise ValueError(f'report {x} fails')\nprint(math.sqrt(x))\n"


def small_jobs(template: Path, order: list[int]) -> list[Job]:
    """Reports of a small template in nbformat 4.4, whose cells have no ids (nbformat makes up random ones at each
    read); report 2 fails in its last cell (its traceback quotes the kernel's cell number)."""
    def cell(source: str, tags: list[str]) -> dict:
        return {"cell_type": "code", "execution_count": None, "metadata": {"tags": tags}, "outputs": [], "source": source}

    template.write_text(json.dumps({
        "cells": [cell("x: int = 0\nfail: list = []", ["parameters"]), cell(CELL, [])], "nbformat": 4, "nbformat_minor": 4,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}}), encoding="utf-8")
    return [Job("unit", f"u{x}", f"u{x}", str(template), {"x": x, "fail": [2]}, f"jst/u{x}.html", f"notebooks/u{x}.ipynb")
            for x in order]


@pytest.mark.parametrize("engine", ["warm", "papermill"])
def test_a_report_is_the_same_file_whichever_reports_its_kernel_ran_before(tmp_path, engine):
    execute(small_jobs(tmp_path / "small.ipynb", [0, 1, 2]), tmp_path / "a", workers=1, engine=engine, progress=False)
    execute(small_jobs(tmp_path / "small.ipynb", [2, 1, 0]), tmp_path / "b", workers=1, engine=engine, progress=False)
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert a.keys() == b.keys() and {"jst/u0.html", "notebooks/u1.ipynb"} <= a.keys()
    assert [name for name in a if a[name] != b[name]] == []
    assert [c.id for c in nbformat.reads(a["notebooks/u1.ipynb"].decode(), as_version=4).cells] == [
        "cell-0", "injected-parameters", "cell-1"]


def without_build_time(name: str, data: bytes) -> bytes:
    """The index states when it was built (the manifest, too: it is not compared)."""
    return re.sub(rb"Wygenerowano [^ <]+", b"Wygenerowano", data) if name == "index.html" else data


def test_two_full_builds_of_the_same_inputs_give_byte_identical_reports_notebooks_and_data(small_series, forced_rebuild):
    """The series data computed and every report run by two workers (the shared build of `small_series`), then
    computed again and every report run again by one worker (`forced_rebuild`, in a copy of the project: each kernel
    runs other reports before a given one): every file is the same, but the manifest and the index's build time."""
    manifest, first, second = forced_rebuild["manifest"], forced_rebuild["first"], forced_rebuild["second"]
    assert small_series["executed"] == len(small_series["reports"]) and not small_series["data_reused"]
    assert small_series["workers"] == 2 and manifest["workers"] == 1
    assert manifest["executed"] == len(manifest["reports"]) and not manifest["data_reused"]
    assert first.keys() == second.keys() and any(name.endswith(".failed.ipynb") for name in first)
    differ = [name for name in first if name != "manifest.json"
              and without_build_time(name, first[name]) != without_build_time(name, second[name])]
    assert differ == [], f"differ between two builds: {differ}"
