"""One benchmark measurement, meant to run alone in a fresh (spawned) process so its peak RSS is its own.

Kinds over the same daily pages: the *fetch bound* (`fetch`: bare httpx + orjson, nothing else;
`bytes`: httpx only, the body left undecoded) and the *pipeline* (`Extraction.run` end to end into a
throwaway DuckDB file, `shaping` = `columnar` or the per-record `records` path). Peak RSS is the
process's own high-water mark (`ru_maxrss`), imports included, as for the dlt peer; CPU time is the
process's (every thread, user + system) over the measured run only.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import resource
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psutil

SAMPLE_SECONDS = 0.05
MB = 1024 * 1024

PROFILE_BUCKETS: dict[str, tuple[str, str, str | None]] = {
    "fetch: HTTP (httpx request)": ("pipeline/domino/client.py", "_attempt", None),
    "fetch: split body (msgspec)": ("pipeline/domino/client.py", "_split_raw", None),
    "fetch: envelope (read_raw_list)": ("pipeline/domino/raw_envelopes.py", "read_raw_list", None),
    "shape: decode page (msgspec)": ("pipeline/transform/columnar.py", "_read", None),
    "shape: columns (walks, casts, checks)": ("pipeline/transform/columnar.py", "_column", None),
    "shape: keys (sha1, occurrences), project": (
        "pipeline/transform/columnar_audit.py",
        "derive_events",
        None,
    ),
    "shape: targets explode": ("pipeline/transform/columnar_audit.py", "explode_targets", None),
    "shape: _raw, assemble": ("pipeline/transform/shape.py", "assemble", None),
    "shape: records path (fallback / records)": ("pipeline/transform/shape.py", "shape_batch", None),
    "stage: Stage.add (+ Parquet parts)": ("pipeline/warehouse/staging.py", "add", None),
    "commit: Warehouse.commit (DuckDB)": ("pipeline/warehouse/warehouse.py", "commit", None),
    "main thread waits for pages": ("queue.py", "get", "ordered_fetch"),
}
"""(file, function, only when called from this function) whose cumulative time is one pipeline stage;
summed over every thread (fetch, shape, commit run side by side, so the stages add up to more than the
wall time)."""


@dataclass(frozen=True)
class Job:
    """What a child process measures: `kind` is 'fetch', 'bytes' or 'pipeline'; [start, end) are UTC days."""

    kind: str
    dataset: str
    start: date
    end: date
    base_url: str
    api_key: str
    profile_to: str | None = None
    shaping: str = "columnar"


@dataclass
class Result:
    kind: str
    dataset: str
    days: int
    records: int
    seconds: float
    baseline_rss_mb: float
    peak_rss_mb: float
    requests: int = 0
    cpu_seconds: float = 0.0
    profile_top: str = ""
    profile_buckets: dict[str, float] | None = None

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "records_per_s": round(self.records_per_s, 1)}


class PeakRss:
    """Samples this process's RSS every 50 ms on a daemon thread and keeps the maximum."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.peak = self._process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        high_water = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = max(self.peak, self._process.memory_info().rss, high_water)


def measure(job: Job) -> dict[str, Any]:
    """Entry point of the child process: run `job` once and return its Result as a dict."""
    runner = _pipeline if job.kind == "pipeline" else _fetch_bound
    prepared = runner(job)
    baseline = psutil.Process().memory_info().rss
    profilers: list[cProfile.Profile] = []

    def profile_thread(*_: object) -> None:  # the first event of each new thread starts its profiler
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.enable()

    with PeakRss() as rss:
        began, cpu_before = time.perf_counter(), cpu_seconds()
        if job.profile_to:
            threading.setprofile(profile_thread)
            profile_thread()
        records, requests = prepared()
        if job.profile_to:
            threading.setprofile(None)  # type: ignore[arg-type]
            for profiler in profilers:
                profiler.disable()
        seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu_before
    result = Result(
        job.kind,
        job.dataset,
        (job.end - job.start).days,
        records,
        seconds,
        round(baseline / MB, 1),
        round(rss.peak / MB, 1),
        requests,
        round(cpu, 2),
    )
    if profilers and job.profile_to:
        stats = pstats.Stats(profilers[0])
        for profiler in profilers[1:]:
            stats.add(profiler)
        stats.dump_stats(job.profile_to)
        result.profile_top, result.profile_buckets = _summarise(stats)
    return result.as_dict()


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one by default), every thread, so far."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _endpoint_name(dataset: str) -> str:
    return {"audit": "audit_events", "cost": "cost_allocation", "runs": "runs"}[dataset]


