"""A tiny real HTTP server on 127.0.0.1 that answers like Domino (or misbehaves on purpose)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.domino import DominoClient, DominoSettings, Secret

API_KEY = "k3y-SUPER-secret-0123456789"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None  # "drop" (close without answering) | "short" (Content-Length larger than body)
    delay: float = 0.0


Handler = Callable[[Seen], Reply]


class FakeDomino:
    """Routes by path; `script(path, [...])` queues one-shot replies served before the route."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.scripts: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def route(self, path: str, handler: Handler | Any) -> None:
        self.routes[path] = handler if callable(handler) else (lambda _seen, body=handler: Reply(body=body))

    def script(self, path: str, replies: list[Reply]) -> None:
        self.scripts.setdefault(path, []).extend(replies)

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _reply_for(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            queued = self.scripts.get(seen.path)
            if queued:
                return queued.pop(0)
        handler = self.routes.get(seen.path)
        if handler is None:
            return Reply(404, {"errors": [f"no route {seen.path}"], "requestId": "req-404"})
        return handler(seen)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    parts.path,
                    {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                with fake._lock:
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    reply = fake._reply_for(seen)
                    if reply.delay:
                        time.sleep(reply.delay)
                finally:
                    # Counted out before the answer is written: once its last byte is sent, the client may
                    # send its next request (on a new connection) before this thread could count it out.
                    with fake._lock:
                        fake.in_flight -= 1
                self._write(reply)

            def _write(self, reply: Reply) -> None:
                if reply.fault == "drop":
                    self.close_connection = True
                    return
                body = reply.body
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                if reply.fault == "short":
                    self.send_header("Content-Length", str(len(data) + 500))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        return Handler


@pytest.fixture
def fake() -> Iterator[FakeDomino]:
    server = FakeDomino()
    yield server
    server.close()


def make_settings(url: str, **overrides: Any) -> DominoSettings:
    base: dict[str, Any] = {
        "base_url": url,
        "api_key": Secret(API_KEY),
        "timeout_seconds": 5.0,
        "max_attempts": 4,
        "max_retry_wait_seconds": 10.0,
        "backoff_initial_seconds": 0.01,
        "backoff_max_seconds": 0.05,
    }
    base.update(overrides)
    return DominoSettings(**base)


@pytest.fixture
def client(fake: FakeDomino) -> Iterator[DominoClient]:
    with DominoClient(make_settings(fake.url)) as c:
        yield c


def offset_pages(records: list[dict], list_key: str, *, envelope: str = "domino") -> Handler:
    """A route that pages `records` honouring offset/limit in the chosen envelope form."""

    def handler(seen: Seen) -> Reply:
        offset, limit = int(seen.query.get("offset", 0)), int(seen.query.get("limit", 10))
        chunk = records[offset : offset + limit]
        if envelope == "seed":
            return Reply(body={"offset": offset, "limit": limit, "totalCount": len(records), "data": chunk})
        if envelope == "events":
            return Reply(body={"events": chunk, "estimatedMatches": len(records)})
        meta = {"requestId": "r", "notices": [], "offset": offset, "limit": limit, "totalCount": len(records)}
        return Reply(body={list_key: chunk, "metadata": meta})

    return handler
