"""One writer at a time: an advisory lock on a folder a command writes (a data store, a series' output).

The lock is `fcntl.flock` on `<folder>/.lock` (or a given file): the operating system releases it when the holding
process ends, however it ends (even killed with SIGKILL), so a lock left by a dead process is never in the way. The
file also records who holds it (process id, host, command, start time) so that a second writer is told who to wait
for. A second writer waits up to `wait` seconds, then refuses with that message.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jstbench.core.errors import InputError

LOCK_NAME = ".lock"


def _holder(path: Path) -> str:
    """Who holds the lock, as recorded in the file (best effort: the record may be half-written or missing)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another process"
    return (f"process {info.get('pid', '?')} on {info.get('host', '?')} ({info.get('command', '?')}, "
            f"since {info.get('since', '?')})")


@contextmanager
def exclusive(folder: Path, what: str, wait: float = 0.0, name: str = LOCK_NAME) -> Iterator[Path]:
    """Hold the lock of `folder` while the block runs; `what` names the folder in the refusal ("the data store
    output/data/real"). wait: seconds to wait for another writer before refusing (0: refuse at once)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the whole block)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise InputError(f"{what} is being written by {_holder(path)}; wait for it to finish and run the "
                                     "command again (a lock of a process that ended is released by the system)",
                                     path) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(sys.argv[:3]),
                                 "since": dt.datetime.now().isoformat(timespec="seconds")}))
        handle.flush()
        yield path
    finally:
        handle.close()  # closing releases the lock
