"""Case-insensitive enum parsing: Domino's enum casing differs between spec versions and servers."""

from __future__ import annotations

from collections.abc import Iterable


def normalize_enum(value: object, allowed: Iterable[str]) -> str | None:
    """Return the member of `allowed` matching `value` ignoring case (None for None); raise on unknown."""
    if value is None:
        return None
    members = {a.casefold(): a for a in allowed}
    text = str(value).strip()
    try:
        return members[text.casefold()]
    except KeyError:
        raise ValueError(f"unexpected value {text!r}; expected one of {sorted(members.values())}") from None


BILLING_TAG_MODES = ("required", "optional", "disabled")
"""The spec's casing; python-domino and live servers also send `Required`."""
BUDGET_LABELS = ("BillingTag", "Organization", "Project")
"""python-domino's `BudgetLabel`: the label types a budget applies to."""
PROJECT_VISIBILITIES = ("Public", "Searchable", "Private")
"""6.3's casing; 6.2 sent lowercase."""
JOB_STATUSES = (
    "Queued",
    "Pending",
    "Scheduled",
    "Preparing",
    "Building",
    "Pulling",
    "Running",
    "Serving",
    "Finishing",
    "StopRequested",
    "StopAndDiscardRequested",
    "Stopping",
    "Stopped",
    "Succeeded",
    "Failed",
    "Error",
    "Faulty",
)
