"""`data fetch` from the BDL API: what the catalogue asks for, pyBDL doing the requests through a mocked HTTP
transport (pagination, rate-limiter setup, cache), resuming an interrupted fetch, reuse on rerun, and responses
for variables the catalogue does not know."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from jstbench.catalogue.model import Catalogue, Text, Variable
from jstbench.catalogue.sources import Break, Source
from jstbench.core.errors import InputError
from jstbench.core.text import parse_years
from jstbench.data import bdl_api
from jstbench.data.bdl import load_mapping
from jstbench.data.bdl_api import Task

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bdl_api"
FAST = {1: 10_000, 900: 100_000, 43_200: 100_000, 604_800: 1_000_000}  # tests do not wait for the real quotas
YEARS = (2019, 2020)


def var(name: str, *sources: Source, **kw) -> Variable:
    return Variable(name=name, label=Text(pl=name, en=name), unit="osoby", sources=list(sources), **kw)


def bdl(ids: str | list[str] | None, level=("gmina", "powiat"), **kw) -> Source:
    return Source(type="bdl", bdl_id=ids, level=list(level), note=None if ids else "look for it", **kw)


def catalogue(*variables: Variable) -> Catalogue:
    return Catalogue([], list(variables), "test")


CAT = catalogue(
    var("population", bdl("72305")),
    var("births", bdl("59", level=["gmina"], probable=True)),
    var("waste", bdl("111", level=["gmina"], valid_to=2016), bdl("222", level=["gmina"], valid_from=2017),
        breaks=[Break(year=2017, change="nowa zmienna BDL", evidence="test")]),
    var("pop_65plus", bdl(["72239", "72240"], level=["gmina"])),
    var("area_km2", bdl(None)),
    var("new_thing", bdl("333", level=["powiat"]), first_year=2021),
    var("exp_x", Source(type="budget", report="Rb-28S", dzial="801")),
)


# ---- the plan ---------------------------------------------------------------------------------------------------

def test_requests_follow_the_sources_ids_levels_and_validity():
    plan = bdl_api.plan_requests(CAT, range(2015, 2025))
    got = {(t.bdl_id, t.level, t.years[0], t.years[-1]) for t in plan.tasks}
    assert got == {("72305", "gmina", 2015, 2024), ("72305", "powiat", 2015, 2024), ("59", "gmina", 2015, 2024),
                   ("111", "gmina", 2015, 2016), ("222", "gmina", 2017, 2024),
                   ("72239", "gmina", 2015, 2024), ("72240", "gmina", 2015, 2024), ("333", "powiat", 2021, 2024)}
    assert len(plan.tasks) == len(got)  # each id and level asked for once
    assert plan.summed == {"pop_65plus": ["72239", "72240"]} and plan.without_id == ["area_km2"]
    assert any("the sum of BDL variables 72239 + 72240" in n for n in plan.notes())
    assert Task("72305", "gmina", tuple(range(2015, 2025))).file_name == "API_72305_level6_2015-2024.json"
    assert Task("72305", "powiat", (2020,)).file_name == "API_72305_level5_2020.json"


def test_requests_for_some_years_levels_and_variables_in_chunks():
    few = bdl_api.plan_requests(CAT, [2018, 2019, 2020], ["powiat"])
    assert [(t.bdl_id, t.level, t.years) for t in few.tasks] == [("72305", "powiat", (2018, 2019, 2020))]
    chunked = bdl_api.plan_requests(CAT, range(2015, 2025), variables=["waste"], years_per_request=4)
    assert [(t.bdl_id, t.years) for t in chunked.tasks] == [("111", (2015, 2016)), ("222", (2017, 2018, 2019, 2020)),
                                                            ("222", (2021, 2022, 2023, 2024))]
    gaps = bdl_api.plan_requests(CAT, [2015, 2016, 2020], variables=["births"])
    assert [t.years for t in gaps.tasks] == [(2015, 2016), (2020,)]  # a chunk is a run of consecutive years
    with pytest.raises(InputError, match="--variables: unknown catalogue variable"):
        bdl_api.plan_requests(CAT, [2020], variables=["nope"])


def test_years_and_levels_options():
    assert parse_years("2015-2024") == list(range(2015, 2025))
    assert parse_years("2015, 2018–2019") == [2015, 2018, 2019]
    assert bdl_api.parse_levels("powiat,gmina") == ["gmina", "powiat"]
    for bad in ("2024-2015", "15-24", "2015..2016"):
        with pytest.raises(InputError, match="--years"):
            parse_years(bad)
    with pytest.raises(InputError, match="--levels: unknown level"):
        bdl_api.parse_levels("gmina,wojewodztwo")


def test_mapping_rules_are_generated_from_the_catalogue(tmp_path):
    rules = {r.table: r for r in bdl_api.catalogue_rules(CAT)}
    assert set(rules) == {"API_72305", "API_59", "API_111", "API_222", "API_333", "API_72239", "API_72240"}
    assert rules["API_72239"].part and rules["API_72240"].part and not rules["API_72305"].part  # summed ids are parts
    assert rules["API_72305"].variable == "population" and rules["API_72305"].level == ("gmina", "powiat")
    assert rules["API_59"].level == ("gmina",) and rules["API_222"].variable == "waste"
    path = bdl_api.write_mapping(list(rules.values()), tmp_path / "m.yml")
    assert load_mapping(path, set(CAT.variables)).rules == list(rules.values())  # `data load --mapping` reads it


# ---- limits and estimate ----------------------------------------------------------------------------------------

def test_published_limits_and_time_at_them():
    quotas = bdl_api.published_quotas()
    assert quotas == {1: (5, 10), 900: (100, 500), 43_200: (1_000, 5_000), 604_800: (10_000, 50_000)}
    anonymous = {p: a for p, (a, _) in quotas.items()}
    assert bdl_api.time_at_limits(5, anonymous) == 0 and bdl_api.time_at_limits(6, anonymous) == 1
    assert bdl_api.time_at_limits(101, anonymous) == 900  # the 101st waits for the first 15-minute window
    assert bdl_api.time_at_limits(1001, anonymous) == 43_200
    summary = bdl_api.plan_summary(bdl_api.plan_requests(CAT, range(2015, 2025)))
    # 6 gmina responses × 40 pages (3,918 units) + 2 powiat responses × 4 pages (380 units)
    assert (summary.responses, summary.requests, summary.ids) == (8, 6 * 40 + 2 * 4, 7)
    # 248 requests: anonymous, 100 in each 15 minutes (the last 48 from 1,800 s on, 5 a second); registered, 10 a second
    assert summary.anonymous_s == 1_800 + 47 // 5 and summary.registered_s == 24
    assert "anonymous (5/s, 100/15 min, 1,000/12 h, 10,000/7 days) about 30 min" in summary.text()


# ---- fetching through pyBDL -------------------------------------------------------------------------------------

class FakeApi:
    """Answers /data/by-variable with the recorded pages in tests/fixtures/bdl_api; `fail_at` makes the n-th request
    raise `failure` (an interruption); `other` serves another recorded file for a variable id."""

    def __init__(self, fail_at: int | None = None, failure: Exception | None = None, other: dict[str, str] | None = None):
        self.requests: list[httpx.Request] = []
        self.fail_at, self.failure, self.other = fail_at, failure, other or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail_at is not None and len(self.requests) == self.fail_at:
            raise self.failure or RuntimeError("the connection dropped")
        vid = request.url.path.rsplit("/", 1)[-1]
        q = request.url.params
        assert q["page-size"] == "2" and q.get_list("year") == ["2019", "2020"], request.url
        name = self.other.get(vid) or f"by-variable_{vid}_level{q['unit-level']}_page{q.get('page', '0')}.json"
        return httpx.Response(200, content=(FIXTURES / name).read_bytes(), headers={"content-type": "application/json"})

    def client(self, cache: Path):
        return bdl_api.make_client(cache, quotas=FAST, transport=httpx.MockTransport(self))


TASKS = [Task("72305", "gmina", YEARS), Task("72305", "powiat", YEARS), Task("59", "gmina", YEARS)]


def test_every_page_is_fetched_and_saved_as_one_response(tmp_path):
    api, progress = FakeApi(), []
    result = bdl_api.fetch_tasks(TASKS, tmp_path, api.client(tmp_path), on_progress=lambda *a: progress.append(a),
                                 page_size=2)
    assert (result.fetched, result.reused, result.requests) == (3, 0, 5)
    first = api.requests[0].url
    assert first.path == "/api/v1/data/by-variable/72305" and first.params["unit-level"] == "6" and first.params["page"] == "0"
    assert [r.url.params["page"] for r in api.requests[:3]] == ["0", "1", "2"]  # totalRecords 5 in pages of 2
    doc = json.loads(result.paths[0].read_text(encoding="utf-8"))
    assert [u["id"][-7:] for u in doc["results"]] == ["0501011", "0501022", "0501033", "0501034", "0561011"]
    assert (doc["variableId"], doc["pages"], doc["totalRecords"], doc["lastUpdate"]) == (72305, 3, 5, "2024-06-28T09:30:00")
    assert doc["requested"] == {"variableId": 72305, "unitLevel": 6, "years": [2019, 2020]}
    assert progress[-1] == (5, 5) and all(done <= total for done, total in progress)
    assert [p.name for p in result.paths] == ["API_72305_level6_2019-2020.json", "API_72305_level5_2019-2020.json",
                                              "API_59_level6_2019-2020.json"]


def test_pybdl_itself_follows_the_next_links_when_not_paged_by_us(tmp_path):
    """What pyBDL's get_data_by_variable does without `max_pages`: it follows `links.next` to the last page."""
    api = FakeApi()
    results = api.client(tmp_path).api.data.get_data_by_variable("72305", years=list(YEARS), unit_level=6, page_size=2)
    assert len(results) == 5 and len(api.requests) == 3


