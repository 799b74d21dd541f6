"""The `domino-etl` command line: serve the simulator, run the pipeline, run the demo."""

from __future__ import annotations

import os
import socket
from datetime import date
from typing import Annotated

import typer

from pipeline.commands.billing import billing_app
from pipeline.commands.export import export_app
from pipeline.commands.tables import tables

app = typer.Typer(
    help="Domino cost and audit analytics: extract the Domino REST API into DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.add_typer(export_app, name="export")
app.add_typer(billing_app, name="billing")

app.command()(tables)


@app.command()
def simulator(
    host: Annotated[str, typer.Option(help="Interface to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port; 0 picks a free one.")] = 8800,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 42,
    scale: Annotated[str, typer.Option(help="World size: small, demo or large.")] = "demo",
    envelope: Annotated[str, typer.Option(help="List envelopes: 'real' (Domino 6.x) or 'seed'.")] = "real",
    jobs_form: Annotated[
        str, typer.Option(help="Job records: 'real' (6.x, no tier/env) or 'seed' (with them).")
    ] = "real",
    fault_rate: Annotated[float, typer.Option(help="Share of requests that get an injected fault.")] = 0.0,
    latency_ms: Annotated[int, typer.Option(help="Extra delay added to every response.")] = 0,
    faults: Annotated[
        str,
        typer.Option(
            help="Comma-separated fault kinds to inject: rate_limit, server_error, slow, drop, truncate, "
            "extra_fields, enum_case, wrong_type (default: all)."
        ),
    ] = "",
    slow_seconds: Annotated[float, typer.Option(help="How long a 'slow' fault stalls a response.")] = 3.0,
    cost_window_offset_hours: Annotated[
        int, typer.Option(help="Serve cost windows at a non-UTC Kubecost's local midnight (e.g. -2).")
    ] = 0,
    admin_key: Annotated[str | None, typer.Option(help="API key with SysAdmin rights.")] = None,
    user_key: Annotated[str | None, typer.Option(help="API key of an ordinary user.")] = None,
) -> None:
    """Serve the Domino simulator until interrupted."""
    from pipeline.simulator.http.config import SimulatorConfig
    from pipeline.simulator.server import serve

    if port == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    try:
        config = SimulatorConfig(
            host=host,
            port=port,
            seed=seed,
            scale=scale,
            envelope=envelope,
            jobs_form=jobs_form,
            fault_rate=fault_rate,
            latency_ms=latency_ms,
            slow_seconds=slow_seconds,
            cost_window_offset_hours=cost_window_offset_hours,
            **({"faults": tuple(f.strip() for f in faults.split(",") if f.strip())} if faults else {}),
            **({"admin_key": admin_key} if admin_key else {}),
            **({"user_key": user_key} if user_key else {}),
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(f"Domino simulator (seed={seed}, scale={scale}) on http://{host}:{port}")
    typer.echo(f"  admin API key: {config.admin_key}")
    typer.echo(f"  user API key:  {config.user_key}")
    typer.echo("  ground truth:  GET /__sim/truth    (Ctrl-C to stop)")
    serve(config)


@app.command()
def run(
    start: Annotated[str, typer.Option(help="First daily partition, YYYY-MM-DD (inclusive).")],
    end: Annotated[str, typer.Option(help="Last daily partition, YYYY-MM-DD (exclusive).")],
    only: Annotated[
        list[str] | None, typer.Option(help="Restrict to these asset groups (API areas); repeatable.")
    ] = None,
    lookback_days: Annotated[
        int, typer.Option(min=0, help="Also re-pull this many days before --start (late cost adjustments).")
    ] = 0,
    force_empty: Annotated[
        bool,
        typer.Option(
            "--force-empty",
            help="Replace held rows even where Domino now returns nothing (past retention) or far fewer.",
        ),
    ] = False,
) -> None:
    """Materialize every asset for the daily partitions in [start, end) and the inventory, in-process."""
    from pipeline.runner import run_pipeline

    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as error:
        raise typer.BadParameter(f"dates must be YYYY-MM-DD: {error}") from error
    if last <= first:
        raise typer.BadParameter("--end must be after --start")
    summary = run_pipeline(
        first, last, groups=only or None, lookback_days=lookback_days, force_empty=force_empty
    )
    typer.echo(summary.render())
    raise typer.Exit(0 if summary.ok else 1)


@app.command()
def demo(
    scale: Annotated[str, typer.Option(help="World size of the embedded simulator.")] = "demo",
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 42,
) -> None:
    """Start the simulator in the background, load its whole history into DuckDB, print a summary."""
    from pipeline.runner import run_demo

    summary = run_demo(scale=scale, seed=seed, duckdb_path=os.environ.get("DOMINO_DUCKDB_PATH"))
    typer.echo(summary.render())
    raise typer.Exit(0 if summary.ok else 1)


if __name__ == "__main__":
    app()
