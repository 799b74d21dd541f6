"""Cost allocation on the fast path: aggregate names split into label columns in polars.

Same rules as `cost.py` (the records path): a name's `/`-separated parts fill the request's aggregate
label columns in order, `__unallocated__` reads as null, the `__idle__` row has no labels, and the window
comes from `window.start`/`window.end` or the top-level `start`/`end`. A page with a name that is not
text, or that has the wrong number of parts, goes back to the records path, which names the reject.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from pipeline.tables import TableSpec
from pipeline.transform.columnar import ColumnarTransform, Needs, PageColumns, register
from pipeline.transform.cost import IDLE, LABEL_FIELDS, UNALLOCATED, name_columns


def _bounds(page: PageColumns) -> tuple[list[Any], list[Any]]:
    """`window.start`/`window.end` where `window` is an object, else the top-level `start`/`end`."""
    windows, starts, ends = page.values("window"), page.values("start"), page.values("end")
    return (
        [w.get("start", s) if type(w) is dict else s for w, s in zip(windows, starts, strict=True)],
        [w.get("end", e) if type(w) is dict else e for w, e in zip(windows, ends, strict=True)],
    )


def derive_cost(page: PageColumns, spec: TableSpec, context: dict[str, Any]) -> dict[str, Any] | None:
    names = page.values("name")
    if not all(type(name) is str for name in names):
        return None
    _, columns = name_columns(context)
    frame = pl.DataFrame({"name": pl.Series(names, dtype=pl.Utf8)}).with_columns(
        pl.col("name").str.split("/").alias("parts"), (pl.col("name") == IDLE).alias("is_idle")
    )
    if frame.select(((pl.col("parts").list.len() != len(columns)) & ~pl.col("is_idle")).any()).item():
        return None
    labels: dict[str, pl.Expr] = {field: pl.lit(None, dtype=pl.Utf8) for field in LABEL_FIELDS}
    for index, column in enumerate(columns):  # a label named twice: the later part wins, as in cost.py
        if column is not None:
            part = pl.col("parts").list.get(index, null_on_oob=True)  # the idle row has one part
            labels[column] = pl.when(pl.col("is_idle") | (part == UNALLOCATED)).then(None).otherwise(part)
    derived = frame.select("is_idle", *(expr.alias(field) for field, expr in labels.items()))
    window_start, window_end = _bounds(page)
    return {
        **{name: derived[name] for name in derived.columns},
        "window_start": window_start,
        "window_end": window_end,
    }


register(
    "cost_allocation", ColumnarTransform(Needs(values=("name", "window", "start", "end")), derive=derive_cost)
)
