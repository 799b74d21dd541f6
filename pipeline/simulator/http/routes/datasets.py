"""Datasets (datasetrw): v2 list with its per-item wrapper, v1 CRUD, snapshots, tags and grants."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import ApiError, bad_request, conflict
from pipeline.simulator.http.paging import offset_limit, slice_page
from pipeline.simulator.http.routes._common import (
    children,
    collection,
    ensure_unique,
    entity,
    iso_now,
    lookup,
    one_of,
    optional_str,
    record,
    required_str,
    scalar_change,
)
from pipeline.simulator.http.routes._crud import Resource, delete_handler, patch_handler, respond_list
from pipeline.simulator.http.routing import Area, Ctx

area = Area("datasets")

DATASETS = Resource("datasets", "dataset", "dataset", "datasets", 10, param="datasetId")
BASE = "/api/datasetrw/v1/datasets/{datasetId}"
GRANT_ROLES = ("DatasetRwOwner", "DatasetRwEditor", "DatasetRwReader")


def dataset_of(ctx: Ctx) -> dict:
    return lookup(ctx, "datasets", ctx.params["datasetId"], "dataset", check_object_id=True)


def _within(ctx: Ctx, dataset: dict) -> dict | None:
    project = collection(ctx, "projects").get(dataset.get("projectId") or "")
    return entity("project", project["id"], project.get("name")) if project else None


def _project_filter(ctx: Ctx) -> set[str] | None:
    wanted: list[str] = []
    for name in ("projectId", "projectIdsToInclude", "projectIdsToInclude[]"):
        for raw in ctx.query.getlist(name):
            wanted += [part for part in raw.split(",") if part]
    return set(wanted) if wanted else None


@area.route("GET", "/api/datasetrw/v2/datasets")
async def list_datasets_v2(ctx: Ctx) -> Response:
    """`{"datasets": [{"dataset": …, "projectInfo": …}], "metadata": …}`: v2 wraps every item."""
    include = _project_filter(ctx)
    exclude = set(ctx.query.getlist("projectIdsToExclude")) | set(ctx.query.getlist("projectIdsToExclude[]"))
    projects = collection(ctx, "projects")
    items = [
        d
        for d in collection(ctx, "datasets").values()
        if (include is None or d.get("projectId") in include) and d.get("projectId") not in exclude
    ]
    offset, limit = offset_limit(ctx.query, 10)
    page = []
    for dataset in slice_page(items, offset, limit):
        project = projects.get(dataset.get("projectId") or "", {})
        page.append(
            {
                "dataset": dataset,
                "projectInfo": {
                    "projectId": dataset.get("projectId"),
                    "projectName": project.get("name"),
                    "projectOwnerUsername": project.get("ownerUsername"),
                },
            }
        )
    return ctx.env.paged("datasets", page, offset, limit, len(items))


@area.route("POST", "/api/datasetrw/v1/datasets")
async def create_dataset(ctx: Ctx) -> Response:
    body = await ctx.body()
    name = required_str(body, "name")
    project = lookup(ctx, "projects", required_str(body, "projectId"), "project", check_object_id=True)
    ensure_unique(ctx, "datasets", "name", name, "dataset", scope={"projectId": project["id"]})
    dataset = {
        "id": ctx.world.new_id("dataset"),
        "name": name,
        "createdAt": iso_now(ctx),
        "description": optional_str(body, "description", "") or "",
        "projectId": project["id"],
        "snapshotIds": [],
        "tags": {},
    }
    collection(ctx, "datasets")[dataset["id"]] = dataset
    record(ctx, "Create Dataset", entity("dataset", dataset["id"], name), within=_within(ctx, dataset))
    return ctx.env.single("dataset", dataset, 201)


@area.route("GET", BASE)
async def get_dataset(ctx: Ctx) -> Response:
    return ctx.env.single("dataset", dataset_of(ctx))


area.add("PATCH", BASE, patch_handler(DATASETS, {"name": str, "description": str}, "Update Dataset"))
area.add("DELETE", BASE, delete_handler(DATASETS, "Delete Dataset"))


@area.route("GET", BASE + "/snapshots")
async def list_snapshots(ctx: Ctx) -> Response:
    dataset = dataset_of(ctx)
    snaps = [s for s in collection(ctx, "snapshots").values() if s.get("datasetId") == dataset["id"]]
    return respond_list(ctx, "paged", "snapshots", snaps, 10)


@area.route("POST", BASE + "/snapshots")
async def create_snapshot(ctx: Ctx) -> Response:
    dataset = dataset_of(ctx)
    body = await ctx.optional_body()
    snapshot = {
        "id": ctx.world.new_id("snapshot"),
        "datasetId": dataset["id"],
        "createdAt": iso_now(ctx),
        "creatorId": ctx.caller.user_id,
        "status": "Active",
        "description": optional_str(body, "description", "") or "",
        "storageSize": 0,
        "version": len(dataset.get("snapshotIds", [])) + 1,
    }
    collection(ctx, "snapshots")[snapshot["id"]] = snapshot
    dataset.setdefault("snapshotIds", []).append(snapshot["id"])
    record(
        ctx,
        "Create Dataset Snapshot",
        entity("datasetSnapshot", snapshot["id"], dataset["name"]),
        within=_within(ctx, dataset),
        affecting=(entity("dataset", dataset["id"], dataset["name"]),),
    )
    return ctx.env.single("snapshot", snapshot, 201)


@area.route("GET", "/api/datasetrw/v1/snapshots/{snapshotId}")
async def get_snapshot(ctx: Ctx) -> Response:
    return ctx.env.single("snapshot", lookup(ctx, "snapshots", ctx.params["snapshotId"], "snapshot"))


@area.route("POST", BASE + "/tags")
async def add_dataset_tag(ctx: Ctx) -> Response:
    dataset = dataset_of(ctx)
    body = await ctx.body()
    tag = required_str(body, "tagName")
    snapshot_id = required_str(body, "snapshotId")
    if snapshot_id not in dataset.get("snapshotIds", []):
        raise ApiError(404, f"snapshot {snapshot_id!r} not found in dataset {dataset['id']!r}")
    tags = dataset.setdefault("tags", {})
    if tag in tags:
        raise conflict(f"dataset {dataset['id']!r} already has tag {tag!r}")
    tags[tag] = snapshot_id
    record(
        ctx,
        "Add Dataset Tag",
        entity("dataset", dataset["id"], dataset["name"]),
        within=_within(ctx, dataset),
        changes=[scalar_change(f"tag:{tag}", None, snapshot_id)],
    )
    return ctx.env.single("dataset", dataset)


@area.route("DELETE", BASE + "/tags/{tagName}")
async def remove_dataset_tag(ctx: Ctx) -> Response:
    dataset = dataset_of(ctx)
    tag = ctx.params["tagName"]
    if tag not in dataset.get("tags", {}):
        raise ApiError(404, f"tag {tag!r} not found on dataset {dataset['id']!r}")
    before = dataset["tags"].pop(tag)
    record(
        ctx,
        "Remove Dataset Tag",
        entity("dataset", dataset["id"], dataset["name"]),
        within=_within(ctx, dataset),
        changes=[scalar_change(f"tag:{tag}", before, None)],
    )
    return ctx.env.single("dataset", dataset)


@area.route("GET", BASE + "/grants")
async def list_grants(ctx: Ctx) -> Response:
    dataset = dataset_of(ctx)
    return ctx.env.unpaged("grants", list(children(ctx, "dataset_grants", dataset["id"])))


@area.route("POST", BASE + "/grants")
async def add_grant(ctx: Ctx) -> Response:
    dataset = dataset_of(ctx)
    body = await ctx.body()
    target_id = required_str(body, "targetId")
    if target_id not in collection(ctx, "users") and target_id not in collection(ctx, "organizations"):
        raise ApiError(404, f"user or organization {target_id!r} not found")
    role = one_of(body, "targetRole", GRANT_ROLES)
    grants = children(ctx, "dataset_grants", dataset["id"])
    if any(g.get("targetId") == target_id for g in grants):
        raise conflict(f"{target_id!r} already holds a grant on dataset {dataset['id']!r}")
    grant = {
        "targetId": target_id,
        "targetRole": role,
        "isOrganization": target_id in collection(ctx, "organizations"),
    }
    grants.append(grant)
    record(
        ctx,
        "Add Grant For Dataset",
        entity("dataset", dataset["id"], dataset["name"]),
        within=_within(ctx, dataset),
        changes=[scalar_change("grant", None, f"{target_id}:{role}")],
    )
    return ctx.env.single("grant", grant, 201)


@area.route("DELETE", BASE + "/grants")
async def remove_grant(ctx: Ctx) -> Response:
    """The target comes from the body (`{"targetId": …}`) or the `targetId` query parameter."""
    dataset = dataset_of(ctx)
    target_id = ctx.query.get("targetId") or (await ctx.optional_body()).get("targetId")
    if not target_id:
        raise bad_request("'targetId' is required (body or query parameter)")
    grants = children(ctx, "dataset_grants", dataset["id"])
    grant = next((g for g in grants if g.get("targetId") == target_id), None)
    if grant is None:
        raise ApiError(404, f"no grant for {target_id!r} on dataset {dataset['id']!r}")
    grants.remove(grant)
    record(
        ctx,
        "Remove Grant For Dataset",
        entity("dataset", dataset["id"], dataset["name"]),
        within=_within(ctx, dataset),
        changes=[scalar_change("grant", f"{target_id}:{grant.get('targetRole')}", None)],
    )
    return ctx.env.single("grant", grant)
