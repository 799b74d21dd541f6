"""Synthetic Domino-shaped records and table specs shared by tests (and the micro-benchmarks in `bench/`).

The specs mirror the contract's raw.audit_events / raw.cost_allocation on purpose, small and fixed, so
warehouse and transform tests do not move when the catalogue grows; the catalogue owns the real ones.
"""

from __future__ import annotations

from typing import Any

from pipeline.tables import Column, TableSpec

AUDIT_SPEC = TableSpec(
    name="audit_events",
    key=("event_key",),
    transform="audit_events",
    partitioned=True,
    time_column="event_time",
    columns=(
        Column("event_key", "_derived.event_key", "str", required=True),
        Column("event_time", "timestamp", "timestamp_ms", required=True),
        Column("actor_id", "actor.id", "str"),
        Column("actor_name", "actor.name", "str"),
        Column("event_name", "action.eventName", "str"),
        Column("project_id", "_derived.project_id", "str"),
        Column("project_name", "_derived.project_name", "str"),
        Column("target_count", "_derived.target_count", "int"),
        Column("targets", "targets", "json"),
        Column("affecting", "affecting", "json"),
        Column("metadata", "metadata", "json"),
    ),
)

COST_SPEC = TableSpec(
    name="cost_allocation",
    key=("name", "window_start"),
    transform="cost_allocation",
    columns=(
        Column("name", "name", "str", required=True),
        Column("workload_type", "_derived.workload_type"),
        Column("project_id", "_derived.project_id"),
        Column("project_name", "_derived.project_name"),
        Column("user_name", "_derived.user_name"),
        Column("organization_name", "_derived.organization_name"),
        Column("billing_tag", "_derived.billing_tag"),
        Column("is_idle", "_derived.is_idle", "bool"),
        Column("window_start", "_derived.window_start", "timestamp", required=True),
        Column("window_end", "_derived.window_end", "timestamp"),
        Column("cpu_cost", "cpuCost", "float"),
        Column("gpu_cost", "gpuCost", "float"),
        Column("ram_cost", "ramCost", "float"),
        Column("pv_cost", "pvCost", "float", alternatives=("pv.pvCost", "pv.cost")),
        Column("network_cost", "networkCost", "float"),
        Column("load_balancer_cost", "loadBalancerCost", "float"),
        Column("shared_cost", "sharedCost", "float"),
        Column("total_cost", "totalCost", "float"),
    ),
)


def audit_record(i: int, base_ms: int = 1_729_000_000_000) -> dict[str, Any]:
    """An audit event shaped like Domino's `AuditEvent`, distinct per `i`."""
    project = {"entityType": "project", "id": f"{i % 97:024x}", "name": f"project-{i % 97}", "tags": []}
    return {
        "timestamp": base_ms + i * 1000,
        "actor": {"id": f"{i % 13:024x}", "idpId": f"idp-{i % 13}", "name": f"user{i % 13}"},
        "action": {"eventName": "Add Collaborator", "using": [], "traceId": f"{i:016x}"},
        "in": project,
        "targets": [
            {
                "entity": {"entityType": "user", "id": f"{i:024x}", "name": f"u{i}", "tags": []},
                "fieldChanges": [
                    {"fieldName": "role", "fieldType": "scalar", "before": None, "after": "Owner"}
                ],
            }
        ],
        "affecting": [project],
        "metadata": {"command": "python train.py"} if i % 5 == 0 else {},
    }


def cost_record(i: int) -> dict[str, Any]:
    """A `/allocation` row with the six-label aggregate name and a daily window."""
    day = 1 + i % 28
    return {
        "name": f"Batch/{i % 97:024x}/project-{i % 97}/user{i % 13}/org-{i % 3}/tag-{i % 7}",
        "window": {"start": f"2024-08-{day:02d}T00:00:00Z", "end": f"2024-08-{day:02d}T23:59:59.999Z"},
        "cpuCost": 0.1 * (i % 10),
        "gpuCost": 0,
        "ramCost": 0.05,
        "pv": {"pvCost": 0.01},
        "totalCost": 1.5,
        "cpuCoreHours": 2.5,
    }
