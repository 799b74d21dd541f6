"""Client configuration read from the environment, following Domino's own variable names.

Secrets are wrapped in `Secret` so that no repr, log line or exception can show them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from pipeline.domino.errors import DominoConfigError

CostStyle = Literal["window", "seed"]
DEFAULT_AUDIT_PATH = "/api/audittrail/v1/auditevents"


class Secret:
    """A credential that only `reveal()` shows; str/repr are masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class DominoSettings:
    """Everything the client needs: where Domino is, how to authenticate, how politely to call it."""

    base_url: str
    api_key: Secret | None = None
    api_token: Secret | None = None
    token_file: str | None = None
    timeout_seconds: float = 30.0
    max_attempts: int = 6
    max_retry_wait_seconds: float = 120.0
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    concurrency: int = 4
    requests_per_second: float | None = None
    audit_path: str = DEFAULT_AUDIT_PATH
    audit_seed_params: bool = False
    """Also send the seed's `startTime/endTime` on audit requests (for servers that follow the seed doc)."""
    cost_style: CostStyle = "window"
    default_page_size: int | None = None
    page_sizes: Mapping[str, int] = field(default_factory=dict)
    """Per-endpoint page size overrides, by catalogue endpoint name."""
    shaping: Literal["columnar", "records"] = "columnar"
    """`columnar`: daily endpoints, cursor exports and top-level inventory lists whose shaping is declarative
    take pages as bytes and type them into columns (the per-record path only for pages that need it);
    `records`: decode every record in Python."""

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise DominoConfigError(f"DOMINO_API_HOST must be an http(s) URL, got {self.base_url!r}")
        if self.cost_style not in ("window", "seed"):
            raise DominoConfigError(f"cost style must be 'window' or 'seed', got {self.cost_style!r}")
        if self.max_attempts < 1 or self.concurrency < 1:
            raise DominoConfigError("max_attempts and concurrency must be at least 1")
        if self.shaping not in ("columnar", "records"):
            raise DominoConfigError(f"DOMINO_SHAPING must be 'columnar' or 'records', got {self.shaping!r}")
        if self.requests_per_second is not None and self.requests_per_second <= 0:
            raise DominoConfigError("requests_per_second must be positive (or unset for no budget)")

    @property
    def secrets(self) -> tuple[str, ...]:
        """Raw secret values, for redaction only."""
        return tuple(s.reveal() for s in (self.api_key, self.api_token) if s is not None and s.reveal())

    def page_size_for(self, endpoint_name: str, catalogue_default: int) -> int:
        return self.page_sizes.get(endpoint_name, self.default_page_size or catalogue_default)

    def with_overrides(self, **changes: object) -> DominoSettings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DominoSettings:
        """Read `DOMINO_*` variables; unset tunables keep their defaults."""
        env = os.environ if env is None else env
        host = env.get("DOMINO_API_HOST", "").strip()
        if not host:
            raise DominoConfigError("DOMINO_API_HOST is not set (the base URL of Domino)")
        values: dict[str, object] = {"base_url": host.rstrip("/")}
        if key := env.get("DOMINO_USER_API_KEY"):
            values["api_key"] = Secret(key)
        if token := env.get("DOMINO_API_TOKEN"):
            values["api_token"] = Secret(token)
        if token_file := env.get("DOMINO_TOKEN_FILE"):
            values["token_file"] = token_file
        numeric = {
            "DOMINO_TIMEOUT_SECONDS": ("timeout_seconds", float),
            "DOMINO_MAX_ATTEMPTS": ("max_attempts", int),
            "DOMINO_MAX_RETRY_WAIT_SECONDS": ("max_retry_wait_seconds", float),
            "DOMINO_BACKOFF_INITIAL_SECONDS": ("backoff_initial_seconds", float),
            "DOMINO_BACKOFF_MAX_SECONDS": ("backoff_max_seconds", float),
            "DOMINO_CONCURRENCY": ("concurrency", int),
            "DOMINO_REQUESTS_PER_SECOND": ("requests_per_second", float),
            "DOMINO_PAGE_SIZE": ("default_page_size", int),
        }
        for var, (attr, kind) in numeric.items():
            raw = env.get(var, "").strip()
            if raw:
                try:
                    values[attr] = kind(raw)
                except ValueError as exc:
                    raise DominoConfigError(f"{var} must be a {kind.__name__}, got {raw!r}") from exc
        if audit_path := env.get("DOMINO_AUDIT_PATH", "").strip():
            values["audit_path"] = audit_path
        if seed := env.get("DOMINO_AUDIT_SEED_PARAMS", "").strip():
            values["audit_seed_params"] = seed.lower() in ("1", "true", "yes", "on")
        if style := env.get("DOMINO_COST_STYLE", "").strip():
            values["cost_style"] = style.lower()
        if shaping := env.get("DOMINO_SHAPING", "").strip():
            values["shaping"] = shaping.lower()
        if sizes := env.get("DOMINO_PAGE_SIZES", "").strip():
            values["page_sizes"] = _parse_page_sizes(sizes)
        return cls(**values)  # type: ignore[arg-type]


def _parse_page_sizes(text: str) -> dict[str, int]:
    """`jobs=100,audit_events=1000` → {"jobs": 100, "audit_events": 1000}."""
    sizes: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, size = item.partition("=")
        if not sep or not size.strip().isdigit():
            raise DominoConfigError(f"DOMINO_PAGE_SIZES entries look like name=100, got {item!r}")
        sizes[name.strip()] = int(size)
    return sizes
