"""Envelopes and pagination as a real Domino 6.x serves them."""

from __future__ import annotations

import httpx
import orjson
import pytest

from pipeline.simulator.server import RunningSimulator
from tests.simulator.http_helpers import all_pages

PAGED_LISTS = [
    # (path, records key, default limit, id field)
    ("/api/projects/beta/projects", "projects", 10, "id"),
    ("/api/hardwaretiers/v1/hardwaretiers", "hardwareTiers", 10, "id"),
    ("/api/environments/beta/environments", "environments", 10, "id"),
    ("/api/users/v1/users", "users", 10, "id"),
    ("/api/organizations/v1/organizations", "orgs", 10, "id"),
    ("/api/datasource/v1/datasources", "dataSources", 10, "id"),
    ("/api/serviceAccounts/v1/serviceAccounts", "serviceAccounts", 50, "id"),
    ("/api/modelServing/v1/modelApis", "items", 25, "id"),
    ("/api/modelServing/v1/modelDeployments", "items", 25, "id"),
    ("/api/registeredmodels/v2", "items", 10, "name"),
    ("/api/admin/v1/deploymentTargets", "deploymentTargets", 10, "id"),
    ("/api/admin/v1/deploymentTargetTypes", "deploymentTargetTypes", 10, "id"),
    ("/api/jobs/v1/goals", "goals", 10, "id"),
    ("/api/aigateway/v1/endpoints", "endpoints", 10, "endpointName"),
]


@pytest.mark.parametrize(("path", "key", "default_limit", "id_field"), PAGED_LISTS)
def test_paged_list_envelope_and_paging(
    admin: httpx.Client, path: str, key: str, default_limit: int, id_field: str
) -> None:
    first = admin.get(path)
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {key, "metadata"}
    meta = body["metadata"]
    assert set(meta) == {"requestId", "notices", "offset", "limit", "totalCount"}
    assert meta["offset"] == 0 and meta["limit"] == default_limit and meta["notices"] == []
    assert len(body[key]) == min(default_limit, meta["totalCount"])
    records, total = all_pages(admin, path, key, 2)
    ids = [r[id_field] for r in records]
    assert total > 0 and len(ids) == total == len(set(ids))


def test_apps_have_no_default_limit(admin: httpx.Client, simulator: RunningSimulator) -> None:
    body = admin.get("/api/apps/beta/apps").json()
    assert set(body) == {"items", "metadata"}
    assert len(body["items"]) == body["metadata"]["totalCount"] == len(simulator.world.collections["apps"])
    records, total = all_pages(admin, "/api/apps/beta/apps", "items", 1)
    assert len({a["id"] for a in records}) == total


def test_apps_filter_by_project_and_status(admin: httpx.Client) -> None:
    apps = admin.get("/api/apps/beta/apps").json()["items"]
    project_id = apps[0]["project"]["id"]
    filtered = admin.get("/api/apps/beta/apps", params={"projectId": project_id}).json()["items"]
    assert filtered and all(a["project"]["id"] == project_id for a in filtered)
    assert len(filtered) == sum(a["project"]["id"] == project_id for a in apps)
    status = apps[0]["currentVersion"]["currentInstance"]["status"]
    by_status = admin.get("/api/apps/beta/apps", params={"status": status}).json()["items"]
    assert by_status and all(a["currentVersion"]["currentInstance"]["status"] == status for a in by_status)


def test_projects_filter_by_name_and_owner(admin: httpx.Client) -> None:
    projects, _ = all_pages(admin, "/api/projects/beta/projects", "projects", 50)
    target = projects[0]
    by_name = admin.get("/api/projects/beta/projects", params={"name": target["name"]}).json()["projects"]
    assert [p["id"] for p in by_name] == [target["id"]]
    by_owner = admin.get(
        "/api/projects/beta/projects", params={"ownerId": target["ownerId"], "limit": 100}
    ).json()
    assert {p["id"] for p in by_owner["projects"]} == {
        p["id"] for p in projects if p["ownerId"] == target["ownerId"]
    }


def test_single_objects_use_noun_and_metadata(admin: httpx.Client) -> None:
    project = admin.get("/api/projects/beta/projects").json()["projects"][0]
    body = admin.get(f"/api/projects/v1/projects/{project['id']}").json()
    assert set(body) == {"project", "metadata"} and body["project"] == project
    assert set(body["metadata"]) == {"requestId", "notices"}
    assert admin.get("/api/users/v1/self").json()["user"]["roles"].count("SysAdmin") == 1
    org = admin.get("/api/organizations/v1/organizations").json()["orgs"][0]
    assert admin.get(f"/api/organizations/v1/organizations/{org['id']}").json()["org"] == org


