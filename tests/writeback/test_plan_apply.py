"""Plan → apply → verify → log against the simulator over real HTTP, with a real DuckDB file."""

from __future__ import annotations

import hashlib
from collections import Counter

from tests.writeback.conftest import Billing, audit_signature, event_signature


def expected_example_changes(billing: Billing) -> dict[str, tuple]:
    """What config/billing.yaml must change on a fresh small world, derived from the world itself."""
    world = billing.world
    projects = world.collections["projects"]
    orgs = {o["id"]: o["name"] for o in world.collections["organizations"].values()}
    expected: dict[str, tuple] = {
        f"billing_tag:{t}": ("create", None, "active") for t in ("FIN-2027", "RISK-2027")
    }
    expected["billing_tag:SHARED-PLATFORM"] = ("create", None, "active")
    by_name = {p["name"]: p for p in projects.values()}
    for name in ("pricing-3", "demand-8"):
        project = by_name[name]
        expected[f"project_tag:{project['id']}"] = ("retag", project["billingTag"]["tag"], "RISK-2027")
    defaults = {"finance": "FIN-2027", "risk": "RISK-2027"}
    for project in projects.values():
        org = orgs.get(world.project_org.get(project["id"], ""))
        if not project.get("billingTag") and org in defaults:
            expected[f"project_tag:{project['id']}"] = ("tag", None, defaults[org])
    budgets = world.budgets
    for label, limit in {"Project": 500.0, "Organization": 5000.0, "BillingTag": 2500.0}.items():
        expected[f"budget_default:{label}"] = ("set", budgets.defaults[label]["limit"], limit)
    churn = by_name["churn-0"]["id"]
    finance = next(i for i, n in orgs.items() if n == "finance")
    cc1001 = world.collections["billing_tags"]["CC-1001"]["tagId"]
    for label_id, label, limit in (
        (churn, "Project", 1500.0),
        (finance, "Organization", 8000.0),
        (cc1001, "BillingTag", 3000.0),
    ):
        live = budgets.overrides.get(label_id)
        before = {"budgetLabel": label, "limit": live["limit"]} if live else None
        expected[f"budget_override:{label_id}"] = (
            "update" if live else "create",
            before,
            {"budgetLabel": label, "limit": limit},
        )
    expected["alerts:budgets"] = ("update",)
    return expected


def test_example_plan_apply_verify_reread_and_idempotence(billing: Billing) -> None:
    expected = expected_example_changes(billing)
    code, plan = billing.plan()
    assert code == 0
    got = {c["id"]: (c["action"], c["before"], c["after"]) for c in plan["changes"]}
    assert got.pop("alerts:budgets")[2]["alertTargets"][0] == {
        "label": "BillingTag",
        "emails": ["finops@example.com"],
    }
    expected.pop("alerts:budgets")
    assert got == expected
    saved = billing.plans / f"{plan['hash']}.json"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == plan["hash"]

    events_before = billing.audit_count()
    code, dry = billing.apply(plan["hash"][:12])
    assert code == 5 and dry["outcome"] == "dry_run" and len(dry["pending"]) == len(plan["changes"])
    assert billing.audit_count() == events_before and billing.log_rows() == []

    code, result = billing.apply(plan["hash"], "--yes")
    assert code == 0, result
    assert result["outcome"] == "applied" and len(result["applied"]) == len(plan["changes"])
    assert all(result["verified"].values()) and len(result["verified"]) == len(plan["changes"])
    admin = billing.world.collections["users"][billing.world.admin_user_id]
    assert result["identity"] == f"{admin['userName']} ({admin['id']}) via read credential"
    rows = billing.log_rows()
    assert [r["change_id"] for r in rows] == [c["id"] for c in plan["changes"]]
    assert all(r["outcome"] == "applied" and r["verified"] and r["attempt"] == 1 for r in rows)
    assert all(r["http_status"] == 200 and r["identity_name"] == admin["userName"] for r in rows)
    assert {r["plan_hash"] for r in rows} == {plan["hash"]}

    # the simulator's audit trail shows each change exactly once, by the admin
    new_events = billing.newest_events(billing.audit_count() - events_before)
    assert len(new_events) == len(plan["changes"])
    assert Counter(map(event_signature, new_events)) == Counter(map(audit_signature, plan["changes"]))
    assert {e["actor"]["id"] for e in new_events} == {admin["id"]}

    # the re-materialised inventory tables already show the new state (the CLI refreshed them)
    assert result["refreshed_tables"] == [
        "billing_tags",
        "budget_alerts_settings",
        "budget_defaults",
        "budget_overrides",
        "projects",
    ]
    tags = dict(billing.sql("SELECT id, billing_tag FROM raw.projects"))
    for change in plan["changes"]:
        if change["kind"] == "project_tag":
            assert tags[change["key"]] == change["after"]
    assert {"FIN-2027", "RISK-2027", "SHARED-PLATFORM"} <= {
        t for (t,) in billing.sql("SELECT tag FROM raw.billing_tags")
    }
    assert dict(billing.sql("SELECT budget_label, budget_limit FROM raw.budget_defaults")) == {
        "Project": 500.0,
        "Organization": 5000.0,
        "BillingTag": 2500.0,
    }
    overrides = dict(billing.sql("SELECT label_id, budget_limit FROM raw.budget_overrides"))
    for change in plan["changes"]:
        if change["kind"] == "budget_override":
            assert overrides[change["key"]] == change["after"]["limit"]
    assert billing.sql("SELECT notify_org_owner FROM raw.budget_alerts_settings") == [(True,)]

    # a second plan is empty; applying the same plan again is a no-op
    code, again = billing.plan()
    assert code == 3 and again["changes"] == []
    events_after = billing.audit_count()
    code, twice = billing.apply(plan["hash"], "--yes")
    assert code == 3 and twice["outcome"] == "no_changes" and len(twice["already"]) == len(plan["changes"])
    assert billing.audit_count() == events_after and len(billing.log_rows()) == len(rows)


def test_human_output_is_a_table_with_the_hash(billing: Billing) -> None:
    result = billing.cli("plan")
    assert result.exit_code == 0
    assert "before → after" in result.stdout and "CC-1005 → RISK-2027" in result.stdout
    assert "plan hash: " in result.stdout
    plan_hash = result.stdout.split("plan hash: ")[1].split()[0]
    dry = billing.cli("apply", "--plan", plan_hash)
    assert dry.exit_code == 5 and "dry run" in dry.stdout


def test_settings_mode_in_any_casing_through_both_endpoints(billing: Billing) -> None:
    code, plan = billing.plan(billing.config("version: 1\nsettings: {mode: optional}\n"))
    assert code == 0
    (change,) = plan["changes"]
    assert (change["method"], change["path"], change["body"]) == (
        "PUT",
        "/api/cost/v1/billingtagSettings/mode",
        {"mode": "Optional"},
    )
    assert billing.apply(plan["hash"], "--yes", "--no-refresh")[0] == 0
    code, plan = billing.plan(
        billing.config("version: 1\nsettings: {mode: OPTIONAL, notifications: false}\n")
    )
    (change,) = plan["changes"]
    assert change["path"] == "/api/cost/v1/billingtagSettings"
    assert change["body"] == {"mode": "Optional", "notifications": False}
    assert billing.apply(plan["hash"], "--yes", "--no-refresh")[0] == 0
    assert billing.world.billing_tag_settings == {"mode": "Optional", "notifications": False}
    assert billing.plan(billing.config("version: 1\nsettings: {mode: OPTIONAL}\n"))[0] == 3
