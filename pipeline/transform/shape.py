"""Shape a page of source records into a typed polars frame plus rejects, column by column."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import polars as pl

from pipeline.tables import Column, TableSpec
from pipeline.transform.casting import POLARS_TYPES, UTC_DATETIME, cast_column
from pipeline.transform.derived import DERIVED_KEY, REJECT_KEY
from pipeline.transform.paths import column_values
from pipeline.transform.registry import get_transform

RAW_COLUMN = "_raw"
EXTRACTED_AT_COLUMN = "_extracted_at"
RUN_ID_COLUMN = "_run_id"
PARTITION_COLUMN = "_partition_date"
"""Daily-partitioned tables: the UTC day whose request returned the row. Reloads replace by it, so a row
whose own time lies outside the requested day (a Kubecost in another time zone) is replaced, not doubled."""
PARTITION_DATE_KEY = "partition_date"
"""Context key holding the `date` of the partition a page was requested for."""


@dataclass(frozen=True)
class Reject:
    """A record that could not be landed, kept whole so nothing is lost."""

    table: str
    reason: str
    payload_json: str


@dataclass
class ShapedBatch:
    frame: pl.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    """The records as transformed (with `_derived`), so child tables reuse derived values such as keys."""
    rejected: frozenset[int] = frozenset()
    """Positions in `records` that became rejects."""

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """The transformed records that landed: only these may explode into child-table rows."""
        if not self.rejected:
            return self.records
        return [r for i, r in enumerate(self.records) if i not in self.rejected]


def frame_schema(spec: TableSpec) -> dict[str, pl.DataType]:
    """The polars schema of a shaped frame: spec columns, then `_raw`, `_extracted_at`, `_run_id`, parents."""
    schema: dict[str, pl.DataType] = {c.name: POLARS_TYPES[c.type] for c in spec.columns}
    schema[RAW_COLUMN] = pl.Utf8()
    schema[EXTRACTED_AT_COLUMN] = UTC_DATETIME
    schema[RUN_ID_COLUMN] = pl.Utf8()
    if spec.partitioned:
        schema[PARTITION_COLUMN] = pl.Date()
    for parent in spec.parent_columns:
        schema.setdefault(parent, pl.Utf8())
    return schema


CANONICAL = orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS
"""`_raw` is canonical (sorted keys): JSON objects are unordered, and keys hashed from it are stable."""

RAW_CONTEXT_KEY = "raw_json"
"""Context key under which an after-raw transform finds the JSON bytes `_raw` holds for each record."""

SOURCE_BYTES_KEY = "source_bytes"
"""Context key of each record's bytes exactly as Domino sent them (raw pages): when present they become
`_raw` (and the audit key's hash) instead of re-serialised canonical JSON, so both shaping paths of a
raw page land the same `_raw` and the same keys."""


def canonical_casing(series: pl.Series, members: tuple[str, ...]) -> pl.Series:
    """Known enum values in their canonical casing, matched case-insensitively; others unchanged."""
    canonical = {member.casefold(): member for member in members}
    folded = series.str.to_lowercase()
    return folded.replace_strict(canonical, default=series, return_dtype=pl.Utf8).alias(series.name)


def shape_batch(records: list[dict[str, Any]], spec: TableSpec, context: dict[str, Any]) -> ShapedBatch:
    """Typed rows for `spec` from `records`; records that do not fit become rejects, the rest land.

    `context`: `run_id`, `extracted_at` (datetime, default now), `parent` (values for
    `spec.parent_columns`) and whatever the spec's transform reads (e.g. `aggregate`).
    Child-table transforms are not applied here: pass rows made by `explode` (or use `shape_children`).
    """
    transform = get_transform(spec.transform) if spec.transform else None
    if transform and transform.stage == "before_raw":
        records = transform.apply(records, context)
    sent = context.get(SOURCE_BYTES_KEY)
    raw_bytes = (
        [bytes(b) for b in sent] if sent is not None else [orjson.dumps(r, option=CANONICAL) for r in records]
    )
    raw = [b.decode() for b in raw_bytes]
    if transform and transform.stage == "after_raw":
        records = transform.apply([dict(r) for r in records], {**context, RAW_CONTEXT_KEY: raw_bytes})

    failures: dict[int, list[str]] = {}
    for index, record in enumerate(records):
        reason = (record.get(DERIVED_KEY) or {}).get(REJECT_KEY)
        if reason:
            failures.setdefault(index, []).append(f"{spec.name}.{reason}")

    fill_floats = bool(transform and transform.fill_missing_floats)
    columns: list[pl.Series] = []
    for column in spec.columns:
        values = column_values(records, column)
        series, bad = cast_column(column.name, values, column.type)
        if column.enum:
            series = canonical_casing(series, column.enum)
        for index, type_name in bad.items():
            failures.setdefault(index, []).append(
                f"{spec.name}.{column.name}: cannot cast {type_name} to {column.type}"
            )
        if column.required:
            for index in series.is_null().arg_true().to_list() if series.null_count() else []:
                if index not in bad:
                    missing = f"{spec.name}.{column.name}: required value missing"
                    failures.setdefault(index, []).append(missing)
        columns.append(filled(series, column, fill_floats))

    frame = assemble(pl.DataFrame(columns), raw, spec, context)
    if not failures:
        return ShapedBatch(frame.select(list(frame_schema(spec))), records=records)
    rejected = sorted(failures)
    keep = pl.Series([True] * len(records)).scatter(rejected, False)
    rejects = [Reject(spec.name, "; ".join(failures[i]), raw[i]) for i in rejected]
    return ShapedBatch(
        frame.filter(keep).select(list(frame_schema(spec))), rejects, records, frozenset(rejected)
    )


def filled(series: pl.Series, column: Column, fill_floats: bool) -> pl.Series:
    """Nulls filled as the spec says: 0.0 in a float column when the transform fills missing floats, else
    the column's default (a series without nulls is returned as is: most are, and filling costs a copy)."""
    if not series.null_count():
        return series
    if fill_floats and column.type == "float":
        series = series.fill_null(0.0)
    if column.default is not None:
        series = series.fill_null(column.default)
    return series


def assemble(
    columns: pl.DataFrame, raw: list[str] | pl.Series, spec: TableSpec, context: dict[str, Any]
) -> pl.DataFrame:
    """The spec's typed columns plus `_raw`, `_extracted_at`, `_run_id`, `_partition_date` and the parent
    columns (shared by both shaping paths, so they land the same frame)."""
    parent = context.get("parent") or {}
    extracted_at = context.get("extracted_at") or datetime.now(UTC)
    extra = [
        pl.Series(RAW_COLUMN, raw, dtype=pl.Utf8),
        pl.lit(extracted_at).cast(UTC_DATETIME).alias(EXTRACTED_AT_COLUMN),
        pl.lit(context.get("run_id"), dtype=pl.Utf8).alias(RUN_ID_COLUMN),
    ]
    if spec.partitioned:
        extra.append(_partition_day(spec, context).alias(PARTITION_COLUMN))
    for name in spec.parent_columns:
        value = parent.get(name)
        literal = pl.lit(None if value is None else str(value), dtype=pl.Utf8)
        extra.append(
            pl.coalesce(pl.col(name), literal).alias(name) if name in columns.columns else literal.alias(name)
        )
    return columns.with_columns(extra)


def row_json(frame: pl.DataFrame, spec: TableSpec) -> pl.Series:
    """`_raw` of a child-table row: the row's own columns as one JSON object (keys sorted). A child row is
    exploded from its parent, whose record as sent is the parent's `_raw` (joined on the parent key)."""
    names = sorted(spec.column_names)
    return frame.select(pl.struct(names).struct.json_encode().alias(RAW_COLUMN)).to_series()


def _partition_day(spec: TableSpec, context: dict[str, Any]) -> pl.Expr:
    """The requested day when the page was asked for one; else (jobs, read without a time filter) the UTC
    day of each record's own time column."""
    day = context.get(PARTITION_DATE_KEY)
    if day is not None or spec.time_column is None:
        return pl.lit(day, dtype=pl.Date)
    return pl.col(spec.time_column).dt.date()


def shape_children(
    parent_records: list[dict[str, Any]], spec: TableSpec, context: dict[str, Any]
) -> ShapedBatch:
    """Explode parent records with the child spec's transform, then shape the child rows."""
    if not spec.transform:
        raise ValueError(f"table {spec.name!r} has no child transform to explode its parents with")
    transform = get_transform(spec.transform)
    if transform.stage != "child":
        raise ValueError(f"transform {spec.name!r}.{spec.transform} is not a child-table transform")
    context = {k: v for k, v in context.items() if k not in (SOURCE_BYTES_KEY, RAW_CONTEXT_KEY)}
    shaped = shape_batch(transform.apply(parent_records, context), spec, context)
    shaped.frame = shaped.frame.with_columns(row_json(shaped.frame, spec))
    return shaped
