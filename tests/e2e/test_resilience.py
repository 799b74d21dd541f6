"""Resilience end to end: faults, a killed run, reruns, concurrent runs, auth errors and secret hygiene.

Every test drives the real pipeline (in-process or as the `domino-etl` CLI) against a real simulator on
127.0.0.1 over a short window, and compares what landed in DuckDB with a clean run or the ground truth.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import orjson
import pytest
from dagster._serdes import serialize_value

from pipeline.domino import ENDPOINTS
from pipeline.domino.enums import JOB_STATUSES
from pipeline.runner import RunSummary
from pipeline.transform.audit import audit_event_targets
from tests.e2e.conftest import PipelineUnderTest

Make = Callable[..., PipelineUnderTest]
CLI = Path(sys.executable).with_name("domino-etl")
WINDOW_DAYS = 3
DATED_GROUPS = ["cost", "audit"]
"""Daily-partitioned areas that need no parent table: the cheapest realistic slice of a run."""
JOB_GROUPS = ["projects", "jobs", "audit"]
"""The jobs fan-out over projects (where a kill hurts most) plus the paged, windowed audit trail."""
SMALL_PAGES = "10"
"""Short pages multiply the requests of a short window, so that 10% of them is a fair number of faults."""
VOLATILE_COLUMNS = {"_extracted_at", "_run_id", "run_id", "rejected_at"}


def window(pipeline: PipelineUnderTest, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """The last `days` days of the simulated history, [start, end)."""
    end = pipeline.world.end.date()
    return end - timedelta(days=days), end


def in_days(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days)]


def table_rows(pipeline: PipelineUnderTest) -> dict[str, int]:
    """Row count of every raw data table (log tables excluded)."""
    names = [
        t
        for (t,) in pipeline.sql("SELECT table_name FROM information_schema.tables WHERE table_schema='raw'")
        if not t.startswith("_")
    ]
    return {t: pipeline.scalar(f"SELECT count(*) FROM raw.{t}") for t in names}


def rejects_by_table(pipeline: PipelineUnderTest) -> dict[str, int]:
    return dict(pipeline.sql('SELECT "table", count(*) FROM raw._rejects GROUP BY 1'))


def targets_of_rejected_events(pipeline: PipelineUnderTest) -> int:
    payloads = pipeline.sql("SELECT payload FROM raw._rejects WHERE \"table\" = 'audit_events'")
    return len(audit_event_targets([orjson.loads(p) for (p,) in payloads], {}))


def audit_per_day(pipeline: PipelineUnderTest) -> dict[str, int]:
    return dict(
        pipeline.sql("SELECT strftime(event_time, '%Y-%m-%d'), count(*) FROM raw.audit_events GROUP BY 1")
    )


def cost_per_day(pipeline: PipelineUnderTest) -> dict[str, float]:
    return dict(
        pipeline.sql(
            "SELECT strftime(window_start, '%Y-%m-%d'), sum(total_cost) FROM raw.cost_allocation GROUP BY 1"
        )
    )


def jobs_in_window(pipeline: PipelineUnderTest, start: date, end: date) -> dict[str, int]:
    """Jobs per project submitted in [start, end), counted from the simulator's own job pages."""
    world, counts = pipeline.world, {}
    for project_id in pipeline.world.truth()["jobs_per_project"]:
        jobs = world.jobs_page(project_id, 0, world.job_count(project_id))
        n = sum(start <= datetime.fromisoformat(j["stageTimes"]["submissionTime"]).date() < end for j in jobs)
        if n:
            counts[project_id] = n
    return counts


def assert_window_matches_truth(
    pipeline: PipelineUnderTest, start: date, end: date, groups: list[str]
) -> None:
    """Audit, cost per day and jobs per project of [start, end) equal the truth: nothing lost or twice."""
    truth = pipeline.world.truth()
    days = in_days(start, end)
    assert audit_per_day(pipeline) == {d: truth["audit_events_per_day"][d] for d in days}
    assert pipeline.scalar("SELECT count(DISTINCT event_key) FROM raw.audit_events") == sum(
        truth["audit_events_per_day"][d] for d in days
    )
    if "cost" in groups:
        landed = cost_per_day(pipeline)
        assert sorted(landed) == days
        for day in days:
            assert landed[day] == pytest.approx(truth["cost_per_day"][day]["total"], abs=1e-3), day
        duplicates = pipeline.scalar(
            "SELECT count(*) - count(DISTINCT (name, window_start)) FROM raw.cost_allocation"
        )
        assert duplicates == 0
    if "jobs" in groups:
        assert pipeline.scalar("SELECT count(*) FROM raw.projects") == truth["collections"]["projects"]
        per_project = dict(pipeline.sql("SELECT project_id, count(*) FROM raw.jobs GROUP BY 1"))
        assert per_project == jobs_in_window(pipeline, start, end)
        assert pipeline.scalar("SELECT count(*) - count(DISTINCT id) FROM raw.jobs") == 0
    assert pipeline.scalar("SELECT count(*) FROM raw._rejects") == 0


