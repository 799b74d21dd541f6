"""Drive one catalogue endpoint from Domino into DuckDB: pages → shaped batches → stage → one short commit.

Knows the client, the transforms and the warehouse; knows nothing of Dagster, so the CLI, the Dagster
assets and the benchmark all run exactly the same code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from pipeline.domino import DominoClient, Endpoint, Page
from pipeline.domino.catalogue import CATALOGUE
from pipeline.domino.envelopes import read_single
from pipeline.domino.windows import DailyWindow, window_request
from pipeline.extract.cursors import read_cursor, save_cursor
from pipeline.extract.report import LoadReport, TooManyRejects
from pipeline.tables import TableSpec
from pipeline.transform import shape_batch, shape_children
from pipeline.transform.paths import column_values
from pipeline.warehouse import ReplaceAll, ReplaceWindow, TableLoad, Upsert, Warehouse
from pipeline.warehouse.staging import Stage

Progress = Callable[[str, int], None]
"""Called with (table, rows landed so far) as pages arrive; the CLI draws it as a progress bar."""


def days(start: date, end: date) -> Iterator[date]:
    """The UTC days of [start, end)."""
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def _iso_or_none(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass
class Extraction:
    """One run's extraction context: the client, the warehouse, the run id and the reject policy."""

    client: DominoClient
    warehouse: Warehouse
    run_id: str
    reject_threshold: float = 0.05
    progress: Progress | None = None
    commit_rows: int = 100_000
    """Staged rows per commit chunk: bounds staging disk, transaction length and DuckDB memory."""
    flush_rows: int = 20_000
    """Rows buffered in memory before a Parquet part is written."""
    full_reload: bool = False
    """Cursor endpoints: read from the first record instead of the saved cursor (held rows stay)."""

    def run(self, endpoint: Endpoint, start: date | None = None, end: date | None = None) -> LoadReport:
        """Extract `endpoint`; daily-partitioned endpoints (and jobs) need the window [start, end)."""
        began, stats_before = time.perf_counter(), self._stats()
        if endpoint.window == "newest_first":
            report = self._jobs(endpoint, *self._window(endpoint, start, end))
        elif endpoint.partitioned:
            report = self._windowed(endpoint, *self._window(endpoint, start, end))
        elif endpoint.pagination == "cursor":
            report = self._cursor(endpoint)
        else:
            report = self._inventory(endpoint)
        requests, retries, nbytes = (
            after - before for after, before in zip(self._stats(), stats_before, strict=True)
        )
        report.requests, report.retries, report.bytes = requests, retries, nbytes
        report.seconds = time.perf_counter() - began
        if report.reject_share > self.reject_threshold:
            raise TooManyRejects(
                f"raw.{report.table}: {report.rejects} of {report.rows + report.rejects} records rejected "
                f"({report.reject_share:.1%} > threshold {self.reject_threshold:.1%}); "
                "see raw._rejects for the reasons and payloads"
            )
        return report

    # --- the three kinds of extraction -----------------------------------------------------------------

    def _inventory(self, endpoint: Endpoint) -> LoadReport:
        """Unpartitioned: the whole table replaced atomically, plus today's snapshot in `<table>_history`."""
        spec = endpoint.table
        report = LoadReport(spec.name)
        stage = self.warehouse.stage(spec, self.run_id, self.flush_rows)
        for page in self._pages(endpoint):
            self._stage_page(page.records, spec, stage, report, {"parent": page.parent})
            report.pages += 1
        self._commit(report, [TableLoad(stage, ReplaceAll(datetime.now(UTC).date()))], None)
        return report

    def _cursor(self, endpoint: Endpoint) -> LoadReport:
        """Cursor exports: read on from the saved cursor, upsert by key, save where the next read resumes.

        The next read resumes at the first page that held an open record (still changing), else at the
        last page read (the server's cursors are inclusive starting ids; re-reading a page is harmless).
        Chunks commit at `commit_rows`, each followed by its cursor, so a killed run loses no progress.
        """
        spec = endpoint.table
        report = LoadReport(spec.name)
        open_spec = next((c for c in spec.columns if c.name == endpoint.open_column), None)
        start = None if self.full_reload else read_cursor(self.warehouse, spec.name)
        stage, chunk_cursor = self.warehouse.stage(spec, self.run_id, self.flush_rows), start or ""
        first_open: str | None = None
        resume: str | None = None
        pending = False

        def commit() -> None:
            self._commit(report, [TableLoad(stage, Upsert())], f"from {chunk_cursor or 'start'}")
            save_cursor(self.warehouse, spec.name, resume or "", self.run_id)

        for page in self.client.iter_pages(endpoint, cursor=start):
            if not page.records:
                continue
            self._stage_page(page.records, spec, stage, report, {})
            report.pages += 1
            if first_open is None and open_spec and None in column_values(page.records, open_spec):
                first_open = page.cursor
            resume = first_open if first_open is not None else (page.next_cursor or page.cursor)
            pending = True
            if stage.row_count >= self.commit_rows:
                commit()
                stage, chunk_cursor = self.warehouse.stage(spec, self.run_id, self.flush_rows), resume or ""
                pending = False
        if pending:
            commit()
        else:
            stage.discard()
        return report

    def _windowed(self, endpoint: Endpoint, start: date, end: date) -> LoadReport:
        """Cost and audit: one request (or paged call) per day, committed in chunks of whole days.

        A chunk replaces exactly its days in one transaction, so a rerun or an overlapping backfill
        converges; chunks close at `commit_rows` staged rows to bound the staging disk and the transaction.
        """
        report = LoadReport(endpoint.table.name)
        column = _window_column(endpoint)
        specs = (endpoint.table, *endpoint.child_tables)
        stages: list[Stage] = []
        chunk_start = start
        for day in days(start, end):
            if not stages:
                stages, chunk_start = (
                    [self.warehouse.stage(spec, self.run_id, self.flush_rows) for spec in specs],
                    day,
                )
            window = DailyWindow.for_day(day)
            request = window_request(endpoint, window, self.client.settings)
            for page in self.client.iter_pages(endpoint, params=request.params):
                records = _inside_window(page.records, endpoint, window)
                records = self._stage_page(records, endpoint.table, stages[0], report, request.context)
                for child_spec, child_stage in zip(endpoint.child_tables, stages[1:], strict=True):
                    shaped = shape_children(records, child_spec, self._context(request.context))
                    child_stage.add(shaped.frame)
                    child_stage.add_rejects(shaped.rejects)
                report.pages += 1
            report.partitions.append(day.isoformat())
            next_day = day + timedelta(days=1)
            if next_day >= end or stages[0].row_count >= self.commit_rows:
                self._commit_window(report, stages, column, chunk_start, next_day)
                stages = []
        return report

    def _commit_window(
        self,
        report: LoadReport,
        stages: list[Stage],
        column: str,
        start: date,
        end: date,
        moved_keys: bool = False,
    ) -> None:
        """Replace the days [start, end); `moved_keys` also drops staged keys found outside them."""
        mode = ReplaceWindow(column, _midnight(start), _midnight(end), moved_keys=moved_keys)
        partition = f"{start.isoformat()}..{end.isoformat()}"
        self._commit(report, [TableLoad(stage, mode) for stage in stages], partition)

    def _jobs(self, endpoint: Endpoint, start: date, end: date) -> LoadReport:
        """Jobs have no time filter: page each project newest-first and stop below the window.

        A daily run costs one short page per project plus the window's new jobs; jobs still unfinished in
        earlier partitions are re-read one by one and upserted, so their final status lands too.
        """
        spec = endpoint.table
        report = LoadReport(spec.name)
        lower, upper = _midnight(start), _midnight(end)
        column = _window_column(endpoint)
        submitted = next(c for c in spec.columns if c.name == column)

        def submissions(records: list[dict[str, Any]]) -> list[datetime | None]:
            return [_iso_or_none(value) for value in column_values(records, submitted)]

        def below_window(records: list[dict[str, Any]]) -> bool:
            times = [t for t in submissions(records) if t is not None]
            return bool(times) and min(times) < lower

        def in_window(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
            # unparseable times are kept: shaping rejects them with a reason
            return [
                r
                for r, t in zip(records, submissions(records), strict=True)
                if t is None or lower <= t < upper
            ]

        stage = self.warehouse.stage(spec, self.run_id, self.flush_rows)
        parents = self._parent_rows(endpoint)
        for page in self.client.iter_children(endpoint, parents, stop_when=lambda _ctx: below_window):
            records = in_window(page.records)
            self._stage_page(records, spec, stage, report, {"parent": page.parent})
            report.pages += 1
        self._commit_window(report, [stage], column, start, end, moved_keys=True)
        report.partitions.extend(d.isoformat() for d in days(start, end))
        self._refresh_unfinished_jobs(endpoint, lower, report)
        return report

    def _refresh_unfinished_jobs(self, endpoint: Endpoint, before: datetime, report: LoadReport) -> None:
        """Re-read by id (the endpoint's `detail_path`) every earlier record not yet `done_column`."""
        spec = endpoint.table
        if endpoint.detail_path is None or not self._table_exists(spec.name):
            return
        parents = ", ".join(spec.parent_columns)
        unfinished = self.warehouse.query(
            f"SELECT id{', ' + parents if parents else ''} FROM raw.{spec.name} "
            f"WHERE coalesce({endpoint.done_column}, false) = false AND {_window_column(endpoint)} < ?",
            [before],
        )
        if unfinished.is_empty():
            return
        stage = self.warehouse.stage(spec, self.run_id, self.flush_rows)
        for record_id, *parent_values in unfinished.iter_rows():
            payload = self.client.get_json(endpoint.detail_path.format(id=record_id))
            record = read_single(payload, endpoint.name, (endpoint.detail_key,)).records
            parent = dict(zip(spec.parent_columns, parent_values, strict=True))
            self._stage_page(record, spec, stage, report, {"parent": parent})
            report.pages += 1
        self._commit(report, [TableLoad(stage, Upsert())], "unfinished")

    # --- helpers ---------------------------------------------------------------------------------------

    def _pages(self, endpoint: Endpoint) -> Iterable[Page]:
        if endpoint.parent is None:
            return self.client.iter_pages(endpoint)
        return self.client.iter_children(endpoint, self._parent_rows(endpoint))

    def _parent_rows(self, endpoint: Endpoint) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(record, context) of every parent, read back from the parent's raw table (landed first)."""
        assert endpoint.parent is not None
        parent_spec = CATALOGUE[endpoint.parent.parent].table
        if not self._table_exists(parent_spec.name):
            raise RuntimeError(
                f"raw.{endpoint.name} fans out over raw.{parent_spec.name}, which has not been loaded yet: "
                f"materialize {parent_spec.name} first"
            )
        columns = ", ".join(("_raw", *parent_spec.parent_columns))
        rows = self.warehouse.query(f"SELECT {columns} FROM raw.{parent_spec.name}").iter_rows()
        return [
            (orjson.loads(raw), dict(zip(parent_spec.parent_columns, rest, strict=True)))
            for raw, *rest in rows
        ]

    def _table_exists(self, name: str) -> bool:
        if not self.warehouse.path.exists():
            return False
        found = self.warehouse.query(
            "SELECT count(*) AS n FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND table_name = ?",
            [name],
        )
        return bool(found["n"][0])

    def _context(self, extra: dict[str, Any]) -> dict[str, Any]:
        return {"run_id": self.run_id, "extracted_at": datetime.now(UTC), **extra}

    def _stage_page(
        self,
        records: list[dict[str, Any]],
        spec: TableSpec,
        stage: Stage,
        report: LoadReport,
        extra: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Shape and stage one page; returns the records as transformed, for child tables."""
        if not records:
            return records
        shaped = shape_batch(records, spec, self._context(extra))
        stage.add(shaped.frame)
        stage.add_rejects(shaped.rejects)
        report.rows += shaped.frame.height
        report.rejects += len(shaped.rejects)
        if self.progress:
            self.progress(spec.name, report.rows)
        return shaped.records

    def _commit(self, report: LoadReport, loads: list[TableLoad], partition_key: str | None) -> None:
        for result in self.warehouse.commit(loads, partition_key=partition_key):
            if result.table != report.table:
                report.child_rows[result.table] = report.child_rows.get(result.table, 0) + result.rows

    def _window(self, endpoint: Endpoint, start: date | None, end: date | None) -> tuple[date, date]:
        if start is None or end is None or end <= start:
            raise ValueError(
                f"{endpoint.name} is daily-partitioned: give a window [start, end) with end > start"
            )
        return start, end

    def _stats(self) -> tuple[int, int, int]:
        stats = self.client.stats
        return stats.requests, stats.retries, stats.bytes


def _window_column(endpoint: Endpoint) -> str:
    if endpoint.window_column is None:
        raise ValueError(f"{endpoint.name} has no window_column in the catalogue")
    return endpoint.window_column


def _inside_window(
    records: list[dict[str, Any]], endpoint: Endpoint, window: DailyWindow
) -> list[dict[str, Any]]:
    """Drop audit events outside [start, end): a server may treat the end bound as inclusive."""
    if endpoint.window != "audit":
        return records
    low, high = int(window.start.timestamp() * 1000), int(window.end.timestamp() * 1000)
    return [r for r in records if not isinstance(r.get("timestamp"), int) or low <= r["timestamp"] < high]
