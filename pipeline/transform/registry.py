"""Named record transforms, referenced by `TableSpec.transform` in the endpoint catalogue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.transform.audit import audit_event_targets, audit_events
from pipeline.transform.cost import cost_allocation
from pipeline.transform.secrets import strip_secrets

Records = list[dict[str, Any]]
Stage = Literal["before_raw", "after_raw", "child"]


@dataclass(frozen=True)
class Transform:
    """A page-level record transform and when it runs.

    `before_raw` rewrites records before `_raw` is serialised (secrets must never be kept);
    `after_raw` adds `_derived` values to records whose `_raw` is already taken;
    `child` maps parent records to the rows of a child table (see `explode`).
    """

    name: str
    apply: Callable[[Records, dict[str, Any]], Records]
    stage: Stage
    fill_missing_floats: bool = False
    """Absent float columns become 0.0 (cost tables: a cost Kubecost omits is a zero cost)."""


REGISTRY: dict[str, Transform] = {
    t.name: t
    for t in (
        Transform("strip_secrets", strip_secrets, "before_raw"),
        Transform("cost_allocation", cost_allocation, "after_raw", fill_missing_floats=True),
        Transform("audit_events", audit_events, "after_raw"),
        Transform("audit_event_targets", audit_event_targets, "child"),
    )
}


def get_transform(name: str) -> Transform:
    """The registered transform, or a KeyError listing the known names (a catalogue typo fails loudly)."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown record transform {name!r}; known: {sorted(REGISTRY)}") from None


def runs_before_raw(name: str) -> bool:
    return get_transform(name).stage == "before_raw"


def explode(name: str, records: Records, context: dict[str, Any]) -> Records:
    """Rows of a child table built from parent records (e.g. audit events → audit_event_targets)."""
    transform = get_transform(name)
    if transform.stage != "child":
        raise ValueError(f"transform {name!r} is not a child-table transform (stage {transform.stage})")
    return transform.apply(records, context)
