"""What our FOCUS 1.2 table promises: its columns, the values FOCUS allows, the criteria Domino meets."""

from __future__ import annotations

TABLE = "focus.cost_and_usage"
KEY = ("ChargePeriodStart", "x_AllocationKey")
"""One row per allocation window and Domino allocation key (the six label values, or `__idle__`)."""
PARTITION_COLUMN = "x_ChargeDate"

APPLICABILITY_CRITERIA = ("SUB_ACCOUNT_SUPPORTED", "TAGGING_SUPPORTED", "USAGE_MEASUREMENT_SUPPORTED")
"""The FOCUS 1.2 applicability criteria that fit Domino: projects are sub accounts, workloads carry
labels, usage is measured (core and GPU hours). Commitment discounts, capacity reservations, regions,
zones, public or negotiated price lists, account types, other or virtual currencies and billing per
identified resource do not exist in Domino's allocation (one row groups many runs)."""

NOT_NULL_COLUMNS = (
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
)
"""Columns FOCUS 1.2 says MUST NOT be null for our usage rows (with our criteria), or SHOULD NOT
(ChargeDescription, BillingAccountName) and that we always fill."""

SET_TOGETHER = (("SubAccountId", "SubAccountName"), ("SubAccountId", "SubAccountType"))
"""(column, dependant): the dependant is null exactly when the column is null."""

ALLOWED_VALUES: dict[str, tuple[str, ...]] = {
    "ChargeCategory": ("Usage", "Purchase", "Tax", "Credit", "Adjustment"),
    "ChargeFrequency": ("One-Time", "Recurring", "Usage-Based"),
    "PricingCategory": ("Standard", "Dynamic", "Committed", "Other"),
    "ServiceCategory": ("AI and Machine Learning",),
    "ServiceSubcategory": (
        "AI Platforms",
        "Bots",
        "Generative AI",
        "Machine Learning",
        "Natural Language Processing",
        "Other (AI and Machine Learning)",
    ),
}
"""FOCUS 1.2 allowed values; Service(Sub)category is narrowed to what a Domino charge can be: the
'AI and Machine Learning' category and its own subcategories (which keeps the pair consistent)."""

NULL_OR_VALUE: dict[str, str] = {"ChargeClass": "Correction"}
"""Columns that are null or hold this one value."""
