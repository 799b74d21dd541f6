"""Scale presets: how big each generated collection is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Scale = Literal["small", "demo", "large"]


@dataclass(frozen=True)
class ScaleSpec:
    users: int
    organizations: int
    service_accounts: int
    projects: int
    days: int
    jobs: int
    audit_events: int
    workspace_sessions: int
    datasets: int
    apps: int
    model_apis: int
    data_sources: int
    ai_endpoints: int
    registered_models: int


SCALES: dict[str, ScaleSpec] = {
    "small": ScaleSpec(12, 3, 2, 10, 90, 1_000, 10_000, 200, 8, 3, 2, 3, 2, 3),
    "demo": ScaleSpec(40, 5, 4, 50, 90, 10_000, 100_000, 2_000, 40, 10, 8, 8, 4, 10),
    "large": ScaleSpec(300, 20, 12, 2_000, 365, 1_000_000, 5_000_000, 150_000, 600, 120, 80, 40, 10, 100),
}


def scale_spec(scale: str) -> ScaleSpec:
    try:
        return SCALES[scale]
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}; expected one of {sorted(SCALES)}") from None
