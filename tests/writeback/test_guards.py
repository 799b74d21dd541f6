"""Guard rails and failures: drift, the change limit, retiring a tag in use, a non-admin write key, a
failure halfway and its resumption, a write whose answer is lost, a server that does not do what it
says, a change undone before the final verification, an apply killed mid-write, an altered plan file."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter

import httpx

from pipeline.simulator.http.faults import STALL_SECONDS
from tests.writeback.conftest import EXAMPLE, Billing, audit_signature, event_signature

RETIRE_IN_USE = """\
version: 1
billing_tags:
  retire: [CC-1004]
budgets:
  defaults: {Project: 321}
"""


def test_drift_between_plan_and_apply_is_refused(billing: Billing) -> None:
    code, plan = billing.plan()
    assert code == 0
    with billing.http() as api:  # someone changes a planned object in the meantime
        assert api.put("/v4/cost/budgets/defaults/Project", json={"limit": 777}).status_code == 200
    events = billing.audit_count()
    code, result = billing.apply(plan["hash"], "--yes")
    assert code == 4 and result["outcome"] == "refused"
    assert any("drift" in p for p in result["problems"])
    assert any("default Project budget" in p and "777" in p for p in result["problems"])
    assert billing.audit_count() == events and billing.log_rows() == []


def test_change_limit_refuses_before_writing(billing: Billing) -> None:
    code, plan = billing.plan()
    events = billing.audit_count()
    code, result = billing.apply(plan["hash"], "--yes", "--max-changes", "3")
    assert code == 4 and f"{len(plan['changes'])} changes exceed the limit of 3" in result["problems"][0]
    assert billing.audit_count() == events and billing.log_rows() == []


def test_retiring_a_tag_in_use_needs_the_explicit_flag(billing: Billing) -> None:
    users = [
        p["name"]
        for p in billing.world.collections["projects"].values()
        if p.get("billingTag") == {"tag": "CC-1004"}
    ]
    assert users, "the world has projects on CC-1004"
    code, plan = billing.plan(billing.config(RETIRE_IN_USE))
    retire = next(c for c in plan["changes"] if c["kind"] == "billing_tag")
    assert retire["action"] == "retire" and plan["changes"][-1] == retire  # retired last
    assert sorted(label.split("/")[1] for label in retire["in_use"]) == sorted(users)
    events = billing.audit_count()
    code, result = billing.apply(plan["hash"], "--yes", "--no-refresh")
    assert (
        code == 4
        and "still used by" in result["problems"][0]
        and "--allow-retire-in-use" in result["problems"][0]
    )
    assert billing.audit_count() == events
    code, result = billing.apply(plan["hash"], "--yes", "--no-refresh", "--allow-retire-in-use")
    assert code == 0 and billing.world.collections["billing_tags"]["CC-1004"]["active"] is False


def test_a_non_admin_write_key_gets_a_clear_403_and_nothing_changes(billing: Billing) -> None:
    code, plan = billing.plan()
    billing.monkeypatch.setenv("DOMINO_ADMIN_API_KEY", billing.sim.user_key)
    events = billing.audit_count()
    code, result = billing.apply(plan["hash"], "--yes")
    assert code == 1 and result["outcome"] == "failed"
    user = billing.world.collections["users"][billing.world.regular_user_id]
    assert result["identity"] == f"{user['userName']} ({user['id']}) via DOMINO_ADMIN_API_KEY"
    (problem,) = result["problems"]
    assert "HTTP 403" in problem and "requires the SysAdmin role" in problem
    (row,) = billing.log_rows()
    assert (row["http_status"], row["outcome"], row["identity_name"]) == (403, "failed", user["userName"])
    assert row["request_id"]  # Domino's requestId of the refusal
    assert billing.audit_count() == events
    billing.monkeypatch.delenv("DOMINO_ADMIN_API_KEY")
    assert billing.plan()[1]["hash"] == plan["hash"]  # the live state is exactly as before


def test_a_failure_halfway_leaves_an_exact_log_and_a_rerun_completes_the_rest(billing: Billing) -> None:
    code, plan = billing.plan()
    changes = plan["changes"]
    events = billing.audit_count()
    billing.arm_writes(skip=4, count=1000, status=503)  # the 5th write and all after it fail
    code, first = billing.apply(plan["hash"], "--yes", "--no-refresh")
    assert code == 1 and first["outcome"] == "failed"
    assert first["applied"] == [c["id"] for c in changes[:4]]
    assert first["pending"] == [c["id"] for c in changes[4:]]
    rows = billing.log_rows()
    assert [(r["change_id"], r["attempt"], r["outcome"], r["http_status"]) for r in rows] == [
        *[(c["id"], 1, "applied", 200) for c in changes[:4]],
        *[(changes[4]["id"], n, "not_applied", 503) for n in (1, 2, 3)],
    ]
    assert [r["verified"] for r in rows] == [True] * 4 + [None] * 3
    assert billing.audit_count() == events + 4

    billing.arm_writes(count=0)
    code, second = billing.apply(plan["hash"], "--yes", "--no-refresh")
    assert code == 0 and second["outcome"] == "applied"
    assert second["already"] == [c["id"] for c in changes[:4]]
    assert second["applied"] == [c["id"] for c in changes[4:]]
    rerun = [r for r in billing.log_rows() if r["apply_id"] != rows[0]["apply_id"]]
    assert [r["change_id"] for r in rerun] == [c["id"] for c in changes[4:]]
    new_events = billing.newest_events(billing.audit_count() - events)
    assert Counter(map(event_signature, new_events)) == Counter(map(audit_signature, changes))  # each once


def test_a_write_that_landed_but_lost_its_answer_is_not_sent_again(billing: Billing) -> None:
    code, plan = billing.plan(billing.config("version: 1\nbilling_tags: {ensure: [NEW-1]}\n"))
    billing.arm_writes(count=1, mode="apply_then_drop")
    code, result = billing.apply(plan["hash"], "--yes", "--no-refresh")
    assert code == 0 and result["applied"] == ["billing_tag:NEW-1"]
    (row,) = billing.log_rows()
    assert row["http_status"] is None and row["outcome"] == "applied" and row["verified"] is True
    assert "no response" in row["error"]
    with billing.http() as api:
        created = api.get("/auditevents", params={"event": "Create Billing Tag", "targetName": "NEW-1"})
    assert len(created.json()["events"]) == 1


def test_a_write_domino_acknowledges_without_doing_fails_verification(billing: Billing) -> None:
    code, plan = billing.plan(billing.config("version: 1\nbudgets: {defaults: {Project: 42}}\n"))
    billing.arm_writes(count=1, mode="ignore")
    code, result = billing.apply(plan["hash"], "--yes", "--no-refresh")
    assert code == 1 and result["outcome"] == "failed"
    live = billing.world.budgets.defaults["Project"]["limit"]
    assert f"Domino answered 200 but the object now reads {live!r}, not 42.0" in result["problems"][0]
    (row,) = billing.log_rows()
    assert (row["http_status"], row["outcome"], row["verified"]) == (200, "failed", None)


def test_an_altered_or_unknown_plan_is_refused(billing: Billing) -> None:
    code, plan = billing.plan()
    assert code == 0
    path = billing.plans / f"{plan['hash']}.json"
    path.write_text(path.read_text().replace('"limit": 500.0', '"limit": 50000.0'))
    result = billing.cli("apply", "--plan", plan["hash"], "--yes")
    assert result.exit_code == 1 and "was altered after it was saved" in result.output
    assert billing.cli("apply", "--plan", "0123456789abcdef").exit_code == 1
    assert billing.cli("apply", "--plan", "nothex").exit_code == 1
    assert EXAMPLE.exists()


def test_a_change_undone_before_the_final_check_fails_verification(billing: Billing) -> None:
    """Another admin reverts the first change while the second one waits to be retried: each write's own
    re-read matched, so only the final verification can see it, and it must fail the apply, not hide."""
    from pipeline.domino import DominoClient, DominoSettings
    from pipeline.warehouse import Warehouse
    from pipeline.writeback.apply import Guards, Outcome, apply_plan
    from pipeline.writeback.log import WritebackLog
    from pipeline.writeback.objects import request_for
    from pipeline.writeback.plan import load_plan

    _, saved = billing.plan(
        billing.config("version: 1\nbudgets: {defaults: {Project: 42, Organization: 43}}\n")
    )
    plan = load_plan(saved["hash"], billing.plans)
    first, second = plan.changes
    billing.arm_writes(skip=1, count=1, status=503)  # the second write fails once and is retried

    def another_admin_reverts_the_first_change(_: float) -> None:
        method, path, body = request_for(first.kind, first.key, first.after, first.before)
        with billing.http() as api:
            api.request(method, path, json=body).raise_for_status()

    settings = DominoSettings.from_env()
    with DominoClient(settings) as read, DominoClient(settings) as write:
        result = apply_plan(
            plan,
            read_client=read,
            write_client=write,
            credential=billing.sim.admin_key,
            log=WritebackLog(Warehouse(billing.duckdb_path)),
            guards=Guards(),
            yes=True,
            sleep=another_admin_reverts_the_first_change,
        )
    assert result.outcome == Outcome.FAILED
    assert result.applied == [first.id, second.id]
    assert result.verified == {first.id: False, second.id: True}
    assert any(p.startswith(f"verification failed for {first.name}") for p in result.problems)
    verified = {(r["change_id"], r["attempt"]): r["verified"] for r in billing.log_rows()}
    assert verified == {(first.id, 1): False, (second.id, 1): None, (second.id, 2): True}


def test_an_apply_killed_while_a_write_is_in_flight_leaves_it_sent_and_a_rerun_does_not_resend_it(
    billing: Billing,
) -> None:
    """`kill -9` while Domino holds the second write: the log keeps that write as `sent` (no answer), the
    write still lands server-side, and the rerun sees it done instead of sending it twice."""
    _, plan = billing.plan()
    changes = plan["changes"]
    events = billing.audit_count()
    billing.arm_writes(skip=1, count=1, mode="stall")
    command = [sys.executable, "-m", "pipeline.cli", "billing", "apply", "--plan", plan["hash"], "--yes"]
    apply = subprocess.Popen([*command, "--no-refresh"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while httpx.get(f"{billing.sim.base_url}/__sim/faults/writes").json()["injected"] == 0:
            assert apply.poll() is None, apply.stderr.read().decode() if apply.stderr else apply.returncode
            assert time.monotonic() < deadline, "the second write never reached the simulator"
            time.sleep(0.05)
    finally:
        apply.kill()
        apply.wait()
    deadline = time.monotonic() + STALL_SECONDS + 30
    while billing.audit_count() < events + 2:  # the held write takes effect after its client is gone
        assert time.monotonic() < deadline, "the held write never took effect"
        time.sleep(0.1)

    rows = billing.log_rows()
    assert [(r["change_id"], r["outcome"], r["http_status"]) for r in rows] == [
        (changes[0]["id"], "applied", 200),
        (changes[1]["id"], "sent", None),
    ]
    code, rerun = billing.apply(plan["hash"], "--yes", "--no-refresh")
    assert code == 0 and rerun["outcome"] == "applied"
    assert rerun["already"] == [c["id"] for c in changes[:2]]
    assert rerun["applied"] == [c["id"] for c in changes[2:]]
    new_events = billing.newest_events(billing.audit_count() - events)
    assert Counter(map(event_signature, new_events)) == Counter(map(audit_signature, changes))  # each once