def _settings(job: Job) -> Any:
    """The pipeline's own settings, read from the environment exactly as production reads them."""
    from pipeline.domino import DominoSettings

    os.environ["DOMINO_API_HOST"] = job.base_url
    os.environ["DOMINO_USER_API_KEY"] = job.api_key
    os.environ["DOMINO_SHAPING"] = job.shaping
    return DominoSettings.from_env()


def _fetch_bound(job: Job) -> Callable[[], tuple[int, int]]:
    """Bare httpx + orjson (`bytes`: httpx alone) over the very requests the pipeline sends: offset pages
    of each day for daily endpoints, the cursor's pages from the start for a cursor export."""
    import httpx
    import orjson

    from pipeline.domino import DailyWindow, endpoint, window_request
    from pipeline.extract import days

    ep = endpoint(_endpoint_name(job.dataset))
    settings = _settings(job)
    path = ep.path if ep.path_setting is None else getattr(settings, ep.path_setting)
    list_key = ep.list_keys[0]
    limit = settings.page_size_for(ep.name, ep.page_size)
    count_marker = {"audit": b'{"timestamp":', "cost": b'{"name":'}.get(job.dataset)
    """`bytes` counts records by a marker each record starts with, without decoding the body."""
    if job.kind == "bytes" and (count_marker is None or ep.pagination == "cursor"):
        raise ValueError(f"no `bytes` measurement for {job.dataset}: its records have no marker or cursor")
    if ep.partitioned:
        calls = [
            {**ep.params, **window_request(ep, DailyWindow.for_day(d), settings).params}
            for d in days(job.start, job.end)
        ]
    else:
        calls = [dict(ep.params)]

    def run() -> tuple[int, int]:
        records = requests = 0
        with httpx.Client(
            base_url=job.base_url, headers={"X-Domino-Api-Key": job.api_key}, timeout=60.0
        ) as http:
            for params in calls:
                offset, cursor = 0, ""
                while True:
                    query = dict(params)
                    if ep.pagination == "offset":
                        query |= {"offset": offset, "limit": limit}
                    elif ep.pagination == "cursor":
                        query |= {ep.cursor_param: cursor, "limit": limit}
                    response = http.get(path, params=query)
                    response.raise_for_status()
                    requests += 1
                    if job.kind == "bytes":
                        count, following = response.content.count(count_marker), None
                    else:
                        body = orjson.loads(response.content)
                        count, following = len(body[list_key]), body.get(ep.cursor_key or "")
                    records += count
                    if ep.pagination == "cursor" and following and count:
                        cursor = following
                        continue
                    if ep.pagination != "offset" or count < limit:
                        break
                    offset += count
        return records, requests

    return run


def _pipeline(job: Job) -> Callable[[], tuple[int, int]]:
    """`Extraction.run` end to end into a fresh DuckDB file in a temp dir (deleted afterwards)."""
    from pipeline.domino import DominoClient, endpoint
    from pipeline.extract import Extraction
    from pipeline.warehouse import Warehouse

    ep = endpoint(_endpoint_name(job.dataset))
    client = DominoClient(_settings(job))
    tmp = tempfile.TemporaryDirectory(prefix="bench-")
    warehouse = Warehouse(Path(tmp.name) / "bench.duckdb")
    extraction = Extraction(client, warehouse, run_id=f"bench-{job.dataset}-{os.getpid()}")

    def run() -> tuple[int, int]:
        try:
            report = extraction.run(ep, job.start, job.end)
            return report.rows, report.requests
        finally:
            client.close()
            tmp.cleanup()

    return run


def _summarise(stats: pstats.Stats) -> tuple[str, dict[str, float]]:
    """The top 25 functions by own time, and the cumulative seconds of each pipeline stage."""
    out = io.StringIO()
    raw = {key: value for key, value in stats.stats.items()}  # type: ignore[attr-defined]  (before strip_dirs)
    stats.stream = out  # type: ignore[attr-defined]
    stats.strip_dirs().sort_stats("tottime").print_stats(25)
    buckets: dict[str, float] = {}
    for label, (file_suffix, function, caller) in PROFILE_BUCKETS.items():
        seconds = 0.0
        for (filename, _line, name), (_cc, _nc, _tt, cumulative, callers) in raw.items():
            if name != function or not filename.endswith(file_suffix):
                continue
            if caller is None:
                seconds += cumulative
            else:
                seconds += sum(stat[3] for (_f, _l, who), stat in callers.items() if who == caller)
        buckets[label] = round(seconds, 3)
    return out.getvalue(), buckets
