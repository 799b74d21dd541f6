"""The audit trail: every audited event (daily partitions), exploded into targets and field changes."""

from __future__ import annotations

from pipeline.domino.catalogue.base import Endpoint, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "audit_events",
        "audit",
        "/api/audittrail/v1/auditevents",
        path_setting="audit_path",
        list_keys=("events",),
        page_size=1000,
        partitioned="daily",
        window="audit",
        window_column="event_time",
        clip_to_window=True,
        counted=True,
        fresh_within_days=2,
        admin_only=True,
        table=table(
            "audit_events",
            col("event_key", "_derived.event_key", required=True),
            col("event_time", "timestamp", "timestamp_ms", required=True),
            col("actor_id", "actor.id"),
            col("actor_name", "actor.name"),
            col("event_name", "action.eventName", "str", "event", "eventType"),
            col("project_id", "_derived.project_id"),
            col("project_name", "_derived.project_name"),
            col("target_count", "_derived.target_count", "int"),
            col("trace_id", "action.traceId"),
            col("within", "in", "json"),
            col("metadata", "metadata", "json"),
            key=("event_key",),
            transform="audit_events",
        ),
        child_tables=(
            table(
                "audit_event_targets",
                col("event_key", "event_key", required=True),
                col("event_time", "event_time", "timestamp_ms"),
                col("target_index", "target_index", "int"),
                col("entity_type", "entity_type"),
                col("entity_id", "entity_id"),
                col("entity_name", "entity_name"),
                col("change_index", "change_index", "int"),
                col("field_name", "field_name"),
                col("field_type", "field_type"),
                col("before", "before"),
                col("after", "after"),
                col("added", "added", "json"),
                col("removed", "removed", "json"),
                key=("event_key", "target_index", "change_index"),
                transform="audit_event_targets",
                comment="one row per (target, field change); exploded from audit_events",
            ),
        ),
    ),
)
