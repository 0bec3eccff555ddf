"""One writer at a time: a second writer is refused with who holds the lock; a killed holder frees it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jstbench.core.errors import InputError
from jstbench.core.lock import exclusive

LIB = Path(__file__).resolve().parents[3] / "lib"
HOLD = ("import sys, time; sys.path.insert(0, {lib!r})\nfrom jstbench.core.lock import exclusive\n"
        "with exclusive({d!r}, 'x'):\n    print('held', flush=True); time.sleep(60)\n")


def holder(folder: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD.format(lib=str(LIB), d=str(folder))], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_is_refused_naming_the_holder(tmp_path):
    proc = holder(tmp_path)
    try:
        with pytest.raises(InputError, match=rf"the data store s is being written by process {proc.pid} on "):
            with exclusive(tmp_path, "the data store s"):
                pass
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_holder_leaves_no_lock_in_the_way(tmp_path, sig):
    proc = holder(tmp_path)
    os.kill(proc.pid, sig)
    proc.wait()
    with exclusive(tmp_path, "the data store s") as path:
        assert str(os.getpid()) in path.read_text(encoding="utf-8")


def test_a_waiting_writer_gets_the_lock_when_the_holder_ends(tmp_path):
    proc = holder(tmp_path)
    killer = subprocess.Popen([sys.executable, "-c", f"import os, time; time.sleep(0.5); os.kill({proc.pid}, 9)"])
    start = time.monotonic()
    with exclusive(tmp_path, "the data store s", wait=30):
        pass
    killer.wait()
    proc.wait()
    assert time.monotonic() - start < 30  # it did not time out: it got the lock once the holder was gone
