"""The schedules ask for the right days: each daily schedule evaluated at a tick requests one run over
its lookback window (configurable per kind), clipped to the first partition; the inventory runs 4 times
a day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import pytest
from dagster._utils.schedules import cron_string_iterator

from pipeline.definitions import defs
from pipeline.defs.cadence import Cadence, lookback_days
from pipeline.defs.schedules import DAILY_CRON, RANGE_END_TAG, RANGE_START_TAG, RETRY_TAGS

TICK = datetime(2026, 10, 5, 2, 0, tzinfo=UTC)


def evaluate(name: str, when: datetime) -> dg.RunRequest | dg.SkipReason:
    schedule = defs().resolve_schedule_def(name)
    with dg.build_schedule_context(scheduled_execution_time=when) as context:
        result = schedule.evaluate_tick(context)
    if result.run_requests:
        (request,) = result.run_requests
        return request
    return dg.SkipReason(result.skip_message)


def ticks_of(schedule: dg.ScheduleDefinition, after: datetime) -> Iterator[datetime]:
    return cron_string_iterator(after.timestamp(), schedule.cron_schedule, "UTC")  # type: ignore[arg-type]


def requested_days(request: dg.RunRequest | dg.SkipReason) -> tuple[str, str]:
    assert isinstance(request, dg.RunRequest), request
    return request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]


@pytest.mark.parametrize(
    ("kind", "first"),
    [(Cadence.COST, "2026-10-02"), (Cadence.AUDIT, "2026-10-04"), (Cadence.JOBS, "2026-10-04")],
)
def test_a_daily_tick_requests_its_default_lookback_ending_yesterday(kind: Cadence, first: str) -> None:
    request = evaluate(f"domino_{kind}_daily_schedule", TICK)
    assert requested_days(request) == (first, "2026-10-04")
    assert isinstance(request, dg.RunRequest)
    assert request.run_key == f"{kind}:{first}..2026-10-04"
    assert request.partition_key is None  # a range, not one partition
    assert request.tags["domino/lookback_days"] == str(lookback_days(kind))


def test_the_lookback_is_configurable_per_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOMINO_LOOKBACK_DAYS_COST", "7")
    monkeypatch.setenv("DOMINO_LOOKBACK_DAYS_AUDIT", "2")
    assert requested_days(evaluate("domino_cost_daily_schedule", TICK)) == ("2026-09-28", "2026-10-04")
    assert requested_days(evaluate("domino_audit_daily_schedule", TICK)) == ("2026-10-03", "2026-10-04")
    assert requested_days(evaluate("domino_jobs_daily_schedule", TICK)) == ("2026-10-04", "2026-10-04")


@pytest.mark.parametrize("value", ["0", "-2", "three", "401"])
def test_a_bad_lookback_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DOMINO_LOOKBACK_DAYS_JOBS", value)
    with pytest.raises(ValueError, match="DOMINO_LOOKBACK_DAYS_JOBS must be"):
        lookback_days(Cadence.JOBS)
    with pytest.raises(dg.DagsterError, match="evaluation of schedule domino_jobs_daily_schedule") as error:
        evaluate("domino_jobs_daily_schedule", TICK)
    assert "DOMINO_LOOKBACK_DAYS_JOBS must be" in str(error.value.__cause__)


def test_the_window_never_starts_before_the_first_partition() -> None:
    first_day = defs().resolve_job_def("domino_cost_daily").partitions_def.get_first_partition_key()  # type: ignore[union-attr]
    day_after = datetime.fromisoformat(first_day).replace(tzinfo=UTC, hour=2)
    assert requested_days(
        evaluate("domino_cost_daily_schedule", day_after.replace(day=day_after.day + 1))
    ) == (
        first_day,
        first_day,
    )
    skipped = evaluate("domino_cost_daily_schedule", day_after)
    assert isinstance(skipped, dg.SkipReason)
    assert "no complete day" in (skipped.skip_message or "")


def test_each_daily_job_selects_its_tables_and_the_parents_it_fans_out_from() -> None:
    definitions = defs()

    def tables(job: str) -> set[str]:
        return {key.path[-1] for key in definitions.resolve_job_def(job).asset_layer.executable_asset_keys}

    assert tables("domino_cost_daily") == {"cost_allocation", "cost_allocation_summary", "cost_assets"}
    assert {"audit_events", "audit_event_targets", "data_source_audit"} <= tables("domino_audit_daily")
    assert tables("domino_audit_daily").isdisjoint({"jobs", "projects", "cost_allocation"})
    assert tables("domino_jobs_daily") == {"projects", "jobs"}
    for job in ("domino_cost_daily", "domino_audit_daily", "domino_jobs_daily", "domino_inventory"):
        assert RETRY_TAGS.items() <= definitions.resolve_job_def(job).tags.items()


def test_schedule_times_are_early_morning_utc_and_the_inventory_runs_four_times_a_day() -> None:
    definitions = defs()
    for kind in Cadence:
        schedule = definitions.resolve_schedule_def(f"domino_{kind}_daily_schedule")
        assert schedule.execution_timezone == "UTC"
        assert schedule.cron_schedule == DAILY_CRON[kind]
        assert 1 <= next(ticks_of(schedule, TICK)).hour <= 5
    inventory = ticks_of(definitions.resolve_schedule_def("domino_inventory_schedule"), TICK.replace(hour=0))
    assert [next(inventory).hour for _ in range(5)] == [0, 6, 12, 18, 0]
    assert isinstance(evaluate("domino_inventory_schedule", TICK), dg.RunRequest)


def test_cost_and_audit_assets_have_freshness_policies_and_every_daily_asset_backfills_in_one_run() -> None:
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    with_policy = set()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        table = key.path[-1]
        if key.path[0] == "raw" and (
            table.startswith(("cost_allocation", "cost_assets", "audit_event"))
            or table == "data_source_audit"
        ):
            policy = node.freshness_policy
            assert isinstance(policy, dg.FreshnessPolicy), table
            assert policy.fail_window.to_timedelta().total_seconds() == 30 * 3600  # type: ignore[attr-defined]
            with_policy.add(table)
        elif key.path[0] == "raw" and table in ("jobs", "projects", "users"):
            assert node.freshness_policy is None, table
        if node.partitions_def is not None:
            assert node.backfill_policy == dg.BackfillPolicy.single_run(), table
    assert with_policy >= {"cost_allocation", "cost_allocation_summary", "cost_assets", "audit_events"}
