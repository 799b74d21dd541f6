"""Daily UTC partitions of cost, audit and jobs; the first day comes from `DOMINO_PARTITIONS_START`."""

from __future__ import annotations

import os

import dagster as dg

DEFAULT_START = "2026-08-03"
"""90 days before the simulator's default end (2026-11-01): the demo's whole history."""

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=os.environ.get("DOMINO_PARTITIONS_START", DEFAULT_START), timezone="UTC"
)
