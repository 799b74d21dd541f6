"""Record times as Python datetimes, for decisions made before typing (clipping to a window, paging stops).

Both shaping paths clip with these, so a record near a window edge lands (or not) the same way on each.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any


def moment(value: Any) -> datetime | None:
    """A record time sent as epoch milliseconds or ISO-8601 text; None when it is neither."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def inside(values: Iterable[Any], start: datetime, end: datetime) -> list[bool]:
    """Which records to keep for the window [start, end): those whose time lies inside it, and those whose
    time cannot be read (shaping rejects them with a reason instead of dropping them silently)."""
    times = (moment(v) for v in values)
    return [t is None or start <= t < end for t in times]
