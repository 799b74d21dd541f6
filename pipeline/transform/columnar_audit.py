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


def event_keys(page: PageColumns, counter: Occurrences) -> pl.Series:
    """sha1 of each record's bytes as sent (`hashlib`, as the records path), numbered by `counter`; the
    prefixes `Occurrences` counts by are read from the hex digests in polars."""
    digests = [hashlib.sha1(raw).hexdigest() for raw in page.raws]
    hexes = pl.Series("event_key", digests, dtype=pl.Utf8)
    prefixes = hexes.str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64).to_list()
    keys = counter.keys(digests, prefixes)
    return hexes if keys is digests else pl.Series("event_key", keys, dtype=pl.Utf8)


def derive_events(page: PageColumns, spec: TableSpec, context: dict[str, Any]) -> dict[str, Any]:
    within = pl.col("in")
    is_project = within.struct.field("entityType") == "project"
    derived = page.frame.select(
        pl.when(is_project).then(within.struct.field("id")).alias("project_id"),
        pl.when(is_project).then(within.struct.field("name")).alias("project_name"),
        pl.col("targets").list.len().fill_null(0).cast(pl.Int64).alias("target_count"),
    )
    keys = event_keys(page, _occurrences(context))
    return {"event_key": keys, **{name: derived[name] for name in derived.columns}}


class _Targets(msgspec.Struct):
    targets: _NESTED_TARGETS = None


_TARGETS = msgspec.json.Decoder(_Targets)
LEAF_MARKERS = r'"added"|"removed"|\\u'
"""A regex: a record holds an `added` or `removed` key only if its bytes contain the quoted name or a
`\\u` escape (the only other way to spell a key's letters); records without these explode with null
leaves, so only the others are decoded."""


def _json(raw: msgspec.Raw | None) -> str | None:
    data = b"" if raw is None else bytes(raw)
    return None if data in (b"", b"null") else data.decode()


def _added_removed(targets: list[Any] | None) -> tuple[list[str | None], list[str | None]]:
    """One event's JSON leaves, in explode order (targets, then their changes; one row per bare target)."""
    added: list[str | None] = []
    removed: list[str | None] = []
    for target in targets or ():
        changes = target.fieldChanges if target is not None else None
        for change in changes or (None,):
            added.append(_json(change.added) if change is not None else None)
            removed.append(_json(change.removed) if change is not None else None)
    return added, removed


def _leaves(page: PageColumns, owners: pl.Series) -> tuple[pl.Series, pl.Series] | None:
    """`added` and `removed` of each exploded row (`owners`: the event each row comes from), as sent.

    Only the few events whose bytes may hold these keys (`LEAF_MARKERS`) are decoded, one by one; every
    other row's leaves are null. None (records path) when a decoded event's targets do not read, or do
    not line up with the rows polars exploded for it."""
    nulls = pl.repeat(None, owners.len(), dtype=pl.Utf8, eager=True)
    events = page.raw_texts().str.contains(LEAF_MARKERS).arg_true().to_list()
    if not events:
        return nulls.alias("added"), nulls.alias("removed")
    added: list[str | None] = []
    removed: list[str | None] = []
    expected: list[int] = []
    for event in events:
        try:
            targets = _TARGETS.decode(page.raws[event]).targets
        except msgspec.MsgspecError:
            return None
        event_added, event_removed = _added_removed(targets)
        added += event_added
        removed += event_removed
        expected += [event] * len(event_added)
    rows = owners.is_in(events).arg_true()
    if owners.gather(rows).to_list() != expected:
        return None
    return (
        nulls.scatter(rows, pl.Series(added, dtype=pl.Utf8)).alias("added"),
        nulls.scatter(rows, pl.Series(removed, dtype=pl.Utf8)).alias("removed"),
    )


def explode_targets(
    page: PageColumns, events: pl.DataFrame, spec: TableSpec, context: dict[str, Any]
) -> pl.DataFrame | None:
    """One row per (target, field change) of each landed event, exploded in polars."""
    targets = pl.col("targets")
    changes = pl.col("changes")
    entity = targets.struct.field("entity")
    exploded = (
        pl.DataFrame([events["event_key"], events["event_time"], page.frame["targets"]])
        .with_row_index("_event")
        .lazy()
        .filter(targets.list.len() > 0)
        .with_columns(pl.int_ranges(0, targets.list.len()).alias("target_index"))
        .explode(["targets", "target_index"], empty_as_null=True, keep_nulls=True)
        .with_columns(targets.struct.field("fieldChanges").alias("changes"))
        .with_columns(pl.int_ranges(0, changes.list.len()).alias("change_index"))
        .explode(["changes", "change_index"], empty_as_null=True, keep_nulls=True)
        .select(
            "_event",
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
    )
    leaves = _leaves(page, exploded["_event"])
    if leaves is None:
        return None
    typed = exploded.with_columns(*leaves).select(spec.column_names)
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
    ColumnarTransform(Needs(text={"targets": TARGETS}), explode=explode_targets),
)
