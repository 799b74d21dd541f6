"""Tables, columns and their meanings, read back from the DuckDB comments (the single source for
`domino-etl tables` and the README's table list).

The README list is rendered from a scratch warehouse that holds every raw table of the catalogue (empty)
and every SQL model built on them, so it depends on code only, never on what a load happened to fetch.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.reporting.build import build_models
from pipeline.reporting.models import SQL_ROOT, load_models

SCHEMAS = ("raw", "staging", "intermediate", "reporting", "focus")
README_BEGIN = "<!-- tables:begin -->"
README_END = "<!-- tables:end -->"
SCHEMA_TITLES = {
    "raw": "Raw: the Domino API as landed (one table per endpoint)",
    "staging": "Staging views: typed, deduplicated, joined",
    "intermediate": "Intermediate views: logic several reports share",
    "reporting": "Reports",
    "focus": "FOCUS export",
}


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    type: str
    comment: str


@dataclass(frozen=True)
class TableDoc:
    schema: str
    name: str
    kind: str
    comment: str
    columns: tuple[ColumnDoc, ...]

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


def describe(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = SCHEMAS) -> list[TableDoc]:
    """Every table and view of `schemas` with its comment and its columns' comments."""
    marks = ", ".join("?" for _ in schemas)
    relations = con.execute(
        f"SELECT schema_name, table_name, 'table', coalesce(comment, '') FROM duckdb_tables() "
        f"WHERE schema_name IN ({marks}) AND NOT temporary "
        f"UNION ALL SELECT schema_name, view_name, 'view', coalesce(comment, '') FROM duckdb_views() "
        f"WHERE schema_name IN ({marks}) AND NOT internal AND NOT temporary",
        [*schemas, *schemas],
    ).fetchall()
    columns = con.execute(
        "SELECT schema_name, table_name, column_name, data_type, coalesce(comment, '') "
        f"FROM duckdb_columns() WHERE schema_name IN ({marks}) "
        "ORDER BY schema_name, table_name, column_index",
        list(schemas),
    ).fetchall()
    by_table: dict[tuple[str, str], list[ColumnDoc]] = {}
    for schema, table, column, duck_type, comment in columns:
        by_table.setdefault((schema, table), []).append(ColumnDoc(column, duck_type, comment))
    order = {s: k for k, s in enumerate(schemas)}
    docs = [
        TableDoc(schema, name, kind, comment, tuple(by_table.get((schema, name), [])))
        for schema, name, kind, comment in relations
    ]
    return sorted(docs, key=lambda d: (order[d.schema], d.name))


def render_text(docs: list[TableDoc], with_columns: bool = True) -> str:
    """Plain text for the terminal: each table, its meaning, then its columns and theirs."""
    lines: list[str] = []
    for doc in docs:
        lines.append(f"{doc.relation} ({doc.kind}): {doc.comment}")
        if with_columns:
            width = max((len(c.name) for c in doc.columns), default=0)
            lines += [f"    {c.name:<{width}}  {c.type:<13} {c.comment}" for c in doc.columns]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(docs: list[TableDoc]) -> str:
    """The README block: one list per schema (raw snapshots `*_history` summarised in one line)."""
    lines = [README_BEGIN, ""]
    for schema in SCHEMAS:
        tables = [d for d in docs if d.schema == schema and not d.name.endswith("_history")]
        if not tables:
            continue
        lines += [
            f"**{SCHEMA_TITLES[schema]}** (schema `{schema}`)",
            "",
            "| table | what it holds |",
            "|---|---|",
        ]
        lines += [f"| `{d.relation}` | {_cell(d.comment)} |" for d in tables if not d.name.startswith("_")]
        lines.append("")
        if schema == "raw":
            lines += [
                "Plus `raw.<table>_history` (daily snapshots of every snapshot table), `raw._rejects` and "
                "`raw._loads`.",
                "",
            ]
    lines.append(README_END)
    return "\n".join(lines)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every raw table of the catalogue (and snapshot history) that does not exist yet, empty:
    every model then builds, even on a warehouse that loaded only some areas."""
    from pipeline.domino import ENDPOINTS
    from pipeline.warehouse.ddl import ensure_history_table, ensure_log_tables, ensure_table

    ensure_log_tables(con)
    for endpoint in ENDPOINTS:
        for spec in (endpoint.table, *endpoint.child_tables):
            ensure_table(con, spec)
            if endpoint.partitioned is None:
                ensure_history_table(con, spec)


def scratch_docs(sql_root: Path = SQL_ROOT) -> list[TableDoc]:
    """Docs of an empty warehouse with every catalogue table and every SQL model, built in a temp dir."""
    with tempfile.TemporaryDirectory() as folder:
        con = duckdb.connect(str(Path(folder) / "scratch.duckdb"))
        try:
            con.execute("SET TimeZone = 'UTC'")
            ensure_raw_tables(con)
            build_models(con, load_models(sql_root))
            return describe(con)
        finally:
            con.close()


def replace_readme_block(readme: str, block: str) -> str:
    pattern = re.compile(re.escape(README_BEGIN) + r".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(readme):
        raise ValueError(f"README has no generated table block ({README_BEGIN} ... {README_END})")
    return pattern.sub(lambda _: block, readme)
