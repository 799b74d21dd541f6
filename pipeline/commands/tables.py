"""`domino-etl tables`: every table and column with its meaning, from the DuckDB comments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pipeline.defs.resources import DEFAULT_DUCKDB_PATH


def tables(
    name: Annotated[
        str | None, typer.Argument(help="One table (e.g. reporting.cost_daily) or schema (e.g. reporting).")
    ] = None,
    brief: Annotated[bool, typer.Option("--brief", help="Tables only, without their columns.")] = False,
    readme: Annotated[
        Path | None,
        typer.Option(help="Rewrite the generated table list in this README instead of printing."),
    ] = None,
) -> None:
    """Print tables, columns and their meanings (from the DuckDB file, or the tables a load creates)."""
    from pipeline.reporting.describe import (
        describe,
        render_markdown,
        render_text,
        replace_readme_block,
        scratch_docs,
    )
    from pipeline.warehouse import Warehouse

    if readme is not None:
        text = readme.read_text()
        updated = replace_readme_block(text, render_markdown(scratch_docs()))
        readme.write_text(updated)
        typer.echo(f"{readme}: table list {'updated' if updated != text else 'already up to date'}")
        return
    path = Path(os.environ.get("DOMINO_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH)
    if path.exists():
        with Warehouse(path).connect(read_only=True) as con:
            docs = describe(con)
    else:
        typer.echo(f"({path} does not exist yet: these are the tables a load creates)", err=True)
        docs = scratch_docs()
    if name:
        docs = [d for d in docs if name in (d.relation, d.schema)]
        if not docs:
            raise typer.BadParameter(f"no table or schema named {name!r}")
    typer.echo(render_text(docs, with_columns=not brief), nl=False)
