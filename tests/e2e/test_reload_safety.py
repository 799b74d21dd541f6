"""Nothing lost, nothing doubled: each reload defect reproduced over real HTTP against the simulator, and the
scripted late-data scenario (retention, finished and deleted jobs, late cost adjustments) end to end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest

from pipeline.runner import RunSummary
from tests.e2e.conftest import PipelineUnderTest

Make = Callable[..., PipelineUnderTest]


def last_days(pipeline: PipelineUnderTest, days: int) -> tuple[date, date]:
    end = pipeline.world.end.date()
    return end - timedelta(days=days), end


def count(pipeline: PipelineUnderTest, table: str, where: str = "true") -> int:
    return int(pipeline.scalar(f"SELECT count(*) FROM raw.{table} WHERE {where}"))


def kept_loads(pipeline: PipelineUnderTest, table: str) -> list[tuple]:
    return pipeline.sql(
        'SELECT kept_rows, note FROM raw._loads WHERE "table" = ? AND kept_rows > 0 ORDER BY finished_at',
        [table],
    )


# --- 1. a row belongs to the partition that requested it -------------------------------------------------


def test_cost_rows_dated_off_midnight_are_replaced_not_doubled(pipeline_for: Make) -> None:
    pipeline = pipeline_for(cost_window_offset_hours=-2)  # a Kubecost in UTC+2: windows start 22:00Z
    start, end = last_days(pipeline, 1)
    assert pipeline.run(start, end, groups=["cost"]).ok
    first = count(pipeline, "cost_allocation")
    assert first > 0
    starts = pipeline.sql("SELECT DISTINCT _partition_date, window_start FROM raw.cost_allocation")
    local_midnight = datetime.combine(start, time(0), tzinfo=UTC) - timedelta(hours=2)
    assert starts == [(start, local_midnight)]
    assert pipeline.run(start, end, groups=["cost"]).ok
    assert count(pipeline, "cost_allocation") == first
    assert count(pipeline, "cost_allocation_summary") == first
    assert count(pipeline, "cost_assets") == count(pipeline, "cost_assets", f"_partition_date = '{start}'")


# --- 2. children only from accepted parents --------------------------------------------------------------


def test_rejected_audit_events_never_explode_into_targets(
    pipeline_for: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_REJECT_THRESHOLD", "1")
    pipeline = pipeline_for(fault_rate=1.0, faults=("wrong_type",))
    start, end = last_days(pipeline, 1)
    summary = pipeline.run(start, end, groups=["audit"])
    assert summary.ok, summary.error
    rejected = pipeline.scalar("SELECT count(*) FROM raw._rejects WHERE \"table\" = 'audit_events'")
    assert rejected > 0
    orphans = "event_key NOT IN (SELECT event_key FROM raw.audit_events)"
    assert count(pipeline, "audit_event_targets", orphans) == 0
    assert (
        count(pipeline, "audit_events") + rejected
        == pipeline.world.truth()["audit_events_per_day"][start.isoformat()]
    )


# --- 3. an empty answer never wipes history ---------------------------------------------------------------


def test_days_past_retention_and_an_emptied_inventory_are_kept_until_forced(pipeline_for: Make) -> None:
    pipeline = pipeline_for()
    start = pipeline.world.start.date()
    end = start + timedelta(days=3)
    assert pipeline.run(start, end, groups=["cost", "audit"]).ok
    held = {t: count(pipeline, t) for t in ("cost_allocation", "cost_assets", "audit_events")}
    tags = count(pipeline, "billing_tags")
    assert all(held.values()) and tags
    pipeline.world.keep_cost_and_audit_from(end)  # Domino's retention passed these days
    for tag in pipeline.world.collections["billing_tags"].values():
        tag["active"] = False  # a credential that sees no tag: the list comes back empty
    summary = pipeline.run(start, end, groups=["cost", "audit"])
    assert summary.ok, summary.error
    assert {t: count(pipeline, t) for t in held} == held
    assert count(pipeline, "billing_tags") == tags
    assert any("cost_allocation" in line and "came back empty" in line for line in summary.kept)
    assert any("billing_tags" in line for line in summary.kept)
    assert "KEPT" in summary.render() and "--force-empty" in summary.render()
    assert kept_loads(pipeline, "audit_events")[-1][0] == held["audit_events"]
    assert "reload_kept_held_rows" in " ".join(summary.notes)  # a warning, not a failure
    forced = pipeline.run(start, end, groups=["cost", "audit"], force_empty=True)
    assert forced.ok and not forced.kept
    assert count(pipeline, "cost_allocation") == 0 and count(pipeline, "audit_events") == 0
    assert count(pipeline, "billing_tags") == 0


# --- 4 and 5. jobs: scoped reloads, gone jobs, finished jobs -------------------------------------------


def test_jobs_of_vanished_projects_stay_and_unfinished_jobs_settle(pipeline_for: Make) -> None:
    pipeline = pipeline_for()
    world = pipeline.world
    start, end = last_days(pipeline, 2)
    assert pipeline.run(start, end, groups=["projects", "jobs"]).ok
    unfinished = world.unfinished_job_ids()
    assert len(unfinished) >= 3
    done, deleted = unfinished[0], unfinished[1]
    busy = {world.job(j)["projects"][0]["projectId"] for j in (done, deleted)}
    held = dict(pipeline.sql("SELECT project_id, count(*) FROM raw.jobs GROUP BY 1"))
    vanished = max((p for p in held if p not in busy), key=held.get)
    assert pipeline.scalar("SELECT is_completed FROM raw.jobs WHERE id = ?", [done]) is False
    world.collections["projects"].pop(vanished)  # archived: no longer listed, its jobs answer 404
    world.finish_jobs([done])
    world.delete_job(deleted)
    summary = pipeline.run(start, end, groups=["projects", "jobs"])  # a rerun of the same window
    assert summary.ok, summary.error
    assert count(pipeline, "jobs", f"project_id = '{vanished}'") == held[vanished]
    assert pipeline.sql("SELECT is_gone, gone_at IS NOT NULL FROM raw.jobs WHERE id = ?", [deleted]) == [
        (True, True)
    ]
    # the next daily run re-reads what is still unfinished in earlier partitions, by id
    later = pipeline.run(end, end + timedelta(days=1), groups=["projects", "jobs"])
    assert later.ok, later.error
    status, completed = pipeline.sql("SELECT status, completed_time FROM raw.jobs WHERE id = ?", [done])[0]
    assert status == "Succeeded" and completed is not None
    assert count(pipeline, "jobs", "NOT is_gone") == count(pipeline, "jobs") - 1


# --- 6. identical events stay two rows ---------------------------------------------------------------------


def test_a_double_click_lands_as_two_audit_events_and_reruns_converge(pipeline_for: Make) -> None:
    pipeline = pipeline_for()
    start, end = last_days(pipeline, 1)
    day_ms = int(datetime.combine(start, time(0), tzinfo=UTC).timestamp() * 1000)
    events, _ = pipeline.world.audit_events(day_ms, day_ms + 86_400_000, limit=1)
    pipeline.world.repeat_event(events[0])  # the same actor, action, target and millisecond, twice more
    pipeline.world.repeat_event(events[0])
    expected = pipeline.world.truth()["audit_events_per_day"][start.isoformat()]
    for _ in range(2):
        assert pipeline.run(start, end, groups=["audit"]).ok
        assert count(pipeline, "audit_events") == expected
    copies = pipeline.sql(
        "SELECT count(*), count(DISTINCT _raw), list_sort(list(event_key)) FROM raw.audit_events "
        "GROUP BY split_part(event_key, '-', 1) HAVING count(*) > 1"
    )
    assert len(copies) == 1
    n, distinct, keys = copies[0]
    assert (n, distinct) == (3, 1)
    assert keys[1:] == [f"{keys[0]}-1", f"{keys[0]}-2"]


# --- 7. an event log is loaded by day, not snapshotted -----------------------------------------------------


def test_ai_gateway_audit_is_loaded_by_day(pipeline_for: Make) -> None:
    pipeline = pipeline_for()
    start, end = pipeline.world.start.date(), pipeline.world.end.date()
    assert pipeline.run(start, end, groups=["ai_gateway"]).ok
    assert pipeline.run(start, end, groups=["ai_gateway"]).ok
    assert count(pipeline, "ai_gateway_audit") == len(pipeline.world.ai_gateway_audit)
    assert count(pipeline, "ai_gateway_audit", "_partition_date = event_time::DATE") == len(
        pipeline.world.ai_gateway_audit
    )
    tables = {t for (t,) in pipeline.sql("SELECT table_name FROM information_schema.tables")}
    assert "ai_gateway_audit_history" not in tables


# --- 8. one odd record in a tiny table, and a failing asset, stop nothing ---------------------------------


def test_a_rejected_record_in_a_small_table_is_quarantined_not_fatal(pipeline_for: Make) -> None:
    pipeline = pipeline_for(seed=23, fault_rate=1.0, faults=("wrong_type",))
    start, end = last_days(pipeline, 1)
    summary = pipeline.run(start, end, groups=["deployment_targets"])
    assert summary.ok, summary.error
    rejected = "SELECT count(*) FROM raw._rejects WHERE \"table\" = 'resource_configurations'"
    assert pipeline.scalar(rejected) >= 1
    assert count(pipeline, "resource_configurations") > 0


def test_a_failing_asset_never_stops_the_others(pipeline_for: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOMINO_MAX_ATTEMPTS", "2")
    pipeline = pipeline_for()
    pipeline.world.collections["deployment_target_types"]["broken"] = 5  # that list now fails
    monkeypatch.setenv("DOMINO_AUDIT_PATH", "/api/audittrail/v1/nowhere")  # and the audit trail 404
    start, end = last_days(pipeline, 1)
    summary: RunSummary = pipeline.run(start, end, groups=["deployment_targets", "users", "cost", "audit"])
    assert not summary.ok
    assert len(summary.failures) == 2, summary.failures
    assert "deployment_target_types" in summary.error
    assert "nowhere" in summary.error and "404" in summary.error
    assert count(pipeline, "users") > 0 and count(pipeline, "cost_allocation") > 0


# --- the scripted scenario ------------------------------------------------------------------------------


def test_late_data_scenario_keeps_every_row_and_lands_what_settled(pipeline_for: Make) -> None:
    pipeline = pipeline_for()
    world = pipeline.world
    start, end = world.end.date() - timedelta(days=10), world.end.date()
    assert pipeline.run(start, end).ok
    before = {t: count(pipeline, t) for t in ("cost_allocation", "audit_events", "jobs", "projects")}
    oldest = start + timedelta(days=2)
    world.keep_cost_and_audit_from(oldest)  # retention drops the two oldest days
    unfinished = world.unfinished_job_ids()
    world.finish_jobs(unfinished[:2])
    world.delete_job(unfinished[2])
    settled = end - timedelta(days=2)
    adjustment = world.add_cost_adjustment(settled, -0.05)
    daily = pipeline.run(end, end + timedelta(days=1), lookback_days=3)
    assert daily.ok, daily.error
    rerun = pipeline.run(start, end)  # a rerun of the old range, past retention
    assert rerun.ok, rerun.error
    assert count(pipeline, "cost_allocation") == before["cost_allocation"]
    assert count(pipeline, "audit_events") == before["audit_events"]
    assert count(pipeline, "jobs") == before["jobs"]
    assert count(pipeline, "jobs", "is_gone") == 1
    statuses = dict(pipeline.sql("SELECT id, status FROM raw.jobs WHERE id IN (?, ?)", unfinished[:2]))
    assert set(statuses.values()) == {"Succeeded"}
    landed = pipeline.scalar(
        "SELECT sum(cpu_cost_adjustment) FROM raw.cost_allocation WHERE _partition_date = ?", [settled]
    )
    assert landed == pytest.approx(adjustment, abs=1e-4)
    day_total = "SELECT sum(total_cost) FROM raw.cost_allocation WHERE _partition_date = ?"
    total = pipeline.scalar(day_total, [settled])
    assert total == pytest.approx(world.truth()["cost_per_day"][settled.isoformat()]["total"], abs=0.01)
    assert any("came back empty" in line for line in rerun.kept)
