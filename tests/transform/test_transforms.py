"""Record transforms of the catalogue: cost names, audit keys and targets, secret stripping."""

from __future__ import annotations

import orjson
import pytest

from pipeline.tables import Column, TableSpec
from pipeline.transform import REGISTRY, explode, runs_before_raw, shape_batch, shape_children
from tests.fixtures import AUDIT_SPEC, COST_SPEC, audit_record

SIX = ["workload-type", "project-id", "project-name", "starting-user-username", "organization-name"]
SIX.append("billing-tag")
COST_CONTEXT = {"run_id": "r", "aggregate": [f"label:dominodatalab.com/{k}" for k in SIX]}

TARGETS_SPEC = TableSpec(
    name="audit_event_targets",
    key=("event_key", "target_index", "change_index"),
    transform="audit_event_targets",
    columns=(
        Column("event_key", "event_key", required=True),
        Column("event_time", "event_time", "timestamp_ms"),
        Column("target_index", "target_index", "int"),
        Column("entity_type", "entity_type"),
        Column("entity_id", "entity_id"),
        Column("change_index", "change_index", "int"),
        Column("field_name", "field_name"),
        Column("before", "before"),
        Column("after", "after"),
        Column("added", "added", "json"),
    ),
)


def test_cost_names_split_into_label_columns() -> None:
    records = [
        {
            "name": "App/p1/proj one/alice/org/__unallocated__",
            "window": {"start": "2024-08-14T00:00:00Z", "end": "2024-08-15T00:00:00Z"},
            "cpuCost": 1.5,
            "pv": {"pvCost": 0.25},
        },
        {
            "name": "__idle__",
            "start": "2024-08-14T00:00:00Z",
            "end": "2024-08-15T00:00:00Z",
            "totalCost": 9.0,
        },
        {"name": "App/p1/too-few", "window": {"start": "2024-08-14T00:00:00Z"}},
    ]
    batch = shape_batch(records, COST_SPEC, COST_CONTEXT)
    rows = batch.frame.rows(named=True)
    assert len(rows) == 2
    app, idle = rows
    assert (app["workload_type"], app["project_id"], app["project_name"], app["user_name"]) == (
        "App",
        "p1",
        "proj one",
        "alice",
    )
    assert (app["organization_name"], app["billing_tag"], app["is_idle"]) == ("org", None, False)
    assert (app["cpu_cost"], app["pv_cost"], app["gpu_cost"], app["total_cost"]) == (1.5, 0.25, 0.0, 0.0)
    assert idle["is_idle"] is True and idle["project_id"] is None and idle["total_cost"] == 9.0
    assert idle["window_start"].isoformat() == "2024-08-14T00:00:00+00:00"
    assert "_derived" not in orjson.loads(app["_raw"])
    [reject] = batch.rejects
    assert reject.reason == (
        "cost_allocation.name: expected 6 '/'-separated parts for aggregate " + ",".join(SIX) + ", got 3"
    )


def test_seed_style_aggregate_words_map_to_columns() -> None:
    batch = shape_batch(
        [{"name": "proj-a", "window": {"start": "2024-08-14T00:00:00Z"}}],
        COST_SPEC,
        {"run_id": "r", "aggregate": ["project"]},
    )
    assert batch.frame["project_name"].to_list() == ["proj-a"]
    assert batch.frame["project_id"].to_list() == [None]


def test_audit_key_is_stable_across_key_order_and_distinct_per_event() -> None:
    event = audit_record(1)
    reordered = dict(reversed(list(event.items())))
    keys = [shape_batch([e], AUDIT_SPEC, {"run_id": "r"}).frame["event_key"][0] for e in (event, reordered)]
    assert keys[0] == keys[1] and len(keys[0]) == 40
    other = shape_batch([audit_record(2)], AUDIT_SPEC, {"run_id": "r"}).frame["event_key"][0]
    assert other != keys[0]
    row = shape_batch([event], AUDIT_SPEC, {"run_id": "r"}).frame.row(0, named=True)
    assert (row["project_id"], row["project_name"], row["target_count"]) == (f"{1:024x}", "project-1", 1)
    no_project = {**event, "in": {"entityType": "dataset", "id": "d1", "name": "ds", "tags": []}}
    assert shape_batch([no_project], AUDIT_SPEC, {"run_id": "r"}).frame["project_id"].to_list() == [None]


def test_targets_explode_one_row_per_field_change() -> None:
    event = audit_record(7)
    event["targets"].append(
        {"entity": {"entityType": "dataset", "id": "d1", "name": "ds", "tags": []}, "fieldChanges": []}
    )
    event["targets"].append(
        {
            "entity": {"entityType": "user", "id": "u2", "name": "b", "tags": []},
            "fieldChanges": [
                {"fieldName": "role", "fieldType": "scalar", "before": "A", "after": "B"},
                {"fieldName": "members", "fieldType": "sequence", "added": [{"id": "x"}], "removed": []},
            ],
        }
    )
    rows = explode("audit_event_targets", [event], {})
    assert [(r["target_index"], r["change_index"]) for r in rows] == [(0, 0), (1, None), (2, 0), (2, 1)]
    parent_key = shape_batch([event], AUDIT_SPEC, {"run_id": "r"}).frame["event_key"][0]
    frame = shape_children([event], TARGETS_SPEC, {"run_id": "r"}).frame
    assert set(frame["event_key"]) == {parent_key}
    assert frame["field_name"].to_list() == ["role", None, "role", "members"]
    assert orjson.loads(frame["added"][3]) == [{"id": "x"}]
    assert frame["event_time"][0].timestamp() * 1000 == event["timestamp"]


SECRETS_SPEC = TableSpec(
    name="service_account_tokens",
    transform="strip_secrets",
    columns=(Column("name", "name", required=True), Column("expiry", "expiry", "timestamp")),
)


def test_strip_secrets_leaves_no_secret_in_raw_and_keeps_metadata() -> None:
    record = {
        "name": "ci-token",
        "expiry": "2025-01-01T00:00:00Z",
        "tokenId": "t1",
        "token": "SECRET-1",
        "tokenValue": "SECRET-2",
        "credentials": [
            {
                "type": "aws",
                "accessKey": "SECRET-3",
                "secretKey": "SECRET-4",
                "value": "SECRET-5",
                "name": "aws-cred",
            }
        ],
        "config": {"apiKey": "SECRET-6", "providerApiKey": "SECRET-7", "password": "SECRET-8"},
    }
    original = orjson.dumps(record)
    batch = shape_batch([record], SECRETS_SPEC, {"run_id": "r"})
    raw = batch.frame["_raw"][0]
    assert "SECRET" not in raw
    kept = orjson.loads(raw)
    assert (kept["name"], kept["tokenId"], kept["credentials"][0]["name"]) == ("ci-token", "t1", "aws-cred")
    assert orjson.dumps(record) == original  # the caller's record is not mutated
    assert "SECRET" not in shape_batch([{"password": "SECRET-9"}], SECRETS_SPEC, {}).rejects[0].payload_json


def test_registry_stages() -> None:
    assert runs_before_raw("strip_secrets") and not runs_before_raw("cost_allocation")
    assert {t.stage for t in REGISTRY.values()} == {"before_raw", "after_raw", "child"}
    with pytest.raises(ValueError, match="not a child-table transform"):
        explode("audit_events", [], {})
    with pytest.raises(KeyError, match="unknown record transform"):
        runs_before_raw("nope")
