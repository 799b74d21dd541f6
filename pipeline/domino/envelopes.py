"""Find the records in any Domino response envelope.

Forms read: `{"<plural>":[…],"metadata":{…totalCount}}`, `{"items":[…]}`, `{"data":[…]}`,
`{"events":[…],"total"|"estimatedMatches":N}`, bare arrays, the seed's `{offset,limit,totalCount,data}`,
single objects wrapped (`{"project":{…},"metadata":…}`) or bare, and list items wrapped in a noun
(`{"dataset":{…},"projectInfo":{…}}` → the dataset with `projectInfo` kept beside its fields).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.domino.errors import EnvelopeError

Record = dict[str, Any]
_GENERIC_LIST_KEYS = ("items", "data", "events")
_COUNTER_KEYS = ("totalCount", "total", "estimatedMatches", "totalMatches")
_METADATA_KEYS = frozenset({"metadata", "requestId", "notices", "offset", "limit", "pagination"})


@dataclass(frozen=True)
class Envelope:
    records: list[Record]
    total: int | None = None
    """The server's counter, if any. Informational: paging never trusts it alone."""
    limit: int | None = None
    """The page size the server says it used (may be lower than requested)."""


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _counters(payload: dict[str, Any]) -> tuple[int | None, int | None]:
    meta = payload.get("metadata") if isinstance(payload.get("metadata"), dict) else {}
    total = None
    for source in (meta, payload):
        for key in _COUNTER_KEYS:
            if total is None:
                total = _int_or_none(source.get(key))
    limit = _int_or_none(meta.get("limit")) or _int_or_none(payload.get("limit"))
    return total, limit


def _describe(payload: Any) -> str:
    if isinstance(payload, dict):
        return f"an object with keys {sorted(payload)[:20]}"
    return f"a JSON {type(payload).__name__}"


def unwrap_item(item: Any, wrapper: str | None, endpoint: str) -> Record:
    """Unwrap `{"<wrapper>": {...}, sidecars...}` into the inner object plus the sidecar keys."""
    if not isinstance(item, dict):
        raise EnvelopeError(f"{endpoint}: expected each record to be an object, got {_describe(item)}")
    if wrapper and isinstance(item.get(wrapper), dict):
        inner = dict(item[wrapper])
        for key, value in item.items():
            if key != wrapper:
                inner.setdefault(key, value)
        return inner
    return item


def read_list(
    payload: Any, endpoint: str, list_keys: Sequence[str] = (), item_wrapper: str | None = None
) -> Envelope:
    """Records of a list response. Unknown shapes raise `EnvelopeError` naming the endpoint and keys seen."""
    if isinstance(payload, list):
        return Envelope([unwrap_item(i, item_wrapper, endpoint) for i in payload])
    if not isinstance(payload, dict):
        raise EnvelopeError(f"{endpoint}: expected a JSON list or object, got {_describe(payload)}")
    key = next((k for k in (*list_keys, *_GENERIC_LIST_KEYS) if isinstance(payload.get(k), list)), None)
    if key is None:
        candidates = [k for k, v in payload.items() if isinstance(v, list) and k not in _METADATA_KEYS]
        if len(candidates) != 1:
            expected = f" (expected one of {list(list_keys)})" if list_keys else ""
            raise EnvelopeError(f"{endpoint}: unrecognised list envelope{expected}: got {_describe(payload)}")
        key = candidates[0]
    total, limit = _counters(payload)
    return Envelope([unwrap_item(i, item_wrapper, endpoint) for i in payload[key]], total, limit)


def read_single(payload: Any, endpoint: str, object_keys: Sequence[str] = ()) -> Envelope:
    """A single-object response as one record: `{"<noun>": {...}, "metadata": ...}` or the bare object."""
    if not isinstance(payload, dict):
        raise EnvelopeError(f"{endpoint}: expected a JSON object, got {_describe(payload)}")
    for key in object_keys:
        if isinstance(payload.get(key), dict):
            return Envelope([dict(payload[key])], 1)
    content = {k: v for k, v in payload.items() if k != "metadata"}
    if len(content) == 1:
        (only,) = content.values()
        if isinstance(only, dict):
            return Envelope([dict(only)], 1)
    if not content:
        raise EnvelopeError(f"{endpoint}: empty object (keys seen: {sorted(payload)})")
    return Envelope([content], 1)
