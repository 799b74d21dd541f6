"""Every endpoint of the seed reference is served, plus the real-Domino extras."""

from __future__ import annotations

import re

import httpx

from pipeline.simulator.http.routes import route_table
from pipeline.simulator.server import RunningSimulator
from tests.simulator.http_helpers import seed_endpoints, shape

EXTRAS = [
    ("GET", "/auditevents"),
    ("GET", "/api/audittrail/v1/auditevents"),
    ("GET", "/api/cost/v1/billingtags/{tag}"),
    ("DELETE", "/api/cost/v1/billingtags/{tag}"),
    ("GET", "/v4/projects/{projectId}/billingtag"),
    ("POST", "/v4/projects/{projectId}/billingtag"),
    ("DELETE", "/v4/projects/{projectId}/billingtag"),
    ("GET", "/v4/cost/budgets/defaults"),
    ("PUT", "/v4/cost/budgets/defaults/{budgetLabel}"),
    ("GET", "/v4/cost/budgets/overrides"),
    ("POST", "/v4/cost/budgets/overrides"),
    ("PUT", "/v4/cost/budgets/overrides/{labelId}"),
    ("DELETE", "/v4/cost/budgets/overrides/{labelId}"),
    ("GET", "/v4/cost/budgets/global/alertsSettings"),
    ("PUT", "/v4/cost/budgets/global/alertsSettings"),
]


def test_seed_lists_the_expected_number_of_endpoints() -> None:
    endpoints = seed_endpoints()
    reads = [e for e in endpoints if e[0] == "GET"]
    assert len(endpoints) == 143 and len(reads) == 68


def test_route_table_covers_every_seed_endpoint_and_the_extras() -> None:
    served = {(r["method"], shape(r["path"])) for r in route_table()}
    missing = [(m, p) for m, p in seed_endpoints() + EXTRAS if (m, shape(p)) not in served]
    assert missing == []


def test_route_table_has_no_duplicates() -> None:
    keys = [(r["method"], shape(r["path"])) for r in route_table()]
    assert len(keys) == len(set(keys))


def test_every_seed_endpoint_answers_over_http(admin: httpx.Client) -> None:
    """With placeholder ids each endpoint reaches its handler: never a routing 404 or a 405."""
    for method, path in seed_endpoints() + EXTRAS:
        url = re.sub(r"\{[^}]+\}", "0123456789abcdef01234567", path)
        response = admin.request(method, url, json={} if method in ("POST", "PUT", "PATCH") else None)
        assert response.status_code != 405, (method, path)
        assert response.status_code < 500, (method, path, response.text)
        if response.status_code == 404:
            assert response.json().get("errors") != ["No such endpoint"], (method, path)


def test_unknown_path_is_a_domino_shaped_404(admin: httpx.Client) -> None:
    response = admin.get("/api/nothing/v1/here")
    assert response.status_code == 404
    assert response.json()["errors"] == ["No such endpoint"]


def test_route_table_is_served_for_tooling(simulator: RunningSimulator) -> None:
    body = httpx.get(f"{simulator.base_url}/__sim/routes").json()
    assert body == route_table()
