"""Fetch GUS BDL data through the BDL API with pyBDL, for every BDL variable id the catalogue needs, and load it.

- What to fetch comes from the catalogue: each `bdl` source with its `bdl_id`s, the levels it names (BDL unit level 6
  = gminas, 5 = powiats) and the years it is valid in; years are asked for in chunks (`YEARS_PER_REQUEST`).
- pyBDL does the requests: its rate limiter at the API's published quotas (anonymous, or registered when the
  environment variable BDL_API_KEY holds a key — pyBDL's own configuration) and its file cache (a SQLite HTTP cache
  beside the quota bookkeeping in the cache folder). The API answers in pages of at most 100 units; every page is
  asked for (`page`, `page-size`) until `totalRecords` are in.
- Each (variable id, level, years chunk) response is saved atomically as JSON in the cache folder. A rerun reuses
  the saved ones, so an interrupted fetch resumes where it stopped and ends with the same files; pages of a response
  cut off half-way come from the HTTP cache. The saved files are what gets loaded (`--format api-json`), so a
  load is reproducible and works offline afterwards.
- The API key is added to a request below the HTTP cache, so it is never written to the cache; it is never logged.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jstbench.catalogue.sources import LEVELS, Level
from jstbench.core.atomic import write_text
from jstbench.core.errors import InputError
from jstbench.core.yamlio import read_json
from jstbench.data.bdl import Mapping, MappingRule

if TYPE_CHECKING:
    from jstbench.catalogue.model import Catalogue

UNIT_LEVEL: dict[Level, int] = {"gmina": 6, "powiat": 5}  # BDL API `unit-level`
PAGE_SIZE = 100  # the API's largest page (units per page; each unit carries all the years asked for)
YEARS_PER_REQUEST = 10  # years asked for in one request (a precaution: one request per decade of a source's validity)
UNITS_AT_LEVEL: dict[Level, int] = {"gmina": 3918, "powiat": 380}
"""Units the API returns at a level, for estimates: level 6 holds gminas with the town and rural parts of
urban-rural gminas and the districts/delegations of big cities (3,918 measured for 72305, SOURCES.md (c); 3,798 in
TERC 2020-01-01), level 5 the 314 land powiats and 66 cities with powiat rights."""
API_KEY_ENV = "BDL_API_KEY"  # read by pyBDL's BDLConfig
HTTP_CACHE_TTL = 7 * 24 * 3600  # seconds a cached page is reused: long enough to resume, short enough to refresh
MAPPING_FILE = "catalogue_mapping.yml"


# ---- what to fetch ----------------------------------------------------------------------------------------------

def parse_levels(text: str) -> list[Level]:
    """`gmina,powiat` -> the levels in the order of LEVELS."""
    given = [p.strip() for p in str(text).split(",") if p.strip()]
    unknown = [p for p in given if p not in LEVELS]
    if unknown or not given:
        raise InputError(f"unknown level(s) {', '.join(unknown) or '(none)'}: gmina, powiat or both", where="--levels")
    return [lv for lv in LEVELS if lv in given]


@dataclass(frozen=True)
class Task:
    """One response to fetch: a BDL variable at one level for a chunk of years (all its pages)."""

    bdl_id: str
    level: Level
    years: tuple[int, ...]

    @property
    def unit_level(self) -> int:
        return UNIT_LEVEL[self.level]

    @property
    def file_name(self) -> str:
        """`API_72305_level6_2015-2024.json`: the table code the mapping rules use, the level and the years."""
        ys = self.years
        contiguous = len(ys) > 1 and ys[-1] - ys[0] == len(ys) - 1
        label = f"{ys[0]}-{ys[-1]}" if contiguous else "-".join(map(str, ys))
        return f"API_{self.bdl_id}_level{self.unit_level}_{label}.json"

    def describe(self) -> str:
        return f"BDL variable {self.bdl_id}, {self.level} level ({self.unit_level}), years {self.years[0]}–{self.years[-1]}"


@dataclass
class Plan:
    """The responses to fetch, and what the catalogue asks for that they do not cover."""

    tasks: list[Task]
    years: list[int]
    users: dict[str, list[str]] = field(default_factory=dict)  # BDL id -> catalogue variables naming it
    summed: dict[str, list[str]] = field(default_factory=dict)  # variable -> ids it sums (loaded as their sum)
    without_id: list[str] = field(default_factory=list)  # variables whose BDL source names no id yet

    def notes(self) -> list[str]:
        out = [f"{v}: the sum of BDL variables {' + '.join(ids)} (a unit-year missing a part stays missing)"
               for v, ids in self.summed.items()]
        out += [f"BDL variable {i} is named by {', '.join(vs)}: loaded into {vs[0]} only" for i, vs in self.users.items()
                if len(vs) > 1 and not all(v in self.summed for v in vs)]
        if self.without_id:
            out.append(f"{len(self.without_id)} variable(s) with a BDL source that names no id yet, not fetched: "
                       f"{', '.join(self.without_id)}")
        return out


def _chunks(years: list[int], size: int) -> list[tuple[int, ...]]:
    """Runs of consecutive years, cut every `size` years."""
    out: list[list[int]] = []
    for y in sorted(years):
        if out and y == out[-1][-1] + 1 and len(out[-1]) < size:
            out[-1].append(y)
        else:
            out.append([y])
    return [tuple(c) for c in out]


def plan_requests(catalogue: Catalogue, years: Iterable[int], levels: Iterable[Level] = LEVELS,
                  variables: Iterable[str] | None = None, years_per_request: int = YEARS_PER_REQUEST) -> Plan:
    """The (BDL id, level, years chunk) responses the catalogue's BDL sources need for `years` at `levels`: each
    source contributes its ids, at the levels it names, for the requested years it is valid in (and not before the
    variable's first year). Ids shared by sources are asked for once."""
    years = sorted(set(years))
    chosen = [lv for lv in LEVELS if lv in set(levels)]
    names = list(catalogue.variables) if variables is None else list(dict.fromkeys(variables))
    unknown = [n for n in names if n not in catalogue.variables]
    if unknown:
        raise InputError(f"unknown catalogue variable(s): {', '.join(unknown)}", where="--variables")
    wanted: dict[tuple[str, Level], set[int]] = {}
    plan = Plan([], years)
    for name in names:
        var = catalogue.variables[name]
        for src in (s for s in var.sources if s.type == "bdl"):
            valid = [y for y in years if src.valid_in(y) and (var.first_year is None or y >= var.first_year)]
            if not valid:
                continue
            if not src.bdl_id:
                if name not in plan.without_id:
                    plan.without_id.append(name)
                continue
            if len(src.bdl_id) > 1:
                plan.summed.setdefault(name, list(src.bdl_id))
            for bdl_id in src.bdl_id:
                users = plan.users.setdefault(bdl_id, [])
                if name not in users:
                    users.append(name)
                for lv in (lv for lv in chosen if lv in src.level):
                    wanted.setdefault((bdl_id, lv), set()).update(valid)
    order = {lv: i for i, lv in enumerate(LEVELS)}
    for (bdl_id, level), ys in sorted(wanted.items(), key=lambda kv: (int(kv[0][0]), order[kv[0][1]])):
        plan.tasks += [Task(bdl_id, level, chunk) for chunk in _chunks(sorted(ys), years_per_request)]
    return plan


def catalogue_rules(catalogue: Catalogue) -> list[MappingRule]:
    """Mapping rules `API_<id>` -> catalogue variable for every BDL source naming one id, at the levels its sources
    name; a source summing several ids gives one `part` rule per id, summed on load."""
    levels: dict[tuple[str, str, bool], set[Level]] = {}
    for var in catalogue.variables.values():
        for src in var.sources:
            for bdl_id in (src.bdl_id or []) if src.type == "bdl" else []:
                levels.setdefault((bdl_id, var.name, len(src.bdl_id or []) > 1), set()).update(src.level)
    return [MappingRule(table=f"API_{bdl_id}", variable=name, part=part, level=tuple(lv for lv in LEVELS if lv in lvs))
            for (bdl_id, name, part), lvs in levels.items()]


def write_mapping(rules: list[MappingRule], path: Path) -> Path:
    """The rules as a mapping file `data load --mapping` reads (kept beside the responses: the load can be redone)."""
    import yaml

    Mapping(rules=rules)  # validated as load_mapping will
    doc = {"rules": [r.model_dump(mode="json", exclude_defaults=True) for r in rules]}
    head = "# Generated by `jstbench data fetch` from the catalogue's BDL sources (variables.yml); rerun it, do not edit.\n"
    write_text(path, head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    return path


# ---- how long it takes ------------------------------------------------------------------------------------------

def published_quotas() -> dict[int, tuple[int, int]]:
    """Requests allowed per period in seconds, (anonymous, registered): pyBDL's DEFAULT_QUOTAS, which its
    documentation takes from GUS's BDL API documentation (1 s, 15 min, 12 h, 7 days)."""
    from pybdl.config import DEFAULT_QUOTAS

    return {int(p): (v, v) if isinstance(v, int) else (int(v[0]), int(v[1])) for p, v in DEFAULT_QUOTAS.items()}


def time_at_limits(requests: int, limits: dict[int, int]) -> float:
    """Seconds until the last of `requests` may start when each period (seconds) allows `limit` requests in any
    sliding window, as pyBDL's limiter schedules them (response times not counted)."""
    times: list[float] = []
    t = 0.0
    for _ in range(requests):
        for period, limit in limits.items():
            if len(times) >= limit:
                t = max(t, times[-limit] + period)
        times.append(t)
    return t


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _per(limits: dict[int, int]) -> str:
    names = {1: "s", 900: "15 min", 43200: "12 h", 604800: "7 days"}
    return ", ".join(f"{n:,}/{names.get(p, f'{p} s')}" for p, n in sorted(limits.items()))


@dataclass(frozen=True)
class PlanSummary:
    ids: int
    variables: int
    responses: int
    requests: int
    pages: dict[Level, int]  # level -> pages of one response
    anonymous: dict[int, int]
    registered: dict[int, int]
    anonymous_s: float
    registered_s: float

    def text(self) -> str:
        pages = "; ".join(f"{lv}: {UNITS_AT_LEVEL[lv]:,} units = {n} pages" for lv, n in self.pages.items())
        return (f"{self.ids} BDL variable id(s) for {self.variables} catalogue variable(s): {self.responses} response(s) "
                f"(id × level × years chunk of up to {YEARS_PER_REQUEST}), about {self.requests:,} requests of "
                f"{PAGE_SIZE} units ({pages}).\n"
                f"At the API's published limits: anonymous ({_per(self.anonymous)}) about "
                f"{_duration(self.anonymous_s)}; registered with a key in {API_KEY_ENV} ({_per(self.registered)}) "
                f"about {_duration(self.registered_s)} (response times not counted).")


def pages_of(task: Task, page_size: int | None = None) -> int:
    """Pages the API is expected to need for a response (before its first page says `totalRecords`)."""
    return max(1, math.ceil(UNITS_AT_LEVEL[task.level] / (page_size or PAGE_SIZE)))


def plan_summary(plan: Plan, tasks: list[Task] | None = None) -> PlanSummary:
    """Requests of the plan (or of `tasks`, e.g. those not saved yet) and the time they take at the published
    anonymous and registered limits."""
    tasks = plan.tasks if tasks is None else tasks
    quotas = published_quotas()
    anonymous = {p: a for p, (a, _) in quotas.items()}
    registered = {p: r for p, (_, r) in quotas.items()}
    requests = sum(pages_of(t) for t in tasks)
    ids = {t.bdl_id for t in tasks}
    variables = {v for i in ids for v in plan.users.get(i, [])}
    pages = {lv: pages_of(Task("0", lv, (0,))) for lv in LEVELS if any(t.level == lv for t in tasks)}
    return PlanSummary(len(ids), len(variables), len(tasks), requests, pages, anonymous, registered,
                       time_at_limits(requests, anonymous), time_at_limits(requests, registered))


# ---- fetching ---------------------------------------------------------------------------------------------------

def _cache_safe_session(data_api: Any, cache_dir: Path, transport: Any = None) -> Any:
    """An httpx client for pyBDL's data API: pyBDL's headers and HTTP cache file, with two changes to pyBDL 1.1's
    default (hishel FilterPolicy without filters): only 200 responses are cached, for HTTP_CACHE_TTL (the default
    keeps a 429 or 500 forever and serves it to every retry), and the API key (X-ClientId) is added below the cache,
    so that it is never stored in it. `transport` replaces the network (tests)."""
    import httpx
    from hishel import BaseFilter, FilterPolicy, Response, SyncSqliteStorage
    from hishel.httpx import SyncCacheTransport

    class OnlyOk(BaseFilter[Response]):
        def needs_body(self) -> bool:
            return False

        def apply(self, item: Response, body: bytes | None) -> bool:
            return item.status_code == 200

    class WithClientId(httpx.BaseTransport):
        def __init__(self, inner: httpx.BaseTransport, key: str):
            self.inner, self.key = inner, key

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            request.headers["X-ClientId"] = self.key
            return self.inner.handle_request(request)

        def close(self) -> None:
            self.inner.close()

    key = data_api.config.api_key
    old = data_api.session
    headers = {k: v for k, v in old.headers.items() if k.lower() != "x-clientid"}
    network = transport if transport is not None else httpx.HTTPTransport(proxy=getattr(data_api, "_proxy_url", None))
    if key:
        network = WithClientId(network, key)
    storage = SyncSqliteStorage(database_path=str(cache_dir / "http_cache.db"), default_ttl=HTTP_CACHE_TTL)
    cached = SyncCacheTransport(next_transport=network, storage=storage, policy=FilterPolicy(response_filters=[OnlyOk()]))
    old.close()
    return httpx.Client(headers=headers, transport=cached, trust_env=False)


def make_client(cache_dir: Path, quotas: dict[int, int] | None = None, transport: Any = None):
    """A pyBDL client with its rate limiter (quota bookkeeping in `cache_dir`, the published quotas unless `quotas`
    overrides them: period in seconds -> requests) and its file cache in `cache_dir`; the API key, if any, from
    the environment variable BDL_API_KEY (pyBDL's configuration). No global state."""
    try:
        from pybdl import BDL, BDLConfig
    except ImportError as exc:  # pyBDL needs hishel[async]>=1,<2 to import (as of 1.1.0)
        raise InputError(f"pyBDL cannot be imported ({exc}); install the project's dependencies") from None
    cache_dir.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"custom_quotas": quotas} if quotas else {}
    client = BDL(BDLConfig(cache_backend="file", quota_cache_file=str(cache_dir / "quota.json"), use_global_cache=False,
                           language="pl", **options))
    client.api.data.session = _cache_safe_session(client.api.data, cache_dir, transport)
    return client


def registered(client: Any) -> bool:
    """Whether the client uses an API key (the registered quotas); the key itself is never shown."""
    return bool(client.config.api_key)


class FetchStopped(InputError):
    """A request failed after pyBDL's retries; what was saved stays, a rerun resumes."""


@dataclass
class FetchResult:
    paths: list[Path]  # every task's response file, in the plan's order (saved now or reused)
    fetched: int = 0
    reused: int = 0
    requests: int = 0  # pages asked for through pyBDL (some may have come from its HTTP cache)


Progress = Callable[[int, int], None]
"""on_progress(requests done, requests expected): called once before the first request and after every request."""


def _fetch_task(api: Any, task: Task, page_size: int, on_page: Callable[[int | None], None]) -> dict:
    """Every page of one response, as one document in the API's own layout (its metadata and all results)."""
    results: list = []
    meta: dict = {}
    page, pages = 0, None
    while True:
        found, m = api.get_data_by_variable(task.bdl_id, years=list(task.years), unit_level=task.unit_level, page=page,
                                            page_size=page_size, max_pages=1, return_metadata=True)
        if page == 0:
            meta = dict(m or {})
            total = meta.get("totalRecords")
            pages = max(1, math.ceil(total / page_size)) if isinstance(total, int) else None
        results.extend(found or [])
        page += 1
        on_page(pages)
        if (pages is not None and page >= pages) or (pages is None and len(found or []) < page_size):
            break
    got = meta.pop("variableId", None)
    doc = {"variableId": int(got) if got not in (None, "") else int(task.bdl_id),
           "requested": {"variableId": int(task.bdl_id), "unitLevel": task.unit_level, "years": list(task.years)},
           **meta, "pageSize": page_size, "pages": page, "results": results}
    return doc


def _saved(path: Path) -> bool:
    """A response saved by an earlier run (written atomically: it is whole or absent; unreadable ones are refetched)."""
    try:
        return isinstance(read_json(path).get("results"), list)
    except (ValueError, AttributeError):
        return False


def fetch_tasks(tasks: list[Task], cache_dir: Path, client: Any = None, on_progress: Progress | None = None,
                page_size: int | None = None, reuse: bool = True) -> FetchResult:
    """Fetch every task not saved yet (all of them when `reuse` is false) and save each response atomically as
    `<cache_dir>/<task.file_name>`. A failing request stops the fetch with what was saved kept."""
    page_size = page_size or PAGE_SIZE
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    paths = [cache_dir / t.file_name for t in tasks]
    todo = [(t, p) for t, p in zip(tasks, paths, strict=True) if not (reuse and _saved(p))]
    result = FetchResult(paths, reused=len(tasks) - len(todo))
    if not todo:
        return result
    own = client is None
    client = client or make_client(cache_dir)
    remaining = {t: pages_of(t, page_size) for t, _ in todo}  # pages still expected per response
    done = got = 0

    def report() -> None:
        if on_progress is not None:
            on_progress(done, done + sum(remaining.values()))

    def on_page(task: Task, pages: int | None) -> None:
        nonlocal done, got
        done, got = done + 1, got + 1
        remaining[task] = max(0, pages - got) if pages is not None else max(0, remaining[task] - 1)
        report()

    report()
    try:
        for task, path in todo:
            got = 0
            try:
                doc = _fetch_task(client.api.data, task, page_size, functools.partial(on_page, task))
            except Exception as exc:
                if not _network_error(exc):
                    raise
                saved = result.reused + result.fetched
                raise FetchStopped(f"the request for {task.describe()} failed: {exc}. {saved} of {len(tasks)} responses "
                                   f"are saved in {cache_dir}: run the same command again to fetch the rest") from None
            remaining[task] = 0
            result.requests += got
            write_text(path, json.dumps(doc, ensure_ascii=False))
            result.fetched += 1
    finally:
        if own:
            client.close()
    return result


def _network_error(exc: BaseException) -> bool:
    """pyBDL's errors (HTTP status after retries, rate limit, bad payload) and httpx's transport errors."""
    import httpx
    from pybdl.api.exceptions import BDLError

    return isinstance(exc, (BDLError, httpx.HTTPError))


def fetch(variable_ids: list[str], years: list[int], unit_level: int, cache_dir: Path, client=None) -> list[Path]:
    """`data fetch-bdl`: one response per variable for `years` at `unit_level` (5 or 6), asked for anew even when
    saved (pyBDL's HTTP cache answers pages it got in the last HTTP_CACHE_TTL): `<cache_dir>/API_<id>_level<k>_<years>.json`."""
    if not variable_ids:
        raise InputError("no API variables to fetch: add rules with `table: API_<variable id>` to the mapping file")
    level = {v: k for k, v in UNIT_LEVEL.items()}.get(unit_level)
    if level is None:
        raise InputError(f"unit level {unit_level}: 6 for gminas or 5 for powiats", where="--level")
    tasks = [Task(str(v), level, tuple(sorted(set(years)))) for v in variable_ids]
    return fetch_tasks(tasks, cache_dir, client, reuse=False).paths


def api_variables(mapping: Mapping) -> list[str]:
    """BDL API variable ids named by the mapping's `API_<id>` rules."""
    return sorted({r.table.removeprefix("API_") for r in mapping.rules if r.table.startswith("API_")}, key=int)


# ---- loading ----------------------------------------------------------------------------------------------------

@dataclass
class Responses:
    """Saved responses sorted for loading: those to load, those left out (with the reason) and those refused."""

    load: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # file name -> why it is not loaded
    refused: list[str] = field(default_factory=list)  # problems that stop the load


def sort_responses(paths: list[Path], catalogue: Catalogue) -> Responses:
    """Which saved responses can be loaded: a response for a variable id no catalogue variable names (or another
    id than the one asked for) is refused, not loaded; one without results is left out."""
    named = {i for v in catalogue.variables.values() for s in v.sources if s.type == "bdl" for i in (s.bdl_id or [])}
    out = Responses()
    for path in paths:
        try:
            doc = read_json(Path(path))
            got = str(doc.get("variableId", ""))
            asked = str((doc.get("requested") or {}).get("variableId", got))
            results = doc.get("results")
        except (ValueError, AttributeError) as exc:
            out.refused.append(f"{Path(path).name}: not a saved BDL API response ({exc}); delete it and fetch again")
            continue
        if got != asked or got not in named:
            why = (f"the API answered the request for variable {asked} with variable {got}" if got != asked else
                   f"the response is for BDL variable {got}")
            out.refused.append(f"{Path(path).name}: {why}, which no catalogue variable names (no `bdl_id: '{got}'` "
                               f"in variables.yml); not loaded. If the id is right, add it to the variable's BDL "
                               f"source; otherwise delete the file and fetch again")
        elif not results:
            out.skipped[Path(path).name] = "the API has no data for this variable, level and years"
        else:
            out.load.append(Path(path))
    return out


def load_responses(store_dir: Path, paths: list[Path], catalogue: Catalogue, mapping_path: Path,
                   skip_unknown_units: bool = True):
    """Load saved responses into the store with rules generated from the catalogue (written to `mapping_path`)."""
    from jstbench.data.load import load_files

    if not paths:
        return []
    write_mapping(catalogue_rules(catalogue), mapping_path)
    return load_files(store_dir, paths, "api-json", mapping_path, set(catalogue.variables), skip_unknown_units,
                      catalogue=catalogue)  # the catalogue's ranges: a negative count is refused, as in a file load