def test_app_single_is_bare_and_versions_are_bare_arrays(admin: httpx.Client) -> None:
    app = admin.get("/api/apps/beta/apps").json()["items"][0]
    assert admin.get(f"/api/apps/beta/apps/{app['id']}").json() == app
    api = admin.get("/api/modelServing/v1/modelApis").json()["items"][0]
    versions = admin.get(f"/api/modelServing/v1/modelApis/{api['id']}/versions").json()
    assert isinstance(versions, list) and versions and all(v["modelApiId"] == api["id"] for v in versions)
    audit = admin.get("/api/datasource/v1/audit").json()
    assert isinstance(audit, list) and audit and {"dataSourceId", "eventKind", "timestamp"} <= set(audit[0])


def test_v2_datasets_wrap_each_item_and_filter_by_project(admin: httpx.Client) -> None:
    body = admin.get("/api/datasetrw/v2/datasets", params={"limit": 100}).json()
    items = body["datasets"]
    assert items and all(set(i) == {"dataset", "projectInfo"} for i in items)
    project_id = items[0]["dataset"]["projectId"]
    expected = {i["dataset"]["id"] for i in items if i["dataset"]["projectId"] == project_id}
    for params in ({"projectId": project_id}, {"projectIdsToInclude": project_id}):
        got = admin.get("/api/datasetrw/v2/datasets", params={**params, "limit": 100}).json()["datasets"]
        assert {i["dataset"]["id"] for i in got} == expected
    records, total = all_pages(admin, "/api/datasetrw/v2/datasets", "datasets", 3)
    assert len({r["dataset"]["id"] for r in records}) == total == body["metadata"]["totalCount"]


def test_jobs_require_project_and_page_consistently(admin: httpx.Client, simulator: RunningSimulator) -> None:
    missing = admin.get("/api/jobs/beta/jobs")
    assert missing.status_code == 400 and "projectId" in missing.json()["errors"][0]
    project_id = max(simulator.world.collections["projects"], key=simulator.world.job_count)
    records, total = all_pages(admin, "/api/jobs/beta/jobs", "jobs", 40, projectId=project_id)
    numbers = [j["number"] for j in records]
    assert total == simulator.world.job_count(project_id) == len(set(numbers)) == len(numbers)
    assert numbers == sorted(numbers, reverse=True)
    ascending = admin.get(
        "/api/jobs/beta/jobs",
        params={"projectId": project_id, "sortBy": "number", "ascending": "true", "limit": 5},
    ).json()["jobs"]
    assert [j["number"] for j in ascending] == [1, 2, 3, 4, 5]
    assert admin.get("/api/jobs/beta/jobs", params={"projectId": project_id, "limit": "x"}).status_code == 400


def test_job_detail_and_real_form(admin: httpx.Client, simulator: RunningSimulator) -> None:
    project_id = next(iter(simulator.world.collections["projects"]))
    job = admin.get("/api/jobs/beta/jobs", params={"projectId": project_id}).json()["jobs"][0]
    assert not {"projectId", "hardwareTierId", "environmentId"} & set(job)
    assert job["projects"][0]["projectId"] == project_id
    detail = admin.get(f"/api/jobs/beta/jobs/{job['id']}").json()
    assert set(detail) == {"job", "metadata"} and detail["job"]["id"] == job["id"]
    assert admin.get("/api/jobs/beta/jobs/0123456789abcdef01234567").status_code == 404


def test_unknown_and_malformed_ids(admin: httpx.Client) -> None:
    assert admin.get("/api/projects/v1/projects/0123456789abcdef01234567").status_code == 404
    bad = admin.get("/api/projects/v1/projects/not-an-id")
    assert bad.status_code == 400 and "not a valid ID" in bad.json()["errors"][0]


def test_audit_envelope_paging_and_sort(admin: httpx.Client, simulator: RunningSimulator) -> None:
    seen: set[bytes] = set()
    offset, total, previous = 0, None, None
    while True:
        body = admin.get(
            "/api/audittrail/v1/auditevents", params={"offset": offset, "limit": 1000, "sort": "-timestamp"}
        ).json()
        assert set(body) == {"events", "total"}
        total = body["total"] if total is None else total
        assert body["total"] == total
        for event in body["events"]:
            assert previous is None or event["timestamp"] <= previous
            previous = event["timestamp"]
            seen.add(orjson.dumps(event))
        if len(body["events"]) < 1000:
            break
        offset += 1000
    assert len(seen) == total == simulator.world.truth()["audit_events"]
    assert admin.get("/auditevents").json()["events"].__len__() == 50


