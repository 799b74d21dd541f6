"""The Dagster code location loads, and every catalogue entry became an asset with a check and a group."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipeline.definitions import defs
from pipeline.domino import ENDPOINTS

CLI = Path(sys.executable).with_name("domino-etl")


def test_code_location_has_an_asset_per_table_and_the_schedules() -> None:
    definitions = defs()
    keys = {key for asset in definitions.assets for key in asset.keys}  # type: ignore[union-attr]
    for endpoint in ENDPOINTS:
        for spec in (endpoint.table, *endpoint.child_tables):
            assert dg.AssetKey(["raw", spec.name]) in keys
    checked = {key.asset_key for asset in definitions.assets for key in asset.check_keys}  # type: ignore[union-attr]
    assert dg.AssetKey(["raw", "cost_allocation"]) in checked
    assert {s.name for s in definitions.schedules} == {  # type: ignore[union-attr]
        "domino_inventory_schedule",
        "domino_cost_daily_schedule",
        "domino_audit_daily_schedule",
        "domino_jobs_daily_schedule",
    }
    daily = [a for a in definitions.assets if a.partitions_def]  # type: ignore[union-attr]
    names = {key.path[-1] for asset in daily for key in asset.keys}
    assert {"cost_allocation", "cost_allocation_summary", "audit_events", "jobs"} <= names


def test_the_sensors_run_by_default_and_say_what_they_watch() -> None:
    sensors = {s.name: s for s in defs().sensors}  # type: ignore[union-attr]
    ours = {
        "publish_read_copy",
        "alert_on_run_failure",
        "alert_on_budget_forecast",
        "alert_on_new_untagged_spend",
    }
    assert ours <= set(sensors)
    for name in ours:
        assert sensors[name].default_status is dg.DefaultSensorStatus.RUNNING, name
        assert sensors[name].description, name
    for name in ("alert_on_budget_forecast", "alert_on_new_untagged_spend"):
        assert 300 <= sensors[name].minimum_interval_seconds <= 900, "a cheap read, every 5-15 minutes"  # type: ignore[operator]
        assert "read copy" in sensors[name].description  # type: ignore[operator]


def test_every_cli_command_has_help() -> None:
    for command in (
        [],
        ["simulator"],
        ["run"],
        ["demo"],
        ["billing"],
        ["billing", "plan"],
        ["billing", "apply"],
    ):
        result = subprocess.run([str(CLI), *command, "--help"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


def test_run_rejects_a_backwards_window() -> None:
    result = subprocess.run(
        [str(CLI), "run", "--start", "2026-10-02", "--end", "2026-10-01"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--end must be after --start" in result.stderr + result.stdout
