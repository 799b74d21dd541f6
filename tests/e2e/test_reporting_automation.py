"""Reporting follows its inputs by declarative automation: after the cost schedule's run lands raw cost days,
Dagster's automation requests the staging view, then the report's recent days (nothing older, nothing that
did not change), and once they ran, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import dagster as dg

from pipeline.definitions import defs
from pipeline.defs.schedules import range_tags
from tests.e2e.conftest import PipelineUnderTest

COST_DAILY = dg.AssetKey(["reporting", "cost_daily"])
STAGING_COST = dg.AssetKey(["staging", "cost_allocation"])
STAGING_PROJECTS = dg.AssetKey(["staging", "projects"])


def test_a_raw_cost_load_triggers_the_staging_view_and_the_recent_report_days(
    pipeline_for: Callable[..., PipelineUnderTest],
) -> None:
    pipeline = pipeline_for()
    definitions = defs()
    instance = dg.DagsterInstance.ephemeral()
    end = pipeline.world.end
    now = end + timedelta(hours=3)
    reporting = dg.AssetSelection.groups("staging", "reporting")
    baseline = dg.evaluate_automation_conditions(definitions, instance, reporting, evaluation_time=now)
    assert baseline.total_requested == 0, "nothing changed yet: nothing to build"

    first, last = (end - timedelta(days=3)).date(), (end - timedelta(days=1)).date()
    job = definitions.resolve_job_def("domino_cost_daily")
    assert job.execute_in_process(instance=instance, tags=range_tags(first, last)).success
    after_load = dg.evaluate_automation_conditions(
        definitions, instance, reporting, evaluation_time=now, cursor=baseline.cursor
    )
    assert after_load.get_requested_partitions(STAGING_COST) == {None}
    assert after_load.get_num_requested(STAGING_PROJECTS) == 0, "projects did not change"
    assert after_load.get_num_requested(COST_DAILY) == 0, "waits for the view (a different partitioning)"
    assets = [a for a in definitions.assets if set(a.keys) & {STAGING_COST, COST_DAILY}]  # type: ignore[union-attr]
    view = dg.materialize(
        assets, instance=instance, resources=definitions.resources, selection=[STAGING_COST]
    )
    assert view.success

    after_view = dg.evaluate_automation_conditions(
        definitions, instance, reporting, evaluation_time=now, cursor=after_load.cursor
    )
    recent = sorted((end - timedelta(days=n)).date().isoformat() for n in range(1, 5))
    assert after_view.get_requested_partitions(COST_DAILY) == set(recent), "the schedules' lookback, no older"
    assert after_view.get_num_requested(STAGING_COST) == 0
    report = dg.materialize(
        assets,
        instance=instance,
        resources=definitions.resources,
        selection=[COST_DAILY],
        tags=range_tags(date.fromisoformat(recent[0]), date.fromisoformat(recent[-1])),
    )
    assert report.success
    settled = dg.evaluate_automation_conditions(
        definitions, instance, reporting, evaluation_time=now, cursor=after_view.cursor
    )
    assert settled.total_requested == 0
    assert (
        pipeline.scalar("SELECT count(DISTINCT day) FROM reporting.cost_daily") == 3
    )  # 4th day: no raw data
