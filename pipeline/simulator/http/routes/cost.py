"""Cost (Kubecost behind Domino): allocation, summary, assets, billing tags and billing-tag settings.

Bodies are `{"data": [...]}` without paging; 400/404 use the cost service's `{"error": ...}` body.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.responses import Response

from pipeline.simulator.http.errors import ApiError, bad_request
from pipeline.simulator.http.paging import bool_param
from pipeline.simulator.http.routes._common import collection, entity, record, scalar_change
from pipeline.simulator.http.routing import Area, Ctx
from pipeline.simulator.http.time_params import cost_window

area = Area("cost", admin=True, error_style="error")

LABEL_PREFIX = "label:dominodatalab.com/"
SEED_AGGREGATES = {"user": "user", "project": "project", "organization": "organization"}
MODES = ("Required", "Optional", "Disabled")
TAGS = "/api/cost/v1/billingtags"
SETTINGS = "/api/cost/v1/billingtagSettings"


def aggregate_keys(ctx: Ctx) -> list[str]:
    """`aggregate` (comma-joined, trailing comma allowed, `label:dominodatalab.com/<key>`) or the seed's
    `aggregateBy` (user|project|organization)."""
    raw = ctx.query.get("aggregate")
    if raw is None and ctx.query.get("aggregateBy"):
        word = ctx.query["aggregateBy"].strip().lower()
        if word not in SEED_AGGREGATES:
            raise bad_request(
                f"aggregateBy must be one of {sorted(SEED_AGGREGATES)}, got {word!r}", style="error"
            )
        return [SEED_AGGREGATES[word]]
    return [part.strip().removeprefix(LABEL_PREFIX) for part in (raw or "").split(",") if part.strip()]


def _local_windows(ctx: Ctx, rows: list[dict]) -> list[dict]:
    """Windows as a Kubecost in a non-UTC zone reports them: shifted to its local midnight."""
    hours = ctx.config.cost_window_offset_hours
    if not hours:
        return rows
    shift = timedelta(hours=hours)
    for row in rows:
        window = dict(row.get("window") or {})  # asset rows of one step share their window dict
        for bound in ("start", "end"):
            if isinstance(window.get(bound), str):
                moment = datetime.fromisoformat(window[bound].replace("Z", "+00:00")) + shift
                window[bound] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        row["window"] = window
    return rows


def _query_cost(ctx: Ctx, summary: bool) -> Response:
    start, end = cost_window(ctx.query, ctx.world.end)
    accumulate = bool_param(ctx.query, "accumulate", False)
    try:
        rows = ctx.world.cost_allocation(start, end, aggregate_keys(ctx), accumulate, summary=summary)
    except ValueError as exc:
        raise bad_request(str(exc), style="error") from None
    return ctx.env.unpaged("data", _local_windows(ctx, rows))


@area.route("GET", "/api/cost/v1/allocation")
async def allocation(ctx: Ctx) -> Response:
    return _query_cost(ctx, summary=False)


@area.route("GET", "/api/cost/v1/allocation/summary")
async def allocation_summary(ctx: Ctx) -> Response:
    return _query_cost(ctx, summary=True)


@area.route("GET", "/api/cost/v1/asset")
async def assets(ctx: Ctx) -> Response:
    start, end = cost_window(ctx.query, ctx.world.end)
    try:
        rows = ctx.world.cost_assets(start, end, bool_param(ctx.query, "accumulate", False))
    except ValueError as exc:
        raise bad_request(str(exc), style="error") from None
    return ctx.env.unpaged("data", _local_windows(ctx, rows))


def _tag_of(ctx: Ctx) -> dict:
    tag = collection(ctx, "billing_tags").get(ctx.params["tag"])
    if tag is None:
        raise ApiError(404, f"billing tag {ctx.params['tag']!r} not found", style="error")
    return tag


@area.route("GET", TAGS, admin=False)
async def list_billing_tags(ctx: Ctx) -> Response:
    """Active tags only, as `{"billingTags": [{"tag": …}]}`."""
    tags = [{"tag": t["tag"]} for t in collection(ctx, "billing_tags").values() if t.get("active", True)]
    return ctx.env.unpaged("billingTags", tags)


@area.route("POST", TAGS)
async def upsert_billing_tags(ctx: Ctx) -> Response:
    """Creates the named tags, or reactivates archived ones; returns them all."""
    body = await ctx.body()
    names = body.get("billingTags")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise bad_request("'billingTags' must be a non-empty list of tag names", style="error")
    tags = collection(ctx, "billing_tags")
    for name in dict.fromkeys(n.strip() for n in names):
        existing = tags.get(name)
        if existing is None:
            tags[name] = {"tag": name, "tagId": ctx.world.new_id("billingTag"), "active": True}
            record(ctx, "Create Billing Tag", entity("billingTag", tags[name]["tagId"], name))
        elif not existing.get("active", True):
            existing["active"] = True
            record(
                ctx,
                "Activate Billing Tag",
                entity("billingTag", existing["tagId"], name),
                changes=[scalar_change("active", False, True)],
            )
    return ctx.env.unpaged("billingTags", [{"tag": n.strip()} for n in dict.fromkeys(names)])


@area.route("GET", TAGS + "/{tag}", admin=False)
async def get_billing_tag(ctx: Ctx) -> Response:
    return ctx.env.bare({"billingTag": _tag_of(ctx)})


@area.route("DELETE", TAGS + "/{tag}")
async def deactivate_billing_tag(ctx: Ctx) -> Response:
    """Archives the tag: it stays readable with `active: false` and leaves the list."""
    tag = _tag_of(ctx)
    if tag.get("active", True):
        tag["active"] = False
        record(
            ctx,
            "Archive Billing Tag",
            entity("billingTag", tag["tagId"], tag["tag"]),
            changes=[scalar_change("active", True, False)],
        )
    return ctx.env.bare({"billingTag": tag})


def _mode(body: dict) -> str:
    value = body.get("mode")
    for mode in MODES:
        if isinstance(value, str) and value.lower() == mode.lower():
            return mode
    raise bad_request(f"'mode' must be one of {list(MODES)} (any casing), got {value!r}", style="error")


def _set_settings(ctx: Ctx, mode: str | None, notifications: bool | None) -> None:
    settings = ctx.world.billing_tag_settings
    changes = []
    if mode is not None and mode != settings.get("mode"):
        changes.append(scalar_change("mode", settings.get("mode"), mode))
        settings["mode"] = mode
    if notifications is not None and notifications != settings.get("notifications"):
        changes.append(scalar_change("notifications", settings.get("notifications"), notifications))
        settings["notifications"] = notifications
    record(ctx, "Update Billing Tag Settings", entity("billingTagSettings", None, "mode"), changes=changes)


@area.route("GET", SETTINGS)
async def get_settings(ctx: Ctx) -> Response:
    settings = ctx.world.billing_tag_settings
    return ctx.env.bare({"mode": settings["mode"], "notifications": settings["notifications"]})


@area.route("PUT", SETTINGS)
async def put_settings(ctx: Ctx) -> Response:
    body = await ctx.body()
    if not isinstance(body.get("notifications"), bool):
        raise bad_request("'notifications' is required and must be a boolean", style="error")
    _set_settings(ctx, _mode(body), body["notifications"])
    return await get_settings(ctx)


@area.route("GET", SETTINGS + "/mode")
async def get_mode(ctx: Ctx) -> Response:
    return ctx.env.bare({"mode": ctx.world.billing_tag_settings["mode"]})


@area.route("PUT", SETTINGS + "/mode")
async def put_mode(ctx: Ctx) -> Response:
    _set_settings(ctx, _mode(await ctx.body()), None)
    return await get_mode(ctx)
