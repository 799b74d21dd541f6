"""Sensors: publish the read copy after every successful run, and alert on failed runs (then: budgets and
untagged spend, read from the read copy so that sensors never hold the warehouse)."""

from __future__ import annotations

import dagster as dg

from pipeline.alerts import Alert, send
from pipeline.defs.resources import WarehouseResource
from pipeline.readcopy import publish_read_copy

WILL_RETRY_TAG = "dagster/will_retry"


@dg.run_status_sensor(
    name="publish_read_copy",
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After each successful run, snapshot the warehouse into the read copy analysts and BI "
    "tools open (data/domino.read.duckdb), swapped in atomically.",
)
def read_copy_sensor(context: dg.RunStatusSensorContext, warehouse: WarehouseResource) -> None:
    published = publish_read_copy(warehouse.warehouse())
    context.log.info(f"{published.describe()} after run {context.dagster_run.run_id}")


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A run that failed for good (not one about to be retried) raises an alert: the sensor's "
    "log in the UI, and the webhook in DOMINO_ALERT_WEBHOOK_URL when set.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    if run.tags.get(WILL_RETRY_TAG) == "true":
        context.log.info(f"run {run.run_id} of {run.job_name} failed and will be retried: no alert yet")
        return
    steps = sorted({event.step_key for event in context.get_step_failure_events() if event.step_key})
    error = context.failure_event.message or ""
    send(
        Alert(
            "run_failure",
            f"run of {run.job_name} failed",
            {"run_id": run.run_id, "failed_steps": ", ".join(steps) or "none", "error": error[:500]},
        ),
        context.log,
    )


@dg.definitions
def sensors() -> dg.Definitions:
    return dg.Definitions(sensors=[read_copy_sensor, run_failure_alert])
