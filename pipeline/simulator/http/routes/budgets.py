"""Budgets, as python-domino calls them (`/v4/cost/budgets/...`): defaults per label, overrides per
labelId, global alert settings. Admin-only; bodies are bare JSON (lists and objects); every change is
recorded in the audit trail like the billing-tag writes.

Shapes follow python-domino's client and finops tests (domino-api-shapes.md §3.9): a budget is
`{"budgetLabel", "budgetType": "Default"|"Override", "labelId" (overrides), "limit", "window": "monthly"}`.
What a real Domino does with a duplicate POST is not documented: the simulator answers 409 (update is PUT).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pipeline.simulator.http.errors import ApiError, bad_request, conflict
from pipeline.simulator.http.routes._common import entity, record, scalar_change
from pipeline.simulator.http.routing import Area, Ctx
from pipeline.simulator.world.budgets import LABELS, WINDOW, budget

area = Area("cost", admin=True, error_style="error")

BASE = "/v4/cost/budgets"


def _label(value: Any, field: str) -> str:
    """A `BudgetLabel` in its canonical casing (any casing accepted)."""
    for label in LABELS:
        if isinstance(value, str) and value.lower() == label.lower():
            return label
    raise bad_request(f"{field!r} must be one of {list(LABELS)}, got {value!r}", style="error")


def _limit(body: dict) -> float:
    value = body.get("limit")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request("'limit' is required and must be a number", style="error")
    if value < 0:
        raise bad_request(f"'limit' must not be negative, got {value}", style="error")
    return float(value)


def _check_constants(body: dict, budget_type: str) -> None:
    if body.get("budgetType", budget_type) != budget_type:
        raise bad_request(f"'budgetType' must be {budget_type!r} here", style="error")
    if str(body.get("window", WINDOW)).lower() != WINDOW:
        raise bad_request(f"'window' must be {WINDOW!r}, got {body.get('window')!r}", style="error")


def _budget_entity(label: str, label_id: str | None) -> dict:
    return entity("budget", label_id, label)


@area.route("GET", BASE + "/defaults")
async def list_defaults(ctx: Ctx) -> Response:
    """The three default budgets (one per label); `limit` is null where none is assigned."""
    return ctx.env.bare([dict(b) for b in ctx.world.budgets.defaults.values()])


@area.route("PUT", BASE + "/defaults/{budgetLabel}")
async def update_default(ctx: Ctx) -> Response:
    label = _label(ctx.params["budgetLabel"], "budgetLabel")
    body = await ctx.body()
    if "budgetLabel" in body and _label(body["budgetLabel"], "budgetLabel") != label:
        raise bad_request("'budgetLabel' in the body differs from the path", style="error")
    _check_constants(body, "Default")
    limit = _limit(body)
    current = ctx.world.budgets.defaults[label]
    before = current.get("limit")
    if before != limit:
        current["limit"] = limit
        record(
            ctx,
            "Update Default Budget",
            _budget_entity(label, None),
            changes=[scalar_change("limit", before, limit)],
            metadata={"budgetLabel": label},
        )
    return ctx.env.bare(dict(current))


@area.route("GET", BASE + "/overrides")
async def list_overrides(ctx: Ctx) -> Response:
    return ctx.env.bare([dict(b) for b in ctx.world.budgets.overrides.values()])


def _override_body(body: dict, label_id: str | None = None) -> tuple[str, str, float]:
    """(label, labelId, limit) of an override request; the path's labelId wins over a missing body one."""
    found = body.get("labelId", label_id)
    if not isinstance(found, str) or not found.strip():
        raise bad_request("'labelId' is required and must be a non-empty string", style="error")
    if label_id is not None and found != label_id:
        raise bad_request("'labelId' in the body differs from the path", style="error")
    _check_constants(body, "Override")
    return _label(body.get("budgetLabel"), "budgetLabel"), found.strip(), _limit(body)


@area.route("POST", BASE + "/overrides")
async def create_override(ctx: Ctx) -> Response:
    label, label_id, limit = _override_body(await ctx.body())
    overrides = ctx.world.budgets.overrides
    if label_id in overrides:
        raise conflict(f"a budget override for labelId {label_id!r} already exists; update it with PUT")
    overrides[label_id] = budget(label, limit, label_id)
    record(
        ctx,
        "Create Budget Override",
        _budget_entity(label, label_id),
        changes=[scalar_change("limit", None, limit)],
        metadata={"budgetLabel": label},
    )
    return ctx.env.bare(dict(overrides[label_id]))


