"""Dagster resources: the Domino client and the DuckDB warehouse, configured from `DOMINO_*` variables.

Credentials are read from the environment when a client is made and never become Dagster config, so
they cannot show up in the run config, the UI or event metadata.
"""

import os
from typing import Any

import dagster as dg

from pipeline.domino import DominoClient, DominoSettings
from pipeline.warehouse import Warehouse

DEFAULT_DUCKDB_PATH = "data/domino.duckdb"


def _first(value: float | int | None, variable: str, kind: type, default: float | int) -> float | int:
    if value is not None:
        return value
    raw = os.environ.get(variable, "").strip()
    return kind(raw) if raw else default


class DominoResource(dg.ConfigurableResource):
    """Where Domino is and how politely to call it; the credential comes from the environment only."""

    host: str | None = None
    concurrency: int | None = None
    requests_per_second: float | None = None
    reject_threshold: float | None = None
    """Share of rejected records that fails an asset; default `DOMINO_REJECT_THRESHOLD` or 0.05."""
    reject_min_count: int | None = None
    """...and only past this many rejects; default `DOMINO_REJECT_MIN_COUNT` or 10."""
    max_shrink: float | None = None
    """Share of an inventory a reload may drop before its held rows are kept; `DOMINO_MAX_SHRINK` or 0.5."""

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

    def guards(self) -> dict[str, float | int]:
        """The extraction's reject and shrink guards: this resource's values, else the environment's."""
        return {
            "reject_threshold": _first(self.reject_threshold, "DOMINO_REJECT_THRESHOLD", float, 0.05),
            "reject_min_count": _first(self.reject_min_count, "DOMINO_REJECT_MIN_COUNT", int, 10),
            "max_shrink": _first(self.max_shrink, "DOMINO_MAX_SHRINK", float, 0.5),
        }

    def client(self) -> DominoClient:
        return DominoClient(self.settings())


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file every raw table lands in (`DOMINO_DUCKDB_PATH`)."""

    path: str = ""

    def warehouse(self) -> Warehouse:
        return Warehouse(self.path or os.environ.get("DOMINO_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH)


def _bound(variable: str, kind: str = "str") -> Any:
    """`dg.EnvVar(variable)` when it is set, so the UI shows where the value comes from; None otherwise
    (the default applies). Credentials are never bound: the client reads them from the environment."""
    if not os.environ.get(variable, "").strip():
        return None
    return dg.EnvVar.int(variable) if kind == "int" else dg.EnvVar(variable)


def bound_resources() -> dict[str, dg.ConfigurableResource]:
    settings = {
        "host": _bound("DOMINO_API_HOST"),
        "concurrency": _bound("DOMINO_CONCURRENCY", "int"),
        "reject_min_count": _bound("DOMINO_REJECT_MIN_COUNT", "int"),
    }  # float settings (request budget, thresholds) are read from the environment by `settings`/`guards`
    path = _bound("DOMINO_DUCKDB_PATH")
    return {
        "domino": DominoResource(**{k: v for k, v in settings.items() if v is not None}),
        "warehouse": WarehouseResource(**({"path": path} if path is not None else {})),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=bound_resources())
