"""Offset/limit parsing with Domino's per-endpoint defaults, rejecting bad numbers with a clear 400."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.simulator.http.errors import bad_request

MAX_LIMIT = 10_000


def int_param(query: Mapping[str, str], name: str, default: int | None, *, minimum: int = 0) -> int | None:
    """An integer query parameter, or `default` when absent; 400 when it is not an integer >= minimum."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"query parameter {name!r} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise bad_request(f"query parameter {name!r} must be >= {minimum}, got {value}")
    return value


def offset_limit(query: Mapping[str, str], default_limit: int | None) -> tuple[int, int | None]:
    """(offset, limit); limit None means "all" (apps have no default limit)."""
    offset = int_param(query, "offset", 0)
    limit = int_param(query, "limit", default_limit, minimum=0)
    if limit is not None:
        limit = min(limit, MAX_LIMIT)
    return offset or 0, limit


def bool_param(query: Mapping[str, str], name: str, default: bool) -> bool:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise bad_request(f"query parameter {name!r} must be true or false, got {raw!r}")


def slice_page(records: list, offset: int, limit: int | None) -> list:
    return records[offset:] if limit is None else records[offset : offset + limit]
