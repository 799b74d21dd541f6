"""The write transaction: staged Parquet parts → raw tables, rejects and the load log, atomically."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from pipeline.warehouse.ddl import (
    ensure_history_table,
    ensure_log_tables,
    ensure_table,
    history_table,
    literal,
    qualified,
    quote,
    table_columns,
)
from pipeline.warehouse.modes import LoadMode, ReplaceAll, ReplaceByParentKeys, ReplaceWindow, Upsert
from pipeline.warehouse.staging import Stage


@dataclass(frozen=True)
class TableLoad:
    """One staged table and how it replaces existing rows."""

    stage: Stage
    mode: LoadMode


@dataclass(frozen=True)
class LoadResult:
    table: str
    rows: int
    rejects: int
    mode: str


def _stage_view(con: duckdb.DuckDBPyConnection, view: str, stage: Stage) -> None:
    """A temp view over the stage's parts with each row's position (`_part`, `_row`) for last-wins dedupe."""
    columns = table_columns(stage.spec)
    if stage.parts:
        files = "[" + ", ".join(literal(str(p)) for p in stage.parts) + "]"
        select = ", ".join(quote(n) for n, _, _ in columns)
        source = (
            f"SELECT {select}, filename AS _part, file_row_number AS _row "
            f"FROM read_parquet({files}, filename = true, file_row_number = true)"
        )
    else:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {quote(n)}" for n, t, _ in columns)
        source = f"SELECT {nulls}, NULL::VARCHAR AS _part, NULL::BIGINT AS _row WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {quote(view)} AS {source}")


def _key_match(spec_key: tuple[str, ...], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{quote(k)} IS NOT DISTINCT FROM {right}.{quote(k)}" for k in spec_key)


def _has_duplicate_keys(con: duckdb.DuckDBPyConnection, view: str, key: tuple[str, ...]) -> bool:
    keys = ", ".join(quote(k) for k in key)
    total, distinct = con.execute(f"SELECT count(*), count(DISTINCT ({keys})) FROM {quote(view)}").fetchone()
    return total != distinct


def _delete_staged_keys(con: duckdb.DuckDBPyConnection, target: str, view: str, key: tuple[str, ...]) -> None:
    keys = ", ".join(quote(k) for k in key)
    con.execute(
        f"DELETE FROM {target} AS t USING (SELECT DISTINCT {keys} FROM {quote(view)}) AS s "
        f"WHERE {_key_match(key, 't', 's')}"
    )


def _insert(con: duckdb.DuckDBPyConnection, target: str, view: str, load: TableLoad) -> int:
    spec = load.stage.spec
    columns = table_columns(spec)
    names = ", ".join(quote(n) for n, _, _ in columns)
    values = ", ".join(f"CAST({quote(n)} AS JSON)" if t == "JSON" else quote(n) for n, t, _ in columns)
    source = quote(view)
    key = tuple(k for k in spec.key if k in {n for n, _, _ in columns})
    if key and _has_duplicate_keys(con, view, key):
        keys = ", ".join(quote(k) for k in key)
        source = (
            f"(SELECT * FROM {quote(view)} QUALIFY row_number() OVER "
            f"(PARTITION BY {keys} ORDER BY _part DESC, _row DESC) = 1)"
        )
    inserted = con.execute(f"INSERT INTO {target} ({names}) SELECT {values} FROM {source}").fetchone()
    return int(inserted[0]) if inserted else 0


def _apply(con: duckdb.DuckDBPyConnection, load: TableLoad, views: dict[str, str]) -> int:
    spec, mode = load.stage.spec, load.mode
    target, view = qualified(spec.name), views[spec.name]
    if isinstance(mode, ReplaceWindow):
        con.execute(
            f"DELETE FROM {target} WHERE {quote(mode.column)} >= ? AND {quote(mode.column)} < ?",
            [mode.start, mode.end],
        )
        if spec.key and mode.moved_keys:
            _delete_staged_keys(con, target, view, spec.key)
    elif isinstance(mode, Upsert):
        _delete_staged_keys(con, target, view, spec.key)
    elif isinstance(mode, ReplaceByParentKeys):
        parent_view = views[mode.parent] if mode.parent else view
        parent_column = quote(mode.parent_column or mode.column)
        orphans = ""
        if mode.parent:  # the parent is already replaced: children of parents it dropped go too
            orphans = (
                f" OR {quote(mode.column)} NOT IN "
                f"(SELECT {parent_column} FROM {qualified(mode.parent)} WHERE {parent_column} IS NOT NULL)"
            )
        con.execute(
            f"DELETE FROM {target} WHERE {quote(mode.column)} IN "
            f"(SELECT {parent_column} FROM {quote(parent_view)}){orphans}"
        )
    elif isinstance(mode, ReplaceAll):
        con.execute(f"DELETE FROM {target}")
    rows = _insert(con, target, view, load)
    if isinstance(mode, ReplaceAll):
        snapshot = mode.snapshot_date or datetime.now(UTC).date()
        history = qualified(history_table(spec))
        names = ", ".join(quote(n) for n, _, _ in table_columns(spec))
        con.execute(f"DELETE FROM {history} WHERE snapshot_date = ?", [snapshot])
        con.execute(
            f"INSERT INTO {history} (snapshot_date, {names}) SELECT ?, {names} FROM {target}", [snapshot]
        )
    return rows


DAY_RANGE = "____-__-__..____-__-__"
"""Partition keys of day windows, `<first day>..<day after the last>`."""


def _replace_rejects(
    con: duckdb.DuckDBPyConnection, stage: Stage, partition_key: str | None, now: datetime
) -> None:
    # The same partition, or a day range inside this one ("2026-10-01..2026-10-03" supersedes
    # "2026-10-02..2026-10-03"), so a daily run after a backfill never keeps stale rejects.
    con.execute(
        'DELETE FROM raw._rejects WHERE "table" = $table AND (partition_key IS NOT DISTINCT FROM $key OR ('
        f"$key LIKE '{DAY_RANGE}' AND partition_key LIKE '{DAY_RANGE}' "
        "AND split_part(partition_key, '..', 1) >= split_part($key, '..', 1) "
        "AND split_part(partition_key, '..', 2) <= split_part($key, '..', 2)))",
        {"table": stage.spec.name, "key": partition_key},
    )
    if not stage.rejects:
        return
    rejects = pl.DataFrame(
        {
            "table": [r.table for r in stage.rejects],
            "reason": [r.reason for r in stage.rejects],
            "payload": [r.payload_json for r in stage.rejects],
        },
        schema={"table": pl.Utf8, "reason": pl.Utf8, "payload": pl.Utf8},
    ).to_arrow()
    con.register("_rejects_batch", rejects)
    try:
        con.execute(
            'INSERT INTO raw._rejects ("table", reason, payload, partition_key, run_id, rejected_at) '
            'SELECT "table", reason, CAST(payload AS JSON), ?, ?, ? FROM _rejects_batch',
            [partition_key, stage.run_id, now],
        )
    finally:
        con.unregister("_rejects_batch")


def _check_order(loads: list[TableLoad]) -> None:
    """Each stage is committed once, and a child's parent is applied before the child."""
    seen: set[str] = set()
    for load in loads:
        if load.stage.discarded:
            raise ValueError(f"stage of raw.{load.stage.spec.name} was already committed or discarded")
        parent = getattr(load.mode, "parent", None)
        if parent is not None and parent not in seen:
            name = load.stage.spec.name
            raise ValueError(f"raw.{name}: parent {parent!r} must be staged earlier in the same commit")
        seen.add(load.stage.spec.name)


