"""Monthly, untagged, idle, chargeback and reconciliation reports against the simulator's world; the
chargeback statements export; the demo's headline figures."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipeline.defs.reporting import MODELS
from pipeline.reporting import build_models
from pipeline.reporting.headlines import headlines
from tests.reporting.conftest import Reports

pytestmark = pytest.mark.xdist_group("reports")
CLI = Path(sys.executable).with_name("domino-etl")


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def world_spend(reports: Reports, label: str, start: date, end: date) -> dict[str, float]:
    """The simulator's own spend per label value over [start, end) (one accumulated allocation)."""
    rows = reports.world.cost_allocation(_utc(start), _utc(end), [label], True)
    return {r["name"]: r["totalCost"] for r in rows}


def months(reports: Reports) -> list[date]:
    return [m for (m,) in reports.sql("SELECT DISTINCT month FROM reporting.cost_monthly ORDER BY 1")]


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def test_cost_monthly_adds_up_per_dimension_and_matches_the_world_per_project(reports: Reports) -> None:
    daily = dict(
        reports.sql(
            "SELECT date_trunc('month', day)::date, sum(total_cost_usd) FROM reporting.cost_daily GROUP BY 1"
        )
    )
    for month, dimension, total in reports.sql(
        "SELECT month, dimension, sum(cost_usd) FROM reporting.cost_monthly GROUP BY ALL"
    ):
        assert total == daily[month], (month, dimension)
    assert [m.month for m in months(reports)] == [8, 9, 10]
    for month in months(reports):
        start = max(month, reports.start)
        truth = world_spend(reports, "project-id", start, month_end(month))
        ours = dict(
            reports.sql(
                "SELECT dimension_value, cost_usd FROM reporting.cost_monthly "
                "WHERE month = ? AND dimension = 'project'",
                [month],
            )
        )
        assert ours.pop("__idle__") > 0
        assert set(ours) == {k for k, v in truth.items() if not k.startswith("__") and v}
        for project, cost in ours.items():
            assert float(cost) == pytest.approx(truth[project], abs=2e-3), (month, project)
    # closed months, and month-over-month change against the previous month's row
    assert reports.sql("SELECT DISTINCT is_closed FROM reporting.cost_monthly") == [(True,)]
    rows = reports.sql(
        "SELECT cur.change_usd, cur.cost_usd - prev.cost_usd FROM reporting.cost_monthly AS cur "
        "JOIN reporting.cost_monthly AS prev ON prev.month = cur.month - INTERVAL 1 MONTH "
        "AND prev.dimension = cur.dimension AND prev.dimension_value = cur.dimension_value"
    )
    assert rows and all(change == expected for change, expected in rows)


def test_untagged_spend_is_the_spend_of_the_projects_the_simulator_left_untagged(reports: Reports) -> None:
    untagged = {pid for pid, p in reports.world.collections["projects"].items() if not p.get("billingTag")}
    truth = world_spend(reports, "project-id", reports.start, reports.end)
    expected = {pid: truth[pid] for pid in untagged if truth.get(pid)}
    assert expected, "the small world has untagged projects with spend"
    ours = dict(
        reports.sql("SELECT project_id, sum(untagged_cost_usd) FROM reporting.untagged_spend GROUP BY 1")
    )
    assert set(ours) == set(expected)
    for project, cost in ours.items():
        assert float(cost) == pytest.approx(expected[project], abs=2e-3)
    owners = dict(reports.sql("SELECT DISTINCT project_id, owner_name FROM reporting.untagged_spend"))
    for project in ours:
        assert owners[project] == reports.world.collections["projects"][project]["ownerUsername"]
    assert (
        reports.scalar("SELECT count(*) FROM reporting.untagged_spend WHERE current_billing_tag IS NOT NULL")
        == 0
    )
    share = reports.scalar(
        "SELECT max(abs(share_of_month_pct - 100 * untagged_cost_usd / month_total_usd)) "
        "FROM reporting.untagged_spend"
    )
    assert share < 1e-3


def test_idle_cost_is_the_idle_row_and_its_share_of_the_nodes_cost(reports: Reports) -> None:
    truth = reports.world.truth()["cost_per_day"]
    rows = reports.sql(
        "SELECT strftime(day, '%Y-%m-%d'), idle_usd, allocation_total_usd, asset_total_usd, idle_share_pct "
        "FROM reporting.idle_cost"
    )
    assert {r[0] for r in rows} == set(truth)
    for day, idle, allocation, assets, share in rows:
        assert float(idle) == pytest.approx(truth[day]["idle"], abs=1e-3), day
        assert float(allocation) == pytest.approx(truth[day]["total"], abs=1e-3), day
        assert float(assets) == pytest.approx(float(allocation), abs=1e-3), day  # the nodes bill the whole
        assert share == pytest.approx(100 * float(idle) / float(assets), abs=1e-3)


