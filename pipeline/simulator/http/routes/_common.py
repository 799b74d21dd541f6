"""Helpers shared by the route modules: lookups with 404s, body validation with 400s, audit recording."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pipeline.simulator.http.errors import ApiError, bad_request, conflict, not_found
from pipeline.simulator.http.routing import Ctx

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
SIMULATED_SECRET_PREFIX = "SIMULATED-SECRET-not-a-real-credential-"


def fake_secret(ctx: Ctx, purpose: str) -> str:
    """A credential value that is obviously fake, deterministic per world and write."""
    return f"{SIMULATED_SECRET_PREFIX}{purpose}-{ctx.world.new_id('secret')}"


def collection(ctx: Ctx, name: str) -> dict[str, dict]:
    return ctx.world.collections.setdefault(name, {})


def children(ctx: Ctx, name: str, parent_id: str) -> list[dict]:
    return ctx.world.children.setdefault(name, {}).setdefault(parent_id, [])


def lookup(ctx: Ctx, name: str, key: str, kind: str, *, check_object_id: bool = False) -> dict:
    """The record `key` of collection `name`; 400 for a malformed ObjectId, 404 when unknown."""
    record = collection(ctx, name).get(key)
    if record is None:
        if check_object_id and not OBJECT_ID.match(key):
            raise bad_request(f"{key} is not a valid ID")
        raise not_found(kind, key)
    return record


def find_child(items: list[dict], key: str, kind: str, id_field: str = "id") -> dict:
    for item in items:
        if str(item.get(id_field)) == key:
            return item
    raise not_found(kind, key)


def required_str(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"field {name!r} is required and must be a non-empty string")
    return value.strip()


def optional_str(body: dict, name: str, default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is not None and not isinstance(value, str):
        raise bad_request(f"field {name!r} must be a string")
    return value


def one_of(body: dict, name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    """A case-insensitive enum field, returned in the casing of `allowed`."""
    value = body.get(name, default)
    if not isinstance(value, str):
        raise bad_request(f"field {name!r} is required, one of {list(allowed)}")
    for option in allowed:
        if option.lower() == value.lower():
            return option
    raise bad_request(f"field {name!r} must be one of {list(allowed)}, got {value!r}")


def ensure_unique(ctx: Ctx, name: str, field: str, value: str, kind: str, scope: dict | None = None) -> None:
    """409 when another record of the collection (within `scope` fields) already uses `value`."""
    for record in collection(ctx, name).values():
        if record.get(field) == value and all(record.get(k) == v for k, v in (scope or {}).items()):
            raise conflict(f"a {kind} named {value!r} already exists")


def iso_now(ctx: Ctx) -> str:
    """The write's timestamp as ISO-8601 from the world's clock (never the wall clock)."""
    stamp = datetime.fromtimestamp(ctx.world.clock_ms() / 1000, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def patch_fields(record: dict, body: dict, allowed: dict[str, type | tuple[type, ...]]) -> list[dict]:
    """Applies the allowed fields of `body` to `record` with type checks; returns audit field changes."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise bad_request(f"unknown or read-only fields {unknown}; updatable: {sorted(allowed)}")
    if not body:
        raise bad_request(f"request body must contain at least one of {sorted(allowed)}")
    changes = []
    for key, value in body.items():
        if not isinstance(value, allowed[key]) or (
            isinstance(value, bool) and bool not in _as_tuple(allowed[key])
        ):
            raise bad_request(f"field {key!r} has the wrong type")
        changes.append(scalar_change(key, record.get(key), value))
        record[key] = value
    return changes


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def scalar_change(field: str, before: Any, after: Any) -> dict:
    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    return {"fieldName": field, "fieldType": "scalar", "before": text(before), "after": text(after)}


def entity(entity_type: str, entity_id: str | None, name: str | None) -> dict:
    return {"entityType": entity_type, "id": entity_id, "name": name, "tags": []}


def project_entity(project: dict) -> dict:
    return entity("project", project.get("id"), project.get("name"))


def record(
    ctx: Ctx,
    event_name: str,
    target: dict,
    *,
    within: dict | None = None,
    changes: list[dict] | tuple = (),
    affecting: tuple[dict, ...] = (),
    metadata: dict | None = None,
) -> None:
    """Appends the write to the world's audit trail (the actor is the caller)."""
    ctx.world.record_event(
        ctx.caller.user_id,
        event_name,
        within=within,
        targets=({"entity": target, "fieldChanges": list(changes)},),
        affecting=affecting,
        metadata={k: str(v) for k, v in (metadata or {}).items()},
    )


def user_name(ctx: Ctx, user_id: str) -> str | None:
    user = collection(ctx, "users").get(user_id)
    return user.get("userName") if user else None


def require_user(ctx: Ctx, user_id: Any, field: str = "userId") -> dict:
    if not isinstance(user_id, str) or not user_id:
        raise bad_request(f"field {field!r} is required and must be a user id")
    user = collection(ctx, "users").get(user_id)
    if user is None:
        raise ApiError(404, f"user {user_id!r} not found")
    return user
