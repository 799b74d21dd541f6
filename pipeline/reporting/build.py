"""Build SQL models in DuckDB: views, whole tables, or the affected partition range of a table.

A partitioned model is rebuilt for a window of days: the framework sets `partition_start` /
`partition_end` (DATE, half-open), computes the model's rows into a temporary table, verifies that they
all fall inside the window, then deletes the window from the target and inserts them, in one transaction.
A full rebuild sets the variables to cover all time and replaces the table.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from pipeline.reporting.models import Model, ModelError
from pipeline.reporting.settings import model_variables

ALL_TIME_START = date(1, 1, 1)
ALL_TIME_END = date(9999, 12, 31)


@dataclass(frozen=True)
class Window:
    """Days [start, end) to rebuild."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"empty window {self.start} .. {self.end}")

    @property
    def is_all_time(self) -> bool:
        return self.start <= ALL_TIME_START and self.end >= ALL_TIME_END


ALL_TIME = Window(ALL_TIME_START, ALL_TIME_END)


@dataclass(frozen=True)
class BuildResult:
    relation: str
    mode: str
    """'view', 'full', 'full (columns changed)' or 'incremental'."""
    window: Window
    rows_written: int
    rows_total: int
    seconds: float
    columns: tuple[tuple[str, str], ...] = ()
    """(name, DuckDB type) of the model's output."""

    def metadata(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "rows_written": self.rows_written,
            "dagster/row_count": self.rows_total,
            "seconds": round(self.seconds, 3),
            "window": "all time" if self.window.is_all_time else f"{self.window.start} .. {self.window.end}",
        }


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rebuild_window(model: Model, window: Window) -> Window:
    """The days a partitioned model rebuilds for `window`: whole months for monthly models, plus the
    model's `also_rebuild` interval after them (e.g. the next month's month-over-month change)."""
    if window.is_all_time:
        return ALL_TIME
    start, end = window.start, window.end
    if model.grain == "month":
        start = start.replace(day=1)
        end = _add_months((end - timedelta(days=1)).replace(day=1), 1)
    if model.also_rebuild:
        n, unit = model.also_rebuild
        end = end + timedelta(days=n) if unit == "day" else _add_months(end, n)
    return Window(start, min(end, ALL_TIME_END))


def set_window(con: duckdb.DuckDBPyConnection, window: Window) -> None:
    con.execute("SET VARIABLE partition_start = ?::DATE", [window.start])
    con.execute("SET VARIABLE partition_end = ?::DATE", [window.end])


def set_variables(con: duckdb.DuckDBPyConnection, variables: dict[str, object] | None = None) -> None:
    """The settings models read with getvariable() (chargeback rule, alert thresholds), from DOMINO_*."""
    for name, value in (model_variables() if variables is None else variables).items():
        con.execute(f"SET VARIABLE {name} = ?", [value])


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def output_columns(con: duckdb.DuckDBPyConnection, model: Model) -> list[tuple[str, str]]:
    """(name, type) of the model's SELECT, bound but not run; its columns must match the header."""
    try:
        described = con.execute(f"DESCRIBE {model.sql}").fetchall()
    except duckdb.Error as error:
        raise ModelError(f"{model.path}: {type(error).__name__}: {error}") from error
    columns = [(row[0], row[1]) for row in described]
    names = [c for c, _ in columns]
    undocumented = [c for c in names if c not in model.columns]
    absent = [c for c in model.columns if c not in names]
    duplicated = sorted({c for c in names if names.count(c) > 1})
    if undocumented or absent or duplicated:
        problems = []
        if undocumented:
            problems.append(f"output columns without a '-- col' line: {', '.join(undocumented)}")
        if absent:
            problems.append(f"'-- col' lines for columns the SELECT does not return: {', '.join(absent)}")
        if duplicated:
            problems.append(f"duplicate output columns: {', '.join(duplicated)}")
        raise ModelError(f"{model.path}: " + "; ".join(problems))
    return columns


def existing_columns(con: duckdb.DuckDBPyConnection, model: Model) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "ORDER BY column_index",
        [model.layer, model.name],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _comment(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    kind = "VIEW" if model.materialization == "view" else "TABLE"
    relation = f"{quote(model.layer)}.{quote(model.name)}"
    con.execute(f"COMMENT ON {kind} {relation} IS {literal(model.comment)}")
    for column, meaning in model.columns.items():
        con.execute(f"COMMENT ON COLUMN {relation}.{quote(column)} IS {literal(meaning)}")


def _count(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    return int(con.execute(f"SELECT count(*) FROM {model.relation}").fetchone()[0])  # type: ignore[index]


def build_model(
    con: duckdb.DuckDBPyConnection,
    model: Model,
    window: Window | None = None,
    variables: dict[str, object] | None = None,
) -> BuildResult:
    """Build `model` on `con` (a read-write connection): the whole model, or for a partitioned table the
    days of `window` (widened by `rebuild_window`). Everything happens in one transaction.
    `variables` default to the `DOMINO_*` settings (`pipeline.reporting.settings`)."""
    began = time.perf_counter()
    target = ALL_TIME if window is None or not model.partition else rebuild_window(model, window)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {model.layer}")
    set_variables(con, variables)
    set_window(con, target)
    columns = output_columns(con, model)
    con.execute("BEGIN TRANSACTION")
    try:
        if model.materialization == "view":
            con.execute(f"CREATE OR REPLACE VIEW {model.relation} AS {model.sql}")
            _comment(con, model)
            mode, written = "view", 0
        elif target.is_all_time or existing_columns(con, model) != columns:
            # no table yet, or its columns changed since: the window alone would leave stale rows
            changed = not target.is_all_time and bool(existing_columns(con, model))
            mode = "full (columns changed)" if changed else "full"
            target = ALL_TIME
            set_window(con, target)
            con.execute(f"CREATE OR REPLACE TABLE {model.relation} AS {model.sql}")
            _comment(con, model)
            written = _count(con, model)
        else:
            mode, written = "incremental", _replace_window(con, model)
        total = 0 if model.materialization == "view" else _count(con, model)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    seconds = time.perf_counter() - began
    return BuildResult(model.relation, mode, target, written, total, seconds, tuple(columns))


def _replace_window(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    """Delete the window's rows and insert the freshly computed ones (which must all fall inside it)."""
    column = quote(model.partition or "")
    inside = f"{column} >= getvariable('partition_start') AND {column} < getvariable('partition_end')"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _model_rows AS {model.sql}")
    outside = con.execute(
        f"SELECT count(*) FROM _model_rows WHERE NOT ({inside}) OR {column} IS NULL"
    ).fetchone()
    if outside and outside[0]:
        raise ModelError(
            f"{model.path}: {outside[0]} rows fall outside [partition_start, partition_end) or have no "
            f"{model.partition}; restrict the SELECT with getvariable('partition_start'/'partition_end')"
        )
    con.execute(f"DELETE FROM {model.relation} WHERE {inside}")
    con.execute(f"INSERT INTO {model.relation} BY NAME SELECT * FROM _model_rows")
    written = con.execute("SELECT count(*) FROM _model_rows").fetchone()
    con.execute("DROP TABLE _model_rows")
    return int(written[0]) if written else 0


def build_models(
    con: duckdb.DuckDBPyConnection,
    models: Iterable[Model],
    window: Window | None = None,
    variables: dict[str, object] | None = None,
) -> list[BuildResult]:
    """Build `models` in the given (topological) order with one window."""
    settings = model_variables() if variables is None else variables
    return [build_model(con, model, window, settings) for model in models]
