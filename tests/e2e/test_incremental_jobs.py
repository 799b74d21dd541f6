"""Jobs have no time filter in the public API: a daily run must cost in proportion to what is new."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx

from pipeline.domino import DominoClient, DominoSettings, endpoint
from pipeline.extract import Extraction
from pipeline.warehouse import Warehouse
from tests.e2e.conftest import PipelineUnderTest

Make = Callable[..., PipelineUnderTest]


def test_a_daily_jobs_run_reads_a_page_per_project_not_the_whole_history(
    pipeline_for: Make, monkeypatch
) -> None:
    pipeline = pipeline_for()
    monkeypatch.setenv("DOMINO_PAGE_SIZES", "jobs=10")
    world = pipeline.world
    first, last = world.start.date(), world.end.date()
    assert pipeline.run(first, last, groups=["projects", "jobs"]).ok
    assert pipeline.scalar("SELECT count(*) FROM raw.jobs") == world.truth()["jobs"]
    projects = pipeline.scalar("SELECT count(*) FROM raw.projects")

    # a job started now lands in the next daily run, and only a few requests are made for it
    admin = {"X-Domino-Api-Key": pipeline.simulator.admin_key}
    project_id = pipeline.scalar("SELECT id FROM raw.projects ORDER BY id LIMIT 1")
    tier_id = next(iter(world.collections["hardware_tiers"]))
    environment_id = next(iter(world.collections["environments"]))
    started = httpx.post(
        f"{pipeline.simulator.base_url}/api/jobs/v1/jobs",
        headers=admin,
        json={
            "projectId": project_id,
            "commandToRun": "python train.py",
            "hardwareTierId": tier_id,
            "environmentId": environment_id,
        },
        timeout=30,
    )
    assert started.status_code in (200, 201), started.text
    new_job = started.json().get("job", started.json())["id"]
    day = world.end.date()  # writes are stamped at the world's end
    unfinished = pipeline.scalar("SELECT count(*) FROM raw.jobs WHERE NOT is_completed")

    with DominoClient(DominoSettings.from_env()) as client:
        extraction = Extraction(client, Warehouse(pipeline.duckdb_path), "daily-run")
        report = extraction.run(endpoint("jobs"), day, day + timedelta(days=1))
        requests = client.stats.requests

    assert report.rows >= 1
    assert pipeline.scalar("SELECT count(*) FROM raw.jobs WHERE id = ?", [new_job]) == 1
    assert pipeline.scalar("SELECT count(DISTINCT id) FROM raw.jobs") == pipeline.scalar(
        "SELECT count(*) FROM raw.jobs"
    )
    full_history_pages = world.truth()["jobs"] // 10
    # one page per project (newest first, stops below the window) plus one GET per unfinished job
    assert requests <= projects + unfinished + 2
    assert requests < full_history_pages / 3
