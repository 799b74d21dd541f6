"""The simulator's world: deterministic, consistent, and its cost and audit add up."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from pipeline.simulator.world import World

DAY_MS = 86_400_000
SIX_LABELS = [
    "workload-type",
    "project-id",
    "project-name",
    "starting-user-username",
    "organization-name",
    "billing-tag",
]


@pytest.fixture(scope="module")
def small() -> World:
    return World(seed=7, scale="small")


def _day(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d")


def test_same_seed_gives_the_same_world_and_pages() -> None:
    a, b = World(seed=42, scale="demo"), World(seed=42, scale="demo")
    assert a.truth() == b.truth()
    project = next(iter(a.collections["projects"]))
    assert a.jobs_page(project, 0, 20) == b.jobs_page(project, 0, 20)
    assert a.audit_events(None, None, offset=500, limit=100) == b.audit_events(
        None, None, offset=500, limit=100
    )
    assert a.cost_allocation(a.start, a.end, ["billing-tag"], True) == b.cost_allocation(
        b.start, b.end, ["billing-tag"], True
    )
    other = World(seed=43, scale="demo")
    assert other.truth() != a.truth()
    assert list(other.collections["projects"]) != list(a.collections["projects"])


@pytest.mark.parametrize(
    ("scale", "users", "projects", "jobs", "events"),
    [("small", 12, 10, 1_000, 10_000), ("demo", 40, 50, 10_000, 100_000)],
)
def test_counts_follow_the_scale(scale: str, users: int, projects: int, jobs: int, events: int) -> None:
    truth = World(seed=1, scale=scale).truth()
    assert truth["collections"]["users"] == users
    assert truth["collections"]["projects"] == projects
    assert truth["jobs"] == jobs
    assert truth["audit_events"] == events
    assert datetime.fromisoformat(truth["end"]) - datetime.fromisoformat(truth["start"]) == timedelta(days=90)


def test_inventory_is_consistent(small: World) -> None:
    c = small.collections
    assert "SysAdmin" in c["users"][small.admin_user_id]["roles"]
    assert "SysAdmin" not in c["users"][small.regular_user_id]["roles"]
    untagged = [p for p in c["projects"].values() if "billingTag" not in p]
    assert 0 < len(untagged) < len(c["projects"])
    assert any(not t["active"] for t in c["billing_tags"].values())
    assert any(t["gpuConfiguration"] for t in c["hardware_tiers"].values())
    for project in c["projects"].values():
        assert project["ownerId"] in c["users"]
        assert project.get("billingTag", {"tag": next(iter(c["billing_tags"]))})["tag"] in c["billing_tags"]
    for dataset in c["datasets"].values():
        assert dataset["projectId"] in c["projects"]
        assert all(s in c["snapshots"] for s in dataset["snapshotIds"])
    for app_id, versions in small.children["app_versions"].items():
        assert app_id in c["apps"] and all(v["id"] in small.children["app_instances"] for v in versions)
    assert all(len(v) == 1 for v in small.children["ai_gateway_permissions"].values())
    assert all("key" not in str(e).lower() for e in c["ai_gateway_endpoints"].values())


def test_job_paging_covers_every_job_once_newest_first(small: World) -> None:
    seen: set[str] = set()
    statuses = set()
    for project_id in small.collections["projects"]:
        count = small.job_count(project_id)
        listed = [job for offset in range(0, count + 7, 7) for job in small.jobs_page(project_id, offset, 7)]
        assert [j["number"] for j in listed] == list(range(count, 0, -1))
        assert all(j["projectId"] == project_id for j in listed)
        seen.update(j["id"] for j in listed)
        statuses.update(j["status"]["executionStatus"] for j in listed)
        for job in listed[:2]:
            assert small.job(job["id"]) == job
    assert len(seen) == small.truth()["jobs"]
    assert {"Running", "Queued", "Succeeded"} <= statuses
    assert small.job("0123456789abcdef01234567") is None


def _execution_cost_per_day(world: World) -> dict[str, float]:
    """Independent recomputation: minutes in each day × the tier's centsPerMinute / 100."""
    table = world.executions_table()
    tiers = list(world.collections["hardware_tiers"].values())
    per_day: dict[str, float] = defaultdict(float)
    day_s = 86_400
    for tier, start, end in zip(
        table["tier"].tolist(), table["start_s"].tolist(), table["end_s"].tolist(), strict=True
    ):
        price = tiers[tier]["centsPerMinute"] / 100
        t = start
        while t < end:
            boundary = (t // day_s + 1) * day_s
            piece = min(end, boundary) - t
            per_day[_day(datetime.fromtimestamp(t, tz=UTC))] += piece / 60 * price
            t = boundary
    return per_day


def test_allocation_compute_equals_execution_minutes_times_price(small: World) -> None:
    expected = _execution_cost_per_day(small)
    rows = small.cost_allocation(small.start, small.end, SIX_LABELS, accumulate=False)
    by_day: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_day[row["window"]["start"][:10]].append(row)
    assert set(by_day) == {_day(small.start + timedelta(days=d)) for d in range(90)}
    truth = small.truth()
    for day, day_rows in by_day.items():
        work = [r for r in day_rows if r["name"] != "__idle__"]
        assert sum(r["name"] == "__idle__" for r in day_rows) == 1
        assert all(len(r["name"].split("/")) == 6 for r in work)
        compute = sum(r["cpuCost"] + r["gpuCost"] + r["ramCost"] for r in work)
        assert compute == pytest.approx(expected.get(day, 0.0), abs=1.5e-5 * max(len(work), 1))
        assert truth["execution_cost_per_day"][day] == pytest.approx(expected.get(day, 0.0), abs=1e-6)
        total = sum(r["totalCost"] for r in day_rows)
        assert total == pytest.approx(truth["cost_per_day"][day]["total"], abs=1e-4 * len(day_rows))
        for r in day_rows:
            parts = (
                r["cpuCost"]
                + r["gpuCost"]
                + r["ramCost"]
                + r["pvCost"]
                + r["networkCost"]
                + r["loadBalancerCost"]
                + r["sharedCost"]
            )
            assert r["totalCost"] == pytest.approx(parts, abs=1e-6)
    names = {r["name"].split("/")[-1] for r in rows}
    assert "__unallocated__" in names
    assert {r["name"].split("/")[0] for r in rows} >= {"Batch", "Workspace", "App", "ModelAPI"}


def test_summary_assets_and_accumulate_agree_with_allocation(small: World) -> None:
    start, end = small.start + timedelta(days=10), small.start + timedelta(days=13)
    alloc = small.cost_allocation(start, end, ["project"], accumulate=False)
    summary = small.cost_allocation(start, end, ["project"], accumulate=False, summary=True)
    assets = small.cost_assets(start, end, accumulate=False)
    assert [(r["name"], r["window"]["start"], r["totalCost"]) for r in alloc] == [
        (r["name"], r["window"]["start"], r["totalCost"]) for r in summary
    ]
    for d in range(10, 13):
        day = (small.start + timedelta(days=d)).strftime("%Y-%m-%dT%H:%M:%SZ")
        a_rows = [r for r in alloc if r["window"]["start"] == day]
        n_rows = [r for r in assets if r["window"]["start"] == day]
        for field in ("cpuCost", "gpuCost", "ramCost", "totalCost"):
            assert sum(r[field] for r in n_rows) == pytest.approx(
                sum(r[field] for r in a_rows), abs=1e-5 * (len(a_rows) + len(n_rows))
            )
    accumulated = small.cost_allocation(start, end, ["project"], accumulate=True)
    assert len({r["window"]["start"] for r in accumulated}) == 1
    assert sum(r["totalCost"] for r in accumulated) == pytest.approx(
        sum(r["totalCost"] for r in alloc), abs=1e-4 * len(alloc)
    )
    with pytest.raises(ValueError, match="unsupported aggregate"):
        small.cost_allocation(start, end, ["pod-color"], accumulate=False)


def test_audit_window_paging_and_per_day_truth(small: World) -> None:
    truth = small.truth()
    day0 = int(small.start.timestamp() * 1000) + 30 * DAY_MS
    events, total = small.audit_events(day0, day0 + DAY_MS, limit=10_000)
    assert total == truth["audit_events_per_day"][_day(small.start + timedelta(days=30))] == len(events)
    assert all(day0 <= e["timestamp"] < day0 + DAY_MS for e in events)
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    paged = [
        e
        for off in range(0, total, 13)
        for e in small.audit_events(day0, day0 + DAY_MS, offset=off, limit=13)[0]
    ]
    assert paged == events
    assert small.audit_events(None, None, limit=0)[1] == truth["audit_events"]


def test_audit_follows_the_world_and_filters(small: World) -> None:
    project_id = next(p for p in small.collections["projects"] if small.job_count(p) > 0)
    job = small.jobs_page(project_id, small.job_count(project_id) - 1, 1)[0]  # the oldest job
    starts, n = small.audit_events(None, None, event="Start Job", target_id=job["id"])
    assert n == 1 and starts[0]["in"]["id"] == project_id
    assert starts[0]["targets"][0]["entity"] == {
        "entityType": "job",
        "id": job["id"],
        "name": job["title"],
        "tags": [],
    }
    _, n_starts = small.audit_events(None, None, event="Start Job", limit=0)
    queued = sum(
        j["status"]["executionStatus"] == "Queued"
        for p in small.collections["projects"]
        for j in small.jobs_page(p, 0, 20)
    )
    assert queued > 0 and n_starts == small.truth()["jobs"] - queued  # queued jobs have not started
    name = small.collections["projects"][project_id]["name"]
    in_project, n = small.audit_events(None, None, within_project_name=name, limit=5000)
    assert n == len(in_project) > 0 and all(e["in"]["id"] == project_id for e in in_project)
    _, n_created = small.audit_events(None, None, event="Create Project", limit=0)
    assert n_created == len(small.collections["projects"])
    admin = small.collections["users"][small.admin_user_id]["userName"]
    by_admin, n = small.audit_events(None, None, actor_name=admin, target_type="project", limit=1000)
    assert n == len(by_admin) and all(e["actor"]["name"] == admin for e in by_admin)
    with pytest.raises(ValueError, match="unsupported sort field"):
        small.audit_events(None, None, sort=[("colour", True)])


def test_audit_sort_orders(small: World) -> None:
    events, _ = small.audit_events(None, None, sort=[("actorName", True), ("timestamp", False)], limit=3000)
    keys = [(e["actor"]["name"], -e["timestamp"]) for e in events]
    assert keys == sorted(keys)
    newest, total = small.audit_events(None, None, sort=[("timestamp", False)], limit=50)
    oldest_last, _ = small.audit_events(None, None, offset=total - 50, limit=50)
    assert newest == list(reversed(oldest_last))
    by_event, _ = small.audit_events(None, None, sort=[("event", False)], limit=500)
    names = [e["action"]["eventName"] for e in by_event]
    assert names == sorted(names, reverse=True)


def test_writes_show_up_in_jobs_cost_audit_and_truth() -> None:
    world = World(seed=11, scale="small")
    project_id = next(iter(world.collections["projects"]))
    before = world.truth()
    job = world.start_job(
        project_id,
        world.regular_user_id,
        "train.py",
        "gpu-small-k8s",
        next(iter(world.collections["environments"])),
        title="adhoc",
    )
    assert world.jobs_page(project_id, 0, 1)[0]["id"] == job["id"]
    assert job["number"] == before["jobs_per_project"][project_id] + 1
    assert job["status"]["executionStatus"] == "Running" and job["stageTimes"]["completedTime"] is None
    stopped = world.stop_job(job["id"], world.regular_user_id)
    assert stopped["status"]["isCompleted"] and world.job(job["id"])["stageTimes"]["completedTime"]
    with pytest.raises(ValueError):
        world.stop_job(job["id"], world.regular_user_id)
    after = world.truth()
    assert after["jobs"] == before["jobs"] + 1
    assert after["jobs_per_project"][project_id] == before["jobs_per_project"][project_id] + 1
    write_day = _day(world.end)
    assert write_day not in before["cost_per_day"]
    # the runtime job is billed a one-minute minimum on the GPU tier: 9 cents per minute
    assert after["execution_cost_per_day"][write_day] == pytest.approx(0.09, abs=1e-6)
    rows = world.cost_allocation(world.end, world.end + timedelta(days=1), ["project-id"], False)
    assert {r["name"] for r in rows} == {project_id, "__idle__"}
    events, n = world.audit_events(int(world.end.timestamp() * 1000), None, limit=10)
    assert [e["action"]["eventName"] for e in events] == ["Start Job", "Stop Job"]
    assert n == 2 and after["audit_events"] == before["audit_events"] + 2
    found, _ = world.audit_events(None, None, target_id=job["id"], sort=[("timestamp", False)])
    assert [e["action"]["eventName"] for e in found] == ["Stop Job", "Start Job"]
    recorded = world.record_event(
        world.admin_user_id,
        "Add Collaborator",
        targets=[
            {
                "entity": {"entityType": "user", "id": world.regular_user_id, "name": "x", "tags": []},
                "fieldChanges": [],
            }
        ],
    )
    assert world.audit_events(None, None, sort=[("timestamp", False)], limit=1)[0] == [recorded]
    assert world.new_id("project") != world.new_id("project")


@pytest.mark.slow
def test_large_world_builds_at_scale() -> None:
    world = World(seed=42, scale="large")
    truth = world.truth()
    assert truth["collections"]["projects"] >= 2_000
    assert truth["jobs"] >= 1_000_000
    assert truth["audit_events"] >= 5_000_000
    assert len(truth["audit_events_per_day"]) == 365
    window = int(world.start.timestamp() * 1000) + 200 * DAY_MS
    events, _ = world.audit_events(window, window + DAY_MS, offset=100, limit=1000)
    assert len(events) == 1000 and np.all(np.diff([e["timestamp"] for e in events]) >= 0)
