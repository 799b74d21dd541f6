"""Dagster resources: the Domino client and the DuckDB warehouse, configured from `DOMINO_*` variables.

Credentials are read from the environment when a client is made and never become Dagster config, so
they cannot show up in the run config, the UI or event metadata.
"""

import os

import dagster as dg

from pipeline.domino import DominoClient, DominoSettings
from pipeline.warehouse import Warehouse

DEFAULT_DUCKDB_PATH = "data/domino.duckdb"


class DominoResource(dg.ConfigurableResource):
    """Where Domino is and how politely to call it; the credential comes from the environment only."""

    host: str | None = None
    concurrency: int | None = None
    requests_per_second: float | None = None
    reject_threshold: float | None = None
    """Share of rejected records that fails an asset; default `DOMINO_REJECT_THRESHOLD` or 0.05."""

    def settings(self) -> DominoSettings:
        settings = DominoSettings.from_env()
        overrides: dict[str, object] = {}
        if self.host:
            overrides["base_url"] = self.host.rstrip("/")
        if self.concurrency:
            overrides["concurrency"] = self.concurrency
        if self.requests_per_second:
            overrides["requests_per_second"] = self.requests_per_second
        return settings.with_overrides(**overrides) if overrides else settings

    def rejects_allowed(self) -> float:
        if self.reject_threshold is not None:
            return self.reject_threshold
        return float(os.environ.get("DOMINO_REJECT_THRESHOLD") or 0.05)

    def client(self) -> DominoClient:
        return DominoClient(self.settings())


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file every raw table lands in (`DOMINO_DUCKDB_PATH`)."""

    path: str = ""

    def warehouse(self) -> Warehouse:
        return Warehouse(self.path or os.environ.get("DOMINO_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH)


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"domino": DominoResource(), "warehouse": WarehouseResource()})
