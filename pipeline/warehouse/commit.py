"""The write transaction: staged Parquet parts → raw tables, rejects and the load log, atomically."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import polars as pl

from pipeline.transform import PARTITION_COLUMN
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
from pipeline.warehouse.modes import LoadMode, ReplaceAll, ReplaceWindow
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
    kept_rows: int = 0
    """Held rows a guard kept although the answer lacked them (see `note`)."""
    note: str = ""


@dataclass
class _Applied:
    rows: int
    kept_rows: int = 0
    note: str = ""


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


def _window_clause(mode: ReplaceWindow) -> tuple[str, list[Any]]:
    """Rows of the window's partition days (and scope), as a WHERE clause with its parameters."""
    clause = f"{quote(PARTITION_COLUMN)} >= ? AND {quote(PARTITION_COLUMN)} < ?"
    params: list[Any] = [mode.start, mode.end]
    if mode.scope_column is not None and mode.scope_values is not None:
        if not mode.scope_values:
            return "false", []
        clause += f" AND list_contains(?::VARCHAR[], {quote(mode.scope_column)})"
        params.append(list(mode.scope_values))
    return clause, params


def _days(days: list[date]) -> str:
    if len(days) <= 3:
        return ", ".join(d.isoformat() for d in days)
    return f"{days[0].isoformat()} .. {days[-1].isoformat()} ({len(days)} days)"


def _kept_days(
    con: duckdb.DuckDBPyConnection, target: str, view: str, mode: ReplaceWindow
) -> tuple[list[date], int]:
    """Days of the window that held rows and got none staged, and how many rows they hold."""
    clause, params = _window_clause(mode)
    held = con.execute(
        f"SELECT {quote(PARTITION_COLUMN)}, count(*) FROM {target} WHERE {clause} GROUP BY 1", params
    ).fetchall()
    staged_days = con.execute(f"SELECT DISTINCT {quote(PARTITION_COLUMN)} FROM {quote(view)}").fetchall()
    staged = {day for (day,) in staged_days}
    kept = sorted((day, n) for day, n in held if day not in staged)
    return [day for day, _ in kept], sum(n for _, n in kept)


def _apply_window(
    con: duckdb.DuckDBPyConnection, load: TableLoad, view: str, kept_days: list[date] | None
) -> tuple[_Applied, list[date]]:
    spec, mode, target = load.stage.spec, load.mode, qualified(load.stage.spec.name)
    assert isinstance(mode, ReplaceWindow)
    clause, params = _window_clause(mode)
    if mode.mark_missing:
        for column in ("is_gone", "gone_at"):
            if column not in spec.column_names:
                raise ValueError(f"raw.{spec.name} has no {column} column to mark missing rows with")
        _delete_staged_keys(con, target, view, spec.key)
        gone = con.execute(
            f"UPDATE {target} SET is_gone = true, gone_at = ? "
            f"WHERE {clause} AND coalesce(is_gone, false) = false",
            [datetime.now(UTC), *params],
        ).fetchone()
        marked = int(gone[0]) if gone else 0
        note = f"{marked} rows no longer returned: kept, flagged is_gone" if marked else ""
        return _Applied(_insert(con, target, view, load), marked, note), []
    kept_rows = 0
    if kept_days is None:
        kept_days, kept_rows = _kept_days(con, target, view, mode) if mode.keep_held else ([], 0)
    elif kept_days:
        kept_rows = con.execute(
            f"SELECT count(*) FROM {target} WHERE {clause} "
            f"AND list_contains(?::DATE[], {quote(PARTITION_COLUMN)})",
            [*params, kept_days],
        ).fetchone()[0]
    keep = f" AND NOT list_contains(?::DATE[], {quote(PARTITION_COLUMN)})" if kept_days else ""
    con.execute(f"DELETE FROM {target} WHERE {clause}{keep}", [*params, *([kept_days] if keep else [])])
    if spec.key and mode.moved_keys:
        _delete_staged_keys(con, target, view, spec.key)
    note = f"kept {kept_rows} held rows of days that came back empty: {_days(kept_days)}" if kept_days else ""
    return _Applied(_insert(con, target, view, load), kept_rows, note), kept_days


