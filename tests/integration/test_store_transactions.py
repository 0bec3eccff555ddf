"""The data store under concurrent writers and faults: one writer at a time (a second one waits, then is refused
naming the holder; a killed holder is no obstacle), two loads at once both kept, a load all or nothing (a full
disk, a damaged table or a killed process leaves the store as it was, or finished by the next reader), and a
store path that is a file refused as such."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from jstbench.cli import app
from jstbench.core.errors import InputError
from jstbench.data import store as store_module
from jstbench.data.load import load_files
from jstbench.data.store import JOURNAL_FILE, Store, save

from ..conftest import make_project
from .test_real_data import CREL, CTAB, MAPPING, TERC, write

CHILD = """\
import os, signal, sys, time
from pathlib import Path
import pandas as pd
from jstbench.core.errors import InputError
from jstbench.data import load, store
{setup}
try:
    load.load_files(Path({store!r}), [Path(f) for f in {files!r}], mapping_path=Path({mapping!r}))
except InputError as exc:
    print(exc.message)
    sys.exit(1)
print("loaded")
"""
HOLD = ("from pathlib import Path\nimport time\nfrom jstbench.data.store import writing\n"
        "with writing(Path({store!r})):\n    print('held', flush=True)\n    time.sleep(120)\n")
BARRIER = "print('ready', flush=True)\nsys.stdin.readline()"  # both loads start together
SLOW_READ = ("read = load._read_files\n"  # both read the store before either writes it: the lost-update race
             "def slow(*args):\n    out = read(*args)\n    time.sleep(1.0)\n    return out\n"
             "load._read_files = slow")


def child(store: Path, files: list[Path], setup: str = "") -> str:
    return CHILD.format(setup=setup, store=str(store), files=[str(f) for f in files], mapping=str(MAPPING))


def run(script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)


def holder(store: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD.format(store=str(store))], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def snapshot(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file of the store (hidden ones too: a leftover would show) and its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name not in skip}


def variables(store: Path) -> set[str]:
    return set(Store.load(store).observations["variable"].astype(str))


def loaded_files(store: Path) -> list[str]:
    return list(pd.read_parquet(store / "loads.parquet")["file"])


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    return {"terc": write(tmp_path / "TERC.csv", TERC), "crel": write(tmp_path / "LUDN_2137_CREL_x.csv", CREL),
            "revised": write(tmp_path / "LUDN_2137_CREL_r.csv", CREL.replace("38486", "38500")),
            "ctab": write(tmp_path / "LUDN_1355_CTAB_x.csv", CTAB, "cp1250")}


@pytest.fixture
def store(tmp_path, files) -> Path:
    """A store with the register and one load of population."""
    folder = tmp_path / "store"
    load_files(folder, [files["terc"]])
    load_files(folder, [files["crel"]], mapping_path=MAPPING)
    return folder


def test_a_load_is_refused_naming_the_writer_that_holds_the_store_and_goes_through_once_it_is_killed(store, files):
    before = snapshot(store, skip=(".lock",))
    proc = holder(store)
    try:
        result = run(child(store, [files["ctab"]], setup="store.LOCK_WAIT = 0.5"))
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert result.returncode == 1, result.stderr
    assert f"the data store {store} is being written by process {proc.pid} on " in result.stdout
    assert "Traceback" not in result.stderr
    assert snapshot(store, skip=(".lock",)) == before
    result = run(child(store, [files["ctab"]]))  # the killed holder's lock was released by the system
    assert (result.returncode, result.stdout.strip()) == (0, "loaded"), result.stdout + result.stderr
    assert variables(store) == {"population", "net_migration"}


def test_two_loads_at_once_keep_both_loads_observations(store, files):
    procs = [subprocess.Popen([sys.executable, "-c", child(store, [f], BARRIER + "\n" + SLOW_READ)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in (files["ctab"], files["revised"])]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert variables(store) == {"population", "net_migration"}  # the load of net migration was not lost
    assert Store.load(store).wide().loc[("0201011", 2020), "population"] == 38500  # nor the revision
    assert sorted(loaded_files(store)) == sorted(["TERC.csv", "LUDN_2137_CREL_x.csv", "LUDN_1355_CTAB_x.csv",
                                                  "LUDN_2137_CREL_r.csv"])
    assert len(pd.read_parquet(store / "revisions.parquet")) == 1


@pytest.mark.parametrize("failing", [1, 2, 3], ids=["units", "observations", "loads"])
def test_a_full_disk_during_a_load_leaves_the_store_byte_identical(store, files, monkeypatch, failing):
    before = snapshot(store, skip=(".lock",))
    write_parquet, calls = pd.DataFrame.to_parquet, []

    def full_disk(self, path, *args, **kwargs):
        calls.append(Path(path).name)
        if len(calls) == failing:
            Path(path).write_bytes(b"PAR1 half")  # a partly written file, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_parquet(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_disk)
    with pytest.raises(InputError, match=r"store: cannot write the store \(No space left on device\); nothing was "
                                         r"written, the store is as it was"):
        load_files(store, [files["ctab"]], mapping_path=MAPPING)
    monkeypatch.undo()
    assert snapshot(store, skip=(".lock",)) == before  # and no new file left behind
    load_files(store, [files["ctab"]], mapping_path=MAPPING)
    assert variables(store) == {"population", "net_migration"}


@pytest.mark.parametrize("name", ["units.parquet", "observations.parquet", "loads.parquet", "revisions.parquet",
                                  "register_snapshots.parquet"])
def test_a_damaged_table_of_the_store_stops_the_load_before_anything_is_written(store, files, name):
    load_files(store, [files["revised"]], mapping_path=MAPPING)  # a revision: revisions.parquet exists
    (store / name).write_bytes(b"PAR1 not a parquet file")
    before = snapshot(store)  # the lock file too: nothing at all is written
    with pytest.raises(InputError) as caught:
        load_files(store, [files["ctab"]], mapping_path=MAPPING)
    assert caught.value.file == str(store / name)
    assert caught.value.problem.startswith("cannot read this parquet table, it is damaged or unreadable (")
    assert len(caught.value.problem) < 200  # the reader's own message is quoted in part
    assert snapshot(store) == before


def test_a_loads_table_without_its_columns_stops_the_load(store, files):
    pd.DataFrame({"file": ["x.csv"]}).to_parquet(store / "loads.parquet")
    observations = (store / "observations.parquet").read_bytes()
    with pytest.raises(InputError, match=r"loads.parquet: not a table of loads: no column load_id, sha256, format, "
                                         r"reader_version, time, rows, values, rejected; nothing was written"):
        load_files(store, [files["ctab"]], mapping_path=MAPPING)
    assert (store / "observations.parquet").read_bytes() == observations


def test_a_load_killed_while_writing_leaves_the_store_as_it_was(store, files):
    before = snapshot(store, skip=(".lock",))
    kill = ("write = pd.DataFrame.to_parquet\n"
            "def dying(self, path, *args, **kwargs):\n"
            "    if Path(path).name == '.observations.parquet.new':\n"
            "        Path(path).write_bytes(b'PAR1 half')\n"
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
            "    return write(self, path, *args, **kwargs)\n"
            "pd.DataFrame.to_parquet = dying")
    result = run(child(store, [files["ctab"]], kill))
    assert result.returncode == -signal.SIGKILL
    after = snapshot(store, skip=(".lock",))
    assert {k: v for k, v in after.items() if not k.endswith(".new")} == before  # the new files are not in place
    assert sorted(k for k in after if k.endswith(".new")) == [".observations.parquet.new", ".units.parquet.new"]
    assert variables(store) == {"population"} and "LUDN_1355_CTAB_x.csv" not in loaded_files(store)
    load_files(store, [files["ctab"]], mapping_path=MAPPING)  # the next writer removes the dead one's files
    assert not [p for p in store.iterdir() if p.name.endswith(".new")]
    assert variables(store) == {"population", "net_migration"}


def test_a_load_killed_between_its_renames_is_finished_by_the_next_reader(store, files):
    kill = ("replace = os.replace\n"
            "def dying(src, dst):\n"
            "    if Path(src).name == '.observations.parquet.new':\n"  # the units were renamed, the rest not
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
            "    replace(src, dst)\n"
            "os.replace = dying")
    result = run(child(store, [files["ctab"]], kill))
    assert result.returncode == -signal.SIGKILL
    assert (store / JOURNAL_FILE).exists() and (store / ".observations.parquet.new").exists()
    assert variables(store) == {"population", "net_migration"}  # Store.load finished the commit
    assert not (store / JOURNAL_FILE).exists() and not [p for p in store.iterdir() if p.name.endswith(".new")]
    assert loaded_files(store)[-1] == "LUDN_1355_CTAB_x.csv"


def test_saving_a_store_another_process_writes_is_refused(store, monkeypatch):
    monkeypatch.setattr(store_module, "LOCK_WAIT", 0.2)
    data = Store.load(store)
    proc = holder(store)
    try:
        with pytest.raises(InputError, match=rf"the data store {store} is being written by process {proc.pid} on "):
            save(data.units, data.observations, store)
    finally:
        proc.kill()
        proc.wait()


def test_a_store_path_that_is_a_file_is_refused_as_such(tmp_path, files):
    path = write(tmp_path / "store.parquet", "not a folder")
    expected = f"{path} is a file, not a store folder (a store is a folder holding units.parquet"
    for call in (lambda: load_files(path, [files["terc"]]), lambda: load_files(path / "sub", [files["crel"]]),
                 lambda: Store.load(path)):
        with pytest.raises(InputError, match="^" + expected.replace(".", r"\.").replace("(", r"\(")):
            call()
    assert path.read_text() == "not a folder"


def test_data_load_with_a_store_that_is_a_file_says_so(tmp_path, files):
    root = make_project(tmp_path / "project")
    path = write(tmp_path / "store.parquet", "not a folder")
    result = CliRunner().invoke(app, ["data", "load", str(files["crel"]), "--store", str(path), "--root", str(root)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "is a file, not a store folder" in " ".join(result.output.split())
    assert "no units register" not in result.output
