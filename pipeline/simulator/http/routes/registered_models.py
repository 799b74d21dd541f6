"""Registered models (model registry): v2 list/create, v1 get/update, versions."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import bad_request
from pipeline.simulator.http.routes._common import (
    children,
    collection,
    ensure_unique,
    entity,
    find_child,
    iso_now,
    lookup,
    optional_str,
    record,
    required_str,
    user_name,
)
from pipeline.simulator.http.routes._crud import Resource, list_handler, patch_handler, respond_list
from pipeline.simulator.http.routing import Area, Ctx

area = Area("registered_models")

MODELS = Resource(
    "registered_models", "registeredModel", None, "items", 10, id_field="name", param="modelName"
)
ONE = "/api/registeredmodels/v1/{modelName}"


def _project(ctx: Ctx, body: dict) -> dict | None:
    project_id = body.get("projectId") or (body.get("project") or {}).get("id")
    if not project_id:
        return None
    project = lookup(ctx, "projects", project_id, "project")
    return {"id": project["id"], "name": project["name"]}


def _version(ctx: Ctx, model: dict, number: int, body: dict) -> dict:
    source = body.get("source") or {}
    if not isinstance(source, dict):
        raise bad_request("field 'source' must be an object")
    return {
        "modelName": model["name"],
        "modelVersion": number,
        "modelVersionDescription": optional_str(body, "modelVersionDescription", "") or "",
        "project": model.get("project"),
        "createdAt": iso_now(ctx),
        "ownerUsername": user_name(ctx, ctx.caller.user_id),
        "experimentRunId": source.get("runId") or source.get("experimentRunId"),
    }


area.add("GET", "/api/registeredmodels/v2", list_handler(MODELS, {"projectId": "project.id", "name": "name"}))


@area.route("POST", "/api/registeredmodels/v2")
async def register_model(ctx: Ctx) -> Response:
    body = await ctx.body()
    name = required_str(body, "name")
    ensure_unique(ctx, "registered_models", "name", name, "registered model")
    now = iso_now(ctx)
    model = {
        "name": name,
        "description": optional_str(body, "description", "") or "",
        "latestVersion": 1,
        "project": _project(ctx, body),
        "createdAt": now,
        "updatedAt": now,
        "ownerUsername": user_name(ctx, ctx.caller.user_id),
        "tags": {},
        "discoverable": True,
    }
    version = _version(ctx, model, 1, body)
    collection(ctx, "registered_models")[name] = model
    children(ctx, "registered_model_versions", name).append(version)
    project = model["project"]
    record(
        ctx,
        "Register Model",
        entity("registeredModel", name, name),
        within=entity("project", project["id"], project["name"]) if project else None,
    )
    return ctx.env.bare(model, 201)


@area.route("GET", ONE)
async def get_model(ctx: Ctx) -> Response:
    return ctx.env.bare(lookup(ctx, "registered_models", ctx.params["modelName"], "registered model"))


area.add(
    "PATCH",
    ONE,
    patch_handler(
        MODELS, {"description": str, "discoverable": bool, "tags": dict}, "Update Registered Model"
    ),
)


@area.route("GET", ONE + "/versions")
async def list_model_versions(ctx: Ctx) -> Response:
    model = lookup(ctx, "registered_models", ctx.params["modelName"], "registered model")
    return respond_list(
        ctx, "paged", "items", list(children(ctx, "registered_model_versions", model["name"])), 10
    )


@area.route("POST", ONE + "/versions")
async def create_model_version(ctx: Ctx) -> Response:
    model = lookup(ctx, "registered_models", ctx.params["modelName"], "registered model")
    versions = children(ctx, "registered_model_versions", model["name"])
    version = _version(ctx, model, len(versions) + 1, await ctx.optional_body())
    versions.append(version)
    model["latestVersion"] = version["modelVersion"]
    model["updatedAt"] = version["createdAt"]
    record(
        ctx,
        "Register Model Version",
        entity("registeredModel", model["name"], model["name"]),
        metadata={"version": version["modelVersion"]},
    )
    return ctx.env.bare(version, 201)


@area.route("GET", ONE + "/versions/{version}")
async def get_model_version(ctx: Ctx) -> Response:
    model = lookup(ctx, "registered_models", ctx.params["modelName"], "registered model")
    versions = children(ctx, "registered_model_versions", model["name"])
    return ctx.env.bare(find_child(versions, ctx.params["version"], "model version", "modelVersion"))
