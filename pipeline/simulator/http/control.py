"""`/__sim/*` control routes: move the simulated Domino forward in time the way a real one changes between
two extractions (retention, late cost adjustments, jobs that finish or vanish). Outside Domino's namespace,
no auth, loopback only; tests may call the same `World` methods directly."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.simulator.http.envelopes import JsonResponse


async def _body(request: Request) -> dict:
    raw = await request.body()
    try:
        data = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _handler(action: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            return JsonResponse(action(request.app.state.world, await _body(request), request.path_params))
        except (KeyError, ValueError, TypeError) as error:
            return JsonResponse({"errors": [str(error)], "requestId": "simulator-control"}, status_code=400)

    endpoint.__name__ = action.__name__
    return endpoint


def retention(world: Any, body: dict, _: dict) -> dict:
    """`{"keep_from": "YYYY-MM-DD"}`: cost rows and audit events before that day are gone."""
    world.keep_cost_and_audit_from(date.fromisoformat(str(body["keep_from"])))
    return {"keep_from": body["keep_from"]}


def cost_adjustment(world: Any, body: dict, _: dict) -> dict:
    """`{"day": "YYYY-MM-DD", "factor": -0.05}`: the day settles late; returns its total adjustment."""
    total = world.add_cost_adjustment(date.fromisoformat(str(body["day"])), float(body["factor"]))
    return {"day": body["day"], "adjustment": total}


def finish_jobs(world: Any, body: dict, _: dict) -> dict:
    """`{"job_ids": [...]}` (or `{}` for every unfinished job): they end as Succeeded now."""
    return {"finished": world.finish_jobs(body.get("job_ids"))}


def unfinished_jobs(world: Any, _: dict, __: dict) -> dict:
    return {"unfinished": world.unfinished_job_ids()}


def delete_job(world: Any, _: dict, params: dict) -> dict:
    world.delete_job(params["jobId"])
    return {"deleted": params["jobId"]}


def control_routes() -> list[Route]:
    return [
        Route("/__sim/retention", _handler(retention), methods=["POST"]),
        Route("/__sim/cost-adjustments", _handler(cost_adjustment), methods=["POST"]),
        Route("/__sim/jobs/finish", _handler(finish_jobs), methods=["POST"]),
        Route("/__sim/jobs/unfinished", _handler(unfinished_jobs), methods=["GET"]),
        Route("/__sim/jobs/{jobId}", _handler(delete_job), methods=["DELETE"]),
    ]
