"""Project paths: the root is found from the working folder, the environment, or the package's own checkout."""

from pathlib import Path

from jstbench.core.project import Project, find_root

from ...conftest import ROOT


def test_root_found_upwards_from_a_subfolder():
    assert find_root(ROOT / "lib" / "jstbench") == ROOT


def test_root_falls_back_to_the_checkout_of_the_package(tmp_path, monkeypatch):
    monkeypatch.delenv("JSTBENCH_ROOT", raising=False)
    assert find_root(tmp_path) == ROOT


def test_environment_variable_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("JSTBENCH_ROOT", str(tmp_path))
    assert find_root(ROOT) == tmp_path.resolve()


def test_default_paths_of_the_command_line_come_from_the_project():
    p = Project(Path("/x"))
    assert p.real_data_dir == Path("/x/output/data/real") and p.bdl_mapping == Path("/x/params/bdl_mapping.yml")
    assert p.forms_dir == Path("/x/output/forms") and p.groups_file == Path("/x/params/groups.yml")
    assert p.resolve("params/a.yml") == Path("/x/params/a.yml") and p.resolve("/abs") == Path("/abs")