def _apply_all(con: duckdb.DuckDBPyConnection, load: TableLoad, view: str) -> _Applied:
    spec, mode, target = load.stage.spec, load.mode, qualified(load.stage.spec.name)
    assert isinstance(mode, ReplaceAll)
    held = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
    staged = con.execute(f"SELECT count(*) FROM {quote(view)}").fetchone()[0]
    lost = held - staged
    shrinks = held > 0 and (staged == 0 or (lost / held > mode.max_shrink and lost >= mode.min_lost_rows))
    if mode.keep_held and shrinks:
        note = (
            f"answer had {staged} rows where {held} are held (the guard keeps a reload that is empty or "
            f"shrinks by more than {mode.max_shrink:.0%}): kept the held rows"
        )
        return _Applied(0, held, note)
    con.execute(f"DELETE FROM {target}")
    rows = _insert(con, target, view, load)
    snapshot = mode.snapshot_date or datetime.now(UTC).date()
    history = qualified(history_table(spec))
    names = ", ".join(quote(n) for n, _, _ in table_columns(spec))
    if spec.key:  # the day's snapshot keeps every row seen that day, with its latest values
        keys = ", ".join(quote(k) for k in spec.key)
        con.execute(
            f"DELETE FROM {history} AS h USING (SELECT DISTINCT {keys} FROM {target}) AS s "
            f"WHERE h.snapshot_date = ? AND {_key_match(spec.key, 'h', 's')}",
            [snapshot],
        )
    else:
        con.execute(f"DELETE FROM {history} WHERE snapshot_date = ?", [snapshot])
    con.execute(f"INSERT INTO {history} (snapshot_date, {names}) SELECT ?, {names} FROM {target}", [snapshot])
    return _Applied(rows)


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


def _check_stages(loads: list[TableLoad]) -> None:
    """Each stage is committed once."""
    for load in loads:
        if load.stage.discarded:
            raise ValueError(f"stage of raw.{load.stage.spec.name} was already committed or discarded")


def commit_loads(
    con: duckdb.DuckDBPyConnection, loads: list[TableLoad], partition_key: str | None
) -> list[LoadResult]:
    """Apply every load, its rejects and its load-log row inside one transaction (all or nothing)."""
    _check_stages(loads)
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
        kept_days: list[date] | None = None  # the first window's decision, shared by its child tables
        for load in loads:
            view, target = views[load.stage.spec.name], qualified(load.stage.spec.name)
            if isinstance(load.mode, ReplaceWindow):
                applied, decided = _apply_window(con, load, view, kept_days)
                kept_days = decided if kept_days is None else kept_days
            elif isinstance(load.mode, ReplaceAll):
                applied = _apply_all(con, load, view)
            else:
                _delete_staged_keys(con, target, view, load.stage.spec.key)
                applied = _Applied(_insert(con, target, view, load))
            _replace_rejects(con, load.stage, partition_key, now)
            con.execute(
                'INSERT INTO raw._loads ("table", partition_key, run_id, mode, rows, rejects, kept_rows, '
                "note, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    load.stage.spec.name,
                    partition_key,
                    load.stage.run_id,
                    load.mode.name,
                    applied.rows,
                    len(load.stage.rejects),
                    applied.kept_rows,
                    applied.note or None,
                    load.stage.started_at,
                    now,
                ],
            )
            results.append(
                LoadResult(
                    load.stage.spec.name,
                    applied.rows,
                    len(load.stage.rejects),
                    load.mode.name,
                    applied.kept_rows,
                    applied.note,
                )
            )
        for view in views.values():
            con.execute(f"DROP VIEW IF EXISTS {quote(view)}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return results
