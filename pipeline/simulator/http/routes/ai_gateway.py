"""AI Gateway endpoints: CRUD by name, permissions, audit. A provider key is accepted but never
stored or served."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import bad_request, conflict
from pipeline.simulator.http.routes._common import (
    children,
    collection,
    iso_now,
    lookup,
    optional_str,
    patch_fields,
    record,
    required_str,
    user_name,
)
from pipeline.simulator.http.routes._crud import (
    Resource,
    audit_entity,
    delete_handler,
    get_handler,
    list_handler,
)
from pipeline.simulator.http.routing import Area, Ctx
from pipeline.simulator.http.time_params import iso_bound

area = Area("ai_gateway")

ENDPOINTS = Resource(
    "ai_gateway_endpoints",
    "aiGatewayEndpoint",
    None,
    "endpoints",
    10,
    id_field="endpointName",
    name_field="endpointName",
    param="endpointName",
)
BASE = "/api/aigateway/v1/endpoints"
ONE = BASE + "/{endpointName}"


def _audit(ctx: Ctx, name: str, action: str) -> None:
    ctx.world.ai_gateway_audit.append(
        {
            "timestamp": iso_now(ctx),
            "endpointName": name,
            "action": action,
            "userId": ctx.caller.user_id,
            "userName": user_name(ctx, ctx.caller.user_id),
            "metadata": {},
        }
    )


area.add("GET", BASE, list_handler(ENDPOINTS, {"provider": "provider"}))
area.add("GET", ONE, get_handler(ENDPOINTS))


@area.route("POST", BASE)
async def create_endpoint(ctx: Ctx) -> Response:
    body = await ctx.body()
    name = required_str(body, "endpointName") if "endpointName" in body else required_str(body, "name")
    if name in collection(ctx, "ai_gateway_endpoints"):
        raise conflict(f"an AI Gateway endpoint named {name!r} already exists")
    config = body.get("modelConfig", {})
    if not isinstance(config, dict):
        raise bad_request("field 'modelConfig' must be an object")
    endpoint = {
        "endpointName": name,
        "endpointType": optional_str(body, "endpointType", "completions"),
        "provider": required_str(body, "provider"),
        "model": required_str(body, "model"),
        "modelConfig": config,
        "createdAt": iso_now(ctx),
        "creatorId": ctx.caller.user_id,
    }
    collection(ctx, "ai_gateway_endpoints")[name] = endpoint
    children(ctx, "ai_gateway_permissions", name).append(
        {"isEveryoneAllowed": False, "userIds": [ctx.caller.user_id], "organizationIds": []}
    )
    _audit(ctx, name, "CreateEndpoint")
    record(ctx, "Create AI Gateway Endpoint", audit_entity(ENDPOINTS, endpoint))
    return ctx.env.bare(endpoint, 201)


@area.route("PATCH", ONE)
async def update_endpoint(ctx: Ctx) -> Response:
    endpoint = lookup(ctx, "ai_gateway_endpoints", ctx.params["endpointName"], "AI Gateway endpoint")
    body = await ctx.body()
    body.pop("providerApiKey", None)  # accepted, never kept
    changes = patch_fields(
        endpoint, body, {"model": str, "modelConfig": dict, "provider": str, "endpointType": str}
    )
    _audit(ctx, endpoint["endpointName"], "UpdateEndpoint")
    record(ctx, "Update AI Gateway Endpoint", audit_entity(ENDPOINTS, endpoint), changes=changes)
    return ctx.env.bare(endpoint)


_delete = delete_handler(ENDPOINTS, "Delete AI Gateway Endpoint")


@area.route("DELETE", ONE)
async def delete_endpoint(ctx: Ctx) -> Response:
    response = await _delete(ctx)
    ctx.world.children.get("ai_gateway_permissions", {}).pop(ctx.params["endpointName"], None)
    _audit(ctx, ctx.params["endpointName"], "DeleteEndpoint")
    return response


def _permissions(ctx: Ctx) -> tuple[dict, list[dict]]:
    endpoint = lookup(ctx, "ai_gateway_endpoints", ctx.params["endpointName"], "AI Gateway endpoint")
    holder = children(ctx, "ai_gateway_permissions", endpoint["endpointName"])
    if not holder:
        holder.append({"isEveryoneAllowed": False, "userIds": [], "organizationIds": []})
    return endpoint, holder


@area.route("GET", ONE + "/permissions")
async def get_permissions(ctx: Ctx) -> Response:
    return ctx.env.bare(_permissions(ctx)[1][0])


@area.route("PATCH", ONE + "/permissions")
async def update_permissions(ctx: Ctx) -> Response:
    endpoint, holder = _permissions(ctx)
    body = await ctx.body()
    for key in ("userIds", "organizationIds"):
        if key in body and not (isinstance(body[key], list) and all(isinstance(v, str) for v in body[key])):
            raise bad_request(f"field {key!r} must be a list of ids")
    changes = patch_fields(
        holder[0], body, {"isEveryoneAllowed": bool, "userIds": list, "organizationIds": list}
    )
    _audit(ctx, endpoint["endpointName"], "UpdateEndpointPermissions")
    record(ctx, "Update AI Gateway Endpoint Permissions", audit_entity(ENDPOINTS, endpoint), changes=changes)
    return ctx.env.bare(holder[0])


@area.route("GET", "/api/aigateway/v1/audit", admin=True)
async def gateway_audit(ctx: Ctx) -> Response:
    name = ctx.query.get("endpointName")
    start, end = iso_bound(ctx.query, "startTime"), iso_bound(ctx.query, "endTime")
    rows = [
        e
        for e in ctx.world.ai_gateway_audit
        if (not name or e["endpointName"] == name)
        and (start is None or e["timestamp"] >= start)
        and (end is None or e["timestamp"] < end)
    ]
    return ctx.env.array(rows)
