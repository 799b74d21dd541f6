"""`strip_secrets`: drop secret values from credential-bearing records before anything is kept.

Runs before `_raw` is serialised, so neither the raw JSON nor a column can hold a secret.
Metadata (names, creation and expiry times, ids) stays.
"""

from __future__ import annotations

import re
from typing import Any

_SECRET_KEY = re.compile(
    r"^(value|secret|token|tokenvalue|password|passphrase|apikey|providerapikey|accesskey|secretkey"
    r"|privatekey|clientsecret|sessiontoken|refreshtoken|accesstoken|bearertoken)$"
    r"|(secret|password|apikey|secretkey|accesskey|privatekey|tokenvalue)$"
)
"""Key names (lower-cased, `_`/`-` removed) whose value is a secret; `tokenId`, `tokenName` are kept."""


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key.lower().replace("_", "").replace("-", "")))


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not is_secret_key(k)}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def strip_secrets(records: list[dict[str, Any]], context: dict[str, Any]) -> list[dict[str, Any]]:
    """New records without secret-named keys at any depth; the caller's records are left untouched."""
    return [_strip(record) for record in records]
