"""DDL for raw tables from TableSpecs: create, grow (never drop), comment."""

from __future__ import annotations

import duckdb

from pipeline.tables import Column, TableSpec
from pipeline.transform import PARTITION_COLUMN

SCHEMA = "raw"

DUCKDB_TYPES: dict[str, str] = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
    "timestamp_ms": "TIMESTAMPTZ",
    "json": "JSON",
}

STANDARD_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("_raw", "JSON", "Complete source record as received (unknown fields included, secrets stripped)."),
    ("_extracted_at", "TIMESTAMPTZ", "When the record was fetched from Domino."),
    ("_run_id", "VARCHAR", "Pipeline run that loaded the row."),
)


COLUMN_COMPRESSION: dict[str, str] = {"_raw": "zstd"}
"""Compression chosen at CREATE TABLE, by column name. `_raw` (the record's JSON as sent, ~600 bytes an
audit event) is most of a raw table: zstd stores it in a third of the default dictionary+FSST size and
writes it faster, and writing is where a load's commit spends its time (see README "Performance")."""


def column_definition(name: str, duck_type: str) -> str:
    compression = COLUMN_COMPRESSION.get(name)
    return f"{quote(name)} {duck_type}" + (f" USING COMPRESSION {compression}" if compression else "")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def qualified(table: str) -> str:
    return f"{SCHEMA}.{quote(table)}"


def _source(column: Column) -> str:
    """Where a column comes from, for its COMMENT: the JSON path(s) in the Domino record."""
    paths = " or ".join((column.path, *column.alternatives))
    if column.path.startswith("_derived."):
        return f"derived: {column.path.removeprefix('_derived.')}"
    return f"Domino field {paths}"


PARTITION_STANDARD_COLUMN = (
    PARTITION_COLUMN,
    "DATE",
    "UTC day whose request returned the row; a reload of that day replaces exactly these rows.",
)


def table_columns(spec: TableSpec) -> list[tuple[str, str, str]]:
    """(name, DuckDB type, comment) of every column of `raw.<spec.name>`, in table order."""
    columns = [(c.name, DUCKDB_TYPES[c.type], c.comment or _source(c)) for c in spec.columns]
    columns.extend(STANDARD_COLUMNS)
    if spec.partitioned:
        columns.append(PARTITION_STANDARD_COLUMN)
    names = {c[0] for c in columns}
    columns.extend(
        (p, "VARCHAR", "Key of the fan-out parent record.") for p in spec.parent_columns if p not in names
    )
    return columns


def existing_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [SCHEMA, table],
    ).fetchall()
    return [r[0] for r in rows]


def ensure_columns(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[tuple[str, str, str]],
    table_comment: str,
) -> list[str]:
    """Create `raw.<table>` or add the columns it lacks (returned by name); comments follow the spec."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    present = existing_columns(con, table)
    if not present:
        body = ", ".join(column_definition(n, t) for n, t, _ in columns)
        con.execute(f"CREATE TABLE {qualified(table)} ({body})")
        if table_comment:
            con.execute(f"COMMENT ON TABLE {qualified(table)} IS {literal(table_comment)}")
        added = columns
    else:
        added = [c for c in columns if c[0] not in present]
        for name, duck_type, _ in added:
            con.execute(f"ALTER TABLE {qualified(table)} ADD COLUMN {quote(name)} {duck_type}")
    for name, _, comment in added:
        if comment:
            con.execute(f"COMMENT ON COLUMN {qualified(table)}.{quote(name)} IS {literal(comment)}")
    return [] if not present else [name for name, _, _ in added]


def ensure_table(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """Create or grow `raw.<spec.name>`; rows held before `_partition_date` existed get the UTC day of
    their own time column, so the next reload of that day replaces them instead of doubling them."""
    added = ensure_columns(con, spec.name, table_columns(spec), spec.comment)
    if PARTITION_COLUMN in added and spec.time_column:
        day = f"CAST({quote(spec.time_column)} AS DATE)"
        con.execute(f"UPDATE {qualified(spec.name)} SET {quote(PARTITION_COLUMN)} = {day}")


def history_table(spec: TableSpec) -> str:
    return f"{spec.name}_history"


def ensure_history_table(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """`raw.<name>_history`: one snapshot of the table per `snapshot_date`."""
    columns = [("snapshot_date", "DATE", "Day the snapshot was taken (UTC)."), *table_columns(spec)]
    ensure_columns(con, history_table(spec), columns, f"Daily snapshots of raw.{spec.name}.")


LOG_TABLES: dict[str, tuple[list[tuple[str, str, str]], str]] = {
    "_rejects": (
        [
            ("table", "VARCHAR", "Raw table the record was meant for."),
            ("reason", "VARCHAR", "Why it was rejected (table, column, value type)."),
            ("payload", "JSON", "The record as received (secrets stripped)."),
            ("partition_key", "VARCHAR", "Partition the run loaded."),
            ("run_id", "VARCHAR", "Run that rejected it."),
            ("rejected_at", "TIMESTAMPTZ", "When it was rejected."),
        ],
        "Records that could not be landed; replaced per (table, partition_key) so reruns converge.",
    ),
    "_loads": (
        [
            ("table", "VARCHAR", "Raw table loaded."),
            ("partition_key", "VARCHAR", "Partition loaded (NULL when unpartitioned)."),
            ("run_id", "VARCHAR", "Run that loaded it."),
            ("mode", "VARCHAR", "Write mode (replace_window, replace_all, upsert, mark_gone)."),
            ("rows", "BIGINT", "Rows inserted."),
            ("rejects", "BIGINT", "Records rejected."),
            ("kept_rows", "BIGINT", "Held rows a reload guard kept although Domino's answer lacked them."),
            ("note", "VARCHAR", "Why rows were kept (days that came back empty, a shrinking inventory)."),
            ("started_at", "TIMESTAMPTZ", "When staging began."),
            ("finished_at", "TIMESTAMPTZ", "When the load committed."),
        ],
        "One row per table per committed load.",
    ),
}


def ensure_log_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table, (columns, comment) in LOG_TABLES.items():
        ensure_columns(con, table, columns, comment)