def test_an_interrupted_fetch_resumes_and_ends_with_the_same_files(tmp_path):
    whole = tmp_path / "whole"
    bdl_api.fetch_tasks(TASKS, whole, FakeApi().client(whole), page_size=2)

    cut = tmp_path / "cut"
    broken = FakeApi(fail_at=5)  # 72305 gmina (3 pages) and powiat (1) saved, 59 fails on its page
    with pytest.raises(RuntimeError, match="connection dropped"):
        bdl_api.fetch_tasks(TASKS, cut, broken.client(cut), page_size=2)
    assert sorted(p.name for p in cut.glob("API_*")) == ["API_72305_level5_2019-2020.json", "API_72305_level6_2019-2020.json"]
    assert not list(cut.glob(".*.tmp"))  # nothing half-written

    again = FakeApi()
    result = bdl_api.fetch_tasks(TASKS, cut, again.client(cut), page_size=2)
    assert (result.reused, result.fetched, len(again.requests)) == (2, 1, 1)
    assert {p.name: p.read_bytes() for p in cut.glob("API_*")} == {p.name: p.read_bytes() for p in whole.glob("API_*")}


def test_pages_of_a_response_cut_off_half_way_come_from_the_http_cache(tmp_path):
    broken = FakeApi(fail_at=2)  # page 0 of 72305 arrives, page 1 fails
    with pytest.raises(RuntimeError):
        bdl_api.fetch_tasks(TASKS[:1], tmp_path, broken.client(tmp_path), page_size=2)
    again = FakeApi()
    bdl_api.fetch_tasks(TASKS[:1], tmp_path, again.client(tmp_path), page_size=2)
    assert [r.url.params["page"] for r in again.requests] == ["1", "2"]  # page 0 was cached by pyBDL's client


