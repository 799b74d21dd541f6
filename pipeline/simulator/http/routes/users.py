"""Users: self, list, git credential metadata, and token-credential updates (fake secrets only)."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import ApiError
from pipeline.simulator.http.routes._common import (
    SIMULATED_SECRET_PREFIX,
    children,
    entity,
    find_child,
    iso_now,
    lookup,
    optional_str,
    record,
)
from pipeline.simulator.http.routes._crud import Resource, list_handler
from pipeline.simulator.http.routing import Area, Ctx

area = Area("users")

USERS = Resource("users", "user", "user", "users", 10, param="userId")

area.add("GET", "/api/users/v1/users", list_handler(USERS, {"userName": "userName", "email": "email"}))


@area.route("GET", "/api/users/v1/self")
async def current_user(ctx: Ctx) -> Response:
    return ctx.env.single("user", lookup(ctx, "users", ctx.caller.user_id, "user"))


def _own_or_admin(ctx: Ctx, user_id: str) -> dict:
    user = lookup(ctx, "users", user_id, "user")
    if user_id != ctx.caller.user_id and not ctx.caller.is_admin:
        raise ApiError(403, "only the user or a SysAdmin may read or change these credentials")
    return user


@area.route("GET", "/api/users/beta/credentials/{userId}")
async def git_credentials(ctx: Ctx) -> Response:
    """Credential metadata (provider, access type, domain); no secret value is ever served."""
    user = _own_or_admin(ctx, ctx.params["userId"])
    return ctx.env.unpaged("credentials", list(children(ctx, "user_credentials", user["id"])))


@area.route("PUT", "/api/users/v1/user/{userId}/tokenCredentials/{credentialId}")
async def update_token_credential(ctx: Ctx) -> Response:
    """Stores only the fact that a token was set; the response carries a clearly simulated value."""
    user = _own_or_admin(ctx, ctx.params["userId"])
    credentials = children(ctx, "user_credentials", user["id"])
    credential = find_child(credentials, ctx.params["credentialId"], "credential")
    body = await ctx.body()
    name = optional_str(body, "name")
    if name:
        credential["name"] = name
    credential["accessType"] = "token"
    credential["updatedAt"] = iso_now(ctx)
    record(
        ctx,
        "Update Git Credential",
        entity("user", user["id"], user.get("userName")),
        metadata={"credentialId": credential["id"]},
    )
    return ctx.env.bare({**credential, "token": f"{SIMULATED_SECRET_PREFIX}git-token"})
