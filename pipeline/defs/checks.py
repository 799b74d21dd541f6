"""Asset checks, declared on each extract asset (`check_specs`) and evaluated right after its load, in the
same step, on the partitions just loaded (so a check costs in proportion to the load).

Every raw table keeps its natural key unique and runs the named row checks its catalogue entry lists in
`TableSpec.checks`; every endpoint's load reports rows a reload guard kept (warning) and its reject share;
the catalogue opts endpoints into comparing with the server's own counts, with a sibling table, and into
freshness of the newest partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg

from pipeline.domino.catalogue import Endpoint
from pipeline.extract import LoadReport
from pipeline.tables import TableSpec
from pipeline.transform import PARTITION_COLUMN
from pipeline.warehouse import Warehouse

UNIQUE_KEY = "unique_key"
KEPT_HELD_ROWS = "reload_kept_held_rows"
REJECT_SHARE = "reject_share"
SERVER_COUNT = "rows_match_server_count"
SIBLING_TOTAL = "total_matches_sibling"
FRESHNESS = "newest_partition_fresh"
EXAMPLES = 10
"""Offending keys named in a failed check's metadata."""


@dataclass(frozen=True)
class RowCheck:
    """A check that passes when no row of the table matches `bad_rows` (a SQL condition)."""

    description: str
    bad_rows: str
    metric: str
    """Metadata key under which the number of bad rows is reported."""


