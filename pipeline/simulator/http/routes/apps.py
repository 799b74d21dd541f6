"""Apps (beta): `{"items": …}` list with no default limit, bare single objects, versions,
instances, thumbnails."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import ApiError
from pipeline.simulator.http.paging import offset_limit, slice_page
from pipeline.simulator.http.routes._common import (
    children,
    collection,
    ensure_unique,
    find_child,
    iso_now,
    lookup,
    optional_str,
    project_entity,
    record,
    required_str,
    user_name,
)
from pipeline.simulator.http.routes._crud import (
    ChildResource,
    Resource,
    audit_entity,
    child_get_handler,
    child_list_handler,
    child_patch_handler,
    delete_handler,
    get_handler,
    list_handler,
    patch_handler,
)
from pipeline.simulator.http.routing import Area, Ctx

area = Area("apps")

APPS = Resource("apps", "app", None, "items", None, param="appId")
VERSIONS = ChildResource("app_versions", APPS, "appVersion", None, "items", param="versionId")
BASE = "/api/apps/beta/apps"
ONE = BASE + "/{appId}"
VERSION = ONE + "/versions/{versionId}"
INSTANCE = VERSION + "/instances/{instanceId}"
VISIBILITIES = ("AUTHENTICATED", "GRANT_BASED", "GRANT_BASED_STRICT", "PUBLIC")

area.add(
    "GET",
    BASE,
    list_handler(
        APPS,
        {
            "projectId": "project.id",
            "status": "currentVersion.currentInstance.status",
            "name": "name",
            "ownerId": "project.ownerId",
            "publisherId": "publisher.id",
        },
    ),
)
area.add("GET", ONE, get_handler(APPS))
area.add(
    "PATCH",
    ONE,
    patch_handler(
        APPS,
        {"name": str, "description": str, "visibility": str, "discoverable": bool, "isPinned": bool},
        "Update App",
    ),
)
area.add("DELETE", ONE, delete_handler(APPS, "Delete App"))
area.add("GET", ONE + "/versions", child_list_handler(VERSIONS))
area.add("GET", VERSION, child_get_handler(VERSIONS))
area.add(
    "PATCH",
    VERSION,
    child_patch_handler(
        VERSIONS, {"tags": list, "environmentId": str, "hardwareTierId": str}, "Update App Version"
    ),
)


def _new_version(ctx: Ctx, app: dict, number: int, body: dict, fallback: dict | None) -> dict:
    tier_id = optional_str(body, "hardwareTierId") or (fallback or {}).get("hardwareTierId")
    environment_id = optional_str(body, "environmentId") or (fallback or {}).get("environmentId")
    if tier_id is None:
        raise ApiError(400, "field 'hardwareTierId' is required")
    lookup(ctx, "hardware_tiers", tier_id, "hardware tier")
    if environment_id:
        lookup(ctx, "environments", environment_id, "environment")
    now_ms, now = ctx.world.clock_ms(), iso_now(ctx)
    version_id = ctx.world.new_id("appVersion")
    instance = {
        "id": ctx.world.new_id("appInstance"),
        "appVersionId": version_id,
        "status": "Queued",
        "createdAt": now,
        "describeUrl": f"/apps/{app['id']}/instances/pending",
    }
    instance["describeUrl"] = f"/apps/{app['id']}/instances/{instance['id']}"
    children(ctx, "app_instances", version_id).append(instance)
    return {
        "id": version_id,
        "appId": app["id"],
        "versionNumber": number,
        "environmentId": environment_id,
        "environmentRevisionId": None,
        "hardwareTierId": tier_id,
        "createdAt": now,
        "updatedAt": now_ms,
        "publisher": {"id": ctx.caller.user_id, "name": user_name(ctx, ctx.caller.user_id)},
        "tags": [],
        "currentInstance": instance,
    }


@area.route("POST", BASE)
async def create_app(ctx: Ctx) -> Response:
    body = await ctx.body()
    project = lookup(ctx, "projects", required_str(body, "projectId"), "project", check_object_id=True)
    name = required_str(body, "name")
    ensure_unique(ctx, "apps", "name", name, "app")
    app = {
        "id": ctx.world.new_id("app"),
        "name": name,
        "description": optional_str(body, "description", "") or "",
        "vanityUrl": None,
        "entryPoint": optional_str(body, "entryPoint", "app.sh"),
        "project": {
            "id": project["id"],
            "name": project["name"],
            "ownerId": project["ownerId"],
            "ownerUsername": project.get("ownerUsername"),
            "projectType": "Analytic",
        },
        "publisher": {"id": ctx.caller.user_id, "name": user_name(ctx, ctx.caller.user_id)},
        "visibility": "AUTHENTICATED",
        "configurationType": "STANDARD",
        "views": 0,
        "isPinned": False,
        "discoverable": True,
        "renderIFrame": False,
        "mountDatasets": False,
        "mountNetAppVolumes": False,
        "accessStatuses": [],
    }
    app["url"] = f"/apps/{app['id']}"
    version = _new_version(ctx, app, 1, body, None)
    app["currentVersion"] = version
    app["updatedAt"] = version["updatedAt"]
    collection(ctx, "apps")[app["id"]] = app
    children(ctx, "app_versions", app["id"]).append(version)
    record(ctx, "Publish App", audit_entity(APPS, app), within=project_entity(project))
    return ctx.env.bare(app, 201)


@area.route("POST", ONE + "/versions")
async def create_app_version(ctx: Ctx) -> Response:
    app = lookup(ctx, "apps", ctx.params["appId"], "app")
    versions = children(ctx, "app_versions", app["id"])
    version = _new_version(ctx, app, len(versions) + 1, await ctx.optional_body(), app.get("currentVersion"))
    versions.append(version)
    app["currentVersion"] = version
    app["updatedAt"] = version["updatedAt"]
    record(ctx, "Start App", audit_entity(APPS, app), metadata={"version": version["versionNumber"]})
    return ctx.env.bare(version, 201)


def _instances(ctx: Ctx) -> tuple[dict, list[dict]]:
    app = lookup(ctx, "apps", ctx.params["appId"], "app")
    version = find_child(children(ctx, "app_versions", app["id"]), ctx.params["versionId"], "app version")
    return app, children(ctx, "app_instances", version["id"])


@area.route("GET", VERSION + "/instances")
async def list_instances(ctx: Ctx) -> Response:
    _, instances = _instances(ctx)
    offset, limit = offset_limit(ctx.query, None)
    return ctx.env.paged("items", slice_page(list(instances), offset, limit), offset, limit, len(instances))


@area.route("GET", INSTANCE)
async def get_instance(ctx: Ctx) -> Response:
    _, instances = _instances(ctx)
    return ctx.env.bare(find_child(instances, ctx.params["instanceId"], "app instance"))


@area.route("DELETE", INSTANCE)
async def stop_instance(ctx: Ctx) -> Response:
    """Stops the instance (it stays listed with status Stopped, as a finished execution does)."""
    app, instances = _instances(ctx)
    instance = find_child(instances, ctx.params["instanceId"], "app instance")
    if instance["status"] == "Stopped":
        raise ApiError(409, f"app instance {instance['id']!r} is already stopped")
    instance["status"] = "Stopped"
    record(ctx, "Stop App", audit_entity(APPS, app), metadata={"instanceId": instance["id"]})
    return ctx.env.bare(instance)


@area.route("GET", INSTANCE + "/logs")
async def instance_logs(ctx: Ctx) -> Response:
    _, instances = _instances(ctx)
    instance = find_child(instances, ctx.params["instanceId"], "app instance")
    return ctx.env.bare({"logs": [f"Simulated log of app instance {instance['id']} ({instance['status']})"]})


THUMBNAILS = "app_thumbnails"


@area.route("GET", ONE + "/thumbnail")
async def get_thumbnail(ctx: Ctx) -> Response:
    app = lookup(ctx, "apps", ctx.params["appId"], "app")
    stored = ctx.world.children.get(THUMBNAILS, {}).get(app["id"])
    if not stored:
        raise ApiError(404, f"app {app['id']!r} has no thumbnail")
    return Response(stored[0]["bytes"], media_type=stored[0]["contentType"])


@area.route("POST", ONE + "/thumbnail")
async def set_thumbnail(ctx: Ctx) -> Response:
    app = lookup(ctx, "apps", ctx.params["appId"], "app")
    data = await ctx.request.body()
    if not data:
        raise ApiError(400, "the thumbnail image is missing from the request body")
    content_type = ctx.request.headers.get("content-type", "application/octet-stream")
    ctx.world.children.setdefault(THUMBNAILS, {})[app["id"]] = [{"bytes": data, "contentType": content_type}]
    record(ctx, "Update App Thumbnail", audit_entity(APPS, app))
    return ctx.env.bare({"appId": app["id"], "size": len(data), "contentType": content_type}, 201)


@area.route("DELETE", ONE + "/thumbnail")
async def delete_thumbnail(ctx: Ctx) -> Response:
    app = lookup(ctx, "apps", ctx.params["appId"], "app")
    if not ctx.world.children.get(THUMBNAILS, {}).pop(app["id"], None):
        raise ApiError(404, f"app {app['id']!r} has no thumbnail")
    record(ctx, "Delete App Thumbnail", audit_entity(APPS, app))
    return ctx.env.bare({"appId": app["id"], "deleted": True})
