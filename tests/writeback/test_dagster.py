"""The Dagster surface: jobs `billing_plan` and `billing_apply` with typed config, their metadata, the
sensor that re-materialises what an apply changed; and no secret in any output, file, table or event."""

from __future__ import annotations

import logging

import dagster as dg
import duckdb
import pytest

from pipeline.definitions import defs
from pipeline.defs.resources import DominoResource, WarehouseResource
from pipeline.defs.writeback import (
    billing_apply,
    billing_plan,
    refresh_after_billing_apply,
    refresh_assets,
)
from tests.writeback.conftest import EXAMPLE, Billing


def _resources(billing: Billing) -> dict:
    return {"domino": DominoResource(), "warehouse": WarehouseResource(path=str(billing.duckdb_path))}


def _apply_config(plan_hash: str, **extra: object) -> dict:
    return {"ops": {"apply_billing_plan": {"config": {"plan": plan_hash, **extra}}}}


def _output_metadata(instance: dg.DagsterInstance, run_id: str) -> dict:
    (record,) = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_OUTPUT)
    return {k: v.value for k, v in record.dagster_event.step_output_data.metadata.items()}


def _sensor_requests(instance: dg.DagsterInstance, run_id: str) -> list:
    event = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)[0].dagster_event
    context = dg.build_run_status_sensor_context(
        sensor_name=refresh_after_billing_apply.name,
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
    )
    result = refresh_after_billing_apply(context)
    return list(result) if result is not None else []


def test_jobs_are_in_the_code_location() -> None:
    definitions = defs()
    for name in ("billing_plan", "billing_apply", "billing_refresh"):
        assert definitions.resolve_job_def(name).name == name
    assert definitions.resolve_sensor_def("refresh_after_billing_apply") is not None


def test_plan_and_apply_jobs_then_the_sensor_refreshes_the_changed_tables(billing: Billing) -> None:
    instance = dg.DagsterInstance.ephemeral()
    resources = _resources(billing)
    planned = billing_plan.execute_in_process(
        run_config={"ops": {"make_billing_plan": {"config": {"config_path": str(EXAMPLE)}}}},
        instance=instance,
        resources=resources,
    )
    plan_hash = planned.output_for_node("make_billing_plan")
    meta = _output_metadata(instance, planned.run_id)
    assert meta["plan_hash"] == plan_hash and meta["changes"] == 15
    assert meta["plan"].startswith("| # | object | action | before → after | why |")
    assert "CC-1005 → RISK-2027" in meta["plan"] and (billing.plans / f"{plan_hash}.json").exists()

    dry = billing_apply.execute_in_process(
        run_config=_apply_config(plan_hash), instance=instance, resources=resources
    )
    assert dry.success and dry.output_for_node("apply_billing_plan") == []
    assert _output_metadata(instance, dry.run_id)["outcome"] == "dry_run"
    (skip,) = _sensor_requests(instance, dry.run_id)
    assert isinstance(skip, dg.SkipReason)

    applied = billing_apply.execute_in_process(
        run_config=_apply_config(plan_hash, yes=True), instance=instance, resources=resources
    )
    tables = applied.output_for_node("apply_billing_plan")
    assert tables == [
        "billing_tags",
        "budget_alerts_settings",
        "budget_defaults",
        "budget_overrides",
        "projects",
    ]
    meta = _output_metadata(instance, applied.run_id)
    assert (
        meta["outcome"] == "applied"
        and meta["applied"] == 15
        and "via read credential" in meta["write_identity"]
    )
    (request,) = _sensor_requests(instance, applied.run_id)
    assert isinstance(request, dg.RunRequest) and request.run_key == applied.run_id
    assert sorted(k.path[-1] for k in request.asset_selection) == tables

    refreshed = dg.materialize(refresh_assets(tables), instance=instance, resources=resources)
    assert refreshed.success
    assert {e.asset_key.path[-1] for e in refreshed.get_asset_materialization_events()} == set(tables)
    with duckdb.connect(str(billing.duckdb_path), read_only=True) as con:
        assert con.execute(
            "SELECT budget_limit FROM raw.budget_defaults WHERE budget_label = 'Project'"
        ).fetchall() == [(500.0,)]


def test_a_refused_apply_fails_the_run_with_the_reason(billing: Billing) -> None:
    instance = dg.DagsterInstance.ephemeral()
    code, plan = billing.plan()
    assert code == 0
    with billing.http() as api:
        api.put("/v4/cost/budgets/defaults/Organization", json={"limit": 1})
    result = billing_apply.execute_in_process(
        run_config=_apply_config(plan["hash"], yes=True),
        instance=instance,
        resources=_resources(billing),
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "drift" in failure.step_failure_data.error.message
    assert failure.step_failure_data.user_failure_data.metadata["outcome"].value == "refused"


def test_no_secret_in_outputs_plans_duckdb_logs_or_dagster_events(
    billing: Billing, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = (billing.sim.admin_key, billing.sim.user_key)
    outputs = []
    plan = billing.cli("plan", "--json")
    outputs.append(plan.output)
    plan_hash = plan.stdout.split('"hash": "')[1].split('"')[0]
    billing.monkeypatch.setenv("DOMINO_ADMIN_API_KEY", billing.sim.user_key)  # refused with a 403
    outputs.append(billing.cli("apply", "--plan", plan_hash, "--yes").output)
    billing.monkeypatch.setenv("DOMINO_ADMIN_API_KEY", billing.sim.admin_key)
    outputs.append(billing.cli("apply", "--plan", plan_hash, "--yes").output)
    instance = dg.DagsterInstance.ephemeral()
    billing_plan.execute_in_process(instance=instance, resources=_resources(billing))
    billing_apply.execute_in_process(
        run_config=_apply_config(plan_hash, yes=True), instance=instance, resources=_resources(billing)
    )
    texts = outputs + [r.getMessage() for r in caplog.records]
    texts += [p.read_text() for p in billing.plans.glob("*.json")]
    for run in instance.get_runs():
        texts += [str(record) for record in instance.all_logs(run.run_id)]
        texts.append(str(run.run_config))
    with duckdb.connect(str(billing.duckdb_path), read_only=True) as con:
        columns = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type IN ('VARCHAR', 'JSON')"
        ).fetchall()
        assert ("admin", "writeback_log", "error") in columns
        for schema, table, column in columns:
            texts += [str(v) for (v,) in con.execute(f'SELECT "{column}" FROM {schema}."{table}"').fetchall()]
    assert any("HTTP 403" in t for t in texts) and any("DOMINO_ADMIN_API_KEY" in t for t in texts)
    leaks = [t[:200] for t in texts for s in secrets if s in t]
    assert leaks == []
