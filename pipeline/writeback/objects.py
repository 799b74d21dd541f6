"""The Domino objects write-back manages: how each is read (one at a time), and which request changes it.

Every object has a kind and a key, and a JSON value that both the plan's full read and a single re-read
produce identically, so 'before', 'after' and 'live now' compare with `==`:

| kind | key | value |
|---|---|---|
| billing_tag | tag name | "active", "inactive", or None (absent) |
| settings | "billing_tags" | {"mode": "Required"/"Optional"/"Disabled", "notifications": bool} |
| project_tag | project id | tag name or None |
| budget_default | BillingTag/Organization/Project | limit or None |
| budget_override | labelId | {"budgetLabel", "limit"} or None |
| alerts | "budgets" | {"alertsEnabled", "notifyOrgOwner", "alertTargets": [{label, emails}] by label} |
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pipeline.domino import DominoApiError, DominoClient

TAGS = "/api/cost/v1/billingtags"
SETTINGS = "/api/cost/v1/billingtagSettings"
BUDGETS = "/v4/cost/budgets"
MODES = ("Required", "Optional", "Disabled")
Request = tuple[str, str, Any]
"""(method, path, JSON body or None)."""


def canonical_mode(value: Any) -> Any:
    """Domino sends `required` or `Required` depending on version: compare in one casing."""
    for mode in MODES:
        if isinstance(value, str) and value.lower() == mode.lower():
            return mode
    return value


def settings_value(body: dict) -> dict:
    return {"mode": canonical_mode(body.get("mode")), "notifications": body.get("notifications")}


def tag_value(body: dict | None) -> str | None:
    """`{"billingTag": {...}}` (by name) → "active"/"inactive"."""
    if not body:
        return None
    tag = body.get("billingTag", body)
    return "active" if tag.get("active", True) else "inactive"


def override_value(item: dict | None) -> dict | None:
    if item is None:
        return None
    return {"budgetLabel": item.get("budgetLabel"), "limit": _number(item.get("limit"))}


def alerts_value(body: dict) -> dict:
    targets = [
        {"label": t.get("label"), "emails": list(t.get("emails") or [])}
        for t in body.get("alertTargets") or []
        if isinstance(t, dict)
    ]
    return {
        "alertsEnabled": body.get("alertsEnabled"),
        "notifyOrgOwner": body.get("notifyOrgOwner"),
        "alertTargets": sorted(targets, key=lambda t: str(t["label"])),
    }


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def budget_default_limits(body: Any) -> dict[str, float | None]:
    """`GET /v4/cost/budgets/defaults` as label type → limit (None: no limit)."""
    return {d.get("budgetLabel"): _number(d.get("limit")) for d in body}


def project_tag_value(body: Any) -> str | None:
    """`GET /v4/projects/{id}/billingtag` answers `{"tag": ...}` or null."""
    if isinstance(body, dict):
        return body.get("tag") or None
    return body or None


def read_one(client: DominoClient, kind: str, key: str) -> Any:
    """The object's live value, read on its own (after a write, and to verify)."""
    if kind == "billing_tag":
        try:
            return tag_value(client.get_json(f"{TAGS}/{quote(key, safe='')}"))
        except DominoApiError as exc:
            if exc.status == 404:
                return None
            raise
    if kind == "settings":
        return settings_value(client.get_json(SETTINGS))
    if kind == "project_tag":
        return project_tag_value(client.get_json(f"/v4/projects/{quote(key, safe='')}/billingtag"))
    if kind == "budget_default":
        return budget_default_limits(client.get_json(f"{BUDGETS}/defaults")).get(key)
    if kind == "budget_override":
        found = {o.get("labelId"): o for o in client.get_json(f"{BUDGETS}/overrides")}
        return override_value(found.get(key))
    if kind == "alerts":
        return alerts_value(client.get_json(f"{BUDGETS}/global/alertsSettings"))
    raise ValueError(f"unknown object kind {kind!r}")


def request_for(kind: str, key: str, before: Any, after: Any) -> Request:
    """The one request that turns `before` into `after` through Domino's own endpoints."""
    if kind == "billing_tag":
        if after == "active":
            return "POST", TAGS, {"billingTags": [key]}
        return "DELETE", f"{TAGS}/{quote(key, safe='')}", None
    if kind == "settings":
        if before is not None and before.get("notifications") == after["notifications"]:
            return "PUT", f"{SETTINGS}/mode", {"mode": after["mode"]}
        return "PUT", SETTINGS, {"mode": after["mode"], "notifications": after["notifications"]}
    if kind == "project_tag":
        path = f"/v4/projects/{quote(key, safe='')}/billingtag"
        return ("POST", path, {"tag": after}) if after else ("DELETE", path, None)
    if kind == "budget_default":
        body = {"budgetLabel": key, "budgetType": "Default", "limit": after, "window": "monthly"}
        return "PUT", f"{BUDGETS}/defaults/{key}", body
    if kind == "budget_override":
        path = f"{BUDGETS}/overrides/{quote(key, safe='')}"
        if after is None:
            return "DELETE", path, None
        body = {
            "limit": after["limit"],
            "labelId": key,
            "window": "monthly",
            "budgetLabel": after["budgetLabel"],
            "budgetType": "Override",
        }
        return ("POST", f"{BUDGETS}/overrides", body) if before is None else ("PUT", path, body)
    if kind == "alerts":
        return "PUT", f"{BUDGETS}/global/alertsSettings", after
    raise ValueError(f"unknown object kind {kind!r}")
