"""Writes change the world: validated, visible in the reads, and recorded in the audit trail."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.server import RunningSimulator, start_in_background
from tests.simulator.http_helpers import all_pages, client_for

SECRET_MARK = "SIMULATED-SECRET-not-a-real-credential-"


@pytest.fixture(scope="module")
def writable() -> Iterator[RunningSimulator]:
    running = start_in_background(SimulatorConfig(seed=7, scale="small"))
    yield running
    running.stop()


@pytest.fixture
def api(writable: RunningSimulator) -> Iterator[httpx.Client]:
    with client_for(writable) as client:
        yield client


def audited(api: httpx.Client, event: str, **filters: str) -> list[dict]:
    body = api.get(
        "/auditevents", params={"event": event, "sort": "-timestamp", "limit": 50, **filters}
    ).json()
    return body["events"]


def a_user(writable: RunningSimulator, index: int) -> dict:
    return list(writable.world.collections["users"].values())[index]


def test_create_project_then_read_and_audit(api: httpx.Client, writable: RunningSimulator) -> None:
    before = api.get("/api/projects/beta/projects").json()["metadata"]["totalCount"]
    created = api.post(
        "/api/projects/beta/projects",
        json={"name": "http-test-project", "description": "d", "visibility": "private"},
    )
    assert created.status_code == 201
    project = created.json()["project"]
    assert project["visibility"] == "Private" and project["ownerId"] == writable.world.admin_user_id
    assert api.get(f"/api/projects/v1/projects/{project['id']}").json()["project"] == project
    assert api.get("/api/projects/beta/projects").json()["metadata"]["totalCount"] == before + 1
    events = audited(api, "Create Project", withinProjectId=project["id"])
    assert events and events[0]["actor"]["id"] == writable.world.admin_user_id
    duplicate = api.post("/api/projects/beta/projects", json={"name": "http-test-project"})
    assert duplicate.status_code == 409
    assert api.post("/api/projects/beta/projects", json={"description": "no name"}).status_code == 400
    assert api.post("/api/projects/beta/projects", content=b"{not json").status_code == 400
    bad_visibility = api.post("/api/projects/beta/projects", json={"name": "x2", "visibility": "Secret"})
    assert bad_visibility.status_code == 400 and "visibility" in bad_visibility.json()["errors"][0]


def test_add_and_remove_collaborator(api: httpx.Client, writable: RunningSimulator) -> None:
    project = api.post("/api/projects/beta/projects", json={"name": "collab-project"}).json()["project"]
    friend = a_user(writable, 3)
    url = f"/api/projects/v1/projects/{project['id']}/collaborators"
    added = api.post(url, json={"collaboratorId": friend["id"], "projectRole": "Contributor"})
    assert added.status_code == 201
    reread = api.get(f"/api/projects/v1/projects/{project['id']}").json()["project"]
    assert {"id": friend["id"], "role": "Contributor"} in reread["collaborators"]
    assert api.post(url, json={"collaboratorId": friend["id"]}).status_code == 409
    assert api.post(url, json={"collaboratorId": "0123456789abcdef01234567"}).status_code == 404
    event = audited(api, "Add Collaborator", withinProjectId=project["id"])[0]
    assert event["targets"][0]["entity"]["id"] == friend["id"]
    assert api.delete(f"{url}/{friend['id']}").status_code == 200
    assert api.get(f"/api/projects/v1/projects/{project['id']}").json()["project"]["collaborators"] == []
    assert api.delete(f"{url}/{friend['id']}").status_code == 404


def test_billing_tags_lifecycle(api: httpx.Client) -> None:
    created = api.post("/api/cost/v1/billingtags", json={"billingTags": ["HTTP-T1", "HTTP-T2"]})
    assert created.status_code == 200
    assert created.json() == {"billingTags": [{"tag": "HTTP-T1"}, {"tag": "HTTP-T2"}]}
    listed = {t["tag"] for t in api.get("/api/cost/v1/billingtags").json()["billingTags"]}
    assert {"HTTP-T1", "HTTP-T2"} <= listed
    one = api.get("/api/cost/v1/billingtags/HTTP-T1").json()["billingTag"]
    assert one["active"] is True and len(one["tagId"]) == 24
    gone = api.delete("/api/cost/v1/billingtags/HTTP-T1").json()["billingTag"]
    assert gone["active"] is False
    assert "HTTP-T1" not in {t["tag"] for t in api.get("/api/cost/v1/billingtags").json()["billingTags"]}
    assert api.get("/api/cost/v1/billingtags/HTTP-T1").json()["billingTag"]["active"] is False
    assert audited(api, "Create Billing Tag", targetName="HTTP-T2")
    assert audited(api, "Archive Billing Tag", targetName="HTTP-T1")
    assert api.post("/api/cost/v1/billingtags", json={"billingTags": []}).status_code == 400


def test_put_billing_settings(api: httpx.Client) -> None:
    put = api.put("/api/cost/v1/billingtagSettings", json={"mode": "optional", "notifications": False})
    assert put.status_code == 200 and put.json() == {"mode": "Optional", "notifications": False}
    assert api.get("/api/cost/v1/billingtagSettings").json() == {"mode": "Optional", "notifications": False}
    assert api.put("/api/cost/v1/billingtagSettings/mode", json={"mode": "Required"}).json() == {
        "mode": "Required"
    }
    assert api.get("/api/cost/v1/billingtagSettings/mode").json() == {"mode": "Required"}
    events = audited(api, "Update Billing Tag Settings")
    assert events[0]["targets"][0]["fieldChanges"][0] == {
        "fieldName": "mode",
        "fieldType": "scalar",
        "before": "Optional",
        "after": "Required",
    }
    bad = api.put("/api/cost/v1/billingtagSettings", json={"mode": "sometimes", "notifications": True})
    assert bad.status_code == 400 and "error" in bad.json()


def test_start_job_shows_in_jobs_and_audit(api: httpx.Client, writable: RunningSimulator) -> None:
    project_id = next(iter(writable.world.collections["projects"]))
    environment_id = next(iter(writable.world.collections["environments"]))
    total = api.get("/api/jobs/beta/jobs", params={"projectId": project_id}).json()["metadata"]["totalCount"]
    started = api.post(
        "/api/jobs/v1/jobs",
        json={
            "projectId": project_id,
            "commandToRun": "python train.py",
            "hardwareTierId": "small-k8s",
            "environmentId": environment_id,
        },
    )
    assert started.status_code == 201
    job = started.json()["job"]
    assert job["number"] == total + 1 and "projectId" not in job
    newest = api.get("/api/jobs/beta/jobs", params={"projectId": project_id, "limit": 1}).json()
    assert newest["jobs"][0]["id"] == job["id"] and newest["metadata"]["totalCount"] == total + 1
    assert audited(api, "Start Job", targetId=job["id"])
    tagged = api.post(f"/api/jobs/v1/jobs/{job['id']}/tags", json={"tagName": "nightly"})
    assert tagged.status_code == 201
    detail = api.get(f"/api/jobs/beta/jobs/{job['id']}").json()["job"]
    assert "nightly" in [t["name"] for t in detail["tags"]]
    assert (
        api.post(
            "/api/jobs/v1/jobs",
            json={"projectId": project_id, "commandToRun": "x", "hardwareTierId": "no-such-tier"},
        ).status_code
        == 404
    )
    assert api.post("/api/jobs/v1/jobs", json={"projectId": project_id}).status_code == 400


def test_set_project_billing_tag_via_v4(api: httpx.Client, writable: RunningSimulator) -> None:
    project = api.post("/api/projects/beta/projects", json={"name": "tag-me"}).json()["project"]
    url = f"/v4/projects/{project['id']}/billingtag"
    assert api.get(url).json() is None
    api.post("/api/cost/v1/billingtags", json={"billingTags": ["HTTP-V4"]})
    summary = api.post(url, json={"tag": "HTTP-V4"}).json()
    assert summary["billingTag"] == {"tag": "HTTP-V4"}
    assert api.get(url).json() == {"tag": "HTTP-V4"}
    assert api.get(f"/api/projects/v1/projects/{project['id']}").json()["project"]["billingTag"] == {
        "tag": "HTTP-V4"
    }
    assert audited(api, "Set Project Billing Tag", withinProjectId=project["id"])
    assert api.post(url, json={"tag": "NO-SUCH"}).status_code == 404
    assert api.delete(url).json()["billingTag"] is None
    assert api.get(url).json() is None


def test_dataset_writes(api: httpx.Client, writable: RunningSimulator) -> None:
    project_id = next(iter(writable.world.collections["projects"]))
    dataset = api.post(
        "/api/datasetrw/v1/datasets", json={"name": "http-ds", "projectId": project_id}
    ).json()["dataset"]
    assert (
        api.post("/api/datasetrw/v1/datasets", json={"name": "http-ds", "projectId": project_id}).status_code
        == 409
    )
    snapshot = api.post(f"/api/datasetrw/v1/datasets/{dataset['id']}/snapshots", json={}).json()["snapshot"]
    api.post(
        f"/api/datasetrw/v1/datasets/{dataset['id']}/tags",
        json={"tagName": "gold", "snapshotId": snapshot["id"]},
    )
    reread = api.get(f"/api/datasetrw/v1/datasets/{dataset['id']}").json()["dataset"]
    assert reread["tags"] == {"gold": snapshot["id"]} and reread["snapshotIds"] == [snapshot["id"]]
    friend = a_user(writable, 2)
    grant = api.post(
        f"/api/datasetrw/v1/datasets/{dataset['id']}/grants",
        json={"targetId": friend["id"], "targetRole": "DatasetRwReader"},
    )
    assert grant.status_code == 201
    assert audited(api, "Add Grant For Dataset", targetId=dataset["id"])
    listed, _ = all_pages(api, "/api/datasetrw/v2/datasets", "datasets", 50, projectId=project_id)
    assert dataset["id"] in {i["dataset"]["id"] for i in listed}
    assert api.delete(f"/api/datasetrw/v1/datasets/{dataset['id']}").status_code == 200
    assert api.get(f"/api/datasetrw/v1/datasets/{dataset['id']}").status_code == 404


def test_apps_models_and_orgs(api: httpx.Client, writable: RunningSimulator) -> None:
    project_id = next(iter(writable.world.collections["projects"]))
    environment_id = next(iter(writable.world.collections["environments"]))
    app = api.post(
        "/api/apps/beta/apps",
        json={"projectId": project_id, "name": "http-app", "hardwareTierId": "small-k8s"},
    ).json()
    assert app["id"] in {
        a["id"] for a in api.get("/api/apps/beta/apps", params={"projectId": project_id}).json()["items"]
    }
    model_api = api.post(
        "/api/modelServing/v1/modelApis",
        json={"projectId": project_id, "name": "http-api", "environmentId": environment_id},
    )
    assert model_api.status_code == 201
    versions = api.get(f"/api/modelServing/v1/modelApis/{model_api.json()['id']}/versions").json()
    assert [v["number"] for v in versions] == [1]
    org = api.post("/api/organizations/v1/organizations", json={"name": "http-org"}).json()["org"]
    friend = a_user(writable, 4)
    assert (
        api.put(
            f"/api/organizations/v1/organizations/{org['id']}/user",
            json={"userId": friend["id"], "organizationRole": "member"},
        ).status_code
        == 200
    )
    assert friend["id"] in [
        m["userId"]
        for m in api.get(f"/api/organizations/v1/organizations/{org['id']}").json()["org"]["members"]
    ]
    assert audited(api, "Add Organization Member", targetId=friend["id"])


def test_credentials_are_clearly_simulated(api: httpx.Client, writable: RunningSimulator) -> None:
    account = next(iter(writable.world.collections["service_accounts"].values()))
    token = api.post(
        f"/api/serviceAccounts/v1/serviceAccounts/{account['id']}/tokens", json={"name": "http-tok"}
    )
    assert token.status_code == 201 and token.json()["token"]["token"].startswith(SECRET_MARK)
    listed = api.get(f"/api/serviceAccounts/v1/serviceAccounts/{account['id']}/tokens").json()["tokens"]
    assert "http-tok" in [t["name"] for t in listed] and SECRET_MARK not in str(listed)
    deployment = next(iter(writable.world.collections["model_deployments"]))
    creds = api.get(f"/api/modelServing/v1/modelDeployments/{deployment}/credentials").json()
    assert creds["token"].startswith(SECRET_MARK)


def test_hardware_tier_create_and_update_feed_truth(api: httpx.Client, writable: RunningSimulator) -> None:
    tier = {
        "id": "http-tier",
        "name": "HTTP Tier",
        "centsPerMinute": 2.5,
        "resources": {"cores": 2, "memory": {"value": 8, "units": "GiB"}},
    }
    assert api.post("/api/hardwaretiers/v1/hardwaretiers", json=tier).status_code == 201
    assert api.post("/api/hardwaretiers/v1/hardwaretiers", json=tier).status_code == 409
    updated = api.put("/api/hardwaretiers/v1/hardwaretiers", json={**tier, "centsPerMinute": 3.0}).json()
    assert updated["hardwareTier"]["centsPerMinute"] == 3.0
    assert audited(api, "Update Hardware Tier", targetId="http-tier")
    truth = httpx.get(f"{writable.base_url}/__sim/truth").json()
    assert truth["collections"]["hardware_tiers"] == len(writable.world.collections["hardware_tiers"])


def test_v4_billing_tag_shows_in_cost_allocation(api: httpx.Client, writable: RunningSimulator) -> None:
    world = writable.world
    project_id = max(world.collections["projects"], key=world.job_count)
    name = world.collections["projects"][project_id]["name"]
    api.post("/api/cost/v1/billingtags", json={"billingTags": ["HTTP-COST"]})
    assert api.post(f"/v4/projects/{project_id}/billingtag", json={"tag": "HTTP-COST"}).status_code == 200
    params = {
        "window": "30d",
        "accumulate": "true",
        "aggregate": "label:dominodatalab.com/project-name,label:dominodatalab.com/billing-tag",
    }
    rows = api.get("/api/cost/v1/allocation", params=params).json()["data"]
    assert any(row["name"] == f"{name}/HTTP-COST" and row["totalCost"] > 0 for row in rows)


def test_jobs_status_filter(api: httpx.Client, writable: RunningSimulator) -> None:
    project_id = max(writable.world.collections["projects"], key=writable.world.job_count)
    params = {"projectId": project_id, "limit": 1000}
    every = api.get("/api/jobs/beta/jobs", params=params).json()
    done = api.get("/api/jobs/beta/jobs", params={**params, "statusFilter": "completed"}).json()
    active = api.get("/api/jobs/beta/jobs", params={**params, "statusFilter": "active"}).json()
    assert (
        done["metadata"]["totalCount"] + active["metadata"]["totalCount"] == every["metadata"]["totalCount"]
    )
    assert all(j["status"]["isCompleted"] for j in done["jobs"])
    assert api.get("/api/jobs/beta/jobs", params={**params, "statusFilter": "bogus"}).status_code == 400
