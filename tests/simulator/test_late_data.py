"""The simulated Domino changes between extractions the way a real one does: retention, late cost
adjustments, jobs that finish or vanish, and a Kubecost reporting local-midnight windows."""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.simulator.server import RunningSimulator
from tests.simulator.http_helpers import client_for

Start = Callable[..., RunningSimulator]
DAY = {
    "window": "2026-10-05T00:00:00Z,2026-10-06T00:00:00Z",
    "aggregate": "label:dominodatalab.com/project-id",
}


def _total(rows: list[dict]) -> float:
    return round(sum(r["totalCost"] for r in rows), 5)


def test_retention_drops_old_cost_and_audit(start_simulator: Start) -> None:
    running = start_simulator(seed=7)
    with client_for(running) as api:
        old = {"window": "2026-08-10T00:00:00Z,2026-08-11T00:00:00Z"}
        assert api.get("/api/cost/v1/allocation", params=old).json()["data"]
        audit_params = {"startTimestamp": 0, "endTimestamp": 1_790_000_000_000, "limit": 1}
        before = api.get("/api/audittrail/v1/auditevents", params=audit_params).json()["total"]
        response = api.post("/__sim/retention", json={"keep_from": "2026-09-01"})
        assert response.status_code == 200, response.text
        assert api.get("/api/cost/v1/allocation", params=old).json()["data"] == []
        assert api.get("/api/cost/v1/asset", params=old).json()["data"] == []
        after = api.get("/api/audittrail/v1/auditevents", params=audit_params).json()
        assert 0 < after["total"] < before
        assert after["events"][0]["timestamp"] >= 1_788_220_800_000  # 2026-09-01T00:00Z
        recent = {"window": "2026-10-10T00:00:00Z,2026-10-11T00:00:00Z"}
        assert api.get("/api/cost/v1/allocation", params=recent).json()["data"]


def test_late_adjustment_lands_in_allocation_summary_and_truth(start_simulator: Start) -> None:
    running = start_simulator(seed=7)
    with client_for(running) as api:
        before = api.get("/api/cost/v1/allocation", params=DAY).json()["data"]
        response = api.post("/__sim/cost-adjustments", json={"day": "2026-10-05", "factor": -0.1})
        adjustment = response.json()["adjustment"]
        assert adjustment < 0
        after = api.get("/api/cost/v1/allocation", params=DAY).json()["data"]
        summary = api.get("/api/cost/v1/allocation/summary", params=DAY).json()["data"]
        changed = [r for r in after if r["cpuCostAdjustment"] != 0]
        assert changed and all(r["cpuCostAdjustment"] < 0 for r in changed)
        assert all(r["cpuCostAdjustment"] == 0 for r in after if r["name"] == "__idle__")
        assert abs(_total(after) - (_total(before) + adjustment)) < 1e-3
        assert abs(_total(summary) - _total(after)) < 1e-3
        truth = api.get("/__sim/truth").json()["cost_per_day"]["2026-10-05"]
        assert truth["adjustment"] == adjustment
        assert abs(truth["total"] - _total(after)) < 0.01


