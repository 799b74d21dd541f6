"""Handler factories for the common shapes (list, get, create, patch, delete of records and child records).

Areas declare resources as data and register the handlers these factories build, instead of writing the
same lookup/validate/envelope/audit steps once per endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from starlette.responses import Response

from pipeline.simulator.http.paging import offset_limit, slice_page
from pipeline.simulator.http.routes._common import (
    children,
    collection,
    entity,
    find_child,
    lookup,
    patch_fields,
    record,
)
from pipeline.simulator.http.routing import Ctx, Handler

ChildBuilder = Callable[[Ctx, dict, dict], Awaitable[dict]]


@dataclass(frozen=True)
class Resource:
    """A top-level collection as served: its envelope keys, paging default and id field."""

    collection: str
    kind: str
    noun: str | None
    plural: str
    default_limit: int | None = 10
    list_style: str = "paged"  # "paged" | "unpaged" | "array"
    id_field: str = "id"
    name_field: str = "name"
    param: str = "id"  # the path parameter naming a record


@dataclass(frozen=True)
class ChildResource:
    """A child collection (`world.children[child][parent_id]`) served under its parent's path."""

    child: str
    parent: Resource
    kind: str
    noun: str | None
    plural: str
    default_limit: int | None = None
    list_style: str = "paged"
    id_field: str = "id"
    param: str = "childId"


def respond_list(ctx: Ctx, style: str, key: str, records: list, default_limit: int | None) -> Response:
    if style == "array":
        return ctx.env.array(records)
    if style == "unpaged":
        return ctx.env.unpaged(key, records)
    offset, limit = offset_limit(ctx.query, default_limit)
    return ctx.env.paged(key, slice_page(records, offset, limit), offset, limit, len(records))


def respond_one(ctx: Ctx, noun: str | None, item: dict, status: int = 200) -> Response:
    return ctx.env.single(noun, item, status) if noun else ctx.env.bare(item, status)


def audit_entity(res: Resource | ChildResource, item: dict) -> dict:
    name = item.get(getattr(res, "name_field", "name"))
    return entity(res.kind, str(item.get(res.id_field)), None if name is None else str(name))


def field_value(item: dict, field: str) -> object:
    """The value at a dotted path (`project.id`), or None."""
    value: object = item
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def matches(item: dict, field: str, wanted: str) -> bool:
    value = field_value(item, field)
    return value is not None and str(value) == wanted


def list_handler(
    res: Resource, filters: dict[str, str] | None = None, visible: Callable[[dict], bool] | None = None
) -> Handler:
    """Lists a collection, filtered by query parameters mapped to (possibly dotted) record fields."""

    async def handler(ctx: Ctx) -> Response:
        items: Iterable[dict] = collection(ctx, res.collection).values()
        if visible is not None:
            items = (item for item in items if visible(item))
        for param, field in (filters or {}).items():
            wanted = ctx.query.get(param)
            if wanted:
                items = [item for item in items if matches(item, field, wanted)]
        return respond_list(ctx, res.list_style, res.plural, list(items), res.default_limit)

    handler.__name__ = f"list_{res.collection}"
    return handler


def get_handler(res: Resource) -> Handler:
    async def handler(ctx: Ctx) -> Response:
        return respond_one(ctx, res.noun, lookup(ctx, res.collection, ctx.params[res.param], res.kind))

    handler.__name__ = f"get_{res.collection}"
    return handler


def patch_handler(res: Resource, allowed: dict[str, type | tuple[type, ...]], event: str) -> Handler:
    async def handler(ctx: Ctx) -> Response:
        item = lookup(ctx, res.collection, ctx.params[res.param], res.kind)
        changes = patch_fields(item, await ctx.body(), allowed)
        record(ctx, event, audit_entity(res, item), within=_within(ctx, item), changes=changes)
        return respond_one(ctx, res.noun, item)

    handler.__name__ = f"update_{res.collection}"
    return handler


