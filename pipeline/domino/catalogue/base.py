"""The building blocks of catalogue entries: `Endpoint`, `FanOut` and the helpers that spell them briefly.

Entries live in one module per API area next to this one (`cost.py`, `audit.py`, ...); the package's
`__init__` collects them into the one registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pipeline.tables import Column, ColumnType, TableSpec

Pagination = Literal["offset", "none", "single", "cursor"]
"""`cursor`: the request's `cursor_param` takes the previous response's `cursor_key` (v4 batch exports)."""
WindowKind = Literal["cost_allocation", "cost_assets", "audit", "iso_range", "newest_first"]
"""How a daily window is read: request parameters per kind, or (`newest_first`) no time filter at all:
page newest-first and stop below the window (jobs)."""


def lookup(record: Mapping[str, Any], path: str) -> Any:
    """Value at a dotted path, or None when any step is missing."""
    value: Any = record
    for step in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


@dataclass(frozen=True)
class FanOut:
    """How a child endpoint is called once per parent record.

    `pass_down` names the values taken from each parent record (context key → dotted paths tried in
    order); the child's context is the parent's own context plus these, so grandchildren see both.
    `path_params` / `query_params` map request parameters to context keys.
    """

    parent: str
    pass_down: Mapping[str, tuple[str, ...]]
    path_params: Mapping[str, str] = field(default_factory=dict)
    query_params: Mapping[str, str] = field(default_factory=dict)

    def child_context(
        self, parent_record: Mapping[str, Any], parent_context: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Context for one child call, or None when the parent record lacks a needed value."""
        context = dict(parent_context or {})
        for key, paths in self.pass_down.items():
            value = next((v for v in (lookup(parent_record, p) for p in paths) if v not in (None, "")), None)
            if value is None:
                return None
            context[key] = value
        return context

    def request_parts(self, context: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        path = {name: str(context[key]) for name, key in self.path_params.items()}
        query = {name: str(context[key]) for name, key in self.query_params.items()}
        return path, query


@dataclass(frozen=True)
class Endpoint:
    """A Domino read endpoint and the raw table its records land in."""

    name: str
    area: str
    path: str
    table: TableSpec
    list_keys: tuple[str, ...] = ()
    """Where records sit: list keys for lists, object keys for `single` (`{"user": {...}}`)."""
    pagination: Pagination = "offset"
    params: Mapping[str, str] = field(default_factory=dict)
    page_size: int = 100
    parent: FanOut | None = None
    partitioned: Literal["daily"] | None = None
    window: WindowKind | None = None
    admin_only: bool = False
    item_wrapper: str | None = None
    """Noun wrapping each list item (`{"dataset": {...}, "projectInfo": {...}}`); unwrapped when present."""
    missing_ok: bool = False
    """A 404 means 'not on this Domino / parent vanished': yield nothing instead of failing."""
    path_setting: str | None = None
    """Name of a `DominoSettings` attribute that overrides `path` (e.g. the audit path)."""
    child_tables: tuple[TableSpec, ...] = ()
    """Tables exploded from this endpoint's records by a child transform (e.g. audit_event_targets)."""
    window_column: str | None = None
    """The time column a daily partition is replaced by (in the table and its child tables); for
    `newest_first`, also the column paging stops below."""
    detail_path: str | None = None
    """GET of one record by its `{id}`: records whose `done_column` is not true in earlier partitions are
    re-read through it and upserted, so their final state lands (unfinished jobs)."""
    detail_key: str = ""
    """Object key the detail response wraps the record in (`{"job": {...}}`)."""
    done_column: str | None = None
    """Boolean column that marks a record final: no further detail re-reads."""
    cursor_param: str = ""
    """Cursor paging: the request parameter carrying the cursor (`batchId`)."""
    cursor_key: str = ""
    """Cursor paging: the response key holding the next page's cursor (`nextBatchId`)."""
    open_column: str | None = None
    """Cursor paging: a column that is NULL while a record may still change (a run's `end_time`). An
    incremental read resumes at the first page that held such a record, so it is read again until final."""
    counted: bool = False
    """Lists carry the server's own count of matches (`total`/`estimatedMatches`): a check compares the
    rows landed per day with it."""
    total_matches: str | None = None
    """Another raw table whose per-day `total_cost` this one must match (the summary vs the allocation)."""
    fresh_within_days: int | None = None
    """Warn when the newest loaded partition is older than this many days."""
    clip_to_window: bool = False
    """Event logs: drop records whose `window_column` lies outside the requested day (a server may ignore
    or widen the range). Cost rows are never clipped: a row belongs to the day that requested it, even
    when a Kubecost in another time zone dates its window a few hours off."""

    def __post_init__(self) -> None:
        if self.pagination == "cursor" and not (self.cursor_param and self.cursor_key):
            raise ValueError(f"{self.name}: cursor paging needs cursor_param and cursor_key")
        if self.open_column is not None and self.open_column not in self.table.column_names:
            raise ValueError(f"{self.name}: open_column {self.open_column!r} is not a column of its table")
        if self.partitioned and self.window is None:
            raise ValueError(f"{self.name}: a partitioned endpoint needs a window kind")
        if self.partitioned and self.window_column not in self.table.column_names:
            raise ValueError(f"{self.name}: a partitioned endpoint needs a window_column among its columns")
        if self.detail_path and (
            "{id}" not in self.detail_path
            or self.done_column not in self.table.column_names
            or not {"is_gone", "gone_at"} <= set(self.table.column_names)
        ):
            raise ValueError(
                f"{self.name}: detail_path needs an {{id}} placeholder, a done_column and is_gone/gone_at "
                "columns (a record that answers 404 is flagged gone, never deleted)"
            )


def col(
    name: str,
    path: str,
    type: ColumnType = "str",
    *alternatives: str,
    required: bool = False,
    comment: str = "",
    enum: tuple[str, ...] = (),
    default: Any = None,
) -> Column:
    return Column(
        name=name,
        path=path,
        type=type,
        required=required,
        comment=comment,
        alternatives=tuple(alternatives),
        enum=enum,
        default=default,
    )


def table(
    name: str,
    *columns: Column,
    key: tuple[str, ...] = ("id",),
    comment: str = "",
    transform: str | None = None,
    parent_columns: tuple[str, ...] = (),
    checks: tuple[str, ...] = (),
) -> TableSpec:
    return TableSpec(
        name=name,
        columns=columns,
        key=key,
        comment=comment,
        transform=transform,
        parent_columns=parent_columns,
        checks=checks,
    )


def child_of(
    parent: str,
    key: str,
    *paths: str,
    path_param: str | None = None,
    query_param: str | None = None,
    inherited: Mapping[str, str] | None = None,
) -> FanOut:
    """Fan-out that passes one value of the parent record down (plus inherited path params)."""
    path_params = dict(inherited or {})
    if path_param:
        path_params[path_param] = key
    return FanOut(
        parent=parent,
        pass_down={key: paths or ("id",)},
        path_params=path_params,
        query_params={query_param: key} if query_param else {},
    )


ID = col("id", "id", required=True)
COST_AGGREGATE_LABELS = (
    "workload-type",
    "project-id",
    "project-name",
    "starting-user-username",
    "organization-name",
    "billing-tag",
)


def cost_columns() -> tuple[Column, ...]:
    """The contract's cost columns of `/allocation` and `/allocation/summary` rows (see transform.cost)."""
    derived = [
        col(n, f"_derived.{n}")
        for n in (
            "workload_type",
            "project_id",
            "project_name",
            "user_name",
            "organization_name",
            "billing_tag",
        )
    ]
    return (
        col("name", "name", required=True, comment="aggregate key as sent by Domino"),
        *derived,
        col("is_idle", "_derived.is_idle", "bool"),
        col("window_start", "_derived.window_start", "timestamp", required=True),
        col("window_end", "_derived.window_end", "timestamp"),
        col("cpu_cost", "cpuCost", "float", "cpu.cost"),
        col("gpu_cost", "gpuCost", "float", "gpu.cost"),
        col("ram_cost", "ramCost", "float", "ram.cost"),
        col("pv_cost", "pvCost", "float", "pv.pvCost", "pv.cost"),
        col("network_cost", "networkCost", "float", "network.cost"),
        col("load_balancer_cost", "loadBalancerCost", "float", "loadBalancer.cost"),
        col("shared_cost", "sharedCost", "float"),
        col("total_cost", "totalCost", "float"),
        col("cpu_cost_adjustment", "cpuCostAdjustment", "float", "cpu.costAdjustment"),
        col("gpu_cost_adjustment", "gpuCostAdjustment", "float", "gpu.costAdjustment"),
        col("ram_cost_adjustment", "ramCostAdjustment", "float", "ram.costAdjustment"),
        col("cpu_core_hours", "cpuCoreHours", "float", "cpu.coreHours"),
        col("gpu_hours", "gpuHours", "float", "gpu.hours"),
    )
