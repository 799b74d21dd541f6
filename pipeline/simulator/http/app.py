"""`create_app(world, config)`: the Starlette application serving a World the way Domino 6.x does."""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.simulator.http.auth import authenticate, require_admin
from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.http.envelopes import Envelopes, JsonResponse
from pipeline.simulator.http.errors import ApiError
from pipeline.simulator.http.faults import FaultInjector
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
            return JsonResponse(error.body(env.request_id()), status_code=error.status)
        except Exception:
            logger.exception("simulator handler failed: %s %s", spec.method, spec.path)
            return JsonResponse(
                {"errors": ["Internal simulator error"], "requestId": env.request_id()}, status_code=500
            )

    endpoint.__name__ = spec.handler.__name__
    return endpoint


def _sim_routes(world: Any, config: SimulatorConfig) -> list[Route]:
    """Ground truth, settings (without keys) and the route table: outside Domino's namespace, no auth."""

    async def truth(request: Request) -> Response:
        return JsonResponse(world.truth())

    async def sim_config(request: Request) -> Response:
        return JsonResponse(config.public_dict())

    async def routes(request: Request) -> Response:
        return JsonResponse(route_table())

    return [
        Route("/__sim/truth", truth, methods=["GET"]),
        Route("/__sim/config", sim_config, methods=["GET"]),
        Route("/__sim/routes", routes, methods=["GET"]),
    ]


def create_app(world: Any, config: SimulatorConfig) -> Any:
    """The ASGI app: Domino's routes behind the fault injector (which never touches /__sim/*)."""
    env = Envelopes(config.seed, config.envelope)
    routes = _sim_routes(world, config)
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
    return FaultInjector(starlette, config)


def _starlette_path(path: str) -> str:
    """Seed paths use `{name}`; a file path may hold slashes, so `{path}` takes Starlette's path converter."""
    return path.replace("{path}", "{path:path}")
