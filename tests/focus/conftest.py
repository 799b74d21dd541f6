"""One simulator-loaded DuckDB with `focus.cost_and_usage` built, shared by the FOCUS tests of a worker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.runner import run_pipeline
from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.server import start_in_background
from pipeline.warehouse import Warehouse

FOCUS_SQL = Path(__file__).parents[2] / "sql" / "focus" / "cost_and_usage.sql"


@dataclass
class LoadedFocus:
    """A DuckDB file holding the simulator's cost history and the FOCUS table built from it."""

    path: Path
    truth: dict
    start: date
    end: date
    """The loaded UTC days: [start, end)."""

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.path)

    def connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(self.path), read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        return con


def build_focus(path: Path) -> None:
    """Build the FOCUS model over all loaded days, as a full rebuild of the framework does."""
    body = "\n".join(line for line in FOCUS_SQL.read_text().splitlines() if not line.startswith("--"))
    with duckdb.connect(str(path)) as con:
        con.execute("SET VARIABLE partition_start = DATE '1970-01-01'")
        con.execute("SET VARIABLE partition_end = DATE '2100-01-01'")
        con.execute("CREATE SCHEMA IF NOT EXISTS focus")
        con.execute(f"CREATE OR REPLACE TABLE focus.cost_and_usage AS {body}")


@pytest.fixture(scope="session")
def loaded_focus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedFocus]:
    """The small world's 90 days of cost, extracted over real HTTP by the real pipeline (cost group only)."""
    simulator = start_in_background(SimulatorConfig(seed=42, scale="small", port=0))
    path = tmp_path_factory.mktemp("focus") / "domino.duckdb"
    env = pytest.MonkeyPatch()
    env.setenv("DOMINO_API_HOST", simulator.base_url)
    env.setenv("DOMINO_USER_API_KEY", simulator.admin_key)
    env.delenv("DOMINO_API_TOKEN", raising=False)
    env.delenv("DOMINO_TOKEN_FILE", raising=False)
    env.setenv("DOMINO_DUCKDB_PATH", str(path))
    try:
        world = simulator.world
        summary = run_pipeline(world.start.date(), world.end.date(), groups=["cost"])
        assert summary.ok, summary.error
        build_focus(path)
        yield LoadedFocus(path, world.truth(), world.start.date(), world.end.date())
    finally:
        env.undo()
        simulator.stop()
