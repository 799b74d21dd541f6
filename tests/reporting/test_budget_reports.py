"""Budgets and efficiency against the simulator's world: Domino's own budgets (defaults and overrides),
the month-end forecast and crossing date (closed and partial months), configurable alert thresholds,
and Kubecost's efficiency from the allocation's usage and request averages."""

from __future__ import annotations

import math
import shutil
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipeline.defs.reporting import MODELS
from pipeline.reporting import build_models
from tests.reporting.conftest import Reports

pytestmark = pytest.mark.xdist_group("reports")
OCTOBER = date(2026, 10, 1)
CUT = date(2026, 10, 21)
"""The partial-month scenario: data through 2026-10-20."""


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def daily_spend(reports: Reports, label: str, start: date, end: date) -> dict[str, dict[date, float]]:
    """The world's spend per label value and day over [start, end), idle left out."""
    rows = reports.world.cost_allocation(_utc(start), _utc(end), [label], False)
    spend: dict[str, dict[date, float]] = defaultdict(dict)
    for row in rows:
        if not row["name"].startswith("__"):
            day = date.fromisoformat(row["window"]["start"][:10])
            spend[row["name"]][day] = row["totalCost"]
    return spend


def label_ids(reports: Reports) -> dict[str, dict[str, str]]:
    """Budget label type -> {label value on cost rows -> the id budgets use}."""
    world = reports.world
    return {
        "Project": {pid: pid for pid in world.collections["projects"]},
        "Organization": {o["name"]: o["id"] for o in world.collections["organizations"].values()},
        # Domino lists (and so gives the id of) active tags only; an archived tag stays its name
        "BillingTag": {
            t["tag"]: t["tagId"] if t.get("active", True) else t["tag"]
            for t in world.collections["billing_tags"].values()
        },
    }


LABELS = {"Project": "project-id", "Organization": "organization-name", "BillingTag": "billing-tag"}


def expected_budget(reports: Reports, label_type: str, label_id: str) -> tuple[float | None, str | None]:
    budgets = reports.world.budgets
    override = budgets.overrides.get(label_id)
    if override and override["budgetLabel"] == label_type:
        return override["limit"], "override"
    default = budgets.defaults[label_type]["limit"]
    return default, "default" if default is not None else None


def forecast_rows(con_or_reports, month: date) -> dict[tuple[str, str], tuple]:
    query = (
        "SELECT label_type, label_id, spend_to_date_usd, forecast_usd, budget_usd, budget_source, "
        "crossing_date, crossing_is_forecast, through_day, is_closed, thresholds_reached, "
        "thresholds_forecast "
        "FROM reporting.spend_forecast WHERE month = ?"
    )
    if isinstance(con_or_reports, Reports):
        rows = con_or_reports.sql(query, [month])
    else:
        rows = con_or_reports.execute(query, [month]).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_closed_month_forecast_is_the_actual_spend_against_dominos_budgets(reports: Reports) -> None:
    ours = forecast_rows(reports, OCTOBER)
    ids = label_ids(reports)
    checked_overrides = 0
    for label_type, label in LABELS.items():
        spend = daily_spend(reports, label, OCTOBER, date(2026, 11, 1))
        for value, days in spend.items():
            label_id = ids[label_type][value]
            spend_usd, forecast, budget, source, crossing, is_forecast, through, closed, *_ = ours[
                (label_type, label_id)
            ]
            total = sum(days.values())
            assert float(spend_usd) == pytest.approx(total, abs=2e-3) and forecast == spend_usd
            assert closed and through == date(2026, 10, 31)
            limit, expected_source = expected_budget(reports, label_type, label_id)
            assert (None if budget is None else float(budget), source) == (limit, expected_source)
            checked_overrides += source == "override"
            if limit is None:
                assert crossing is None
                continue
            running, crossed = 0.0, None
            for day in sorted(days):
                running += days[day]
                if crossed is None and running >= limit - 1e-6:
                    crossed = day
            assert crossing == crossed, (label_type, value)
            assert is_forecast is (False if crossed else None)
    assert checked_overrides == len(reports.world.budgets.overrides)


