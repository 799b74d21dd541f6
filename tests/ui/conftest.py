"""A real Dagster deployment on loopback for the UI tests: the project's dagster.yaml in a temporary
DAGSTER_HOME, `dagster-webserver` on a free port and `dagster-daemon` (queue, schedules, sensors, backfills),
both loading `pipeline.definitions`, pointed at a simulator and a fresh DuckDB file. Started once."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import httpx
import pytest

from pipeline.instance import apply_pool_limits
from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.server import RunningSimulator, start_in_background

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent


@dataclass
class DagsterUI:
    url: str
    home: Path
    duckdb_path: Path
    simulator: RunningSimulator
    log: Path

    def graphql(self, query: str, **variables: Any) -> dict:
        response = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=60
        )
        assert response.status_code == 200, f"{response.status_code}: {response.text[:2000]}"
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_for(self, what: str, probe, timeout_s: float = 240) -> Any:
        """Poll `probe()` until it returns something truthy; fail with the server log after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(1)
        raise AssertionError(f"timed out waiting for {what}\n{self.log.read_text()[-4000:]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def dagster_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterUI]:
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    simulator = start_in_background(SimulatorConfig(seed=42, scale="small", port=0))
    duckdb_path = home / "domino.duckdb"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DOMINO_API_HOST": simulator.base_url,
        "DOMINO_USER_API_KEY": simulator.admin_key,
        "DOMINO_DUCKDB_PATH": str(duckdb_path),
    }
    for variable in (
        "DOMINO_API_TOKEN",
        "DOMINO_TOKEN_FILE",
        "DOMINO_READ_COPY_PATH",
        "DOMINO_DAGSTER_EXECUTOR",
    ):
        env.pop(variable, None)
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with dg.DagsterInstance.get() as instance:
            apply_pool_limits(instance)
            # Create every SQLite storage now: two servers migrating fresh storages at once can race.
            instance.get_runs(limit=1)
            instance.all_instigator_state()
    finally:
        del os.environ["DAGSTER_HOME"]
    port, log = _free_port(), home / "servers.log"
    target = ["-m", "pipeline.definitions"]
    processes: list[subprocess.Popen] = []
    with log.open("w") as out:
        try:
            webserver = [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), *target]
            processes.append(
                subprocess.Popen(webserver, cwd=home, env=env, stdout=out, stderr=out, start_new_session=True)
            )
            ui = DagsterUI(f"http://127.0.0.1:{port}", home, duckdb_path, simulator, log)

            def serving() -> bool:
                """The webserver answers GraphQL and has loaded the code location."""
                query = {
                    "query": "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }"
                }
                try:
                    response = httpx.post(f"{ui.url}/graphql", json=query, timeout=10)
                except httpx.HTTPError:
                    return False
                if response.status_code != 200:
                    return False
                return bool((response.json().get("data") or {}).get("repositoriesOrError", {}).get("nodes"))

            ui.wait_for("the webserver and its code location", serving, timeout_s=240)
            daemon = [str(BIN / "dagster-daemon"), "run", *target]  # after the webserver: no storage race
            processes.append(
                subprocess.Popen(daemon, cwd=home, env=env, stdout=out, stderr=out, start_new_session=True)
            )
            yield ui
        finally:
            for process in processes:
                _stop(process)
            simulator.stop()
