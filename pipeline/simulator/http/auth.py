"""API-key and bearer authentication with two roles: the admin key (SysAdmin) and the user key."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.requests import Request

from pipeline.simulator.http.config import SimulatorConfig
from pipeline.simulator.http.errors import ApiError


@dataclass(frozen=True)
class Caller:
    user_id: str
    is_admin: bool


def presented_key(request: Request) -> str | None:
    """The credential from `X-Domino-Api-Key` or `Authorization: Bearer <token>`, whichever is present."""
    key = request.headers.get("x-domino-api-key")
    if key:
        return key
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def authenticate(request: Request, config: SimulatorConfig, admin_user_id: str, user_id: str) -> Caller:
    """The caller behind the request's key; 401 for a missing or unknown key (the key is never echoed)."""
    key = presented_key(request)
    if key is None:
        raise ApiError(401, "Missing credentials: send X-Domino-Api-Key or Authorization: Bearer <token>")
    if hmac.compare_digest(key, config.admin_key):
        return Caller(admin_user_id, True)
    if hmac.compare_digest(key, config.user_key):
        return Caller(user_id, False)
    raise ApiError(401, "Invalid API key or token")


def require_admin(caller: Caller) -> None:
    if not caller.is_admin:
        raise ApiError(403, "This operation requires the SysAdmin role")
