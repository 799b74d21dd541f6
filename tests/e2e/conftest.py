"""End-to-end fixtures: a real simulator on 127.0.0.1, the real pipeline, a real DuckDB file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.runner import RunSummary, run_pipeline
from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.server import RunningSimulator, start_in_background


@dataclass
class PipelineUnderTest:
    """A simulator plus the environment that points the pipeline at it and at a fresh DuckDB file."""

    simulator: RunningSimulator
    duckdb_path: Path

    @property
    def world(self):  # the simulator's World
        return self.simulator.world

    def run(self, start: date | None = None, end: date | None = None, **kwargs: object) -> RunSummary:
        """Run every asset for [start, end) (default: the simulator's whole history)."""
        start = start or self.world.start.date()
        end = end or self.world.end.date()
        return run_pipeline(start, end, **kwargs)  # type: ignore[arg-type]

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    def scalar(self, query: str, params: list | None = None) -> object:
        return self.sql(query, params)[0][0]


@pytest.fixture
def pipeline_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., PipelineUnderTest]]:
    """Factory: `pipeline_for(scale="small", envelope="seed", fault_rate=0.1, ...)`."""
    running: list[RunningSimulator] = []

    def make(**settings: object) -> PipelineUnderTest:
        settings = {"seed": 42, "scale": "small", "port": 0, **settings}
        simulator = start_in_background(SimulatorConfig(**settings))  # type: ignore[arg-type]
        running.append(simulator)
        path = tmp_path / f"domino-{len(running)}.duckdb"
        monkeypatch.setenv("DOMINO_API_HOST", simulator.base_url)
        monkeypatch.setenv("DOMINO_USER_API_KEY", simulator.admin_key)
        monkeypatch.delenv("DOMINO_API_TOKEN", raising=False)
        monkeypatch.delenv("DOMINO_TOKEN_FILE", raising=False)
        monkeypatch.setenv("DOMINO_DUCKDB_PATH", str(path))
        monkeypatch.setenv("DOMINO_BACKOFF_INITIAL_SECONDS", "0.05")
        monkeypatch.setenv("DOMINO_BACKOFF_MAX_SECONDS", "0.5")
        return PipelineUnderTest(simulator, path)

    yield make
    for simulator in running:
        simulator.stop()
