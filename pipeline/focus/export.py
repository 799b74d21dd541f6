"""Export `focus.cost_and_usage` for a range of UTC days as a FOCUS 1.2 CSV or Parquet file.

CSV writes date/times as FOCUS wants them (`YYYY-MM-DDTHH:mm:ssZ`); Parquet keeps the types
(DECIMAL(18,6), UTC timestamps, DATE, BOOLEAN). Tags are a JSON string in both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pipeline.focus.spec import KEY, PARTITION_COLUMN, TABLE
from pipeline.warehouse import Warehouse

Format = Literal["csv", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "parquet")
FOCUS_DATETIME = "%Y-%m-%dT%H:%M:%SZ"


class FocusExportError(RuntimeError):
    """The export cannot run as asked; the message says why and what to do."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    billed_cost_usd: Decimal


def _columns(warehouse: Warehouse) -> list[tuple[str, str]]:
    schema, table = TABLE.split(".")
    columns = warehouse.query(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    )
    if columns.is_empty():
        raise FocusExportError(
            f"{TABLE} does not exist in {warehouse.path}: "
            "load cost data and materialize the focus assets first"
        )
    return list(columns.iter_rows())


def _select_list(columns: list[tuple[str, str]], fmt: Format) -> str:
    """Every column in table order; CSV spells timestamps in FOCUS's UTC form, Tags is always text."""
    select = []
    for name, data_type in columns:
        if fmt == "csv" and data_type.startswith("TIMESTAMP"):
            select.append(f"strftime({name} at time zone 'UTC', '{FOCUS_DATETIME}') as {name}")
        elif data_type == "JSON":
            select.append(f"cast({name} as varchar) as {name}")
        else:
            select.append(name)
    return ",\n    ".join(select)


def export_focus(warehouse: Warehouse, start: date, end: date, fmt: Format, out: Path) -> ExportResult:
    """Write the FOCUS rows of UTC days [start, end) to `out`; the file appears only when complete."""
    if fmt not in FORMATS:
        raise FocusExportError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if end <= start:
        raise FocusExportError(f"end ({end}) must be after start ({start})")
    sql = (
        f"select\n    {_select_list(_columns(warehouse), fmt)}\nfrom {TABLE}\n"
        f"where {PARTITION_COLUMN} >= ? and {PARTITION_COLUMN} < ?\norder by {', '.join(KEY)}"
    )
    frame = warehouse.query(sql, [start, end])
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:
        if fmt == "csv":
            frame.write_csv(partial)
        else:
            frame.write_parquet(partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    billed = frame["BilledCost"].sum() if frame.height else Decimal(0)
    return ExportResult(out, frame.height, Decimal(str(billed)))
