"""Jobs (Batch executions): paged per project, details, logs, start, tags, and job goals."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import ApiError, bad_request, not_found
from pipeline.simulator.http.paging import bool_param, offset_limit
from pipeline.simulator.http.routes._common import (
    children,
    collection,
    entity,
    find_child,
    lookup,
    optional_str,
    project_entity,
    record,
    required_str,
)
from pipeline.simulator.http.routes._crud import Resource, delete_handler, list_handler
from pipeline.simulator.http.routing import Area, Ctx

area = Area("jobs")

SEED_ONLY_FIELDS = ("projectId", "hardwareTierId", "environmentId")
JOB_GOALS = Resource("job_goals", "goal", "goal", "goals", 10, param="goalId")
STATUS_FILTERS = {
    "queued": lambda s: s.get("executionStatus") in ("Queued", "Pending", "Scheduled"),
    "running": lambda s: (
        not s.get("isCompleted") and s.get("executionStatus") not in ("Queued", "Pending", "Scheduled")
    ),
    "completed": lambda s: bool(s.get("isCompleted")),
    "archived": lambda s: bool(s.get("isArchived")),
    "active": lambda s: not s.get("isCompleted"),
}
SORT_KEYS = {
    "number": lambda j: j.get("number", 0),
    "title": lambda j: j.get("title") or "",
    "command": lambda j: j.get("runCommand") or "",
    "startedTime": lambda j: (j.get("stageTimes") or {}).get("startTime") or "",
    "status": lambda j: (j.get("status") or {}).get("executionStatus") or "",
    "user": lambda j: j.get("startedById") or "",
}


def served(ctx: Ctx, job: dict) -> dict:
    """The job in the configured form: real 6.x drops the seed's projectId/hardwareTierId/environmentId."""
    job = dict(job)
    tags = ctx.world.children.get("job_tags", {}).get(job["id"])
    if tags:
        job["tags"] = [*job.get("tags", []), *tags]
    if ctx.config.jobs_form == "real":
        for name in SEED_ONLY_FIELDS:
            job.pop(name, None)
    return job


def job_of(ctx: Ctx) -> dict:
    job = ctx.world.job(ctx.params["jobId"])
    if job is None:
        raise not_found("job", ctx.params["jobId"])
    return job


@area.route("GET", "/api/jobs/beta/jobs")
async def list_jobs(ctx: Ctx) -> Response:
    project_id = ctx.query.get("projectId")
    if not project_id:
        raise bad_request("query parameter 'projectId' is required")
    lookup(ctx, "projects", project_id, "project", check_object_id=True)
    offset, limit = offset_limit(ctx.query, 10)
    sort_by = ctx.query.get("sortBy", "number")
    if sort_by not in SORT_KEYS:
        raise bad_request(f"query parameter 'sortBy' must be one of {sorted(SORT_KEYS)}, got {sort_by!r}")
    ascending = bool_param(ctx.query, "ascending", False)
    status_filter = ctx.query.get("statusFilter", "all")
    if status_filter != "all" and status_filter not in STATUS_FILTERS:
        raise bad_request(f"statusFilter must be one of {['all', *STATUS_FILTERS]}, got {status_filter!r}")
    total = ctx.world.job_count(project_id)
    if sort_by == "number" and status_filter == "all":
        jobs = ctx.world.jobs_page(project_id, offset, limit, newest_first=not ascending)
    else:  # the slow path: every job of the project, filtered and sorted here
        every = ctx.world.jobs_page(project_id, 0, total, newest_first=False)
        if status_filter != "all":
            every = [j for j in every if STATUS_FILTERS[status_filter](j.get("status") or {})]
            total = len(every)
        every.sort(key=SORT_KEYS[sort_by], reverse=not ascending)
        jobs = every[offset : offset + limit]
    return ctx.env.paged("jobs", [served(ctx, job) for job in jobs], offset, limit, total)


@area.route("GET", "/api/jobs/beta/jobs/{jobId}")
async def get_job(ctx: Ctx) -> Response:
    return ctx.env.single("job", served(ctx, job_of(ctx)))


