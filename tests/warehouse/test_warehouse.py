"""Warehouse on real DuckDB files: DDL, commit modes, rejects, crash safety, two writers."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from pipeline.tables import Column, TableSpec
from pipeline.transform import PARTITION_DATE_KEY, Reject, shape_batch, shape_children
from pipeline.warehouse import ReplaceAll, ReplaceWindow, TableLoad, Upsert, Warehouse
from tests.fixtures import AUDIT_SPEC, audit_record

TARGETS_SPEC = TableSpec(
    name="audit_event_targets",
    key=("event_key", "target_index", "change_index"),
    transform="audit_event_targets",
    partitioned=True,
    time_column="event_time",
    columns=(
        Column("event_key", "event_key", required=True),
        Column("event_time", "event_time", "timestamp_ms"),
        Column("target_index", "target_index", "int"),
        Column("change_index", "change_index", "int"),
        Column("field_name", "field_name"),
    ),
)
PROJECTS = TableSpec(
    name="projects",
    comment="Domino projects.",
    columns=(Column("id", "id", required=True, comment="Project id."), Column("name", "name")),
)
BASE_MS = 1_723_593_600_000  # 2024-08-14T00:00:00Z
DAY = (date(2024, 8, 14), date(2024, 8, 15))


def events(first: int, count: int, base_ms: int = BASE_MS) -> list[dict]:
    return [audit_record(i, base_ms=base_ms) for i in range(first, first + count)]


def load_audit_day(
    wh: Warehouse,
    records: list[dict],
    run_id: str,
    rejects: list[Reject] = (),
    partition_key: str = "2024-08-14",
    keep_held: bool = True,
) -> None:
    context = {"run_id": run_id, PARTITION_DATE_KEY: DAY[0]}
    parent, children = wh.stage(AUDIT_SPEC, run_id), wh.stage(TARGETS_SPEC, run_id)
    shaped = shape_batch(records, AUDIT_SPEC, context)
    parent.add(shaped.frame)
    parent.add_rejects(rejects)
    children.add(shape_children(shaped.accepted, TARGETS_SPEC, context).frame)
    mode = ReplaceWindow(*DAY, keep_held=keep_held)
    wh.commit([TableLoad(parent, mode), TableLoad(children, mode)], partition_key=partition_key)


def test_table_types_comments_and_raw_json(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    stage = wh.stage(PROJECTS, "r1")
    stage.add(shape_batch([{"id": "p1", "name": "A", "extra": {"x": [1]}}], PROJECTS, {"run_id": "r1"}).frame)
    wh.commit([TableLoad(stage, Upsert())])
    columns = "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE table_name = 'projects'"
    types = {name: (data_type, comment) for name, data_type, comment in wh.query(columns).rows()}
    assert types == {
        "id": ("VARCHAR", "Project id."),
        "name": ("VARCHAR", "Domino field name"),
        "_raw": ("JSON", "Complete source record as received (unknown fields included, secrets stripped)."),
        "_extracted_at": ("TIMESTAMP WITH TIME ZONE", "When the record was fetched from Domino."),
        "_run_id": ("VARCHAR", "Pipeline run that loaded the row."),
    }
    table_comment = wh.query("SELECT comment FROM duckdb_tables() WHERE table_name = 'projects'")
    assert table_comment.item() == "Domino projects."
    assert wh.query("SELECT _raw->>'$.extra.x[0]' FROM raw.projects").item() == "1"


def test_raw_json_is_stored_with_zstd_in_tables_and_their_history(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    load_audit_day(wh, events(0, 50), "r1")
    stage = wh.stage(PROJECTS, "r1")
    stage.add(shape_batch([{"id": "p1", "name": "A"}], PROJECTS, {"run_id": "r1"}).frame)
    wh.commit([TableLoad(stage, ReplaceAll())])
    for table in ("audit_events", "audit_event_targets", "projects", "projects_history"):
        compressions = wh.query(
            f"SELECT DISTINCT compression FROM pragma_storage_info('raw.{table}') "
            "WHERE column_name = '_raw' AND segment_type = 'JSON'"
        )
        assert compressions["compression"].to_list() == ["ZSTD"], table
    assert wh.query("SELECT count(*) FROM raw.audit_events WHERE _raw->>'$.timestamp' IS NULL").item() == 0


def test_replace_window_is_idempotent_and_children_follow(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    day = events(0, 50)
    load_audit_day(wh, day, "run-1")
    load_audit_day(wh, day, "run-2")
    assert wh.query("SELECT count(*), count(DISTINCT event_key) FROM raw.audit_events").row(0) == (50, 50)
    assert wh.query("SELECT count(*) FROM raw.audit_event_targets").item() == 50
    assert wh.query("SELECT DISTINCT _run_id FROM raw.audit_events").item() == "run-2"
    # a rerun where the source now has fewer events: the window is replaced, not merged
    load_audit_day(wh, day[:10], "run-3")
    assert wh.query("SELECT count(*) FROM raw.audit_events").item() == 10
    assert wh.query("SELECT count(*) FROM raw.audit_event_targets").item() == 10
    loads = wh.query('SELECT "table", run_id, rows FROM raw._loads ORDER BY finished_at, "table"').rows()
    assert loads[-2:] == [("audit_event_targets", "run-3", 10), ("audit_events", "run-3", 10)]


def test_moved_record_and_duplicate_staged_keys_keep_one_row(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    jobs = TableSpec(
        name="jobs",
        partitioned=True,
        time_column="day",
        columns=(
            Column("id", "id", required=True),
            Column("day", "day", "timestamp"),
            Column("status", "status"),
        ),
    )

    def load(records: list[dict], start: date, run: str) -> None:
        stage = wh.stage(jobs, run, flush_rows=2)
        for record in records:  # no requested day: each row is dated by its own time column
            stage.add(shape_batch([record], jobs, {"run_id": run}).frame)
        window = ReplaceWindow(start, start + timedelta(days=1), moved_keys=True)
        wh.commit([TableLoad(stage, window)], start.isoformat())

    load([{"id": "j1", "day": "2024-08-14T05:00:00Z", "status": "Running"}], DAY[0], "r1")
    # j1 moved to the next day, and the page repeats it: last one wins
    load(
        [
            {"id": "j1", "day": "2024-08-15T01:00:00Z", "status": "Queued"},
            {"id": "j2", "day": "2024-08-15T02:00:00Z", "status": "Running"},
            {"id": "j1", "day": "2024-08-15T03:00:00Z", "status": "Succeeded"},
        ],
        DAY[1],
        "r2",
    )
    rows = wh.query("SELECT id, status FROM raw.jobs ORDER BY id").rows()
    assert rows == [("j1", "Succeeded"), ("j2", "Running")]


def test_replace_all_keeps_one_snapshot_per_day(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")

    def snapshot(names: list[str], day: date) -> None:
        stage = wh.stage(PROJECTS, "r")
        stage.add(shape_batch([{"id": n, "name": n} for n in names], PROJECTS, {"run_id": "r"}).frame)
        wh.commit([TableLoad(stage, ReplaceAll(day))])

    snapshot(["a", "b", "c"], date(2024, 8, 14))
    snapshot(["a", "b"], date(2024, 8, 14))  # c is archived later that day: its day's snapshot keeps it
    snapshot(["a"], date(2024, 8, 15))
    assert wh.query("SELECT id FROM raw.projects").rows() == [("a",)]
    history = wh.query("SELECT snapshot_date, count(*) FROM raw.projects_history GROUP BY 1 ORDER BY 1")
    assert history.rows() == [(date(2024, 8, 14), 3), (date(2024, 8, 15), 1)]


def test_rejects_are_replaced_per_partition(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    reason = "audit_events.event_time: cannot cast str to timestamp_ms"
    bad = [Reject("audit_events", reason, '{"timestamp":"x"}')]
    load_audit_day(wh, events(0, 5), "run-1", bad)
    load_audit_day(wh, events(0, 5), "run-2", bad)
    rows = wh.query("SELECT \"table\", reason, payload->>'$.timestamp', run_id FROM raw._rejects").rows()
    assert rows == [("audit_events", bad[0].reason, "x", "run-2")]
    load_audit_day(wh, events(0, 5), "run-3")
    assert wh.query("SELECT count(*) FROM raw._rejects").item() == 0


def test_rejects_of_a_day_range_are_superseded_by_a_wider_range(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    bad = [
        Reject(
            "audit_events", "audit_events.event_time: cannot cast str to timestamp_ms", '{"timestamp":"x"}'
        )
    ]
    load_audit_day(wh, events(0, 5), "daily", bad, partition_key="2024-08-14..2024-08-15")
    load_audit_day(wh, events(0, 5), "other", bad, partition_key="unfinished")
    load_audit_day(wh, events(0, 5), "backfill", bad, partition_key="2024-08-01..2024-09-01")
    rows = wh.query("SELECT partition_key, run_id FROM raw._rejects ORDER BY 1").rows()
    assert rows == [("2024-08-01..2024-09-01", "backfill"), ("unfinished", "other")]


def test_spec_growth_adds_columns_and_keeps_rows(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    stage = wh.stage(PROJECTS, "r1")
    stage.add(shape_batch([{"id": "p1", "name": "A", "owner": "u1"}], PROJECTS, {"run_id": "r1"}).frame)
    wh.commit([TableLoad(stage, Upsert())])
    owner = Column("owner", "owner", comment="Owner id.")
    grown = TableSpec(name="projects", columns=(*PROJECTS.columns, owner))
    stage = wh.stage(grown, "r2")
    stage.add(shape_batch([{"id": "p2", "name": "B", "owner": "u2"}], grown, {"run_id": "r2"}).frame)
    wh.commit([TableLoad(stage, Upsert())])
    assert wh.query("SELECT id, owner FROM raw.projects ORDER BY id").rows() == [("p1", None), ("p2", "u2")]


def _stage_then_die(db: str) -> None:
    wh = Warehouse(db)
    stage = wh.stage(AUDIT_SPEC, "doomed", flush_rows=10)
    context = {"run_id": "doomed", PARTITION_DATE_KEY: DAY[0]}
    stage.add(shape_batch(events(100, 30), AUDIT_SPEC, context).frame)
    os._exit(3)  # killed between stage and commit


def test_crash_between_stage_and_commit_changes_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    wh = Warehouse(db)
    load_audit_day(wh, events(0, 5), "run-1")
    process = multiprocessing.get_context("spawn").Process(target=_stage_then_die, args=(db,))
    process.start()
    process.join(60)
    assert process.exitcode == 3
    assert wh.query("SELECT count(*) FROM raw.audit_events").item() == 5
    assert list((tmp_path / "w.duckdb.staging" / "audit_events").iterdir())  # left for cleanup
    assert wh.cleanup_stale_stages(older_than=timedelta(0)) == 1
    load_audit_day(wh, events(0, 5), "run-2")
    assert wh.query("SELECT count(*) FROM raw.audit_events").item() == 5


def _commit_partition(db: str, first: int, base_ms: int, barrier) -> None:
    wh = Warehouse(db)
    start = datetime.fromtimestamp(base_ms / 1000, UTC).date()
    context = {"run_id": f"run-{first}", PARTITION_DATE_KEY: start}
    frame = shape_batch(events(first, 2000, base_ms), AUDIT_SPEC, context).frame
    window = ReplaceWindow(start, start + timedelta(days=1))
    barrier.wait(30)
    for _ in range(3):
        stage = wh.stage(AUDIT_SPEC, f"run-{first}")
        stage.add(frame)
        wh.commit([TableLoad(stage, window)], f"{first}")


def test_two_processes_committing_at_once_both_succeed(tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    workers = [
        spawn.Process(target=_commit_partition, args=(db, first, BASE_MS + day * 86_400_000, barrier))
        for day, first in enumerate((0, 10_000))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    wh = Warehouse(db)
    assert wh.query("SELECT count(*), count(DISTINCT event_key) FROM raw.audit_events").row(0) == (4000, 4000)
    assert wh.query("SELECT count(*) FROM raw._loads").item() == 6


def test_commit_failure_rolls_back_every_table(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    load_audit_day(wh, events(0, 5), "run-1")
    parent = wh.stage(AUDIT_SPEC, "run-2")
    context = {"run_id": "run-2", PARTITION_DATE_KEY: DAY[0]}
    parent.add(shape_batch(events(0, 3), AUDIT_SPEC, context).frame)
    broken = TableLoad(wh.stage(TARGETS_SPEC, "run-2"), ReplaceWindow(*DAY, mark_missing=True))
    with pytest.raises(Exception, match="is_gone"):
        wh.commit([TableLoad(parent, ReplaceWindow(*DAY)), broken], "2024-08-14")
    assert wh.query("SELECT count(*) FROM raw.audit_events").item() == 5
    assert parent.parts  # kept for a retry
    assert orjson.loads(wh.query("SELECT _raw FROM raw.audit_events LIMIT 1").item())["actor"]


def _hold_duckdb_open(db: str, seconds: float, ready) -> None:
    import time

    import duckdb

    con = duckdb.connect(db)  # a process outside the flock protocol (e.g. a notebook)
    ready.set()
    time.sleep(seconds)
    con.close()


def test_commit_waits_for_a_foreign_connection_to_close(tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    wh = Warehouse(db)
    load_audit_day(wh, events(0, 5), "run-1")
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Event()
    holder = spawn.Process(target=_hold_duckdb_open, args=(db, 1.5, ready))
    holder.start()
    assert ready.wait(30)
    load_audit_day(wh, events(0, 7), "run-2")  # retries "Could not set lock" until the holder closes
    holder.join(30)
    assert wh.query("SELECT count(*) FROM raw.audit_events").item() == 7
    impatient = Warehouse(db, lock_timeout_s=0.2)
    holder = spawn.Process(target=_hold_duckdb_open, args=(db, 3, ready := spawn.Event()))
    holder.start()
    assert ready.wait(30)
    with pytest.raises(Exception, match="lock"):
        impatient.query("SELECT 1")
    holder.join(30)


# --- reload guards: never destroy what Domino no longer holds -------------------------------------------


def _loads(wh: Warehouse) -> list[tuple]:
    order = 'ORDER BY finished_at, "table"'
    return wh.query(f'SELECT "table", rows, kept_rows, note FROM raw._loads {order}').rows()


def test_a_day_that_comes_back_empty_is_kept_with_its_children(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    load_audit_day(wh, events(0, 20), "run-1")
    load_audit_day(wh, [], "run-2")  # retention: Domino no longer has the day
    assert wh.query("SELECT count(*), min(_run_id) FROM raw.audit_events").row(0) == (20, "run-1")
    assert wh.query("SELECT count(*) FROM raw.audit_event_targets").item() == 20
    last = _loads(wh)[-2:]
    assert [row[:3] for row in last] == [("audit_event_targets", 0, 20), ("audit_events", 0, 20)]
    assert "2024-08-14" in last[1][3] and "came back empty" in last[1][3]
    load_audit_day(wh, [], "run-3", keep_held=False)  # --force-empty replaces anyway
    assert wh.query("SELECT count(*) FROM raw.audit_events").item() == 0
    assert wh.query("SELECT count(*) FROM raw.audit_event_targets").item() == 0


def test_only_the_empty_days_of_a_window_are_kept(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    spec = TableSpec("daily", (Column("id", "id", required=True),), partitioned=True)

    def load(day_ids: dict[date, list[str]], run: str) -> None:
        stage = wh.stage(spec, run)
        for day, ids in day_ids.items():
            records = [{"id": i} for i in ids]
            stage.add(shape_batch(records, spec, {"run_id": run, PARTITION_DATE_KEY: day}).frame)
        wh.commit([TableLoad(stage, ReplaceWindow(date(2024, 8, 1), date(2024, 8, 4)))], "range")

    first, second, third = date(2024, 8, 1), date(2024, 8, 2), date(2024, 8, 3)
    load({first: ["a", "b"], second: ["c"], third: ["d"]}, "r1")
    load({second: ["c2"], third: []}, "r2")  # the first day is gone at the source, the third emptied too
    rows = wh.query("SELECT _partition_date, id FROM raw.daily ORDER BY 1, 2").rows()
    assert rows == [(first, "a"), (first, "b"), (second, "c2"), (third, "d")]
    assert _loads(wh)[-1][2] == 3


def test_an_empty_or_shrinking_inventory_is_kept(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")

    def snapshot(names: list[str], **guard: object) -> None:
        stage = wh.stage(PROJECTS, "r")
        stage.add(shape_batch([{"id": n, "name": n} for n in names], PROJECTS, {"run_id": "r"}).frame)
        wh.commit([TableLoad(stage, ReplaceAll(date(2024, 8, 14), **guard))])

    every = [f"p{i}" for i in range(20)]
    snapshot(every)
    snapshot([])  # a credential that sees nothing, or a 404 for every parent
    assert wh.query("SELECT count(*) FROM raw.projects").item() == 20
    snapshot(every[:5])  # lost 75% of the rows: more than the allowed share
    assert wh.query("SELECT count(*) FROM raw.projects").item() == 20
    assert "shrinks by more than 50%" in _loads(wh)[-1][3]
    snapshot(every[:15])  # an ordinary day: five projects archived
    assert wh.query("SELECT count(*) FROM raw.projects").item() == 15
    snapshot(every[:5], max_shrink=0.9)
    assert wh.query("SELECT count(*) FROM raw.projects").item() == 5
    snapshot([], keep_held=False)
    assert wh.query("SELECT count(*) FROM raw.projects").item() == 0


JOBS = TableSpec(
    name="jobs",
    partitioned=True,
    time_column="submitted",
    columns=(
        Column("id", "id", required=True),
        Column("submitted", "submitted", "timestamp"),
        Column("is_gone", "_derived.is_gone", "bool", default=False),
        Column("gone_at", "_derived.gone_at", "timestamp"),
    ),
    parent_columns=("project_id",),
)


def _load_jobs(wh: Warehouse, by_project: dict[str, list[str]], run: str) -> None:
    stage = wh.stage(JOBS, run)
    for project, ids in by_project.items():
        records = [{"id": i, "submitted": "2024-08-14T10:00:00Z"} for i in ids]
        context = {"run_id": run, "parent": {"project_id": project}}
        stage.add(shape_batch(records, JOBS, context).frame)
    mode = ReplaceWindow(*DAY, scope_column="project_id", scope_values=tuple(by_project), mark_missing=True)
    wh.commit([TableLoad(stage, mode)], "jobs")


def test_jobs_of_projects_not_read_stay_and_missing_jobs_are_flagged(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    _load_jobs(wh, {"p1": ["j1", "j2"], "p2": ["j3"]}, "r1")
    _load_jobs(wh, {"p1": ["j1"]}, "r2")  # p2 archived (not read); j2 deleted in Domino
    rows = wh.query("SELECT id, project_id, is_gone, gone_at IS NOT NULL FROM raw.jobs ORDER BY id").rows()
    assert rows == [("j1", "p1", False, False), ("j2", "p1", True, True), ("j3", "p2", False, False)]
    assert wh.mark_gone(JOBS, ["j3", "j9"], "r3") == 1
    assert wh.mark_gone(JOBS, ["j3"], "r4") == 0  # already flagged: nothing changes
    assert wh.query("SELECT count(*) FROM raw.jobs WHERE is_gone").item() == 2


def test_rows_held_before_partition_dates_existed_are_dated_by_their_time(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    legacy = replace(AUDIT_SPEC, partitioned=False)
    stage = wh.stage(legacy, "old")
    stage.add(shape_batch(events(0, 4), legacy, {"run_id": "old"}).frame)
    wh.commit([TableLoad(stage, Upsert())])
    load_audit_day(wh, events(0, 4), "new")  # the upgraded pipeline reloads the same day
    assert wh.query("SELECT count(*), min(_partition_date) FROM raw.audit_events").row(0) == (4, DAY[0])


@pytest.fixture(scope="module")
def day_of_40k_events():
    context = {"run_id": "r1", PARTITION_DATE_KEY: DAY[0]}
    return shape_batch(events(0, 40_000), AUDIT_SPEC, context).frame


@pytest.mark.parametrize("name", ["w", "memory", "temp", "my-db.v2"])
def test_commits_write_small_row_groups_whatever_the_file_is_called(
    tmp_path: Path, name: str, day_of_40k_events
) -> None:
    wh = Warehouse(tmp_path / f"{name}.duckdb")
    stage = wh.stage(AUDIT_SPEC, "r1")
    stage.add(day_of_40k_events)
    wh.commit([TableLoad(stage, ReplaceWindow(*DAY))], "2024-08-14")
    groups = wh.query("SELECT max(row_group_id) + 1 AS n FROM pragma_storage_info('raw.audit_events')")
    assert groups.item() == 2  # 40,000 rows in groups of 30,720 (DuckDB's default 122,880 makes one)
    assert wh.query("SELECT count(*) FROM raw.audit_events").item() == 40_000


def test_a_part_that_fails_to_write_fails_the_commit_and_lands_nothing(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    load_audit_day(wh, events(0, 5), "run-1")
    stage = wh.stage(AUDIT_SPEC, "run-2", flush_rows=10)
    stage.directory.rmdir()
    stage.directory.write_text("not a directory")  # the background writer cannot create its part here
    context = {"run_id": "run-2", PARTITION_DATE_KEY: DAY[0]}
    stage.add(shape_batch(events(100, 30), AUDIT_SPEC, context).frame)  # handed to the writer thread
    for _ in range(2):  # the failure is raised, and raised again: the stage never looks complete
        with pytest.raises(OSError):
            wh.commit([TableLoad(stage, ReplaceWindow(*DAY))], "2024-08-14")
    assert wh.query("SELECT count(*) FROM raw.audit_events").item() == 5
    assert wh.query("SELECT count(*) FROM raw._loads WHERE run_id = 'run-2'").item() == 0