def delete_handler(res: Resource, event: str, archive_field: str | None = None) -> Handler:
    """Deletes a record, or archives it by setting `archive_field` (it then stays readable)."""

    async def handler(ctx: Ctx) -> Response:
        key = ctx.params[res.param]
        item = lookup(ctx, res.collection, key, res.kind)
        if archive_field:
            item[archive_field] = True
        else:
            del collection(ctx, res.collection)[key]
        record(ctx, event, audit_entity(res, item), within=_within(ctx, item))
        return respond_one(ctx, res.noun, item)

    handler.__name__ = f"delete_{res.collection}"
    return handler


def _within(ctx: Ctx, item: dict) -> dict | None:
    project_id = item.get("projectId") or (item.get("project") or {}).get("id")
    project = collection(ctx, "projects").get(project_id) if project_id else None
    return entity("project", project["id"], project.get("name")) if project else None


def _parent(ctx: Ctx, res: ChildResource) -> dict:
    return lookup(ctx, res.parent.collection, ctx.params[res.parent.param], res.parent.kind)


def _parent_key(res: ChildResource, parent: dict) -> str:
    return str(parent[res.parent.id_field])


def child_list_handler(res: ChildResource) -> Handler:
    async def handler(ctx: Ctx) -> Response:
        parent = _parent(ctx, res)
        items = list(children(ctx, res.child, _parent_key(res, parent)))
        return respond_list(ctx, res.list_style, res.plural, items, res.default_limit)

    handler.__name__ = f"list_{res.child}"
    return handler


def child_get_handler(res: ChildResource) -> Handler:
    async def handler(ctx: Ctx) -> Response:
        items = children(ctx, res.child, _parent_key(res, _parent(ctx, res)))
        return respond_one(ctx, res.noun, find_child(items, ctx.params[res.param], res.kind, res.id_field))

    handler.__name__ = f"get_{res.child}"
    return handler


def child_create_handler(res: ChildResource, build: ChildBuilder, event: str) -> Handler:
    async def handler(ctx: Ctx) -> Response:
        parent = _parent(ctx, res)
        item = await build(ctx, parent, await ctx.body())
        children(ctx, res.child, _parent_key(res, parent)).append(item)
        record(
            ctx,
            event,
            audit_entity(res, item),
            within=_within(ctx, parent) or _maybe_project(parent),
            affecting=(audit_entity(res.parent, parent),),
        )
        return respond_one(ctx, res.noun, item, 201)

    handler.__name__ = f"create_{res.child}"
    return handler


def child_patch_handler(
    res: ChildResource, allowed: dict[str, type | tuple[type, ...]], event: str
) -> Handler:
    async def handler(ctx: Ctx) -> Response:
        parent = _parent(ctx, res)
        item = find_child(
            children(ctx, res.child, _parent_key(res, parent)), ctx.params[res.param], res.kind, res.id_field
        )
        changes = patch_fields(item, await ctx.body(), allowed)
        record(
            ctx,
            event,
            audit_entity(res, item),
            within=_within(ctx, parent) or _maybe_project(parent),
            changes=changes,
        )
        return respond_one(ctx, res.noun, item)

    handler.__name__ = f"update_{res.child}"
    return handler


def child_delete_handler(res: ChildResource, event: str) -> Handler:
    async def handler(ctx: Ctx) -> Response:
        parent = _parent(ctx, res)
        items = children(ctx, res.child, _parent_key(res, parent))
        item = find_child(items, ctx.params[res.param], res.kind, res.id_field)
        items.remove(item)
        record(
            ctx,
            event,
            audit_entity(res, item),
            within=_within(ctx, parent) or _maybe_project(parent),
            affecting=(audit_entity(res.parent, parent),),
        )
        return respond_one(ctx, res.noun, item)

    handler.__name__ = f"delete_{res.child}"
    return handler


def _maybe_project(parent: dict) -> dict | None:
    """A project parent is its own context."""
    if "ownerUsername" in parent and "collaborators" in parent:
        return entity("project", parent.get("id"), parent.get("name"))
    return None
