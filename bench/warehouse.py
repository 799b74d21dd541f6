"""Measure staging + committing audit-shaped rows in 50k batches: rows/s and peak RSS.

Run: `python -m bench.warehouse [rows] [db path]` (audit rows shaped by the catalogue's spec).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

from pipeline.domino import endpoint
from pipeline.transform import shape_batch
from pipeline.warehouse import ReplaceWindow, TableLoad, Warehouse
from tests.fixtures import audit_record

AUDIT_SPEC = endpoint("audit_events").table

BASE_MS = 1_700_000_000_000


class PeakRss:
    """Samples this process's RSS every 20 ms in a thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        process = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, process.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(rows: int, db: Path, batch: int = 50_000) -> None:
    warehouse = Warehouse(db)
    records = [audit_record(i, BASE_MS) for i in range(batch)]
    frame = shape_batch(records, AUDIT_SPEC, {"run_id": "bench"}).frame
    start = datetime.fromtimestamp(BASE_MS / 1000, UTC)
    window = ReplaceWindow("event_time", start, start + timedelta(days=365))
    rss_before = psutil.Process().memory_info().rss
    with PeakRss() as peak:
        began = time.perf_counter()
        stage = warehouse.stage(AUDIT_SPEC, "bench", flush_rows=batch)
        for offset in range(0, rows, batch):
            # distinct keys per batch so nothing is deduplicated away
            stage.add(frame.with_columns(frame["event_key"] + f"-{offset}"))
        staged = time.perf_counter()
        warehouse.commit([TableLoad(stage, window)], "bench")
        committed = time.perf_counter()
    count = warehouse.query("SELECT count(*) FROM raw.audit_events").item()
    print(f"rows landed: {count:,}")
    print(f"stage: {rows / (staged - began):,.0f} rows/s ({staged - began:.1f} s)")
    print(f"commit: {rows / (committed - staged):,.0f} rows/s ({committed - staged:.1f} s)")
    print(f"stage+commit: {rows / (committed - began):,.0f} rows/s")
    print(f"RSS before {rss_before / 2**20:,.0f} MiB, peak {peak.peak / 2**20:,.0f} MiB")
    began = time.perf_counter()
    stage = warehouse.stage(AUDIT_SPEC, "bench-rerun", flush_rows=batch)
    for offset in range(0, rows, batch):
        stage.add(frame.with_columns(frame["event_key"] + f"-{offset}"))
    warehouse.commit([TableLoad(stage, window)], "bench")
    print(f"rerun of the same partition (replace): {time.perf_counter() - began:.1f} s")
    print(f"db size: {db.stat().st_size / 2**20:,.0f} MiB")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    if len(sys.argv) > 2:
        run(count, Path(sys.argv[2]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(count, Path(tmp) / "bench.duckdb")
