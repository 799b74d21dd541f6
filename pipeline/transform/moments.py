"""Record times as Python datetimes, for decisions made before typing (clipping to a window, paging stops).

Both shaping paths clip with these, so a record near a window edge lands (or not) the same way on each.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from pipeline.transform.casting import exact_series


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


_EXACT_EPOCH_MS = 2**32 * 1000
"""Below 2^32 s a float of `ms / 1000` lies within half a microsecond of the exact time, so `moment`
(microsecond resolution) reads every integral epoch-ms value exactly and comparing the integers decides
the same as comparing `moment`'s datetimes."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _whole_ms(moment_: datetime) -> int | None:
    """Epoch milliseconds of a time on a whole millisecond (None otherwise, or without a time zone)."""
    if moment_.tzinfo is None or moment_.microsecond % 1000:
        return None
    return (moment_ - _EPOCH) // timedelta(milliseconds=1)


def inside_epoch_ms(values: list[Any], start: datetime, end: datetime) -> pl.Series | None:
    """`inside` in one polars expression when every value is an int (or None) in [0, 2^32 s) and the
    window's ends are whole milliseconds (the usual audit page); None when `inside` must decide."""
    low, high = _whole_ms(start), _whole_ms(end)
    if low is None or high is None:
        return None
    millis = exact_series("epoch_ms", values, "int")  # None unless every value is an int (or None)
    if millis is None:
        return None
    present = millis.drop_nulls()
    if present.len() and not (present.min() >= 0 and present.max() < _EXACT_EPOCH_MS):  # type: ignore[operator]
        return None
    return millis.is_null() | ((millis >= low) & (millis < high))
