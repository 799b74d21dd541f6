"""The route table: each area module declares its endpoints with `@area.route(...)`; the app serves them all.

The table is data (method, path, admin-only, handler) so a test can check it against the seed's endpoint list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from pipeline.simulator.http.auth import Caller
from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.http.envelopes import Envelopes
from pipeline.simulator.http.errors import bad_request


@dataclass
class Ctx:
    """What a handler needs for one request: world, caller, parameters and the envelope builder."""

    request: Request
    world: Any
    config: SimulatorConfig
    env: Envelopes
    caller: Caller
    params: dict[str, str]

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    async def body(self) -> dict:
        """The JSON object body; 400 when it is missing, malformed or not an object."""
        raw = await self.request.body()
        if not raw:
            raise bad_request("request body must be a JSON object")
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise bad_request(f"request body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise bad_request("request body must be a JSON object")
        return data

    async def optional_body(self) -> dict:
        raw = await self.request.body()
        return await self.body() if raw.strip() else {}


Handler = Callable[[Ctx], Awaitable[Response]]


@dataclass(frozen=True)
class RouteSpec:
    method: str
    path: str
    handler: Handler
    admin: bool
    error_style: str = "errors"


@dataclass
class Area:
    """The endpoints of one API area; `admin=True` makes every route of the area admin-only."""

    name: str
    admin: bool = False
    error_style: str = "errors"
    """`error`: the cost service's `{"error": ...}` for 400/404/500; `message`: v4's `{"message": ...}`."""
    routes: list[RouteSpec] = field(default_factory=list)

    def route(self, method: str, path: str, *, admin: bool | None = None) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            is_admin = self.admin if admin is None else admin
            self.routes.append(RouteSpec(method, path, handler, is_admin, self.error_style))
            return handler

        return register

    def add(self, method: str, path: str, handler: Handler, *, admin: bool | None = None) -> None:
        """Registers a handler built by a factory (the data-driven CRUD routes)."""
        self.route(method, path, admin=admin)(handler)
