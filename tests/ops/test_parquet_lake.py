"""The Parquet lake: opt-in, hive-partitioned by day, equal to the warehouse, swapped in atomically."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from pipeline.lake import CURRENT, VERSIONS, lake_path, publish_lake
from pipeline.readcopy import read_copy_path
from tests.e2e.conftest import PipelineUnderTest

Make = Callable[..., PipelineUnderTest]


def scan(table: Path) -> str:
    return f"read_parquet('{table}/**/*.parquet', hive_partitioning = true)"


def read_copy_of(tmp_path: Path, *statements: str) -> Path:
    """A read copy holding just what `statements` create, to publish the lake from."""
    copy = tmp_path / "copy.duckdb"
    with duckdb.connect(str(copy)) as con:
        for statement in statements:
            con.execute(statement)
    return copy


def test_the_lake_is_off_unless_a_path_is_set() -> None:
    assert lake_path({}) is None and lake_path({"DOMINO_PARQUET_LAKE_PATH": " "}) is None
    assert lake_path({"DOMINO_PARQUET_LAKE_PATH": "/srv/lake"}) == Path("/srv/lake")


def test_a_run_publishes_the_lake_partitioned_by_day_and_equal_to_the_warehouse(
    pipeline_for: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "lake"
    monkeypatch.setenv("DOMINO_PARQUET_LAKE_PATH", str(root))
    pipeline = pipeline_for()
    end = pipeline.world.end.date()
    summary = pipeline.run(end - timedelta(days=3), end)
    assert summary.ok, summary.render()
    assert any(note.startswith(f"Parquet lake: {root / CURRENT}") for note in summary.notes)
    current = root / CURRENT
    assert current.is_symlink() and (root / VERSIONS).is_dir()

    allocation = current / "raw" / "cost_allocation"
    days = sorted(p.name for p in allocation.iterdir())
    expected_days = [f"_partition_date={end - timedelta(days=n)}" for n in (3, 2, 1)]
    assert days == expected_days
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"ATTACH '{pipeline.duckdb_path}' AS w (READ_ONLY)")
        by_day = "SELECT _partition_date::DATE AS d, count(*), sum(total_cost) FROM {} GROUP BY 1 ORDER BY 1"
        assert (
            con.execute(by_day.format(scan(allocation))).fetchall()
            == con.execute(by_day.format("w.raw.cost_allocation")).fetchall()
        )
        raw_json = f"SELECT count(*) FROM {scan(allocation)} WHERE json_valid(_raw)"
        assert (
            con.execute(raw_json).fetchone()
            == con.execute(  # every row keeps its source record
                "SELECT count(*) FROM w.raw.cost_allocation"
            ).fetchone()
        )
        daily = current / "reporting" / "cost_daily"
        assert all(p.name.startswith("day=") for p in daily.iterdir())
        assert (
            con.execute(f"SELECT count(*) FROM {scan(daily)}").fetchone()
            == con.execute("SELECT count(*) FROM w.reporting.cost_daily").fetchone()
        )
        tables = {f"{p.parent.name}.{p.name}" for p in current.glob("*/*")}
        (held,) = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'w' "
            "AND schema_name IN ('raw', 'reporting', 'focus') AND NOT starts_with(table_name, '_')"
        ).fetchone()  # type: ignore[misc]
        assert len(tables) == held and "raw._loads" not in tables  # bookkeeping stays out
        empty = next(
            t for t in sorted(tables) if not con.execute(f"SELECT count(*) FROM w.{t}").fetchone()[0]
        )
        schema, name = empty.split(".")
        assert (current / schema / name / "data.parquet").exists(), "an empty table is still readable"


def test_republishing_swaps_versions_atomically_and_keeps_the_one_before(
    pipeline_for: Make, tmp_path: Path
) -> None:
    pipeline = pipeline_for()
    end = pipeline.world.end.date()
    assert pipeline.run(end - timedelta(days=1), end, groups=["cost"]).ok
    copy, root = read_copy_path(pipeline.duckdb_path), tmp_path / "lake"
    first = publish_lake(copy, root)
    held = (root / CURRENT).resolve()  # a reader that resolved `current` before the next publish
    publish_lake(copy, root)
    assert (root / CURRENT).resolve() != held and (held / "raw").is_dir(), "the version before stays"
    for _ in range(2):
        publish_lake(copy, root)
    versions = sorted(p.name for p in (root / VERSIONS).iterdir())
    assert len(versions) == 2 and (root / CURRENT).resolve().name == versions[-1]
    assert not held.exists(), "older versions are removed"
    assert first.tables > 0 and first.files >= first.tables
    assert not list(root.glob(".current-*")), "no temporary link is left behind"

    with pytest.raises(duckdb.Error):
        publish_lake(tmp_path / "missing.duckdb", root)  # a failed export changes nothing
    assert sorted(p.name for p in (root / VERSIONS).iterdir()) == versions
    assert (root / CURRENT).resolve().name == versions[-1]


def test_each_table_gets_its_own_layout(tmp_path: Path) -> None:
    """Partitioned by its day column when it has rows, else one file; bookkeeping, other schemas: out."""
    copy = read_copy_of(
        tmp_path,
        "CREATE SCHEMA raw; CREATE SCHEMA reporting; CREATE SCHEMA admin",
        "CREATE TABLE raw.audit AS "
        "SELECT range AS n, DATE '2026-10-01' + (range % 2)::INT AS _partition_date FROM range(5)",
        "CREATE TABLE raw.audit_history AS SELECT 1 AS n, DATE '2026-10-02' AS snapshot_date",
        "CREATE TABLE raw.empty_daily (n INT, _partition_date DATE)",
        "CREATE TABLE raw._loads AS SELECT 1 AS n",
        "CREATE TABLE reporting.totals AS SELECT 42 AS total",
        "CREATE TABLE admin.writeback_log AS SELECT 1 AS n",
    )
    current = publish_lake(copy, tmp_path / "lake").path
    layout = sorted(str(p.relative_to(current)) for p in current.rglob("*.parquet"))
    assert [p.rsplit("/", 1)[0] for p in layout] == [
        "raw/audit/_partition_date=2026-10-01",
        "raw/audit/_partition_date=2026-10-02",
        "raw/audit_history/snapshot_date=2026-10-02",
        "raw/empty_daily",
        "reporting/totals",
    ]
    with duckdb.connect() as con:
        assert con.execute(f"SELECT sum(n), count(*) FROM {scan(current / 'raw' / 'audit')}").fetchone() == (
            10,
            5,
        )


def test_publishes_at_the_same_time_take_turns_and_leave_a_whole_current(tmp_path: Path) -> None:
    """Without the lock, a publish could prune the version another one had just made current."""
    copy = read_copy_of(
        tmp_path,
        "CREATE SCHEMA raw",
        "CREATE TABLE raw.t AS SELECT range AS n, DATE '2026-10-01' AS _partition_date FROM range(3)",
    )
    root = tmp_path / "lake"
    errors: list[BaseException] = []

    def publish_twice() -> None:
        try:
            for _ in range(2):
                publish_lake(copy, root)
                current = (root / CURRENT).resolve()
                assert (current / "raw" / "t").is_dir(), f"current points at a removed version {current}"
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=publish_twice) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(list((root / VERSIONS).iterdir())) == 2
