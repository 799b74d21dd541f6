"""Environments: list/create/get/archive and revisions."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.routes._common import (
    children,
    collection,
    ensure_unique,
    iso_now,
    lookup,
    one_of,
    optional_str,
    record,
    required_str,
    user_name,
)
from pipeline.simulator.http.routes._crud import (
    ChildResource,
    Resource,
    audit_entity,
    child_patch_handler,
    delete_handler,
    get_handler,
    list_handler,
)
from pipeline.simulator.http.routing import Area, Ctx

area = Area("environments")

ENVIRONMENTS = Resource(
    "environments", "environment", "environment", "environments", 10, param="environmentId"
)
REVISIONS = ChildResource(
    "environment_revisions", ENVIRONMENTS, "environmentRevision", "revision", "revisions", param="revisionId"
)
VISIBILITIES = ("global", "private", "organization")

area.add("GET", "/api/environments/beta/environments", list_handler(ENVIRONMENTS, {"name": "name"}))
area.add("GET", "/api/environments/v1/environments/{environmentId}", get_handler(ENVIRONMENTS))
area.add(
    "DELETE",
    "/api/environments/v1/environments/{environmentId}",
    delete_handler(ENVIRONMENTS, "Archive Environment", archive_field="archived"),
)


def _revision(ctx: Ctx, environment_id: str, number: int, body: dict) -> dict:
    return {
        "id": ctx.world.new_id("environmentRevision"),
        "number": number,
        "status": "queued",
        "availableTools": ["jupyter", "jupyterlab", "vscode"],
        "createdAt": iso_now(ctx),
        "environmentId": environment_id,
        "dockerfileInstructions": optional_str(body, "dockerfileInstructions", ""),
    }


def _summary(revision: dict) -> dict:
    return {key: revision[key] for key in ("id", "number", "status", "availableTools")}


@area.route("POST", "/api/environments/beta/environments")
async def create_environment(ctx: Ctx) -> Response:
    body = await ctx.body()
    name = required_str(body, "name")
    ensure_unique(ctx, "environments", "name", name, "environment")
    base_id = optional_str(body, "baseEnvironmentId")
    if base_id:
        lookup(ctx, "environments", base_id, "base environment")
    env_id = ctx.world.new_id("environment")
    revision = _revision(ctx, env_id, 1, body)
    environment = {
        "id": env_id,
        "name": name,
        "archived": False,
        "visibility": one_of(body, "visibility", VISIBILITIES, "private"),
        "owner": {
            "id": ctx.caller.user_id,
            "username": user_name(ctx, ctx.caller.user_id),
            "ownerType": "individual",
        },
        "supportedClusters": [],
        "rebuildOnBaseChanges": "never",
        "latestRevision": _summary(revision),
        "selectedRevision": _summary(revision),
        "restrictedRevision": None,
        "activeRevisionTags": [],
        "internalTags": [],
        "isCurated": False,
        "description": optional_str(body, "description", "") or "",
        "baseEnvironmentId": base_id,
    }
    collection(ctx, "environments")[env_id] = environment
    children(ctx, "environment_revisions", env_id).append(revision)
    record(ctx, "Create Environment", audit_entity(ENVIRONMENTS, environment))
    return ctx.env.single("environment", environment, 201)


@area.route("POST", "/api/environments/beta/environments/{environmentId}/revisions")
async def create_revision(ctx: Ctx) -> Response:
    environment = lookup(ctx, "environments", ctx.params["environmentId"], "environment")
    revisions = children(ctx, "environment_revisions", environment["id"])
    revision = _revision(ctx, environment["id"], len(revisions) + 1, await ctx.optional_body())
    revisions.append(revision)
    environment["latestRevision"] = _summary(revision)
    record(
        ctx,
        "Create Environment Revision",
        audit_entity(ENVIRONMENTS, environment),
        metadata={"revision": revision["number"]},
    )
    return ctx.env.single("revision", revision, 201)


area.add(
    "PATCH",
    "/api/environments/beta/environments/{environmentId}/revisions/{revisionId}",
    child_patch_handler(
        REVISIONS, {"status": str, "dockerfileInstructions": str, "tags": list}, "Update Environment Revision"
    ),
)
