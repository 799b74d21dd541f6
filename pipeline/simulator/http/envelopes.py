"""Response bodies in a real Domino 6.x's envelopes, or the seed's generic
`{offset, limit, totalCount, data}`.

Serialised with orjson; request ids come from a counter so the same seed and the same requests give the same
bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from typing import Any

import orjson
from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json"


class JsonResponse(Response):
    media_type = JSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class Envelopes:
    """Builds every response body; `envelope="seed"` switches all lists to the seed's generic envelope."""

    def __init__(self, seed: int, envelope: str) -> None:
        self.envelope = envelope
        self._seed_prefix = hashlib.sha256(f"requests:{seed}".encode()).digest()[:8]
        self._counter = itertools.count(1)

    def request_id(self) -> str:
        """A uuid4-looking id derived from the seed and a request counter (deterministic, never random)."""
        number = next(self._counter)
        raw = self._seed_prefix + number.to_bytes(8, "big")
        return str(uuid.UUID(bytes=hashlib.md5(raw).digest(), version=4))

    def metadata(self) -> dict:
        return {"requestId": self.request_id(), "notices": []}

    def json(self, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
        return JsonResponse(body, status_code=status, headers=headers)

    def single(self, noun: str, record: dict, status: int = 200) -> JsonResponse:
        """`{"<noun>": {...}, "metadata": {requestId, notices}}`."""
        return self.json({noun: record, "metadata": self.metadata()}, status)

    def bare(self, body: Any, status: int = 200) -> JsonResponse:
        """A body without any envelope (apps GET single, billing-tag bodies, settings)."""
        return self.json(body, status)

    def _generic(self, records: list, offset: int, limit: int | None, total: int) -> JsonResponse:
        return self.json(
            {
                "offset": offset,
                "limit": total if limit is None else limit,
                "totalCount": total,
                "data": records,
            }
        )

    def paged(self, key: str, records: list, offset: int, limit: int | None, total: int) -> JsonResponse:
        """`{"<key>": [...], "metadata": {requestId, notices, offset, limit, totalCount}}` (flat metadata)."""
        if self.envelope == "seed":
            return self._generic(records, offset, limit, total)
        meta = self.metadata()
        meta.update(offset=offset, limit=total if limit is None else limit, totalCount=total)
        return self.json({key: records, "metadata": meta})

    def unpaged(self, key: str, records: list, extra: dict | None = None) -> JsonResponse:
        """`{"<key>": [...]}` with no metadata (cost `data`, `billingTags`), plus `extra` keys."""
        if self.envelope == "seed":
            return self._generic(records, 0, len(records), len(records))
        body: dict = {key: records}
        if extra:
            body.update(extra)
        return self.json(body)

    def audit(self, events: list, offset: int, limit: int, total: int) -> JsonResponse:
        """`{"events": [...], "total": N}`, the audit trail's own envelope."""
        if self.envelope == "seed":
            return self._generic(events, offset, limit, total)
        return self.json({"events": events, "total": total})

    def array(self, records: list) -> JsonResponse:
        """A bare JSON array (model API versions, data-source audit)."""
        if self.envelope == "seed":
            return self._generic(records, 0, len(records), len(records))
        return self.json(records)
