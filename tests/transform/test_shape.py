"""shape_batch: typed columns, `_raw` round-trip, rejects that name table/column/type."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import polars as pl

from pipeline.tables import Column, TableSpec
from pipeline.transform import shape_batch

JOBS = TableSpec(
    name="jobs",
    parent_columns=("project_id",),
    columns=(
        Column("id", "id", "str", required=True),
        Column("number", "number", "int"),
        Column("status", "status.executionStatus", "str"),
        Column("is_completed", "status.isCompleted", "bool"),
        Column("cost", "cost", "float"),
        Column("submission_time", "stageTime.submissionTime", "timestamp"),
        Column("completed_time", "completedTimeMs", "timestamp_ms"),
        Column("tags", "tags", "json"),
    ),
)
CONTEXT = {
    "run_id": "run-1",
    "parent": {"project_id": "p1"},
    "extracted_at": datetime(2024, 8, 14, tzinfo=UTC),
}


def job(i: int, **overrides: object) -> dict:
    record = {
        "id": f"job{i}",
        "number": i,
        "status": {"executionStatus": "Succeeded", "isCompleted": True},
        "cost": 1.25,
        "stageTime": {"submissionTime": "2024-08-14T10:00:00.123Z"},
        "completedTimeMs": 1_723_630_000_000,
        "tags": ["a", {"k": 1}],
        "unknownField": {"nested": [1, 2]},
    }
    record.update(overrides)
    return record


def test_types_and_raw_round_trip_keep_unknown_fields() -> None:
    records = [job(1), job(2, cost=None, tags=None)]
    batch = shape_batch(records, JOBS, CONTEXT)
    frame = batch.frame
    assert batch.rejects == []
    assert frame.schema == pl.Schema(
        {
            "id": pl.Utf8,
            "number": pl.Int64,
            "status": pl.Utf8,
            "is_completed": pl.Boolean,
            "cost": pl.Float64,
            "submission_time": pl.Datetime("us", "UTC"),
            "completed_time": pl.Datetime("us", "UTC"),
            "tags": pl.Utf8,
            "_raw": pl.Utf8,
            "_extracted_at": pl.Datetime("us", "UTC"),
            "_run_id": pl.Utf8,
            "project_id": pl.Utf8,
        }
    )
    assert [orjson.loads(r) for r in frame["_raw"]] == records
    first = frame.row(0, named=True)
    assert first["submission_time"] == datetime(2024, 8, 14, 10, 0, 0, 123000, tzinfo=UTC)
    assert first["completed_time"] == datetime.fromtimestamp(1_723_630_000, tz=UTC)
    assert orjson.loads(first["tags"]) == ["a", {"k": 1}]
    assert (first["project_id"], first["_run_id"]) == ("p1", "run-1")
    assert frame["cost"].to_list() == [1.25, None]
    assert frame["tags"].to_list()[1] is None


def test_timestamp_forms_land_in_utc() -> None:
    stamps = [
        "2024-08-14T10:00:00Z",
        "2024-08-14T12:00:00+02:00",
        "2024-08-14T10:00:00.000000001Z",
        "2024-08-14T10:00:00.1234567+00:00",
        "2024-08-14T10:00:00",
        "2024-08-14 12:00:00.5+02:00",
        "2024-08-14",
    ]  # every form Domino uses, mixed in one column: each is read by the first format that fits it
    records = [job(i, stageTime={"submissionTime": s}) for i, s in enumerate(stamps)]
    frame = shape_batch(records, JOBS, CONTEXT).frame
    assert frame["submission_time"].to_list() == [
        datetime(2024, 8, 14, 10, tzinfo=UTC),
        datetime(2024, 8, 14, 10, tzinfo=UTC),
        datetime(2024, 8, 14, 10, tzinfo=UTC),
        datetime(2024, 8, 14, 10, 0, 0, 123456, tzinfo=UTC),
        datetime(2024, 8, 14, 10, tzinfo=UTC),
        datetime(2024, 8, 14, 10, 0, 0, 500000, tzinfo=UTC),
        datetime(2024, 8, 14, tzinfo=UTC),
    ]


def test_bad_records_are_rejected_with_reasons_and_the_rest_land() -> None:
    records = [
        job(0),
        job(1, number="abc"),
        job(2, stageTime={"submissionTime": "14/08/2024 10:00"}),
        {k: v for k, v in job(3).items() if k != "id"},
        job(4, status={"executionStatus": "Running", "isCompleted": "yes"}),
        job(5, cost=True),
        job(6, number="42", status={"executionStatus": "running", "isCompleted": "false"}),
    ]
    batch = shape_batch(records, JOBS, CONTEXT)
    assert batch.frame["id"].to_list() == ["job0", "job6"]
    assert batch.frame.row(1, named=True)["number"] == 42
    assert batch.frame.row(1, named=True)["status"] == "running"  # enum casing kept as sent
    assert batch.frame.row(1, named=True)["is_completed"] is False
    reasons = [r.reason for r in batch.rejects]
    assert reasons == [
        "jobs.number: cannot cast str to int",
        "jobs.submission_time: cannot cast str (not ISO-8601) to timestamp",
        "jobs.id: required value missing",
        "jobs.is_completed: cannot cast str to bool",
        "jobs.cost: cannot cast bool to float",
    ]
    assert all(r.table == "jobs" for r in batch.rejects)
    assert orjson.loads(batch.rejects[0].payload_json) == records[1]


def test_alternative_paths_and_parent_column_from_context() -> None:
    spec = TableSpec(
        name="things",
        parent_columns=("project_id",),
        columns=(Column("pv_cost", "pvCost", "float", alternatives=("pv.pvCost", "pv.cost")),),
    )
    records = [{"pvCost": 1.0}, {"pv": {"pvCost": 2.0}}, {"pv": {"cost": 3}}, {}]
    frame = shape_batch(records, spec, {"run_id": "r", "parent": {"project_id": "p9"}}).frame
    assert frame["pv_cost"].to_list() == [1.0, 2.0, 3.0, None]
    assert frame["project_id"].to_list() == ["p9"] * 4


def test_empty_page_gives_an_empty_typed_frame() -> None:
    batch = shape_batch([], JOBS, CONTEXT)
    assert batch.frame.height == 0
    assert batch.frame.schema["submission_time"] == pl.Datetime("us", "UTC")


def test_enum_values_land_in_canonical_casing_and_unknown_ones_as_sent() -> None:
    from pipeline.tables import Column, TableSpec

    spec = TableSpec(
        "jobs", (Column("id", "id", required=True), Column("status", "status", enum=("Succeeded", "Failed")))
    )
    records = [
        {"id": "a", "status": "SUCCEEDED"},
        {"id": "b", "status": "failed"},
        {"id": "c", "status": "Succeeded"},
        {"id": "d", "status": "Mystery"},
        {"id": "e", "status": None},
    ]
    frame = shape_batch(records, spec, {"run_id": "r"}).frame
    assert frame["status"].to_list() == ["Succeeded", "Failed", "Succeeded", "Mystery", None]
