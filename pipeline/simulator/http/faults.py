"""Deterministic fault injection: which request fails, and how, follows from the seed and a request counter.

A pure ASGI middleware, because two faults need control below HTTP: a dropped connection (the app returns a
non-None value, which makes uvicorn close the socket without a response) and a truncated body (full
Content-Length, half the bytes, then close). Data faults rewrite the JSON but never drop a record.
/__sim/* is never faulted. `WriteFaults` is the targeted hook for write tests: armed through
`POST /__sim/faults/writes`, it spoils chosen writes (the Nth from now): failed before they take effect,
applied with the answer lost, or answered 200 without taking effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

import orjson

from pipeline.simulator.http.config import SimulatorConfig

DROPPED = "simulated-fault: connection dropped"
"""Returned to uvicorn to make it close the connection; server.py silences the log line it causes."""

SERVER_ERROR_STATUSES = (500, 502, 503, 504)
ENUM_KEYS = frozenset(
    {"executionStatus", "status", "mode", "visibility", "credentialType", "organizationRole"}
)
WRONG_TYPE_PREFERRED = ("number", "timestamp", "totalCost", "centsPerMinute", "views")
EXTRA_FIELD = "simulatorUnknownField"


def _unit(seed: int, counter: int, salt: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{seed}:{counter}:{salt}".encode(), digest_size=8).digest(), "big")


def choose_fault(config: SimulatorConfig, counter: int) -> str | None:
    """The fault for request number `counter`, or None; a `fault_rate` fraction of requests get one."""
    if config.fault_rate <= 0 or not config.faults:
        return None
    if _unit(config.seed, counter, "rate") / 2**64 >= config.fault_rate:
        return None
    return config.faults[_unit(config.seed, counter, "kind") % len(config.faults)]


def _records(body: Any) -> list[dict]:
    """The records of a response body: a bare array, the list in an envelope, or a single enveloped object."""
    if isinstance(body, list):
        return [item for item in body if isinstance(item, dict)]
    if not isinstance(body, dict):
        return []
    for key, value in body.items():
        if key != "metadata" and isinstance(value, list) and value and isinstance(value[0], dict):
            return value
    singles = [value for key, value in body.items() if key != "metadata" and isinstance(value, dict)]
    return singles or [body]


def _swap_case(value: str) -> str:
    """`Succeeded` → `SUCCEEDED`, `SUCCEEDED` → `succeeded`, `required` → `Required`."""
    if value.isupper():
        return value.lower()
    if value[:1].isupper():
        return value.upper()
    return value[:1].upper() + value[1:]


def _recase(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ENUM_KEYS and isinstance(value, str) and value:
                node[key] = _swap_case(value)
            else:
                _recase(value)
    elif isinstance(node, list):
        for item in node:
            _recase(item)


def _break_type(record: dict) -> None:
    """Puts a value of the wrong type into one field (a number becomes "abc")."""
    for key in WRONG_TYPE_PREFERRED:
        if isinstance(record.get(key), int | float) and not isinstance(record.get(key), bool):
            record[key] = "abc"
            return
    for key, value in record.items():
        if isinstance(value, int | float | bool):
            record[key] = "abc"
            return
    for key, value in record.items():
        if key != "id" and isinstance(value, str):
            record[key] = 12345
            return


def corrupt(body: Any, kind: str) -> Any:
    """Applies a data fault to a parsed JSON body in place and returns it; records are never removed."""
    records = _records(body)
    if kind == "extra_fields":
        for record in records:
            record[EXTRA_FIELD] = {"note": "simulated unknown field", "value": 1}
    elif kind == "enum_case":
        _recase(body if isinstance(body, list) else records)
    elif kind == "wrong_type" and records:
        _break_type(records[0])
    return body


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


WRITE_FAULT_MODES = ("fail", "apply_then_drop", "ignore", "stall")
STALL_SECONDS = 3.0
"""How long a `stall` write waits before it takes effect: long enough for a test to kill the client."""


@dataclass
class WriteFaults:
    """Spoils `count` writes after letting `skip` through. `mode`: `fail` answers `status` without touching
    the world; `apply_then_drop` lets the write take effect, then drops the connection (the client cannot
    know it succeeded); `ignore` answers 200 `{}` without taking effect (a server that lies); `stall` holds
    the write for `STALL_SECONDS`, then lets it take effect and answers (a slow server, for killing a
    client that waits)."""

    skip: int = 0
    count: int = 0
    status: int = 503
    mode: str = "fail"
    injected: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def arm(self, skip: int, count: int, status: int, mode: str) -> None:
        if mode not in WRITE_FAULT_MODES:
            raise ValueError(f"mode must be one of {list(WRITE_FAULT_MODES)}, got {mode!r}")
        with self._lock:
            self.skip, self.count, self.status, self.mode = skip, count, status, mode
            self.injected = 0

    def take(self, method: str) -> bool:
        """True when this write is one to fail."""
        if method not in WRITE_METHODS:
            return False
        with self._lock:
            if self.count <= 0:
                return False
            if self.skip > 0:
                self.skip -= 1
                return False
            self.count -= 1
            self.injected += 1
            return True

    def state(self) -> dict:
        return {
            "skip": self.skip,
            "count": self.count,
            "status": self.status,
            "mode": self.mode,
            "injected": self.injected,
        }


async def _buffered(receive: Any) -> Any:
    """Reads the whole request body now and returns a `receive` that hands it over later."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    messages = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

    async def replay() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return replay


