"""Auth headers, settings from env, request budget, bounded concurrency and parent fan-out."""

from __future__ import annotations

import threading
import time

import pytest

from pipeline.domino import CATALOGUE, DominoClient, DominoConfigError, DominoSettings, Secret
from pipeline.domino.budget import RequestBudget

from .conftest import API_KEY, FakeDomino, Reply, make_settings, offset_pages

SELF = "/api/users/v1/self"


def me(seen) -> Reply:
    return Reply(body={"user": {"id": "u1"}, "metadata": {}})


def test_bearer_token_file_is_reread_on_every_request(fake: FakeDomino, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("token-one\n")
    fake.route(SELF, me)
    settings = make_settings(fake.url, api_key=None, token_file=str(token_file))
    with DominoClient(settings) as client:
        client.get_json(SELF)
        token_file.write_text("token-two")
        client.get_json(SELF)
    headers = [s.headers for s in fake.requests_to(SELF)]
    assert [h["authorization"] for h in headers] == ["Bearer token-one", "Bearer token-two"]
    assert all("x-domino-api-key" not in h for h in headers)


def test_api_token_and_api_key_headers(fake: FakeDomino):
    fake.route(SELF, me)
    with DominoClient(make_settings(fake.url, api_token=Secret("tok"))) as client:
        client.get_json(SELF)
    with DominoClient(make_settings(fake.url)) as client:
        client.get_json(SELF)
    first, second = fake.requests_to(SELF)
    assert first.headers["authorization"] == "Bearer tok"
    assert second.headers["x-domino-api-key"] == API_KEY and "authorization" not in second.headers


def test_settings_from_env_and_repr_hides_secrets(tmp_path):
    env = {
        "DOMINO_API_HOST": "https://domino.example.com/",
        "DOMINO_USER_API_KEY": API_KEY,
        "DOMINO_API_TOKEN": "tok-secret-value",
        "DOMINO_CONCURRENCY": "2",
        "DOMINO_REQUESTS_PER_SECOND": "5",
        "DOMINO_COST_STYLE": "SEED",
        "DOMINO_AUDIT_PATH": "/auditevents",
        "DOMINO_PAGE_SIZES": "jobs=50, audit_events=500",
    }
    settings = DominoSettings.from_env(env)
    assert settings.base_url == "https://domino.example.com" and settings.concurrency == 2
    assert settings.requests_per_second == 5.0 and settings.cost_style == "seed"
    assert settings.page_size_for("jobs", 100) == 50 and settings.page_size_for("users", 100) == 100
    assert (
        settings.timeout_seconds == 30.0
        and settings.max_attempts == 6
        and settings.max_retry_wait_seconds == 120
    )
    assert API_KEY not in repr(settings) and "tok-secret-value" not in repr(settings)
    with pytest.raises(DominoConfigError, match="DOMINO_API_HOST"):
        DominoSettings.from_env({})
    with pytest.raises(DominoConfigError, match="DOMINO_CONCURRENCY must be a int"):
        DominoSettings.from_env({"DOMINO_API_HOST": "http://x", "DOMINO_CONCURRENCY": "many"})
    with pytest.raises(DominoConfigError, match="no Domino credential"):
        DominoClient(DominoSettings(base_url="http://127.0.0.1:1"))


def test_audit_path_setting_overrides_catalogue_path(fake: FakeDomino):
    fake.route("/auditevents", offset_pages([{"timestamp": 1}], "events", envelope="events"))
    with DominoClient(make_settings(fake.url, audit_path="/auditevents")) as client:
        assert next(client.iter_pages(CATALOGUE["audit_events"])).records == [{"timestamp": 1}]


def test_budget_spaces_requests_across_threads():
    budget = RequestBudget(rate=40, burst=1)
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: [budget.acquire() for _ in range(5)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert 19 / 40 <= elapsed < 2.0  # 20 requests, the first free, the rest 1/40 s apart


def test_client_budget_limits_request_rate(fake: FakeDomino):
    fake.route(SELF, me)
    with DominoClient(make_settings(fake.url, requests_per_second=20)) as client:
        started = time.monotonic()
        for _ in range(30):
            client.get_json(SELF)
        assert time.monotonic() - started >= 0.45  # 20 in the burst, then 10 at 20/s


def test_fan_out_is_concurrent_but_bounded(fake: FakeDomino):
    projects = [{"id": f"p{i}"} for i in range(8)]
    fake.route("/api/projects/beta/projects", offset_pages(projects, "projects"))

    def jobs(seen) -> Reply:
        project = seen.query["projectId"]
        return Reply(delay=0.15, body={"jobs": [{"id": f"{project}-j1"}], "metadata": {}})

    fake.route("/api/jobs/beta/jobs", jobs)
    with DominoClient(make_settings(fake.url, concurrency=3)) as client:
        parents = [(r, {}) for p in client.iter_pages(CATALOGUE["projects"]) for r in p.records]
        started = time.monotonic()
        pages = list(client.iter_children(CATALOGUE["jobs"], parents))
        elapsed = time.monotonic() - started
    assert sorted((p.parent["project_id"], p.records[0]["id"]) for p in pages) == [
        (f"p{i}", f"p{i}-j1") for i in range(8)
    ]
    assert fake.max_in_flight == 3
    assert elapsed < 8 * 0.15  # faster than serial


def test_nested_fan_out_passes_grandparent_values(fake: FakeDomino, client: DominoClient):
    fake.route("/api/apps/beta/apps/a1/versions", {"items": [{"id": "v1"}, {"id": "v2"}], "metadata": {}})
    for version in ("v1", "v2"):
        fake.route(
            f"/api/apps/beta/apps/a1/versions/{version}/instances", {"items": [{"id": f"i-{version}"}]}
        )
    versions = list(client.iter_children(CATALOGUE["app_versions"], [({"id": "a1"}, {})]))
    parents = [(r, p.parent) for p in versions for r in p.records]
    instances = list(client.iter_children(CATALOGUE["app_instances"], parents))
    got = sorted((p.parent["app_id"], p.parent["version_id"], p.records[0]["id"]) for p in instances)
    assert got == [("a1", "v1", "i-v1"), ("a1", "v2", "i-v2")]


def test_fan_out_error_stops_workers_and_is_raised(fake: FakeDomino, client: DominoClient):
    fake.route("/api/datasetrw/v1/datasets/d2/grants", lambda seen: Reply(403, {"errors": ["Forbidden"]}))
    fake.route("/api/datasetrw/v1/datasets/d1/grants", {"grants": [{"targetId": "u1"}]})
    with pytest.raises(Exception, match="HTTP 403: Forbidden"):
        list(client.iter_children(CATALOGUE["dataset_grants"], [({"id": "d1"}, {}), ({"id": "d2"}, {})]))


def test_vanished_parent_404_is_skipped(fake: FakeDomino, client: DominoClient):
    fake.route("/api/datasetrw/v1/datasets/d1/snapshots", {"snapshots": [{"id": "s1"}], "metadata": {}})
    pages = list(
        client.iter_children(CATALOGUE["dataset_snapshots"], [({"id": "d1"}, {}), ({"id": "gone"}, {})])
    )
    assert [r["id"] for p in pages for r in p.records] == ["s1"]
    assert client.stats.skipped_missing == 1


def test_consumer_stopping_early_releases_workers(fake: FakeDomino, client: DominoClient):
    rows = [{"targetId": f"u{i}"} for i in range(30)]
    for d in range(6):
        fake.route(f"/api/datasetrw/v1/datasets/d{d}/grants", offset_pages(rows, "grants"))
    pages = client.iter_children(CATALOGUE["dataset_grants"], [({"id": f"d{d}"}, {}) for d in range(6)])
    first = next(pages)
    pages.close()  # must not hang on workers blocked on a full queue
    assert first.records and threading.active_count() < 10
