"""Write-back fixtures: a fresh simulator per test (writes change it), the real CLI in-process, a real
DuckDB file and plans directory under tmp_path."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from typer.testing import CliRunner, Result

from pipeline.cli import app
from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.server import RunningSimulator, start_in_background
from pipeline.writeback.config import DEFAULT_CONFIG

EXAMPLE = Path(__file__).parents[2] / DEFAULT_CONFIG


@dataclass
class Billing:
    """One simulator plus the environment pointing `domino-etl billing` at it."""

    sim: RunningSimulator
    tmp: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def world(self) -> Any:
        return self.sim.world

    @property
    def duckdb_path(self) -> Path:
        return self.tmp / "domino.duckdb"

    @property
    def plans(self) -> Path:
        return self.tmp / "plans"

    def cli(self, *args: str) -> Result:
        return CliRunner().invoke(app, ["billing", *args], catch_exceptions=False)

    def plan(self, config: Path = EXAMPLE) -> tuple[int, dict]:
        result = self.cli("plan", "--config", str(config), "--json")
        return result.exit_code, json.loads(result.stdout)

    def apply(self, plan_hash: str, *flags: str) -> tuple[int, dict]:
        result = self.cli("apply", "--plan", plan_hash, "--json", *flags)
        return result.exit_code, json.loads(result.stdout)

    def config(self, text: str) -> Path:
        path = self.tmp / "billing.yaml"
        path.write_text(textwrap.dedent(text))
        return path

    def http(self, admin: bool = True) -> httpx.Client:
        key = self.sim.admin_key if admin else self.sim.user_key
        return httpx.Client(base_url=self.sim.base_url, headers={"X-Domino-Api-Key": key}, timeout=30)

    def arm_writes(self, **faults: object) -> None:
        httpx.post(f"{self.sim.base_url}/__sim/faults/writes", json=faults).raise_for_status()

    def audit_count(self) -> int:
        return self.world.truth()["audit_events"]

    def newest_events(self, n: int) -> list[dict]:
        with self.http() as api:
            return api.get("/auditevents", params={"sort": "-timestamp", "limit": n}).json()["events"]

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    def log_rows(self) -> list[dict]:
        if not self.duckdb_path.exists():
            return []
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'admin'"
            ).fetchone()[0]
            if not exists:
                return []
            cursor = con.execute("SELECT * FROM admin.writeback_log ORDER BY attempted_at")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def billing_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Billing]]:
    started: list[RunningSimulator] = []

    def make(seed: int = 42, **settings: object) -> Billing:
        sim = start_in_background(SimulatorConfig(seed=seed, scale="small", **settings))  # type: ignore[arg-type]
        started.append(sim)
        monkeypatch.setenv("DOMINO_API_HOST", sim.base_url)
        monkeypatch.setenv("DOMINO_USER_API_KEY", sim.admin_key)
        for name in ("DOMINO_API_TOKEN", "DOMINO_TOKEN_FILE", "DOMINO_ADMIN_API_KEY", "DAGSTER_HOME"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("DOMINO_DUCKDB_PATH", str(tmp_path / "domino.duckdb"))
        monkeypatch.setenv("DOMINO_PLANS_DIR", str(tmp_path / "plans"))
        monkeypatch.setenv("DOMINO_BACKOFF_INITIAL_SECONDS", "0.01")
        monkeypatch.setenv("DOMINO_BACKOFF_MAX_SECONDS", "0.05")
        return Billing(sim, tmp_path, monkeypatch)

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def billing(billing_for: Callable[..., Billing]) -> Billing:
    return billing_for()


EVENTS = {
    ("billing_tag", "create"): "Create Billing Tag",
    ("billing_tag", "reactivate"): "Activate Billing Tag",
    ("billing_tag", "retire"): "Archive Billing Tag",
    ("project_tag", "tag"): "Set Project Billing Tag",
    ("project_tag", "retag"): "Set Project Billing Tag",
    ("project_tag", "untag"): "Reset Project Billing Tag",
    ("budget_default", "set"): "Update Default Budget",
    ("budget_override", "create"): "Create Budget Override",
    ("budget_override", "update"): "Update Budget Override",
    ("budget_override", "delete"): "Delete Budget Override",
    ("alerts", "update"): "Update Budget Alerts Settings",
    ("settings", "update"): "Update Billing Tag Settings",
}


def audit_signature(change: dict) -> tuple[str, str]:
    """(event name, target id or name) the simulator's audit trail records for a change."""
    name = EVENTS[(change["kind"], change["action"])]
    if change["kind"] in ("project_tag", "budget_override"):
        return name, change["key"]
    if change["kind"] == "alerts":
        return name, "alertsSettings"
    if change["kind"] == "settings":
        return name, "mode"
    return name, change["key"]


def event_signature(event: dict) -> tuple[str, str]:
    entity = event["targets"][0]["entity"]
    by_name = entity["entityType"] == "billingTag" or entity["id"] is None
    return event["action"]["eventName"], entity["name"] if by_name else entity["id"]
