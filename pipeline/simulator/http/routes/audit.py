"""The audit trail at both of its paths (`/auditevents` in the spec,
`/api/audittrail/v1/auditevents` in the docs).

`{"events": [...], "total": N}`, offset/limit paging (50 by default), `sort` with +/- prefixes, and both
the real epoch-ms parameters and the seed's ISO `startTime`/`endTime`/`eventType`.
"""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import bad_request
from pipeline.simulator.http.paging import int_param, offset_limit
from pipeline.simulator.http.routing import Area, Ctx
from pipeline.simulator.http.time_params import epoch_ms, parse_instant
from pipeline.simulator.world.audit import SORT_FIELDS

area = Area("audit", admin=True)

FILTERS = {
    "actorId": "actor_id",
    "actorName": "actor_name",
    "event": "event",
    "targetType": "target_type",
    "targetId": "target_id",
    "targetName": "target_name",
    "withinProjectId": "within_project_id",
    "withinProjectName": "within_project_name",
}


def parse_sort(raw: str | None) -> list[tuple[str, bool]]:
    """`-timestamp,+actorName` → [("timestamp", False), ("actorName", True)] (True = ascending)."""
    if not raw:
        return [("timestamp", True)]
    keys = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        ascending = not part.startswith("-")
        field = part.lstrip("+-").strip()
        if field not in SORT_FIELDS:
            raise bad_request(f"cannot sort by {field!r}; sortable fields: {list(SORT_FIELDS)}")
        keys.append((field, ascending))
    return keys or [("timestamp", True)]


def _bound(ctx: Ctx, ms_name: str, iso_name: str) -> int | None:
    value = int_param(ctx.query, ms_name, None)
    if value is not None:
        return value
    raw = ctx.query.get(iso_name)
    if not raw:
        return None
    try:
        return epoch_ms(parse_instant(raw))
    except ValueError:
        raise bad_request(
            f"query parameter {iso_name!r} must be an ISO-8601 date-time, got {raw!r}"
        ) from None


async def audit_events(ctx: Ctx) -> Response:
    start = _bound(ctx, "startTimestamp", "startTime")
    end = _bound(ctx, "endTimestamp", "endTime")
    offset, limit = offset_limit(ctx.query, 50)
    filters = {arg: ctx.query[param] for param, arg in FILTERS.items() if ctx.query.get(param)}
    if ctx.query.get("eventType") and "event" not in filters:
        filters["event"] = ctx.query["eventType"]
    events, total = ctx.world.audit_events(
        start, end, sort=parse_sort(ctx.query.get("sort")), offset=offset, limit=limit, **filters
    )
    return ctx.env.audit(events, offset, limit, total)


area.add("GET", "/auditevents", audit_events)
area.add("GET", "/api/audittrail/v1/auditevents", audit_events)
