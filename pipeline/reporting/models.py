"""SQL models: one `sql/<layer>/<name>.sql` file each, its header comment parsed, its inputs read by sqlglot.

A model file starts with a block of `--` comment lines (see `sql/README.md`):

    -- One row per day × allocation key: what the table holds.     first line: the table COMMENT
    -- key: day, allocation_key                                     unique + not-null check
    -- partition: day                                               incremental by this DATE column
    -- grain: month                                                 optional: rebuild whole months
    -- also_rebuild: 1 month                                        optional: and this much after the range
    -- col day: UTC day of the cost window                          one per output column: COLUMN COMMENT
    select ...

Its upstream tables are never listed by hand: they are the schema-qualified tables its SELECT reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

from pipeline.reporting.settings import VARIABLES

SQL_ROOT = Path(__file__).resolve().parents[2] / "sql"
"""The project's `sql/` folder (next to `pipeline/`)."""

LAYERS: dict[str, str] = {
    # layer (folder = schema) -> what it materialises as
    "staging": "view",
    "intermediate": "view",
    "reporting": "table",
    "focus": "table",
}
SCHEMAS = ("raw", *LAYERS)
MODEL_LAYERS_BELOW_REPORTS = ("staging", "intermediate")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
DIRECTIVE = re.compile(r"^(key|partition|grain|also_rebuild|col\s+[A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$")
INTERVAL = re.compile(r"^(\d+)\s+(day|month)s?$")


class ModelError(ValueError):
    """A model file that cannot be built as written; the message names the file and the fix."""


