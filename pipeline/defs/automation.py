"""Declarative automation of the SQL models: a model follows its inputs, no separate clock.

When a raw table it reads lands new data (a schedule's run, a backfill, a rerun from the UI), the model's
affected partitions are rebuilt on the next evaluation of Dagster's automation sensor: the days that were
reloaded (a daily model reads daily raw partitions day by day) or the whole table (unpartitioned models).
Only the last days the schedules re-pull are followed automatically; older days follow a backfill of
the model itself (`domino-etl run` rebuilds everything it loaded).
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from pipeline.defs.cadence import Cadence, lookback_days


def follow_inputs() -> dg.AutomationCondition:
    """Run when any input updated since this target last ran, once no input is in progress.

    Unlike `eager()` it does not wait for missing inputs: a staging view reads every day of a raw table,
    and days before the first load are missing for good.
    """
    days = max(lookback_days(kind) for kind in Cadence) + 1
    return (
        dg.AutomationCondition.in_latest_time_window(timedelta(days=days))
        & dg.AutomationCondition.any_deps_updated().since_last_handled()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    ).with_label("follows its inputs")
