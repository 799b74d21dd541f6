"""Declarative table shapes shared by the endpoint catalogue and the warehouse.

A `TableSpec` says how records of one Domino endpoint become rows of one DuckDB
table. It knows neither HTTP nor DuckDB, so the client (`pipeline.domino`) and the
warehouse (`pipeline.warehouse`) can both depend on it without depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ColumnType = Literal["str", "int", "float", "bool", "timestamp", "timestamp_ms", "json"]
"""Source-side type of a column.

`timestamp` reads an ISO-8601 string, `timestamp_ms` an epoch-milliseconds integer; both
land as `TIMESTAMPTZ` in UTC. `json` keeps a nested value as a DuckDB `JSON` column.
"""


@dataclass(frozen=True)
class Column:
    """One typed column taken from a dotted path in the source record."""

    name: str
    path: str
    type: ColumnType = "str"
    required: bool = False
    comment: str = ""
    alternatives: tuple[str, ...] = ()
    """Other dotted paths tried in order when `path` is absent (e.g. flat `pvCost` vs nested `pv.pvCost`)."""
    enum: tuple[str, ...] = ()
    """Known values in their canonical casing: a value matching one ignoring case lands in that casing
    (Domino's enum casing differs between versions); an unknown value lands as sent."""
    default: Any = None
    """Value landed when the record has none (e.g. `is_gone = false` for a job Domino still returns)."""


@dataclass(frozen=True)
class TableSpec:
    """A raw table: its name in schema `raw`, its columns and its natural key."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("id",)
    comment: str = ""
    transform: str | None = None
    """Name of a record transform in `pipeline.transform` applied before column extraction."""
    parent_columns: tuple[str, ...] = field(default_factory=tuple)
    """Columns filled from the fan-out parent rather than the record (e.g. `project_id` of a job)."""
    checks: tuple[str, ...] = ()
    """Named row checks beyond the unique key (`pipeline.defs.checks.CHECKS`, e.g. `cost_parts_add_up`)."""
    partitioned: bool = False
    """Loaded by daily partitions: rows carry `_partition_date`, the day whose request returned them."""
    time_column: str | None = None
    """The record's own time column (event time, window start, submission time): event logs are clipped to
    the requested window by it, and rows held from before `_partition_date` existed are dated by it."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called `name` (a catalogue field such as `window_column` names one)."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"raw.{self.name} has no column {name!r}")
