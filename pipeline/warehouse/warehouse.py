"""`Warehouse`: the DuckDB file, its short-lived connections, staging and atomic commits."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipeline.tables import TableSpec
from pipeline.warehouse.commit import LoadResult, TableLoad, commit_loads
from pipeline.warehouse.ddl import ensure_log_tables, literal, qualified, quote
from pipeline.warehouse.locking import file_lock, retry_on_lock
from pipeline.warehouse.staging import Stage, new_stage_directory, remove_stale_stages

DEFAULT_SETTINGS: dict[str, str | bool] = {
    "preserve_insertion_order": False,
    "memory_limit": os.environ.get("DOMINO_DUCKDB_MEMORY_LIMIT") or "64MB",
}
"""Raw tables have no meaningful row order (dedupe orders by staged position explicitly), and dropping it
makes large inserts faster. Bounded memory: DuckDB spills to `<db>.tmp` past the limit, so a 2M-event
backfill peaks near 280 MB RSS for the whole process (`make bench`) however many days it spans."""

RESERVED_CATALOGS = frozenset({"memory", "temp", "system", "main"})
"""Names `ATTACH` refuses (a file called `memory.duckdb` is attached as `memory_warehouse`)."""

ROW_GROUP_ROWS = 30_720
"""Row-group size of row groups written by this project's connections (DuckDB's default: 122,880). An
insert writes each full row group straight to the file, compressed ("optimistic writes"), so the
`COMMIT` no longer copies a 100k-event day through the WAL and a checkpoint: the commit thread of an
audit load spends 30-40% less time (`make bench`), for a file about 7% larger."""


class Warehouse:
    """A DuckDB file written by one process at a time.

    Writers hold an exclusive `flock` on `<db>.lock` for the (short) write transaction; readers
    hold a shared one; connecting retries DuckDB's own lock error for up to `lock_timeout_s`.
    """

    def __init__(
        self, path: str | Path, lock_timeout_s: float = 120.0, settings: dict[str, str | bool] | None = None
    ) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        self.settings: dict[str, str | bool] = {**DEFAULT_SETTINGS, **(settings or {})}
        """DuckDB settings applied to every connection (e.g. `memory_limit`, `threads`)."""
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.staging_root = self.path.with_name(self.path.name + ".staging")
        self.path.parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection (UTC session), retried while another process holds the file."""
        read_only = read_only and self.path.exists()
        con = retry_on_lock(lambda: self._open(read_only), self.lock_timeout_s)
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")
            for setting, value in self.settings.items():
                con.execute(f"SET {setting} = {value!r}")
            yield con
        finally:
            con.close()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """The file as the connection's default catalog (named after the file, as `duckdb.connect(path)`
        names it); writers attach it with `ROW_GROUP_SIZE`, which only `ATTACH` accepts."""
        if read_only:
            return duckdb.connect(str(self.path), read_only=True)
        con = duckdb.connect()
        try:
            stem = self.path.stem
            catalog = quote(stem if stem not in RESERVED_CATALOGS else f"{stem}_warehouse")
            con.execute(f"ATTACH {literal(str(self.path))} AS {catalog} (ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
            con.execute(f"USE {catalog}")
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection held under the exclusive inter-process write lock."""
        with file_lock(self.lock_path, exclusive=True, timeout_s=self.lock_timeout_s), self.connect() as con:
            yield con

    def stage(self, spec: TableSpec, run_id: str, flush_rows: int = 50_000) -> Stage:
        return Stage(spec, run_id, new_stage_directory(self.staging_root, spec.name, run_id), flush_rows)

    def commit(self, loads: Sequence[TableLoad], partition_key: str | None = None) -> list[LoadResult]:
        """Land every staged table (parent and children together) in ONE transaction, then drop the stages.

        If anything fails the transaction rolls back and the stages stay for a retry.
        """
        with self.writing() as con:
            # One thread: each inserting thread holds its own unfinished row group in memory, and two of
            # them ran a 30-day cost load (74k rows of ~740-byte records) out of the 64 MB limit.
            con.execute("SET threads = 1")
            results = commit_loads(con, list(loads), partition_key)
        for load in loads:
            load.stage.discard()
        return results

    def mark_gone(self, spec: TableSpec, key_values: Sequence[str], run_id: str) -> int:
        """Flag rows Domino answers 404 for as `is_gone` (kept, never deleted); returns how many changed."""
        if not key_values:
            return 0
        (key,) = spec.key
        now = datetime.now(UTC)
        with self.writing() as con:
            con.execute("BEGIN TRANSACTION")
            ensure_log_tables(con)
            changed = con.execute(
                f"UPDATE {qualified(spec.name)} SET is_gone = true, gone_at = ? "
                f"WHERE list_contains(?::VARCHAR[], {quote(key)}) AND coalesce(is_gone, false) = false",
                [now, list(key_values)],
            ).fetchone()[0]
            con.execute(
                'INSERT INTO raw._loads ("table", run_id, mode, rows, rejects, kept_rows, note, started_at, '
                "finished_at) VALUES (?, ?, 'mark_gone', 0, 0, ?, ?, ?, ?)",
                [spec.name, run_id, changed, f"{changed} rows answered 404: kept, flagged is_gone", now, now],
            )
            con.execute("COMMIT")
        return int(changed)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        """Run a read and return a polars frame; read-only and under the shared lock, so keep it short."""
        with (
            file_lock(self.lock_path, exclusive=False, timeout_s=self.lock_timeout_s),
            self.connect(read_only=True) as con,
        ):
            table = con.sql(sql, params=params).to_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def cleanup_stale_stages(self, older_than: timedelta = timedelta(hours=24)) -> int:
        """Remove stages left by runs that died before committing; returns how many were removed."""
        return remove_stale_stages(self.staging_root, older_than.total_seconds())
