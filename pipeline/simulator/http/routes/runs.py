"""v4 batch export of runs with their cost: `GET /v4/gateway/runs/getByBatchId` (SysAdmin only).

Cursor paging (spec `RunsGatewaySequence`): `batchId` is required and is the *starting* id of the page
(empty = from the first run), `limit` the page size (default 100, at most 1000: larger asks are cut, so a
client must follow the cursor, not count rows). The body is `{"runs": [...], "nextBatchId": <id>|null}`;
`nextBatchId` is the starting id of the next page and `null` once the sequence is exhausted. The list is
never wrapped in the seed envelope (it is not a seed endpoint). Errors use v4's `{"message": ...}` body.
"""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import bad_request
from pipeline.simulator.http.paging import int_param
from pipeline.simulator.http.routing import Area, Ctx

area = Area("runs", admin=True, error_style="message")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@area.route("GET", "/v4/gateway/runs/getByBatchId")
async def runs_by_batch_id(ctx: Ctx) -> Response:
    batch = ctx.query.get("batchId")
    if batch is None:
        raise bad_request("query parameter 'batchId' is required (empty for the first batch)")
    limit = int_param(ctx.query, "limit", DEFAULT_LIMIT, minimum=1) or DEFAULT_LIMIT
    try:
        runs, following = ctx.world.runs_page(batch.strip().lower(), min(limit, MAX_LIMIT))
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    return ctx.env.bare({"runs": runs, "nextBatchId": following})