def test_a_rerun_reuses_what_is_saved(tmp_path):
    bdl_api.fetch_tasks(TASKS, tmp_path, FakeApi().client(tmp_path), page_size=2)
    api = FakeApi()
    result = bdl_api.fetch_tasks(TASKS, tmp_path, api.client(tmp_path), page_size=2)
    assert (result.reused, result.fetched, result.requests, api.requests) == (3, 0, 0, [])


def test_a_network_failure_stops_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("BDL_REQUEST_RETRIES", "0")
    api = FakeApi(fail_at=4, failure=httpx.ConnectError("no route to host"))
    with pytest.raises(bdl_api.FetchStopped, match=r"BDL variable 72305, powiat level \(5\), years 2019–2020 failed: .*"
                                                    r"1 of 3 responses are saved in .*: run the same command again"):
        bdl_api.fetch_tasks(TASKS, tmp_path, api.client(tmp_path), page_size=2)


def test_limits_api_key_and_cache(tmp_path, monkeypatch):
    """The rate limiter at the published quotas, registered with a key from BDL_API_KEY; the key goes with every
    request but is written nowhere; error responses are not cached (pyBDL's retry reaches the API again)."""
    monkeypatch.delenv(bdl_api.API_KEY_ENV, raising=False)
    anonymous = bdl_api.make_client(tmp_path / "anon")
    limiter = anonymous.api.data._sync_limiter
    assert not bdl_api.registered(anonymous) and not limiter.is_registered
    assert {p: limiter._get_limit(p) for p in limiter.quotas} == {1: 5, 900: 100, 43_200: 1_000, 604_800: 10_000}
    anonymous.close()

    monkeypatch.setenv(bdl_api.API_KEY_ENV, "secret-key-123")
    monkeypatch.setenv("BDL_RETRY_BACKOFF_FACTOR", "0")
    api = FakeApi()
    calls = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500, json={"error": "busy"}) if len(calls) == 1 else api(request)

    cache = tmp_path / "reg"
    client = bdl_api.make_client(cache, transport=httpx.MockTransport(flaky))
    assert bdl_api.registered(client) and client.api.data._sync_limiter._get_limit(900) == 500
    bdl_api.fetch_tasks([TASKS[1]], cache, client, page_size=2)
    assert len(calls) == 2 and all(r.headers["X-ClientId"] == "secret-key-123" for r in calls)
    client.close()
    assert not [p.name for p in cache.iterdir() if p.is_file() and b"secret-key-123" in p.read_bytes()]


