"""Chargeback statements: one CSV per cost centre plus a summary, from `reporting.chargeback_monthly`.

Amounts are written exactly as stored (DECIMAL(18,6) US dollars): a statement's lines add up to its
cost centre's total, and the summary's cost centres to the month's total, without rounding drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipeline.warehouse import Warehouse

LINE_COLUMNS = (
    "month",
    "cost_centre",
    "project_id",
    "project_name",
    "direct_usd",
    "shared_usd",
    "idle_usd",
    "total_usd",
    "share_rule",
    "currency",
)


class ChargebackExportError(ValueError):
    """Nothing to export for the month asked (or no chargeback table yet); the message says what exists."""


@dataclass(frozen=True)
class ChargebackExport:
    month: date
    files: list[Path]
    summary: Path
    total_usd: str


def parse_month(text: str) -> date:
    """`YYYY-MM` -> the first day of that month."""
    if not re.fullmatch(r"\d{4}-\d{2}", text.strip()):
        raise ChargebackExportError(f"--month must be YYYY-MM, not {text!r}")
    try:
        return date.fromisoformat(text.strip() + "-01")
    except ValueError as error:
        raise ChargebackExportError(f"--month must be YYYY-MM, not {text!r}") from error


def file_name(cost_centre: str) -> str:
    """A file name for a cost centre: letters, digits, dot, dash and underscore kept, the rest '_'."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", cost_centre) or "_"


def export_chargeback(warehouse: Warehouse, month: date, out: Path) -> ChargebackExport:
    """Write `<out>/chargeback-<YYYY-MM>-<cost centre>.csv` per cost centre and `...-summary.csv`."""
    tables = warehouse.query(
        "SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = 'reporting' "
        "AND table_name = 'chargeback_monthly'"
    )["n"][0]
    if not tables:
        raise ChargebackExportError("reporting.chargeback_monthly does not exist yet: run the pipeline first")
    lines = warehouse.query(
        f"SELECT {', '.join(LINE_COLUMNS)} FROM reporting.chargeback_monthly WHERE month = ? "
        "ORDER BY cost_centre, total_usd DESC, project_id",
        [month],
    )
    if lines.is_empty():
        months = warehouse.query(
            "SELECT DISTINCT strftime(month, '%Y-%m') AS m FROM reporting.chargeback_monthly ORDER BY 1"
        )["m"].to_list()
        raise ChargebackExportError(
            f"no chargeback lines for {month:%Y-%m}; months available: {', '.join(months) or 'none'}"
        )
    out.mkdir(parents=True, exist_ok=True)
    stem = f"chargeback-{month:%Y-%m}"
    files = []
    for (cost_centre,), statement in lines.group_by("cost_centre", maintain_order=True):
        path = out / f"{stem}-{file_name(str(cost_centre))}.csv"
        statement.write_csv(path)
        files.append(path)
    money = ["direct_usd", "shared_usd", "idle_usd", "total_usd"]
    summary = (
        lines.group_by("cost_centre", maintain_order=True)
        .agg(pl.len().alias("projects"), *[pl.col(c).sum() for c in money])
        .sort("total_usd", descending=True)
    )
    total = summary.select(
        pl.lit("TOTAL").alias("cost_centre"), pl.col("projects").sum(), *[pl.col(c).sum() for c in money]
    )
    summary = pl.concat([summary, total]).with_columns(
        pl.lit(f"{month:%Y-%m}").alias("month"), pl.lit("USD").alias("currency")
    )
    summary = summary.select("month", "cost_centre", "projects", *money, "currency")
    summary_path = out / f"{stem}-summary.csv"
    summary.write_csv(summary_path)
    return ChargebackExport(month, files, summary_path, str(total["total_usd"][0]))
