"""Helpers for the simulator's HTTP tests."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from pipeline.simulator.server import RunningSimulator

SEED_DOC = Path("/work/shared/reference/seed-domino-rest-api.md")
ENDPOINT_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)\s*$")


def client_for(running: RunningSimulator, *, admin: bool = True, timeout: float = 30) -> httpx.Client:
    key = running.admin_key if admin else running.user_key
    return httpx.Client(base_url=running.base_url, headers={"X-Domino-Api-Key": key}, timeout=timeout)


def seed_endpoints() -> list[tuple[str, str]]:
    """Every `METHOD /path` line of the seed reference, in order."""
    found = []
    for line in SEED_DOC.read_text().splitlines():
        match = ENDPOINT_LINE.match(line.strip())
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def shape(path: str) -> str:
    """A path with its parameter names erased, so `{projectId}` and `{id}` compare equal."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def all_pages(client: httpx.Client, path: str, records_key: str, limit: int, **params) -> tuple[list, int]:
    """Pages a `{key: [...], metadata: {offset, limit, totalCount}}` list to the end."""
    offset, records, total = 0, [], None
    while True:
        response = client.get(path, params={**params, "offset": offset, "limit": limit})
        assert response.status_code == 200, response.text
        body = response.json()
        meta = body["metadata"]
        assert meta["offset"] == offset and meta["limit"] == limit
        total = meta["totalCount"] if total is None else total
        assert meta["totalCount"] == total
        records += body[records_key]
        if len(body[records_key]) < limit:
            return records, total
        offset += limit
