"""Hardware tiers: readable by everyone; create/update/archive are SysAdmin-only."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import bad_request, conflict
from pipeline.simulator.http.paging import bool_param
from pipeline.simulator.http.routes._common import (
    collection,
    ensure_unique,
    iso_now,
    lookup,
    record,
    required_str,
)
from pipeline.simulator.http.routes._crud import Resource, audit_entity, get_handler, respond_list
from pipeline.simulator.http.routing import Area, Ctx

area = Area("hardware_tiers")

TIERS = Resource(
    "hardware_tiers", "hardwareTier", "hardwareTier", "hardwareTiers", 10, param="hardwareTierId"
)
PATH = "/api/hardwaretiers/v1/hardwaretiers"


@area.route("GET", PATH)
async def list_tiers(ctx: Ctx) -> Response:
    include_archived = bool_param(ctx.query, "includeArchived", False)
    tiers = [
        t
        for t in collection(ctx, "hardware_tiers").values()
        if include_archived or not t.get("flags", {}).get("isArchived")
    ]
    return respond_list(ctx, "paged", "hardwareTiers", tiers, 10)


area.add("GET", PATH + "/{hardwareTierId}", get_handler(TIERS))


def _number(body: dict, name: str, default: float | None = None) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise bad_request(f"field {name!r} is required and must be a non-negative number")
    return float(value)


def _resources(body: dict, current: dict | None = None) -> dict:
    raw = body.get("resources", current or {})
    if not isinstance(raw, dict):
        raise bad_request("field 'resources' must be an object")
    cores = _number(raw, "cores")
    memory = raw.get("memory")
    if not isinstance(memory, dict) or not isinstance(memory.get("value"), int | float):
        raise bad_request('field \'resources.memory\' must be {"value": <number>, "units": "GiB"}')
    return {
        "cores": cores,
        "coresLimit": float(raw.get("coresLimit", cores)),
        "memory": {"value": float(memory["value"]), "units": memory.get("units", "GiB")},
        "memoryLimit": raw.get("memoryLimit", memory),
        "allowSharedMemoryToExceedDefault": False,
    }


@area.route("POST", PATH, admin=True)
async def create_tier(ctx: Ctx) -> Response:
    body = await ctx.body()
    tier_id = required_str(body, "id")
    if tier_id in collection(ctx, "hardware_tiers"):
        raise conflict(f"hardware tier id {tier_id!r} is taken")
    name = required_str(body, "name")
    ensure_unique(ctx, "hardware_tiers", "name", name, "hardware tier")
    now = iso_now(ctx)
    gpus = int(body.get("gpuConfiguration", {}).get("numberOfGpus", 0)) if body.get("gpuConfiguration") else 0
    tier = {
        "id": tier_id,
        "name": name,
        "centsPerMinute": _number(body, "centsPerMinute"),
        "resources": _resources(body),
        "gpuConfiguration": {"numberOfGpus": gpus, "gpuKey": "nvidia.com/gpu"} if gpus else None,
        "flags": {
            "isArchived": False,
            "isDefault": False,
            "isGlobal": True,
            "isVisible": True,
            "isDataAnalystTier": False,
            "isModelApiTier": False,
            "isDefaultForModelApi": False,
        },
        "podCustomization": {},
        "metadata": {},
        "nodePool": body.get("nodePool", "default"),
        "creationTime": now,
        "updateTime": now,
    }
    collection(ctx, "hardware_tiers")[tier_id] = tier
    record(
        ctx,
        "Create Hardware Tier",
        audit_entity(TIERS, tier),
        metadata={"centsPerMinute": tier["centsPerMinute"]},
    )
    return ctx.env.single("hardwareTier", tier, 201)


@area.route("PUT", PATH, admin=True)
async def update_tier(ctx: Ctx) -> Response:
    """Full update of the tier named by the body's `id` (the path has no id, as in the spec)."""
    body = await ctx.body()
    tier = lookup(ctx, "hardware_tiers", required_str(body, "id"), "hardware tier")
    name = required_str(body, "name")
    if name != tier["name"]:
        ensure_unique(ctx, "hardware_tiers", "name", name, "hardware tier")
    before = tier["centsPerMinute"]
    tier.update(
        name=name,
        centsPerMinute=_number(body, "centsPerMinute", before),
        resources=_resources(body, tier["resources"]),
        updateTime=iso_now(ctx),
    )
    record(
        ctx,
        "Update Hardware Tier",
        audit_entity(TIERS, tier),
        changes=[
            {
                "fieldName": "centsPerMinute",
                "fieldType": "scalar",
                "before": str(before),
                "after": str(tier["centsPerMinute"]),
            }
        ],
    )
    return ctx.env.single("hardwareTier", tier)


@area.route("DELETE", PATH + "/{hardwareTierId}", admin=True)
async def archive_tier(ctx: Ctx) -> Response:
    tier = lookup(ctx, "hardware_tiers", ctx.params["hardwareTierId"], "hardware tier")
    tier["flags"]["isArchived"] = True
    tier["flags"]["isVisible"] = False
    record(ctx, "Archive Hardware Tier", audit_entity(TIERS, tier))
    return ctx.env.single("hardwareTier", tier)