def commit_loads(
    con: duckdb.DuckDBPyConnection, loads: list[TableLoad], partition_key: str | None
) -> list[LoadResult]:
    """Apply every load, its rejects and its load-log row inside one transaction (all or nothing)."""
    _check_order(loads)
    for load in loads:
        load.stage.flush()
    con.execute("BEGIN TRANSACTION")
    try:
        ensure_log_tables(con)
        views: dict[str, str] = {}
        for index, load in enumerate(loads):
            ensure_table(con, load.stage.spec)
            if isinstance(load.mode, ReplaceAll):
                ensure_history_table(con, load.stage.spec)
            views[load.stage.spec.name] = f"_stage_{index}"
            _stage_view(con, views[load.stage.spec.name], load.stage)
        results = []
        now = datetime.now(UTC)
        for load in loads:
            rows = _apply(con, load, views)
            _replace_rejects(con, load.stage, partition_key, now)
            con.execute(
                'INSERT INTO raw._loads ("table", partition_key, run_id, mode, rows, rejects, started_at, '
                "finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    load.stage.spec.name,
                    partition_key,
                    load.stage.run_id,
                    load.mode.name,
                    rows,
                    len(load.stage.rejects),
                    load.stage.started_at,
                    now,
                ],
            )
            results.append(LoadResult(load.stage.spec.name, rows, len(load.stage.rejects), load.mode.name))
        for view in views.values():
            con.execute(f"DROP VIEW IF EXISTS {quote(view)}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return results
