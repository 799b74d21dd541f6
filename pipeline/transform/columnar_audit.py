"""The audit trail on the fast path: event keys from the bytes as sent, project context, targets exploded.

Same rules as `audit.py` (the records path), written over columns: the key is the sha1 of the record's
bytes plus its occurrence within the window (`Occurrences`, shared with the records path), the project is
`in` when it is a project, and each (target, field change) becomes one row of `audit_event_targets` (a
target without changes gives one row; events without targets give none).
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
import polars as pl

from pipeline.tables import TableSpec
from pipeline.transform.audit import OCCURRENCES_KEY, Occurrences
from pipeline.transform.columnar import ColumnarTransform, Needs, PageColumns, register
from pipeline.transform.shape import assemble, frame_schema, row_json

ENTITY = pl.Struct({"entityType": pl.Utf8, "id": pl.Utf8, "name": pl.Utf8})
CHANGE = pl.Struct({"fieldName": pl.Utf8, "fieldType": pl.Utf8, "before": pl.Utf8, "after": pl.Utf8})
TARGETS = pl.List(pl.Struct({"entity": ENTITY, "fieldChanges": pl.List(CHANGE)}))


class _Change(msgspec.Struct):
    added: msgspec.Raw = msgspec.Raw()
    removed: msgspec.Raw = msgspec.Raw()


class _Target(msgspec.Struct):
    fieldChanges: list[_Change | None] | None = None


_NESTED_TARGETS = list[_Target | None] | None


def _occurrences(context: dict[str, Any]) -> Occurrences:
    counter = context.get(OCCURRENCES_KEY)
    if counter is None:
        counter = context[OCCURRENCES_KEY] = Occurrences()
    return counter


def derive_events(page: PageColumns, spec: TableSpec, context: dict[str, Any]) -> dict[str, Any]:
    counter = _occurrences(context)
    keys = [counter.key(hashlib.sha1(raw).hexdigest()) for raw in page.raws]
    within = pl.col("in")
    is_project = within.struct.field("entityType") == "project"
    derived = page.frame.select(
        pl.when(is_project).then(within.struct.field("id")).alias("project_id"),
        pl.when(is_project).then(within.struct.field("name")).alias("project_name"),
        pl.col("targets").list.len().fill_null(0).cast(pl.Int64).alias("target_count"),
    )
    return {"event_key": keys, **{name: derived[name] for name in derived.columns}}


def _json(raw: msgspec.Raw | None) -> str | None:
    data = b"" if raw is None else bytes(raw)
    return None if data in (b"", b"null") else data.decode()


def _added_removed(nested: list[Any]) -> tuple[list[str | None], list[str | None]]:
    """The JSON leaves of each exploded row, in explode order (events, targets, changes)."""
    added: list[str | None] = []
    removed: list[str | None] = []
    for targets in nested:
        for target in targets or ():
            changes = target.fieldChanges if target is not None else None
            for change in changes or (None,):
                added.append(_json(change.added) if change is not None else None)
                removed.append(_json(change.removed) if change is not None else None)
    return added, removed


def explode_targets(
    page: PageColumns, events: pl.DataFrame, spec: TableSpec, context: dict[str, Any]
) -> pl.DataFrame:
    """One row per (target, field change) of each landed event."""
    targets = pl.col("targets")
    changes = pl.col("changes")
    added, removed = _added_removed(page.values("targets"))
    entity = targets.struct.field("entity")
    typed = (
        pl.DataFrame([events["event_key"], events["event_time"], page.frame["targets"]])
        .lazy()
        .filter(targets.list.len() > 0)
        .with_columns(pl.int_ranges(0, targets.list.len()).alias("target_index"))
        .explode(["targets", "target_index"], empty_as_null=True, keep_nulls=True)
        .with_columns(targets.struct.field("fieldChanges").alias("changes"))
        .with_columns(pl.int_ranges(0, changes.list.len()).alias("change_index"))
        .explode(["changes", "change_index"], empty_as_null=True, keep_nulls=True)
        .select(
            "event_key",
            "event_time",
            pl.col("target_index").cast(pl.Int64),
            entity.struct.field("entityType").alias("entity_type"),
            entity.struct.field("id").alias("entity_id"),
            entity.struct.field("name").alias("entity_name"),
            pl.col("change_index").cast(pl.Int64),
            changes.struct.field("fieldName").alias("field_name"),
            changes.struct.field("fieldType").alias("field_type"),
            changes.struct.field("before").alias("before"),
            changes.struct.field("after").alias("after"),
        )
        .collect()
        .with_columns(pl.Series("added", added, dtype=pl.Utf8), pl.Series("removed", removed, dtype=pl.Utf8))
        .select(spec.column_names)
    )
    frame = assemble(typed, row_json(typed, spec), spec, context)
    return frame.select(list(frame_schema(spec)))


register(
    "audit_events",
    ColumnarTransform(
        Needs(text={"in": ENTITY, "targets": TARGETS}), derive=derive_events, transactional=_occurrences
    ),
)
register(
    "audit_event_targets",
    ColumnarTransform(Needs(nested={"targets": _NESTED_TARGETS}), explode=explode_targets),
)
