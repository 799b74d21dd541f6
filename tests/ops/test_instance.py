"""The project's dagster.yaml, loaded as Dagster loads it: run queue, pools, run retries, freshness,
telemetry; and the duckdb_writer limit set on the instance by name (other pools stay unlimited)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import RunFailureReason
from dagster._core.execution.retries import auto_reexecution_should_retry_run

from pipeline.definitions import defs
from pipeline.defs.extract import POOL
from pipeline.instance import POOL_LIMITS, apply_pool_limits

ROOT = Path(__file__).parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME holding the project's dagster.yaml; relative storage paths resolve inside it."""
    shutil.copy(ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def instance(home: Path) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.get() as instance:
        yield instance


def test_the_project_instance_queues_runs_and_limits_nothing_by_default(instance: dg.DagsterInstance) -> None:
    config = instance.get_concurrency_config()
    assert config.run_queue_config is not None
    assert config.run_queue_config.max_concurrent_runs == 4
    assert config.pool_config.default_pool_limit is None
    assert config.pool_config.op_granularity_run_buffer == 1
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
    assert (Path(os.environ["DAGSTER_HOME"]) / ".dagster_home" / "storage").is_dir()
    assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
    assert not instance.run_retries_retry_on_asset_or_op_failure
    assert instance.run_monitoring_enabled
    assert instance.get_settings("freshness") == {"enabled": True}
    assert instance.get_settings("telemetry") == {"enabled": False}


def test_the_writer_pool_is_limited_by_name_and_other_pools_are_not(instance: dg.DagsterInstance) -> None:
    assert instance.event_log_storage.get_concurrency_info(POOL).slot_count == 0
    assert apply_pool_limits(instance) == {POOL: 1}
    assert apply_pool_limits(instance) == {}  # idempotent
    assert instance.event_log_storage.get_concurrency_info(POOL).slot_count == 1
    assert instance.event_log_storage.get_concurrency_info("some_future_pool").slot_count == 0
    assert POOL_LIMITS == {"duckdb_writer": 1}
    pools = {
        pool
        for asset in defs().assets
        for pool in asset.node_def.pools  # type: ignore[union-attr]
    }
    assert pools == {POOL}, "every asset writes DuckDB, so every asset sits in the limited pool"


def test_the_instance_module_applies_the_limits_to_dagster_home(home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.instance"], capture_output=True, text=True, timeout=120, cwd=home
    )
    assert result.returncode == 0, result.stderr
    assert "pool duckdb_writer: limit 1 (set now)" in result.stdout
    with dg.DagsterInstance.get() as instance:
        assert instance.event_log_storage.get_concurrency_info(POOL).slot_count == 1


@pytest.mark.parametrize(
    ("reason", "retried"),
    [
        (RunFailureReason.RUN_WORKER_RESTART, True),
        (RunFailureReason.UNEXPECTED_TERMINATION, True),
        (RunFailureReason.STEP_FAILURE, False),
    ],
)
def test_scheduled_runs_are_retried_when_their_worker_dies_not_when_an_asset_fails(
    instance: dg.DagsterInstance, reason: RunFailureReason, retried: bool
) -> None:
    job = defs().resolve_job_def("domino_cost_daily")
    run = instance.create_run_for_job(job, tags=job.tags)
    instance.report_run_failed(run)
    failed = instance.get_run_by_id(run.run_id)
    assert failed is not None
    assert auto_reexecution_should_retry_run(instance, failed, reason) is retried