CHECKS: dict[str, RowCheck] = {
    "cost_parts_add_up": RowCheck(
        description="no cpu/gpu/ram cost is negative, and every total_cost is at least its cpu + gpu + ram "
        "costs with their adjustments (late adjustments may be negative)",
        bad_rows="cpu_cost < 0 OR gpu_cost < 0 OR ram_cost < 0 OR total_cost + 1e-6 < "
        "(cpu_cost + coalesce(cpu_cost_adjustment, 0)) + (gpu_cost + coalesce(gpu_cost_adjustment, 0)) "
        "+ (ram_cost + coalesce(ram_cost_adjustment, 0))",
        metric="inconsistent_rows",
    ),
    "costs_not_negative": RowCheck(
        description="no cpu/gpu/ram cost is negative (the summary does not itemise adjustments, so its "
        "total may fall below its parts)",
        bad_rows="cpu_cost < 0 OR gpu_cost < 0 OR ram_cost < 0",
        metric="negative_rows",
    ),
    "project_known": RowCheck(
        description="every job's project is a project Domino lists now or listed before (raw.projects or "
        "raw.projects_history)",
        bad_rows="project_id NOT IN (SELECT id FROM raw.projects WHERE id IS NOT NULL) "
        "AND project_id NOT IN (SELECT id FROM raw.projects_history WHERE id IS NOT NULL)",
        metric="unknown_projects",
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
    """The checks that guard one raw table's rows."""
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


def load_check_specs(endpoint: Endpoint, key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    """The checks on one endpoint's load as a whole (on its own table's asset)."""
    checks = [
        dg.AssetCheckSpec(
            KEPT_HELD_ROWS,
            asset=key,
            description="warns when Domino's answer lacked rows we hold (an empty day past retention, a "
            "shrinking inventory, a vanished job) and the reload kept them; --force-empty replaces anyway",
        ),
        dg.AssetCheckSpec(
            REJECT_SHARE,
            asset=key,
            blocking=True,
            description="records that could not be typed (quarantined in raw._rejects) stay under the "
            "reject threshold's share and count",
        ),
    ]
    if endpoint.counted:
        checks.append(
            dg.AssetCheckSpec(
                SERVER_COUNT,
                asset=key,
                description="per day, rows landed plus rejected equal the server's own count "
                "(total/estimatedMatches) for that window: no page lost or doubled",
            )
        )
    if endpoint.total_matches:
        checks.append(
            dg.AssetCheckSpec(
                SIBLING_TOTAL,
                asset=key,
                additional_deps=[dg.AssetKey(["raw", endpoint.total_matches])],
                description=f"per day, total_cost matches raw.{endpoint.total_matches} within 0.5% "
                "(adjustments included)",
            )
        )
    if endpoint.fresh_within_days:
        checks.append(
            dg.AssetCheckSpec(
                FRESHNESS,
                asset=key,
                description=f"the newest loaded partition is at most {endpoint.fresh_within_days} days old",
            )
        )
    return checks


def _scope(spec: TableSpec, report: LoadReport | None) -> str:
    """The rows of the partitions just loaded (the whole table when unpartitioned)."""
    if not spec.partitioned or report is None or report.window is None:
        return "true"
    start, end = report.window
    first, last = start.isoformat(), end.isoformat()
    return f"{PARTITION_COLUMN} >= DATE '{first}' AND {PARTITION_COLUMN} < DATE '{last}'"


def evaluate(
    warehouse: Warehouse, spec: TableSpec, key: dg.AssetKey, report: LoadReport | None = None
) -> list[dg.AssetCheckResult]:
    """Results of `check_specs(spec)` over the partitions `report` loaded, one short read-only query each."""
    results = []
    scope = _scope(spec, report)
    if spec.key:
        columns = ", ".join(spec.key)
        duplicates = warehouse.query(
            f"SELECT {columns}, count(*) AS copies FROM raw.{spec.name} WHERE {scope} "
            f"GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL LIMIT {EXAMPLES + 1}"
        )
        metadata: dict[str, object] = {"duplicate_keys": duplicates.height}
        if duplicates.height:
            metadata["examples"] = dg.MetadataValue.json(duplicates.head(EXAMPLES).to_dicts())
        results.append(
            dg.AssetCheckResult(
                asset_key=key, check_name=UNIQUE_KEY, passed=duplicates.is_empty(), metadata=metadata
            )
        )
    for name, check in row_checks(spec):
        bad = warehouse.query(
            f"SELECT count(*) AS n FROM raw.{spec.name} WHERE ({scope}) AND ({check.bad_rows})"
        )["n"][0]
        results.append(
            dg.AssetCheckResult(
                asset_key=key, check_name=name, passed=bool(bad == 0), metadata={check.metric: int(bad)}
            )
        )
    return results


def evaluate_load(
    warehouse: Warehouse, endpoint: Endpoint, key: dg.AssetKey, report: LoadReport
) -> list[dg.AssetCheckResult]:
    """Results of `load_check_specs(endpoint)` for the load `report` describes."""
    results = [
        dg.AssetCheckResult(
            asset_key=key,
            check_name=KEPT_HELD_ROWS,
            passed=not report.kept,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"kept_rows": report.kept_rows, "why": "\n".join(report.kept) or "nothing kept"},
        ),
        dg.AssetCheckResult(
            asset_key=key,
            check_name=REJECT_SHARE,
            passed=report.reject_failure is None,
            metadata={
                "rejects": report.rejects,
                "share": round(report.reject_share, 6),
                "why": report.reject_failure or "under the threshold",
            },
        ),
    ]
    if endpoint.counted:
        results.append(_server_count(warehouse, endpoint.table, key, report))
    if endpoint.total_matches:
        results.append(_sibling_total(warehouse, endpoint, key, report))
    if endpoint.fresh_within_days:
        results.append(_freshness(warehouse, endpoint, key))
    return results


def _rows_by_day(warehouse: Warehouse, table: str, spec: TableSpec, report: LoadReport) -> dict[str, int]:
    counts = warehouse.query(
        f"SELECT strftime({PARTITION_COLUMN}, '%Y-%m-%d') AS day, count(*) AS n FROM raw.{table} "
        f"WHERE {_scope(spec, report)} GROUP BY 1"
    )
    return dict(counts.iter_rows())


def _server_count(
    warehouse: Warehouse, spec: TableSpec, key: dg.AssetKey, report: LoadReport
) -> dg.AssetCheckResult:
    """Per day: rows in the table plus records rejected equal the server's count (days that came back
    empty are left to the kept-rows warning)."""
    landed = _rows_by_day(warehouse, spec.name, spec, report)
    off = {
        day: {"server": total, "landed": landed.get(day, 0), "rejected": report.rejected_by_day.get(day, 0)}
        for day, total in sorted(report.server_totals.items())
        if report.received_by_day.get(day, 0)
        and landed.get(day, 0) + report.rejected_by_day.get(day, 0) != total
    }
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=SERVER_COUNT,
        passed=not off,
        metadata={
            "days_compared": len(report.server_totals),
            "days_off": len(off),
            "examples": dg.MetadataValue.json(dict(list(off.items())[:EXAMPLES])),
        },
    )


def _sibling_total(
    warehouse: Warehouse, endpoint: Endpoint, key: dg.AssetKey, report: LoadReport
) -> dg.AssetCheckResult:
    sibling, scope = endpoint.total_matches, _scope(endpoint.table, report)
    compared = warehouse.query(
        f"WITH mine AS (SELECT {PARTITION_COLUMN} AS day, sum(total_cost) AS total "
        f"FROM raw.{endpoint.table.name} WHERE {scope} GROUP BY 1), "
        f"theirs AS (SELECT {PARTITION_COLUMN} AS day, sum(total_cost) AS total "
        f"FROM raw.{sibling} WHERE {scope} GROUP BY 1) "
        "SELECT strftime(mine.day, '%Y-%m-%d') AS day, mine.total AS mine, theirs.total AS theirs "
        "FROM mine JOIN theirs USING (day) "
        "WHERE abs(mine.total - theirs.total) > 0.01 + 0.005 * greatest(abs(mine.total), abs(theirs.total)) "
        "ORDER BY 1"
    )
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=SIBLING_TOTAL,
        passed=compared.is_empty(),
        metadata={
            "days_off": compared.height,
            "examples": dg.MetadataValue.json(compared.head(EXAMPLES).to_dicts()),
        },
    )


def _freshness(warehouse: Warehouse, endpoint: Endpoint, key: dg.AssetKey) -> dg.AssetCheckResult:
    newest = warehouse.query(f"SELECT max({PARTITION_COLUMN}) AS d FROM raw.{endpoint.table.name}")["d"][0]
    limit = datetime.now(UTC).date() - timedelta(days=endpoint.fresh_within_days or 0)
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=FRESHNESS,
        passed=newest is not None and newest >= limit,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"newest_partition": str(newest), "oldest_fresh_partition": str(limit)},
    )
