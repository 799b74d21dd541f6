"""The two steps as the CLI and Dagster call them: make and save a plan; apply a saved plan.

They differ only in how they present results; everything they share (where plans live, which clients,
which raw tables an apply makes stale) is here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from pipeline.domino import DominoClient, DominoSettings
from pipeline.warehouse import Warehouse
from pipeline.writeback.apply import ApplyResult, Guards, apply_plan
from pipeline.writeback.config import DEFAULT_CONFIG, DesiredState, load_config
from pipeline.writeback.credentials import write_settings
from pipeline.writeback.log import WritebackLog
from pipeline.writeback.plan import Plan, load_plan, make_plan, save_plan
from pipeline.writeback.resolve import TableReader, resolve
from pipeline.writeback.state import read_state

DEFAULT_PLANS_DIR = "data/plans"
REFRESHED_TABLES = {
    "billing_tag": ("billing_tags",),
    "settings": ("billing_tag_settings", "billing_tag_settings_mode"),
    "project_tag": ("projects",),
    "budget_default": ("budget_defaults",),
    "budget_override": ("budget_overrides",),
    "alerts": ("budget_alerts_settings",),
}
"""Raw inventory tables an applied change makes stale, by object kind."""


def plans_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("DOMINO_PLANS_DIR") or DEFAULT_PLANS_DIR)


def named_tags(config: DesiredState) -> set[str]:
    """Every tag the file names, so the plan knows whether each exists, and its id."""
    tags = set(config.billing_tags.ensure) | set(config.billing_tags.retire)
    tags |= {a.tag for a in config.projects.assign if a.tag} | {r.tag for r in config.projects.rules if r.tag}
    tags |= set(config.projects.organization_default_tags.values())
    tags |= {o.billing_tag for o in config.budgets.overrides if o.billing_tag}
    return tags


def table_reader(warehouse: Warehouse) -> TableReader:
    """Reads a rule's `in_table` from the project's DuckDB file (read-only, shared lock)."""

    def read(table: str) -> set[str]:
        if not warehouse.path.exists():
            raise FileNotFoundError(f"no DuckDB file at {warehouse.path}")
        frame = warehouse.query(f"SELECT DISTINCT CAST(project_id AS VARCHAR) AS project_id FROM {table}")
        return {p for p in frame["project_id"].to_list() if p}

    return read


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    path: Path


def make_and_save_plan(
    config_path: str | Path, client: DominoClient, warehouse: Warehouse, directory: Path
) -> SavedPlan:
    """Validate the file (no request before it passes), read Domino live, diff, save by hash."""
    path = Path(config_path or DEFAULT_CONFIG)
    config, located = load_config(path)
    state = read_state(client, named_tags(config))
    desired = resolve(config, located, state, table_reader(warehouse))
    plan = make_plan(desired, state, str(path), path.read_bytes())
    return SavedPlan(plan, save_plan(plan, directory))


def apply_saved(
    reference: str,
    read_settings: DominoSettings,
    warehouse: Warehouse,
    directory: Path,
    guards: Guards,
    yes: bool,
    env: Mapping[str, str] | None = None,
) -> tuple[Plan, ApplyResult]:
    """Load the plan by hash and apply it with the write credential (a dry run unless `yes`)."""
    plan = load_plan(reference, directory)
    settings, credential = write_settings(read_settings, env)
    with ExitStack() as stack:
        read_client = stack.enter_context(DominoClient(read_settings))
        write_client = stack.enter_context(DominoClient(settings))
        return plan, apply_plan(
            plan,
            read_client=read_client,
            write_client=write_client,
            credential=credential,
            log=WritebackLog(warehouse),
            guards=guards,
            yes=yes,
        )


def stale_tables(plan: Plan, result: ApplyResult) -> list[str]:
    """The raw tables to re-materialise after `result`: those of the kinds it actually changed."""
    kinds = {c.kind for c in plan.changes if c.id in result.applied}
    return sorted({table for kind in kinds for table in REFRESHED_TABLES[kind]})
