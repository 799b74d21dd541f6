"""401 for missing or wrong credentials, 403 for a non-admin on admin-only areas."""

from __future__ import annotations

import httpx
import pytest

from pipeline.simulator.server import RunningSimulator

ADMIN_ONLY_READS = [
    "/api/cost/v1/allocation?window=7d",
    "/api/cost/v1/allocation/summary?window=7d",
    "/api/cost/v1/asset?window=7d",
    "/api/cost/v1/billingtagSettings",
    "/api/cost/v1/billingtagSettings/mode",
    "/auditevents",
    "/api/audittrail/v1/auditevents",
    "/api/admin/v1/deploymentTargets",
    "/api/admin/v1/deploymentTargetTypes",
    "/api/datasource/v1/audit",
]


def test_missing_and_wrong_keys_are_401(simulator: RunningSimulator) -> None:
    for headers in (
        {},
        {"X-Domino-Api-Key": "wrong"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {simulator.admin_key}"},
    ):
        response = httpx.get(f"{simulator.base_url}/api/users/v1/self", headers=headers)
        assert response.status_code == 401
        body = response.json()
        assert set(body) == {"errors", "requestId"} and body["errors"]
        assert simulator.admin_key not in response.text


def test_both_header_styles_authenticate(simulator: RunningSimulator) -> None:
    for headers in (
        {"X-Domino-Api-Key": simulator.user_key},
        {"Authorization": f"Bearer {simulator.user_key}"},
    ):
        response = httpx.get(f"{simulator.base_url}/api/users/v1/self", headers=headers)
        assert response.status_code == 200
        assert response.json()["user"]["id"] == simulator.world.regular_user_id


@pytest.mark.parametrize("path", ADMIN_ONLY_READS)
def test_admin_only_reads(user: httpx.Client, admin: httpx.Client, path: str) -> None:
    denied = user.get(path)
    assert denied.status_code == 403
    assert set(denied.json()) == {"errors", "requestId"}
    assert admin.get(path).status_code == 200


def test_hardware_tier_writes_and_billing_settings_are_admin_only(user: httpx.Client) -> None:
    assert user.get("/api/hardwaretiers/v1/hardwaretiers").status_code == 200
    assert user.post("/api/hardwaretiers/v1/hardwaretiers", json={"id": "x"}).status_code == 403
    assert user.put("/api/hardwaretiers/v1/hardwaretiers", json={"id": "x"}).status_code == 403
    assert user.delete("/api/hardwaretiers/v1/hardwaretiers/small-k8s").status_code == 403
    assert (
        user.put(
            "/api/cost/v1/billingtagSettings", json={"mode": "Optional", "notifications": True}
        ).status_code
        == 403
    )
    assert user.get("/api/cost/v1/billingtags").status_code == 200


def test_sim_endpoints_need_no_key_and_hide_keys(simulator: RunningSimulator) -> None:
    config = httpx.get(f"{simulator.base_url}/__sim/config")
    assert config.status_code == 200 and config.json()["seed"] == 42
    assert simulator.admin_key not in config.text and simulator.user_key not in config.text
    truth = httpx.get(f"{simulator.base_url}/__sim/truth").json()
    assert truth["collections"]["projects"] == len(simulator.world.collections["projects"])