@dataclass(frozen=True)
class Model:
    """One SQL model: where it lives, what it reads, and how it is built."""

    layer: str
    name: str
    path: Path
    sql: str
    comment: str
    columns: dict[str, str]
    """Output column -> meaning, in header order (the COLUMN COMMENTs)."""
    key: tuple[str, ...] = ()
    partition: str | None = None
    grain: str = "day"
    also_rebuild: tuple[int, str] | None = None
    """(n, 'day'|'month') rebuilt after the affected range (e.g. month-over-month columns)."""
    notes: str = ""
    deps: tuple[tuple[str, str], ...] = field(default=())
    """(schema, table) of every table the SELECT reads, sorted."""

    @property
    def relation(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def materialization(self) -> str:
        return LAYERS[self.layer]

    @property
    def description(self) -> str:
        return f"{self.comment}\n\n{self.notes}".strip()


def split_header(text: str, path: Path) -> tuple[list[str], str]:
    """The leading `--` comment lines (without the dashes) and the SQL after them."""
    lines = text.splitlines()
    header: list[str] = []
    for k, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("--"):
            header.append(stripped[2:].strip())
        elif stripped:
            return header, "\n".join(lines[k:]).strip()
    raise ModelError(f"{path}: no SELECT statement after the header")


def _interval(value: str, path: Path) -> tuple[int, str]:
    match = INTERVAL.match(value.strip())
    if not match:
        raise ModelError(f"{path}: also_rebuild must be '<n> day(s)' or '<n> month(s)', not {value!r}")
    return int(match.group(1)), match.group(2)


def _names(value: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in value.split(",") if n.strip())


def _variables(tree: exp.Expression) -> set[str]:
    """Names passed to getvariable('...') anywhere in the statement."""
    found = set()
    for node in tree.find_all(exp.Anonymous, exp.Func):
        name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
        if name.lower() == "getvariable" and node.expressions:
            literal = node.expressions[0]
            if isinstance(literal, exp.Literal):
                found.add(literal.this)
    return found


def read_tables(sql: str, path: Path | str = "<sql>") -> tuple[tuple[str, str], ...]:
    """(schema, table) of every table a single DuckDB SELECT reads, parsed with sqlglot.

    CTE names and table functions are not tables; any other table must be schema-qualified."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as error:
        raise ModelError(f"{path}: not valid DuckDB SQL: {error}") from error
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ModelError(f"{path}: a model is exactly one SELECT statement (WITH allowed)")
    tree = statements[0]
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = set()
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # table function: range(), generate_series(), unnest()
        if not table.db:
            if table.name in ctes:
                continue
            raise ModelError(f"{path}: table {table.name!r} must be schema-qualified (raw., staging., ...)")
        if table.db not in SCHEMAS:
            raise ModelError(f"{path}: unknown schema {table.db!r} (known: {', '.join(SCHEMAS)})")
        tables.add((table.db, table.name))
    return tuple(sorted(tables))


def parse_model(path: Path) -> Model:
    """Parse one model file; every rule of the contract is checked here so a bad file fails early."""
    layer, name = path.parent.name, path.stem
    if layer not in LAYERS:
        raise ModelError(f"{path}: folder must be one of {', '.join(LAYERS)}")
    if not NAME.match(name):
        raise ModelError(f"{path}: file name must be lower snake case")
    header, sql = split_header(path.read_text(), path)
    if not header or not header[0] or DIRECTIVE.match(header[0]):
        raise ModelError(f"{path}: the first header line says what one row is (the table COMMENT)")
    columns: dict[str, str] = {}
    settings: dict[str, str] = {}
    notes = []
    for line in header[1:]:
        match = DIRECTIVE.match(line)
        if not match:
            notes.append(line)
            continue
        what, value = match.group(1), match.group(2).strip()
        if what.startswith("col"):
            column = what.split()[1]
            if column in columns:
                raise ModelError(f"{path}: column {column!r} described twice")
            if not value:
                raise ModelError(f"{path}: column {column!r} needs a meaning")
            columns[column] = value
        else:
            settings[what] = value
    key = _names(settings.get("key", ""))
    partition = settings.get("partition") or None
    grain = settings.get("grain", "day")
    also = _interval(settings["also_rebuild"], path) if "also_rebuild" in settings else None
    deps = read_tables(sql, path)
    model = Model(
        layer=layer,
        name=name,
        path=path,
        sql=sql,
        comment=header[0],
        columns=columns,
        key=key,
        partition=partition,
        grain=grain,
        also_rebuild=also,
        notes="\n".join(notes).strip(),
        deps=deps,
    )
    _validate(model)
    return model


def _validate(model: Model) -> None:
    path = model.path
    if not model.columns:
        raise ModelError(f"{path}: every output column needs a '-- col <name>: <meaning>' line")
    for column in (*model.key, *([model.partition] if model.partition else [])):
        if column not in model.columns:
            raise ModelError(f"{path}: key/partition column {column!r} has no '-- col' line")
    if model.grain not in ("day", "month"):
        raise ModelError(f"{path}: grain must be 'day' or 'month'")
    unknown = _variables(sqlglot.parse_one(model.sql, read="duckdb")) - set(VARIABLES)
    if unknown:
        raise ModelError(
            f"{path}: unknown getvariable() names {sorted(unknown)}; known: {', '.join(VARIABLES)}"
        )
    if model.partition:
        if model.materialization == "view":
            raise ModelError(f"{path}: views are not partitioned (they are rebuilt instantly)")
        tree = sqlglot.parse_one(model.sql, read="duckdb")
        missing = {"partition_start", "partition_end"} - _variables(tree)
        if missing:
            raise ModelError(
                f"{path}: a partitioned model restricts its rows to {model.partition} >= "
                "getvariable('partition_start') and < getvariable('partition_end'); "
                f"missing: {', '.join(sorted(missing))}"
            )
    elif model.grain != "day" or model.also_rebuild:
        raise ModelError(f"{path}: grain/also_rebuild only apply to partitioned models")
    if model.layer not in MODEL_LAYERS_BELOW_REPORTS:
        raw = [t for s, t in model.deps if s == "raw"]
        if raw:
            raise ModelError(f"{path}: reports read staging/intermediate models, not raw ({', '.join(raw)})")
    if (model.layer, model.name) in model.deps:
        raise ModelError(f"{path}: a model cannot read itself")


def load_models(root: Path = SQL_ROOT) -> list[Model]:
    """Every model under `root`, upstream before downstream; fails on a cycle or a missing upstream model."""
    models = [parse_model(p) for layer in LAYERS for p in sorted((root / layer).glob("*.sql"))]
    return topological(models)


def topological(models: Iterable[Model]) -> list[Model]:
    by_key = {(m.layer, m.name): m for m in models}
    for model in by_key.values():
        for dep in model.deps:
            if dep[0] != "raw" and dep not in by_key:
                raise ModelError(f"{model.path}: reads {dep[0]}.{dep[1]}, which no sql/ file defines")
    ordered: list[Model] = []
    state: dict[tuple[str, str], str] = {}

    def visit(key: tuple[str, str], trail: tuple[str, ...]) -> None:
        if state.get(key) == "done":
            return
        if state.get(key) == "visiting":
            raise ModelError(f"cycle between models: {' -> '.join((*trail, '.'.join(key)))}")
        state[key] = "visiting"
        for dep in by_key[key].deps:
            if dep in by_key:
                visit(dep, (*trail, ".".join(key)))
        state[key] = "done"
        ordered.append(by_key[key])

    for key in sorted(by_key):
        visit(key, ())
    return ordered
