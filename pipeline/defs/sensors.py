"""Sensors: publish the read copy after every successful run; alert on failed runs, on budget forecasts
crossing an alert threshold and on newly untagged spend (those two read the read copy, so a sensor never
holds the warehouse's lock)."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
import duckdb

from pipeline.alerts import Alert, send
from pipeline.defs.resources import WarehouseResource
from pipeline.readcopy import publish_for_readers, read_copy_path
from pipeline.spend_alerts import (
    COST_DAILY,
    FORECAST,
    UNTAGGED,
    Check,
    ReadCopyUnavailable,
    budget_check,
    read_copy,
    untagged_check,
)

WILL_RETRY_TAG = "dagster/will_retry"
SPEND_ALERT_INTERVAL_SECONDS = 600
"""The read copy changes after runs only (a few times a day), and a tick is one small query on it."""


@dg.run_status_sensor(
    name="publish_read_copy",
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After each successful run, snapshot the warehouse into the read copy analysts and BI "
    "tools open (data/domino.read.duckdb), swapped in atomically; then, when DOMINO_PARQUET_LAKE_PATH is "
    "set, the Parquet lake (raw, reporting and focus tables, hive-partitioned by day).",
)
def read_copy_sensor(context: dg.RunStatusSensorContext, warehouse: WarehouseResource) -> None:
    for line in publish_for_readers(warehouse.warehouse()):
        context.log.info(f"{line} after run {context.dagster_run.run_id}")


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


def _alert_from_read_copy(
    context: dg.SensorEvaluationContext,
    warehouse: WarehouseResource,
    check: Callable[[duckdb.DuckDBPyConnection, str | None], Check],
    *relations: str,
) -> dg.SensorResult | dg.SkipReason:
    """Run `check` on the read copy, send its new alerts, and keep its cursor (no run is ever requested)."""
    try:
        with read_copy(read_copy_path(warehouse.warehouse().path), *relations) as con:
            result = check(con, context.cursor)
    except ReadCopyUnavailable as missing:
        return dg.SkipReason(str(missing))
    for alert in result.alerts:
        send(alert, context.log)
    return dg.SensorResult(skip_reason=result.summary, cursor=result.cursor)


@dg.sensor(
    name="alert_on_budget_forecast",
    minimum_interval_seconds=SPEND_ALERT_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts when a project's, organization's or billing tag's month-end forecast "
    "(reporting.spend_forecast in the read copy) reaches a higher alert threshold of its Domino budget "
    "(DOMINO_BUDGET_ALERT_THRESHOLDS; 1.0 = over budget), with forecast, budget and crossing date; once per "
    "label, month and threshold (the cursor), for the latest month and the one before. To the sensor's "
    "log in the UI, and DOMINO_ALERT_WEBHOOK_URL when set.",
)
def budget_alert_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    return _alert_from_read_copy(context, warehouse, budget_check, FORECAST)


@dg.sensor(
    name="alert_on_new_untagged_spend",
    minimum_interval_seconds=SPEND_ALERT_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts when a project newly shows spend without a billing tag "
    "(reporting.untagged_spend in the read copy, latest month and the one before), with its owner, "
    "organization and untagged cost; once per project while it stays untagged (the cursor). To the "
    "sensor's log in the UI, and DOMINO_ALERT_WEBHOOK_URL when set.",
)
def untagged_spend_alert_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    return _alert_from_read_copy(context, warehouse, untagged_check, UNTAGGED, COST_DAILY)


@dg.definitions
def sensors() -> dg.Definitions:
    return dg.Definitions(
        sensors=[read_copy_sensor, run_failure_alert, budget_alert_sensor, untagged_spend_alert_sensor]
    )
