"""The stage packages respect the pipeline order: the import-linter contracts in pyproject.toml hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    exe = Path(sys.executable).with_name("lint-imports")
    assert exe.exists(), f"{exe} not found: install the dev extra (pip install -e '.[dev]')"
    res = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"lint-imports exited with {res.returncode}:\n{res.stdout}\n{res.stderr}"
