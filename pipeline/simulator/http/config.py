"""Settings of one simulator instance: where it listens, which world it serves, how it misbehaves."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Literal

from pipeline.simulator.world.scale import scale_spec

FAULT_KINDS: tuple[str, ...] = (
    "rate_limit",  # 429 with Retry-After
    "server_error",  # 500/502/503/504
    "slow",  # sleeps past a client timeout
    "drop",  # closes the connection without a response
    "truncate",  # half the body under a full Content-Length
    "extra_fields",  # unknown keys added to every record
    "enum_case",  # enum values in another casing
    "wrong_type",  # one record carries a field of the wrong type
)
"""Every fault the simulator can inject; `SimulatorConfig.faults` selects a subset."""


def derived_key(seed: int, role: str) -> str:
    """A deterministic API key for `role`, so a seed alone reproduces a whole session."""
    digest = hashlib.sha256(f"domino-simulator:{seed}:{role}".encode()).hexdigest()
    return f"sim-{role}-{digest[:32]}"


@dataclass
class SimulatorConfig:
    """One simulator's knobs. Keys default to values derived from the seed."""

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 42
    scale: str = "demo"
    envelope: Literal["real", "seed"] = "real"
    jobs_form: Literal["real", "seed"] = "real"
    admin_key: str = ""
    user_key: str = ""
    fault_rate: float = 0.0
    faults: tuple[str, ...] = FAULT_KINDS
    latency_ms: int = 0
    slow_seconds: float = 3.0
    retry_after_seconds: int = 1
    cost_window_offset_hours: int = 0
    """Kubecost running in a non-UTC zone: cost windows start at its local midnight, e.g. -2 serves the
    2026-10-01 day as `2026-09-30T22:00:00Z`..`2026-10-01T22:00:00Z`."""

    def __post_init__(self) -> None:
        if not self.admin_key:
            self.admin_key = derived_key(self.seed, "admin")
        if not self.user_key:
            self.user_key = derived_key(self.seed, "user")
        scale_spec(self.scale)  # raises ValueError naming the known scales
        if self.envelope not in ("real", "seed"):
            raise ValueError(f"envelope must be 'real' or 'seed', got {self.envelope!r}")
        if self.jobs_form not in ("real", "seed"):
            raise ValueError(f"jobs_form must be 'real' or 'seed', got {self.jobs_form!r}")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError(f"fault_rate must lie in [0, 1], got {self.fault_rate}")
        self.faults = tuple(self.faults)
        unknown = sorted(set(self.faults) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; known: {list(FAULT_KINDS)}")
        if self.admin_key == self.user_key:
            raise ValueError("admin_key and user_key must differ")

    def public_dict(self) -> dict:
        """The settings without the keys, safe to serve on /__sim/config and to log."""
        data = asdict(self)
        for private in ("admin_key", "user_key"):
            data.pop(private)
        data["faults"] = list(self.faults)
        return data

    def __repr__(self) -> str:  # keys never reach logs or tracebacks
        return f"SimulatorConfig({self.public_dict()!r})"
