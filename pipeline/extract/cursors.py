"""Where an incremental cursor extract resumes: one row per table in `raw._cursors`.

The cursor is saved only after the rows it covers are committed, in its own short transaction: a crash in
between leaves the older cursor, so the next run re-reads a little more (rows are upserted, never lost).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.warehouse import Warehouse

TABLE = "raw._cursors"
DDL = (
    f'CREATE TABLE IF NOT EXISTS {TABLE} ("table" VARCHAR PRIMARY KEY, cursor VARCHAR NOT NULL, '
    "run_id VARCHAR, saved_at TIMESTAMPTZ NOT NULL)"
)


def read_cursor(warehouse: Warehouse, table: str) -> str | None:
    """The saved resume cursor of `table`, or None when it was never extracted (read from the start)."""
    if not warehouse.path.exists():
        return None
    found = warehouse.query(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'raw' "
        "AND table_name = '_cursors'"
    )
    if not found["n"][0]:
        return None
    rows = warehouse.query(f'SELECT cursor FROM {TABLE} WHERE "table" = ?', [table])
    return rows["cursor"][0] if rows.height else None


def save_cursor(warehouse: Warehouse, table: str, cursor: str, run_id: str) -> None:
    with warehouse.writing() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute(DDL)
        con.execute(
            f'INSERT OR REPLACE INTO {TABLE} ("table", cursor, run_id, saved_at) VALUES (?, ?, ?, ?)',
            [table, cursor, run_id, datetime.now(UTC)],
        )
