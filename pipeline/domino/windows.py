"""Request parameters for one daily partition window of the cost and audit endpoints.

Real Domino: cost takes `window=<start>,<end>` (RFC3339 `Z`) plus Kubecost `aggregate` labels; audit
takes epoch-ms `startTimestamp/endTimestamp`. The seed documents `startTime/endTime/aggregateBy` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pipeline.domino.catalogue import COST_AGGREGATE_LABELS, Endpoint
from pipeline.domino.settings import DominoSettings

LABEL_PREFIX = "label:dominodatalab.com/"


@dataclass(frozen=True)
class DailyWindow:
    """A half-open UTC window [start, end)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} is not after start {self.start}")

    @classmethod
    def for_day(cls, day: date | str) -> DailyWindow:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        start = datetime.combine(day, time(0), tzinfo=UTC)
        return cls(start, start + timedelta(days=1))


@dataclass(frozen=True)
class WindowRequest:
    params: dict[str, str]
    context: dict[str, Any]
    """Passed to the record transform, e.g. the aggregate label order for cost rows."""


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def window_request(
    endpoint: Endpoint, window: DailyWindow, settings: DominoSettings, *, seed_aggregate_by: str = "project"
) -> WindowRequest:
    """Params and transform context for `endpoint` over `window`, in the style `settings` selects."""
    kind = endpoint.window
    if kind == "cost_allocation":
        if settings.cost_style == "seed":
            return WindowRequest(
                {
                    "startTime": rfc3339(window.start),
                    "endTime": rfc3339(window.end),
                    "aggregateBy": seed_aggregate_by,
                },
                {"aggregate": [seed_aggregate_by]},
            )
        return WindowRequest(
            {
                "window": f"{rfc3339(window.start)},{rfc3339(window.end)}",
                "aggregate": ",".join(LABEL_PREFIX + label for label in COST_AGGREGATE_LABELS),
                "accumulate": "false",
            },
            {"aggregate": list(COST_AGGREGATE_LABELS)},
        )
    if kind == "cost_assets":
        if settings.cost_style == "seed":
            return WindowRequest({"startTime": rfc3339(window.start), "endTime": rfc3339(window.end)}, {})
        return WindowRequest(
            {"window": f"{rfc3339(window.start)},{rfc3339(window.end)}", "accumulate": "false"}, {}
        )
    if kind == "audit":
        params = {
            "startTimestamp": str(epoch_ms(window.start)),
            "endTimestamp": str(epoch_ms(window.end)),
            "sort": "+timestamp",
        }
        if settings.audit_seed_params:
            params |= {"startTime": rfc3339(window.start), "endTime": rfc3339(window.end)}
        return WindowRequest(
            params, {"window_start_ms": epoch_ms(window.start), "window_end_ms": epoch_ms(window.end)}
        )
    if kind == "iso_range":
        return WindowRequest({"startTime": rfc3339(window.start), "endTime": rfc3339(window.end)}, {})
    raise ValueError(f"endpoint {endpoint.name!r} is not windowed")
