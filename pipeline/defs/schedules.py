"""Daily schedules: yesterday's cost, audit and jobs partitions, and a fresh inventory snapshot."""

import dagster as dg

from pipeline.defs.extract import EXTRACT_ASSETS

inventory_job = dg.define_asset_job(
    "domino_inventory",
    selection=dg.AssetSelection.assets(*[a for a in EXTRACT_ASSETS if not a.partitions_def]),
    description="Replace every inventory table and append today's snapshot to its *_history table.",
)
daily_job = dg.define_asset_job(
    "domino_daily",
    selection=dg.AssetSelection.assets(*[a for a in EXTRACT_ASSETS if a.partitions_def]),
    description="Cost allocation, allocation summary, assets, audit events and jobs for one UTC day.",
)


@dg.definitions
def schedules() -> dg.Definitions:
    return dg.Definitions(
        jobs=[inventory_job, daily_job],
        schedules=[
            dg.ScheduleDefinition(job=inventory_job, cron_schedule="15 1 * * *", execution_timezone="UTC"),
            dg.build_schedule_from_partitioned_job(daily_job, hour_of_day=2, minute_of_hour=0),
        ],
    )
