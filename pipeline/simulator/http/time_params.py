"""Time parameters: ISO/RFC3339 instants, epoch milliseconds, and Kubecost windows relative to the
world's end.

"Now" is the last instant of the world's history (`world.end`), never the wall clock, so the same request
gives the same answer on any day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from pipeline.simulator.http.errors import bad_request

DURATION = re.compile(r"^(\d+)([mhdw])$")
UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_instant(text: str) -> datetime:
    """An ISO-8601/RFC3339 instant (`Z`, an offset, or a bare date); naive values are taken as UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso_millis(moment: datetime) -> str:
    """The world's own ISO format (`2026-10-31T12:00:00.000Z`), so string comparison orders instants."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_bound(query: Mapping[str, str], name: str, *, style: str = "errors") -> str | None:
    raw = query.get(name)
    if not raw:
        return None
    try:
        return iso_millis(parse_instant(raw))
    except ValueError:
        raise bad_request(
            f"query parameter {name!r} must be an ISO-8601 date-time, got {raw!r}", style=style
        ) from None


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def relative_window(word: str, end: datetime) -> tuple[datetime, datetime] | None:
    """Kubecost's named and duration windows, with "now" at the world's end."""
    now = end - timedelta(milliseconds=1)
    today = _midnight(now)
    week = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    named = {
        "today": (today, end),
        "yesterday": (today - timedelta(days=1), today),
        "week": (week, end),
        "lastweek": (week - timedelta(weeks=1), week),
        "month": (month, end),
        "lastmonth": ((month - timedelta(days=1)).replace(day=1), month),
    }
    if word in named:
        return named[word]
    match = DURATION.match(word)
    if match:
        return end - int(match.group(1)) * UNITS[match.group(2)], end
    return None


def cost_window(query: Mapping[str, str], end: datetime) -> tuple[datetime, datetime]:
    """The window of a cost request: Kubecost `window`, or the seed's `startTime`/`endTime`; 400 otherwise."""
    raw = query.get("window")
    if not raw:
        if query.get("startTime") and query.get("endTime"):
            raw = f"{query['startTime']},{query['endTime']}"
        else:
            raise bad_request(
                "query parameter 'window' is required (e.g. 7d, today, lastweek, or "
                "2026-10-01T00:00:00Z,2026-10-08T00:00:00Z)",
                style="error",
            )
    raw = raw.strip()
    window = relative_window(raw.lower(), end)
    if window is None:
        parts = raw.split(",")
        try:
            if len(parts) != 2:
                raise ValueError
            window = parse_instant(parts[0]), parse_instant(parts[1])
        except ValueError:
            raise bad_request(
                f"invalid window {raw!r}: use a duration (7d, 24h), a name (today, yesterday, "
                "week, month, lastweek, lastmonth) or an RFC3339 pair start,end",
                style="error",
            ) from None
    if window[0] >= window[1]:
        raise bad_request(f"invalid window {raw!r}: start must be before end", style="error")
    return window
