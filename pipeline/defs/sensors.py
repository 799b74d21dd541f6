"""Sensors: publish the read copy after every successful run (then: failures, budgets, untagged spend)."""

from __future__ import annotations

import dagster as dg

from pipeline.defs.resources import WarehouseResource
from pipeline.readcopy import publish_read_copy


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


@dg.definitions
def sensors() -> dg.Definitions:
    return dg.Definitions(sensors=[read_copy_sensor])
