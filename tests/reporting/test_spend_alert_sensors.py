"""The budget and untagged-spend sensors, evaluated as the daemon does (`build_sensor_context`, the cursor
carried from tick to tick) on real read copies of the shared reports load: one of the warehouse as it
stood earlier (data through 2026-10-13, before one untagged project had spent), then one of the whole load.
Alerts go to a webhook on loopback; each crossing and each newly untagged project alerts once."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline.defs.reporting import MODELS
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.sensors import budget_alert_sensor, untagged_spend_alert_sensor
from pipeline.readcopy import publish_read_copy
from pipeline.reporting import build_models
from pipeline.spend_alerts import budget_check, read_copy, untagged_check
from pipeline.warehouse import Warehouse
from tests.ops.webhook import Webhook, webhook_receiver
from tests.reporting.conftest import Reports
from tests.reporting.test_budget_reports import daily_spend, expected_budget

pytestmark = pytest.mark.xdist_group("reports")
OCTOBER = date(2026, 10, 1)
EARLIER = date(2026, 10, 14)
"""The earlier warehouse holds cost through 2026-10-13."""


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def newcomer(reports: Reports) -> str:
    """The untagged project the earlier warehouse has no spend for (the one that spent least)."""
    return str(
        reports.scalar(
            "SELECT project_id FROM reporting.untagged_spend ORDER BY untagged_cost_usd, project_id LIMIT 1"
        )
    )


@pytest.fixture(scope="module")
def earlier(reports: Reports, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse as it stood earlier: cost through 2026-10-13, none yet for `newcomer`; models rebuilt."""
    path = tmp_path_factory.mktemp("earlier") / "domino.duckdb"
    shutil.copy(reports.duckdb_path, path)
    with duckdb.connect(str(path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        for table in ("cost_allocation", "cost_allocation_summary", "cost_assets"):
            con.execute(f"DELETE FROM raw.{table} WHERE window_start >= ?", [_utc(EARLIER)])
        for table in ("cost_allocation", "cost_allocation_summary"):
            con.execute(f"DELETE FROM raw.{table} WHERE project_id = ?", [newcomer(reports)])
        build_models(con, MODELS)
    return path


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the sensors find the read copy (DOMINO_READ_COPY_PATH); nothing is published there yet."""
    path = tmp_path / "read" / "domino.read.duckdb"
    monkeypatch.setenv("DOMINO_READ_COPY_PATH", str(path))
    return path


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch):
    with webhook_receiver() as receiver:
        monkeypatch.setenv("DOMINO_ALERT_WEBHOOK_URL", receiver.url)
        yield receiver


class Ticks:
    """Evaluates one sensor tick after tick, carrying its cursor the way the daemon does."""

    def __init__(self, sensor: dg.SensorDefinition, warehouse: Path, hook: Webhook) -> None:
        self.sensor, self.hook, self.cursor = sensor, hook, None
        self.resources = {"warehouse": WarehouseResource(path=str(warehouse))}

    def tick(self) -> tuple[list[dict], str]:
        """Evaluate once; return the alerts the webhook received and the tick's skip message."""
        seen = len(self.hook.received)
        context = dg.build_sensor_context(cursor=self.cursor, resources=self.resources)
        result = self.sensor(context)
        if isinstance(result, dg.SensorResult):
            assert not result.run_requests
            self.cursor = result.cursor
            message = result.skip_reason.skip_message  # type: ignore[union-attr]
        else:
            message = result.skip_message
        return self.hook.received[seen:], message or ""


def forecast_levels(path: Path) -> dict[tuple[str, str, str], dict]:
    """The read copy's watched rows (latest month and the one before) at an alert threshold, by key."""
    query = (
        "SELECT strftime(month, '%Y-%m'), label_type, label_id, label_name, list_max(thresholds_forecast), "
        "forecast_usd, budget_usd, crossing_date, crossing_is_forecast FROM reporting.spend_forecast "
        "WHERE month >= (SELECT max(month) - INTERVAL 1 MONTH FROM reporting.spend_forecast) "
        "AND budget_usd IS NOT NULL AND len(thresholds_forecast) > 0"
    )
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(query).fetchall()
    return {
        (m, t, i): {
            "label_name": n,
            "threshold": th,
            "forecast": f,
            "budget": b,
            "crossing": c,
            "is_forecast": fc,
        }
        for m, t, i, n, th, f, b, c, fc in rows
    }


def assert_alerts_match(alerts: list[dict], expected: dict[tuple[str, str, str], dict]) -> None:
    got = {(a["details"]["month"], a["details"]["label_type"], a["details"]["label_id"]): a for a in alerts}
    assert len(got) == len(alerts), "one alert per label and month"
    assert set(got) == set(expected)
    for key, alert in got.items():
        row, details = expected[key], alert["details"]
        assert alert["kind"] == "budget"
        assert details["label_name"] == row["label_name"] and row["label_name"] in alert["title"]
        assert details["threshold"] == row["threshold"]
        assert details["forecast_usd"] == pytest.approx(float(row["forecast"]), abs=0.006)
        assert details["budget_usd"] == pytest.approx(float(row["budget"]), abs=0.006)
        crossing = row["crossing"].isoformat() if row["crossing"] else None
        assert details["crossing_date"] == crossing
        if crossing:
            assert crossing in alert["title"] and details["crossing_is_forecast"] == row["is_forecast"]
        assert (" over its " in alert["title"]) == (row["threshold"] >= 1.0), alert["title"]


def test_the_budget_sensor_alerts_each_new_crossing_once(
    reports: Reports, earlier: Path, copy: Path, hook: Webhook
) -> None:
    ticks = Ticks(budget_alert_sensor, reports.duckdb_path, hook)
    publish_read_copy(Warehouse(earlier), copy)
    before = forecast_levels(copy)
    first, message = ticks.tick()
    assert_alerts_match(first, before)
    assert f"{len(first)} new budget alert(s)" in message
    assert any(a["details"]["threshold"] >= 1.0 and a["details"]["crossing_date"] for a in first)

    again, message = ticks.tick()
    assert again == [] and message.startswith("0 new budget alert(s)"), "the same data alerts nothing twice"

    publish_read_copy(Warehouse(reports.duckdb_path), copy)  # the later loads arrive: October is complete
    after = forecast_levels(copy)
    risen = {k: row for k, row in after.items() if row["threshold"] > before.get(k, {}).get("threshold", 0.0)}
    assert any(row["threshold"] >= 1.0 for row in risen.values()), "a new crossing came with the later days"
    later, _ = ticks.tick()
    assert_alerts_match(later, risen)
    assert ticks.tick()[0] == []

    # the simulator's planted budgets: every project October's spend took over its budget was alerted
    over = {
        pid
        for pid, days in daily_spend(reports, "project-id", OCTOBER, date(2026, 11, 1)).items()
        if (limit := expected_budget(reports, "Project", pid)[0]) is not None and sum(days.values()) >= limit
    }
    assert over, "the simulator's world has projects over budget in October"
    alerted = {
        a["details"]["label_id"]
        for a in first + later
        if a["details"]["month"] == "2026-10" and a["details"]["label_type"] == "Project"
    }
    assert over <= alerted
    assert reports.simulator.admin_key not in json.dumps(hook.received)


def test_the_untagged_sensor_alerts_when_a_project_newly_spends_untagged(
    reports: Reports, earlier: Path, copy: Path, hook: Webhook
) -> None:
    ticks = Ticks(untagged_spend_alert_sensor, reports.duckdb_path, hook)
    new_project = newcomer(reports)
    publish_read_copy(Warehouse(earlier), copy)
    first, message = ticks.tick()
    watched = {
        r[0]
        for r in reports.sql("SELECT project_id FROM reporting.untagged_spend WHERE month >= '2026-09-01'")
    }
    assert {a["details"]["project_id"] for a in first} == watched - {new_project}
    untagged = {pid for pid, p in reports.world.collections["projects"].items() if not p.get("billingTag")}
    assert watched <= untagged, "the simulator left exactly these projects untagged"
    assert first and message.startswith(f"{len(first)} newly untagged project(s)")
    assert ticks.tick()[0] == [], "a re-tick on the same data alerts nothing"

    publish_read_copy(Warehouse(reports.duckdb_path), copy)
    (alert,) = ticks.tick()[0]
    project = reports.world.collections["projects"][new_project]
    details = alert["details"]
    assert alert["kind"] == "untagged_spend" and details["project_id"] == new_project
    assert details["project_name"] == project["name"] and project["name"] in alert["title"]
    assert details["owner_name"] and details["owner_name"] in alert["title"]
    expected_usd = reports.scalar(
        "SELECT sum(untagged_cost_usd) FROM reporting.untagged_spend WHERE project_id = ? AND month >= ?",
        [new_project, date(2026, 9, 1)],
    )
    assert details["untagged_cost_usd"] == pytest.approx(float(expected_usd), abs=0.006)  # type: ignore[arg-type]
    assert details["months"] == ["2026-09", "2026-10"] and details["current_billing_tag"] is None
    assert ticks.tick()[0] == []
    assert reports.simulator.admin_key not in json.dumps(hook.received)


def test_a_burst_is_spread_over_ticks_without_losing_or_repeating_an_alert(
    reports: Reports, copy: Path
) -> None:
    publish_read_copy(Warehouse(reports.duckdb_path), copy)
    with read_copy(
        copy, "reporting.spend_forecast", "reporting.untagged_spend", "reporting.cost_daily"
    ) as con:
        for check in (budget_check, untagged_check):
            everything = check(con, None).alerts
            cursor, spread = None, []
            while True:
                result = check(con, cursor, limit=2)
                assert len(result.alerts) <= 2
                cursor = result.cursor
                if not result.alerts:
                    break
                spread += result.alerts
            assert len(everything) > 2
            assert sorted(a.title for a in spread) == sorted(a.title for a in everything)


def test_no_read_copy_or_no_report_is_a_skip_not_a_crash(reports: Reports, copy: Path, hook: Webhook) -> None:
    resources = {"warehouse": WarehouseResource(path=str(reports.duckdb_path))}
    for sensor in (budget_alert_sensor, untagged_spend_alert_sensor):
        result = sensor(dg.build_sensor_context(resources=resources))
        assert isinstance(result, dg.SkipReason) and "no read copy" in (result.skip_message or "")
    copy.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(copy)).close()  # a copy published before any report was built
    for sensor, table in (
        (budget_alert_sensor, "spend_forecast"),
        (untagged_spend_alert_sensor, "untagged_spend"),
    ):
        result = sensor(dg.build_sensor_context(cursor='{"projects": ["p"]}', resources=resources))
        assert isinstance(result, dg.SkipReason), "a skip keeps the cursor it was given"
        assert f"reporting.{table} is not in the read copy" in (result.skip_message or "")
    assert hook.received == []
