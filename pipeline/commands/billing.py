"""`domino-etl billing plan|apply`: declare billing tags, settings, project tags and budgets in a file,
review the plan, apply it by hash.

Exit codes: plan: 0 changes planned, 3 no changes, 1 invalid file or Domino error. apply: 0 applied and
verified, 3 nothing to do, 4 refused (drift, change limit, tag in use), 5 dry run, 1 failed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipeline.writeback.config import DEFAULT_CONFIG

billing_app = typer.Typer(
    help="Admin write-back of billing tags, billing-tag settings, project tags and budgets "
    "(plan, then apply by hash).",
    no_args_is_help=True,
)
NO_CHANGES, FAILED = 3, 1


def _warehouse():
    from pipeline.defs.resources import DEFAULT_DUCKDB_PATH
    from pipeline.warehouse import Warehouse

    return Warehouse(os.environ.get("DOMINO_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH)


def _fail(message: str, as_json: bool, **extra: object) -> typer.Exit:
    if as_json:
        typer.echo(json.dumps({"outcome": "failed", "problems": message.splitlines(), **extra}))
    else:
        typer.echo(message, err=True)  # never wrapped: each problem keeps its file:line on one line
    return typer.Exit(FAILED)


@billing_app.command()
def plan(
    config: Annotated[Path, typer.Option(help="The desired-state YAML file.")] = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON (for scripts).")] = False,
) -> None:
    """Read Domino live, diff it with the file, print the plan and save it as <plans dir>/<hash>.json."""
    from pipeline.domino import DominoClient, DominoError, DominoSettings
    from pipeline.writeback.render import print_plan
    from pipeline.writeback.source import ConfigError
    from pipeline.writeback.workflow import make_and_save_plan, plans_dir

    try:
        with DominoClient(DominoSettings.from_env()) as client:
            saved = make_and_save_plan(config, client, _warehouse(), plans_dir())
    except ConfigError as exc:
        raise _fail(f"invalid desired state:\n{exc}", as_json) from None
    except DominoError as exc:
        raise _fail(str(exc), as_json) from None
    if as_json:
        typer.echo(json.dumps({"hash": saved.plan.hash, "path": str(saved.path), **saved.plan.content()}))
    else:
        print_plan(saved.plan, Console())
        typer.echo(f"saved: {saved.path}")
    raise typer.Exit(0 if saved.plan.changes else NO_CHANGES)


@billing_app.command()
def apply(
    plan_hash: Annotated[str, typer.Option("--plan", help="Hash (or unique 8+ character prefix) of a plan.")],
    yes: Annotated[bool, typer.Option("--yes", help="Really write; without it this is a dry run.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    max_changes: Annotated[int, typer.Option(help="Refuse plans with more changes to write.")] = 50,
    allow_retire_in_use: Annotated[
        bool, typer.Option(help="Allow retiring a billing tag that projects still carry.")
    ] = False,
    refresh: Annotated[
        bool, typer.Option(help="Re-load the changed inventory tables into DuckDB after applying.")
    ] = True,
) -> None:
    """Apply exactly one saved plan: refuse on drift or past the limits, write, verify, log."""
    from pipeline.domino import DominoError, DominoSettings
    from pipeline.writeback.apply import Guards, Outcome
    from pipeline.writeback.plan import PlanError
    from pipeline.writeback.render import result_lines
    from pipeline.writeback.workflow import apply_saved, plans_dir, stale_tables

    try:
        settings = DominoSettings.from_env()
        loaded, result = apply_saved(
            plan_hash, settings, _warehouse(), plans_dir(), Guards(max_changes, allow_retire_in_use), yes
        )
    except (PlanError, DominoError) as exc:
        raise _fail(str(exc), as_json) from None
    tables = stale_tables(loaded, result)
    refreshed = None
    if refresh and tables and result.outcome == Outcome.APPLIED:
        from pipeline.commands.refresh import refresh_tables

        refreshed = refresh_tables(tables)
    if as_json:
        typer.echo(json.dumps({**result.to_dict(), "refreshed_tables": tables if refreshed else []}))
    else:
        for line in result_lines(result):
            typer.echo(line)
        if refreshed is not None:
            typer.echo(refreshed)
    raise typer.Exit(result.exit_code)
