"""DuckDB warehouse: raw tables from TableSpecs, Parquet staging, one short write transaction per load.

Imports duckdb, polars and `pipeline.transform`; never httpx or dagster.
"""

from pipeline.warehouse.commit import LoadResult, TableLoad
from pipeline.warehouse.ddl import DUCKDB_TYPES, SCHEMA
from pipeline.warehouse.locking import LockTimeout
from pipeline.warehouse.modes import LoadMode, ReplaceAll, ReplaceWindow, Upsert
from pipeline.warehouse.staging import Stage
from pipeline.warehouse.warehouse import Warehouse

__all__ = [
    "DUCKDB_TYPES",
    "SCHEMA",
    "LoadMode",
    "LoadResult",
    "LockTimeout",
    "ReplaceAll",
    "ReplaceWindow",
    "Stage",
    "TableLoad",
    "Upsert",
    "Warehouse",
]