def test_jobs_finish_and_vanish(start_simulator: Start) -> None:
    running = start_simulator(seed=7)
    with client_for(running) as api:
        unfinished = api.get("/__sim/jobs/unfinished").json()["unfinished"]
        assert len(unfinished) >= 3
        done, gone = unfinished[0], unfinished[1]
        job = api.get(f"/api/jobs/beta/jobs/{done}").json()["job"]
        assert job["status"]["isCompleted"] is False and job["stageTimes"]["completedTime"] is None
        assert api.post("/__sim/jobs/finish", json={"job_ids": [done]}).json() == {"finished": [done]}
        job = api.get(f"/api/jobs/beta/jobs/{done}").json()["job"]
        assert job["status"] == {**job["status"], "executionStatus": "Succeeded", "isCompleted": True}
        assert job["stageTimes"]["completedTime"] >= "2026-11-01T00:00:00"
        project_id = api.get(f"/api/jobs/beta/jobs/{gone}").json()["job"]["projects"][0]["projectId"]
        listed = api.get("/api/jobs/beta/jobs", params={"projectId": project_id, "limit": 1000}).json()
        assert api.delete(f"/__sim/jobs/{gone}").status_code == 200
        assert api.get(f"/api/jobs/beta/jobs/{gone}").status_code == 404
        relisted = api.get("/api/jobs/beta/jobs", params={"projectId": project_id, "limit": 1000}).json()
        assert gone not in {j["id"] for j in relisted["jobs"]}
        assert relisted["metadata"]["totalCount"] == listed["metadata"]["totalCount"] - 1
        assert len(relisted["jobs"]) == len(listed["jobs"]) - 1
        assert api.delete(f"/__sim/jobs/{gone}").status_code == 400  # unknown now: a clear error


def test_local_midnight_cost_windows(start_simulator: Start) -> None:
    running = start_simulator(seed=7, cost_window_offset_hours=-2)
    with client_for(running) as api:
        rows = api.get("/api/cost/v1/allocation", params=DAY).json()["data"]
        assert {r["window"]["start"] for r in rows} == {"2026-10-04T22:00:00Z"}
        assert {r["window"]["end"] for r in rows} == {"2026-10-05T22:00:00Z"}
        assets = api.get("/api/cost/v1/asset", params={"window": DAY["window"]}).json()["data"]
        assert {r["window"]["start"] for r in assets} == {"2026-10-04T22:00:00Z"}


def test_some_apps_have_thumbnails(simulator: RunningSimulator) -> None:
    with client_for(simulator) as api:
        statuses = {}
        for app_id in simulator.world.collections["apps"]:
            response = api.get(f"/api/apps/beta/apps/{app_id}/thumbnail")
            statuses[response.status_code] = response
        assert set(statuses) == {200, 404}
        assert statuses[200].headers["content-type"] == "image/png"
        assert statuses[200].content.startswith(b"\x89PNG")
        assert set(statuses[404].json()) == {"errors", "requestId"}


def test_ai_gateway_audit_honours_the_time_range(simulator: RunningSimulator) -> None:
    with client_for(simulator) as api:
        every = api.get("/api/aigateway/v1/audit").json()
        first = min(e["timestamp"] for e in every)
        day = first[:10]
        window = {"startTime": f"{day}T00:00:00Z", "endTime": f"{day}T23:59:59.999Z"}
        inside = api.get("/api/aigateway/v1/audit", params=window).json()
        assert inside and all(e["timestamp"].startswith(day) for e in inside)
        assert len(inside) == sum(1 for e in every if e["timestamp"].startswith(day))


def test_every_read_error_uses_a_domino_error_body(simulator: RunningSimulator) -> None:
    """A 4xx on any GET route with a path parameter (unknown ids) answers in one of Domino's error forms:
    `{"errors": [...], "requestId": ...}`, or the cost service's `{"error": ...}` on cost validation."""
    from pipeline.simulator.http.routes import route_table

    forms: dict[str, int] = {}
    with client_for(simulator) as api:
        for route in route_table():
            if route["method"] != "GET" or "{" not in route["path"]:
                continue
            path = re.sub(r"\{[^}]+\}", "000000000000000000000000", route["path"])
            response = api.get(path)
            if response.status_code < 400:
                continue
            body = response.json()
            assert isinstance(body, dict), path
            if set(body) == {"errors", "requestId"}:
                assert body["errors"] and all(isinstance(e, str) for e in body["errors"]), path
                forms["errors"] = forms.get("errors", 0) + 1
            elif route["area"] == "cost" and set(body) == {"error"}:
                forms["error"] = forms.get("error", 0) + 1
            else:
                assert route["path"].startswith("/v4/"), f"{path}: {body}"  # v4 internals: {"message": ...}
    assert forms.get("errors", 0) > 20
