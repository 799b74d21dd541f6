"""Paging and envelope reading over real HTTP against a fake Domino on 127.0.0.1."""

from __future__ import annotations

import pytest

from pipeline.domino import CATALOGUE, DominoClient, EnvelopeError, PagingError
from pipeline.domino.catalogue import Endpoint, table
from pipeline.domino.envelopes import read_list, read_single

from .conftest import FakeDomino, Reply, offset_pages

PROJECTS = [{"id": f"{i:024x}", "name": f"p{i}"} for i in range(23)]


def test_offset_paging_reads_every_record_once_and_stops_at_short_page(
    fake: FakeDomino, client: DominoClient
):
    fake.route("/api/projects/beta/projects", offset_pages(PROJECTS, "projects"))
    pages = list(client.iter_pages(CATALOGUE["projects"], page_size=10))
    assert [len(p.records) for p in pages] == [10, 10, 3]
    assert [r["id"] for p in pages for r in p.records] == [p["id"] for p in PROJECTS]
    assert [p.offset for p in pages] == [0, 10, 20]
    assert all(p.byte_size > 0 and p.requests == 1 and p.retries == 0 for p in pages)
    assert len(fake.requests_to("/api/projects/beta/projects")) == 3  # no extra request after the short page


def test_exact_multiple_ends_with_one_empty_page(fake: FakeDomino, client: DominoClient):
    fake.route("/api/projects/beta/projects", offset_pages(PROJECTS[:20], "projects"))
    pages = list(client.iter_pages(CATALOGUE["projects"], page_size=10))
    assert sum(len(p.records) for p in pages) == 20
    assert len(fake.requests_to("/api/projects/beta/projects")) == 3


def test_seed_envelope_and_events_envelope(fake: FakeDomino, client: DominoClient):
    fake.route("/api/users/v1/users", offset_pages(PROJECTS, "users", envelope="seed"))
    fake.route("/api/audittrail/v1/auditevents", offset_pages(PROJECTS, "events", envelope="events"))
    seed = list(client.iter_pages(CATALOGUE["users"], page_size=7))
    assert sum(len(p.records) for p in seed) == 23 and seed[0].total == 23
    audit = list(client.iter_pages(CATALOGUE["audit_events"], page_size=5))
    assert sum(len(p.records) for p in audit) == 23 and audit[0].total == 23


def test_server_capping_limit_is_followed_by_counter_not_lost(fake: FakeDomino, client: DominoClient):
    def capped(seen):  # asked for 10, the server sends at most 4 and says so in metadata
        offset = int(seen.query["offset"])
        meta = {"offset": offset, "limit": 4, "totalCount": len(PROJECTS)}
        return Reply(body={"projects": PROJECTS[offset : offset + 4], "metadata": meta})

    fake.route("/api/projects/beta/projects", capped)
    ids = [r["id"] for p in client.iter_pages(CATALOGUE["projects"], page_size=10) for r in p.records]
    assert ids == [p["id"] for p in PROJECTS]


def test_ignored_offset_is_a_clear_error(fake: FakeDomino, client: DominoClient):
    fake.route("/api/projects/beta/projects", lambda seen: Reply(body={"projects": PROJECTS[:10]}))
    with pytest.raises(PagingError, match="ignore `offset`"):
        list(client.iter_pages(CATALOGUE["projects"], page_size=10))


def test_server_ignoring_limit_returns_everything_once(fake: FakeDomino, client: DominoClient):
    fake.route("/api/projects/beta/projects", lambda seen: Reply(body={"projects": PROJECTS}))
    pages = list(client.iter_pages(CATALOGUE["projects"], page_size=10))
    assert len(pages) == 1 and len(pages[0].records) == 23


def test_stop_when_ends_paging_early(fake: FakeDomino, client: DominoClient):
    jobs = [{"id": f"j{n}", "number": n} for n in range(50, 0, -1)]  # newest first
    fake.route("/api/jobs/beta/jobs", offset_pages(jobs, "jobs"))
    pages = list(
        client.iter_pages(
            CATALOGUE["jobs"],
            params={"projectId": "p1"},
            page_size=10,
            stop_when=lambda records: any(r["number"] <= 35 for r in records),
        )
    )
    assert len(pages) == 2
    seen = fake.requests_to("/api/jobs/beta/jobs")
    assert seen[0].query["projectId"] == "p1" and seen[0].query["sortBy"] == "number"


