"""Deployment target types, deployment targets and their resource configurations (SysAdmin only)."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.routes._common import (
    collection,
    ensure_unique,
    iso_now,
    lookup,
    optional_str,
    record,
    required_str,
)
from pipeline.simulator.http.routes._crud import (
    ChildResource,
    Resource,
    audit_entity,
    child_create_handler,
    child_delete_handler,
    child_get_handler,
    child_list_handler,
    child_patch_handler,
    delete_handler,
    get_handler,
    list_handler,
    patch_handler,
)
from pipeline.simulator.http.routing import Area, Ctx

area = Area("deployment_targets", admin=True)

TYPES = Resource(
    "deployment_target_types",
    "deploymentTargetType",
    "deploymentTargetType",
    "deploymentTargetTypes",
    10,
    param="typeId",
)
TARGETS = Resource(
    "deployment_targets", "deploymentTarget", "deploymentTarget", "deploymentTargets", 10, param="targetId"
)
CONFIGS = ChildResource(
    "resource_configurations",
    TARGETS,
    "resourceConfiguration",
    "resourceConfiguration",
    "resourceConfigurations",
    param="configId",
)
BASE = "/api/admin/v1/deploymentTargets"
ONE = BASE + "/{targetId}"


async def _new_target(ctx: Ctx, body: dict) -> dict:
    name = required_str(body, "name")
    ensure_unique(ctx, "deployment_targets", "name", name, "deployment target")
    kind = lookup(
        ctx, "deployment_target_types", required_str(body, "deploymentTargetTypeId"), "deployment target type"
    )
    config = body.get("configuration") or {}
    return {
        "id": ctx.world.new_id("deploymentTarget"),
        "name": name,
        "deploymentTargetTypeId": kind["id"],
        "status": "Active",
        "description": optional_str(body, "description", "") or "",
        "configuration": config if isinstance(config, dict) else {},
        "createdAt": iso_now(ctx),
    }


async def _new_config(ctx: Ctx, target: dict, body: dict) -> dict:
    return {
        "id": ctx.world.new_id("resourceConfiguration"),
        "name": required_str(body, "name"),
        "deploymentTargetId": target["id"],
        "cpu": body.get("cpu", 1),
        "memory": body.get("memory", "4Gi"),
        "gpu": body.get("gpu", 0),
        "instanceType": optional_str(body, "instanceType"),
        "isDefault": False,
    }


area.add("GET", "/api/admin/v1/deploymentTargetTypes", list_handler(TYPES))
area.add("GET", "/api/admin/v1/deploymentTargetTypes/{typeId}", get_handler(TYPES))
area.add("GET", BASE, list_handler(TARGETS, {"deploymentTargetTypeId": "deploymentTargetTypeId"}))
area.add("GET", ONE, get_handler(TARGETS))
area.add(
    "PATCH",
    ONE,
    patch_handler(
        TARGETS,
        {"name": str, "description": str, "status": str, "configuration": dict},
        "Update Deployment Target",
    ),
)
area.add("DELETE", ONE, delete_handler(TARGETS, "Delete Deployment Target"))
area.add("GET", ONE + "/resourceConfigurations", child_list_handler(CONFIGS))
area.add(
    "POST",
    ONE + "/resourceConfigurations",
    child_create_handler(CONFIGS, _new_config, "Create Resource Configuration"),
)
area.add("GET", ONE + "/resourceConfigurations/{configId}", child_get_handler(CONFIGS))
area.add(
    "PATCH",
    ONE + "/resourceConfigurations/{configId}",
    child_patch_handler(
        CONFIGS,
        {"name": str, "cpu": (int, float), "memory": str, "gpu": int, "instanceType": str, "isDefault": bool},
        "Update Resource Configuration",
    ),
)
area.add(
    "DELETE",
    ONE + "/resourceConfigurations/{configId}",
    child_delete_handler(CONFIGS, "Delete Resource Configuration"),
)


@area.route("POST", BASE)
async def create_target(ctx: Ctx) -> Response:
    target = await _new_target(ctx, await ctx.body())
    collection(ctx, "deployment_targets")[target["id"]] = target
    ctx.world.children.setdefault("resource_configurations", {})[target["id"]] = []
    record(ctx, "Create Deployment Target", audit_entity(TARGETS, target))
    return ctx.env.single("deploymentTarget", target, 201)