# ---- responses before loading -----------------------------------------------------------------------------------

def test_a_response_for_an_unknown_variable_is_refused(tmp_path):
    api = FakeApi(other={"59": "by-variable_59_level6_page0_other_variable.json"})
    result = bdl_api.fetch_tasks(TASKS, tmp_path, api.client(tmp_path), page_size=2)
    empty = tmp_path / "API_333_level5_2021.json"
    empty.write_text(json.dumps({"variableId": 333, "results": []}), encoding="utf-8")
    summed = tmp_path / "API_72239_level6_2020.json"
    summed.write_text(json.dumps({"variableId": 72239, "results": [{"id": "030210501011", "values": []}]}), encoding="utf-8")
    sorted_ = bdl_api.sort_responses([*result.paths, empty, summed], CAT)
    assert [p.name for p in sorted_.load] == ["API_72305_level6_2019-2020.json", "API_72305_level5_2019-2020.json",
                                             summed.name]
    [refused] = sorted_.refused
    assert refused.startswith("API_59_level6_2019-2020.json: the API answered the request for variable 59 with "
                              "variable 99999, which no catalogue variable names")
    assert "no data" in sorted_.skipped[empty.name]


def test_fetch_bdl_asks_for_the_mapping_ids_at_one_level(tmp_path, monkeypatch):
    """`data fetch-bdl` (ids from the mapping file, one level) goes through the same fetching, without reuse."""
    monkeypatch.setattr(bdl_api, "PAGE_SIZE", 2)
    client = FakeApi().client(tmp_path)
    [path] = bdl_api.fetch(["72305"], list(YEARS), 5, tmp_path, client=client)
    assert path.name == "API_72305_level5_2019-2020.json" and json.loads(path.read_text(encoding="utf-8"))["pages"] == 1
    with pytest.raises(InputError, match="--level: unit level 4"):
        bdl_api.fetch(["72305"], list(YEARS), 4, tmp_path, client=client)