def test_audit_filters_and_time_parameters(admin: httpx.Client) -> None:
    first = admin.get("/auditevents", params={"event": "Add Collaborator", "limit": 500}).json()
    assert first["total"] > 0 and all(e["action"]["eventName"] == "Add Collaborator" for e in first["events"])
    seed_style = admin.get("/auditevents", params={"eventType": "Add Collaborator", "limit": 500}).json()
    assert seed_style == first
    day = admin.get(
        "/auditevents",
        params={"startTime": "2026-10-01T00:00:00Z", "endTime": "2026-10-02T00:00:00Z", "limit": 5000},
    ).json()
    ms = admin.get(
        "/auditevents", params={"startTimestamp": 1790812800000, "endTimestamp": 1790899200000, "limit": 5000}
    ).json()
    assert day == ms and day["total"] > 0
    assert all(1790812800000 <= e["timestamp"] < 1790899200000 for e in day["events"])
    actor = first["events"][0]["actor"]
    mine = admin.get("/auditevents", params={"actorId": actor["id"], "limit": 5000}).json()
    assert mine["total"] > 0 and all(e["actor"]["id"] == actor["id"] for e in mine["events"])
    by_name = admin.get("/auditevents", params={"sort": "+actorName,-timestamp", "limit": 200}).json()[
        "events"
    ]
    names = [e["actor"]["name"] or "" for e in by_name]
    assert names == sorted(names)
    assert admin.get("/auditevents", params={"sort": "-bogus"}).status_code == 400


def test_cost_envelope_windows_and_aggregates(admin: httpx.Client) -> None:
    body = admin.get(
        "/api/cost/v1/allocation",
        params={
            "window": "7d",
            "aggregate": "label:dominodatalab.com/project-name,label:dominodatalab.com/billing-tag,",
            "accumulate": "false",
        },
    ).json()
    assert set(body) == {"data"} and body["data"]
    assert all(row["name"] == "__idle__" or row["name"].count("/") == 1 for row in body["data"])
    assert len({row["window"]["start"] for row in body["data"]}) == 7
    pair = admin.get(
        "/api/cost/v1/allocation",
        params={
            "window": "2026-10-25T00:00:00Z,2026-11-01T00:00:00Z",
            "aggregate": "label:dominodatalab.com/project-name,label:dominodatalab.com/billing-tag",
        },
    ).json()
    assert pair == body
    seed = admin.get(
        "/api/cost/v1/allocation",
        params={
            "startTime": "2026-10-25T00:00:00Z",
            "endTime": "2026-11-01T00:00:00Z",
            "aggregateBy": "project",
        },
    )
    assert seed.status_code == 200 and seed.json()["data"]
    for word in ("today", "yesterday", "week", "month", "lastweek", "lastmonth", "24h"):
        response = admin.get("/api/cost/v1/allocation/summary", params={"window": word, "accumulate": "true"})
        assert response.status_code == 200, (word, response.text)
    # "now" is the last instant of the history (2026-10-31), never the wall clock
    for word, start in (
        ("month", "2026-10-01T00:00:00Z"),
        ("lastmonth", "2026-09-01T00:00:00Z"),
        ("yesterday", "2026-10-30T00:00:00Z"),
    ):
        rows = admin.get("/api/cost/v1/allocation", params={"window": word, "accumulate": "true"}).json()[
            "data"
        ]
        assert {r["window"]["start"] for r in rows} == {start}, word
    assert admin.get("/api/cost/v1/asset", params={"window": "today"}).json()["data"]


def test_cost_errors_use_the_singular_error_body(admin: httpx.Client) -> None:
    missing = admin.get("/api/cost/v1/allocation")
    assert missing.status_code == 400 and set(missing.json()) == {"error"}
    bad = admin.get("/api/cost/v1/allocation", params={"window": "sometime"})
    assert bad.status_code == 400 and "window" in bad.json()["error"]
    unknown = admin.get("/api/cost/v1/allocation", params={"window": "7d", "aggregate": "flavour"})
    assert unknown.status_code == 400 and set(unknown.json()) == {"error"}
    tag = admin.get("/api/cost/v1/billingtags/NO-SUCH-TAG")
    assert tag.status_code == 404 and set(tag.json()) == {"error"}


def test_request_ids_are_distinct_uuids(admin: httpx.Client) -> None:
    ids = [admin.get("/api/users/v1/self").json()["metadata"]["requestId"] for _ in range(3)]
    assert len(set(ids)) == 3 and all(len(i) == 36 and i.count("-") == 4 for i in ids)
