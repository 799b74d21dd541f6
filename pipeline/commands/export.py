"""`domino-etl export ...`: write reporting tables to files for other tools (FOCUS, chargeback)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

export_app = typer.Typer(help="Export reporting tables to files.", no_args_is_help=True)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"{option} must be YYYY-MM-DD, not {value!r}") from error


@export_app.command("focus")
def focus(
    start: Annotated[str, typer.Option(help="First UTC day, YYYY-MM-DD (inclusive).")],
    end: Annotated[str, typer.Option(help="Last UTC day, YYYY-MM-DD (exclusive).")],
    out: Annotated[Path, typer.Option(help="File to write.")],
    format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Write focus.cost_and_usage for [start, end) as a FOCUS 1.2 file (CSV or Parquet)."""
    from pipeline.defs.resources import DEFAULT_DUCKDB_PATH
    from pipeline.focus.export import FORMATS, FocusExportError, export_focus
    from pipeline.warehouse import Warehouse

    first, last = _day(start, "--start"), _day(end, "--end")
    if last <= first:
        raise typer.BadParameter("--end must be after --start")
    if format not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}, not {format!r}")
    path = Path(os.environ.get("DOMINO_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH)
    if not path.exists():
        typer.echo(f"No DuckDB file at {path}: run the pipeline first (or set DOMINO_DUCKDB_PATH).", err=True)
        raise typer.Exit(1)
    try:
        result = export_focus(Warehouse(path), first, last, format, out)  # type: ignore[arg-type]
    except FocusExportError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Wrote {result.rows:,} FOCUS rows ({result.billed_cost_usd:.2f} USD billed) to {result.path}")
    if result.rows == 0:
        typer.echo(f"Note: no cost rows between {first} and {last}.", err=True)


@export_app.command("chargeback")
def chargeback(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM.")],
    out: Annotated[Path, typer.Option(help="Folder to write the statements to (created if missing).")],
) -> None:
    """One CSV statement per cost centre (billing tag) plus a summary, from reporting.chargeback_monthly."""
    from pipeline.defs.resources import DEFAULT_DUCKDB_PATH
    from pipeline.reporting.chargeback import ChargebackExportError, export_chargeback, parse_month
    from pipeline.warehouse import Warehouse

    try:
        first = parse_month(month)
    except ChargebackExportError as error:
        raise typer.BadParameter(str(error)) from error
    path = Path(os.environ.get("DOMINO_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH)
    if not path.exists():
        typer.echo(f"No DuckDB file at {path}: run the pipeline first (or set DOMINO_DUCKDB_PATH).", err=True)
        raise typer.Exit(1)
    try:
        result = export_chargeback(Warehouse(path), first, out)
    except ChargebackExportError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from error
    typer.echo(
        f"Wrote {len(result.files)} cost-centre statements and {result.summary.name} to {out} "
        f"({month}: {result.total_usd} USD in total)"
    )
