"""Budgets as python-domino's `/v4/cost/budgets/...` routes serve them: defaults, overrides, alert settings.

Limits are monthly US-dollar amounts derived from the world's own spend in its last full calendar month,
so some projects, organizations and billing tags are over budget, some just under (a forecast can cross)
and some far below. Deterministic: the same world gives the same budgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

LABELS = ("BillingTag", "Organization", "Project")
"""python-domino's `BudgetLabel` values (the path segment of `PUT /v4/cost/budgets/defaults/{label}`)."""
WINDOW = "monthly"
OVERRIDE_FACTORS = (0.6, 0.95, 1.1, 2.0)
"""An override's limit as a share of last month's spend: two over budget, one just under, one far under."""


@dataclass
class Budgets:
    """The mutable budget state the HTTP layer reads and writes (dicts in the served shape)."""

    defaults: dict[str, dict]
    overrides: dict[str, dict]
    alerts_settings: dict
    month: tuple[str, str] = ("", "")
    """The [start, end) month the limits were derived from (ISO dates), for tests and docs."""
    spend: dict[str, float] = field(default_factory=dict)
    """Last month's spend per overridden labelId, for tests."""


def last_full_month(end: datetime) -> tuple[datetime, datetime]:
    """The last calendar month that ends on or before `end` (midnight UTC)."""
    month_end = end.replace(day=1)
    month_start = (month_end - timedelta(days=1)).replace(day=1)
    return month_start, month_end


def budget(label: str, limit: float | None, label_id: str | None = None) -> dict:
    """One budget record: `labelId` only on overrides, `limit` null when no default is assigned."""
    record: dict = {"budgetLabel": label, "budgetType": "Override" if label_id else "Default"}
    if label_id:
        record["labelId"] = label_id
    record.update({"limit": limit, "window": WINDOW})
    return record


def _money(value: float) -> float:
    """A limit an admin would type: whole dollars above 100, cents below."""
    return float(round(value)) if value >= 100 else round(value, 2)


def _pick(spend: Mapping[str, float], every: int) -> list[tuple[str, float]]:
    """Every `every`-th entity with spend, in a stable order (largest spenders first)."""
    ranked = sorted(((k, v) for k, v in spend.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    return ranked[::every]


def build_budgets(
    project_spend: Mapping[str, float],
    org_spend: Mapping[str, float],
    tag_spend: Mapping[str, float],
    month: tuple[datetime, datetime],
) -> Budgets:
    """Defaults for Project and Organization (BillingTag left unassigned), overrides cycling through
    `OVERRIDE_FACTORS` for every third project, the top two organizations and every other billing tag."""
    ordered_projects = sorted(project_spend.values())
    median = ordered_projects[len(ordered_projects) // 2] if ordered_projects else 100.0
    org_values = sorted(org_spend.values())
    org_median = org_values[len(org_values) // 2] if org_values else 1000.0
    defaults = {
        "BillingTag": budget("BillingTag", None),
        "Organization": budget("Organization", _money(max(org_median * 1.25, 1.0))),
        "Project": budget("Project", _money(max(median * 1.5, 1.0))),
    }
    overrides: dict[str, dict] = {}
    spend: dict[str, float] = {}
    chosen = [
        ("Project", _pick(project_spend, 3)),
        ("Organization", _pick(org_spend, 1)[:2]),
        ("BillingTag", _pick(tag_spend, 2)),
    ]
    k = 0
    for label, entities in chosen:
        for label_id, amount in entities:
            factor = OVERRIDE_FACTORS[k % len(OVERRIDE_FACTORS)]
            overrides[label_id] = budget(label, _money(max(amount * factor, 0.01)), label_id)
            spend[label_id] = round(amount, 6)
            k += 1
    alerts = {
        "alertsEnabled": True,
        "notifyOrgOwner": False,
        "alertTargets": [
            {"label": "Project", "emails": ["finops@example.com"]},
            {"label": "Organization", "emails": []},
            {"label": "BillingTag", "emails": []},
        ],
    }
    iso = (month[0].date().isoformat(), month[1].date().isoformat())
    return Budgets(defaults, overrides, alerts, iso, spend)
