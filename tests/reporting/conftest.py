"""One small simulated Domino, loaded once and every SQL model built on it by real Dagster
materializations; the report tests share it (xdist group "reports", so one worker builds it once)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline.defs.reporting import MODEL_ASSETS
from pipeline.defs.resources import WarehouseResource
from pipeline.runner import QUIET_LOGS, RANGE_END_TAG, RANGE_START_TAG, run_pipeline
from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.server import RunningSimulator, start_in_background

RAW_GROUPS = (
    "cost",
    "projects",
    "users",
    "organizations",
    "hardware_tiers",
    # the job, audit and inventory reports (tests/reporting/test_source_reports.py)
    "jobs",
    "runs",
    "audit",
    "environments",
    "apps",
    "model_serving",
    "data_sources",
    "datasets",
    "registered_models",
    "ai_gateway",
    "service_accounts",
    "deployment_targets",
)
"""The API areas the reports read; the model assets create the other raw tables empty."""


@dataclass
class Reports:
    simulator: RunningSimulator
    duckdb_path: Path
    build: dg.ExecuteInProcessResult

    @property
    def world(self):  # the simulator's World
        return self.simulator.world

    @property
    def start(self) -> date:
        return self.world.start.date()

    @property
    def end(self) -> date:
        return self.world.end.date()

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    def scalar(self, query: str, params: list | None = None) -> object:
        return self.sql(query, params)[0][0]

    def materialize(self, start: date, end: date, **run_config: object) -> dg.ExecuteInProcessResult:
        """Build every model for the days [start, end) through Dagster, as the runner does."""
        return materialize_models(self.duckdb_path, start, end, **run_config)


def materialize_models(path: Path, start: date, end: date, **run_config: object) -> dg.ExecuteInProcessResult:
    tags = {RANGE_START_TAG: start.isoformat(), RANGE_END_TAG: (end - timedelta(days=1)).isoformat()}
    return dg.materialize(
        MODEL_ASSETS,
        resources={"warehouse": WarehouseResource(path=str(path))},
        instance=dg.DagsterInstance.ephemeral(),
        tags=tags,
        run_config={**QUIET_LOGS, **run_config},
        raise_on_error=False,
    )


@pytest.fixture(scope="session")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reports]:
    simulator = start_in_background(SimulatorConfig(seed=42, scale="small", port=0))
    path = tmp_path_factory.mktemp("reports") / "domino.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DOMINO_API_HOST", simulator.base_url)
        env.setenv("DOMINO_USER_API_KEY", simulator.admin_key)
        env.delenv("DOMINO_API_TOKEN", raising=False)
        env.delenv("DOMINO_TOKEN_FILE", raising=False)
        env.setenv("DOMINO_DUCKDB_PATH", str(path))
        world = simulator.world
        summary = run_pipeline(world.start.date(), world.end.date(), groups=RAW_GROUPS)
        assert summary.ok, summary.error
        build = materialize_models(path, world.start.date(), world.end.date())
        assert build.success
        yield Reports(simulator, path, build)
    simulator.stop()
