"""Incremental rebuilds: an unchanged series is reused whole; a report's digest moves with its own slice of the series
data and not with another unit's; and a report reads nothing outside the slice its digest covers."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from jstbench.core.project import Project
from jstbench.series import folder as sf
from jstbench.series import incremental as inc
from jstbench.series import run as reports


@pytest.fixture
def built_copy(small_project, small_series, tmp_path):
    """A copy of the built test project, so that rebuilding it leaves the shared series as the other tests see it."""
    return shutil.copytree(small_project, tmp_path / "project", symlinks=True)


def test_an_unchanged_series_is_rebuilt_from_what_is_there(built_copy, small_series):
    folder = built_copy / "output" / "tests"
    before = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*.html") if p.name != "index.html"}
    m = reports.run(Project(built_copy), "tests", workers=1, progress=False)
    assert m["data_reused"] is True
    ok = [r for r in m["reports"] if r["status"] == "ok"]
    assert m["reused"] == len(ok) == small_series["ok"] and m["executed"] == small_series["failed"]  # failures run again
    assert all(r["reused"] for r in ok)
    after = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*.html") if p.name != "index.html"}
    assert after == before
    saved = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [r["input_hash"] for r in saved["reports"]] == [r["input_hash"] for r in small_series["reports"]]


def test_forced_rebuild_runs_everything(forced_rebuild, small_series):
    m = forced_rebuild["manifest"]  # the built series of a copy of the project, built again with force (tests/conftest.py)
    assert m["data_reused"] is False and m["reused"] == 0 and m["ok"] == small_series["ok"]
    assert [r["input_hash"] for r in m["reports"]] == [r["input_hash"] for r in small_series["reports"]]  # same inputs


def test_a_reports_digest_follows_its_own_slice_only(small_project, small_series):
    data = small_project / "output" / "tests" / "data"
    meta = sf.SeriesFolder(data).meta
    digests = inc.folder_digests(data)
    typ = {}

    def report(d, library="lib"):
        return inc.report_digest("unit", "3064011", "template", {"unit": "3064011"}, library,
                                 inc.slice_digest("unit", "3064011", d, meta, typ))

    base = report(digests)
    other = [u for u in digests.keyed["values"] if u not in {"3064011"} and not any(u in g["members"] for g in meta["exchange_groups"])][0]
    digests.keyed["values"][other] = "changed"  # another unit's values: not this report's business
    assert report(digests) == base
    digests.keyed["values"]["3064011"] = "changed"  # its own values
    assert report(digests) != base
    digests = inc.folder_digests(data)
    peers = sf.SeriesFolder(data).read("peers").groupby("unit")["peer"].apply(list).to_dict()
    with_peers = inc.slice_digest("unit", "3064011", digests, meta, typ, peers)
    digests.keyed["values"][peers["3064011"][0]] = "changed"  # a similar authority's values: shown as one to learn from
    assert inc.slice_digest("unit", "3064011", digests, meta, typ, peers) != with_peers
    digests = inc.folder_digests(data)
    digests.keyed["group_stats"][meta["national_id"]] = "changed"  # national statistics: every report shows them
    assert report(digests) != base
    digests = inc.folder_digests(data)
    digests.whole["models"] = "changed"  # a series-wide table
    assert report(digests) != base
    assert report(inc.folder_digests(data), library="other") != base


def _run_in_process(template, parameters: dict) -> None:
    """Execute a report template's code cells in this process, parameters injected (what the kernel would do)."""
    nb = nbformat.read(template, as_version=4)
    namespace: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        exec(compile(cell.source, str(template), "exec"), namespace)  # noqa: S102 - our own template
        if "parameters" in cell.metadata.get("tags", []):
            namespace.update(parameters)


@pytest.mark.parametrize(("kind", "key", "template"), [("unit", "3064011", "jst_report.ipynb"),
                                                       ("unit", "1661011", "jst_report.ipynb"),
                                                       ("group", "miasta-oswiata", "group_report.ipynb")])
def test_a_report_reads_only_the_slice_its_digest_covers(small_project, small_series, monkeypatch, kind, key, template):
    data = small_project / "output" / "tests" / "data"
    reads = []
    original = sf.SeriesFolder.read

    def recording(self, name, filters=None):
        reads.append((name, filters))
        return original(self, name, filters)

    monkeypatch.setattr(sf.SeriesFolder, "read", recording)
    params = {"unit": key} if kind == "unit" else {"group": key}
    _run_in_process(small_project / "notebooks" / template, {**params, "year": 2024, "series_dir": str(data)})
    meta = sf.SeriesFolder(data).meta
    member = original(sf.SeriesFolder(data), "membership")
    typ = member[member["group_type"] == "typology"]
    typology = dict(zip(typ["unit"], typ["group"], strict=True))
    peers = original(sf.SeriesFolder(data), "peers").groupby("unit")["peer"].apply(list).to_dict()
    allowed = inc.slice_keys(kind, key, meta, typology, peers)
    assert reads
    for name, filters in reads:
        column = sf.TABLES[name].key
        if column is None:
            continue  # series-wide: in the digest whole
        wanted = [f for f in filters or [] if f[0] == column and f[1] in ("==", "in")]
        assert wanted, f"{name} read without a filter on {column}"
        values = {wanted[0][2]} if wanted[0][1] == "==" else set(wanted[0][2])
        assert values <= set(allowed[column]), f"{name}: {values - set(allowed[column])} outside the slice"
