"""The write credential and who it belongs to.

Writes may use their own key, `DOMINO_ADMIN_API_KEY`, so a read-only key can run the pipeline and plans
while only apply holds admin rights; without it, writes use the read credential. Only the identity behind
the key (from `/api/users/v1/self`) is ever logged or stored, never the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.domino import DominoClient, DominoSettings, Secret

ADMIN_KEY_VARIABLE = "DOMINO_ADMIN_API_KEY"


@dataclass(frozen=True)
class Identity:
    user_id: str
    user_name: str
    credential: str
    """Which credential it is: `DOMINO_ADMIN_API_KEY` or `read credential` (a name, never the value)."""

    def __str__(self) -> str:
        return f"{self.user_name} ({self.user_id}) via {self.credential}"


def write_settings(read: DominoSettings, env: Mapping[str, str] | None = None) -> tuple[DominoSettings, str]:
    """Settings for the write client and the name of the credential they use."""
    env = os.environ if env is None else env
    admin_key = env.get(ADMIN_KEY_VARIABLE, "").strip()
    if not admin_key:
        return read, "read credential"
    return read.with_overrides(api_key=Secret(admin_key), api_token=None, token_file=None), ADMIN_KEY_VARIABLE


def identify(client: DominoClient, credential: str) -> Identity:
    """Who the client's credential belongs to (fails with Domino's 401 for a bad key)."""
    body = client.get_json("/api/users/v1/self") or {}
    user = body.get("user", body) if isinstance(body, dict) else {}
    return Identity(
        str(user.get("id", "")), str(user.get("userName") or user.get("username") or ""), credential
    )
