"""Schedules: the inventory several times a day; cost, audit and jobs daily, each re-pulling its lookback.

A daily schedule asks for the last N complete UTC days (N from `cadence.lookback_days`) as ONE run over
the partition range: every daily asset has a single-run backfill policy, so a run (or a UI backfill of
any range) loads its days in one process, in order, under one DuckDB writer. Runs that crash are retried
by the instance (`run_retries` in dagster.yaml) from the failed step.
"""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

from pipeline.defs.cadence import Cadence, cadence, lookback_days
from pipeline.defs.extract import EXTRACT_ASSETS, asset_key
from pipeline.defs.partitions import daily_partitions
from pipeline.domino import ENDPOINTS

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
"""Dagster's tags for a run over a partition range (as `dagster asset materialize --partition-range` sets)."""

RETRY_TAGS = {"dagster/max_retries": "2", "dagster/retry_strategy": "FROM_FAILURE"}
"""A run whose worker dies (OOM, node lost, deploy) is re-executed from the failed step, twice at most."""

INVENTORY_CRON = "15 */6 * * *"
DAILY_CRON = {Cadence.COST: "0 2 * * *", Cadence.AUDIT: "30 2 * * *", Cadence.JOBS: "0 3 * * *"}
"""Early morning UTC, after the day closed; staggered so the single DuckDB writer takes them in turn."""


def _keys(kind: Cadence) -> list[dg.AssetKey]:
    return [
        asset_key(table.name)
        for endpoint in ENDPOINTS
        if cadence(endpoint) is kind
        for table in (endpoint.table, *endpoint.child_tables)
    ]


def _fan_out_parents(kind: Cadence) -> list[dg.AssetKey]:
    """The inventory tables the daily assets of `kind` fan out from (jobs are listed per project)."""
    return [
        asset_key(endpoint.parent.parent)  # type: ignore[union-attr]
        for endpoint in ENDPOINTS
        if cadence(endpoint) is kind and endpoint.parent is not None
    ]


inventory_job = dg.define_asset_job(
    "domino_inventory",
    selection=dg.AssetSelection.assets(*[a for a in EXTRACT_ASSETS if not a.partitions_def]),
    description="Replace every inventory table and append today's snapshot to its *_history table.",
    tags=RETRY_TAGS,
)

DAILY_JOBS = {
    kind: dg.define_asset_job(
        f"domino_{kind}_daily",
        # The fan-out parents run first in the same run, so jobs are always listed from today's projects.
        selection=dg.AssetSelection.assets(*_fan_out_parents(kind), *_keys(kind)),
        partitions_def=daily_partitions,
        description=f"The {kind} tables for a range of UTC days (the schedule: the last "
        f"`{kind}` lookback days), as one run.",
        tags=RETRY_TAGS,
    )
    for kind in Cadence
}


def lookback_window(kind: Cadence, today: date) -> tuple[date, date] | None:
    """[first, last] days a run on `today` re-pulls, clipped to the first partition; None if empty."""
    last = today - timedelta(days=1)
    first = max(today - timedelta(days=lookback_days(kind)), daily_partitions.start.date())
    return (first, last) if first <= last else None


def range_tags(first: date, last: date) -> dict[str, str]:
    """Tags that make one run cover the daily partitions first..last (inclusive)."""
    return {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()}


def daily_schedule(kind: Cadence) -> dg.ScheduleDefinition:
    """The early-morning schedule of `kind`: one run over its lookback window."""

    @dg.schedule(
        name=f"domino_{kind}_daily_schedule",
        job=DAILY_JOBS[kind],
        cron_schedule=DAILY_CRON[kind],
        execution_timezone="UTC",
        description=f"Daily at {DAILY_CRON[kind]} (cron, UTC): re-pull the last N complete days of {kind} "
        f"data, N from `DOMINO_LOOKBACK_DAYS_{kind.upper()}`.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        window = lookback_window(kind, context.scheduled_execution_time.date())
        if window is None:
            return dg.SkipReason(f"no complete day of {kind} data since the first partition yet")
        first, last = window
        return dg.RunRequest(
            run_key=f"{kind}:{first}..{last}",
            tags={**range_tags(first, last), "domino/lookback_days": str((last - first).days + 1)},
        )

    return _schedule


inventory_schedule = dg.ScheduleDefinition(
    name="domino_inventory_schedule",
    job=inventory_job,
    cron_schedule=INVENTORY_CRON,
    execution_timezone="UTC",
    description="Every six hours (00:15, 06:15, 12:15, 18:15 UTC): a fresh snapshot of the inventory.",
)
DAILY_SCHEDULES = [daily_schedule(kind) for kind in Cadence]


@dg.definitions
def schedules() -> dg.Definitions:
    return dg.Definitions(
        jobs=[inventory_job, *DAILY_JOBS.values()], schedules=[inventory_schedule, *DAILY_SCHEDULES]
    )
