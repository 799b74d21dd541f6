"""The columnar path: same frames as the records path, never a reject of its own, keys from the bytes sent.

Each test builds a page of bytes as Domino would send it, shapes it on the fast path (`ColumnarPlan`) and
compares with the records path (`shape_batch` given the same bytes), or checks that the page is handed
back (None) so the records path can name the rejects.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import msgspec
import orjson
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.domino import endpoint
from pipeline.domino.catalogue import COST_AGGREGATE_LABELS
from pipeline.domino.raw_envelopes import read_raw_list, split_body
from pipeline.extract.raw_batches import RawBatches
from pipeline.extract.report import LoadReport
from pipeline.tables import Column, TableSpec
from pipeline.transform import PARTITION_DATE_KEY, shape_batch, shape_children
from pipeline.transform.audit import OCCURRENCES_KEY, Occurrences
from pipeline.transform.columnar import plan_for
from pipeline.transform.shape import SOURCE_BYTES_KEY
from tests.fixtures import audit_record

AUDIT = endpoint("audit_events")
COST = endpoint("cost_allocation")
DAY = date(2024, 10, 15)
NOW = datetime(2024, 10, 16, tzinfo=UTC)


def page_of(records: list[dict[str, Any]], key: str = "events") -> tuple[Any, list[msgspec.Raw]]:
    body = orjson.dumps({key: records, "total": len(records)})
    envelope = read_raw_list(split_body(body), body, "test", (key,))
    return envelope.items, envelope.records


def context(**extra: Any) -> dict[str, Any]:
    return {
        "run_id": "r",
        "extracted_at": NOW,
        PARTITION_DATE_KEY: DAY,
        OCCURRENCES_KEY: Occurrences(),
        **extra,
    }


def records_path(raws: list[msgspec.Raw], spec_endpoint: Any, ctx: dict[str, Any]) -> tuple[Any, list[Any]]:
    records = [orjson.loads(bytes(r)) for r in raws]
    shaped = shape_batch(records, spec_endpoint.table, {**ctx, SOURCE_BYTES_KEY: raws})
    children = [shape_children(shaped.accepted, c, ctx) for c in spec_endpoint.child_tables]
    return shaped, children


def varied_events() -> list[dict[str, Any]]:
    events = [audit_record(i, 1_728_950_400_000) for i in range(40)]
    events[1]["targets"] = []  # no targets: no child rows
    events[2]["targets"] = None
    events[3]["targets"][0]["fieldChanges"] = []  # a target without changes: one row
    events[4]["targets"].append(None)  # a null target: one row of nulls
    events[5]["targets"][0]["fieldChanges"].append(
        {
            "fieldName": "members",
            "fieldType": "sequence",
            "added": [{"id": "u9", "name": "ann"}],
            "removed": [],
        }
    )
    events[6]["in"] = {"entityType": "dataset", "id": "d1", "name": "ds"}  # not a project
    events[7]["in"] = None
    events[8]["actor"]["id"] = 12345  # a number where text is expected lands as its text, on both paths
    events[9]["action"] = {"traceId": "t"}  # no event name at all
    events[10]["simulatorUnknownField"] = {"kept": [1, 2]}
    events[11]["metadata"] = {"command": "ünïcode ✓", "quote": 'a"b'}
    events[12] = dict(events[13])  # a double click: identical events
    return events


def test_columnar_frames_equal_the_records_path_on_varied_events() -> None:
    items, raws = page_of(varied_events())
    plan = plan_for(AUDIT.table, AUDIT.child_tables)
    assert plan is not None
    shaped = plan.shape(items, raws, context())
    assert shaped is not None
    frame, (targets,) = shaped
    expected, (expected_targets,) = records_path(raws, AUDIT, context())
    assert not expected.rejects
    assert_frame_equal(frame, expected.frame)
    assert_frame_equal(targets, expected_targets.frame)
    assert targets.filter(pl.col("added").is_not_null())["added"].to_list() == ['[{"id":"u9","name":"ann"}]']


def test_raw_is_each_record_as_sent_unknown_fields_included_and_keys_hash_those_bytes() -> None:
    events = varied_events()
    items, raws = page_of(events)
    frame, _ = plan_for(AUDIT.table, AUDIT.child_tables).shape(items, raws, context())  # type: ignore[union-attr, misc]
    assert frame["_raw"].to_list() == [orjson.dumps(e).decode() for e in events]
    assert '"simulatorUnknownField":{"kept":[1,2]}' in frame["_raw"][10]
    digest = hashlib.sha1(orjson.dumps(events[13])).hexdigest()
    assert frame["event_key"][12] == digest and frame["event_key"][13] == f"{digest}-1"


def test_identical_events_count_across_pages_and_across_both_paths() -> None:
    event = audit_record(1, 1_728_950_400_000)
    bad = {**audit_record(2, 1_728_950_400_000), "timestamp": "abc"}
    ctx = context()
    plan = plan_for(AUDIT.table, AUDIT.child_tables)
    keys = []
    first = plan.shape(*page_of([event]), ctx)  # type: ignore[union-attr]
    keys += first[0]["event_key"].to_list()  # type: ignore[index]
    items, raws = page_of([event, bad])
    assert plan.shape(items, raws, ctx) is None  # type: ignore[union-attr]  (the bad one: records path)
    shaped, _ = records_path(raws, AUDIT, ctx)
    keys += shaped.frame["event_key"].to_list()
    third = plan.shape(*page_of([event]), ctx)  # type: ignore[union-attr]
    keys += third[0]["event_key"].to_list()  # type: ignore[index]
    digest = hashlib.sha1(orjson.dumps(event)).hexdigest()
    assert keys == [digest, f"{digest}-1", f"{digest}-2"]
    assert [r.reason for r in shaped.rejects] == [
        "audit_events.event_time: cannot cast str (not ISO-8601) to timestamp_ms"
    ]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"timestamp": "abc"}, "a number field sent as text"),
        ({"timestamp": 1.5}, "a fractional epoch"),
        ({"timestamp": True}, "a boolean epoch"),
        ({"timestamp": None}, "a required value missing"),
        ({"actor": "someone"}, "text where an object is expected"),
        ({"actor": {"id": {"nested": 1}}}, "an object where text is expected"),
        ({"targets": {"not": "a list"}}, "an object where a list is expected"),
        ({"targets": [5]}, "a target that is not an object"),
    ],
)
def test_a_record_that_cannot_be_typed_hands_the_page_back(change: dict[str, Any], why: str) -> None:
    events = [audit_record(i, 1_728_950_400_000) for i in range(3)]
    events[1].update(change)
    ctx = context()
    assert plan_for(AUDIT.table, AUDIT.child_tables).shape(*page_of(events), ctx) is None, why  # type: ignore[union-attr]
    assert (
        ctx[OCCURRENCES_KEY].key("0" * 40) == "0" * 40
    )  # the counter was rolled back, not left half-counted


def test_cost_rows_equal_the_records_path_and_a_bad_name_hands_the_page_back() -> None:
    rows = [
        {
            "name": f"App/p{i}/proj-{i}/u{i}/org/__unallocated__",
            "window": {"start": "2024-10-15T00:00:00Z", "end": "2024-10-16T00:00:00Z"},
            "cpuCost": i,
            "ramCost": 0.5,
            "totalCost": i + 0.5,
        }
        for i in range(5)
    ]
    rows.append(
        {"name": "__idle__", "start": "2024-10-15T00:00:00Z", "end": "2024-10-16T00:00:00Z", "cpuCost": 2}
    )
    ctx = context(aggregate=list(COST_AGGREGATE_LABELS))
    items, raws = page_of(rows, "data")
    plan = plan_for(COST.table)
    assert plan is not None
    frame, _ = plan.shape(items, raws, ctx)  # type: ignore[misc]
    expected, _ = records_path(raws, COST, ctx)
    assert_frame_equal(frame, expected.frame)
    assert frame["billing_tag"].to_list() == [None] * 6 and frame["is_idle"].to_list()[-1] is True
    rows[2]["name"] = "too/few"
    assert plan.shape(*page_of(rows, "data"), ctx) is None


def test_a_batch_that_does_not_type_is_shaped_page_by_page_and_only_the_bad_page_takes_the_records_path() -> (
    None
):
    from pipeline.domino.client import RawPage
    from pipeline.domino.windows import DailyWindow

    window = DailyWindow.for_day(date(2024, 10, 15))
    base = int(window.start.timestamp() * 1000)
    pages = []
    for n in range(3):
        events = [audit_record(n * 10 + i, base) for i in range(10)]
        if n == 1:
            events[4]["timestamp"] = "not a time"
        items, raws = page_of(events)
        pages.append(RawPage("audit_events", items, raws, "events", n * 10, 0, 1, 0, 30))

    class Stage:
        def __init__(self) -> None:
            self.frames: list[pl.DataFrame] = []

        def add(self, frame: pl.DataFrame) -> None:
            self.frames.append(frame)

    stages = [Stage(), Stage()]
    by_records: list[int] = []
    report = LoadReport("audit_events")
    batches = RawBatches(
        AUDIT,
        plan_for(AUDIT.table, AUDIT.child_tables),
        lambda recs, stages, ctx: by_records.append(len(recs)),
        report,
    )
    ctx = context()
    for page in pages:
        batches.add(page, stages, window, ctx)  # type: ignore[arg-type]
    batches.flush(stages, window, ctx)  # type: ignore[arg-type]
    assert by_records == [10]  # the middle page only, whole, for the records path to name its reject
    assert [f.height for f in stages[0].frames] == [10, 10] and report.rows == 20


def test_a_transform_without_a_fast_path_form_keeps_its_table_on_the_records_path() -> None:
    """Dropping a transform would keep what it exists to remove (strip_secrets: API keys in `_raw`)."""
    secret_table = endpoint("ai_gateway_endpoints").table
    assert secret_table.transform == "strip_secrets"
    assert plan_for(secret_table) is None
    assert plan_for(AUDIT.table, AUDIT.child_tables) is not None  # the audit forms are registered


@pytest.mark.parametrize(
    "aggregate",
    [
        None,  # Domino's default aggregate
        [
            "label:dominodatalab.com/project-name",
            "project",
            "unknown-label",
        ],  # a column twice, a label without one
        ["billing-tag"],
    ],
)
def test_cost_names_split_in_polars_as_on_the_records_path(aggregate: list[str] | None) -> None:
    parts = 6 if aggregate is None else len(aggregate)
    window = {"start": "2024-10-15T00:00:00Z", "end": "2024-10-16T00:00:00Z"}
    rows: list[dict[str, Any]] = [
        {"name": "/".join(f"v{i}-{p}" for p in range(parts)), "window": window, "cpuCost": i}
        for i in range(4)
    ]
    rows[1]["name"] = "/".join(["__unallocated__"] * parts)
    rows[2]["window"] = {"end": "2024-10-16T00:00:00Z"}  # no window.start: the top-level start
    rows[2]["start"] = "2024-10-15T01:00:00Z"
    rows[3]["window"] = "2024-10-15"  # not an object: top-level start and end
    rows[3]["start"], rows[3]["end"] = "2024-10-15T02:00:00Z", "2024-10-15T03:00:00Z"
    rows.append({"name": "__idle__", "window": window, "cpuCost": 1})
    ctx = context(aggregate=aggregate) if aggregate else context()
    plan = plan_for(COST.table)
    assert plan is not None
    items, raws = page_of(rows, "data")
    frame, _ = plan.shape(items, raws, ctx)  # type: ignore[misc]
    expected, _ = records_path(raws, COST, ctx)
    assert_frame_equal(frame, expected.frame)
    for bad_name in (None, 42, "/".join(["x"] * (parts + 1))):  # the records path names these rejects
        spoiled = [dict(r) for r in rows]
        spoiled[0]["name"] = bad_name
        assert plan.shape(*page_of(spoiled, "data"), ctx) is None, bad_name
        assert records_path(page_of(spoiled, "data")[1], COST, ctx)[0].rejects


THINGS = TableSpec(
    "things",
    (
        Column("id", "id", required=True),
        Column("owner", "owner", "json"),  # kept as the bytes sent...
        Column("owner_id", "owner.id"),  # ...and read typed from them
        Column("size", "stats.size", "int"),  # a struct of the one path read
        Column("info", "info.a"),  # `info.a` and `info.a.b`: `info` is read as Python values
        Column("info_b", "info.a.b"),
        Column("label", "labels.primary", alternatives=("label",)),
    ),
)


def test_fields_read_whole_by_path_or_both_land_as_on_the_records_path() -> None:
    things = [
        {"id": "t1", "owner": {"id": "u1", "x": [1]}, "stats": {"size": 3}, "info": {"a": "x"}, "label": "l"},
        {"id": "t2", "owner": None, "stats": None, "labels": {"primary": "p"}, "unknown": True},
        {"id": "t3", "info": {"a": None}, "labels": {"primary": None}, "label": "fallback"},
        {"id": "t4", "owner": {"id": 7}, "stats": {"size": 2**40, "other": "y"}, "info": "flat"},
    ]
    plan = plan_for(THINGS)
    assert plan is not None
    items, raws = page_of(things, "items")
    shaped = plan.shape(items, raws, {"run_id": "r", "extracted_at": NOW})
    assert shaped is not None
    expected, _ = records_path(
        raws, SimpleNamespace(table=THINGS, child_tables=()), {"run_id": "r", "extracted_at": NOW}
    )
    assert_frame_equal(shaped[0], expected.frame)
    assert shaped[0]["owner_id"].to_list() == ["u1", None, None, "7"]
    assert shaped[0]["label"].to_list() == ["l", "p", "fallback", None]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"owner": "someone"}, "text where the typed reading of a field kept as bytes expects an object"),
        ({"stats": 5}, "a number where a struct of paths expects an object"),
        ({"info": {"a": {"b": "y"}}}, "an object where text is expected"),
    ],
)
def test_a_field_its_struct_cannot_read_hands_the_page_back(change: dict[str, Any], why: str) -> None:
    things = [{"id": f"t{i}", "owner": {"id": "u"}, "stats": {"size": i}} for i in range(3)]
    things[1].update(change)
    assert plan_for(THINGS).shape(*page_of(things, "items"), {"run_id": "r"}) is None, why  # type: ignore[union-attr]
