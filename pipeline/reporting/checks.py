"""Checks on SQL models: a generated key check for every model with a `key`, plus one file per
model-specific check in `sql/checks/<check_name>.sql`.

A check is a query that returns the offending rows: it passes when it returns none. Its header names the
model it guards and a `plant` statement that breaks it (the tests run it in a rolled-back transaction and
see the check fail), so no check exists that was never seen failing:

    -- The daily totals equal the allocation's total of every day.    first line: what must hold
    -- model: reporting.cost_daily
    -- plant: update reporting.cost_daily set total_cost_usd = total_cost_usd + 1 where ...
    select day, ... where ...                                          the offending rows
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from pipeline.reporting.build import Window, quote, set_variables, set_window
from pipeline.reporting.models import SQL_ROOT, Model, ModelError, read_tables, split_header

KEY_CHECK = "key_unique_not_null"
EXAMPLES = 20
"""Offending rows listed in a failed check's metadata."""


@dataclass(frozen=True)
class Check:
    name: str
    relation: str
    """The model it guards, `schema.table`."""
    description: str
    sql: str
    plant: str = ""
    blocking: bool = False
    reads: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CheckOutcome:
    check: Check
    failing: int
    examples: list[dict[str, object]]

    @property
    def passed(self) -> bool:
        return self.failing == 0

    def metadata(self) -> dict[str, object]:
        return {"failing_rows": self.failing, "offending": self.examples}


def key_check(model: Model) -> Check | None:
    """No two rows share the key and no key column is NULL; blocking, as downstream sums would double."""
    if not model.key:
        return None
    columns = ", ".join(quote(c) for c in model.key)
    nulls = " OR ".join(f"{quote(c)} IS NULL" for c in model.key)
    return Check(
        name=KEY_CHECK,
        relation=model.relation,
        description=f"({', '.join(model.key)}) is unique and never NULL",
        sql=f"SELECT {columns}, count(*) AS copies FROM {model.relation} GROUP BY ALL "
        f"HAVING count(*) > 1 OR {nulls}",
        blocking=True,
    )


def parse_check(path: Path) -> Check:
    header, sql = split_header(path.read_text(), path)
    settings = {}
    for line in header[1:]:
        what, _, value = line.partition(":")
        if what.strip() in ("model", "plant"):
            settings[what.strip()] = value.strip()
    if not header or not header[0]:
        raise ModelError(f"{path}: the first header line says what must hold")
    if "model" not in settings:
        raise ModelError(f"{path}: '-- model: <schema>.<table>' names the model the check guards")
    if "plant" not in settings:
        raise ModelError(f"{path}: '-- plant: <SQL>' breaks what the check guards (the tests run it)")
    return Check(
        name=path.stem,
        relation=settings["model"],
        description=header[0],
        sql=sql,
        plant=settings["plant"],
        reads=read_tables(sql, path),
    )


def load_checks(models: Iterable[Model], root: Path = SQL_ROOT) -> dict[str, list[Check]]:
    """Checks per model relation: the generated key check first, then the model's check files."""
    by_relation: dict[str, list[Check]] = {}
    for model in models:
        generated = key_check(model)
        by_relation[model.relation] = [generated] if generated else []
    for path in sorted((root / "checks").glob("*.sql")):
        check = parse_check(path)
        if check.relation not in by_relation:
            raise ModelError(f"{path}: guards {check.relation}, which no sql/ model defines")
        if check.name in {c.name for c in by_relation[check.relation]}:
            raise ModelError(f"{path}: {check.relation} already has a check named {check.name!r}")
        by_relation[check.relation].append(check)
    return by_relation


def _plain(value: object) -> object:
    """JSON-friendly values for Dagster metadata."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def evaluate(con: duckdb.DuckDBPyConnection, check: Check, window: Window) -> CheckOutcome:
    """Run the check's query over `window` (checks may restrict themselves to it)."""
    set_variables(con)
    set_window(con, window)
    try:
        cursor = con.execute(f"SELECT * FROM ({check.sql}) AS offending")
        names = [d[0] for d in cursor.description or []]
        rows = cursor.fetchmany(EXAMPLES)
        failing = len(rows) + (len(cursor.fetchall()) if len(rows) == EXAMPLES else 0)
    except duckdb.Error as error:
        raise ModelError(
            f"check {check.name} on {check.relation}: {type(error).__name__}: {error}"
        ) from error
    examples = [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in rows]
    return CheckOutcome(check, failing, examples)
