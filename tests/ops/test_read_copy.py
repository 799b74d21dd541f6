"""The read copy: published after each successful run, atomically swapped, and a reader holding it open in
another process neither blocks the run nor sees a half-written file."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline.definitions import defs
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.sensors import read_copy_sensor
from pipeline.readcopy import publish_read_copy, read_copy_path
from pipeline.warehouse import Warehouse
from tests.e2e.conftest import PipelineUnderTest

Make = Callable[..., PipelineUnderTest]
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
def loads():
    return con.execute("SELECT count(*) FROM raw._loads").fetchone()[0]
print(loads(), flush=True)
sys.stdin.readline()
print(loads(), flush=True)
"""


def loads_in(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM raw._loads").fetchone()[0]  # type: ignore[index]


def test_the_copy_sits_next_to_the_warehouse_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOMINO_READ_COPY_PATH", raising=False)
    assert read_copy_path("data/domino.duckdb") == Path("data/domino.read.duckdb")
    monkeypatch.setenv("DOMINO_READ_COPY_PATH", "/srv/bi/domino.duckdb")
    assert read_copy_path("data/domino.duckdb") == Path("/srv/bi/domino.duckdb")


def test_a_reader_holding_the_copy_open_does_not_stop_the_next_run(pipeline_for: Make) -> None:
    pipeline = pipeline_for()
    end = pipeline.world.end.date()
    first = pipeline.run(end - timedelta(days=2), end - timedelta(days=1), groups=["cost"])
    assert first.ok, first.render()
    copy = read_copy_path(pipeline.duckdb_path)
    assert any("Read copy for analysts" in note for note in first.notes)
    before = loads_in(copy)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(copy)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert int(reader.stdout.readline()) == before  # type: ignore[union-attr]
        second = pipeline.run(end - timedelta(days=1), end, groups=["cost"])  # the reader holds the copy
        assert second.ok, second.render()
        assert loads_in(copy) > before  # new readers see the new copy
        out, _ = reader.communicate("go\n", timeout=60)
        assert int(out) == before  # the open reader kept its consistent old snapshot
        assert reader.returncode == 0
    finally:
        reader.kill()
    assert loads_in(copy) == pipeline.scalar("SELECT count(*) FROM raw._loads")
    with duckdb.connect(str(copy), read_only=True) as con:
        (comment,) = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = 'cost_allocation'"
        ).fetchone()  # type: ignore[misc]
    assert comment, "table comments travel with the copy"
    assert not list(copy.parent.glob(".*.tmp*")), "no temporary file is left behind"


def test_readers_see_a_whole_copy_while_it_is_republished(pipeline_for: Make) -> None:
    pipeline = pipeline_for()
    end = pipeline.world.end.date()
    assert pipeline.run(end - timedelta(days=1), end, groups=["cost"]).ok
    warehouse, copy = Warehouse(pipeline.duckdb_path), read_copy_path(pipeline.duckdb_path)
    expected = {loads_in(copy)}
    seen: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read_until_done() -> None:
        while not done.is_set():
            try:
                seen.append(loads_in(copy))
            except BaseException as error:  # a half-written copy would fail to open or to query
                errors.append(error)

    reader = threading.Thread(target=read_until_done)
    reader.start()
    try:
        for _ in range(5):
            publish_read_copy(warehouse)
    finally:
        done.set()
        reader.join()
    assert errors == []
    assert seen and set(seen) == expected


def test_the_sensor_publishes_after_a_successful_dagster_run(pipeline_for: Make, tmp_path: Path) -> None:
    pipeline = pipeline_for()
    instance = dg.DagsterInstance.ephemeral()
    job = defs().resolve_job_def("domino_inventory")
    result = job.execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey(["raw", "organizations"])]
    )
    assert result.success
    (success,) = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)
    context = dg.build_run_status_sensor_context(
        sensor_name="publish_read_copy",
        dagster_event=success.dagster_event,  # type: ignore[arg-type]
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"warehouse": WarehouseResource(path=str(pipeline.duckdb_path))},
    )
    read_copy_sensor(context)
    with duckdb.connect(str(read_copy_path(pipeline.duckdb_path)), read_only=True) as con:
        (orgs,) = con.execute("SELECT count(*) FROM raw.organizations").fetchone()  # type: ignore[misc]
    assert orgs == pipeline.world.truth()["collections"]["organizations"] > 0
