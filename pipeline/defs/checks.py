"""Asset checks, declared on each extract asset (`check_specs`) and evaluated right after its load, in
the same step: every raw table keeps its natural key unique, and cost rows add up."""

import dagster as dg

from pipeline.tables import TableSpec
from pipeline.warehouse import Warehouse

UNIQUE_KEY = "unique_key"
COST_PARTS = "cost_parts_add_up"
COST_TABLES = frozenset({"cost_allocation", "cost_allocation_summary"})


def check_specs(spec: TableSpec, key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    """The checks that guard one raw table."""
    checks = []
    if spec.key:
        columns = ", ".join(spec.key)
        checks.append(
            dg.AssetCheckSpec(
                UNIQUE_KEY,
                asset=key,
                blocking=True,
                description=f"no two rows share ({columns}): reruns and backfills never duplicate",
            )
        )
    if spec.name in COST_TABLES:
        checks.append(
            dg.AssetCheckSpec(
                COST_PARTS,
                asset=key,
                description="every total_cost is at least its cpu + gpu + ram costs, and no cost is negative",
            )
        )
    return checks


def evaluate(warehouse: Warehouse, spec: TableSpec, key: dg.AssetKey) -> list[dg.AssetCheckResult]:
    """Results of `check_specs(spec)`, read from DuckDB in one short read-only query each."""
    results = []
    if spec.key:
        duplicates = warehouse.query(
            f"SELECT count(*) AS n FROM (SELECT {', '.join(spec.key)} FROM raw.{spec.name} "
            "GROUP BY ALL HAVING count(*) > 1)"
        )["n"][0]
        results.append(
            dg.AssetCheckResult(
                asset_key=key,
                check_name=UNIQUE_KEY,
                passed=bool(duplicates == 0),
                metadata={"duplicate_keys": int(duplicates)},
            )
        )
    if spec.name in COST_TABLES:
        bad = warehouse.query(
            f"SELECT count(*) AS n FROM raw.{spec.name} WHERE total_cost < 0 OR cpu_cost < 0 OR gpu_cost < 0 "
            "OR ram_cost < 0 OR total_cost + 1e-6 < cpu_cost + gpu_cost + ram_cost"
        )["n"][0]
        results.append(
            dg.AssetCheckResult(
                asset_key=key,
                check_name=COST_PARTS,
                passed=bool(bad == 0),
                metadata={"inconsistent_rows": int(bad)},
            )
        )
    return results