def test_v2_dataset_items_are_unwrapped_keeping_project_info(fake: FakeDomino, client: DominoClient):
    items = [{"dataset": {"id": "d1", "name": "x"}, "projectInfo": {"projectId": "p1", "projectName": "P"}}]
    fake.route("/api/datasetrw/v2/datasets", offset_pages(items, "datasets"))
    (page,) = client.iter_pages(CATALOGUE["datasets"])
    assert page.records == [{"id": "d1", "name": "x", "projectInfo": {"projectId": "p1", "projectName": "P"}}]
    assert fake.requests_to("/api/datasetrw/v2/datasets")[0].query["includeProjectInfo"] == "true"


def test_bare_array_items_and_data_envelopes(fake: FakeDomino, client: DominoClient):
    fake.route("/api/datasource/v1/audit", [{"dataSourceId": "a", "eventKind": "CreateDataSource"}])
    fake.route("/api/modelServing/v1/modelDeployments", offset_pages([{"id": "m1"}], "items"))
    fake.route("/api/cost/v1/allocation", {"data": [{"name": "__idle__", "totalCost": 1.5}]})
    assert next(client.iter_pages(CATALOGUE["data_source_audit"])).records[0]["dataSourceId"] == "a"
    assert next(client.iter_pages(CATALOGUE["model_deployments"])).records == [{"id": "m1"}]
    assert next(client.iter_pages(CATALOGUE["cost_allocation"])).records[0]["totalCost"] == 1.5


def test_single_objects_wrapped_or_bare(fake: FakeDomino, client: DominoClient):
    fake.route("/api/users/v1/self", {"user": {"id": "u1", "userName": "me"}, "metadata": {"requestId": "r"}})
    fake.route("/api/cost/v1/billingtagSettings", {"mode": "Required", "notifications": True})
    assert next(client.iter_pages(CATALOGUE["self"])).records == [{"id": "u1", "userName": "me"}]
    settings = next(client.iter_pages(CATALOGUE["billing_tag_settings"])).records
    assert settings == [{"mode": "Required", "notifications": True}]


def test_missing_optional_endpoint_yields_nothing(fake: FakeDomino, client: DominoClient):
    assert list(client.iter_pages(CATALOGUE["billing_tag_settings_mode"])) == []
    assert client.stats.skipped_missing == 1


def test_unknown_envelope_names_endpoint_and_keys(fake: FakeDomino, client: DominoClient):
    fake.route("/api/projects/beta/projects", {"rows": [1], "more": [2], "metadata": {}})
    with pytest.raises(EnvelopeError, match=r"projects: .*'metadata', 'more', 'rows'"):
        list(client.iter_pages(CATALOGUE["projects"]))


@pytest.mark.parametrize(
    ("payload", "keys", "expected_total"),
    [
        ({"projects": [{"id": 1}], "metadata": {"totalCount": 9, "offset": 0, "limit": 1}}, ("projects",), 9),
        ({"items": [{"id": 1}], "metadata": {"notices": []}}, (), None),
        ({"data": [{"id": 1}]}, (), None),
        ({"events": [{"id": 1}], "total": 4}, (), 4),
        ({"events": [{"id": 1}], "estimatedMatches": 5}, (), 5),
        ({"offset": 0, "limit": 10, "totalCount": 1, "data": [{"id": 1}]}, (), 1),
        ([{"id": 1}], (), None),
        ({"orgs": [{"id": 1}], "metadata": {"notices": ["x"]}}, (), None),
    ],
)
def test_read_list_forms(payload, keys, expected_total):
    envelope = read_list(payload, "ep", keys)
    assert envelope.records == [{"id": 1}]
    assert envelope.total == expected_total


def test_read_list_and_single_reject_nonsense():
    with pytest.raises(EnvelopeError, match="ep: expected a JSON list or object"):
        read_list("oops", "ep")
    with pytest.raises(EnvelopeError, match="each record to be an object"):
        read_list([1, 2], "ep")
    with pytest.raises(EnvelopeError, match="ep: empty object"):
        read_single({"metadata": {}}, "ep")
    assert read_single({"project": {"id": "p"}, "metadata": {}}, "ep").records == [{"id": "p"}]


def test_ad_hoc_endpoint_is_just_data(fake: FakeDomino, client: DominoClient):
    extra = Endpoint(
        "widgets", "projects", "/api/widgets/v1/{kind}", table=table("widgets"), pagination="none"
    )
    fake.route("/api/widgets/v1/a%20b", {"widgets": [{"id": "w"}]})
    assert next(client.iter_pages(extra, path_params={"kind": "a b"})).records == [{"id": "w"}]
