"""Budgets over HTTP with python-domino's routes and payloads: reads, writes, audit trail, admin only,
and the write-fault hook the write-back tests use."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.server import RunningSimulator, start_in_background
from tests.simulator.http_helpers import client_for

BUDGETS = "/v4/cost/budgets"


@pytest.fixture(scope="module")
def writable() -> Iterator[RunningSimulator]:
    running = start_in_background(SimulatorConfig(seed=11, scale="small"))
    yield running
    running.stop()


@pytest.fixture
def api(writable: RunningSimulator) -> Iterator[httpx.Client]:
    with client_for(writable) as client:
        yield client


def audited(api: httpx.Client, event: str, **filters: str) -> list[dict]:
    params = {"event": event, "sort": "-timestamp", "limit": 50, **filters}
    return api.get("/auditevents", params=params).json()["events"]


def test_defaults_overrides_and_alerts_have_python_domino_shapes(
    api: httpx.Client, writable: RunningSimulator
) -> None:
    defaults = api.get(f"{BUDGETS}/defaults").json()
    assert [d["budgetLabel"] for d in defaults] == ["BillingTag", "Organization", "Project"]
    assert all(d["budgetType"] == "Default" and d["window"] == "monthly" for d in defaults)
    assert {d["budgetLabel"]: d["limit"] is None for d in defaults} == {
        "BillingTag": True,
        "Organization": False,
        "Project": False,
    }
    overrides = api.get(f"{BUDGETS}/overrides").json()
    assert {o["budgetLabel"] for o in overrides} == {"BillingTag", "Organization", "Project"}
    assert all(o["budgetType"] == "Override" and len(o["labelId"]) == 24 for o in overrides)
    world = writable.world
    project_ids, tag_ids = (
        set(world.collections["projects"]),
        {t["tagId"] for t in world.collections["billing_tags"].values()},
    )
    org_ids = set(world.collections["organizations"])
    for o in overrides:
        assert (
            o["labelId"]
            in {"Project": project_ids, "Organization": org_ids, "BillingTag": tag_ids}[o["budgetLabel"]]
        )
    spend = world.budgets.spend
    assert any(o["limit"] < spend[o["labelId"]] for o in overrides), "someone must be over budget"
    assert any(o["limit"] > spend[o["labelId"]] for o in overrides), "someone must be under budget"
    alerts = api.get(f"{BUDGETS}/global/alertsSettings").json()
    assert set(alerts) == {"alertsEnabled", "notifyOrgOwner", "alertTargets"}
    assert {t["label"] for t in alerts["alertTargets"]} == {"Project", "Organization", "BillingTag"}


def test_budgets_are_deterministic_per_seed() -> None:
    from pipeline.simulator.world import World

    one, two = World(seed=5, scale="small"), World(seed=5, scale="small")
    assert one.budgets.overrides == two.budgets.overrides and one.budgets.defaults == two.budgets.defaults
    assert one.budgets.month == ("2026-10-01", "2026-11-01")


def test_update_default_as_python_domino_sends_it(api: httpx.Client) -> None:
    payload = {"budgetLabel": "BillingTag", "budgetType": "Default", "limit": 1234.5, "window": "monthly"}
    put = api.put(f"{BUDGETS}/defaults/BillingTag", json=payload)
    assert put.status_code == 200 and put.json() == payload
    listed = {d["budgetLabel"]: d["limit"] for d in api.get(f"{BUDGETS}/defaults").json()}
    assert listed["BillingTag"] == 1234.5
    event = audited(api, "Update Default Budget")[0]
    assert event["targets"][0]["entity"]["name"] == "BillingTag"
    assert event["targets"][0]["fieldChanges"][0]["before"] is None
    assert event["targets"][0]["fieldChanges"][0]["after"] == "1234.5"
    assert api.put(f"{BUDGETS}/defaults/billingtag", json={"limit": 99}).json()["limit"] == 99.0
    negative = api.put(f"{BUDGETS}/defaults/Project", json={**payload, "budgetLabel": "Project", "limit": -1})
    assert negative.status_code == 400 and "negative" in negative.json()["error"]
    assert api.put(f"{BUDGETS}/defaults/Team", json={"limit": 1}).status_code == 400
    assert api.put(f"{BUDGETS}/defaults/Project", json={"limit": "10"}).status_code == 400
    assert (
        api.put(f"{BUDGETS}/defaults/Project", json={"limit": 1, "budgetType": "Override"}).status_code == 400
    )


def test_override_lifecycle_with_audit(api: httpx.Client, writable: RunningSimulator) -> None:
    project_id = list(writable.world.collections["projects"])[-1]
    api.delete(f"{BUDGETS}/overrides/{project_id}")  # in case the world gave it one
    body = {
        "limit": 0.2048,
        "labelId": project_id,
        "window": "monthly",
        "budgetLabel": "Project",
        "budgetType": "Override",
    }
    created = api.post(f"{BUDGETS}/overrides", json=body)
    assert created.status_code == 200 and created.json() == {
        "budgetLabel": "Project",
        "budgetType": "Override",
        "labelId": project_id,
        "limit": 0.2048,
        "window": "monthly",
    }
    assert api.post(f"{BUDGETS}/overrides", json=body).status_code == 409
    updated = api.put(f"{BUDGETS}/overrides/{project_id}", json={**body, "limit": 0.1024})
    assert updated.json()["limit"] == 0.1024
    assert {o["labelId"]: o["limit"] for o in api.get(f"{BUDGETS}/overrides").json()}[project_id] == 0.1024
    wrong_label = api.put(f"{BUDGETS}/overrides/{project_id}", json={**body, "budgetLabel": "Organization"})
    assert wrong_label.status_code == 400
    deleted = api.delete(f"{BUDGETS}/overrides/{project_id}")
    assert deleted.status_code == 200 and isinstance(deleted.json(), list)
    assert project_id not in {o["labelId"] for o in api.get(f"{BUDGETS}/overrides").json()}
    assert api.delete(f"{BUDGETS}/overrides/{project_id}").status_code == 404
    missing = api.put(f"{BUDGETS}/overrides/{project_id}", json=body)
    assert missing.status_code == 404 and "error" in missing.json()
    for event in ("Create Budget Override", "Update Budget Override", "Delete Budget Override"):
        found = audited(api, event, targetId=project_id)
        assert found and found[0]["actor"]["id"] == writable.world.admin_user_id, event
    assert api.post(f"{BUDGETS}/overrides", json={**body, "labelId": ""}).status_code == 400


def test_alerts_settings_read_modify_write(api: httpx.Client) -> None:
    settings = api.get(f"{BUDGETS}/global/alertsSettings").json()
    settings["alertsEnabled"] = False
    settings["alertTargets"] = [
        dict(t, emails=["cc@example.com"]) if t["label"] == "BillingTag" else t
        for t in settings["alertTargets"]
    ]
    put = api.put(f"{BUDGETS}/global/alertsSettings", json=settings)
    assert put.status_code == 200 and put.json() == settings
    assert api.get(f"{BUDGETS}/global/alertsSettings").json() == settings
    changes = audited(api, "Update Budget Alerts Settings")[0]["targets"][0]["fieldChanges"]
    assert {c["fieldName"] for c in changes} == {"alertsEnabled", "alertTargets.BillingTag"}
    bad = api.put(
        f"{BUDGETS}/global/alertsSettings", json={"alertTargets": [{"label": "Team", "emails": []}]}
    )
    assert bad.status_code == 400


def test_every_budget_route_is_admin_only(writable: RunningSimulator, api: httpx.Client) -> None:
    before = (api.get(f"{BUDGETS}/defaults").json(), api.get(f"{BUDGETS}/overrides").json())
    calls = [
        ("GET", f"{BUDGETS}/defaults", None),
        ("PUT", f"{BUDGETS}/defaults/Project", {"limit": 1}),
        ("GET", f"{BUDGETS}/overrides", None),
        ("POST", f"{BUDGETS}/overrides", {"labelId": "x", "budgetLabel": "Project", "limit": 1}),
        ("PUT", f"{BUDGETS}/overrides/x", {"limit": 1}),
        ("DELETE", f"{BUDGETS}/overrides/x", None),
        ("GET", f"{BUDGETS}/global/alertsSettings", None),
        ("PUT", f"{BUDGETS}/global/alertsSettings", {"alertsEnabled": False}),
    ]
    with client_for(writable, admin=False) as user:
        for method, path, body in calls:
            response = user.request(method, path, json=body)
            assert response.status_code == 403, (method, path)
            assert "SysAdmin" in response.json()["errors"][0]
    assert (api.get(f"{BUDGETS}/defaults").json(), api.get(f"{BUDGETS}/overrides").json()) == before


def test_write_fault_hook_fails_the_nth_write(start_simulator) -> None:
    running = start_simulator(seed=3)
    control = f"{running.base_url}/__sim/faults/writes"
    with client_for(running) as api:
        armed = httpx.post(control, json={"skip": 1, "count": 1, "status": 503}).json()
        assert armed["count"] == 1 and armed["skip"] == 1
        assert api.get(f"{BUDGETS}/defaults").status_code == 200  # reads never count
        assert api.put(f"{BUDGETS}/defaults/Project", json={"limit": 11}).status_code == 200
        failed = api.put(f"{BUDGETS}/defaults/Project", json={"limit": 22})
        assert failed.status_code == 503
        assert {d["budgetLabel"]: d["limit"] for d in api.get(f"{BUDGETS}/defaults").json()}["Project"] == 11
        assert api.put(f"{BUDGETS}/defaults/Project", json={"limit": 33}).status_code == 200
        httpx.post(control, json={"count": 1, "mode": "apply_then_drop"})
        with pytest.raises(httpx.RemoteProtocolError):
            api.put(f"{BUDGETS}/defaults/Project", json={"limit": 44})
        assert {d["budgetLabel"]: d["limit"] for d in api.get(f"{BUDGETS}/defaults").json()}["Project"] == 44
        assert httpx.get(control).json()["injected"] == 1
        httpx.post(control, json={"count": 1, "mode": "ignore"})
        ignored = api.put(f"{BUDGETS}/defaults/Project", json={"limit": 55})
        assert ignored.status_code == 200 and ignored.json() == {}
        assert {d["budgetLabel"]: d["limit"] for d in api.get(f"{BUDGETS}/defaults").json()}["Project"] == 44
        assert httpx.delete(control).json()["count"] == 0
        assert httpx.post(control, content=b"{nope").status_code == 400
        assert httpx.post(control, json={"mode": "sometimes"}).status_code == 400
