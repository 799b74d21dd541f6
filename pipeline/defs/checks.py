"""Asset checks generated from the catalogue: every raw table keeps its natural key unique, and cost rows
add up. They read DuckDB briefly, read-only."""

import dagster as dg

from pipeline.defs.extract import asset_key
from pipeline.defs.resources import WarehouseResource
from pipeline.domino import ENDPOINTS
from pipeline.tables import TableSpec


def _unique_key_check(spec: TableSpec) -> dg.AssetChecksDefinition:
    key = ", ".join(spec.key)

    @dg.asset_check(
        asset=asset_key(spec.name),
        name="unique_key",
        description=f"no two rows of raw.{spec.name} share ({key}): reruns and backfills never duplicate",
        blocking=True,
    )
    def check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        duplicates = warehouse.warehouse().query(
            f"SELECT count(*) AS n FROM (SELECT {key} FROM raw.{spec.name} GROUP BY ALL HAVING count(*) > 1)"
        )["n"][0]
        return dg.AssetCheckResult(passed=duplicates == 0, metadata={"duplicate_keys": int(duplicates)})

    return check


@dg.asset_check(
    asset=asset_key("cost_allocation"),
    name="cost_parts_add_up",
    description="every total_cost is at least its cpu + gpu + ram costs, and no cost is negative",
)
def cost_parts_add_up(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    bad = warehouse.warehouse().query(
        "SELECT count(*) AS n FROM raw.cost_allocation WHERE total_cost < 0 OR cpu_cost < 0 OR gpu_cost < 0 "
        "OR ram_cost < 0 OR total_cost + 1e-6 < cpu_cost + gpu_cost + ram_cost"
    )["n"][0]
    return dg.AssetCheckResult(passed=bad == 0, metadata={"inconsistent_rows": int(bad)})


CHECKS = [
    _unique_key_check(spec)
    for endpoint in ENDPOINTS
    for spec in (endpoint.table, *endpoint.child_tables)
    if spec.key
] + [cost_parts_add_up]


@dg.definitions
def checks() -> dg.Definitions:
    return dg.Definitions(asset_checks=CHECKS)
