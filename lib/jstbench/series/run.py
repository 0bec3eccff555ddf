"""`jstbench reports <series>`: compute once, execute every report, write index and manifest.

The whole series folder is built beside `output/<series>/` and swapped in at the end, so readers
never see a half-written series. The manifest records parameters, hashes, git commit, durations and
the status (with the error) of every report.

One build of a series at a time (`series_lock`). SIGTERM and SIGINT stop a build as an error does (`Interrupted`):
the workers and their kernels are stopped, the staging folder is removed, the previous series stays. What a build
killed outright leaves behind (its staging folder) is removed by the next build of the series.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from jstbench.core.atomic import replace_dir, write_text
from jstbench.core.digest import digest, file_digest
from jstbench.core.errors import InputError
from jstbench.core.lock import exclusive
from jstbench.core.project import Project
from jstbench.core.units import UNIT_KINDS, display_name
from jstbench.data.store import data_digest
from jstbench.series import folder as sf
from jstbench.series import incremental as inc
from jstbench.series import strategy
from jstbench.series.build import Checked, check_series, compute, write_data
from jstbench.series.runner import DiskFull, Job, Result, execute, result_record


def git_commit(root: Path) -> str | None:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return sha.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def plan(checked: Checked, project: Project, data_dir: Path | None = None) -> list[Job]:
    """One job per group and one per member authority (and per extra unit); with the built data (`data_dir`), one
    per authority and survey wave and one per authority with a strategy."""
    spec, jobs = checked.spec, []
    data = "../data"  # relative to the series' notebooks/ folder, where kernels run
    if spec.templates.group:
        tpl = str(project.resolve(spec.templates.group))
        for gid in checked.group_ids:
            g = checked.groups.exchange(gid)
            jobs.append(Job("group", gid, f"Grupa: {g.name}", tpl,
                            {"group": gid, "year": spec.year, "series_dir": data},
                            f"grupy/{gid}.html", f"notebooks/grupa-{gid}.ipynb"))
    if spec.templates.quality:
        jobs.append(Job("quality", checked.name, f"Jakość danych: {spec.title}", str(project.resolve(spec.templates.quality)),
                        {"series_dir": data, "year": spec.year},
                        "jakosc-danych.html", "notebooks/jakosc-danych.ipynb"))
    if spec.templates.unit:
        tpl = str(project.resolve(spec.templates.unit))
        units = checked.store.units
        for code in checked.unit_codes:
            name = units.loc[code, "name"]
            jobs.append(Job("unit", code, f"{name} ({UNIT_KINDS[units.loc[code, 'kind']]})", tpl,
                            {"unit": code, "year": spec.year, "series_dir": data},
                            f"jst/{code}.html", f"notebooks/jst-{code}.ipynb"))
    if data_dir is not None:
        jobs += voice_jobs(checked, project, data_dir)
    return jobs


def voice_jobs(checked: Checked, project: Project, data_dir: Path) -> list[Job]:
    """Survey reports (authority × wave), strategy reports (authority) and CAF self-assessment reports (authority ×
    assessment) of the built series data."""
    spec, jobs, data = checked.spec, [], "../data"
    names = checked.store.units["name"]
    if spec.surveys is not None and spec.templates.survey:
        tpl = str(project.resolve(spec.templates.survey))
        waves = sf.SeriesFolder(data_dir).read("survey_waves")
        for code, wave in waves[["unit", "wave"]].itertuples(index=False):
            jobs.append(Job("survey", f"{code}-{wave}", f"Badanie opinii mieszkańców {wave}: {names.get(code, code)}", tpl,
                            {"unit": code, "wave": int(wave), "year": spec.year, "series_dir": data},
                            f"ankiety/{code}-{wave}.html", f"notebooks/ankieta-{code}-{wave}.ipynb"))
    if "strategies" in checked.inputs and spec.templates.strategy:
        tpl = str(project.resolve(spec.templates.strategy))
        for code in sorted(strategy.codes(data_dir)):
            jobs.append(Job("strategy", code, f"Strategia: {names.get(code, code)}", tpl,
                            {"unit": code, "year": spec.year, "series_dir": data},
                            f"strategie/{code}.html", f"notebooks/strategia-{code}.ipynb",
                            (f"strategie/{code}-zalacznik.xlsx", f"strategie/{code}-zalacznik.html")))
    if checked.caf is not None and spec.templates.caf:
        tpl = str(project.resolve(spec.templates.caf))
        for code, assessment in checked.caf[1].keys:
            jobs.append(Job("caf", f"{code}-{assessment}", f"Samoocena CAF {assessment}: {names.get(code, code)}", tpl,
                            {"unit": code, "assessment": assessment, "year": spec.year, "series_dir": data},
                            f"caf/{code}-{assessment}.html", f"notebooks/caf-{code}-{assessment}.ipynb"))
    return jobs


REST = "JST spoza grup wymiany doświadczeń"
INDEX = """<!doctype html>
<html lang="pl"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
.failed{color:#a00}.banner{background:#fff3cd;color:#856404;padding:.6em 1em;border-radius:4px;font-weight:600}
td,th{padding:2px 8px;text-align:left}caption{text-align:left;color:#444}small{color:#666}</style></head><body>
<h1>{{ title }}</h1>
{% if synthetic %}<p class="banner">DANE SYNTETYCZNE: raporty tej serii pokazują wartości demonstracyjne, nie dane rzeczywistych JST.</p>{% endif %}
<p>Rok: {{ year }}. Raportów: {{ ok }} gotowych{% if failed %}, <span class="failed">{{ failed }} nieudanych</span>{% endif %}.
Metodologia: <a href="../site/index.html">strona metodologii</a>. Manifest: <a href="manifest.json">manifest.json</a>.
{% if quality %}<a href="{{ quality }}">Raport jakości danych</a>.{% endif %}</p>
{% for g in groups %}<h2>{{ g.name }}</h2>
<p>{% if g.report %}<a href="{{ g.report.html }}">Raport grupy „{{ g.name }}”</a>
{%- elif g.name != rest %}<span class="failed">raport grupy nieudany</span>{% endif %}</p>
<table><caption>{{ g.name }}: raporty członków</caption><thead><tr><th scope="col">JST (raport)</th><th scope="col">TERYT</th></tr></thead><tbody>
{% for m in g.members %}<tr><td>{% if m.status == 'ok' %}<a href="{{ m.html }}">{{ m.name }}</a>
{%- else %}{{ m.name }} — <span class="failed">błąd: {{ m.error }}</span>{% endif %}</td><td>{{ m.code }}</td></tr>
{% endfor %}</tbody></table>{% endfor %}
{% if surveys %}<h2>Badania opinii mieszkańców</h2>
<table><caption>Raporty z badań opinii: JST i fala badania (wyniki ważone, ukryte przy zbyt małej liczbie odpowiedzi)</caption>
<thead><tr><th scope="col">JST</th><th scope="col">TERYT</th><th scope="col">Fala (raport)</th></tr></thead><tbody>
{% for s in surveys %}<tr><td>{{ s.name }}</td><td>{{ s.code }}</td><td><a href="{{ s.html }}">{{ s.wave }}</a></td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if strategies %}<h2>Strategie rozwoju</h2>
<table><caption>Realizacja strategii rozwoju: raport i załącznik do raportu o stanie JST</caption>
<thead><tr><th scope="col">JST (raport)</th><th scope="col">TERYT</th><th scope="col">Załącznik</th></tr></thead><tbody>
{% for s in strategies %}<tr><td><a href="{{ s.html }}">{{ s.name }}</a></td><td>{{ s.code }}</td>
<td><a href="{{ s.annex }}.xlsx">XLSX</a> · <a href="{{ s.annex }}.html">HTML</a></td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if cafs %}<h2>Samoocena CAF</h2>
<table><caption>Raporty samooceny urzędów według modelu CAF: JST i runda samooceny</caption>
<thead><tr><th scope="col">JST</th><th scope="col">TERYT</th><th scope="col">Samoocena (raport)</th></tr></thead><tbody>
{% for s in cafs %}<tr><td>{{ s.name }}</td><td>{{ s.code }}</td><td><a href="{{ s.html }}">{{ s.assessment }}</a></td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if practices %}<p>Dobre praktyki, do których odsyłają raporty: <a href="../site/praktyki/index.html">baza dobrych praktyk</a>
({{ practices }}).</p>{% endif %}
{% if failures %}<h2 class="failed">Nieudane raporty</h2><ul>{% for f in failures %}<li>{{ f.label }}: {{ f.error }}</li>{% endfor %}</ul>{% endif %}
<p><small>Wygenerowano {{ created }} · katalog {{ catalogue }} · dane {{ data }} · commit {{ commit }}</small></p>
</body></html>"""


def index_html(checked: Checked, results: list[Result], manifest: dict) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    by_key = {(r.job.kind, r.job.key): r for r in results}
    groups: list[dict[str, Any]] = []
    for gid in checked.group_ids:
        g = checked.groups.exchange(gid)
        gr = by_key.get(("group", gid))
        members = []
        for code in g.members:
            r = by_key.get(("unit", code))
            unit = checked.store.units.loc[code]
            members.append({"code": code, "name": display_name(unit["name"], unit["kind"]),
                            "status": r.status if r else "skipped", "html": r.job.html if r else "",
                            "error": r.error if r else "brak raportu"})
        groups.append({"name": g.name, "members": members,
                       "report": {"html": gr.job.html} if gr and gr.status == "ok" else None})
    grouped = {m["code"] for g in groups for m in g["members"]}
    rest = [{"code": r.job.key, "name": display_name(checked.store.units.loc[r.job.key, "name"],
                                                            checked.store.units.loc[r.job.key, "kind"]), "status": r.status, "html": r.job.html,
             "error": r.error} for r in results if r.job.kind == "unit" and r.job.key not in grouped]
    if rest:
        groups.append({"name": REST, "members": rest, "report": None})
    failures = [{"label": r.job.label, "error": r.error} for r in results if r.status != "ok"]
    quality = next((r.job.html for r in results if r.job.kind == "quality" and r.status == "ok"), None)
    names = checked.store.units["name"]
    surveys = [{"name": names.get(r.job.parameters["unit"], r.job.parameters["unit"]), "code": r.job.parameters["unit"],
                "wave": r.job.parameters["wave"], "html": r.job.html} for r in results if r.job.kind == "survey" and r.status == "ok"]
    strategies = [{"name": names.get(r.job.key, r.job.key), "code": r.job.key, "html": r.job.html,
                   "annex": r.job.html.removesuffix(".html") + "-zalacznik"} for r in results
                  if r.job.kind == "strategy" and r.status == "ok"]
    cafs = [{"name": names.get(r.job.parameters["unit"], r.job.parameters["unit"]), "code": r.job.parameters["unit"],
             "assessment": r.job.parameters["assessment"], "html": r.job.html}
            for r in results if r.job.kind == "caf" and r.status == "ok"]
    return env.from_string(INDEX).render(
        surveys=surveys, strategies=strategies, cafs=cafs, practices=len(checked.practices),
        title=checked.spec.title, synthetic=checked.store.synthetic, year=checked.spec.year, groups=groups,
        ok=sum(r.status == "ok" for r in results), failed=len(failures), failures=failures,
        created=manifest["created"], catalogue=manifest["catalogue_digest"], data=manifest["data_digest"],
        commit=manifest["git_commit"] or "–", quality=quality, rest=REST)


@contextmanager
def series_lock(output_dir: Path, series: str) -> Iterator[None]:
    """One build of a series at a time (`core.lock.exclusive` on `output/.<series>.lock`): a second one is refused,
    naming the first; the lock of a build that died is released by the system. Holding it, the leftovers of builds
    that died are cleaned up (`clean_leftovers`)."""
    with exclusive(output_dir, f"series {series!r}", name=f".{series}.lock"):
        clean_leftovers(output_dir, series)
        yield


def clean_leftovers(output_dir: Path, series: str) -> None:
    """Remove the `.<series>.*` folders of builds that died (only the holder of the series lock makes them): staging
    folders and the previous series being swapped out. A build killed between the two renames of the swap
    (`replace_dir`) left no `<series>/` but its previous version in `.<series>.old`: that is put back first."""
    target, old = output_dir / series, output_dir / f".{series}.old"
    if old.is_dir() and not target.exists():
        os.replace(old, target)
    for stale in output_dir.glob(f".{series}.*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)


class Interrupted(InputError):
    """The build was stopped by a signal (`signum`: SIGTERM or SIGINT)."""

    def __init__(self, problem: str, file: Path, signum: int):
        super().__init__(problem, file)
        self.signum = signum


class Signals:
    """SIGTERM and SIGINT during a build raise `Interrupted` where the build is, so that it unwinds as from an error:
    the workers and their kernels are stopped (`runner.execute`), the staging folder removed (`replace_dir`). Once the
    new series is complete (`held`), a signal waits for its swap into place. After the first signal, others are
    ignored while the build unwinds."""

    def __init__(self, target: Path):
        self.target, self.held, self.caught = target, False, 0

    def __call__(self, signum: int, _frame: object) -> None:
        if self.caught:
            return
        self.caught = signum
        if not self.held:
            raise self.error("the build stopped; the previous series is unchanged")

    def error(self, what: str) -> Interrupted:
        return Interrupted(f"stopped by {signal.Signals(self.caught).name}: {what}", self.target, self.caught)

    @contextmanager
    def handled(self) -> Iterator[None]:
        """Handle the signals while the block runs (from the main thread only, where Python runs signal handlers)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        before = {s: signal.signal(s, self) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for s, handler in before.items():
                signal.signal(s, handler)
        if self.caught:
            raise self.error("the new series was complete and is in place")


def series_digest(checked: Checked, project: Project, library: str) -> str:
    """Everything the computed series data depend on."""
    spec = checked.spec
    voice = [file_digest(p) for folder in checked.inputs.values() for p in sorted(folder.rglob("*")) if p.is_file()]
    return digest(file_digest(checked.path), file_digest(project.resolve(spec.groups_file)),
                      checked.catalogue.digest, file_digest(project.catalogue_dir / "deflators.yml"),
                      data_digest(project.resolve(spec.data)), library, *voice)


def _previous(folder: Path) -> dict:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _reuse_data(previous: dict, old: Path, staging: Path, digest: str) -> bool:
    """Link the previous series data into `staging` when it was computed from the same inputs."""
    if previous.get("inputs_digest") != digest or previous.get("series_contract") != sf.CONTRACT_VERSION:
        return False
    names = sf.files()
    if not all((old / "data" / n).exists() for n in names):
        return False
    for n in names:
        inc.link_or_copy(old / "data" / n, staging / "data" / n)
    return True


def _slice_digests(jobs: list[Job], data: Path, previous: dict) -> list[str]:
    """Each job's `incremental.slice_digest`: from the previous manifest when the data are the previous build's (the
    same inputs, reused), else from the series folder."""
    known = {(r["kind"], r["key"]): r.get("data_hash") for r in previous.get("reports", [])}
    if all(known.get((j.kind, j.key)) for j in jobs):
        return [known[(j.kind, j.key)] for j in jobs]
    folder = sf.SeriesFolder(data)
    member = folder.read("membership")
    typ = member[member["group_type"] == "typology"]
    typology = dict(zip(typ["unit"], typ["group"], strict=True))
    peers = folder.read("peers").groupby("unit")["peer"].apply(list).to_dict()
    digests = inc.folder_digests(data)
    return [inc.slice_digest(j.kind, j.key, digests, folder.meta, typology, peers)
            if j.kind != "strategy" else digest(inc.slice_digest(j.kind, j.key, digests, folder.meta, typology, peers),
                                                *(file_digest(p) for p in strategy.paths(data, j.key)))
            for j in jobs]


def run(project: Project, series: str, workers: int | None = None, engine: str = "warm",
        progress: bool = True, checked: Checked | None = None, executor: str = "local", scheduler: str | None = None,
        force: bool = False) -> dict:
    """Build `output/<series>/` and return its manifest. Series data and reports whose inputs are unchanged since the
    previous build are reused (`jstbench.series.incremental`), unless `force`."""
    checked = checked or check_series(project, series)
    t0 = time.perf_counter()
    manifest: dict = {}
    target = project.output_dir / series

    def build(staging: Path) -> None:
        library = inc.library_digest()
        inputs = series_digest(checked, project, library)
        previous = {} if force else _previous(target)
        data_reused = _reuse_data(previous, target, staging, inputs)
        if not data_reused:
            write_data(checked, compute(checked), staging / "data")
        if "strategies" in checked.inputs:
            strategy.write_all(checked.inputs["strategies"], checked.catalogue, staging / "data")
        jobs = plan(checked, project, staging / "data")
        data = _slice_digests(jobs, staging / "data", previous if data_reused else {})
        templates = {t: file_digest(Path(t)) for t in {j.template for j in jobs}}
        hashes = [inc.report_digest(j.kind, j.key, templates[j.template], j.parameters, library, d) for j, d in zip(jobs, data, strict=True)]
        before = {(r["kind"], r["key"]): r for r in previous.get("reports", []) if r.get("status") == "ok"}
        reused, todo = {}, []
        for i, (job, h) in enumerate(zip(jobs, hashes, strict=True)):
            old = before.get((job.kind, job.key))
            outputs = (job.html, job.notebook, *job.extra)
            if old and old.get("input_hash") == h and all((target / rel).exists() for rel in outputs):
                for rel in outputs:
                    inc.link_or_copy(target / rel, staging / rel)
                reused[i] = Result(job, "ok", None, 0.0, attempts=0)
            else:
                todo.append(i)
        runner, kwargs = execute, {}
        if executor == "dask":
            from jstbench.series.dask_executor import execute_dask

            runner, kwargs = execute_dask, {"scheduler": scheduler}
        try:
            done = runner([jobs[i] for i in todo], staging, workers or checked.spec.workers, engine, checked.spec.timeout_s,
                          progress, **kwargs)
        except DiskFull as exc:
            raise InputError(f"{exc.strerror}: the build stopped; the previous series in {target} is unchanged. Free "
                             "some space and run again", staging) from None
        results = [reused.get(i) for i in range(len(jobs))]
        for i, res in zip(todo, done, strict=True):
            results[i] = res
        manifest.update({
            "series": series, "title": checked.spec.title, "year": checked.spec.year,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "git_commit": git_commit(project.root), "catalogue_digest": checked.catalogue.digest,
            "data_digest": data_digest(project.resolve(checked.spec.data)), "inputs_digest": inputs,
            "library_digest": library, "engine": engine, "executor": executor,
            "workers": workers or checked.spec.workers, "synthetic": checked.store.synthetic, "series_contract": sf.CONTRACT_VERSION,
            "data_reused": data_reused, "reused": len(reused), "executed": len(todo),
            "reports": [dict(result_record(r), input_hash=h, data_hash=d, reused=i in reused)
                        for i, (r, h, d) in enumerate(zip(results, hashes, data, strict=True)) if r is not None],
        })
        manifest["duration_s"] = round(time.perf_counter() - t0, 2)
        manifest["ok"] = sum(r["status"] == "ok" for r in manifest["reports"])
        manifest["failed"] = len(manifest["reports"]) - manifest["ok"]
        write_text(staging / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        write_text(staging / "index.html", index_html(checked, [r for r in results if r is not None], manifest))
        signals.held = True

    signals = Signals(target)
    with signals.handled(), series_lock(project.output_dir, series):
        try:
            replace_dir(target, build)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            raise InputError(f"no space left on the device while writing {exc.filename or 'the series'}: the build "
                             f"stopped; the previous series in {target} is unchanged. Free some space and run again",
                             target) from None
    return manifest
