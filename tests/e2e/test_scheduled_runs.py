"""A schedule's request runs for real: one run over the lookback range, every day of it landed once, and the
jobs run lists jobs from the projects it refreshed first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import dagster as dg

from pipeline.definitions import defs
from tests.e2e.conftest import PipelineUnderTest

Make = Callable[..., PipelineUnderTest]


def scheduled_request(definitions: dg.Definitions, name: str, tick) -> dg.RunRequest:
    with dg.build_schedule_context(scheduled_execution_time=tick) as context:
        (request,) = definitions.resolve_schedule_def(name).evaluate_tick(context).run_requests
    return request


def test_the_cost_schedule_reloads_its_three_days_in_one_run(pipeline_for: Make) -> None:
    pipeline = pipeline_for()
    definitions = defs()
    end = pipeline.world.end
    request = scheduled_request(definitions, "domino_cost_daily_schedule", end + timedelta(hours=2))
    instance = dg.DagsterInstance.ephemeral()
    job = definitions.resolve_job_def("domino_cost_daily")
    result = job.execute_in_process(instance=instance, tags=request.tags)
    assert result.success
    days = [(end - timedelta(days=n)).date().isoformat() for n in (3, 2, 1)]
    assert len(instance.get_run_records()) == 1
    for table in ("cost_allocation", "cost_allocation_summary", "cost_assets"):
        assert sorted(instance.get_materialized_partitions(dg.AssetKey(["raw", table]))) == days
    landed = pipeline.sql(
        "SELECT DISTINCT CAST(window_start AS DATE)::VARCHAR FROM raw.cost_allocation ORDER BY 1"
    )
    assert [day for (day,) in landed] == days
    rows = pipeline.scalar("SELECT count(*) FROM raw.cost_allocation")
    assert job.execute_in_process(instance=instance, tags=request.tags).success  # the lookback re-pull
    assert pipeline.scalar("SELECT count(*) FROM raw.cost_allocation") == rows


def test_the_jobs_run_refreshes_projects_before_listing_their_jobs(pipeline_for: Make) -> None:
    pipeline = pipeline_for()
    definitions = defs()
    request = scheduled_request(
        definitions, "domino_jobs_daily_schedule", pipeline.world.end + timedelta(hours=3)
    )
    result = definitions.resolve_job_def("domino_jobs_daily").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=request.tags
    )
    assert result.success
    order = [event.step_key for event in result.all_events if event.event_type_value == "STEP_SUCCESS"]
    assert order == ["extract_projects", "extract_jobs"]
    assert (
        pipeline.scalar("SELECT count(*) FROM raw.projects")
        == pipeline.world.truth()["collections"]["projects"]
    )
