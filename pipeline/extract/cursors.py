"""Where an incremental cursor extract resumes: one row per table in `raw._cursors`.

The cursor is saved only after the rows it covers are committed, in its own short transaction: a crash in
between leaves the older cursor, so the next run re-reads a little more (rows are upserted, never lost).
The next read resumes at the first page that held a record still open (`OpenRecords`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.domino.client import Page, RawPage
from pipeline.tables import Column, TableSpec
from pipeline.transform.columnar import plan_for
from pipeline.transform.paths import column_values
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


class OpenRecords:
    """Whether a page holds a record still open (its `open_column` null or absent, e.g. a run without an
    end time): read from decoded records, or from a page of bytes by the fast path's plan of that one
    column (it decodes only the fields the column reads; a page that does not decode counts as open)."""

    def __init__(self, column: Column) -> None:
        self.column = column
        self._plan = plan_for(TableSpec(f"open_{column.name}", (column,)))

    def in_page(self, page: Page | RawPage) -> bool:
        if isinstance(page, Page):
            return None in column_values(page.records, self.column)
        values = self._plan.read_column(page.items, page.records, self.column.name) if self._plan else None
        return values is None or None in values
