"""`jstbench reports <series>`: compute once, execute every report, write index and manifest.

The whole series folder is built beside `output/<series>/` and swapped in at the end, so readers
never see a half-written series. The manifest records parameters, hashes, git commit, durations and
the status (with the error) of every report.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from pathlib import Path

from jinja2 import Environment, select_autoescape

from jstbench.core.atomic import replace_dir, write_text
from jstbench.core.project import Project
from jstbench.core.units import UNIT_KINDS
from jstbench.data.store import data_digest
from jstbench.series import folder as sf
from jstbench.series.build import Checked, check_series, compute, write_data
from jstbench.series.runner import Job, Result, execute, result_record


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


def plan(checked: Checked, project: Project) -> list[Job]:
    """One job per group and one per member authority (and per extra unit)."""
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
    return jobs


INDEX = """<!doctype html>
<html lang="pl"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
.failed{color:#a00}.banner{background:#fff3cd;color:#856404;padding:.6em 1em;border-radius:4px;font-weight:600}
td,th{padding:2px 8px;text-align:left}small{color:#666}</style></head><body>
<h1>{{ title }}</h1>
{% if synthetic %}<p class="banner">DANE SYNTETYCZNE: raporty tej serii pokazują wartości demonstracyjne, nie dane rzeczywistych JST.</p>{% endif %}
<p>Rok: {{ year }}. Raportów: {{ ok }} gotowych{% if failed %}, <span class="failed">{{ failed }} nieudanych</span>{% endif %}.
Metodologia: <a href="../site/index.html">strona metodologii</a>. Manifest: <a href="manifest.json">manifest.json</a>.
{% if quality %}<a href="{{ quality }}">Raport jakości danych</a>.{% endif %}</p>
{% for g in groups %}<h2>{{ g.name }}</h2>
<p>{% if g.report %}<a href="{{ g.report.html }}">Raport grupy</a>{% else %}<span class="failed">raport grupy nieudany</span>{% endif %}</p>
<table><tr><th>TERYT</th><th>JST</th><th>Raport</th></tr>
{% for m in g.members %}<tr><td>{{ m.code }}</td><td>{{ m.name }}</td><td>
{% if m.status == 'ok' %}<a href="{{ m.html }}">otwórz</a>{% else %}<span class="failed">błąd: {{ m.error }}</span>{% endif %}</td></tr>
{% endfor %}</table>{% endfor %}
{% if failures %}<h2 class="failed">Nieudane raporty</h2><ul>{% for f in failures %}<li>{{ f.label }}: {{ f.error }}</li>{% endfor %}</ul>{% endif %}
<p><small>Wygenerowano {{ created }} · katalog {{ catalogue }} · dane {{ data }} · commit {{ commit }}</small></p>
</body></html>"""


def index_html(checked: Checked, results: list[Result], manifest: dict) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    by_key = {(r.job.kind, r.job.key): r for r in results}
    groups = []
    for gid in checked.group_ids:
        g = checked.groups.exchange(gid)
        gr = by_key.get(("group", gid))
        members = []
        for code in g.members:
            r = by_key.get(("unit", code))
            members.append({"code": code, "name": checked.store.units.loc[code, "name"],
                            "status": r.status if r else "skipped", "html": r.job.html if r else "",
                            "error": r.error if r else "brak raportu"})
        groups.append({"name": g.name, "members": members,
                       "report": {"html": gr.job.html} if gr and gr.status == "ok" else None})
    failures = [{"label": r.job.label, "error": r.error} for r in results if r.status != "ok"]
    quality = next((r.job.html for r in results if r.job.kind == "quality" and r.status == "ok"), None)
    return env.from_string(INDEX).render(
        title=checked.spec.title, synthetic=checked.store.synthetic, year=checked.spec.year, groups=groups,
        ok=sum(r.status == "ok" for r in results), failed=len(failures), failures=failures,
        created=manifest["created"], catalogue=manifest["catalogue_digest"], data=manifest["data_digest"],
        commit=manifest["git_commit"] or "–", quality=quality)


def run(project: Project, series: str, workers: int | None = None, engine: str = "warm",
        progress: bool = True, checked: Checked | None = None) -> dict:
    """Build `output/<series>/` and return its manifest."""
    checked = checked or check_series(project, series)
    t0 = time.perf_counter()
    manifest: dict = {}

    def build(staging: Path) -> None:
        tables = compute(checked)
        write_data(checked, tables, staging / "data")
        jobs = plan(checked, project)
        results = execute(jobs, staging, workers or checked.spec.workers, engine, checked.spec.timeout_s, progress)
        manifest.update({
            "series": series, "title": checked.spec.title, "year": checked.spec.year,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "git_commit": git_commit(project.root), "catalogue_digest": checked.catalogue.digest,
            "data_digest": data_digest(project.resolve(checked.spec.data)), "engine": engine,
            "workers": workers or checked.spec.workers, "synthetic": checked.store.synthetic, "series_contract": sf.CONTRACT_VERSION,
            "reports": [result_record(r) for r in results],
        })
        manifest["duration_s"] = round(time.perf_counter() - t0, 2)
        manifest["ok"] = sum(r.status == "ok" for r in results)
        manifest["failed"] = len(results) - manifest["ok"]
        write_text(staging / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        write_text(staging / "index.html", index_html(checked, results, manifest))

    replace_dir(project.output_dir / series, build)
    return manifest
