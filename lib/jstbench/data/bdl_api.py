"""Fetch GUS BDL data through the BDL API with pyBDL: polite by pyBDL's rate limiter (the API's anonymous
quotas), cached on disk by pyBDL's HTTP cache, and every response saved as JSON beside the store so that the
load is reproducible and works offline afterwards (`--format api-json`)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from jstbench.core.atomic import write_text
from jstbench.core.errors import InputError
from jstbench.data.bdl import Mapping


def api_variables(mapping: Mapping) -> list[str]:
    """BDL API variable ids named by the mapping's `API_<id>` rules."""
    return sorted({r.table.removeprefix("API_") for r in mapping.rules if r.table.startswith("API_")}, key=int)


def make_client(cache_dir: Path):
    """A pyBDL client with a file cache and quota bookkeeping in `cache_dir` (no global state)."""
    try:
        from pybdl import BDL, BDLConfig
    except ImportError as exc:  # pyBDL needs hishel[async]>=1,<2 to import (as of 1.1.0)
        raise InputError(f"pyBDL cannot be imported ({exc}); install the project's dependencies") from None
    cache_dir.mkdir(parents=True, exist_ok=True)
    return BDL(BDLConfig(cache_backend="file", quota_cache_file=str(cache_dir / "quota.json"), use_global_cache=False,
                         language="pl"))


def fetch(variable_ids: list[str], years: list[int], unit_level: int, cache_dir: Path, client=None) -> list[Path]:
    """One saved response per variable: `<cache_dir>/API_<id>_level<k>_<years>.json`."""
    if not variable_ids:
        raise InputError("no API variables to fetch: add rules with `table: API_<variable id>` to the mapping file")
    client = client or make_client(cache_dir)
    paths = []
    for vid in variable_ids:
        try:
            results = client.api.data.get_data_by_variable(str(vid), years=years, unit_level=unit_level)
        except Exception as exc:  # pyBDL raises its own and httpx errors
            raise InputError(f"BDL API request for variable {vid} failed: {exc}") from None
        name = f"API_{vid}_level{unit_level}_{'-'.join(map(str, years))}.json"
        doc = {"variableId": int(vid), "unitLevel": unit_level, "years": years,
               "fetched": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "results": results}
        write_text(cache_dir / name, json.dumps(doc, ensure_ascii=False))
        paths.append(cache_dir / name)
    return paths