@area.route("GET", "/api/jobs/beta/jobs/{jobId}/logs")
async def job_logs(ctx: Ctx) -> Response:
    job = job_of(ctx)
    status = (job.get("status") or {}).get("executionStatus", "")
    lines = [
        f"Simulated log of job #{job.get('number')}: {job.get('runCommand', '')}",
        f"Execution status: {status}",
    ]
    return ctx.env.bare(
        {
            "jobId": job["id"],
            "logContent": [{"logType": "stdout", "line": line, "timestamp": None} for line in lines],
            "isComplete": bool((job.get("status") or {}).get("isCompleted")),
        }
    )


@area.route("POST", "/api/jobs/v1/jobs")
async def start_job(ctx: Ctx) -> Response:
    body = await ctx.body()
    project = lookup(ctx, "projects", required_str(body, "projectId"), "project", check_object_id=True)
    command = required_str(body, "commandToRun")
    tier = lookup(ctx, "hardware_tiers", required_str(body, "hardwareTierId"), "hardware tier")
    environment_id = optional_str(body, "environmentId")
    if environment_id is None:
        environment_id = next(iter(collection(ctx, "environments")), None)
    else:
        lookup(ctx, "environments", environment_id, "environment")
    try:
        job = ctx.world.start_job(
            project["id"],
            ctx.caller.user_id,
            command,
            tier["id"],
            environment_id,
            title=optional_str(body, "title"),
        )
    except (KeyError, ValueError) as exc:
        raise ApiError(400, f"cannot start job: {exc}") from None
    return ctx.env.single("job", served(ctx, job), 201)


@area.route("POST", "/api/jobs/v1/jobs/{jobId}/tags")
async def add_job_tag(ctx: Ctx) -> Response:
    job = job_of(ctx)
    body = await ctx.body()
    name = required_str(body, "tagName") if "tagName" in body else required_str(body, "name")
    tags = children(ctx, "job_tags", job["id"])
    if any(t["name"] == name for t in tags):
        raise ApiError(409, f"job {job['id']!r} already has tag {name!r}")
    tag = {
        "id": ctx.world.new_id("jobTag"),
        "name": name,
        "createdAt": ctx.world.clock_ms(),
        "creatorId": ctx.caller.user_id,
    }
    tags.append(tag)
    project = collection(ctx, "projects").get(job.get("projectId") or "")
    record(
        ctx,
        "Add Job Tag",
        entity("job", job["id"], str(job.get("number"))),
        within=project_entity(project) if project else None,
        metadata={"tag": name},
    )
    return ctx.env.single("tag", tag, 201)


@area.route("DELETE", "/api/jobs/v1/jobs/{jobId}/tags/{tagId}")
async def remove_job_tag(ctx: Ctx) -> Response:
    job = job_of(ctx)
    tags = children(ctx, "job_tags", job["id"])
    tag = find_child(tags, ctx.params["tagId"], "job tag")
    tags.remove(tag)
    record(
        ctx, "Remove Job Tag", entity("job", job["id"], str(job.get("number"))), metadata={"tag": tag["name"]}
    )
    return ctx.env.single("tag", tag)


area.add("GET", "/api/jobs/v1/goals", list_handler(JOB_GOALS, {"projectId": "projectId"}))


@area.route("POST", "/api/jobs/v1/goals")
async def create_job_goal(ctx: Ctx) -> Response:
    body = await ctx.body()
    title = required_str(body, "title")
    project_id = optional_str(body, "projectId")
    if project_id:
        lookup(ctx, "projects", project_id, "project")
    goal = {
        "id": ctx.world.new_id("goal"),
        "title": title,
        "projectId": project_id,
        "description": optional_str(body, "description", "") or "",
        "isComplete": False,
    }
    collection(ctx, "job_goals")[goal["id"]] = goal
    record(ctx, "Create Goal", entity("goal", goal["id"], title))
    return ctx.env.single("goal", goal, 201)


area.add("DELETE", "/api/jobs/v1/goals/{goalId}", delete_handler(JOB_GOALS, "Delete Goal"))
