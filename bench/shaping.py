"""Measure `shape_batch` throughput on audit-event- and cost-shaped records with the catalogue's specs.

Run: `python -m bench.shaping [records]`. The records are the tests' synthetic ones (`tests/fixtures.py`).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from pipeline.domino import endpoint
from pipeline.tables import TableSpec
from pipeline.transform.shape import shape_batch
from tests.fixtures import audit_record, cost_record

AUDIT_SPEC = endpoint("audit_events").table
COST_SPEC = endpoint("cost_allocation").table


def measure(spec: TableSpec, records: list[dict[str, Any]], page: int = 1000) -> float:
    """Records per second shaping `records` page by page."""
    context = {"run_id": "bench"}
    started = time.perf_counter()
    for offset in range(0, len(records), page):
        shape_batch(records[offset : offset + page], spec, context)
    return len(records) / (time.perf_counter() - started)


def main(count: int = 100_000) -> None:
    audits = [audit_record(i) for i in range(count)]
    costs = [cost_record(i) for i in range(count)]
    print(f"audit_events: {measure(AUDIT_SPEC, audits):,.0f} records/s (pages of 1000)")
    print(f"cost_allocation: {measure(COST_SPEC, costs):,.0f} records/s (pages of 1000)")
    started = time.perf_counter()
    shape_batch(audits[:1000], AUDIT_SPEC, {"run_id": "bench"})
    print(f"one audit page of 1000: {(time.perf_counter() - started) * 1000:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
