"""Model APIs: `{"items": …}` list (25 a page), bare objects, bare-array versions, logs."""

from __future__ import annotations

import re

from starlette.responses import Response

from pipeline.simulator.http.errors import bad_request
from pipeline.simulator.http.routes._common import (
    children,
    collection,
    ensure_unique,
    find_child,
    lookup,
    optional_str,
    patch_fields,
    project_entity,
    record,
    required_str,
)
from pipeline.simulator.http.routes._crud import (
    Resource,
    audit_entity,
    delete_handler,
    get_handler,
    respond_list,
)
from pipeline.simulator.http.routing import Area, Ctx

area = Area("model_apis")

MODEL_APIS = Resource("model_apis", "modelApi", None, "items", 25, param="modelApiId")
BASE = "/api/modelServing/v1/modelApis"
ONE = BASE + "/{modelApiId}"
UPDATABLE = {
    "name": str,
    "description": str,
    "replicas": int,
    "hardwareTierId": str,
    "environmentId": str,
    "isAsync": bool,
    "overrideRequestTimeoutSecs": (int, type(None)),
}


def _version(ctx: Ctx, api_id: str, project_id: str, number: int, body: dict) -> dict:
    now = ctx.world.clock_ms()
    return {
        "id": ctx.world.new_id("modelApiVersion"),
        "number": number,
        "modelApiId": api_id,
        "projectId": project_id,
        "commitId": optional_str(body, "commitId", None),
        "environmentRevisionId": None,
        "dataPlaneId": "000000000000000000000000",
        "source": {
            "type": "File",
            "file": optional_str(body, "modelFile", "model.py"),
            "function": optional_str(body, "modelFunction", "predict"),
            "registeredModelName": None,
            "registeredModelVersion": None,
        },
        "deployment": {"isPending": True, "status": "Preparing"},
        "metadata": {
            "created": now,
            "createdBy": ctx.caller.user_id,
            "summary": optional_str(body, "summary", ""),
        },
        "labels": [],
        "monitoringEnabled": False,
        "recordInvocation": False,
        "logHttpRequestResponse": False,
    }


def _activate(api: dict, version: dict) -> None:
    api["activeVersion"] = {
        "id": version["id"],
        "number": version["number"],
        "dataPlaneId": version["dataPlaneId"],
        "deployment": version["deployment"],
    }
    api["metadata"]["lastModified"] = version["metadata"]["created"]


@area.route("GET", BASE)
async def list_model_apis(ctx: Ctx) -> Response:
    """Filters by `projectId` (through the versions), `environmentId` and `name` (a regex, as in the spec)."""
    apis = list(collection(ctx, "model_apis").values())
    project_id, environment_id, name = (ctx.query.get(k) for k in ("projectId", "environmentId", "name"))
    if project_id:
        versions = ctx.world.children.get("model_api_versions", {})
        apis = [a for a in apis if any(v.get("projectId") == project_id for v in versions.get(a["id"], []))]
    if environment_id:
        apis = [a for a in apis if a.get("environmentId") == environment_id]
    if name:
        try:
            pattern = re.compile(name)
        except re.error:
            raise bad_request(f"query parameter 'name' is not a valid regular expression: {name!r}") from None
        apis = [a for a in apis if pattern.search(a.get("name", ""))]
    return respond_list(ctx, "paged", "items", apis, 25)


