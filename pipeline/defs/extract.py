"""One Dagster asset per catalogue endpoint (plus its child tables), generated, never hand-written.

Each asset only wires: it asks the extraction engine to land its endpoint and reports the numbers.
Every asset writes DuckDB, so all sit in the `duckdb_writer` pool (limit 1 in dagster.yaml).
"""

import os
from collections.abc import Iterator
from datetime import date

import dagster as dg

from pipeline.defs.cadence import freshness_policy
from pipeline.defs.checks import check_specs, evaluate, evaluate_load, load_check_specs
from pipeline.defs.partitions import daily_partitions
from pipeline.defs.resources import DominoResource, WarehouseResource
from pipeline.domino import ENDPOINTS, Endpoint
from pipeline.domino.catalogue import CATALOGUE
from pipeline.domino.errors import DominoApiError
from pipeline.extract import Extraction
from pipeline.extract.progress import notify
from pipeline.tables import TableSpec
from pipeline.warehouse import LockTimeout
from pipeline.warehouse.ddl import DUCKDB_TYPES

POOL = "duckdb_writer"
FULL_RELOAD_TAG = "domino/full_reload"
"""Run tag: `true` makes cursor endpoints (runs) re-read from the first record; held rows are kept."""


def asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def table_schema(spec: TableSpec) -> dg.TableSchema:
    columns = [
        dg.TableColumn(c.name, DUCKDB_TYPES[c.type], description=c.comment or f"from `{c.path}`")
        for c in spec.columns
    ]
    columns += [
        dg.TableColumn(p, "VARCHAR", description="from the fan-out parent") for p in spec.parent_columns
    ]
    columns += [
        dg.TableColumn("_raw", "JSON", description="the complete source record, unknown fields included"),
        dg.TableColumn("_extracted_at", "TIMESTAMPTZ"),
        dg.TableColumn("_run_id", "VARCHAR"),
    ]
    return dg.TableSchema(columns=columns)


def _spec(endpoint: Endpoint, table: TableSpec, description: str) -> dg.AssetSpec:
    """The asset of one table; the endpoint's own table depends on its fan-out parent's table."""
    fans_out = endpoint.parent is not None and table is endpoint.table
    deps = [asset_key(CATALOGUE[endpoint.parent.parent].table.name)] if fans_out else []  # type: ignore[union-attr]
    return dg.AssetSpec(
        key=asset_key(table.name),
        group_name=endpoint.area,
        description=description,
        kinds={"duckdb", "python"},
        owners=["team:finops-data"],
        deps=deps,
        freshness_policy=freshness_policy(endpoint),
        tags={"domino/area": endpoint.area},
        metadata={
            "dagster/column_schema": table_schema(table),
            "dagster/table_name": f"raw.{table.name}",
            "domino/path": endpoint.path,
            "domino/admin_only": endpoint.admin_only,
        },
    )


class ExtractConfig(dg.Config):
    """Run configuration of every extract asset."""

    force_empty: bool = False
    """Apply Domino's answer even where it would drop held rows (an empty day past retention, a shrinking
    inventory); by default those rows are kept and the `reload_kept_held_rows` check warns."""


RETRY_POLICY = dg.RetryPolicy(
    max_retries=int(os.environ.get("DOMINO_RUN_RETRIES") or 2),
    delay=float(os.environ.get("DOMINO_RUN_RETRY_DELAY_SECONDS") or 30),
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)
"""Whole-step retries for what stays transient after the client's own retries (Domino down for minutes,
the DuckDB file locked by a reader); errors that a retry cannot fix are raised with `allow_retries=False`."""


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, LockTimeout):
        return True
    status = getattr(error, "status", 0)
    return isinstance(error, DominoApiError) and (status is None or status == 429 or status >= 500)


def build_asset(endpoint: Endpoint) -> dg.AssetsDefinition:
    """The asset (a multi-asset when the endpoint also fills child tables) that lands `endpoint`."""
    what = endpoint.table.comment or f"records of GET {endpoint.path}"
    specs = [_spec(endpoint, endpoint.table, f"raw.{endpoint.table.name}: {what}")]
    specs += [
        _spec(endpoint, child, f"raw.{child.name}: {child.comment or 'exploded from ' + endpoint.table.name}")
        for child in endpoint.child_tables
    ]
    partitioned = endpoint.partitioned is not None
    tables = (endpoint.table, *endpoint.child_tables)
    own_key = asset_key(endpoint.table.name)

    @dg.multi_asset(
        name=f"extract_{endpoint.name}",
        specs=specs,
        check_specs=[
            *(check for table in tables for check in check_specs(table, asset_key(table.name))),
            *load_check_specs(endpoint, own_key),
        ],
        partitions_def=daily_partitions if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
        pool=POOL,
        retry_policy=RETRY_POLICY,
    )
    def extract(
        context: dg.AssetExecutionContext,
        config: ExtractConfig,
        domino: DominoResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        start: date | None = None
        end: date | None = None
        if partitioned:
            window = context.partition_time_window
            start, end = window.start.date(), window.end.date()
        store = warehouse.warehouse()
        try:
            with domino.client() as client:
                extraction = Extraction(
                    client,
                    store,
                    context.run_id,
                    force_empty=config.force_empty,
                    progress=notify,
                    full_reload=context.run.tags.get(FULL_RELOAD_TAG) == "true",
                    **domino.guards(),
                )
                report = extraction.run(endpoint, start, end)
        except Exception as error:
            if _is_transient(error):
                raise
            raise dg.Failure(description=f"{type(error).__name__}: {error}", allow_retries=False) from error
        if report.rejects:
            context.log.warning(f"raw.{report.table}: {report.rejects} records rejected (see raw._rejects)")
        for line in report.kept:
            context.log.warning(f"kept held rows: {line}")
        yield dg.MaterializeResult(asset_key=own_key, metadata=report.metadata())
        for child in endpoint.child_tables:
            rows = report.child_rows.get(child.name, 0)
            yield dg.MaterializeResult(
                asset_key=asset_key(child.name), metadata={"rows": rows, "dagster/row_count": rows}
            )
        for table in tables:
            yield from evaluate(store, table, asset_key(table.name), report)
        yield from evaluate_load(store, endpoint, own_key, report)

    return extract


EXTRACT_ASSETS = [build_asset(endpoint) for endpoint in ENDPOINTS]


@dg.definitions
def extract_assets() -> dg.Definitions:
    return dg.Definitions(assets=EXTRACT_ASSETS)
