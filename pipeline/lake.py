"""The Parquet lake (opt-in, `DOMINO_PARQUET_LAKE_PATH`): the read copy's `raw`, `reporting` and `focus`
tables as Parquet files, hive-partitioned by day, for Spark, Trino, pandas or DuckDB itself.

It is built from the read copy just published (a consistent snapshot, so the writer's lock is never taken)
into a new version folder, which then becomes `current` by renaming a symlink over the old one: a rename is
atomic, so a reader resolves `current` to the old version or the new one, never half of either. The version
before stays for readers still scanning it; older ones are removed.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.warehouse.ddl import literal, quote
from pipeline.warehouse.locking import file_lock

LAKE_ENV = "DOMINO_PARQUET_LAKE_PATH"
SCHEMAS = ("raw", "reporting", "focus")
DAY_COLUMNS = ("_partition_date", "day", "snapshot_date")
"""A table is partitioned by the first of these it has as a DATE column (raw: the requested day;
reports: their day; `*_history`: the snapshot's day); others are one file."""
CURRENT = "current"
VERSIONS = "versions"
LOCK = ".publish.lock"


def lake_path(env: Mapping[str, str] | None = None) -> Path | None:
    """Where the lake lives, or None when it is not wanted (the default)."""
    value = (os.environ if env is None else env).get(LAKE_ENV, "").strip()
    return Path(value) if value else None


@dataclass(frozen=True)
class PublishedLake:
    path: Path
    tables: int
    files: int
    seconds: float

    def describe(self) -> str:
        return (
            f"Parquet lake: {self.path} ({self.tables} tables, {self.files} files, hive-partitioned by day; "
            f"published in {self.seconds:.1f}s)"
        )


def publish_lake(read_copy: Path, root: Path, lock_timeout_s: float = 600.0) -> PublishedLake:
    """Export the tables of `SCHEMAS` from `read_copy` into a new version under `root`, made current.

    One publish at a time (a lock file under `root`): two at once could each prune the other's version."""
    began = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    with file_lock(root / LOCK, exclusive=True, timeout_s=lock_timeout_s):
        version = root / VERSIONS / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        version.mkdir(parents=True)
        try:
            with duckdb.connect(str(read_copy), read_only=True) as con:
                con.execute("SET TimeZone = 'UTC'")
                tables = _tables(con)
                for schema, table, day in tables:
                    _export(con, schema, table, day, version / schema / table)
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
        _make_current(root, version)
        _prune(root, keep={version.name, *_previous(root, version)})
    files = sum(1 for _ in version.rglob("*.parquet"))
    return PublishedLake(root / CURRENT, len(tables), files, time.perf_counter() - began)


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    """(schema, table, day column or None) for the lake's tables; `_`-named bookkeeping tables stay out."""
    names = ", ".join(literal(s) for s in SCHEMAS)
    rows = con.execute(
        f"SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ({names}) "
        "AND NOT starts_with(table_name, '_') ORDER BY 1, 2"
    ).fetchall()
    dates = {
        (s, t, c)
        for s, t, c in con.execute(
            f"SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            f"WHERE schema_name IN ({names}) AND data_type = 'DATE'"
        ).fetchall()
    }
    return [(s, t, next((c for c in DAY_COLUMNS if (s, t, c) in dates), None)) for s, t in rows]


def _export(con: duckdb.DuckDBPyConnection, schema: str, table: str, day: str | None, folder: Path) -> None:
    source = f"{quote(schema)}.{quote(table)}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    (rows,) = con.execute(f"SELECT count(*) FROM {source}").fetchone()  # type: ignore[misc]
    if day is None or rows == 0:  # an empty table is still one (empty) file, so readers find its columns
        folder.mkdir(parents=True)
        target = literal(str(folder / "data.parquet"))
        con.execute(f"COPY (SELECT * FROM {source}) TO {target} (FORMAT parquet, COMPRESSION zstd)")
        return
    con.execute(
        f"COPY (SELECT * FROM {source}) TO {literal(str(folder))} "
        f"(FORMAT parquet, COMPRESSION zstd, PARTITION_BY ({quote(day)}))"
    )


def _make_current(root: Path, version: Path) -> None:
    link = root / f".{CURRENT}-{uuid.uuid4().hex}"
    link.symlink_to(Path(VERSIONS) / version.name, target_is_directory=True)
    os.replace(link, root / CURRENT)


def _previous(root: Path, version: Path) -> list[str]:
    """The newest version older than `version` (readers may still be scanning it)."""
    older = sorted(p.name for p in (root / VERSIONS).iterdir() if p.name < version.name)
    return older[-1:]


def _prune(root: Path, keep: set[str]) -> None:
    for old in (root / VERSIONS).iterdir():
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
