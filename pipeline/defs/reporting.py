"""One Dagster asset per SQL model in `sql/`, generated: adding a report is adding a file.

Upstream assets are the tables the SQL reads (parsed by sqlglot in `pipeline.reporting`). Models with a
`partition:` column are daily-partitioned like the raw cost assets and backfill in one run: a run for
[start, end) rebuilds just those days (whole months for monthly models). Views and unpartitioned tables
are rebuilt whole. Checks (generated key check + `sql/checks/*.sql`) are evaluated in the same step.
"""

import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import duckdb

from pipeline.defs.automation import follow_inputs
from pipeline.defs.partitions import daily_partitions
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.schedules import DAILY_JOBS, RANGE_END_TAG, RANGE_START_TAG, inventory_job
from pipeline.reporting import Check, Model, Window, build_model, evaluate, load_checks, load_models
from pipeline.reporting.describe import ensure_raw_tables
from pipeline.reporting.settings import memory_limit

POOL = "duckdb_writer"


class ModelBuildConfig(dg.Config):
    full_rebuild: bool = False
    """Rebuild the whole table whatever the partition range (e.g. after editing a model's logic)."""


MODELS = load_models()
CHECKS = load_checks(MODELS)


def dep_key(schema: str, table: str) -> dg.AssetKey | None:
    """The asset that writes `schema.table`: raw snapshots belong to their table's asset; logs to none."""
    if schema == "raw":
        if table.startswith("_"):
            return None
        return dg.AssetKey(["raw", table.removesuffix("_history")])
    return dg.AssetKey([schema, table])


def model_key(model: Model) -> dg.AssetKey:
    return dg.AssetKey([model.layer, model.name])


def _deps(tables: tuple[tuple[str, str], ...], own: dg.AssetKey | None = None) -> list[dg.AssetKey]:
    keys = {dep_key(schema, table) for schema, table in tables}
    return sorted((k for k in keys if k is not None and k != own), key=lambda k: k.to_user_string())


def _missing_raw_tables(con: duckdb.DuckDBPyConnection, model: Model) -> bool:
    raw = [table for schema, table in model.deps if schema == "raw"]
    if not raw:
        return False
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' AND list_contains(?, table_name)",
        [raw],
    ).fetchone()
    return not found or found[0] < len(raw)


def check_spec(check: Check, key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        check.name,
        asset=key,
        blocking=check.blocking,
        description=check.description,
        additional_deps=_deps(check.reads, key),
    )


def build_asset(model: Model, checks: list[Check]) -> dg.AssetsDefinition:
    key = model_key(model)
    partitioned = model.partition is not None

    @dg.asset(
        key=key,
        deps=_deps(model.deps),
        description=model.description,
        group_name=model.layer,
        kinds={"duckdb", "sql"},
        owners=["team:finops-data"],
        partitions_def=daily_partitions if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
        check_specs=[check_spec(c, key) for c in checks],
        pool=POOL,
        automation_condition=follow_inputs(),
        metadata={
            "dagster/table_name": model.relation,
            # Names and meanings from the `-- col` header; the first build adds the DuckDB types.
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(name, "", description=text) for name, text in model.columns.items()]
            ),
            "sql/path": f"sql/{model.layer}/{model.name}.sql",
            "sql/materialization": model.materialization,
            "sql/key": ", ".join(model.key),
            "sql/partition": model.partition or "",
        },
    )
    def sql_model(
        context: dg.AssetExecutionContext, config: ModelBuildConfig, warehouse: WarehouseResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        window = None
        if partitioned and not config.full_rebuild:
            span = context.partition_time_window
            window = Window(span.start.date(), span.end.date())
        store = warehouse.warehouse()
        store.settings["memory_limit"] = memory_limit()
        with store.writing() as con:
            if _missing_raw_tables(con, model):
                ensure_raw_tables(con)  # an area never loaded reads as empty, not as an error
            result = build_model(con, model, window)
            outcomes = [evaluate(con, check, result.window) for check in checks]
        context.log.info(f"{model.relation}: {result.mode}, {result.rows_written} rows written")
        metadata = result.metadata()
        metadata["dagster/column_schema"] = dg.TableSchema(
            columns=[
                dg.TableColumn(name, duck_type, description=model.columns.get(name))
                for name, duck_type in result.columns
            ]
        )
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
        for outcome in outcomes:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=outcome.check.name,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    "failing_rows": outcome.failing,
                    "offending": dg.MetadataValue.json(outcome.examples),
                },
            )

    return sql_model


with warnings.catch_warnings():  # BackfillPolicy is marked beta; single-run backfills are what we want
    warnings.simplefilter("ignore", dg.BetaWarning)
    MODEL_ASSETS = [build_asset(model, CHECKS[model.relation]) for model in MODELS]


reports_job = dg.define_asset_job(
    "domino_reports",
    selection=dg.AssetSelection.assets(*MODEL_ASSETS),
    partitions_def=daily_partitions,
    description="Rebuild the SQL models for a range of UTC days: partitioned reports just those days (or "
    "the months containing them), views and unpartitioned tables in full.",
)


def reports_request(tags: Mapping[str, str], today: date, run_id: str) -> dg.RunRequest:
    """The reports run that follows a successful load: the same days as the load (a range or one
    partition), or, after an unpartitioned load (the inventory), the last complete day."""
    first, last = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if not (first and last):
        first = last = tags.get("dagster/partition")
    if not (first and last):
        yesterday = max(today - timedelta(days=1), daily_partitions.start.date())
        first = last = yesterday.isoformat()
    return dg.RunRequest(
        run_key=f"reports-after-{run_id}", tags={RANGE_START_TAG: first, RANGE_END_TAG: last}
    )


@dg.run_status_sensor(
    name="rebuild_reports_after_loads",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[*DAILY_JOBS.values(), inventory_job],
    request_job=reports_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a load succeeds (cost, audit, jobs or inventory), rebuild the reports for the days "
    "it loaded (the inventory: the last complete day).",
)
def rebuild_reports_sensor(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    run = context.dagster_run
    return reports_request(run.tags, datetime.now(UTC).date(), run.run_id)


@dg.definitions
def reporting_assets() -> dg.Definitions:
    return dg.Definitions(assets=MODEL_ASSETS, jobs=[reports_job], sensors=[rebuild_reports_sensor])
