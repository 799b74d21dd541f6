"""Model deployments: `{"items": …}` list, CRUD, start/stop, logs and (simulated) credentials."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import conflict
from pipeline.simulator.http.routes._common import (
    collection,
    ensure_unique,
    fake_secret,
    iso_now,
    lookup,
    optional_str,
    record,
    required_str,
    scalar_change,
    user_name,
)
from pipeline.simulator.http.routes._crud import (
    Resource,
    audit_entity,
    delete_handler,
    get_handler,
    list_handler,
    patch_handler,
)
from pipeline.simulator.http.routing import Area, Ctx

area = Area("model_deployments")

DEPLOYMENTS = Resource("model_deployments", "modelDeployment", None, "items", 25, param="deploymentId")
BASE = "/api/modelServing/v1/modelDeployments"
ONE = BASE + "/{deploymentId}"

area.add("GET", BASE, list_handler(DEPLOYMENTS, {"status": "status", "name": "name"}))
area.add("GET", ONE, get_handler(DEPLOYMENTS))
area.add(
    "PATCH",
    ONE,
    patch_handler(
        DEPLOYMENTS,
        {"name": str, "description": str, "configuration": dict, "isGloballyAccessible": bool},
        "Update Model Deployment",
    ),
)
area.add("DELETE", ONE, delete_handler(DEPLOYMENTS, "Delete Model Deployment"))


@area.route("POST", BASE)
async def create_deployment(ctx: Ctx) -> Response:
    body = await ctx.body()
    name = required_str(body, "name")
    ensure_unique(ctx, "model_deployments", "name", name, "model deployment")
    model = lookup(ctx, "registered_models", required_str(body, "modelName"), "registered model")
    version = body.get("modelVersion", model.get("latestVersion"))
    target = lookup(ctx, "deployment_targets", required_str(body, "deploymentTargetId"), "deployment target")
    configs = ctx.world.children.get("resource_configurations", {}).get(target["id"], [])
    config_id = optional_str(body, "resourceConfigurationId") or (configs[0]["id"] if configs else None)
    config = next((c for c in configs if c["id"] == config_id), None)
    now = iso_now(ctx)
    deployment = {
        "id": ctx.world.new_id("modelDeployment"),
        "name": name,
        "description": optional_str(body, "description", ""),
        "status": "Stopped",
        "version": version,
        "models": [{"name": model["name"], "version": version}],
        "configuration": body.get("configuration") or {},
        "creatorInfo": {"id": ctx.caller.user_id, "username": user_name(ctx, ctx.caller.user_id)},
        "collaborators": [],
        "creationTimestamp": now,
        "remoteUpdateTimestamp": now,
        "deploymentTargetInfo": {"id": target["id"], "name": target.get("name")},
        "resourceConfigurationInfo": {"id": config["id"], "name": config.get("name")} if config else None,
        "isGloballyAccessible": bool(body.get("isGloballyAccessible", False)),
    }
    collection(ctx, "model_deployments")[deployment["id"]] = deployment
    record(ctx, "Create Model Deployment", audit_entity(DEPLOYMENTS, deployment))
    return ctx.env.bare(deployment, 201)


def _transition(action: str, status: str):
    async def handler(ctx: Ctx) -> Response:
        deployment = lookup(ctx, "model_deployments", ctx.params["deploymentId"], "model deployment")
        if deployment["status"] == status:
            raise conflict(f"model deployment {deployment['id']!r} is already {status}")
        before = deployment["status"]
        deployment["status"] = status
        deployment["remoteUpdateTimestamp"] = iso_now(ctx)
        record(
            ctx,
            f"{action} Model Deployment",
            audit_entity(DEPLOYMENTS, deployment),
            changes=[scalar_change("status", before, status)],
        )
        return ctx.env.bare(deployment)

    handler.__name__ = f"{action.lower()}_deployment"
    return handler


area.add("POST", ONE + "/start", _transition("Start", "Running"))
area.add("POST", ONE + "/stop", _transition("Stop", "Stopped"))


@area.route("GET", ONE + "/logs/{logSuffix}")
async def deployment_logs(ctx: Ctx) -> Response:
    deployment = lookup(ctx, "model_deployments", ctx.params["deploymentId"], "model deployment")
    line = (
        f"Simulated {ctx.params['logSuffix']} log of deployment {deployment['name']} ({deployment['status']})"
    )
    return ctx.env.bare({"logs": [line]})


@area.route("GET", ONE + "/credentials")
async def deployment_credentials(ctx: Ctx) -> Response:
    deployment = lookup(ctx, "model_deployments", ctx.params["deploymentId"], "model deployment")
    record(ctx, "View Model Deployment Credentials", audit_entity(DEPLOYMENTS, deployment))
    return ctx.env.bare(
        {
            "deploymentId": deployment["id"],
            "username": f"deploy-{deployment['id'][-6:]}",
            "token": fake_secret(ctx, "deployment-token"),
            "simulated": True,
        }
    )
