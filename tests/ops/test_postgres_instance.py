"""Dagster on Postgres instance storage, for real: a throwaway PostgreSQL server, the documented
deploy/postgres/dagster.yaml pointed at it through its environment variables, a partitioned
materialization against the simulator, and the run read back from a second instance on the same database."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest

from pipeline.definitions import defs
from pipeline.defs.schedules import range_tags
from tests.e2e.conftest import PipelineUnderTest
from tests.ops.postgres import throwaway_postgres

ROOT = Path(__file__).parents[2]


def test_a_partitioned_run_lands_in_postgres_and_reads_back(
    pipeline_for: Callable[..., PipelineUnderTest], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = pipeline_for()
    day = (pipeline.world.end - timedelta(days=1)).date()
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.chdir(home)
    shutil.copy(ROOT / "deploy" / "postgres" / "dagster.yaml", home / "dagster.yaml")
    with throwaway_postgres() as server:
        for variable, value in server.environment().items():
            monkeypatch.setenv(variable, value)
        job = defs().resolve_job_def("domino_cost_daily")
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
            assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
            result = job.execute_in_process(instance=instance, tags=range_tags(day, day))
            assert result.success
            run_id = result.run_id

        with dg.DagsterInstance.from_config(str(home)) as reader:  # a fresh process' view: only Postgres
            run = reader.get_run_by_id(run_id)
            assert run is not None
            assert run.status == dg.DagsterRunStatus.SUCCESS
            assert run.job_name == "domino_cost_daily"
            key = dg.AssetKey(["raw", "cost_allocation"])
            assert reader.get_materialized_partitions(key) == {day.isoformat()}
            event = reader.get_latest_materialization_event(key)
            assert event is not None and event.run_id == run_id
            landed = event.asset_materialization.metadata["dagster/row_count"].value  # type: ignore[union-attr]
            assert landed == pipeline.scalar("SELECT count(*) FROM raw.cost_allocation") > 0
            records = reader.get_run_records(dg.RunsFilter(job_name="domino_cost_daily"))
            assert [r.dagster_run.run_id for r in records] == [run_id]
    assert not list(home.rglob("*.db")), "nothing went to SQLite"
