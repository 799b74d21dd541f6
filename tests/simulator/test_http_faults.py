"""Each fault kind is observable with fault_rate=1.0, and data faults never lose records."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import httpx
import pytest

from pipeline.simulator.http.faults import EXTRA_FIELD
from pipeline.simulator.server import RunningSimulator
from tests.simulator.http_helpers import client_for

Start = Callable[..., RunningSimulator]


def faulty(start: Start, kind: str, **settings) -> RunningSimulator:
    return start(seed=42, fault_rate=1.0, faults=(kind,), **settings)


def test_rate_limit_has_retry_after(start_simulator: Start) -> None:
    running = faulty(start_simulator, "rate_limit", retry_after_seconds=2)
    with client_for(running) as api:
        response = api.get("/api/users/v1/self")
        assert api.get("/__sim/config").status_code == 200  # never faulted
    assert response.status_code == 429 and response.headers["retry-after"] == "2"
    assert set(response.json()) == {"errors", "requestId"}


def test_server_errors_cover_the_5xx_family(start_simulator: Start) -> None:
    with client_for(faulty(start_simulator, "server_error")) as api:
        statuses = {api.get("/api/users/v1/self").status_code for _ in range(40)}
    assert statuses == {500, 502, 503, 504}


def test_slow_response_passes_a_client_timeout(start_simulator: Start) -> None:
    with (
        client_for(faulty(start_simulator, "slow", slow_seconds=0.6), timeout=0.2) as api,
        pytest.raises(httpx.ReadTimeout),
    ):
        api.get("/api/users/v1/self")


def test_dropped_connection(start_simulator: Start) -> None:
    with client_for(faulty(start_simulator, "drop")) as api, pytest.raises(httpx.RemoteProtocolError):
        api.get("/api/users/v1/self")


def test_truncated_body_has_full_content_length(start_simulator: Start) -> None:
    running = faulty(start_simulator, "truncate")
    host, port = running.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            f"GET /api/projects/beta/projects HTTP/1.1\r\nHost: x\r\nX-Domino-Api-Key: "
            f"{running.admin_key}\r\n\r\n".encode()
        )
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
    )
    assert head.startswith(b"HTTP/1.1 200") and 0 < len(body) == length // 2
    with client_for(running) as api, pytest.raises(httpx.RemoteProtocolError):
        api.get("/api/projects/beta/projects")


def test_extra_fields_added_without_losing_records(
    start_simulator: Start, simulator: RunningSimulator
) -> None:
    with client_for(faulty(start_simulator, "extra_fields")) as api, client_for(simulator) as clean:
        got = api.get("/api/projects/beta/projects").json()["projects"]
        want = clean.get("/api/projects/beta/projects").json()["projects"]
    assert len(got) == len(want) and all(EXTRA_FIELD in p for p in got)
    assert [{k: v for k, v in p.items() if k != EXTRA_FIELD} for p in got] == want


def test_enum_casing_variants(start_simulator: Start) -> None:
    running = faulty(start_simulator, "enum_case")
    project_id = next(iter(running.world.collections["projects"]))
    with client_for(running) as api:
        jobs = api.get("/api/jobs/beta/jobs", params={"projectId": project_id}).json()["jobs"]
        settings = api.get("/api/cost/v1/billingtagSettings").json()
    assert jobs and {j["status"]["executionStatus"] for j in jobs} <= {
        "SUCCEEDED",
        "FAILED",
        "RUNNING",
        "QUEUED",
        "STOPPED",
        "ERROR",
    }
    assert settings["mode"] == "REQUIRED"


def test_wrong_type_in_one_record(start_simulator: Start) -> None:
    running = faulty(start_simulator, "wrong_type")
    project_id = next(iter(running.world.collections["projects"]))
    with client_for(running) as api:
        jobs = api.get("/api/jobs/beta/jobs", params={"projectId": project_id, "limit": 5}).json()["jobs"]
    assert (
        len(jobs) == 5 and jobs[0]["number"] == "abc" and all(isinstance(j["number"], int) for j in jobs[1:])
    )


def test_fault_rate_is_a_deterministic_fraction(start_simulator: Start) -> None:
    first = start_simulator(seed=5, fault_rate=0.3, faults=("rate_limit",))
    second = start_simulator(seed=5, fault_rate=0.3, faults=("rate_limit",))
    with client_for(first) as a, client_for(second) as b:
        codes_a = [a.get("/api/users/v1/self").status_code for _ in range(100)]
        codes_b = [b.get("/api/users/v1/self").status_code for _ in range(100)]
    assert codes_a == codes_b and 15 <= codes_a.count(429) <= 45
    assert httpx.get(f"{first.base_url}/__sim/truth").status_code == 200


def test_latency_is_added(start_simulator: Start) -> None:
    with client_for(start_simulator(seed=42, latency_ms=150)) as api:
        began = time.perf_counter()
        assert api.get("/api/users/v1/self").status_code == 200
    assert time.perf_counter() - began >= 0.15
