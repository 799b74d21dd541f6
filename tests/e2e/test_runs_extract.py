"""raw.runs from the simulator's v4 batch export: complete, incremental by cursor, never losing held rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import httpx
import pytest

from pipeline.domino import CATALOGUE, DominoClient, DominoSettings, Secret
from pipeline.extract import Extraction
from pipeline.extract.cursors import read_cursor
from pipeline.simulator.server import RunningSimulator
from pipeline.warehouse import Warehouse

RUNS = CATALOGUE["runs"]
PATH = RUNS.path


def extract(
    sim: RunningSimulator, db: Path, page_size: int = 1000, shaping: str = "columnar", **options: object
) -> tuple[Extraction, int]:
    """One extraction of raw.runs; returns it and the number of export requests it made."""
    settings = DominoSettings(
        base_url=sim.base_url,
        api_key=Secret(sim.admin_key),
        page_sizes={"runs": page_size},
        shaping=shaping,  # type: ignore[arg-type]
    )
    with DominoClient(settings) as client:
        extraction = Extraction(client, Warehouse(db), "test-run", **options)  # type: ignore[arg-type]
        before = client.stats.requests
        extraction.run(RUNS)
        return extraction, client.stats.requests - before


def rows(db: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query).fetchall()


def test_every_run_lands_with_the_simulators_cost(simulator: RunningSimulator, tmp_path: Path) -> None:
    db = tmp_path / "runs.duckdb"
    extract(simulator, db)
    truth = httpx.get(f"{simulator.base_url}/__sim/truth/runs").json()
    landed = dict(rows(db, "SELECT run_id, total_cost_amount FROM raw.runs"))
    assert landed.keys() == truth.keys()
    assert all(abs(landed[k] - truth[k]) < 1e-6 for k in truth)
    assert (
        rows(db, "SELECT count(*) FROM raw.runs WHERE end_time IS NULL")[0][0]
        == rows(db, "SELECT count(*) FROM raw.runs WHERE status IN ('Queued', 'Running')")[0][0]
        > 0
    )
    assert rows(db, "SELECT count(DISTINCT typeof(queued_time)) FROM raw.runs") == [(1,)]


def test_runs_land_the_same_typed_from_their_bytes_as_on_the_records_path(
    simulator: RunningSimulator, tmp_path: Path
) -> None:
    by_path = {}
    for shaping in ("columnar", "records"):
        db = tmp_path / f"{shaping}.duckdb"
        extract(simulator, db, page_size=300, shaping=shaping, commit_rows=500)
        columns = "* EXCLUDE (_raw, _extracted_at, _run_id)"
        by_path[shaping] = sorted(rows(db, f"SELECT {columns} FROM raw.runs"), key=repr)
        assert read_cursor(Warehouse(db), "runs")
        assert rows(db, "SELECT count(*) FROM raw._loads WHERE \"table\" = 'runs'") == [(2,)]  # 2 x 600
    assert len(by_path["columnar"]) == 1200
    assert by_path["columnar"] == by_path["records"]
    # the columnar path keeps each run's bytes as sent: its `_raw` is a slice of the page Domino answered
    page = httpx.get(
        f"{simulator.base_url}{PATH}",
        params={"batchId": "", "limit": 1},
        headers={"X-Domino-Api-Key": simulator.admin_key},
    )
    run_id = page.json()["runs"][0]["runId"]
    (raw,) = rows(tmp_path / "columnar.duckdb", f"SELECT _raw FROM raw.runs WHERE run_id = '{run_id}'")[0]
    assert raw.encode() in page.content


def test_the_next_read_resumes_at_the_first_unfinished_run(
    simulator: RunningSimulator, tmp_path: Path
) -> None:
    db = tmp_path / "runs.duckdb"
    _, first = extract(simulator, db, commit_rows=250)
    cursor = read_cursor(Warehouse(db), "runs")
    (oldest_open,) = rows(db, "SELECT min(batch_id) FROM raw.runs WHERE end_time IS NULL")[0]
    assert cursor and cursor <= oldest_open
    _, again = extract(simulator, db)
    assert first == 2 and again == 1  # 1,200 runs at 1,000 a page; the rerun reads only the open tail
    assert rows(db, "SELECT count(*), count(DISTINCT run_id) FROM raw.runs")[0] == (1200, 1200)
    assert [r[0] for r in rows(db, "SELECT mode FROM raw._loads WHERE \"table\" = 'runs'")] == ["upsert"] * 3


def test_a_run_that_finishes_later_lands_final(
    start_simulator: Callable[..., RunningSimulator], tmp_path: Path
) -> None:
    sim = start_simulator()
    db = tmp_path / "runs.duckdb"
    world = sim.world
    project, env = next(iter(world.collections["projects"])), next(iter(world.collections["environments"]))
    job = world.start_job(project, world.regular_user_id, "train.py", "large-k8s", env, title="late")
    extract(sim, db)
    assert rows(db, f"SELECT status, end_time FROM raw.runs WHERE run_id = '{job['id']}'") == [
        ("Running", None)
    ]
    world.stop_job(job["id"], world.regular_user_id)
    extract(sim, db)
    status, ended, cost = rows(
        db,
        f"SELECT status, end_time IS NOT NULL, total_cost_amount FROM raw.runs WHERE run_id = '{job['id']}'",
    )[0]
    assert (status, ended) == ("Stopped", True)
    assert cost == pytest.approx(world.run_costs()[job["id"]], abs=1e-6)


def test_a_full_reload_rereads_everything_and_keeps_rows_domino_no_longer_sends(
    simulator: RunningSimulator, tmp_path: Path
) -> None:
    db = tmp_path / "runs.duckdb"
    extract(simulator, db)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "INSERT INTO raw.runs (run_id, total_cost_amount, _raw, _extracted_at, _run_id) "
            "VALUES ('gone-from-domino', 1.5, '{}', now(), 'old')"
        )
        con.execute("UPDATE raw.runs SET total_cost_amount = -1 WHERE run_id <> 'gone-from-domino'")
    _, requests = extract(simulator, db, full_reload=True)
    assert requests == 2
    assert rows(db, "SELECT count(*) FROM raw.runs") == [(1201,)]
    assert rows(db, "SELECT count(*) FROM raw.runs WHERE total_cost_amount < 0") == [(0,)]
    assert rows(db, "SELECT total_cost_amount FROM raw.runs WHERE run_id = 'gone-from-domino'") == [(1.5,)]


def test_a_killed_extract_keeps_its_committed_chunks_and_resumes(
    simulator: RunningSimulator, tmp_path: Path
) -> None:
    db = tmp_path / "runs.duckdb"

    def die_after_first_chunk(table: str, landed: int) -> None:
        if landed > 400:
            raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        extract(simulator, db, page_size=100, commit_rows=200, progress=die_after_first_chunk)
    held = rows(db, "SELECT count(*) FROM raw.runs")[0][0]
    assert 0 < held < 1200 and read_cursor(Warehouse(db), "runs")
    extract(simulator, db)
    assert rows(db, "SELECT count(*), count(DISTINCT run_id) FROM raw.runs")[0] == (1200, 1200)
