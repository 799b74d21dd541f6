"""Asset checks, declared on each extract asset (`check_specs`) and evaluated right after its load, in
the same step: every raw table keeps its natural key unique, and each table runs the named row checks
its catalogue entry lists in `TableSpec.checks` (e.g. cost rows add up)."""

from dataclasses import dataclass

import dagster as dg

from pipeline.tables import TableSpec
from pipeline.warehouse import Warehouse

UNIQUE_KEY = "unique_key"


@dataclass(frozen=True)
class RowCheck:
    """A check that passes when no row of the table matches `bad_rows` (a SQL condition)."""

    description: str
    bad_rows: str
    metric: str
    """Metadata key under which the number of bad rows is reported."""


CHECKS: dict[str, RowCheck] = {
    "cost_parts_add_up": RowCheck(
        description="every total_cost is at least its cpu + gpu + ram costs, and no cost is negative",
        bad_rows="total_cost < 0 OR cpu_cost < 0 OR gpu_cost < 0 OR ram_cost < 0 "
        "OR total_cost + 1e-6 < cpu_cost + gpu_cost + ram_cost",
        metric="inconsistent_rows",
    ),
}
"""Row checks by name; a catalogue table opts in with `table(..., checks=("cost_parts_add_up",))`."""


def row_checks(spec: TableSpec) -> list[tuple[str, RowCheck]]:
    """The named row checks of `spec`; an unknown name fails loudly (a catalogue typo)."""
    unknown = [name for name in spec.checks if name not in CHECKS]
    if unknown:
        raise KeyError(f"raw.{spec.name}: unknown checks {unknown}; known: {sorted(CHECKS)}")
    return [(name, CHECKS[name]) for name in spec.checks]


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
    checks += [dg.AssetCheckSpec(name, asset=key, description=c.description) for name, c in row_checks(spec)]
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
    for name, check in row_checks(spec):
        bad = warehouse.query(f"SELECT count(*) AS n FROM raw.{spec.name} WHERE {check.bad_rows}")["n"][0]
        results.append(
            dg.AssetCheckResult(
                asset_key=key,
                check_name=name,
                passed=bool(bad == 0),
                metadata={check.metric: int(bad)},
            )
        )
    return results
