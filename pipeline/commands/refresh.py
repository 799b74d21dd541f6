"""Re-load a few inventory tables in-process, as the Dagster sensor does after an apply from the UI."""

from __future__ import annotations

import os
from collections.abc import Sequence

import dagster as dg

from pipeline.defs.resources import DEFAULT_DUCKDB_PATH, DominoResource, WarehouseResource
from pipeline.defs.writeback import refresh_assets


def refresh_tables(tables: Sequence[str]) -> str:
    """Materialise the extract assets of `tables` (persistent instance when DAGSTER_HOME is set)."""
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    path = os.environ.get("DOMINO_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH
    result = dg.materialize(
        refresh_assets(tables),
        resources={"domino": DominoResource(), "warehouse": WarehouseResource(path=path)},
        instance=instance,
        raise_on_error=False,
    )
    state = "re-loaded" if result.success else "FAILED to re-load"
    return f"{state} into {path}: {', '.join(f'raw.{t}' for t in tables)}"
