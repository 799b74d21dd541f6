"""Data sources: list/CRUD and the bare-array data-source audit (SysAdmin)."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.routes._common import (
    collection,
    ensure_unique,
    iso_now,
    one_of,
    optional_str,
    record,
    required_str,
    user_name,
)
from pipeline.simulator.http.routes._crud import (
    Resource,
    audit_entity,
    delete_handler,
    get_handler,
    patch_handler,
    respond_list,
)
from pipeline.simulator.http.routing import Area, Ctx
from pipeline.simulator.http.time_params import iso_bound

area = Area("data_sources")

SOURCES = Resource("data_sources", "dataSource", "dataSource", "dataSources", 10, param="dataSourceId")
BASE = "/api/datasource/v1/datasources"
ONE = BASE + "/{dataSourceId}"


def _audit_entry(ctx: Ctx, source: dict, kind: str) -> None:
    ctx.world.data_source_audit.append(
        {
            "dataSourceId": source["id"],
            "dataSourceName": source["name"],
            "dataSourceType": source["dataSourceType"],
            "eventKind": kind,
            "metadata": {},
            "performedBy": ctx.caller.user_id,
            "timestamp": iso_now(ctx),
        }
    )


@area.route("GET", BASE)
async def list_sources(ctx: Ctx) -> Response:
    names = {
        n
        for raw in ctx.query.getlist("dataSourceNames") + ctx.query.getlist("dataSourceNames[]")
        for n in raw.split(",")
        if n
    }
    sources = [s for s in collection(ctx, "data_sources").values() if not names or s["name"] in names]
    return respond_list(ctx, "paged", "dataSources", sources, 10)


area.add("GET", ONE, get_handler(SOURCES))


@area.route("POST", BASE)
async def create_source(ctx: Ctx) -> Response:
    body = await ctx.body()
    name = required_str(body, "name")
    ensure_unique(ctx, "data_sources", "name", name, "data source")
    config = body.get("config", {})
    source = {
        "id": ctx.world.new_id("dataSource"),
        "name": name,
        "displayName": optional_str(body, "displayName", name) or name,
        "description": optional_str(body, "description", "") or "",
        "dataSourceType": required_str(body, "dataSourceType"),
        "authType": optional_str(body, "authType", "Basic"),
        "credentialType": one_of(body, "credentialType", ("Individual", "Shared"), "Individual"),
        "config": config if isinstance(config, dict) else {},
        "ownerId": ctx.caller.user_id,
        "ownerUsername": user_name(ctx, ctx.caller.user_id),
        "lastUpdated": iso_now(ctx),
        "permissions": {"isEveryone": False, "userAndOrganizationIds": [ctx.caller.user_id]},
    }
    collection(ctx, "data_sources")[source["id"]] = source
    _audit_entry(ctx, source, "CreateDataSource")
    record(ctx, "Create Data Source", audit_entity(SOURCES, source))
    return ctx.env.single("dataSource", source, 201)


_patch = patch_handler(
    SOURCES,
    {"displayName": str, "description": str, "config": dict, "permissions": dict},
    "Update Data Source",
)
_delete = delete_handler(SOURCES, "Delete Data Source")


@area.route("PATCH", ONE)
async def update_source(ctx: Ctx) -> Response:
    response = await _patch(ctx)
    source = collection(ctx, "data_sources")[ctx.params["dataSourceId"]]
    source["lastUpdated"] = iso_now(ctx)
    _audit_entry(ctx, source, "DataSourceChangeOfPermissions")
    return response


@area.route("DELETE", ONE)
async def delete_source(ctx: Ctx) -> Response:
    source = dict(collection(ctx, "data_sources").get(ctx.params["dataSourceId"]) or {})
    response = await _delete(ctx)
    _audit_entry(ctx, source, "DeleteDataSource")
    return response


@area.route("GET", "/api/datasource/v1/audit", admin=True)
async def data_source_audit(ctx: Ctx) -> Response:
    """A bare array filtered by ids, names, event kinds and an ISO time range."""
    ids = set(ctx.query.getlist("dataSourceIds") + ctx.query.getlist("dataSourceIds[]"))
    names = set(ctx.query.getlist("dataSourceNames") + ctx.query.getlist("dataSourceNames[]"))
    kinds = set(ctx.query.getlist("eventKinds") + ctx.query.getlist("eventKinds[]"))
    start, end = iso_bound(ctx.query, "startTime"), iso_bound(ctx.query, "endTime")
    rows = [
        e
        for e in ctx.world.data_source_audit
        if (not ids or e["dataSourceId"] in ids)
        and (not names or e["dataSourceName"] in names)
        and (not kinds or e["eventKind"] in kinds)
        and (start is None or e["timestamp"] >= start)
        and (end is None or e["timestamp"] < end)
    ]
    return ctx.env.array(rows)
