"""Budget and untagged-spend alerts, read from the read copy: never the writer's DuckDB file, so a sensor
never waits for a load or holds the lock a load needs.

Each check compares what the copy holds now with what was alerted before (a JSON cursor the sensor keeps)
and returns the new alerts and the next cursor, so a crossing or a newly untagged project alerts once,
not on every tick. Both look at the latest month of data and the one before it: cost keeps settling for
two days after a month ends, so last month's final days can still cross a budget after the new month has
begun; older months are history (the reports, not alerts) and drop out of the cursor.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from pipeline.alerts import Alert

FORECAST = "reporting.spend_forecast"
UNTAGGED = "reporting.untagged_spend"
COST_DAILY = "reporting.cost_daily"
MAX_ALERTS_PER_TICK = 50
"""The most pressing alerts go first; the rest wait for the next tick (chat webhooks rate-limit bursts, and a
first tick on a long history should not flood anyone)."""


class ReadCopyUnavailable(Exception):
    """The read copy, or a table the check reads, is not there yet: skip the tick, keep the cursor."""


@dataclass(frozen=True)
class Check:
    alerts: list[Alert]
    cursor: str
    summary: str


@contextmanager
def read_copy(path: Path, *relations: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the copy at `path`, holding `relations` (else ReadCopyUnavailable)."""
    if not path.exists():
        raise ReadCopyUnavailable(f"no read copy at {path} yet (it is published after a successful run)")
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        for relation in relations:
            schema, name = relation.split(".")
            (found,) = con.execute(  # type: ignore[misc]
                "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                [schema, name],
            ).fetchone()
            if not found:
                raise ReadCopyUnavailable(f"{relation} is not in the read copy {path} yet")
        yield con
    finally:
        con.close()


def _plain(value: object) -> object:
    """JSON-friendly values for the webhook: money as float (cents), days as ISO dates."""
    if isinstance(value, Decimal):
        return round(float(value), 2)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _load(cursor: str | None, field: str) -> list:
    return json.loads(cursor).get(field, []) if cursor else []


BUDGET_ROWS = f"""
with window_start as (select max(month) - interval 1 month as month from {FORECAST})
select
    month, label_type, label_id, label_name, list_max(thresholds_forecast) as threshold,
    forecast_usd, budget_usd, budget_source, forecast_pct_of_budget, spend_to_date_usd, through_day,
    crossing_date, crossing_is_forecast, is_closed, currency
from {FORECAST}
where month >= (select month from window_start) and budget_usd is not null and len(thresholds_forecast) > 0
order by threshold desc, month desc, forecast_pct_of_budget desc, label_type, label_id
"""


def budget_check(
    con: duckdb.DuckDBPyConnection, cursor: str | None, limit: int = MAX_ALERTS_PER_TICK
) -> Check:
    """Alert once for each label whose month-end forecast reaches a higher alert threshold (a share of its
    budget, `DOMINO_BUDGET_ALERT_THRESHOLDS` when the report was built) than it had been alerted for.

    Cursor: `{"alerted": [[month, label_type, label_id, threshold], ...]}` for the months still watched."""
    columns = [
        "month", "label_type", "label_id", "label_name", "threshold", "forecast_usd", "budget_usd",
        "budget_source", "forecast_pct_of_budget", "spend_to_date_usd", "through_day", "crossing_date",
        "crossing_is_forecast", "is_closed", "currency",
    ]  # fmt: skip
    rows = [dict(zip(columns, row, strict=True)) for row in con.execute(BUDGET_ROWS).fetchall()]
    (first_month,) = con.execute(  # type: ignore[misc]
        f"SELECT (max(month) - interval 1 month)::date FROM {FORECAST}"
    ).fetchone()
    alerted = {(m, t, i): level for m, t, i, level in _load(cursor, "alerted")}
    new = [row for row in rows if row["threshold"] > alerted.get(_budget_key(row), 0.0)]
    sent = new[:limit]
    for row in sent:
        alerted[_budget_key(row)] = row["threshold"]
    keep = [
        [*key, level] for key, level in sorted(alerted.items()) if first_month and key[0] >= str(first_month)
    ]
    watched = len({(r["label_type"], r["label_id"]) for r in rows})
    summary = (
        f"{len(sent)} new budget alert(s){_deferred(new, sent)}; {watched} label(s) at an alert threshold"
    )
    return Check([budget_alert(row) for row in sent], json.dumps({"alerted": keep}), summary)


