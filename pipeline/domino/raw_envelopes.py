"""Find the records in a response body without decoding them: each record stays its bytes as sent.

msgspec validates the whole body (a truncated or malformed page fails here, so it is retried) and hands
back `msgspec.Raw` slices of the body for the list and for each record: no Python object is built per
field, which is what makes a 1,000-event page cheap. The envelope forms are those of `envelopes.read_list`
(same list keys, same counters); wrapped items are not handled here (such endpoints take the decoded path).
Whether each record is an object is checked where records are typed (a record that is not one fails the
columnar read, and the records path then raises `EnvelopeError` for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from pipeline.domino.envelopes import _COUNTER_KEYS, _GENERIC_LIST_KEYS, _METADATA_KEYS, _counters
from pipeline.domino.errors import EnvelopeError

RawRecord = msgspec.Raw
_TOP = msgspec.json.Decoder(dict[str, msgspec.Raw] | list[msgspec.Raw])
_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_SMALL_KEYS = frozenset({"metadata", "limit", *_COUNTER_KEYS})


@dataclass(frozen=True)
class RawEnvelope:
    """A list page as bytes: the JSON array of records as sent, each record's slice, and the counters."""

    items: msgspec.Raw | bytes
    records: list[msgspec.Raw]
    list_key: str | None
    """Where the records sat (`events`, `data`, ...); None for a bare JSON array."""
    total: int | None = None
    limit: int | None = None


def split_body(body: bytes) -> dict[str, msgspec.Raw] | list[msgspec.Raw]:
    """The top level of a JSON body with every value left as bytes; raises `msgspec.DecodeError` when the
    body is not one complete JSON object or array (truncated, malformed)."""
    return _TOP.decode(body)


def _first_byte(raw: msgspec.Raw | bytes) -> bytes:
    return bytes(memoryview(raw)[:1])


def read_raw_list(
    top: dict[str, msgspec.Raw] | list[msgspec.Raw], body: bytes, endpoint: str, list_keys: Sequence[str] = ()
) -> RawEnvelope:
    """The records of a split list body; unknown shapes raise `EnvelopeError` like `read_list`."""
    if isinstance(top, list):
        return RawEnvelope(body, top, None)
    lists = {key for key, value in top.items() if _first_byte(value) == b"["}
    key = next((k for k in (*list_keys, *_GENERIC_LIST_KEYS) if k in lists), None)
    if key is None:
        candidates = [k for k in top if k in lists and k not in _METADATA_KEYS]
        if len(candidates) != 1:
            expected = f" (expected one of {list(list_keys)})" if list_keys else ""
            seen = f"an object with keys {sorted(top)[:20]}"
            raise EnvelopeError(f"{endpoint}: unrecognised list envelope{expected}: got {seen}")
        key = candidates[0]
    small: dict[str, Any] = {k: msgspec.json.decode(v) for k, v in top.items() if k in _SMALL_KEYS}
    total, limit = _counters(small)
    items = top[key]
    return RawEnvelope(items, _LIST.decode(items), key, total, limit)
