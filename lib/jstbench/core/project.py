"""Where the project's folders are: catalogue, params, notebooks, methodology, output."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MARKERS = ("params", "methodology/_quarto.yml", "notebooks")


def find_root(start: Path | None = None) -> Path:
    """The project root: $JSTBENCH_ROOT, else the first folder upwards from `start` (cwd) that has
    `params/`, `methodology/_quarto.yml` and `notebooks/`, else the source checkout of this package."""
    env = os.environ.get("JSTBENCH_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if all((folder / m).exists() for m in MARKERS):
            return folder
    checkout = Path(__file__).resolve().parents[3]  # <checkout>/lib/jstbench/core/project.py
    if all((checkout / m).exists() for m in MARKERS):
        return checkout
    raise FileNotFoundError(
        f"no jstbench project found from {here}: run inside the project or set JSTBENCH_ROOT"
    )


@dataclass(frozen=True)
class Project:
    """Paths of one project checkout."""

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> "Project":
        return cls(find_root(start))

    @property
    def catalogue_dir(self) -> Path:
        return self.root / "methodology" / "catalogue"

    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    @property
    def methodology_dir(self) -> Path:
        return self.root / "methodology"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def demo_data_dir(self) -> Path:
        return self.output_dir / "data" / "demo"

    @property
    def real_data_dir(self) -> Path:
        """The default store for real data (`jstbench data load`, `data fetch-bdl`)."""
        return self.output_dir / "data" / "real"

    @property
    def groups_file(self) -> Path:
        return self.params_dir / "groups.yml"

    @property
    def participants_file(self) -> Path:
        return self.params_dir / "participants.yml"

    @property
    def bdl_mapping(self) -> Path:
        return self.params_dir / "bdl_mapping.yml"

    @property
    def budget_columns(self) -> Path:
        return self.params_dir / "budget_columns.yml"

    @property
    def practices_dir(self) -> Path:
        """The good-practice base: one file per practice (`jstbench practices check`)."""
        return self.params_dir / "practices"

    @property
    def competitions_dir(self) -> Path:
        """Competitions: a folder each with its `konkurs.yml` (`jstbench competition score`)."""
        return self.params_dir / "competitions"

    @property
    def forms_dir(self) -> Path:
        return self.output_dir / "forms"

    @property
    def site_dir(self) -> Path:
        return self.output_dir / "site"

    def resolve(self, path: str | Path) -> Path:
        """A path from a params file: relative to the project root."""
        p = Path(path)
        return p if p.is_absolute() else self.root / p