def _budget_key(row: dict) -> tuple[str, str, str]:
    return (row["month"].isoformat(), row["label_type"], row["label_id"])


def _deferred(new: list, sent: list) -> str:
    return f" ({len(new) - len(sent)} more next tick)" if len(new) > len(sent) else ""


def budget_alert(row: dict) -> Alert:
    label = f"{row['label_type']} {row['label_name'] or row['label_id']}"
    month = f"{row['month']:%Y-%m}"
    pct = float(row["forecast_pct_of_budget"])
    over = row["threshold"] >= 1
    if row["is_closed"]:  # the month is over: its forecast is what was spent
        state = (
            f"went over its {month} budget ({pct:.0f}%)"
            if over
            else f"spent {pct:.0f}% of its {month} budget"
        )
    else:
        state = (
            f"is forecast over its {month} budget ({pct:.0f}%)"
            if over
            else (f"is forecast at {pct:.0f}% of its {month} budget")
        )
    title = f"budget: {label} {state}"
    if row["crossing_date"] is not None:
        verb = "will cross it on" if row["crossing_is_forecast"] else "crossed it on"
        title += f", {verb} {row['crossing_date']:%Y-%m-%d}"
    details = {k: _plain(v) for k, v in row.items()}
    details["month"] = month
    return Alert("budget", title, details)


UNTAGGED_ROWS = f"""
with window_start as (
    select date_trunc('month', max(day))::date - interval 1 month as month from {COST_DAILY}
)
select
    project_id, any_value(project_name), any_value(owner_name), any_value(organization_name),
    any_value(current_billing_tag), sum(untagged_cost_usd), sum(days_untagged),
    list(strftime(month, '%Y-%m') order by month), any_value(currency)
from {UNTAGGED}
where month >= (select month from window_start)
group by project_id
order by sum(untagged_cost_usd) desc, project_id
"""


def untagged_check(
    con: duckdb.DuckDBPyConnection, cursor: str | None, limit: int = MAX_ALERTS_PER_TICK
) -> Check:
    """Alert once for each project that has spend without a billing tag in the watched months and did not
    have any at the last tick. Cursor: `{"projects": [project_id, ...]}` (those with untagged spend)."""
    columns = [
        "project_id", "project_name", "owner_name", "organization_name", "current_billing_tag",
        "untagged_cost_usd", "days_untagged", "months", "currency",
    ]  # fmt: skip
    rows = [dict(zip(columns, row, strict=True)) for row in con.execute(UNTAGGED_ROWS).fetchall()]
    before = set(_load(cursor, "projects"))
    new = [row for row in rows if row["project_id"] not in before]
    sent = new[:limit]
    unsent = {row["project_id"] for row in new[limit:]}
    now = sorted(row["project_id"] for row in rows if row["project_id"] not in unsent)
    summary = f"{len(sent)} newly untagged project(s){_deferred(new, sent)}; {len(rows)} with untagged spend"
    return Check([untagged_alert(row) for row in sent], json.dumps({"projects": now}), summary)


def untagged_alert(row: dict) -> Alert:
    name = row["project_name"] or row["project_id"]
    owner = f" (owner {row['owner_name']}, {row['organization_name'] or 'no organization'})"
    now = f"tagged {row['current_billing_tag']} now" if row["current_billing_tag"] else "still untagged"
    title = (
        f"untagged spend: project {name}{owner} spent {float(row['untagged_cost_usd']):,.2f} "
        f"{row['currency']} without a billing tag in {', '.join(row['months'])} ({now})"
    )
    return Alert("untagged_spend", title, {k: _plain(v) for k, v in row.items()})
