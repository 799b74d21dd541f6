"""Headline figures for the end of `make demo`: top spenders, untagged share, idle share, forecast vs budget.

Read from the reporting tables only (what an analyst would query); a table that is missing or empty
just leaves its line out.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

Headline = Callable[[duckdb.DuckDBPyConnection], list[str]]


def _money(value: object) -> str:
    return f"${float(value):,.2f}"  # type: ignore[arg-type]


def latest_month(con: duckdb.DuckDBPyConnection) -> tuple[str, bool] | None:
    row = con.execute(
        "SELECT strftime(month, '%Y-%m'), bool_and(is_closed) FROM reporting.cost_monthly "
        "WHERE month = (SELECT max(month) FROM reporting.cost_monthly) GROUP BY month"
    ).fetchone()
    return (row[0], bool(row[1])) if row else None


def top_spenders(con: duckdb.DuckDBPyConnection) -> list[str]:
    month = latest_month(con)
    if not month:
        return []
    rows = con.execute(
        "SELECT dimension_name, cost_usd, change_pct FROM reporting.cost_monthly "
        "WHERE strftime(month, '%Y-%m') = ? AND dimension = 'project' AND dimension_value NOT LIKE '\\_\\_%' "
        "ESCAPE '\\' ORDER BY cost_usd DESC LIMIT 5",
        [month[0]],
    ).fetchall()
    state = "closed" if month[1] else "month to date"
    lines = [f"Top spenders, {month[0]} ({state}):"]
    for name, cost, change in rows:
        trend = "" if change is None else f" ({change:+.1f}% vs previous month)"
        lines.append(f"  {name:<28} {_money(cost):>14}{trend}")
    return lines


def untagged_share(con: duckdb.DuckDBPyConnection) -> list[str]:
    row = con.execute(
        "SELECT sum(total_cost_usd) FILTER (WHERE billing_tag IS NULL AND NOT is_idle), sum(total_cost_usd), "
        "count(DISTINCT project_id) FILTER (WHERE billing_tag IS NULL AND NOT is_idle) "
        "FROM reporting.cost_daily"
    ).fetchone()
    if not row or not row[1]:
        return []
    untagged, total, projects = row[0] or 0, row[1], row[2]
    share = 100 * float(untagged) / float(total)
    return [
        f"Untagged spend: {_money(untagged)} of {_money(total)} ({share:.1f}%), "
        f"{projects} projects without a billing tag (reporting.untagged_spend)"
    ]


def idle_share(con: duckdb.DuckDBPyConnection) -> list[str]:
    row = con.execute(
        "SELECT sum(idle_usd), sum(shared_usd), sum(cluster_cost_usd) FROM reporting.idle_cost"
    ).fetchone()
    if not row or not row[2]:
        return []
    idle, shared, cluster = (float(v or 0) for v in row)
    return [
        f"Idle capacity: {_money(idle)} ({100 * idle / cluster:.1f}% of the cluster's cost); "
        f"shared: {_money(shared)} ({100 * shared / cluster:.1f}%) (reporting.idle_cost)"
    ]


def forecast_vs_budget(con: duckdb.DuckDBPyConnection) -> list[str]:
    month = con.execute("SELECT max(month) FROM reporting.spend_forecast").fetchone()
    if not month or month[0] is None:
        return []
    budgeted, over, crossed = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE forecast_usd > budget_usd), "
        "count(*) FILTER (WHERE crossing_date IS NOT NULL AND NOT crossing_is_forecast) "
        "FROM reporting.spend_forecast WHERE month = ? AND budget_usd IS NOT NULL",
        [month[0]],
    ).fetchone() or (0, 0, 0)
    if not budgeted:
        return [f"Budgets, {month[0]:%Y-%m}: none assigned in Domino (reporting.spend_forecast)"]
    lines = [
        f"Budgets, {month[0]:%Y-%m}: {over} of {budgeted} budgeted labels forecast over budget, "
        f"{crossed} already past it (reporting.spend_forecast):"
    ]
    rows = con.execute(
        "SELECT label_type, label_name, forecast_usd, budget_usd, forecast_pct_of_budget, crossing_date, "
        "crossing_is_forecast FROM reporting.spend_forecast WHERE month = ? AND forecast_usd > budget_usd "
        "ORDER BY forecast_pct_of_budget DESC LIMIT 3",
        [month[0]],
    ).fetchall()
    for label_type, name, forecast, budget, pct, crossing, is_forecast in rows:
        when = f", {'forecast to cross' if is_forecast else 'crossed'} on {crossing}" if crossing else ""
        versus = f"forecast {_money(forecast)} vs budget {_money(budget)} ({pct:.0f}%)"
        lines.append(f"  {name} ({label_type}): {versus}{when}")
    return lines


HEADLINES: tuple[Headline, ...] = (top_spenders, untagged_share, idle_share, forecast_vs_budget)


def headlines(con: duckdb.DuckDBPyConnection) -> list[str]:
    lines: list[str] = []
    for headline in HEADLINES:
        try:
            lines += headline(con)
        except duckdb.CatalogException:
            continue  # the report was not built (e.g. `run --only cost`)
    return lines
