"""The peer: dlt's `rest_api` source into DuckDB with the parquet loader, over the very pages we read.

Runs in its own virtualenv (`.venv-dlt`, made by `make bench` only): it imports nothing of `pipeline`.
Audit: one resource over the whole window, offset paging by 1,000 (`total` ends it), records under
`events` (dlt normalises the nested targets and field changes into child tables, as we explode them).
Cost: one resource per day (`window=<day>`), records under `data`. Prints one JSON line: records loaded,
seconds, CPU seconds (this process and any it started, over the run) and peak RSS.

Run: `.venv-dlt/bin/python bench/dlt_peer.py audit BASE_URL START_MS END_MS` or
`... cost BASE_URL YYYY-MM-DD DAYS`.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from typing import Any


def _audit(base_url: str, start_ms: int, end_ms: int) -> dict[str, Any]:
    return {
        "client": {"base_url": base_url},
        "resources": [
            {
                "name": "audit_events",
                "endpoint": {
                    "path": "api/audittrail/v1/auditevents",
                    "params": {"startTimestamp": start_ms, "endTimestamp": end_ms, "sort": "+timestamp"},
                    "data_selector": "events",
                    "paginator": {
                        "type": "offset",
                        "limit": 1000,
                        "offset_param": "offset",
                        "limit_param": "limit",
                        "total_path": "total",
                    },
                },
            }
        ],
    }


def _cost(base_url: str, first: date, days: int) -> dict[str, Any]:
    resources = []
    for n in range(days):
        day = first + timedelta(days=n)
        window = f"{day.isoformat()}T00:00:00Z,{(day + timedelta(days=1)).isoformat()}T00:00:00Z"
        resources.append(
            {
                "name": f"cost_allocation_{n}",
                "table_name": "cost_allocation",
                "endpoint": {
                    "path": "api/cost/v1/allocation",
                    "params": {"window": window, "accumulate": "false"},
                    "data_selector": "data",
                    "paginator": "single_page",
                },
            }
        )
    return {"client": {"base_url": base_url}, "resources": resources}


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str]) -> int:
    import dlt
    from dlt.sources.rest_api import rest_api_source

    kind, base_url, *args = argv
    config = (
        _audit(base_url, int(args[0]), int(args[1]))
        if kind == "audit"
        else _cost(base_url, date.fromisoformat(args[0]), int(args[1]))
    )
    table = "audit_events" if kind == "audit" else "cost_allocation"
    with tempfile.TemporaryDirectory(prefix="bench-dlt-") as tmp:
        pipeline = dlt.pipeline(
            pipeline_name=f"bench_{kind}",
            pipelines_dir=tmp,
            destination=dlt.destinations.duckdb(f"{tmp}/dlt.duckdb"),
            dataset_name="raw",
        )
        began, cpu_before = time.perf_counter(), _cpu_seconds()
        pipeline.run(rest_api_source(config), loader_file_format="parquet")
        seconds, cpu = time.perf_counter() - began, _cpu_seconds() - cpu_before
        with pipeline.sql_client() as client:
            records = client.execute_sql(f"SELECT count(*) FROM {table}")[0][0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    measured = {"records": records, "seconds": seconds, "cpu_seconds": round(cpu, 2)}
    print(json.dumps({**measured, "peak_rss_mb": round(peak, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
