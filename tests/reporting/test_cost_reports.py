"""Reports against the simulator's ground truth, built by real Dagster materializations on a small world;
and every check of every model seen failing on a planted bad input."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from pipeline.defs.reporting import CHECKS, MODELS
from pipeline.reporting import ALL_TIME, evaluate
from pipeline.reporting.checks import KEY_CHECK
from tests.reporting.conftest import Reports

pytestmark = pytest.mark.xdist_group("reports")
FILE_CHECKS = [c for checks in CHECKS.values() for c in checks if c.name != KEY_CHECK]
KEYED = [m for m in MODELS if m.key]


def test_every_check_passes_on_the_simulated_world(reports: Reports) -> None:
    evaluations = reports.build.get_asset_check_evaluations()
    assert {(e.asset_key.to_user_string(), e.check_name) for e in evaluations} == {
        (c.relation.replace(".", "/"), c.name) for checks in CHECKS.values() for c in checks
    }
    failed = [(e.asset_key.to_user_string(), e.check_name, e.metadata) for e in evaluations if not e.passed]
    assert failed == []


def test_cost_daily_equals_the_allocation_total_of_every_day(reports: Reports) -> None:
    daily = dict(
        reports.sql(
            "SELECT strftime(day, '%Y-%m-%d'), sum(total_cost_usd) FROM reporting.cost_daily GROUP BY 1"
        )
    )
    truth = reports.world.truth()["cost_per_day"]
    assert set(daily) == set(truth)
    for day, expected in truth.items():
        assert float(daily[day]) == pytest.approx(expected["total"], abs=1e-3), day
    assert reports.scalar("SELECT DISTINCT currency FROM reporting.cost_daily") == "USD"
    assert (
        reports.scalar("SELECT typeof(total_cost_usd) FROM reporting.cost_daily LIMIT 1") == "DECIMAL(18,6)"
    )


def test_one_day_incremental_rebuild_touches_that_day_only(reports: Reports) -> None:
    day = reports.end - timedelta(days=3)
    before = reports.sql("SELECT * FROM reporting.cost_daily ORDER BY day, allocation_key")
    result = reports.materialize(day, day + timedelta(days=1))
    assert result.success
    metadata = {
        e.asset_key.to_user_string(): e.step_materialization_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    assert metadata["reporting/cost_daily"]["mode"].value == "incremental"
    assert metadata["reporting/cost_daily"]["rows_written"].value == reports.scalar(
        "SELECT count(*) FROM reporting.cost_daily WHERE day = ?", [day]
    )
    assert reports.sql("SELECT * FROM reporting.cost_daily ORDER BY day, allocation_key") == before


@pytest.mark.parametrize("check", FILE_CHECKS, ids=lambda c: f"{c.relation}:{c.name}")
def test_every_check_fails_on_its_planted_bad_input_and_names_the_offending_rows(
    reports: Reports, check
) -> None:
    with duckdb.connect(str(reports.duckdb_path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        assert evaluate(con, check, ALL_TIME).passed
        con.execute("BEGIN TRANSACTION")
        for statement in check.plant.split(";"):
            if statement.strip():
                con.execute(statement)
        outcome = evaluate(con, check, ALL_TIME)
        con.execute("ROLLBACK")
    assert not outcome.passed
    assert outcome.examples and outcome.failing >= len(outcome.examples)


@pytest.mark.parametrize("model", KEYED, ids=lambda m: m.relation)
def test_every_key_check_fails_on_a_planted_duplicate_and_null_key(reports: Reports, model) -> None:
    check = next(c for c in CHECKS[model.relation] if c.name == KEY_CHECK)
    key = ", ".join(model.key)
    with duckdb.connect(str(reports.duckdb_path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("BEGIN TRANSACTION")
        if model.materialization == "view":  # a view's input is its definition: make it repeat a row
            con.execute(
                f"CREATE OR REPLACE VIEW {model.relation} AS SELECT * FROM ({model.sql}) "
                f"UNION ALL (SELECT * FROM ({model.sql}) ORDER BY {key} LIMIT 1)"
            )
        else:
            con.execute(
                f"INSERT INTO {model.relation} (SELECT * FROM {model.relation} ORDER BY {key} LIMIT 1)"
            )
            con.execute(
                f"INSERT INTO {model.relation} (SELECT * REPLACE (NULL AS {model.key[-1]}) "
                f"FROM {model.relation} LIMIT 1)"
            )
        outcome = evaluate(con, check, ALL_TIME)
        con.execute("ROLLBACK")
    assert not outcome.passed, model.relation
    assert any(example["copies"] == 2 for example in outcome.examples)
    assert set(model.key) <= set(outcome.examples[0])


def test_a_failed_check_names_the_offending_keys_in_its_dagster_metadata(reports: Reports, tmp_path) -> None:
    import shutil

    from tests.reporting.conftest import materialize_models

    copy = tmp_path / "planted.duckdb"
    shutil.copy(reports.duckdb_path, copy)
    day = reports.end - timedelta(days=2)
    with duckdb.connect(str(copy)) as con:  # Domino sent one allocation row twice
        con.execute(
            "CREATE TEMP TABLE twin AS SELECT * FROM raw.cost_allocation WHERE window_start = ? LIMIT 1",
            [day],
        )
        con.execute("INSERT INTO raw.cost_allocation SELECT * FROM twin")
        twin = con.execute("SELECT name FROM twin").fetchone()[0]
    result = materialize_models(copy, day, day + timedelta(days=1))
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.asset_key.to_user_string(), e.check_name) for e in failed] == [
        ("staging/cost_allocation", KEY_CHECK)
    ]
    assert failed[0].metadata["failing_rows"].value == 1
    assert failed[0].metadata["offending"].value == [
        {"day": day.isoformat(), "allocation_key": twin, "copies": 2}
    ]
