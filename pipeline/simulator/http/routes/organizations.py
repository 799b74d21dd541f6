"""Organizations: `{"orgs": …}` list, create, get, and membership changes."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import ApiError, conflict
from pipeline.simulator.http.routes._common import (
    collection,
    ensure_unique,
    entity,
    lookup,
    one_of,
    record,
    require_user,
    required_str,
    scalar_change,
)
from pipeline.simulator.http.routes._crud import Resource, get_handler, list_handler
from pipeline.simulator.http.routing import Area, Ctx

area = Area("organizations")

ORGS = Resource("organizations", "organization", "org", "orgs", 10, param="organizationId")
BASE = "/api/organizations/v1/organizations"
ROLES = ("member", "admin")

area.add("GET", BASE, list_handler(ORGS, {"nameFilter": "name"}))
area.add("GET", BASE + "/{organizationId}", get_handler(ORGS))


@area.route("POST", BASE)
async def create_org(ctx: Ctx) -> Response:
    body = await ctx.body()
    name = required_str(body, "name")
    ensure_unique(ctx, "organizations", "name", name, "organization")
    org = {
        "id": ctx.world.new_id("organization"),
        "name": name,
        "members": [{"userId": ctx.caller.user_id, "organizationRole": "admin"}],
        "defaultEnvironmentId": body.get("defaultEnvironmentId"),
    }
    collection(ctx, "organizations")[org["id"]] = org
    record(ctx, "Create Organization", entity("organization", org["id"], name))
    return ctx.env.single("org", org, 201)


@area.route("PUT", BASE + "/{organizationId}/user")
async def put_member(ctx: Ctx) -> Response:
    """Adds a member, or changes an existing member's role."""
    org = lookup(ctx, "organizations", ctx.params["organizationId"], "organization")
    body = await ctx.body()
    user = require_user(ctx, body.get("userId"))
    role = one_of(body, "organizationRole", ROLES, "member")
    member = next((m for m in org["members"] if m["userId"] == user["id"]), None)
    if member is not None and member["organizationRole"] == role:
        raise conflict(f"user {user['id']!r} is already a {role} of organization {org['id']!r}")
    before = member["organizationRole"] if member else None
    if member is None:
        org["members"].append({"userId": user["id"], "organizationRole": role})
    else:
        member["organizationRole"] = role
    record(
        ctx,
        "Add Organization Member" if before is None else "Change Organization Role",
        entity("user", user["id"], user.get("userName")),
        changes=[scalar_change("organizationRole", before, role)],
        affecting=(entity("organization", org["id"], org["name"]),),
    )
    return ctx.env.single("org", org)


@area.route("DELETE", BASE + "/{organizationId}/user")
async def remove_member(ctx: Ctx) -> Response:
    """The member comes from the body (`{"userId": …}`) or the `userId` query parameter."""
    org = lookup(ctx, "organizations", ctx.params["organizationId"], "organization")
    user_id = ctx.query.get("userId") or (await ctx.optional_body()).get("userId")
    user = require_user(ctx, user_id)
    member = next((m for m in org["members"] if m["userId"] == user["id"]), None)
    if member is None:
        raise ApiError(404, f"user {user['id']!r} is not a member of organization {org['id']!r}")
    org["members"].remove(member)
    record(
        ctx,
        "Remove Organization Member",
        entity("user", user["id"], user.get("userName")),
        changes=[scalar_change("organizationRole", member["organizationRole"], None)],
        affecting=(entity("organization", org["id"], org["name"]),),
    )
    return ctx.env.single("org", org)
