"""The read copy: a snapshot of the warehouse for analysts and BI tools, published after each successful run.

DuckDB lets one process write a file, and a reader holding it open (even read-only) blocks that writer. So
readers get their own file: the warehouse is copied (tables, views, comments) into a temporary file next
to the copy under the warehouse's shared lock (no write transaction is in flight), and the temporary file
is renamed over the copy. A rename is atomic: a reader opens the old copy or the new one, never half of
one, and a reader that keeps the old copy open goes on reading it undisturbed.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.lake import lake_path, publish_lake
from pipeline.warehouse import Warehouse
from pipeline.warehouse.ddl import literal, quote
from pipeline.warehouse.locking import file_lock, retry_on_lock

READ_COPY_SUFFIX = ".read.duckdb"


def read_copy_path(warehouse_path: str | Path) -> Path:
    """`DOMINO_READ_COPY_PATH`, else the warehouse's name with `.read.duckdb` (data/domino.read.duckdb)."""
    configured = os.environ.get("DOMINO_READ_COPY_PATH")
    if configured:
        return Path(configured)
    path = Path(warehouse_path)
    return path.with_name(path.name.removesuffix(".duckdb") + READ_COPY_SUFFIX)


@dataclass(frozen=True)
class Published:
    path: Path
    tables: int
    seconds: float

    def describe(self) -> str:
        return f"Read copy for analysts: {self.path} ({self.tables} tables, published in {self.seconds:.1f}s)"


def publish_read_copy(warehouse: Warehouse, target: Path | None = None) -> Published:
    """Copy the warehouse into `target` (default `read_copy_path`) and swap it in atomically."""
    target = target or read_copy_path(warehouse.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    began = time.perf_counter()
    try:
        with (
            file_lock(warehouse.lock_path, exclusive=False, timeout_s=warehouse.lock_timeout_s),
            duckdb.connect(str(building)) as con,
        ):
            retry_on_lock(
                lambda: con.execute(f"ATTACH {literal(str(warehouse.path))} AS source (READ_ONLY)"),
                warehouse.lock_timeout_s,
            )
            con.execute(f"COPY FROM DATABASE source TO {quote(_catalog(con))}")
            tables = _copy_comments(con)
            con.execute("DETACH source")
            con.execute("CHECKPOINT")
        os.replace(building, target)
    finally:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".wal").unlink(missing_ok=True)
    return Published(target, tables, time.perf_counter() - began)


def publish_for_readers(warehouse: Warehouse) -> list[str]:
    """What readers get after a successful run: the read copy, then the Parquet lake when configured
    (`DOMINO_PARQUET_LAKE_PATH`); one line each, for the run summary or the sensor's log."""
    published = publish_read_copy(warehouse)
    lines = [published.describe()]
    if (root := lake_path()) is not None:
        lines.append(publish_lake(published.path, root).describe())
    return lines


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    (name,) = con.execute("SELECT current_database()").fetchone()  # type: ignore[misc]
    return name


def _copy_comments(con: duckdb.DuckDBPyConnection) -> int:
    """Carry table and column comments over (COPY FROM DATABASE leaves them out); returns the table count."""
    tables = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = 'source'"
    ).fetchall()
    for schema, table, comment in tables:
        if comment:
            con.execute(f"COMMENT ON TABLE {quote(schema)}.{quote(table)} IS {literal(comment)}")
    columns = con.execute(
        "SELECT c.schema_name, c.table_name, c.column_name, c.comment FROM duckdb_columns() c "
        "JOIN duckdb_tables() t USING (database_name, schema_name, table_name) "
        "WHERE c.database_name = 'source' AND c.comment IS NOT NULL AND c.comment <> ''"
    ).fetchall()
    for schema, table, column, comment in columns:
        con.execute(f"COMMENT ON COLUMN {quote(schema)}.{quote(table)}.{quote(column)} IS {literal(comment)}")
    return len(tables)
