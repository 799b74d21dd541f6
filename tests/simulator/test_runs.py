"""The v4 runs batch export: cursor paging, v4 errors, and per-run cost that agrees with the allocation."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import httpx
import pytest

from pipeline.simulator.server import RunningSimulator
from pipeline.simulator.world import World

PATH = "/v4/gateway/runs/getByBatchId"
RUN_FIELDS = {
    "runId",
    "batchId",
    "title",
    "command",
    "status",
    "runType",
    "userId",
    "userName",
    "projectId",
    "projectName",
    "projectOwnerId",
    "projectOwnerName",
    "hardwareTier",
    "queuedTime",
    "startTime",
    "endTime",
    "runDurationSec",
    "hardwareTierCostAmount",
    "hardwareTierCostCurrency",
    "totalCostAmount",
    "totalCostCurrency",
    "diskUsageGiB",
    "diskUsagePercent",
    "computeClusterDetails",
}


@pytest.fixture(scope="module")
def small() -> World:
    return World(seed=7, scale="small")


def _all_runs(world: World, limit: int) -> list[dict]:
    runs, batch = [], ""
    while batch is not None:
        page, batch = world.runs_page(batch, limit)
        runs += page
    return runs


def test_every_run_once_in_batch_order_with_its_tier_cost(small: World) -> None:
    runs = _all_runs(small, 333)
    assert len(runs) == small.run_count() == len({r["runId"] for r in runs})
    assert [r["batchId"] for r in runs] == sorted(r["batchId"] for r in runs)
    assert {r["runType"] for r in runs} == {"Batch", "Workspace"}
    tiers = small.collections["hardware_tiers"]
    truth = small.run_costs()
    for run in runs:
        assert set(run) == RUN_FIELDS
        price = tiers[run["hardwareTier"]]["centsPerMinute"] / 100
        assert run["totalCostAmount"] == pytest.approx(run["runDurationSec"] / 60 * price, abs=1e-6)
        assert run["totalCostAmount"] == pytest.approx(truth[run["runId"]], abs=1e-6)
        assert run["queuedTime"].endswith("Z") and (run["startTime"] is None) == (run["status"] == "Queued")
        assert (run["endTime"] is None) == (run["status"] in ("Queued", "Running"))
    assert {r["status"] for r in runs} >= {"Succeeded", "Failed", "Stopped", "Running", "Queued"}


def test_run_cost_equals_the_allocations_batch_and_workspace_compute(small: World) -> None:
    rows = small.cost_allocation(small.start, small.end, ["workload-type"], accumulate=True)
    compute = {r["name"]: r["cpuCost"] + r["gpuCost"] + r["ramCost"] for r in rows}
    assert sum(small.run_costs().values()) == pytest.approx(compute["Batch"] + compute["Workspace"], abs=1e-3)
    assert small.truth()["run_cost_total"] == pytest.approx(sum(small.run_costs().values()), abs=1e-6)


def test_batch_id_is_an_inclusive_starting_id(small: World) -> None:
    first, following = small.runs_page("", 3)
    again, _ = small.runs_page(first[1]["batchId"], 2)
    assert [r["runId"] for r in again] == [r["runId"] for r in first[1:3]]
    assert following == small.runs_page(following, 1)[0][0]["batchId"]
    between = first[1]["batchId"][:8] + "f" * 16  # after run 1, before the next second's runs
    assert small.runs_page(between, 1)[0][0]["batchId"] > first[1]["batchId"]
    assert small.runs_page("f" * 24, 10) == ([], None)
    with pytest.raises(ValueError, match="not a valid ID"):
        small.runs_page("nope", 10)


def test_runs_started_at_run_time_join_the_end_of_the_sequence() -> None:
    world = World(seed=3, scale="small")
    before = world.run_count()
    _, last_start = world.runs_page("", before - 1)
    project = next(iter(world.collections["projects"]))
    env = next(iter(world.collections["environments"]))
    job = world.start_job(project, world.regular_user_id, "train.py", "medium-k8s", env, title="t")
    tail, following = world.runs_page(last_start, 10)
    assert following is None and [r["runId"] for r in tail][-1] == job["id"]
    assert tail[-1]["status"] == "Running" and tail[-1]["endTime"] is None
    world.stop_job(job["id"], world.regular_user_id)
    stopped = world.runs_page(last_start, 10)[0][-1]
    assert stopped["status"] == "Stopped" and stopped["totalCostAmount"] == pytest.approx(0.02 * 1, abs=1e-6)
    per_day: dict[str, float] = defaultdict(float)
    after_writes = world.end + timedelta(days=1)  # run-time executions bill on the day of world.end
    for row in world.cost_allocation(world.start, after_writes, ["workload-type"], accumulate=True):
        per_day[row["name"]] += row["cpuCost"] + row["gpuCost"] + row["ramCost"]
    assert sum(world.run_costs().values()) == pytest.approx(per_day["Batch"] + per_day["Workspace"], abs=1e-3)


def test_http_pages_follow_the_cursor_to_null(admin: httpx.Client, simulator: RunningSimulator) -> None:
    seen, batch, pages = [], "", 0
    while batch is not None:
        body = admin.get(PATH, params={"batchId": batch, "limit": 400}).json()
        assert set(body) == {"runs", "nextBatchId"}
        seen += body["runs"]
        batch, pages = body["nextBatchId"], pages + 1
    truth = httpx.get(f"{simulator.base_url}/__sim/truth/runs").json()
    assert [r["runId"] for r in seen] == list(truth) and pages == -(-len(truth) // 400)
    cut = admin.get(PATH, params={"batchId": "", "limit": 5000}).json()
    assert len(cut["runs"]) == 1000 and cut["nextBatchId"] is not None


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({}, 400, "'batchId' is required"),
        ({"batchId": "zz"}, 400, "zz is not a valid ID"),
        ({"batchId": "", "limit": "0"}, 400, "'limit' must be >= 1"),
        ({"batchId": "", "limit": "ten"}, 400, "must be an integer"),
    ],
)
def test_http_bad_requests_get_v4_error_bodies(admin: httpx.Client, params, status, message) -> None:
    response = admin.get(PATH, params=params)
    assert response.status_code == status
    assert set(response.json()) == {"message"} and message in response.json()["message"]


def test_http_runs_need_a_sysadmin(user: httpx.Client, simulator: RunningSimulator) -> None:
    forbidden = user.get(PATH, params={"batchId": ""})
    assert forbidden.status_code == 403 and "SysAdmin" in forbidden.json()["message"]
    anonymous = httpx.get(f"{simulator.base_url}{PATH}", params={"batchId": ""})
    assert anonymous.status_code == 401 and set(anonymous.json()) == {"message"}


def test_the_planted_cost_spike_is_one_project_days_gpu_burst(small: World) -> None:
    spike = small.truth()["planted"]["cost_spike"]
    day = small.start + timedelta(days=small.cost_spike.day)
    rows = small.cost_allocation(day, day + timedelta(days=1), ["project-id"], accumulate=True)
    spend = sorted(((r["totalCost"], r["name"]) for r in rows if r["name"] != "__idle__"), reverse=True)
    assert spend[0][1] == spike["project_id"] and spend[0][0] > 1000 > 5 * spend[1][0]
    burst = [
        r
        for r in _all_runs(small, 1000)
        if r["projectId"] == spike["project_id"] and r["hardwareTier"] == "gpu-large-k8s"
    ]
    assert len(burst) == 8 and {r["endTime"][:10] for r in burst} == {spike["day"]}


def test_the_planted_privileged_action_is_in_the_audit_trail(small: World) -> None:
    planted = small.truth()["planted"]["privileged_action"]
    events, total = small.audit_events(None, None, event="Change User Role")
    assert total == 1 and events[0]["timestamp"] == planted["timestamp"]
    (target,) = events[0]["targets"]
    assert target["entity"]["id"] == planted["target_id"] and events[0]["actor"]["id"] == planted["actor_id"]
    assert target["fieldChanges"] == [
        {"fieldName": "role", "fieldType": "scalar", "before": "Practitioner", "after": "SysAdmin"}
    ]
    assert "SysAdmin" in small.collections["users"][planted["target_id"]]["roles"]


def test_job_peak_usage_fits_the_tier(small: World) -> None:
    tiers = small.collections["hardware_tiers"]
    jobs = [j for p in small.collections["projects"] for j in small.jobs_page(p, 0, 1000)]
    memory = [
        j["usage"]["memoryGiB"] / tiers[j["hardwareTierId"]]["resources"]["memory"]["value"] for j in jobs
    ]
    assert all(0 < j["usage"]["cpuPercentage"] <= 100 for j in jobs) and all(0 < m <= 1 for m in memory)
    assert 0.2 < sum(j["usage"]["cpuPercentage"] < 40 for j in jobs) / len(jobs) < 0.8