def _existing(ctx: Ctx) -> dict:
    found = ctx.world.budgets.overrides.get(ctx.params["labelId"])
    if found is None:
        raise ApiError(404, f"no budget override for labelId {ctx.params['labelId']!r}", style="error")
    return found


@area.route("PUT", BASE + "/overrides/{labelId}")
async def update_override(ctx: Ctx) -> Response:
    current = _existing(ctx)
    label, _, limit = _override_body(await ctx.body(), ctx.params["labelId"])
    if label != current["budgetLabel"]:
        kind = current["budgetLabel"]
        raise bad_request(f"override {current['labelId']!r} is a {kind} budget, not {label}", style="error")
    before = current["limit"]
    if before != limit:
        current["limit"] = limit
        record(
            ctx,
            "Update Budget Override",
            _budget_entity(label, current["labelId"]),
            changes=[scalar_change("limit", before, limit)],
            metadata={"budgetLabel": label},
        )
    return ctx.env.bare(dict(current))


@area.route("DELETE", BASE + "/overrides/{labelId}")
async def delete_override(ctx: Ctx) -> Response:
    """Removes the override; the answer is a list of messages (python-domino returns it as a list)."""
    current = _existing(ctx)
    del ctx.world.budgets.overrides[current["labelId"]]
    record(
        ctx,
        "Delete Budget Override",
        _budget_entity(current["budgetLabel"], current["labelId"]),
        changes=[scalar_change("limit", current["limit"], None)],
        metadata={"budgetLabel": current["budgetLabel"]},
    )
    return ctx.env.bare([f"budget override {current['labelId']} deleted"])


SETTINGS = BASE + "/global/alertsSettings"


def _targets(value: Any) -> list[dict]:
    if not isinstance(value, list):
        raise bad_request("'alertTargets' must be a list of {label, emails}", style="error")
    targets, seen = [], set()
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("each alert target must be an object {label, emails}", style="error")
        label = _label(item.get("label"), "label")
        emails = item.get("emails", [])
        if not isinstance(emails, list) or not all(isinstance(e, str) and "@" in e for e in emails):
            raise bad_request(f"'emails' of the {label} target must be a list of addresses", style="error")
        if label in seen:
            raise bad_request(f"alert target {label} is listed twice", style="error")
        seen.add(label)
        targets.append({"label": label, "emails": list(emails)})
    return targets


@area.route("GET", SETTINGS)
async def get_alerts_settings(ctx: Ctx) -> Response:
    return ctx.env.bare(_copy(ctx.world.budgets.alerts_settings))


@area.route("PUT", SETTINGS)
async def put_alerts_settings(ctx: Ctx) -> Response:
    """Replaces the settings; python-domino sends the whole object it read, with its fields changed."""
    body = await ctx.body()
    current = ctx.world.budgets.alerts_settings
    updated = _copy(current)
    for key in ("alertsEnabled", "notifyOrgOwner"):
        if key in body:
            if not isinstance(body[key], bool):
                raise bad_request(f"{key!r} must be a boolean", style="error")
            updated[key] = body[key]
    if "alertTargets" in body:
        updated["alertTargets"] = _targets(body["alertTargets"])
    changes = [
        scalar_change(key, current.get(key), updated[key])
        for key in ("alertsEnabled", "notifyOrgOwner")
        if current.get(key) != updated[key]
    ]
    before = {t["label"]: t["emails"] for t in current.get("alertTargets", [])}
    for target in updated["alertTargets"]:
        if before.get(target["label"]) != target["emails"]:
            changes.append(
                scalar_change(
                    f"alertTargets.{target['label']}",
                    ",".join(before.get(target["label"]) or []),
                    ",".join(target["emails"]),
                )
            )
    if changes:
        ctx.world.budgets.alerts_settings = updated
        record(ctx, "Update Budget Alerts Settings", _budget_entity("alertsSettings", None), changes=changes)
    return ctx.env.bare(_copy(ctx.world.budgets.alerts_settings))


def _copy(settings: dict) -> dict:
    return {**settings, "alertTargets": [dict(t, emails=list(t["emails"])) for t in settings["alertTargets"]]}
