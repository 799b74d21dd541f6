"""The audit trail on the fast path: event keys from the bytes as sent, project context, targets exploded.

Same rules as `audit.py` (the records path), written over decoded structs: the key is the sha1 of the
record's bytes plus its occurrence within the window (`Occurrences`, shared with the records path), the
project is `in` when it is a project, and each (target, field change) becomes one row of
`audit_event_targets` (a target without changes gives one row; events without targets give none). The
structs read only the fields these rules use, each leaf as the Python value sent, so the columns are cast
by the records path's casters; a target or change that is not an object (or null) does not decode, and
its page takes the records path.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
import polars as pl

from pipeline.tables import TableSpec
from pipeline.transform.audit import OCCURRENCES_KEY, Occurrences
from pipeline.transform.columnar import (
    ColumnarTransform,
    Needs,
    PageColumns,
    json_texts,
    register,
    typed_series,
)
from pipeline.transform.shape import assemble, frame_schema, row_json


class Entity(msgspec.Struct, gc=False):
    entityType: Any = None
    id: Any = None
    name: Any = None


class Change(msgspec.Struct, gc=False):
    fieldName: Any = None
    fieldType: Any = None
    before: Any = None
    after: Any = None
    added: msgspec.Raw = msgspec.Raw()
    removed: msgspec.Raw = msgspec.Raw()


class Target(msgspec.Struct, gc=False):
    entity: Entity | None = None
    fieldChanges: list[Change | None] | None = None


TARGETS = list[Target | None] | None


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
    projects = [w if w is not None and w.entityType == "project" else None for w in page.values("in")]
    return {
        "event_key": event_keys(page, _occurrences(context)),
        "project_id": [None if w is None else w.id for w in projects],
        "project_name": [None if w is None else w.name for w in projects],
        "target_count": [0 if t is None else len(t) for t in page.values("targets")],
    }


_NO_CHANGE = (None,)
_NO_ENTITY = Entity()
_EMPTY = Change()


def explode_targets(
    page: PageColumns, events: pl.DataFrame, spec: TableSpec, context: dict[str, Any]
) -> pl.DataFrame | None:
    """One row per (target, field change) of each landed event, in the records path's order."""
    owners: list[int] = []
    target_index: list[int] = []
    change_index: list[int | None] = []
    entities: list[Entity] = []
    changes: list[Change] = []
    for event, targets in enumerate(page.values("targets")):
        for t_index, target in enumerate(targets or ()):
            entity = (target.entity if target is not None else None) or _NO_ENTITY
            field_changes = (target.fieldChanges if target is not None else None) or _NO_CHANGE
            for c_index, change in enumerate(field_changes):
                owners.append(event)
                target_index.append(t_index)
                change_index.append(None if field_changes is _NO_CHANGE else c_index)
                entities.append(entity)
                changes.append(change or _EMPTY)
    rows = pl.Series("_event", owners, dtype=pl.Int64)
    values: dict[str, list[Any]] = {
        "target_index": target_index,
        "entity_type": [e.entityType for e in entities],
        "entity_id": [e.id for e in entities],
        "entity_name": [e.name for e in entities],
        "change_index": change_index,
        "field_name": [c.fieldName for c in changes],
        "field_type": [c.fieldType for c in changes],
        "before": [c.before for c in changes],
        "after": [c.after for c in changes],
    }
    columns = [events["event_key"].gather(rows), events["event_time"].gather(rows)]
    for name, column_values in values.items():
        series = typed_series(name, column_values, spec.column(name).type)
        if series is None:
            return None
        columns.append(series)
    columns += [
        json_texts("added", [c.added for c in changes]),
        json_texts("removed", [c.removed for c in changes]),
    ]
    typed = pl.DataFrame(columns).select(spec.column_names)
    frame = assemble(typed, row_json(typed, spec), spec, context)
    return frame.select(list(frame_schema(spec)))


register(
    "audit_events",
    ColumnarTransform(
        Needs(nested={"in": Entity | None, "targets": TARGETS}),
        derive=derive_events,
        transactional=_occurrences,
    ),
)
register(
    "audit_event_targets", ColumnarTransform(Needs(nested={"targets": TARGETS}), explode=explode_targets)
)
