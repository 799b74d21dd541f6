"""Checks that guard `focus.cost_and_usage`: each is one SQL query that returns the offending rows.

They run on a DuckDB connection so the Dagster asset checks and the tests share them. A failed check
names the offending keys (`ChargePeriodStart`, `x_AllocationKey`) and what is wrong with each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from pipeline.focus.spec import ALLOWED_VALUES, KEY, NOT_NULL_COLUMNS, NULL_OR_VALUE, SET_TOGETHER, TABLE

SAMPLE = 20
"""Offending rows named in a failed check's metadata (the count covers all of them)."""


@dataclass(frozen=True)
class CheckOutcome:
    """How many rows break the rule, and the first few of them (key columns plus the problem)."""

    name: str
    violations: int
    sample: list[dict[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.violations == 0


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _outcome(con: duckdb.DuckDBPyConnection, name: str, problems_sql: str) -> CheckOutcome:
    """`problems_sql` selects the key columns and a `problem` text per offending row."""
    count = con.execute(f"select count(*) from ({problems_sql})").fetchone()
    rows = con.execute(
        f"select strftime({KEY[0]} at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ'), {KEY[1]}, problem "
        f"from ({problems_sql}) "
        f"order by all limit {SAMPLE}"
    ).fetchall()
    sample = [{KEY[0]: str(start), KEY[1]: str(key), "problem": problem} for start, key, problem in rows]
    return CheckOutcome(name, int(count[0]) if count else 0, sample)


def _union(selects: list[str]) -> str:
    return "\n    union all\n".join(selects)


def mandatory_not_null(con: duckdb.DuckDBPyConnection, table: str = TABLE) -> CheckOutcome:
    """Every column FOCUS requires is filled, and sub-account name/type go with the sub-account id."""
    selects = [
        f"select {KEY[0]}, {KEY[1]}, '{column} is null' as problem from {table} where {column} is null"
        for column in NOT_NULL_COLUMNS
    ]
    selects += [
        f"select {KEY[0]}, {KEY[1]}, '{dependant} set without {column} or missing with it' as problem "
        f"from {table} where ({column} is null) <> ({dependant} is null)"
        for column, dependant in SET_TOGETHER
    ]
    return _outcome(con, "focus_mandatory_columns_not_null", _union(selects))


def periods_valid(con: duckdb.DuckDBPyConnection, table: str = TABLE) -> CheckOutcome:
    """Charge periods are whole UTC days, start before end, inside a whole-month UTC billing period."""
    problems = f"""
    select {KEY[0]}, {KEY[1]},
        case
            when ChargePeriodStart >= ChargePeriodEnd then 'ChargePeriodStart is not before ChargePeriodEnd'
            when ChargePeriodStart <> date_trunc('day', ChargePeriodStart at time zone 'UTC') at time zone 'UTC'
                or ChargePeriodEnd <> date_trunc('day', ChargePeriodEnd at time zone 'UTC') at time zone 'UTC'
                then 'charge period does not start and end at UTC midnight'
            when BillingPeriodStart
                <> date_trunc('month', BillingPeriodStart at time zone 'UTC') at time zone 'UTC'
                or BillingPeriodEnd <> ((BillingPeriodStart at time zone 'UTC') + interval 1 month) at time zone 'UTC'
                then 'billing period is not one whole UTC month'
            when ChargePeriodStart < BillingPeriodStart or ChargePeriodEnd > BillingPeriodEnd
                then 'charge period lies outside its billing period'
            when cast(ChargePeriodStart at time zone 'UTC' as date) <> x_ChargeDate
                then 'x_ChargeDate is not the UTC day of ChargePeriodStart'
        end as problem
    from {table}
    """
    return _outcome(con, "focus_periods_valid", f"select * from ({problems}) where problem is not null")


def allowed_values(con: duckdb.DuckDBPyConnection, table: str = TABLE) -> CheckOutcome:
    """Categorical columns hold FOCUS's allowed values, currency is ISO 4217-shaped, Tags a JSON object."""
    selects = [
        f"select {KEY[0]}, {KEY[1]}, '{column} = ' || coalesce({column}, 'NULL') || ' is not allowed' "
        f"as problem from {table} where {column} is null or {column} not in "
        f"({', '.join(_quote(v) for v in values)})"
        for column, values in ALLOWED_VALUES.items()
    ]
    selects += [
        f"select {KEY[0]}, {KEY[1]}, '{column} = ' || {column} || ' is not allowed' as problem "
        f"from {table} where {column} is not null and {column} <> {_quote(value)}"
        for column, value in NULL_OR_VALUE.items()
    ]
    selects.append(
        f"select {KEY[0]}, {KEY[1]}, 'BillingCurrency = ' || coalesce(BillingCurrency, 'NULL') "
        f"|| ' is not an ISO 4217 code' as problem from {table} "
        "where not regexp_full_match(coalesce(BillingCurrency, ''), '[A-Z]{3}')"
    )
    selects.append(
        f"select {KEY[0]}, {KEY[1]}, 'Tags is not a JSON object' as problem from {table} "
        "where Tags is not null and (not json_valid(cast(Tags as varchar)) or json_type(Tags) <> 'OBJECT')"
    )
    return _outcome(con, "focus_allowed_values", _union(selects))


CHECKS: tuple[Callable[[duckdb.DuckDBPyConnection, str], CheckOutcome], ...] = (
    mandatory_not_null,
    periods_valid,
    allowed_values,
)
