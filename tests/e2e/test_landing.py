"""The README's story as tests: start the simulator, run the pipeline, query DuckDB, compare with truth."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.domino import ENDPOINTS
from tests.e2e.conftest import PipelineUnderTest
from tests.e2e.notebooks import assert_notebooks_run

Make = Callable[..., PipelineUnderTest]
INVENTORY_TRUTH = {
    # raw table -> the world's collection it mirrors
    "users": "users",
    "organizations": "organizations",
    "hardware_tiers": "hardware_tiers",
    "environments": "environments",
    "projects": "projects",
    "datasets": "datasets",
    "model_apis": "model_apis",
    "model_deployments": "model_deployments",
    "registered_models": "registered_models",
    "apps": "apps",
    "data_sources": "data_sources",
    "ai_gateway_endpoints": "ai_gateway_endpoints",
    "service_accounts": "service_accounts",
    "deployment_targets": "deployment_targets",
    "deployment_target_types": "deployment_target_types",
    "dataset_snapshots": "snapshots",
    "job_goals": "job_goals",
}
CHILD_TRUTH = {
    "project_repositories": "project_repositories",
    "project_goals": "project_goals",
    "project_shared_datasets": "project_shared_datasets",
    "model_api_versions": "model_api_versions",
    "registered_model_versions": "registered_model_versions",
    "app_versions": "app_versions",
    "app_instances": "app_instances",
    "resource_configurations": "resource_configurations",
    "dataset_grants": "dataset_grants",
    "user_credentials": "user_credentials",
    "service_account_tokens": "service_account_tokens",
    "ai_gateway_permissions": "ai_gateway_permissions",
}


def assert_matches_truth(pipeline: PipelineUnderTest) -> None:
    """Every count and daily total the simulator reports equals what landed: nothing lost, nothing twice."""
    truth = pipeline.world.truth()
    for table, collection in INVENTORY_TRUTH.items():
        assert pipeline.scalar(f"SELECT count(*) FROM raw.{table}") == truth["collections"][collection], table
    for table, child in CHILD_TRUTH.items():
        assert pipeline.scalar(f"SELECT count(*) FROM raw.{table}") == truth["children"][child], table
    world = pipeline.world
    active_tags = sum(1 for tag in world.collections["billing_tags"].values() if tag["active"])
    assert pipeline.scalar("SELECT count(*) FROM raw.billing_tags") == active_tags
    assert pipeline.scalar("SELECT count(*) FROM raw.budget_defaults") == truth["budgets"]["defaults"]
    assert pipeline.scalar("SELECT count(*) FROM raw.budget_overrides") == truth["budgets"]["overrides"]
    assert pipeline.scalar("SELECT count(*) FROM raw.budget_alerts_settings") == 1
    assert pipeline.scalar("SELECT count(*) FROM raw.data_source_audit") == len(world.data_source_audit)
    assert pipeline.scalar("SELECT count(*) FROM raw.ai_gateway_audit") == len(world.ai_gateway_audit)
    assert pipeline.scalar("SELECT count(*) FROM raw.jobs") == truth["jobs"]
    assert pipeline.scalar("SELECT count(DISTINCT id) FROM raw.jobs") == truth["jobs"]
    per_project = dict(pipeline.sql("SELECT project_id, count(*) FROM raw.jobs GROUP BY 1"))
    assert per_project == {p: n for p, n in truth["jobs_per_project"].items() if n}
    assert pipeline.scalar("SELECT count(*) FROM raw.audit_events") == truth["audit_events"]
    audit_per_day = dict(
        pipeline.sql("SELECT strftime(event_time, '%Y-%m-%d'), count(*) FROM raw.audit_events GROUP BY 1")
    )
    assert audit_per_day == {d: n for d, n in truth["audit_events_per_day"].items() if n}
    cost_per_day = dict(
        pipeline.sql(
            "SELECT strftime(window_start, '%Y-%m-%d'), sum(total_cost) FROM raw.cost_allocation GROUP BY 1"
        )
    )
    for day, expected in truth["cost_per_day"].items():
        assert cost_per_day.get(day, 0.0) == pytest.approx(expected["total"], abs=1e-3), day
    assert pipeline.scalar("SELECT count(*) FROM raw._rejects") == 0


def assert_no_secret_landed(pipeline: PipelineUnderTest) -> None:
    """Credential and token endpoints land as metadata only: no simulated secret value in any column."""
    text_columns = pipeline.sql(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'raw' "
        "AND data_type IN ('VARCHAR', 'JSON')"
    )
    assert text_columns
    for table, column in text_columns:
        found = pipeline.scalar(
            f'SELECT count(*) FROM raw."{table}" WHERE CAST("{column}" AS VARCHAR) LIKE ?',
            ["%SIMULATED-SECRET%"],
        )
        assert found == 0, f"a secret value landed in raw.{table}.{column}"
    assert pipeline.scalar("SELECT count(*) FROM raw.service_account_tokens") > 0
    assert pipeline.scalar("SELECT count(*) FROM raw.user_credentials") > 0


def test_full_history_lands_every_catalogue_entry_and_matches_the_truth(
    pipeline_for: Make, tmp_path: Path
) -> None:
    pipeline = pipeline_for()
    summary = pipeline.run()
    assert summary.ok, summary.error
    landed = {
        t
        for (t,) in pipeline.sql("SELECT table_name FROM information_schema.tables WHERE table_schema='raw'")
    }
    for endpoint in ENDPOINTS:
        assert endpoint.table.name in landed, endpoint.name
        for child in endpoint.child_tables:
            assert child.name in landed
    assert_matches_truth(pipeline)
    assert_no_secret_landed(pipeline)
    budgets = pipeline.world.budgets
    landed_overrides = pipeline.sql("SELECT label_id, budget_label, budget_limit FROM raw.budget_overrides")
    assert {(i, b["budgetLabel"], b["limit"]) for i, b in budgets.overrides.items()} == set(landed_overrides)
    assert dict(pipeline.sql("SELECT budget_label, budget_limit FROM raw.budget_defaults")) == {
        label: b["limit"] for label, b in budgets.defaults.items()
    }
    assert_notebooks_run(pipeline.duckdb_path, [pipeline.simulator.admin_key], tmp_path)
    # cost reconciles with executions x tier prices, and untagged spend is visible as NULL billing tags
    compute = dict(
        pipeline.sql(
            "SELECT strftime(window_start, '%Y-%m-%d'), sum(cpu_cost + gpu_cost + ram_cost) "
            "FROM raw.cost_allocation WHERE NOT is_idle GROUP BY 1"
        )
    )
    for day, expected in pipeline.world.truth()["execution_cost_per_day"].items():
        assert compute.get(day, 0.0) == pytest.approx(expected, abs=1e-3), day
    assert pipeline.scalar(
        "SELECT count(*) FROM raw.cost_allocation WHERE billing_tag IS NULL AND NOT is_idle"
    )
    assert pipeline.scalar("SELECT count(*) FROM raw.cost_allocation WHERE is_idle") == len(
        pipeline.world.truth()["cost_per_day"]
    )
    # a rerun of the same range changes nothing
    before = pipeline.sql("SELECT count(*), sum(total_cost) FROM raw.cost_allocation")
    assert pipeline.run().ok
    assert pipeline.sql("SELECT count(*), sum(total_cost) FROM raw.cost_allocation") == before
    assert_matches_truth(pipeline)


def test_the_seed_envelope_and_seed_job_form_land_the_same_data(pipeline_for: Make) -> None:
    pipeline = pipeline_for(envelope="seed", jobs_form="seed")
    assert pipeline.run().ok
    assert_matches_truth(pipeline)
    # the seed's job form carries hardware tier and environment; every job then has them
    assert pipeline.scalar("SELECT count(*) FROM raw.jobs WHERE hardware_tier_id IS NULL") == 0


def test_real_job_form_leaves_tier_and_environment_null(pipeline_for: Make) -> None:
    pipeline = pipeline_for(jobs_form="real")
    end = pipeline.world.end.date()
    assert pipeline.run(end - timedelta(days=3), end, groups=["projects", "jobs"]).ok
    assert pipeline.scalar("SELECT count(*) FROM raw.jobs") > 0
    assert pipeline.scalar("SELECT count(hardware_tier_id) FROM raw.jobs") == 0
    assert pipeline.scalar("SELECT count(*) FROM raw.jobs WHERE project_id IS NULL") == 0
