"""Inventory tables typed from their page bytes land exactly what the records path lands.

Top-level inventory lists (users, organizations, hardware tiers, ...) take the columnar path like cost,
audit and runs; fan-out children (pages per parent), wrapped or single records (projects, settings) and
tables the fast path cannot type (secrets stripped) stay on the records path. Either way a table holds the
same typed rows; only `_raw` differs in form: the bytes as sent on the columnar path, canonical
(sorted-keys) JSON on the records path.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import httpx

from pipeline.domino import CATALOGUE, DominoClient, DominoSettings, Endpoint, Secret
from pipeline.domino.client import reads_raw_pages
from pipeline.extract import Extraction
from pipeline.simulator.server import RunningSimulator
from pipeline.transform.columnar import plan_for
from pipeline.warehouse import Warehouse


def _depth(endpoint: Endpoint) -> int:
    return 0 if endpoint.parent is None else 1 + _depth(CATALOGUE[endpoint.parent.parent])


INVENTORY = sorted(
    (e for e in CATALOGUE.values() if not e.partitioned and e.pagination != "cursor" and e.window is None),
    key=_depth,
)
"""Inventory endpoints, each after the parent it fans out over."""
TYPED_FROM_BYTES = [e for e in INVENTORY if e.parent is None and reads_raw_pages(e) and plan_for(e.table)]


def load_inventory(
    sim: RunningSimulator, db: Path, shaping: str, endpoints: list[Endpoint] = INVENTORY
) -> None:
    settings = DominoSettings(base_url=sim.base_url, api_key=Secret(sim.admin_key), shaping=shaping)  # type: ignore[arg-type]
    with DominoClient(settings) as client:
        extraction = Extraction(client, Warehouse(db), f"{shaping}-run")
        for endpoint in endpoints:
            extraction.run(endpoint)


def table(db: Path, endpoint: Endpoint) -> tuple[list[tuple], list[str], list[str]]:
    """Typed rows, `_raw` texts and `_raw` values (as canonical JSON), each sorted."""
    with duckdb.connect(str(db), read_only=True) as con:
        name = f"raw.{endpoint.table.name}"
        typed = con.execute(f"SELECT * EXCLUDE (_raw, _extracted_at, _run_id) FROM {name}").fetchall()
        texts = [t for (t,) in con.execute(f"SELECT CAST(_raw AS VARCHAR) FROM {name}").fetchall()]
    values = sorted(json.dumps(json.loads(t), sort_keys=True) for t in texts)
    return sorted(typed, key=repr), sorted(texts), values


def test_inventory_lands_the_same_typed_from_its_bytes_as_on_the_records_path(
    simulator: RunningSimulator, tmp_path: Path
) -> None:
    names = {e.name for e in TYPED_FROM_BYTES}
    assert {"users", "organizations", "hardware_tiers", "environments", "model_apis"} <= names, names
    for shaping in ("columnar", "records"):
        load_inventory(simulator, tmp_path / f"{shaping}.duckdb", shaping)
    as_sent: set[str] = set()
    for endpoint in INVENTORY:
        columnar = table(tmp_path / "columnar.duckdb", endpoint)
        records = table(tmp_path / "records.duckdb", endpoint)
        assert columnar[0] == records[0], endpoint.name  # the same typed rows
        assert columnar[2] == records[2], endpoint.name  # `_raw`: the same JSON values
        assert columnar[0] or endpoint not in TYPED_FROM_BYTES, f"{endpoint.name}: nothing to compare"
        if columnar[1] != records[1]:  # `_raw` texts: the bytes as sent, not canonical JSON
            as_sent.add(endpoint.name)
    assert {"users", "hardware_tiers", "environments"} <= as_sent <= names


def test_an_inventory_records_raw_is_the_bytes_the_server_sent(
    simulator: RunningSimulator, tmp_path: Path
) -> None:
    db = tmp_path / "columnar.duckdb"
    users = CATALOGUE["users"]
    assert users in TYPED_FROM_BYTES
    load_inventory(simulator, db, "columnar", [users])
    answer = httpx.get(
        f"{simulator.base_url}{users.path}",
        params={"offset": 0, "limit": 1},
        headers={"X-Domino-Api-Key": simulator.admin_key},
    )
    with duckdb.connect(str(db), read_only=True) as con:
        raws = [t for (t,) in con.execute("SELECT CAST(_raw AS VARCHAR) FROM raw.users").fetchall()]
    assert sum(raw.encode() in answer.content for raw in raws) == 1
