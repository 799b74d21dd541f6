"""How often each kind of daily data is loaded, how far back it is re-pulled, and how stale it may get.

Every partitioned endpoint has one cadence, derived from the catalogue: cost data settles for 36-48
hours after its day (Domino adds `*CostAdjustment` values later), so the cost schedule re-pulls more
days than the audit logs and jobs, which are final within minutes.
"""

from __future__ import annotations

import os
from datetime import timedelta
from enum import StrEnum

import dagster as dg

from pipeline.domino import Endpoint


class Cadence(StrEnum):
    COST = "cost"
    AUDIT = "audit"
    JOBS = "jobs"


DEFAULT_LOOKBACK_DAYS = {Cadence.COST: 3, Cadence.AUDIT: 1, Cadence.JOBS: 1}
"""Cost: yesterday and the two days before (the oldest is then 50 h past its end: settled); else yesterday."""

LOOKBACK_VARIABLES = {
    Cadence.COST: "DOMINO_LOOKBACK_DAYS_COST",
    Cadence.AUDIT: "DOMINO_LOOKBACK_DAYS_AUDIT",
    Cadence.JOBS: "DOMINO_LOOKBACK_DAYS_JOBS",
}

FRESHNESS = {
    Cadence.COST: dg.FreshnessPolicy.time_window(
        fail_window=timedelta(hours=30), warn_window=timedelta(hours=26)
    ),
    Cadence.AUDIT: dg.FreshnessPolicy.time_window(
        fail_window=timedelta(hours=30), warn_window=timedelta(hours=26)
    ),
}
"""Loaded daily at 02:00-03:00 UTC: a load older than 26 h means a tick was missed, 30 h means a day."""


def cadence(endpoint: Endpoint) -> Cadence | None:
    """The daily cadence of a partitioned endpoint; None for inventory (snapshot) endpoints."""
    if endpoint.partitioned is None:
        return None
    if endpoint.area in (Cadence.COST, Cadence.JOBS):
        return Cadence(endpoint.area)
    return Cadence.AUDIT  # every other daily endpoint is an event log (audit, data-source audit, AI gateway)


def freshness_policy(endpoint: Endpoint) -> dg.FreshnessPolicy | None:
    """The freshness policy of the cost and audit assets (jobs and inventory have none)."""
    kind = cadence(endpoint)
    return FRESHNESS.get(kind) if kind else None


def lookback_days(kind: Cadence) -> int:
    """Days a daily run re-pulls, ending yesterday: `DOMINO_LOOKBACK_DAYS_<KIND>` or the default."""
    variable = LOOKBACK_VARIABLES[kind]
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return DEFAULT_LOOKBACK_DAYS[kind]
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"{variable} must be a whole number of days, got {raw!r}") from None
    if not 1 <= days <= 400:
        raise ValueError(f"{variable} must be between 1 and 400 days, got {days}")
    return days
