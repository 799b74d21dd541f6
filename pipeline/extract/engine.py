"""Drive one catalogue endpoint from Domino into DuckDB: pages → shaped batches → stage → one short commit.

Knows the client, the transforms and the warehouse; knows nothing of Dagster, so the CLI, the Dagster
assets and the benchmark all run exactly the same code.

Reload rules (issue "nothing lost, nothing doubled"): a daily partition's rows carry the day that requested
them and a reload replaces exactly those; a day that held rows and comes back empty, or an inventory that
comes back empty or shrinks sharply, is kept unless `force_empty`; jobs are replaced only for the projects
actually read, and a job Domino stops returning is flagged `is_gone`, never deleted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import polars as pl

from pipeline.domino import DominoClient, DominoSettings, Endpoint, Page
from pipeline.domino.catalogue import CATALOGUE
from pipeline.domino.client import RawPage, reads_raw_pages
from pipeline.domino.envelopes import read_single
from pipeline.domino.errors import DominoApiError
from pipeline.domino.windows import DailyWindow, window_request
from pipeline.extract.clipping import clip_mask
from pipeline.extract.cursors import OpenRecords, read_cursor, save_cursor
from pipeline.extract.pipelining import Committer, WindowEnd, ordered_fetch
from pipeline.extract.raw_batches import RawBatches
from pipeline.extract.report import LoadReport
from pipeline.tables import TableSpec
from pipeline.transform import PARTITION_DATE_KEY, ShapedBatch, shape_batch, shape_children
from pipeline.transform.audit import OCCURRENCES_KEY, Occurrences
from pipeline.transform.columnar import ColumnarPlan, plan_for
from pipeline.transform.moments import moment
from pipeline.transform.paths import column_values
from pipeline.warehouse import ReplaceAll, ReplaceWindow, TableLoad, Upsert, Warehouse
from pipeline.warehouse.staging import Stage

Progress = Callable[[str, int], None]
"""Called with (table, rows landed so far) as pages arrive; the CLI draws it as a progress bar."""
Records = list[dict[str, Any]]


def days(start: date, end: date) -> Iterator[date]:
    """The UTC days of [start, end)."""
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass
class Extraction:
    """One run's extraction context: the client, the warehouse, the run id and the guards' settings."""

    client: DominoClient
    warehouse: Warehouse
    run_id: str
    reject_threshold: float = 0.05
    reject_min_count: int = 10
    """An asset fails on rejects only past both the share and this count: one odd record in a small
    table is quarantined with a warning, never a failed run."""
    force_empty: bool = False
    """Apply answers that would drop held rows (empty days, a shrinking inventory) instead of keeping them."""
    max_shrink: float = 0.5
    """Share of an inventory's held rows a reload may drop before the guard keeps the held rows."""
    progress: Progress | None = None
    commit_rows: int = 100_000
    """Staged rows per commit chunk: bounds staging disk, transaction length and DuckDB memory."""
    flush_rows: int = 5_000
    """Rows buffered in memory before a Parquet part is written: one shaping batch. With a part in flight
    a table holds two such buffers; 20,000 rows cost a 100k-event day about 55 MB more peak (`make bench`)
    for no speed the benchmark can tell apart from its noise."""
    full_reload: bool = False
    """Cursor endpoints: read from the first record instead of the saved cursor (held rows stay)."""

    def run(self, endpoint: Endpoint, start: date | None = None, end: date | None = None) -> LoadReport:
        """Extract `endpoint`; daily-partitioned endpoints (and jobs) need the window [start, end)."""
        began, stats_before = time.perf_counter(), self._stats()
        self.warehouse.cleanup_stale_stages()  # stages left by runs killed before their commit
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
        if report.rejects > self.reject_min_count and report.reject_share > self.reject_threshold:
            report.reject_failure = (
                f"raw.{report.table}: {report.rejects} of {report.rows + report.rejects} records rejected "
                f"({report.reject_share:.1%} > threshold {self.reject_threshold:.1%} and more than "
                f"{self.reject_min_count}); see raw._rejects for the reasons and payloads"
            )
        return report

    # --- the three kinds of extraction -----------------------------------------------------------------

    def _inventory(self, endpoint: Endpoint) -> LoadReport:
        """Unpartitioned: the whole table replaced atomically, plus today's snapshot in `<table>_history`;
        an answer that is empty or shrinks the table sharply is kept out (see `ReplaceAll`)."""
        spec = endpoint.table
        report = LoadReport(spec.name)
        stage = self.warehouse.stage(spec, self.run_id, self.flush_rows)
        plan = self._plan(endpoint) if endpoint.parent is None else None
        if plan is None:  # a fan-out child (pages per parent) or a table the fast path cannot type
            for page in self._pages(endpoint):
                self._stage_page(page.records, spec, stage, report, {"parent": page.parent})
                report.pages += 1
        else:
            batches = self._raw_batches(endpoint, plan, report)
            for raw_page in self.client.iter_raw_pages(endpoint):
                batches.add(raw_page, [stage], None, self._context({}))
                report.pages += 1
            batches.flush([stage], None, self._context({}))
        today = datetime.now(UTC).date()
        mode = ReplaceAll(today, keep_held=not self.force_empty, max_shrink=self.max_shrink)
        self._commit(report, [TableLoad(stage, mode)], None)
        return report

    def _cursor(self, endpoint: Endpoint) -> LoadReport:
        """Cursor exports: read on from the saved cursor, upsert by key, save where the next read resumes.

        The next read resumes at the first page that held an open record (still changing), else at the
        last page read (the server's cursors are inclusive starting ids; re-reading a page is harmless).
        Chunks commit at `commit_rows`, each followed by its cursor, so a killed run loses no progress.
        As in `_windowed`, the next pages are fetched on a background thread while the current ones are
        shaped (typed from their bytes with `shaping=columnar`), and a chunk commits in the background.
        """
        spec, specs = endpoint.table, (endpoint.table, *endpoint.child_tables)
        report = LoadReport(spec.name)
        open_records = OpenRecords(spec.column(endpoint.open_column)) if endpoint.open_column else None
        start = None if self.full_reload else read_cursor(self.warehouse, spec.name)
        settings = self.client.settings
        plan = self._plan(endpoint)
        stages = [self.warehouse.stage(s, self.run_id, self.flush_rows) for s in specs]
        batches = self._raw_batches(endpoint, plan, report)
        chunk_cursor = start or ""
        first_open: str | None = None
        resume: str | None = None

        def fetch(_: None) -> Iterable[Page | RawPage]:
            if plan is not None:
                return self.client.iter_raw_pages(endpoint, cursor=start)
            return self.client.iter_pages(endpoint, cursor=start)

        def close(committer: Committer, stages: list[Stage], chunk: str, resume: str) -> None:
            """Shape what waits for the chunk, then commit it and save its cursor in the background."""
            batches.flush(stages, None, self._context({}))

            def commit() -> None:
                self._commit(report, [TableLoad(s, Upsert()) for s in stages], f"from {chunk or 'start'}")
                save_cursor(self.warehouse, spec.name, resume, self.run_id)

            committer.submit(commit)

        pending = False
        ahead = _queue_pages(endpoint, batches, settings)
        with Committer() as committer:
            for event in ordered_fetch([None], fetch, workers=1, queue_pages=ahead):
                if isinstance(event, WindowEnd) or not event[1].records:
                    continue
                page = event[1]
                if isinstance(page, RawPage):
                    batches.add(page, stages, None, self._context({}))
                else:
                    self._stage_with_children(page.records, endpoint, stages, report, {})
                report.pages += 1
                if first_open is None and open_records and open_records.in_page(page):
                    first_open = page.cursor
                resume = first_open if first_open is not None else (page.next_cursor or page.cursor)
                pending = True
                if stages[0].row_count + batches.waiting >= self.commit_rows:
                    close(committer, stages, chunk_cursor, resume or "")
                    stages = [self.warehouse.stage(s, self.run_id, self.flush_rows) for s in specs]
                    chunk_cursor, pending = resume or "", False
            if pending:
                close(committer, stages, chunk_cursor, resume or "")
            else:
                for stage in stages:
                    stage.discard()
        return report

    def _windowed(self, endpoint: Endpoint, start: date, end: date) -> LoadReport:
        """Cost and audit: one request (or paged call) per day, committed in chunks of whole days.

        Rows carry the day that requested them (`_partition_date`), and a chunk replaces exactly its days
        in one transaction, so a rerun or an overlapping backfill converges; chunks close at `commit_rows`
        staged rows to bound the staging disk and the transaction. Days are fetched ahead on the client's
        threads while the current one is shaped, and a chunk commits in the background while the next one
        is shaped (`pipelining`); with `shaping=columnar` declarative endpoints type page bytes straight
        into columns (`ColumnarPlan`), falling back to the per-record path for a page that needs it.
        """
        report = LoadReport(endpoint.table.name, window=(start, end))
        specs = (endpoint.table, *endpoint.child_tables)
        settings = self.client.settings
        plan = self._plan(endpoint)
        windows = {day: DailyWindow.for_day(day) for day in days(start, end)}
        requests = {day: window_request(endpoint, window, settings) for day, window in windows.items()}

        def fetch(day: date) -> Iterable[Page | RawPage]:
            params = requests[day].params
            if plan is not None:
                return self.client.iter_raw_pages(endpoint, params=params)
            return self.client.iter_pages(endpoint, params=params)

        stages: list[Stage] = []
        chunk_start = start
        contexts: dict[date, dict[str, Any]] = {}
        counts: dict[date, tuple[int, int]] = {}
        batches = self._raw_batches(endpoint, plan, report)
        workers = max(1, min(settings.concurrency, 4))
        queue_pages = _queue_pages(endpoint, batches, settings)
        with Committer() as committer:
            for event in ordered_fetch(requests, fetch, workers=workers, queue_pages=queue_pages):
                day = event.item if isinstance(event, WindowEnd) else event[0]
                if not stages:  # a day without pages still commits (its held rows may be kept)
                    stages = [self.warehouse.stage(s, self.run_id, self.flush_rows) for s in specs]
                    chunk_start = day
                if day not in contexts:
                    counts[day] = (report.rows, report.rejects)
                    contexts[day] = {
                        **requests[day].context,
                        PARTITION_DATE_KEY: day,
                        OCCURRENCES_KEY: Occurrences(),
                    }
                window = windows[day]
                if not isinstance(event, WindowEnd):
                    page = event[1]
                    if page.offset == 0 and page.total is not None:
                        report.server_totals[day.isoformat()] = page.total
                    if isinstance(page, RawPage):
                        batches.add(page, stages, window, self._context(contexts[day]))
                    else:
                        records = _clipped(page.records, endpoint, window)
                        self._stage_with_children(records, endpoint, stages, report, contexts[day])
                    report.pages += 1
                    continue
                batches.flush(stages, window, self._context(contexts.pop(day)))
                rows_before, rejects_before = counts.pop(day)
                key = day.isoformat()
                report.partitions.append(key)
                report.rejected_by_day[key] = report.rejects - rejects_before
                report.received_by_day[key] = report.rows - rows_before + report.rejected_by_day[key]
                next_day = day + timedelta(days=1)
                if next_day >= end or stages[0].row_count >= self.commit_rows:
                    mode = ReplaceWindow(
                        chunk_start,
                        next_day,
                        moved_keys=bool(endpoint.table.key) and not endpoint.clip_to_window,
                        keep_held=not self.force_empty,
                    )
                    loads = [TableLoad(s, mode) for s in stages]
                    chunk = _range_key(chunk_start, next_day)
                    committer.submit(lambda loads=loads, chunk=chunk: self._commit(report, loads, chunk))
                    stages = []
        return report

    def _plan(self, endpoint: Endpoint) -> ColumnarPlan | None:
        """How pages of bytes are typed (`shaping=columnar`, an endpoint whose pages are lists of records and
        whose tables are declarative); None: its pages are decoded and shaped on the records path."""
        if self.client.settings.shaping != "columnar" or not reads_raw_pages(endpoint):
            return None
        return plan_for(endpoint.table, endpoint.child_tables)

    def _raw_batches(self, endpoint: Endpoint, plan: ColumnarPlan | None, report: LoadReport) -> RawBatches:
        """Pages of bytes shaped in batches, a page that does not type on the records path."""

        def records_path(records: Records, stages: list[Stage], context: dict[str, Any]) -> None:
            self._stage_with_children(records, endpoint, stages, report, context)

        return RawBatches(endpoint, plan, records_path, report, self.progress)

    def _stage_with_children(
        self,
        records: Records,
        endpoint: Endpoint,
        stages: list[Stage],
        report: LoadReport,
        context: dict[str, Any],
    ) -> None:
        """The records path: shape a page's records, then explode the accepted ones into child tables."""
        shaped = self._stage_page(records, endpoint.table, stages[0], report, context)
        for child_spec, child_stage in zip(endpoint.child_tables, stages[1:], strict=True):
            children = shape_children(shaped.accepted, child_spec, self._context(context))
            child_stage.add(children.frame)
            child_stage.add_rejects(children.rejects)

    def _jobs(self, endpoint: Endpoint, start: date, end: date) -> LoadReport:
        """Jobs have no time filter: page each project newest-first and stop below the window.

        Only the projects actually read are replaced (an archived or vanished project keeps its jobs);
        a job of a read project that is no longer listed is flagged `is_gone`. Jobs still unfinished in
        earlier partitions are re-read by id, so their final status lands too.
        """
        spec = endpoint.table
        report = LoadReport(spec.name, window=(start, end))
        lower, upper = _midnight(start), _midnight(end)
        submitted = spec.column(_window_column(endpoint))

        def submissions(records: Records) -> list[datetime | None]:
            return [moment(value) for value in column_values(records, submitted)]

        def below_window(records: Records) -> bool:
            times = [t for t in submissions(records) if t is not None]
            return bool(times) and min(times) < lower

        def in_window(records: Records) -> Records:
            # unparseable times are kept: shaping rejects them with a reason
            return [
                r
                for r, t in zip(records, submissions(records), strict=True)
                if t is None or lower <= t < upper
            ]

        stage = self.warehouse.stage(spec, self.run_id, self.flush_rows)
        read: set[str] = set()
        parents = self._parent_rows(endpoint)
        for page in self.client.iter_children(endpoint, parents, stop_when=lambda _ctx: below_window):
            read.add(str(page.parent["project_id"]))
            self._stage_page(in_window(page.records), spec, stage, report, {"parent": page.parent})
            report.pages += 1
        mode = ReplaceWindow(
            start,
            end,
            scope_column="project_id",
            scope_values=tuple(sorted(read)),
            moved_keys=True,
            mark_missing=True,
        )
        self._commit(report, [TableLoad(stage, mode)], _range_key(start, end))
        report.partitions.extend(d.isoformat() for d in days(start, end))
        if skipped := len(parents) - len(read):
            report.kept.append(f"raw.{spec.name}: {skipped} projects not read (gone or 404): their jobs kept")
        self._refresh_unfinished(endpoint, lower, report)
        return report

    def _refresh_unfinished(self, endpoint: Endpoint, before: datetime, report: LoadReport) -> None:
        """Re-read by id (the endpoint's `detail_path`), with the fan-out's bounded concurrency, every
        earlier record not yet `done_column`; a 404 flags the record `is_gone` (kept), other errors follow
        the client's retry policy and then fail the asset."""
        spec = endpoint.table
        if endpoint.detail_path is None or not self._table_exists(spec.name):
            return
        detail_path, key = endpoint.detail_path, spec.key[0]
        parents = "".join(f", {p}" for p in spec.parent_columns)
        unfinished = self.warehouse.query(
            f"SELECT {key}{parents} FROM raw.{spec.name} "
            f"WHERE coalesce({endpoint.done_column}, false) = false AND coalesce(is_gone, false) = false "
            f"AND {_window_column(endpoint)} < ?",
            [before],
        )
        if unfinished.is_empty():
            return

        def fetch(row: tuple[Any, ...]) -> list[tuple[str, dict[str, Any], Any]]:
            record_id, *parent_values = row
            parent = dict(zip(spec.parent_columns, parent_values, strict=True))
            try:
                return [(record_id, parent, self.client.get_json(detail_path.format(id=record_id)))]
            except DominoApiError as error:
                if error.status == 404:
                    return [(record_id, parent, None)]
                raise

        stage = self.warehouse.stage(spec, self.run_id, self.flush_rows)
        gone: list[str] = []
        for record_id, parent, payload in self.client.map_parents(fetch, unfinished.iter_rows()):
            report.pages += 1
            if payload is None:
                gone.append(record_id)
                continue
            record = read_single(payload, endpoint.name, (endpoint.detail_key,)).records
            self._stage_page(record, spec, stage, report, {"parent": parent})
        self._commit(report, [TableLoad(stage, Upsert())], "unfinished")
        if gone:
            marked = self.warehouse.mark_gone(spec, gone, self.run_id)
            report.kept.append(f"raw.{spec.name}: {marked} unfinished records answered 404: kept, is_gone")
            report.kept_rows += marked

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
        self, records: Records, spec: TableSpec, stage: Stage, report: LoadReport, extra: dict[str, Any]
    ) -> ShapedBatch:
        """Shape and stage one page; the batch's `accepted` records are the ones child tables may use."""
        if not records:
            return ShapedBatch(pl.DataFrame())
        shaped = shape_batch(records, spec, self._context(extra))
        stage.add(shaped.frame)
        stage.add_rejects(shaped.rejects)
        report.rows += shaped.frame.height
        report.rejects += len(shaped.rejects)
        if self.progress:
            self.progress(spec.name, report.rows)
        return shaped

    def _commit(self, report: LoadReport, loads: list[TableLoad], partition_key: str | None) -> None:
        for result in self.warehouse.commit(loads, partition_key=partition_key):
            if result.table != report.table:
                report.child_rows[result.table] = report.child_rows.get(result.table, 0) + result.rows
            if result.kept_rows:
                report.kept_rows += result.kept_rows
                report.kept.append(f"raw.{result.table}: {result.note}")

    def _window(self, endpoint: Endpoint, start: date | None, end: date | None) -> tuple[date, date]:
        if start is None or end is None or end <= start:
            raise ValueError(
                f"{endpoint.name} is daily-partitioned: give a window [start, end) with end > start"
            )
        return start, end

    def _stats(self) -> tuple[int, int, int]:
        stats = self.client.stats
        return stats.requests, stats.retries, stats.bytes


def _range_key(start: date, end: date) -> str:
    return f"{start.isoformat()}..{end.isoformat()}"


def _queue_pages(endpoint: Endpoint, batches: RawBatches, settings: DominoSettings) -> int:
    """Pages a fetcher may hold ahead: a shaping batch and one more, so it goes on while a batch is shaped
    (with 2 pages and 5-page batches, the shaping thread waited for pages 13% of an audit load)."""
    page_size = max(1, settings.page_size_for(endpoint.name, endpoint.page_size))
    return max(2, -(-batches.batch_records // page_size) + 1)


def _window_column(endpoint: Endpoint) -> str:
    if endpoint.window_column is None:
        raise ValueError(f"{endpoint.name} has no window_column in the catalogue")
    return endpoint.window_column


def _clipped(records: Records, endpoint: Endpoint, window: DailyWindow) -> Records:
    """The records of the window's day (see `clipping`)."""
    keep = clip_mask(records, endpoint, window)
    return records if keep is None else [r for r, kept in zip(records, keep, strict=True) if kept]
