"""Projects: list/create/get/archive/copy, collaborators, repositories, goals, shared datasets, files,
workspace sessions, and the v4 project billing tag (the only way to re-tag an existing project)."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import ApiError, bad_request, conflict
from pipeline.simulator.http.routes._common import (
    children,
    collection,
    ensure_unique,
    entity,
    lookup,
    one_of,
    optional_str,
    project_entity,
    record,
    require_user,
    required_str,
    scalar_change,
)
from pipeline.simulator.http.routes._crud import (
    ChildResource,
    Resource,
    child_create_handler,
    child_delete_handler,
    child_list_handler,
    child_patch_handler,
    list_handler,
)
from pipeline.simulator.http.routing import Area, Ctx

area = Area("projects")

PROJECTS = Resource("projects", "project", "project", "projects", 10, param="projectId")
REPOSITORIES = ChildResource(
    "project_repositories", PROJECTS, "repository", "repository", "repositories", param="repositoryId"
)
GOALS = ChildResource("project_goals", PROJECTS, "goal", "goal", "goals", param="goalId")
SHARED_DATASETS = ChildResource(
    "project_shared_datasets",
    PROJECTS,
    "sharedDataset",
    "sharedDataset",
    "sharedDatasets",
    param="datasetId",
    id_field="datasetId",
)
VISIBILITIES = ("Public", "Searchable", "Private")
ROLES = ("Contributor", "LauncherUser", "ResultsConsumer", "ProjectImporter")
ARCHIVED = "archived_projects"

BASE = "/api/projects/v1/projects/{projectId}"


def project_of(ctx: Ctx) -> dict:
    return lookup(ctx, "projects", ctx.params["projectId"], "project", check_object_id=True)


def _billing_tag(ctx: Ctx, body: dict) -> dict | None:
    """`billingTag: {"tag": …}` must name an active billing tag."""
    raw = body.get("billingTag")
    if raw is None:
        return None
    tag = raw.get("tag") if isinstance(raw, dict) else None
    if not isinstance(tag, str) or not tag:
        raise bad_request("field 'billingTag' must be an object {\"tag\": <name>}")
    known = collection(ctx, "billing_tags").get(tag)
    if known is None or not known.get("active", True):
        raise ApiError(404, f"billing tag {tag!r} not found or inactive")
    return {"tag": tag}


async def _new_project(ctx: Ctx, body: dict, template: dict | None = None) -> dict:
    name = required_str(body, "name")
    owner = require_user(ctx, body.get("ownerId", ctx.caller.user_id), "ownerId")
    ensure_unique(ctx, "projects", "name", name, "project", scope={"ownerId": owner["id"]})
    base = dict(template or {})
    project = {
        "id": ctx.world.new_id("project"),
        "name": name,
        "description": optional_str(body, "description", base.get("description", "")) or "",
        "ownerId": owner["id"],
        "ownerUsername": owner.get("userName"),
        "visibility": one_of(body, "visibility", VISIBILITIES, base.get("visibility", "Private")),
        "isRestricted": bool(body.get("isRestricted", base.get("isRestricted", False))),
        "collaborators": [dict(c) for c in base.get("collaborators", [])],
        "internalTags": list(base.get("internalTags", [])),
    }
    tag = _billing_tag(ctx, body) if "billingTag" in body else base.get("billingTag")
    if tag:
        project["billingTag"] = dict(tag)
    collection(ctx, "projects")[project["id"]] = project
    return project


area.add("GET", "/api/projects/beta/projects", list_handler(PROJECTS, {"name": "name", "ownerId": "ownerId"}))


@area.route("POST", "/api/projects/beta/projects")
async def create_project(ctx: Ctx) -> Response:
    project = await _new_project(ctx, await ctx.body())
    owner_org = ctx.world.project_org.get(project["id"])
    record(
        ctx,
        "Create Project",
        project_entity(project),
        within=project_entity(project),
        metadata={"organizationId": owner_org} if owner_org else None,
    )
    return ctx.env.single("project", project, 201)


@area.route("GET", BASE)
async def get_project(ctx: Ctx) -> Response:
    return ctx.env.single("project", project_of(ctx))


@area.route("DELETE", "/api/projects/beta/projects/{projectId}")
async def archive_project(ctx: Ctx) -> Response:
    project = project_of(ctx)
    del collection(ctx, "projects")[project["id"]]
    collection(ctx, ARCHIVED)[project["id"]] = project
    record(ctx, "Archive Project", project_entity(project), within=project_entity(project))
    return ctx.env.single("project", project)


@area.route("POST", BASE + "/copy-project")
async def copy_project(ctx: Ctx) -> Response:
    source = project_of(ctx)
    copy = await _new_project(ctx, await ctx.body(), template=source)
    if source["id"] in ctx.world.project_org:
        ctx.world.project_org[copy["id"]] = ctx.world.project_org[source["id"]]
    record(
        ctx,
        "Copy Project",
        project_entity(copy),
        within=project_entity(copy),
        affecting=(project_entity(source),),
        metadata={"sourceProjectId": source["id"]},
    )
    return ctx.env.single("project", copy, 201)


@area.route("POST", BASE + "/collaborators")
async def add_collaborator(ctx: Ctx) -> Response:
    project = project_of(ctx)
    body = await ctx.body()
    user = require_user(ctx, body.get("collaboratorId"), "collaboratorId")
    role = one_of(body, "projectRole", ROLES, body.get("role", "Contributor"))
    if user["id"] == project["ownerId"] or any(c["id"] == user["id"] for c in project["collaborators"]):
        raise conflict(f"user {user['id']!r} is already a member of project {project['id']!r}")
    project["collaborators"].append({"id": user["id"], "role": role})
    record(
        ctx,
        "Add Collaborator",
        entity("user", user["id"], user.get("userName")),
        within=project_entity(project),
        changes=[scalar_change("role", None, role)],
        affecting=(project_entity(project),),
    )
    return ctx.env.single("collaborator", {"id": user["id"], "role": role}, 201)


@area.route("DELETE", BASE + "/collaborators/{collaboratorId}")
async def remove_collaborator(ctx: Ctx) -> Response:
    project = project_of(ctx)
    user_id = ctx.params["collaboratorId"]
    kept = [c for c in project["collaborators"] if c["id"] != user_id]
    if len(kept) == len(project["collaborators"]):
        raise ApiError(404, f"user {user_id!r} is not a collaborator of project {project['id']!r}")
    removed = next(c for c in project["collaborators"] if c["id"] == user_id)
    project["collaborators"] = kept
    user = collection(ctx, "users").get(user_id, {})
    record(
        ctx,
        "Remove Collaborator",
        entity("user", user_id, user.get("userName")),
        within=project_entity(project),
        changes=[scalar_change("role", removed["role"], None)],
    )
    return ctx.env.single("collaborator", removed)


async def _new_repository(ctx: Ctx, project: dict, body: dict) -> dict:
    uri = required_str(body, "uri")
    if any(r.get("uri") == uri for r in children(ctx, "project_repositories", project["id"])):
        raise conflict(f"repository {uri!r} is already linked to the project")
    return {
        "id": ctx.world.new_id("repository"),
        "name": optional_str(body, "name") or uri.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"),
        "uri": uri,
        "serviceProvider": optional_str(body, "serviceProvider", "github"),
        "defaultRef": body.get("defaultRef") or {"refType": "head"},
    }


async def _new_goal(ctx: Ctx, project: dict, body: dict) -> dict:
    return {
        "id": ctx.world.new_id("goal"),
        "projectId": project["id"],
        "title": required_str(body, "title"),
        "description": optional_str(body, "description", "") or "",
        "isComplete": False,
        "createdAt": ctx.world.clock_ms(),
    }


async def _share_dataset(ctx: Ctx, project: dict, body: dict) -> dict:
    dataset_id = required_str(body, "datasetId")
    dataset = lookup(ctx, "datasets", dataset_id, "dataset")
    if any(s.get("datasetId") == dataset_id for s in children(ctx, "project_shared_datasets", project["id"])):
        raise conflict(f"dataset {dataset_id!r} is already shared with the project")
    return {"datasetId": dataset_id, "datasetName": dataset.get("name"), "projectId": project["id"]}


area.add("GET", BASE + "/repositories", child_list_handler(REPOSITORIES))
area.add(
    "POST", BASE + "/repositories", child_create_handler(REPOSITORIES, _new_repository, "Add Repository")
)
area.add(
    "DELETE", BASE + "/repositories/{repositoryId}", child_delete_handler(REPOSITORIES, "Remove Repository")
)
area.add("GET", BASE + "/goals", child_list_handler(GOALS))
area.add("POST", BASE + "/goals", child_create_handler(GOALS, _new_goal, "Create Goal"))
area.add(
    "PATCH",
    BASE + "/goals/{goalId}",
    child_patch_handler(GOALS, {"title": str, "description": str, "isComplete": bool}, "Update Goal"),
)
area.add("DELETE", BASE + "/goals/{goalId}", child_delete_handler(GOALS, "Delete Goal"))
area.add("GET", BASE + "/shared-datasets", child_list_handler(SHARED_DATASETS))
area.add(
    "POST", BASE + "/shared-datasets", child_create_handler(SHARED_DATASETS, _share_dataset, "Share Dataset")
)
area.add(
    "DELETE", BASE + "/shared-datasets/{datasetId}", child_delete_handler(SHARED_DATASETS, "Unshare Dataset")
)


@area.route("GET", BASE + "/files/{commitId}/{path}/content")
async def file_content(ctx: Ctx) -> Response:
    """A deterministic text body: the simulator holds no files, only their audit trail."""
    project = project_of(ctx)
    text = f"# simulated file {ctx.params['path']} of project {project['name']} at {ctx.params['commitId']}\n"
    return Response(text.encode(), media_type="text/plain; charset=utf-8")


@area.route("POST", BASE + "/workspaces/{workspaceId}/sessions")
async def start_workspace_session(ctx: Ctx) -> Response:
    project = project_of(ctx)
    body = await ctx.body()
    tier = lookup(ctx, "hardware_tiers", required_str(body, "hardwareTierId"), "hardware tier")
    environment_id = optional_str(body, "environmentId")
    if environment_id:
        lookup(ctx, "environments", environment_id, "environment")
    session = {
        "id": ctx.world.new_id("workspaceSession"),
        "workspaceId": ctx.params["workspaceId"],
        "projectId": project["id"],
        "hardwareTierId": tier["id"],
        "environmentId": environment_id,
        "workspaceType": optional_str(body, "workspaceType", "JupyterLab"),
        "status": "Pending",
        "startedById": ctx.caller.user_id,
        "startTime": ctx.world.clock_ms(),
    }
    record(
        ctx,
        "Start Workspace",
        entity("workspaceSession", session["id"], session["workspaceType"]),
        within=project_entity(project),
        metadata={"hardwareTierId": tier["id"]},
    )
    return ctx.env.single("session", session, 201)


V4_TAG = "/v4/projects/{projectId}/billingtag"


@area.route("GET", V4_TAG)
async def get_project_billing_tag(ctx: Ctx) -> Response:
    """`{"tag": …}` or `null` when the project has none (as python-domino's live test sees it)."""
    return ctx.env.bare(project_of(ctx).get("billingTag"))


@area.route("POST", V4_TAG)
async def set_project_billing_tag(ctx: Ctx) -> Response:
    project = project_of(ctx)
    tag = _billing_tag(ctx, {"billingTag": await ctx.body()})
    before = (project.get("billingTag") or {}).get("tag")
    project["billingTag"] = tag
    record(
        ctx,
        "Set Project Billing Tag",
        project_entity(project),
        within=project_entity(project),
        changes=[scalar_change("billingTag", before, tag["tag"] if tag else None)],
    )
    return ctx.env.bare(_summary(project))


@area.route("DELETE", V4_TAG)
async def reset_project_billing_tag(ctx: Ctx) -> Response:
    project = project_of(ctx)
    before = (project.pop("billingTag", None) or {}).get("tag")
    record(
        ctx,
        "Reset Project Billing Tag",
        project_entity(project),
        within=project_entity(project),
        changes=[scalar_change("billingTag", before, None)],
    )
    return ctx.env.bare(_summary(project))


def _summary(project: dict) -> dict:
    """The v4 ProjectSummary view of a project."""
    return {
        "id": project["id"],
        "name": project["name"],
        "description": project.get("description", ""),
        "ownerId": project["ownerId"],
        "ownerUsername": project.get("ownerUsername"),
        "visibility": project.get("visibility"),
        "projectType": "Analytic",
        "collaboratorIds": [c["id"] for c in project.get("collaborators", [])],
        "collaborators": [
            {"collaboratorId": c["id"], "projectRole": c["role"]} for c in project.get("collaborators", [])
        ],
        "billingTag": project.get("billingTag"),
        "status": {"status": "active", "isBlocked": False},
    }
