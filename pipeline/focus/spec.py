"""What our FOCUS 1.2 table is: where it lives, its key, and the applicability criteria Domino meets."""

from __future__ import annotations

TABLE = "focus.cost_and_usage"
KEY = ("ChargePeriodStart", "x_AllocationKey")
"""One row per allocation window and Domino allocation key (the six label values, or `__idle__`)."""
PARTITION_COLUMN = "x_ChargeDate"
"""The UTC day of the charge: exports and incremental builds select days by it."""

APPLICABILITY_CRITERIA = ("SUB_ACCOUNT_SUPPORTED", "TAGGING_SUPPORTED", "USAGE_MEASUREMENT_SUPPORTED")
"""The FOCUS 1.2 applicability criteria that fit Domino: projects are sub accounts, workloads carry
labels, usage is measured (core and GPU hours). Commitment discounts, capacity reservations, regions,
zones, public or negotiated price lists, several account types, other or virtual currencies and billing
per identified resource do not exist in Domino's allocation (one row groups many runs)."""
