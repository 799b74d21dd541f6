"""Dagster wiring of the billing write-back: jobs `billing_plan` and `billing_apply` (ops, not assets),
and a sensor that re-materialises the inventory tables an apply changed.

The ops only wire: the work is `pipeline.writeback.workflow`, shared with `domino-etl billing`.
Credentials stay in the environment (`DOMINO_USER_API_KEY`, `DOMINO_ADMIN_API_KEY`), never in run config.
"""

from collections.abc import Iterator, Sequence

import dagster as dg

from pipeline.defs.extract import EXTRACT_ASSETS, POOL, asset_key
from pipeline.defs.resources import DominoResource, WarehouseResource
from pipeline.writeback.apply import Guards, Outcome
from pipeline.writeback.config import DEFAULT_CONFIG
from pipeline.writeback.plan import PlanError
from pipeline.writeback.render import SUMMARY, plan_markdown, result_lines
from pipeline.writeback.source import ConfigError
from pipeline.writeback.workflow import (
    REFRESHED_TABLES,
    apply_saved,
    make_and_save_plan,
    plans_dir,
    stale_tables,
)

STALE_TABLES = "stale_tables"


class BillingPlanConfig(dg.Config):
    config_path: str = str(DEFAULT_CONFIG)
    """The desired-state YAML file, relative to the working directory."""


class BillingApplyConfig(dg.Config):
    plan: str
    """The hash (or a unique prefix of 8+ characters) of a saved plan."""
    yes: bool = False
    """False is a dry run: guard rails and drift are checked, nothing is written."""
    max_changes: int = 50
    allow_retire_in_use: bool = False


@dg.op(description="Read Domino live, diff it with the desired-state file, save the plan by its hash.")
def make_billing_plan(
    context: dg.OpExecutionContext,
    config: BillingPlanConfig,
    domino: DominoResource,
    warehouse: WarehouseResource,
) -> dg.Output[str]:
    try:
        with domino.client() as client:
            saved = make_and_save_plan(config.config_path, client, warehouse.warehouse(), plans_dir())
    except (ConfigError, OSError) as exc:
        raise dg.Failure(description=f"invalid desired state:\n{exc}") from None
    plan = saved.plan
    kinds: dict[str, int] = {}
    for change in plan.changes:
        kinds[change.kind] = kinds.get(change.kind, 0) + 1
    context.log.info(f"plan {plan.hash}: {len(plan.changes)} changes")
    return dg.Output(
        plan.hash,
        metadata={
            "plan_hash": plan.hash,
            "changes": len(plan.changes),
            "changes_by_kind": dg.MetadataValue.json(kinds),
            "plan": dg.MetadataValue.md(plan_markdown(plan)),
            "plan_file": dg.MetadataValue.path(str(saved.path)),
            "domino": plan.host,
            "notes": dg.MetadataValue.json(list(plan.notes)),
        },
    )


@dg.op(
    description="Apply one saved plan (dry run unless `yes`): refuse on drift or limits, write, verify, log.",
    pool=POOL,
)
def apply_billing_plan(
    context: dg.OpExecutionContext,
    config: BillingApplyConfig,
    domino: DominoResource,
    warehouse: WarehouseResource,
) -> dg.Output[list[str]]:
    guards = Guards(config.max_changes, config.allow_retire_in_use)
    try:
        plan, result = apply_saved(
            config.plan, domino.settings(), warehouse.warehouse(), plans_dir(), guards, config.yes
        )
    except PlanError as exc:
        raise dg.Failure(description=str(exc)) from None
    for line in result_lines(result):
        context.log.info(line)
    tables = stale_tables(plan, result)
    metadata = {
        "plan_hash": plan.hash,
        "outcome": str(result.outcome),
        "summary": SUMMARY[result.outcome],
        "write_identity": str(result.identity) if result.identity else "",
        "applied": len(result.applied),
        "already_in_place": len(result.already),
        "still_to_do": len(result.pending),
        "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in result.problems) or "none"),
        STALE_TABLES: dg.MetadataValue.json(tables),
    }
    if result.outcome in (Outcome.REFUSED, Outcome.FAILED):
        raise dg.Failure(description="\n".join(result_lines(result)), metadata=metadata)
    return dg.Output(tables, metadata=metadata)


@dg.job(description="Plan billing tags, settings, project tags and budgets against Domino (no writes).")
def billing_plan() -> None:
    make_billing_plan()


@dg.job(description="Apply one saved billing plan by hash; a dry run unless `yes: true`.")
def billing_apply() -> None:
    apply_billing_plan()


REFRESHABLE = sorted({t for tables in REFRESHED_TABLES.values() for t in tables})
billing_refresh = dg.define_asset_job(
    "billing_refresh",
    selection=dg.AssetSelection.assets(*[asset_key(t) for t in REFRESHABLE]),
    description="Re-read the inventory tables a billing apply changed (tags, settings, projects, budgets).",
)


def stale_tables_of(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The `stale_tables` output metadata of an apply run."""
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_OUTPUT):
        event = record.dagster_event
        data = event.step_output_data if event is not None else None
        if data is not None and STALE_TABLES in data.metadata:
            return list(data.metadata[STALE_TABLES].value)
    return []


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[billing_apply],
    request_job=billing_refresh,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a successful billing apply, re-materialise exactly the inventory tables it changed.",
)
def refresh_after_billing_apply(
    context: dg.RunStatusSensorContext,
) -> Iterator[dg.RunRequest | dg.SkipReason]:
    tables = stale_tables_of(context.instance, context.dagster_run.run_id)
    if not tables:
        yield dg.SkipReason("the apply changed nothing (dry run or no changes)")
        return
    yield dg.RunRequest(run_key=context.dagster_run.run_id, asset_selection=[asset_key(t) for t in tables])


def refresh_assets(tables: Sequence[str]) -> list[dg.AssetsDefinition]:
    """The extract assets that land `tables` (for an in-process refresh from the CLI)."""
    keys = {asset_key(t) for t in tables}
    return [a for a in EXTRACT_ASSETS if keys & set(a.keys)]


@dg.definitions
def writeback() -> dg.Definitions:
    return dg.Definitions(
        jobs=[billing_plan, billing_apply, billing_refresh], sensors=[refresh_after_billing_apply]
    )
