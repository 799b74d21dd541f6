"""focus.cost_and_usage on the simulated world: the official validator passes its export, Parquet keeps
it intact, its totals are Domino's, and each of its checks fails on planted bad rows."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.defs.reporting import CHECKS, MODELS
from pipeline.focus.export import export_focus
from pipeline.focus.spec import TABLE
from pipeline.focus.validator import KNOWN_VALIDATOR_DEFECTS, validate
from pipeline.reporting import ALL_TIME, Window, build_model, evaluate
from pipeline.warehouse import Warehouse
from tests.reporting.conftest import Reports

pytestmark = pytest.mark.xdist_group("reports")
ORDER = "ORDER BY ChargePeriodStart, x_AllocationKey"


def _export(reports: Reports, fmt: str, out: Path) -> Path:
    export_focus(Warehouse(reports.duckdb_path), reports.start, reports.end, fmt, out)  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_export_passes_the_official_focus_validator(reports: Reports, tmp_path: Path, fmt: str) -> None:
    report = validate(_export(reports, fmt, tmp_path / f"focus.{fmt}"))
    assert report.unexpected_failures == (), report.output[-4000:]
    assert report.failed_rules == tuple(KNOWN_VALIDATOR_DEFECTS)  # the rule no dataset can pass
    assert report.passed >= 160 and report.total == report.passed + report.failed + report.skipped


def test_a_broken_export_fails_the_official_focus_validator(reports: Reports, tmp_path: Path) -> None:
    good = _export(reports, "parquet", tmp_path / "good.parquet")
    broken = tmp_path / "broken.parquet"
    with duckdb.connect() as con:  # a null mandatory cost on the idle rows, a category FOCUS does not know
        con.execute(
            "COPY (SELECT * REPLACE (CASE WHEN x_IsIdle THEN NULL ELSE BilledCost END AS BilledCost, "
            f"'Consumption' AS ChargeCategory) FROM read_parquet('{good}')) TO '{broken}'"
        )
    report = validate(broken)
    assert report.failed > len(KNOWN_VALIDATOR_DEFECTS)
    assert {"BilledCost-C-003-M", "ChargeCategory-C-003-M"} <= set(report.unexpected_failures)


def test_parquet_round_trip_keeps_types_and_values(reports: Reports, tmp_path: Path) -> None:
    out = _export(reports, "parquet", tmp_path / "focus.parquet")
    with duckdb.connect(str(reports.duckdb_path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        table_types = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {TABLE})").fetchall()
        file_types = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE FROM '{out}')").fetchall()
        assert file_types == [(c, "VARCHAR" if t == "JSON" else t) for c, t in table_types]
        assert {t for _, t in table_types} >= {"DECIMAL(18,6)", "TIMESTAMP WITH TIME ZONE", "DATE", "BOOLEAN"}
        in_table = con.execute(
            f"SELECT * REPLACE (CAST(Tags AS VARCHAR) AS Tags) FROM {TABLE} {ORDER}"
        ).fetchall()
        in_file = con.execute(f"SELECT * FROM '{out}' {ORDER}").fetchall()
    assert len(in_file) > 1000 and in_file == in_table


def test_csv_spells_focus_date_times_and_keeps_every_cent(reports: Reports, tmp_path: Path) -> None:
    out = _export(reports, "csv", tmp_path / "focus.csv")
    with duckdb.connect(str(reports.duckdb_path), read_only=True) as con:
        rows = con.execute(
            f"SELECT ChargePeriodStart, ChargePeriodEnd, BillingPeriodStart, BilledCost, Tags "
            f"FROM read_csv('{out}', all_varchar = true)"
        ).fetchall()
        total = con.execute(f"SELECT sum(BilledCost) FROM {TABLE}").fetchone()[0]
    focus_datetime = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00Z$")
    assert all(focus_datetime.match(value) for row in rows for value in row[:3])
    assert sum(Decimal(row[3]) for row in rows) == total
    assert any(row[4] and '"dominodatalab.com/billing-tag"' in row[4] for row in rows)


def test_focus_totals_equal_the_allocation_total_of_every_day(reports: Reports) -> None:
    focus = dict(reports.sql(f"SELECT x_ChargeDate, sum(BilledCost) FROM {TABLE} GROUP BY 1"))
    allocation = dict(
        reports.sql(
            "SELECT CAST(timezone('UTC', window_start) AS DATE), sum(CAST(total_cost AS DECIMAL(18, 6))) "
            "FROM raw.cost_allocation GROUP BY 1"
        )
    )
    assert focus == allocation
    truth = reports.world.truth()["cost_per_day"]
    assert {day.isoformat() for day in focus} == set(truth)
    for day, cost in focus.items():
        assert float(cost) == pytest.approx(truth[day.isoformat()]["total"], abs=1e-3), day


def test_the_export_selects_its_days_and_the_command_writes_the_file(
    reports: Reports, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = reports.end - timedelta(days=5)
    out = tmp_path / "one-day.parquet"
    monkeypatch.setenv("DOMINO_DUCKDB_PATH", str(reports.duckdb_path))
    command = ["export", "focus", "--start", day.isoformat(), "--end", (day + timedelta(days=1)).isoformat()]
    result = CliRunner().invoke(app, [*command, "--format", "parquet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    expected = reports.scalar(f"SELECT count(*) FROM {TABLE} WHERE x_ChargeDate = ?", [day])
    assert f"Wrote {expected:,} FOCUS rows" in result.output
    with duckdb.connect() as con:
        assert con.execute(f"SELECT DISTINCT x_ChargeDate FROM '{out}'").fetchall() == [(day,)]


PLANTS = {
    # check -> (SQL that breaks the first idle row, or the first project row for a missing SubAccountName;
    #           what the check must say about it)
    "focus_mandatory_columns_not_null": [
        ("SET ConsumedQuantity = NULL", "ConsumedQuantity"),
        ("SET PricingUnit = NULL, BillingAccountId = NULL", "BillingAccountId, PricingUnit"),
        ("SET SubAccountName = NULL", "SubAccountName"),  # on a project's row
        ("SET SubAccountType = 'Domino Project'", "SubAccountType"),  # on the idle row (no project)
    ],
    "focus_periods_valid": [
        ("SET ChargePeriodEnd = ChargePeriodStart - INTERVAL 1 DAY", "ChargePeriodStart is not before"),
        ("SET ChargePeriodEnd = ChargePeriodEnd - INTERVAL 1 SECOND", "is not one day"),
        ("SET ChargePeriodStart = ChargePeriodStart + INTERVAL 2 HOUR", "is not one day"),
        ("SET BillingPeriodEnd = BillingPeriodEnd + INTERVAL 1 DAY", "is not the UTC month"),
        (
            "SET BillingPeriodStart = BillingPeriodStart + INTERVAL 1 MONTH, "
            "BillingPeriodEnd = BillingPeriodEnd + INTERVAL 1 MONTH",
            "is not the UTC month",
        ),
        ("SET x_ChargeDate = x_ChargeDate + 1", "does not overlap its UTC day"),
    ],
    "focus_allowed_values": [
        ("SET ServiceCategory = 'Compute'", "ServiceCategory"),
        ("SET ServiceSubcategory = 'Containers'", "ServiceSubcategory"),
        ("SET ChargeClass = 'Refund', ChargeFrequency = 'Daily'", "ChargeClass, ChargeFrequency"),
        ("SET PricingCategory = 'Spot', BillingCurrency = 'usd'", "PricingCategory, BillingCurrency"),
        ("SET Tags = '\"CC-1001\"'", "Tags"),
    ],
}
CASES = [(check, plant, says) for check, plants in PLANTS.items() for plant, says in plants]


@pytest.mark.parametrize(("check_name", "plant", "says"), CASES, ids=[f"{c}:{s}" for c, _, s in CASES])
def test_each_focus_check_fails_on_a_planted_bad_row_and_names_it(
    reports: Reports, check_name: str, plant: str, says: str
) -> None:
    check = next(c for c in CHECKS[TABLE] if c.name == check_name)
    idle = "SubAccountName = NULL" not in plant
    with duckdb.connect(str(reports.duckdb_path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        target = con.execute(
            f"SELECT x_AllocationKey, x_ChargeDate FROM {TABLE} WHERE x_IsIdle = ? {ORDER} LIMIT 1", [idle]
        ).fetchone()
        con.execute("BEGIN TRANSACTION")
        con.execute(f"UPDATE {TABLE} {plant} WHERE x_AllocationKey = ? AND x_ChargeDate = ?", list(target))
        outcome = evaluate(con, check, ALL_TIME)
        con.execute("ROLLBACK")
    assert outcome.failing == 1, outcome.examples
    assert outcome.examples[0]["x_AllocationKey"] == target[0]
    assert says in str(outcome.examples[0])


def test_a_one_day_rebuild_replaces_that_day_only(reports: Reports, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(reports.duckdb_path, copy)
    model = next(m for m in MODELS if m.relation == TABLE)
    day = reports.end - timedelta(days=4)
    with duckdb.connect(str(copy)) as con:
        con.execute("SET TimeZone = 'UTC'")
        before = con.execute(f"SELECT * FROM {TABLE} {ORDER}").fetchall()
        result = build_model(con, model, Window(day, day + timedelta(days=1)))
        after = con.execute(f"SELECT * FROM {TABLE} {ORDER}").fetchall()
        that_day = con.execute(f"SELECT count(*) FROM {TABLE} WHERE x_ChargeDate = ?", [day]).fetchone()
    assert (result.mode, result.rows_written) == ("incremental", that_day[0])
    assert after == before


def test_local_midnight_cost_windows_stay_valid_focus(reports: Reports, tmp_path: Path) -> None:
    """A Kubecost two hours west of UTC serves the 2026-10-01 day as 09-30T22:00Z..10-01T22:00Z: the
    charge period is that true window, booked on the requested day, and FOCUS still holds."""
    copy = tmp_path / "local-midnight.duckdb"
    shutil.copy(reports.duckdb_path, copy)
    model = next(m for m in MODELS if m.relation == TABLE)
    with duckdb.connect(str(copy)) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(
            "UPDATE raw.cost_allocation SET window_start = window_start - INTERVAL 2 HOUR, "
            "window_end = window_end - INTERVAL 2 HOUR"
        )
        build_model(con, model)
        outcomes = [evaluate(con, check, ALL_TIME) for check in CHECKS[TABLE]]
        first = con.execute(f"SELECT ChargePeriodStart, x_ChargeDate FROM {TABLE} {ORDER} LIMIT 1").fetchone()
    assert [(o.check.name, o.examples) for o in outcomes if not o.passed] == []
    assert first[0].hour == 22 and first[0].date() == first[1] - timedelta(days=1)
    out = export_focus(Warehouse(copy), reports.start, reports.end, "parquet", tmp_path / "f.parquet").path
    assert validate(out).failed_rules == tuple(KNOWN_VALIDATOR_DEFECTS)