def snapshot(pipeline: PipelineUnderTest) -> dict[str, list[tuple]]:
    """Every row of every raw table (load log excluded), without the columns that name the run."""
    tables = [
        t
        for (t,) in pipeline.sql("SELECT table_name FROM information_schema.tables WHERE table_schema='raw'")
        if t != "_loads"
    ]
    result = {}
    for table in tables:
        columns = [
            c
            for (c,) in pipeline.sql(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema='raw' AND table_name=? ORDER BY ordinal_position",
                [table],
            )
            if c not in VOLATILE_COLUMNS
        ]
        select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
        result[table] = pipeline.sql(f"SELECT {select} FROM raw.{table} ORDER BY ALL")
    return result


def cli_run(start: date, end: date, groups: list[str]) -> subprocess.Popen:
    """`domino-etl run` in its own process with the current (test) environment."""
    only = [arg for group in groups for arg in ("--only", group)]
    return subprocess.Popen(
        [str(CLI), "run", "--start", start.isoformat(), "--end", end.isoformat(), *only],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def retries_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("pipeline") and "retrying" in r.msg]


# --- 1. faults ---------------------------------------------------------------------------------------------


def test_ten_percent_faults_land_the_same_data_as_a_clean_run(
    pipeline_for: Make, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DOMINO_PAGE_SIZE", SMALL_PAGES)
    clean = pipeline_for()
    start, end = window(clean)
    assert clean.run(start, end, groups=DATED_GROUPS).ok
    monkeypatch.setenv("DOMINO_TIMEOUT_SECONDS", "0.75")
    monkeypatch.setenv("DOMINO_REJECT_THRESHOLD", "1")
    faulty = pipeline_for(fault_rate=0.1, slow_seconds=1.5, retry_after_seconds=0)
    caplog.set_level(logging.WARNING)
    summary = faulty.run(start, end, groups=DATED_GROUPS)
    assert summary.ok, summary.error
    assert retries_logged(caplog), "10% faults must have been retried"
    rejects = rejects_by_table(faulty)
    landed = table_rows(faulty)
    # children of a rejected event never land: they are inside its payload in raw._rejects
    unlanded_children = targets_of_rejected_events(faulty)
    rejects["audit_event_targets"] = rejects.get("audit_event_targets", 0) + unlanded_children
    assert {t: n + rejects.get(t, 0) for t, n in landed.items()} == table_rows(clean)
    if not rejects.get("audit_events"):
        assert audit_per_day(faulty) == audit_per_day(clean)
    if not rejects.get("cost_allocation"):
        assert cost_per_day(faulty) == pytest.approx(cost_per_day(clean), abs=1e-6)
    assert audit_per_day(clean) == {
        d: faulty.world.truth()["audit_events_per_day"][d] for d in in_days(start, end)
    }


def test_transport_faults_are_retried_and_nothing_is_lost(
    pipeline_for: Make, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DOMINO_TIMEOUT_SECONDS", "0.75")
    monkeypatch.setenv("DOMINO_PAGE_SIZE", SMALL_PAGES)
    faults = ("rate_limit", "server_error", "slow", "drop", "truncate", "enum_case")
    pipeline = pipeline_for(fault_rate=0.1, faults=faults, slow_seconds=1.5, retry_after_seconds=0)
    start, end = window(pipeline)
    caplog.set_level(logging.WARNING)
    summary = pipeline.run(start, end, groups=JOB_GROUPS)
    assert summary.ok, summary.error
    assert len(retries_logged(caplog)) >= 2
    assert_window_matches_truth(pipeline, start, end, JOB_GROUPS)
    # enum casing is normalised: every status lands in Domino's canonical casing, whatever was sent
    statuses = {s for (s,) in pipeline.sql("SELECT DISTINCT status FROM raw.jobs WHERE status IS NOT NULL")}
    assert statuses and statuses <= set(JOB_STATUSES)


def test_enums_sent_in_another_casing_land_in_the_canonical_one(pipeline_for: Make) -> None:
    pipeline = pipeline_for(fault_rate=1.0, faults=("enum_case",))
    start, end = window(pipeline)
    assert pipeline.run(start, end, groups=["projects", "jobs", "cost"]).ok
    assert (
        pipeline.scalar("SELECT count(*) FROM raw.jobs WHERE _raw->>'$.status.executionStatus' <> status") > 0
    )
    statuses = {s for (s,) in pipeline.sql("SELECT DISTINCT status FROM raw.jobs")}
    assert statuses <= set(JOB_STATUSES)
    assert {m for (m,) in pipeline.sql("SELECT mode FROM raw.billing_tag_settings")} <= {
        "required",
        "optional",
        "disabled",
    }
    assert pipeline.scalar("SELECT count(*) FROM raw._rejects") == 0


def test_data_faults_keep_unknown_fields_in_raw_and_reject_wrong_types(
    pipeline_for: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMINO_REJECT_THRESHOLD", "1")
    monkeypatch.setenv("DOMINO_PAGE_SIZE", SMALL_PAGES)
    pipeline = pipeline_for(fault_rate=0.1, faults=("extra_fields", "wrong_type"))
    start, end = window(pipeline)
    summary = pipeline.run(start, end, groups=["audit"])
    assert summary.ok, summary.error
    truth = pipeline.world.truth()["audit_events_per_day"]
    rejects = rejects_by_table(pipeline).get("audit_events", 0)
    assert rejects > 0, "wrong_type must have hit at least one record"
    assert pipeline.scalar("SELECT count(*) FROM raw.audit_events") + rejects == sum(
        truth[d] for d in in_days(start, end)
    )
    extra = pipeline.scalar(
        "SELECT count(*) FROM raw.audit_events WHERE json_exists(_raw, '$.simulatorUnknownField')"
    )
    assert extra > 0, "the unknown field must survive in _raw"
    for reason, payload in pipeline.sql(
        "SELECT reason, CAST(payload AS VARCHAR) FROM raw._rejects WHERE \"table\" = 'audit_events'"
    ):
        assert reason and "audit_events" in reason
        assert '"abc"' in payload or "12345" in payload


# --- 2. a killed run, then a rerun -------------------------------------------------------------------------


def test_a_run_killed_mid_way_then_rerun_equals_the_truth(pipeline_for: Make) -> None:
    pipeline = pipeline_for(latency_ms=60)
    start, end = window(pipeline)
    process = cli_run(start, end, JOB_GROUPS)
    deadline = time.monotonic() + 30
    while not pipeline.duckdb_path.exists() and time.monotonic() < deadline:  # extracting: first commit
        time.sleep(0.05)
    time.sleep(1.0)
    assert process.poll() is None, "the run finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    summary = pipeline.run(start, end, groups=JOB_GROUPS)
    assert summary.ok, summary.error
    assert_window_matches_truth(pipeline, start, end, JOB_GROUPS)


# --- 3. a rerun changes nothing ----------------------------------------------------------------------------


def test_rerunning_a_partition_changes_nothing(pipeline_for: Make) -> None:
    pipeline = pipeline_for()
    start, end = window(pipeline, days=2)
    assert pipeline.run(start, end, groups=DATED_GROUPS).ok
    before = snapshot(pipeline)
    assert sum(map(len, before.values())) > 0
    assert pipeline.run(start, end, groups=DATED_GROUPS).ok
    assert snapshot(pipeline) == before
    # a single day inside the window, rerun alone, converges too
    assert pipeline.run(start, start + timedelta(days=1), groups=DATED_GROUPS).ok
    assert snapshot(pipeline) == before


# --- 4. concurrent runs ------------------------------------------------------------------------------------


def test_two_concurrent_runs_on_one_file_both_succeed_and_match_the_truth(pipeline_for: Make) -> None:
    pipeline = pipeline_for(latency_ms=10)
    start, end = window(pipeline)
    first = cli_run(start, end - timedelta(days=1), DATED_GROUPS)
    second = cli_run(start + timedelta(days=1), end, DATED_GROUPS)
    for process in (first, second):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, out + err
    assert_window_matches_truth(pipeline, start, end, DATED_GROUPS)


# --- 5. authentication errors ------------------------------------------------------------------------------


def _cost_or_audit_path_named(error: str) -> bool:
    return any(e.path.split("{")[0] in error for e in ENDPOINTS if e.area in ("cost", "audit"))


def not_retried(caplog: pytest.LogCaptureFixture, summary: RunSummary) -> bool:
    """Neither the client nor Dagster retried: no retry logged, each failed asset reported once."""
    steps = [line.split(":", 1)[0] for line in summary.failures]
    return not retries_logged(caplog) and len(steps) == len(set(steps))


def test_a_wrong_key_fails_fast_with_a_clear_401(
    pipeline_for: Make, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = pipeline_for()
    wrong = "wrong-key-0123456789abcdef"
    monkeypatch.setenv("DOMINO_USER_API_KEY", wrong)
    start, end = window(pipeline, days=1)
    caplog.set_level(logging.WARNING)
    summary = pipeline.run(start, end, groups=["audit"])
    assert not summary.ok
    assert summary.error and "401" in summary.error and _cost_or_audit_path_named(summary.error)
    assert wrong not in summary.error and wrong not in summary.render()
    assert not_retried(caplog, summary), "a 401 must not be retried"


def test_a_user_key_on_admin_only_cost_and_audit_fails_fast_with_a_clear_403(
    pipeline_for: Make, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = pipeline_for()
    monkeypatch.setenv("DOMINO_USER_API_KEY", pipeline.simulator.user_key)
    start, end = window(pipeline, days=1)
    caplog.set_level(logging.WARNING)
    for group in ("cost", "audit"):
        caplog.clear()
        summary = pipeline.run(start, end, groups=[group])
        assert not summary.ok, group
        assert summary.error and "403" in summary.error and _cost_or_audit_path_named(summary.error), group
        assert pipeline.simulator.user_key not in summary.error
        assert not_retried(caplog, summary), f"{group}: a 403 must not be retried"


# --- 6. the key appears nowhere ----------------------------------------------------------------------------


def string_cells_holding(path: Path, secret: str) -> list[str]:
    """`schema.table.column` of every VARCHAR/JSON cell in the DuckDB file that contains `secret`."""
    found = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type IN ('VARCHAR', 'JSON') OR data_type LIKE '%[]' OR data_type LIKE 'STRUCT%'"
        ).fetchall()
        for schema, table, column in columns:
            hits = con.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE contains(CAST("{column}" AS VARCHAR), ?)',
                [secret],
            ).fetchone()[0]
            if hits:
                found.append(f"{schema}.{table}.{column}")
    return found


def test_the_api_key_appears_in_no_log_event_error_or_table(
    pipeline_for: Make, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "dagster").mkdir()
    monkeypatch.setenv("DOMINO_PAGE_SIZE", SMALL_PAGES)
    noisy = ("rate_limit", "server_error", "drop", "truncate")  # faults whose retries log the request
    pipeline = pipeline_for(fault_rate=0.1, faults=noisy, retry_after_seconds=0)
    key = pipeline.simulator.admin_key
    start, end = window(pipeline, days=2)
    caplog.set_level(logging.DEBUG)
    summary = pipeline.run(start, end, groups=["users", "service_accounts", "audit"])
    assert retries_logged(caplog), "the faults must have produced retry log lines"
    process = cli_run(end - timedelta(days=1), end, ["audit"])
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, out + err
    texts = {
        "logs": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
        "summary": f"{summary.render()} {summary!r}",
        "cli": out + err,
    }
    instance = dg.DagsterInstance.get()
    runs = instance.get_runs()
    assert runs, "the runs must be recorded in DAGSTER_HOME"
    texts["dagster"] = "\n".join(
        serialize_value(record) for run in runs for record in instance.all_logs(run.run_id)
    )
    texts["dagster_runs"] = "\n".join(serialize_value(run) for run in runs)
    for where, text in texts.items():
        assert key not in text, where
    assert "sim-admin-" not in texts["cli"] and "sim-admin-" not in texts["logs"]
    assert string_cells_holding(pipeline.duckdb_path, key) == []
    assert pipeline.scalar("SELECT count(*) FROM raw._loads") > 0