@pytest.fixture(scope="module")
def partial_month(reports: Reports, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the warehouse whose data stops on 2026-10-20, every model rebuilt in full."""
    path = tmp_path_factory.mktemp("partial") / "domino.duckdb"
    shutil.copy(reports.duckdb_path, path)
    with duckdb.connect(str(path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        for table in ("cost_allocation", "cost_allocation_summary", "cost_assets"):
            con.execute(f"DELETE FROM raw.{table} WHERE window_start >= ?", [_utc(CUT)])
        build_models(con, MODELS)
    return path


def test_partial_month_forecast_runs_the_last_seven_days_to_month_end_and_dates_the_crossing(
    reports: Reports, partial_month: Path
) -> None:
    with duckdb.connect(str(partial_month), read_only=True) as con:
        ours = forecast_rows(con, OCTOBER)
    ids = label_ids(reports)
    forecast_crossings = 0
    for label_type, label in LABELS.items():
        spend = daily_spend(reports, label, OCTOBER - timedelta(days=7), CUT)
        for value, days in spend.items():
            to_date = sum(v for d, v in days.items() if d >= OCTOBER)
            if not any(d >= OCTOBER for d in days):
                continue
            rate = sum(v for d, v in days.items() if d >= CUT - timedelta(days=7)) / 7
            label_id = ids[label_type][value]
            spend_usd, forecast, budget, _, crossing, is_forecast, through, closed, *_ = ours[
                (label_type, label_id)
            ]
            assert not closed and through == CUT - timedelta(days=1)
            assert float(spend_usd) == pytest.approx(to_date, abs=2e-3)
            assert float(forecast) == pytest.approx(to_date + rate * 11, abs=5e-3), (label_type, value)
            if budget is None or crossing is None or not is_forecast:
                continue
            forecast_crossings += 1
            days_to_budget = math.ceil((float(budget) - float(spend_usd)) / float(rate))
            assert crossing == through + timedelta(days=days_to_budget)
            assert through < crossing <= date(2026, 10, 31)
    assert forecast_crossings, "some label is forecast to cross its budget later in the month"


def test_alert_thresholds_are_configurable(
    reports: Reports, partial_month: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "thresholds.duckdb"
    shutil.copy(partial_month, copy)
    monkeypatch.setenv("DOMINO_BUDGET_ALERT_THRESHOLDS", "0.6,1.2")
    with duckdb.connect(str(copy)) as con:
        con.execute("SET TimeZone = 'UTC'")
        build_models(con, [m for m in MODELS if m.relation == "reporting.spend_forecast"])
        rows = con.execute(
            "SELECT spend_to_date_usd, forecast_usd, budget_usd, thresholds_reached, thresholds_forecast "
            "FROM reporting.spend_forecast WHERE budget_usd IS NOT NULL"
        ).fetchall()
    assert rows
    for spend, forecast, budget, reached, forecast_reached in rows:
        assert reached == [t for t in (0.6, 1.2) if float(spend) >= t * float(budget)]
        assert forecast_reached == [t for t in (0.6, 1.2) if float(forecast) >= t * float(budget)]
    assert any(reached for *_, reached, _ in rows)


def test_efficiency_is_usage_over_request_as_kubecost_defines_it(reports: Reports) -> None:
    rows = reports.world.cost_allocation(
        _utc(reports.start), _utc(reports.end), ["project-id", "starting-user-username"], False
    )
    expected = {}
    for row in rows:
        if row["name"].startswith("__"):
            continue
        project, user = row["name"].split("/")
        day = date.fromisoformat(row["window"]["start"][:10])
        cpu = row["cpuCoreUsageAverage"] / row["cpuCoreRequestAverage"]
        ram = row["ramByteUsageAverage"] / row["ramByteRequestAverage"]
        total = (cpu * row["cpuCost"] + ram * row["ramCost"]) / (row["cpuCost"] + row["ramCost"])
        expected[(day, project, user)] = (cpu, ram, total)
    ours = {
        (r[0], r[1], r[2]): r[3:]
        for r in reports.sql(
            "SELECT day, project_id, user_name, cpu_efficiency, ram_efficiency, total_efficiency "
            "FROM reporting.efficiency"
        )
    }
    assert set(ours) == set(expected)
    spread = {round(v[0], 2) for v in ours.values()}
    assert len(spread) > 5, "usage varies between workloads"
    for key, (cpu, ram, total) in expected.items():
        assert ours[key] == pytest.approx((cpu, ram, total), rel=1e-3, abs=1e-4), key


def test_headline_compares_the_latest_month_with_its_budgets(reports: Reports) -> None:
    from pipeline.reporting.headlines import forecast_vs_budget

    with duckdb.connect(str(reports.duckdb_path), read_only=True) as con:
        lines = forecast_vs_budget(con)
    over, budgeted = reports.sql(
        "SELECT count(*) FILTER (WHERE forecast_usd > budget_usd), count(*) FROM reporting.spend_forecast "
        "WHERE month = ? AND budget_usd IS NOT NULL",
        [OCTOBER],
    )[0]
    assert over > 0
    assert lines[0].startswith(f"Budgets, 2026-10: {over} of {budgeted} budgeted labels forecast over budget")
    assert len(lines) == 1 + min(over, 3)