def _error_body(message: str, counter: int) -> bytes:
    return orjson.dumps({"errors": [message], "requestId": f"simulated-fault-{counter}"})


class FaultInjector:
    """ASGI middleware applying `latency_ms` to every request and a deterministic fault to some."""

    def __init__(self, app: Any, config: SimulatorConfig, write_faults: WriteFaults | None = None) -> None:
        self.app = app
        self.config = config
        self.write_faults = write_faults or WriteFaults()
        self._counter = itertools.count(1)

    def __getattr__(self, name: str) -> Any:  # expose the inner app's state/routes
        return getattr(self.app, name)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] != "http" or scope["path"].startswith("/__sim/"):
            return await self.app(scope, receive, send)
        counter = next(self._counter)
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        if self.write_faults.take(scope["method"]):
            return await self._fail_write(scope, receive, send, counter)
        kind = choose_fault(self.config, counter)
        if kind is None:
            return await self.app(scope, receive, send)
        if kind == "rate_limit":
            return await self._send(
                send,
                429,
                _error_body("Too many requests (simulated)", counter),
                [(b"retry-after", str(self.config.retry_after_seconds).encode())],
            )
        if kind == "server_error":
            status = SERVER_ERROR_STATUSES[_unit(self.config.seed, counter, "status") % 4]
            return await self._send(send, status, _error_body("Simulated server error", counter), [])
        if kind == "drop":
            return DROPPED
        if kind == "slow":
            await asyncio.sleep(self.config.slow_seconds)
            return await self.app(scope, receive, send)
        status, headers, body = await self._capture(scope, receive)
        if kind == "truncate":
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            return DROPPED
        if 200 <= status < 300 and body:
            with contextlib.suppress(orjson.JSONDecodeError):  # non-JSON bodies pass through unchanged
                body = orjson.dumps(corrupt(orjson.loads(body), kind))
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        return await self._send(send, status, body, headers, content_type=False)

    async def _fail_write(self, scope: dict, receive: Any, send: Any, counter: int) -> Any:
        if self.write_faults.mode == "stall":
            # read the request whole now: its client may be gone by the time it lands
            replay = await _buffered(receive)
            await asyncio.sleep(STALL_SECONDS)
            return await self.app(scope, replay, send)
        if self.write_faults.mode == "apply_then_drop":
            await self._capture(scope, receive)
            return DROPPED
        if self.write_faults.mode == "ignore":
            return await self._send(send, 200, b"{}", [])
        status = self.write_faults.status
        return await self._send(send, status, _error_body("Simulated write failure", counter), [])

    async def _capture(self, scope: dict, receive: Any) -> tuple[int, list, bytes]:
        """Runs the inner app and collects its whole response."""
        start: dict = {}
        chunks: list[bytes] = []

        async def collect(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, collect)
        return start.get("status", 500), list(start.get("headers", [])), b"".join(chunks)

    @staticmethod
    async def _send(send: Any, status: int, body: bytes, headers: list, content_type: bool = True) -> None:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        if content_type:
            headers.append((b"content-type", b"application/json"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
