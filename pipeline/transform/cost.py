"""`cost_allocation`: split Kubecost aggregate names into Domino label columns.

Domino joins the requested label values with `/` in request order; unset labels read
`__unallocated__` and the cluster idle row is `__idle__`.
"""

from __future__ import annotations

from typing import Any

from pipeline.transform.derived import REJECT_KEY, derived

UNALLOCATED = "__unallocated__"
IDLE = "__idle__"

LABEL_COLUMNS: dict[str, str] = {
    "workload-type": "workload_type",
    "project-id": "project_id",
    "project-name": "project_name",
    "starting-user-username": "user_name",
    "organization-name": "organization_name",
    "billing-tag": "billing_tag",
    # seed-API aggregate words: `aggregateBy=project` names are project names, etc.
    "project": "project_name",
    "user": "user_name",
    "organization": "organization_name",
    "billingtag": "billing_tag",
}
"""Aggregate label key (prefixes `label:` and `dominodatalab.com/` removed) → derived column."""

DEFAULT_AGGREGATE = (
    "workload-type",
    "project-id",
    "project-name",
    "starting-user-username",
    "organization-name",
    "billing-tag",
)
LABEL_FIELDS = tuple(dict.fromkeys(LABEL_COLUMNS.values()))


def _label_key(aggregate_item: str) -> str:
    key = aggregate_item.strip()
    key = key.removeprefix("label:")
    return key.rsplit("/", 1)[-1]


def _window(record: dict[str, Any]) -> tuple[Any, Any]:
    window = record.get("window")
    if isinstance(window, dict):
        return window.get("start", record.get("start")), window.get("end", record.get("end"))
    return record.get("start"), record.get("end")


def name_columns(context: dict[str, Any]) -> tuple[list[str], list[str | None]]:
    """The request's aggregate label keys and, for each `/`-separated part of a name, its column (None:
    a label this table has no column for)."""
    aggregate = [_label_key(a) for a in context.get("aggregate") or DEFAULT_AGGREGATE if a.strip()]
    return aggregate, [LABEL_COLUMNS.get(key) for key in aggregate]


def cost_allocation(records: list[dict[str, Any]], context: dict[str, Any]) -> list[dict[str, Any]]:
    """Add label columns, `is_idle` and the window bounds under `_derived`; reject malformed names."""
    aggregate, columns = name_columns(context)
    for record in records:
        values = derived(record)
        values.update(dict.fromkeys(LABEL_FIELDS))
        values["window_start"], values["window_end"] = _window(record)
        name = record.get("name")
        values["is_idle"] = name == IDLE
        if name == IDLE:
            continue
        if not isinstance(name, str):
            values[REJECT_KEY] = f"name: expected a '/'-joined aggregate name, got {type(name).__name__}"
            continue
        parts = name.split("/")
        if len(parts) != len(columns):
            values[REJECT_KEY] = (
                f"name: expected {len(columns)} '/'-separated parts for aggregate "
                f"{','.join(aggregate)}, got {len(parts)}"
            )
            continue
        for column, part in zip(columns, parts, strict=True):
            if column is not None:
                values[column] = None if part == UNALLOCATED else part
    return records