@area.route("POST", BASE)
async def create_model_api(ctx: Ctx) -> Response:
    body = await ctx.body()
    project = lookup(ctx, "projects", required_str(body, "projectId"), "project", check_object_id=True)
    name = required_str(body, "name")
    ensure_unique(ctx, "model_apis", "name", name, "model API")
    environment = lookup(ctx, "environments", required_str(body, "environmentId"), "environment")
    tier_id = optional_str(body, "hardwareTierId")
    if tier_id:
        lookup(ctx, "hardware_tiers", tier_id, "hardware tier")
    api_id = ctx.world.new_id("modelApi")
    now = ctx.world.clock_ms()
    api = {
        "id": api_id,
        "name": name,
        "description": optional_str(body, "description", "") or "",
        "environmentId": environment["id"],
        "hardwareTierId": tier_id,
        "replicas": int(body.get("replicas", 1)),
        "isArchived": False,
        "isAsync": False,
        "routingMode": "Basic",
        "strictNodeAntiAffinity": False,
        "access": {"isPublic": False, "accessTokens": []},
        "collaborators": [{"collaborator": ctx.caller.user_id, "role": "Owner"}],
        "healthCheck": {"initialDelaySeconds": 10, "periodSeconds": 30},
        "volumes": [],
        "metadata": {"created": now, "createdBy": ctx.caller.user_id, "lastModified": now},
        "bundleId": None,
        "resourceQuotaId": None,
        "overrideRequestTimeoutSecs": None,
    }
    version = _version(ctx, api_id, project["id"], 1, body)
    _activate(api, version)
    collection(ctx, "model_apis")[api_id] = api
    children(ctx, "model_api_versions", api_id).append(version)
    record(ctx, "Create Model API", audit_entity(MODEL_APIS, api), within=project_entity(project))
    return ctx.env.bare(api, 201)


area.add("GET", ONE, get_handler(MODEL_APIS))


@area.route("PUT", ONE)
async def update_model_api(ctx: Ctx) -> Response:
    api = lookup(ctx, "model_apis", ctx.params["modelApiId"], "model API")
    body = await ctx.body()
    body.pop("id", None)
    if "name" in body and body["name"] != api["name"]:
        ensure_unique(ctx, "model_apis", "name", body["name"], "model API")
    for ref, coll, kind in (
        ("hardwareTierId", "hardware_tiers", "hardware tier"),
        ("environmentId", "environments", "environment"),
    ):
        if isinstance(body.get(ref), str):
            lookup(ctx, coll, body[ref], kind)
    changes = patch_fields(api, body, UPDATABLE)
    record(ctx, "Update Model API", audit_entity(MODEL_APIS, api), changes=changes)
    return ctx.env.bare(api)


area.add("DELETE", ONE, delete_handler(MODEL_APIS, "Delete Model API"))


@area.route("GET", ONE + "/versions")
async def list_versions(ctx: Ctx) -> Response:
    api = lookup(ctx, "model_apis", ctx.params["modelApiId"], "model API")
    return ctx.env.array(list(children(ctx, "model_api_versions", api["id"])))


@area.route("POST", ONE + "/versions")
async def create_version(ctx: Ctx) -> Response:
    api = lookup(ctx, "model_apis", ctx.params["modelApiId"], "model API")
    versions = children(ctx, "model_api_versions", api["id"])
    body = await ctx.optional_body()
    project_id = body.get("projectId") or (versions[-1]["projectId"] if versions else None)
    project = lookup(ctx, "projects", project_id or "", "project")
    version = _version(ctx, api["id"], project["id"], len(versions) + 1, body)
    versions.append(version)
    _activate(api, version)
    record(
        ctx,
        "Create Model API Version",
        audit_entity(MODEL_APIS, api),
        within=project_entity(project),
        metadata={"version": version["number"]},
    )
    return ctx.env.bare(version, 201)


def _version_of(ctx: Ctx) -> dict:
    api = lookup(ctx, "model_apis", ctx.params["modelApiId"], "model API")
    return find_child(
        children(ctx, "model_api_versions", api["id"]), ctx.params["versionId"], "model API version"
    )


@area.route("GET", ONE + "/versions/{versionId}")
async def get_version(ctx: Ctx) -> Response:
    return ctx.env.bare(_version_of(ctx))


def _logs(kind: str):
    async def handler(ctx: Ctx) -> Response:
        version = _version_of(ctx)
        lines = [
            f"Simulated {kind} log of model API version {version['number']}",
            f"deployment status: {version['deployment']['status']}",
        ]
        return ctx.env.bare(
            {"logs": [{"timestamp": version["metadata"]["created"], "log": line} for line in lines]}
        )

    handler.__name__ = f"model_api_{kind}_logs"
    return handler


area.add("GET", ONE + "/versions/{versionId}/buildLogs", _logs("build"))
area.add("GET", ONE + "/versions/{versionId}/instanceLogs", _logs("instance"))
