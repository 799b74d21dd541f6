"""A fast page server for the benchmark: Domino's audit and cost-allocation answers, pre-rendered.

The simulator renders every page from its world in Python, which caps a client at ~19k events/s and hides
what the pipeline itself costs. This server answers the same requests (`/api/audittrail/v1/auditevents`
with `startTimestamp`/`endTimestamp`/`offset`/`limit`, `/api/cost/v1/allocation` with `window=`) from
records rendered once at start-up: an audit event is its bytes with only the timestamp spliced in, a cost
day is one pre-rendered body with its dates replaced. `--events-per-day` sets the audit volume of every UTC
day (10k to 100k in the benchmark); events are real simulator events (seeded), spread over the day in
timestamp order, with an exact repeat (a double click) every 5,000 events.

Run: `python -m bench.pages --port 8801 --events-per-day 100000` (prints `ready <url>` when serving).
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import parse_qs

import httpx
import orjson

DAY_MS = 86_400_000
TEMPLATE_EVENTS = 4_000
REPEAT_EVERY = 5_000
COST_ROWS_PER_DAY = 2_500
COST_TEMPLATE_DAY = "2026-10-01"
STARTUP_TIMEOUT_S = 120.0


def _audit_templates(seed: int) -> list[bytes]:
    """Event bodies after their timestamp: `,"actor":...}` (each event's bytes minus `{"timestamp":N`)."""
    from pipeline.simulator.world import World

    world = World(seed=seed, scale="small")
    events, _ = world.audit_events(None, None, limit=TEMPLATE_EVENTS)
    tails = []
    for event in events:
        rest = {k: v for k, v in event.items() if k != "timestamp"}
        tails.append(b"," + orjson.dumps(rest)[1:])
    return tails


def _cost_day(seed: int, rows: int) -> bytes:
    """One day of cost allocation rows (distinct label combinations), dated `COST_TEMPLATE_DAY`."""
    from pipeline.domino.catalogue import COST_AGGREGATE_LABELS
    from pipeline.simulator.world import World

    world = World(seed=seed, scale="small")
    start = datetime.fromisoformat(COST_TEMPLATE_DAY).replace(tzinfo=UTC)
    labels = list(COST_AGGREGATE_LABELS)
    base = [
        r for r in world.cost_allocation(start, start + timedelta(days=1), labels, False) if "/" in r["name"]
    ]
    out: list[dict[str, Any]] = []
    for index in range(rows):
        row = dict(base[index % len(base)])
        workload, project, name, *rest = str(row["name"]).split("/")
        row["name"] = "/".join([workload, f"{project[:16]}{index:08x}", f"{name}-{index}", *rest])
        out.append(row)
    return orjson.dumps({"data": out})


@dataclass
class Pages:
    """The rendered material and how one request becomes bytes."""

    events_per_day: int
    tails: list[bytes]
    cost_day: bytes

    def offsets(self) -> list[int]:
        return [index * DAY_MS // self.events_per_day for index in range(self.events_per_day)]

    def audit(self, start_ms: int, end_ms: int, offset: int, limit: int) -> bytes:
        first_day, last_day = start_ms // DAY_MS, -(-end_ms // DAY_MS)
        per_day = self.events_per_day
        total = max(0, last_day - first_day) * per_day
        parts = []
        offsets = self._offsets
        tails = self.tails
        for position in range(offset, min(total, offset + limit)):
            day, index = divmod(position, per_day)
            source = index - 1 if index % REPEAT_EVERY == REPEAT_EVERY - 1 else index  # a double click
            stamp = (first_day + day) * DAY_MS + offsets[source]
            parts.append(b'{"timestamp":%d%b' % (stamp, tails[source % len(tails)]))
        return b'{"events":[' + b",".join(parts) + b'],"total":%d}' % total

    def cost(self, window: str) -> bytes:
        day = window.split(",", 1)[0][:10]
        following = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()
        template_next = (datetime.fromisoformat(COST_TEMPLATE_DAY) + timedelta(days=1)).date().isoformat()
        body = self.cost_day.replace(template_next.encode(), b"\0NEXT\0")
        body = body.replace(COST_TEMPLATE_DAY.encode(), day.encode())
        return body.replace(b"\0NEXT\0", following.encode())

    def __post_init__(self) -> None:
        self._offsets = self.offsets()


def _app(pages: Pages) -> Any:
    """A bare ASGI app (no framework: the server should cost next to nothing)."""

    async def app(scope: dict, receive: Any, send: Any) -> None:
        query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        path = scope["path"]
        if path in ("/api/audittrail/v1/auditevents", "/auditevents"):
            body = pages.audit(
                int(query.get("startTimestamp", 0)),
                int(query.get("endTimestamp", 0)),
                int(query.get("offset", 0)),
                int(query.get("limit", 50)),
            )
            status = 200
        elif path == "/api/cost/v1/allocation" and "window" in query:
            body, status = pages.cost(query["window"]), 200
        elif path == "/ready":
            body, status = b"{}", 200
        else:
            body, status = b'{"errors":["not served by the benchmark page server"]}', 404
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def serve(port: int, events_per_day: int, seed: int) -> None:
    import uvicorn

    pages = Pages(events_per_day, _audit_templates(seed), _cost_day(seed, COST_ROWS_PER_DAY))
    config = uvicorn.Config(
        _app(pages), host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
    )
    print(f"ready http://127.0.0.1:{port}", flush=True)
    uvicorn.Server(config).run()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served(NamedTuple):
    """A benchmark server running in its own process: where it answers, and its pid (for its CPU time)."""

    base_url: str
    pid: int


@contextlib.contextmanager
def page_server(events_per_day: int, seed: int = 42) -> Iterator[Served]:
    """`python -m bench.pages` in its own process; yields where it answers and stops it on exit."""
    port = _free_port()
    command = [
        *(sys.executable, "-m", "bench.pages", "--port", str(port)),
        *("--events-per-day", str(events_per_day), "--seed", str(seed)),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}"
    try:
        began = time.perf_counter()
        while True:
            if process.poll() is not None:
                err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise RuntimeError(f"page server exited with {process.returncode}: {err[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base_url}/ready", timeout=2.0).status_code == 200:
                    break
            if time.perf_counter() - began > STARTUP_TIMEOUT_S:
                raise RuntimeError("page server did not start")
            time.sleep(0.1)
        yield Served(base_url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8801)
    parser.add_argument("--events-per-day", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    serve(args.port, args.events_per_day, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
