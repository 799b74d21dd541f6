"""Every load check can fail: each is evaluated on a real load from the simulator, then on the same load with
a bad row planted, and must say so (naming the offending keys or days)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest

from pipeline.defs.checks import (
    FRESHNESS,
    SERVER_COUNT,
    SIBLING_TOTAL,
    UNIQUE_KEY,
    evaluate,
    evaluate_load,
)
from pipeline.domino import CATALOGUE, DominoClient, DominoSettings
from pipeline.extract import Extraction, LoadReport
from pipeline.warehouse import Warehouse
from tests.e2e.conftest import PipelineUnderTest

Make = Callable[..., PipelineUnderTest]


@pytest.fixture
def loaded(pipeline_for: Make) -> Iterator[tuple[PipelineUnderTest, Warehouse, dict[str, LoadReport]]]:
    """Projects, jobs, cost and audit of two days landed through the extraction engine."""
    pipeline = pipeline_for()
    end = pipeline.world.end.date()
    start = end - timedelta(days=2)
    warehouse = Warehouse(pipeline.duckdb_path)
    reports = {}
    with DominoClient(DominoSettings.from_env()) as client:
        extraction = Extraction(client, warehouse, "checks")
        for name in ("projects", "jobs", "cost_allocation", "cost_allocation_summary", "audit_events"):
            reports[name] = extraction.run(CATALOGUE[name], start, end)
    yield pipeline, warehouse, reports


def results(checks: list[dg.AssetCheckResult]) -> dict[str, dg.AssetCheckResult]:
    return {c.check_name: c for c in checks}


def plant(pipeline: PipelineUnderTest, sql: str) -> None:
    with duckdb.connect(str(pipeline.duckdb_path)) as con:
        con.execute(sql)


def test_unique_key_fails_on_a_duplicated_row_and_names_it(loaded) -> None:
    pipeline, warehouse, reports = loaded
    spec = CATALOGUE["audit_events"].table
    key = dg.AssetKey(["raw", spec.name])
    assert results(evaluate(warehouse, spec, key, reports["audit_events"]))[UNIQUE_KEY].passed
    plant(pipeline, "INSERT INTO raw.audit_events SELECT * FROM raw.audit_events LIMIT 1")
    failed = results(evaluate(warehouse, spec, key, reports["audit_events"]))[UNIQUE_KEY]
    assert not failed.passed and failed.metadata["duplicate_keys"].value == 1
    assert failed.metadata["examples"].value[0]["copies"] == 2


def test_audit_rows_must_match_the_servers_count(loaded) -> None:
    pipeline, warehouse, reports = loaded
    endpoint, report = CATALOGUE["audit_events"], reports["audit_events"]
    key = dg.AssetKey(["raw", "audit_events"])
    assert len(report.server_totals) == 2
    assert results(evaluate_load(warehouse, endpoint, key, report))[SERVER_COUNT].passed
    plant(
        pipeline,
        "DELETE FROM raw.audit_events WHERE event_key IN (SELECT event_key FROM raw.audit_events LIMIT 3)",
    )
    failed = results(evaluate_load(warehouse, endpoint, key, report))[SERVER_COUNT]
    assert not failed.passed and failed.metadata["days_off"].value >= 1


def test_the_summary_must_match_the_allocation_per_day(loaded) -> None:
    pipeline, warehouse, reports = loaded
    endpoint, report = CATALOGUE["cost_allocation_summary"], reports["cost_allocation_summary"]
    key = dg.AssetKey(["raw", "cost_allocation_summary"])
    assert results(evaluate_load(warehouse, endpoint, key, report))[SIBLING_TOTAL].passed
    plant(
        pipeline,
        "UPDATE raw.cost_allocation_summary SET total_cost = total_cost + 50 WHERE name = '__idle__'",
    )
    failed = results(evaluate_load(warehouse, endpoint, key, report))[SIBLING_TOTAL]
    assert not failed.passed and failed.metadata["days_off"].value == 2


def test_a_job_of_an_unknown_project_fails_project_known(loaded) -> None:
    pipeline, warehouse, reports = loaded
    spec = CATALOGUE["jobs"].table
    key = dg.AssetKey(["raw", "jobs"])
    assert results(evaluate(warehouse, spec, key, reports["jobs"]))["project_known"].passed
    plant(
        pipeline,
        "UPDATE raw.jobs SET project_id = 'ffffffffffffffffffffffff' "
        "WHERE id = (SELECT min(id) FROM raw.jobs)",
    )
    failed = results(evaluate(warehouse, spec, key, reports["jobs"]))["project_known"]
    assert not failed.passed and failed.metadata["unknown_projects"].value == 1


def test_freshness_warns_on_old_partitions_and_passes_on_todays(loaded) -> None:
    pipeline, warehouse, reports = loaded
    endpoint = CATALOGUE["cost_allocation"]
    key = dg.AssetKey(["raw", "cost_allocation"])
    stale = results(evaluate_load(warehouse, endpoint, key, reports["cost_allocation"]))[FRESHNESS]
    assert not stale.passed and stale.severity == dg.AssetCheckSeverity.WARN  # the world ended on 2026-11-01
    today = datetime.now(UTC).date()
    plant(
        pipeline, f"UPDATE raw.cost_allocation SET _partition_date = DATE '{today}' WHERE name = '__idle__'"
    )
    assert results(evaluate_load(warehouse, endpoint, key, reports["cost_allocation"]))[FRESHNESS].passed


def test_too_many_rejects_fail_the_run_through_a_blocking_check(
    pipeline_for: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_PAGE_SIZE", "5")  # one wrong-typed event per page: 20% of the records
    pipeline = pipeline_for(fault_rate=1.0, faults=("wrong_type",))
    end = pipeline.world.end.date()
    summary = pipeline.run(end - timedelta(days=1), end, groups=["audit"])
    assert not summary.ok
    assert "reject_share on raw/audit_events" in " ".join(summary.notes)
    rejected = pipeline.scalar("SELECT count(*) FROM raw._rejects WHERE \"table\" = 'audit_events'")
    assert rejected > 10 and pipeline.scalar("SELECT count(*) FROM raw.audit_events") > 0  # nothing lost
