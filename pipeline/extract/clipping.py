"""Event logs keep only records whose own time lies in the requested day: a server may treat the end bound
as inclusive, or ignore the range. Records whose time cannot be read are kept, for shaping to reject."""

from __future__ import annotations

from typing import Any

from pipeline.domino import Endpoint
from pipeline.domino.windows import DailyWindow
from pipeline.transform.moments import inside
from pipeline.transform.paths import column_values


def clip_mask(records: list[dict[str, Any]], endpoint: Endpoint, window: DailyWindow) -> list[bool] | None:
    """Which records to keep; None when the endpoint is not clipped (or there is nothing to clip)."""
    if not endpoint.clip_to_window or not records:
        return None
    column = endpoint.table.column(endpoint.window_column)
    return inside(column_values(records, column), window.start, window.end)
