"""The columnar path against the records path, end to end over real HTTP.

The columnar path keeps `_raw` as the bytes Domino sent and hashes those for audit keys, where the records
path hashed re-serialised sorted-keys JSON: a table loaded by the records path (or by an older version)
and reloaded on the columnar path must converge (its days are replaced whole), never hold an event twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.e2e.conftest import PipelineUnderTest

Make = Callable[..., PipelineUnderTest]
COLUMNS = "event_time, actor_id, actor_name, event_name, project_id, project_name, target_count, trace_id"
TARGET_COLUMNS = (
    "event_time, target_index, entity_type, entity_id, entity_name, change_index, field_name, after"
)


def rows(pipeline: PipelineUnderTest, table: str, columns: str) -> list[tuple]:
    return sorted(pipeline.sql(f"SELECT {columns} FROM raw.{table}"), key=repr)


def test_a_columnar_reload_over_a_records_path_load_converges_and_lands_the_same_values(
    pipeline_for: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = pipeline_for()
    end = pipeline.world.end.date()
    start = end - timedelta(days=2)
    monkeypatch.setenv("DOMINO_SHAPING", "records")
    assert pipeline.run(start, end, groups=["audit", "cost"]).ok
    by_records = {
        t: rows(pipeline, t, c)
        for t, c in (("audit_events", COLUMNS), ("audit_event_targets", TARGET_COLUMNS))
    }
    cost_by_records = rows(pipeline, "cost_allocation", "name, window_start, total_cost, billing_tag")
    old_keys = {k for (k,) in pipeline.sql("SELECT event_key FROM raw.audit_events")}

    monkeypatch.setenv("DOMINO_SHAPING", "columnar")
    assert pipeline.run(start, end, groups=["audit", "cost"]).ok
    truth = pipeline.world.truth()["audit_events_per_day"]
    expected = sum(truth[(start + timedelta(days=i)).isoformat()] for i in range(2))
    assert pipeline.scalar("SELECT count(*), count(DISTINCT event_key) FROM raw.audit_events") == expected
    assert pipeline.sql("SELECT count(*), count(DISTINCT event_key) FROM raw.audit_events")[0] == (
        expected,
        expected,
    )
    for table, columns in (("audit_events", COLUMNS), ("audit_event_targets", TARGET_COLUMNS)):
        assert rows(pipeline, table, columns) == by_records[table], table
    assert rows(pipeline, "cost_allocation", "name, window_start, total_cost, billing_tag") == cost_by_records
    # the keys now hash the bytes as sent (old keys are gone with their rows, none doubled)
    for key, raw in pipeline.sql("SELECT event_key, CAST(_raw AS VARCHAR) FROM raw.audit_events LIMIT 50"):
        assert key.split("-")[0] == hashlib.sha1(raw.encode()).hexdigest()
    new_keys = {k for (k,) in pipeline.sql("SELECT event_key FROM raw.audit_events")}
    assert new_keys != old_keys
    orphans = "event_key NOT IN (SELECT event_key FROM raw.audit_events)"
    assert pipeline.scalar(f"SELECT count(*) FROM raw.audit_event_targets WHERE {orphans}") == 0

    # and a rerun on the columnar path changes nothing
    assert pipeline.run(start, end, groups=["audit"]).ok
    assert {k for (k,) in pipeline.sql("SELECT event_key FROM raw.audit_events")} == new_keys