def test_chargeback_lines_add_up_to_each_month_exactly_and_split_pools_by_the_rule(
    reports: Reports, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    totals = dict(
        reports.sql(
            "SELECT date_trunc('month', day)::date, sum(total_cost_usd) FROM reporting.cost_daily GROUP BY 1"
        )
    )
    lines = reports.sql(
        "SELECT month, direct_usd, shared_usd, idle_usd, total_usd FROM reporting.chargeback_monthly"
    )
    by_month: dict[date, Decimal] = defaultdict(Decimal)
    for month, direct, shared, idle, total in lines:
        assert direct + shared + idle == total
        by_month[month] += total
    assert by_month == totals  # Decimal equality: not a micro-dollar lost or invented
    idle_pool = dict(
        reports.sql(
            "SELECT date_trunc('month', day)::date, sum(total_cost_usd) FROM reporting.cost_daily "
            "WHERE is_idle GROUP BY 1"
        )
    )
    proportional = reports.sql(
        "SELECT month, direct_usd, idle_usd FROM reporting.chargeback_monthly "
        "WHERE share_rule = 'proportional'"
    )
    direct_total = defaultdict(Decimal)
    for month, direct, _ in proportional:
        direct_total[month] += max(direct, Decimal(0))
    for month, direct, idle in proportional:
        assert float(idle) == pytest.approx(
            float(idle_pool[month] * max(direct, Decimal(0)) / direct_total[month]), abs=2e-6
        )
    # the `even` rule on a copy: every line of a month carries the same idle share (to one micro-dollar)
    copy = tmp_path / "even.duckdb"
    shutil.copy(reports.duckdb_path, copy)
    monkeypatch.setenv("DOMINO_CHARGEBACK_RULE", "even")
    with duckdb.connect(str(copy)) as con:
        con.execute("SET TimeZone = 'UTC'")
        chargeback = [m for m in MODELS if m.relation == "reporting.chargeback_monthly"]
        build_models(con, chargeback)
        spread = con.execute(
            "SELECT month, max(idle_usd) - min(idle_usd), sum(total_usd), min(share_rule), max(share_rule) "
            "FROM reporting.chargeback_monthly GROUP BY month"
        ).fetchall()
    for month, gap, total, rule_min, rule_max in spread:
        assert gap <= Decimal("0.000001") and total == totals[month] and rule_min == rule_max == "even"


def test_export_chargeback_writes_a_statement_per_cost_centre_and_a_summary(
    reports: Reports, tmp_path: Path
) -> None:
    env = {**os.environ, "DOMINO_DUCKDB_PATH": str(reports.duckdb_path)}
    out = tmp_path / "statements"
    done = subprocess.run(
        [str(CLI), "export", "chargeback", "--month", "2026-10", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    centres = {
        c
        for (c,) in reports.sql(
            "SELECT DISTINCT cost_centre FROM reporting.chargeback_monthly WHERE month = '2026-10-01'"
        )
    }
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(
        [f"chargeback-2026-10-{c}.csv" for c in centres] + ["chargeback-2026-10-summary.csv"]
    )
    with (out / "chargeback-2026-10-summary.csv").open() as f:
        summary = {row["cost_centre"]: row for row in csv.DictReader(f)}
    month_total = reports.scalar(
        "SELECT sum(total_cost_usd) FROM reporting.cost_daily "
        "WHERE day >= '2026-10-01' AND day < '2026-11-01'"
    )
    assert Decimal(summary.pop("TOTAL")["total_usd"]) == month_total
    for centre, row in summary.items():
        with (out / f"chargeback-2026-10-{centre}.csv").open() as f:
            statement = list(csv.DictReader(f))
        assert sum(Decimal(line["total_usd"]) for line in statement) == Decimal(row["total_usd"])
        assert int(row["projects"]) == len(statement)
    missing = subprocess.run(
        [str(CLI), "export", "chargeback", "--month", "2025-01", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert missing.returncode == 1
    assert "no chargeback lines for 2025-01; months available: 2026-08, 2026-09, 2026-10" in missing.stderr
    bad = subprocess.run(
        [str(CLI), "export", "chargeback", "--month", "October", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode != 0 and "YYYY-MM" in bad.stderr


def test_cost_reconciliation_agrees_with_the_summary_and_the_run_records_every_day(reports: Reports) -> None:
    truth = reports.world.truth()
    rows = reports.sql(
        "SELECT strftime(day, '%Y-%m-%d'), allocation_total_usd, summary_total_usd, "
        "summary_minus_allocation_usd, allocation_runs_usd, run_record_total_usd, run_records, "
        "run_minus_allocation_usd FROM reporting.cost_reconciliation"
    )
    assert {r[0] for r in rows} == set(truth["cost_per_day"])
    for day, allocation, summary, difference, allocated_runs, run_total, runs, run_difference in rows:
        assert float(allocation) == pytest.approx(truth["cost_per_day"][day]["total"], abs=1e-3)
        assert difference == summary - allocation == 0, day
        assert run_difference == run_total - allocated_runs
        assert abs(run_difference) < Decimal("0.01"), day  # rounding of the rows only
        assert runs > 0 or allocated_runs == 0
    assert sum(float(r[5]) for r in rows) == pytest.approx(truth["run_cost_total"], abs=0.05)


def test_headline_figures_come_from_the_reports(reports: Reports) -> None:
    with duckdb.connect(str(reports.duckdb_path), read_only=True) as con:
        lines = headlines(con)
    text = "\n".join(lines)
    assert "Top spenders, 2026-10 (closed):" in text
    top = reports.scalar(
        "SELECT dimension_name FROM reporting.cost_monthly "
        "WHERE month = '2026-10-01' AND dimension = 'project' "
        "AND dimension_value NOT IN ('__idle__', '__unallocated__') ORDER BY cost_usd DESC LIMIT 1"
    )
    assert lines[1].split()[0] == top
    untagged = reports.scalar(
        "SELECT 100 * sum(total_cost_usd) FILTER (WHERE billing_tag IS NULL AND NOT is_idle) "
        "/ sum(total_cost_usd) FROM reporting.cost_daily"
    )
    assert f"({float(untagged):.1f}%)" in text
    idle = reports.scalar("SELECT 100 * sum(idle_usd) / sum(cluster_cost_usd) FROM reporting.idle_cost")
    assert f"({float(idle):.1f}% of the cluster's cost)" in text
