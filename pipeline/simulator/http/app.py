"""`create_app(world, config)`: the Starlette application serving a World the way Domino 6.x does."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.simulator.http.auth import authenticate, require_admin
from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.http.control import control_routes
from pipeline.simulator.http.envelopes import Envelopes, JsonResponse
from pipeline.simulator.http.errors import ApiError
from pipeline.simulator.http.faults import FaultInjector, WriteFaults
from pipeline.simulator.http.routes import all_routes, route_table
from pipeline.simulator.http.routing import Ctx, RouteSpec

logger = logging.getLogger(__name__)


def _endpoint(spec: RouteSpec, world: Any, config: SimulatorConfig, env: Envelopes):
    """Wraps a handler with authentication, the admin check and Domino-shaped error bodies."""

    async def endpoint(request: Request) -> Response:
        try:
            caller = authenticate(request, config, world.admin_user_id, world.regular_user_id)
            if spec.admin:
                require_admin(caller)
            ctx = Ctx(request, world, config, env, caller, dict(request.path_params))
            return await spec.handler(ctx)
        except ApiError as error:
            if spec.error_style == "error" and error.status in (400, 404, 500):
                error.style = "error"
            elif spec.error_style == "message":  # v4 answers every error, auth included, this way
                error.style = "message"
            return JsonResponse(error.body(env.request_id()), status_code=error.status)
        except Exception:
            logger.exception("simulator handler failed: %s %s", spec.method, spec.path)
            return JsonResponse(
                {"errors": ["Internal simulator error"], "requestId": env.request_id()}, status_code=500
            )

    endpoint.__name__ = spec.handler.__name__
    return endpoint


def _sim_routes(world: Any, config: SimulatorConfig, write_faults: WriteFaults) -> list[Route]:
    """Ground truth, settings (without keys), the route table and the write-fault hook: outside Domino's
    namespace, no auth."""

    async def truth(request: Request) -> Response:
        return JsonResponse(world.truth())

    async def run_costs(request: Request) -> Response:
        """Per-run cost by run id (too big for /__sim/truth at scale=large)."""
        return JsonResponse(world.run_costs())

    async def sim_config(request: Request) -> Response:
        return JsonResponse(config.public_dict())

    async def routes(request: Request) -> Response:
        return JsonResponse(route_table())

    async def faults(request: Request) -> Response:
        """GET: the write-fault state; POST `{"skip", "count", "status", "mode"}` arms it;
        DELETE clears it."""
        if request.method == "POST":
            try:
                body = orjson.loads(await request.body() or b"{}")
                write_faults.arm(
                    int(body.get("skip", 0)),
                    int(body.get("count", 1)),
                    int(body.get("status", 503)),
                    str(body.get("mode", "fail")),
                )
            except (orjson.JSONDecodeError, TypeError, ValueError, AttributeError) as exc:
                return JsonResponse({"errors": [f"bad write-fault request: {exc}"]}, status_code=400)
        elif request.method == "DELETE":
            write_faults.arm(0, 0, 503, "fail")
        return JsonResponse(write_faults.state())

    return [
        Route("/__sim/truth", truth, methods=["GET"]),
        Route("/__sim/truth/runs", run_costs, methods=["GET"]),
        Route("/__sim/config", sim_config, methods=["GET"]),
        Route("/__sim/routes", routes, methods=["GET"]),
        Route("/__sim/faults/writes", faults, methods=["GET", "POST", "DELETE"]),
        *control_routes(),
    ]


def create_app(world: Any, config: SimulatorConfig) -> Any:
    """The ASGI app: Domino's routes behind the fault injector (which never touches /__sim/*)."""
    env = Envelopes(config.seed, config.envelope)
    write_faults = WriteFaults()
    routes = _sim_routes(world, config, write_faults)
    routes += [
        Route(_starlette_path(spec.path), _endpoint(spec, world, config, env), methods=[spec.method])
        for spec in all_routes()
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        message = "No such endpoint" if status == 404 else "Method not allowed on this endpoint"
        return JsonResponse({"errors": [message], "requestId": env.request_id()}, status_code=status)

    starlette = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
    starlette.state.world = world
    starlette.state.config = config
    return FaultInjector(starlette, config, write_faults)


def _starlette_path(path: str) -> str:
    """Seed paths use `{name}`; a file path may hold slashes, so `{path}` takes Starlette's path converter."""
    return path.replace("{path}", "{path:path}")
