"""Apply exactly one saved plan: refuse on drift or past the guard rails, write, re-read, verify, log.

Each change's object is re-read live first: reading `after` means it is already done (an earlier,
interrupted apply or someone else did it; it is not written again), reading `before` means it is to do,
anything else is drift and refuses the whole plan. A write is retried by the client only when it surely
did nothing (429, or no connection); after any other failure the object is re-read before a new attempt,
so a write that landed although its answer was lost is never sent twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from pipeline.domino import DominoApiError, DominoClient
from pipeline.writeback.credentials import Identity, identify
from pipeline.writeback.log import Answer, LogRow, WritebackLog
from pipeline.writeback.objects import read_one
from pipeline.writeback.plan import Change, Plan
from pipeline.writeback.state import LiveState, read_state

MAX_ROUNDS = 3
DEFINITE_STATUSES = frozenset({400, 401, 403, 404, 409, 422})
"""Answers that mean Domino decided: re-read once to see what it decided, never send again."""


class Outcome(StrEnum):
    NO_CHANGES = "no_changes"
    APPLIED = "applied"
    DRY_RUN = "dry_run"
    REFUSED = "refused"
    FAILED = "failed"


EXIT_CODES = {
    Outcome.APPLIED: 0,
    Outcome.FAILED: 1,
    Outcome.NO_CHANGES: 3,
    Outcome.REFUSED: 4,
    Outcome.DRY_RUN: 5,
}
"""`domino-etl billing apply` exit codes (2 stays typer's usage error)."""


@dataclass(frozen=True)
class Guards:
    max_changes: int = 50
    """Refuse an apply that would write more changes than this."""
    allow_retire_in_use: bool = False
    """Retiring a tag that projects still carry needs this, explicitly."""


@dataclass
class ApplyResult:
    plan_hash: str
    outcome: Outcome
    apply_id: str
    identity: Identity | None = None
    applied: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    verified: dict[str, bool] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["outcome"] = str(self.outcome)
        data["identity"] = str(self.identity) if self.identity else None
        data["exit_code"] = self.exit_code
        return data


@dataclass
class _Attempt:
    status: int | None
    request_id: str | None
    error: str | None
    outcome: str
    now: Any


def _request_id(payload: Any) -> str | None:
    if isinstance(payload, dict):
        found = payload.get("requestId") or (payload.get("metadata") or {}).get("requestId")
        return str(found) if found else None
    return None


class _Applier:
    def __init__(
        self,
        plan: Plan,
        read: DominoClient,
        write: DominoClient,
        log: WritebackLog,
        sleep: Callable[[float], None],
    ) -> None:
        self.plan, self.read, self.write, self.log, self.sleep = plan, read, write, log, sleep
        self.result = ApplyResult(plan.hash, Outcome.NO_CHANGES, uuid.uuid4().hex)

    def refuse(self, problems: list[str]) -> ApplyResult:
        self.result.outcome = Outcome.REFUSED
        self.result.problems += problems
        return self.result

    def classify(self, state: LiveState) -> tuple[list[Change], list[str]]:
        """(changes still to do, drift problems); changes already in their `after` state are noted."""
        todo, drift = [], []
        for change in self.plan.changes:
            try:
                live = state.value(change.kind, change.key)
            except KeyError:
                drift.append(f"{change.name}: no longer exists in Domino")
                continue
            if live == change.after:
                self.result.already.append(change.id)
            elif live == change.before:
                todo.append(change)
            else:
                drift.append(
                    f"{change.name}: planned {change.before!r} → {change.after!r}, Domino now has {live!r}"
                )
        return todo, drift

    def in_use(self, todo: list[Change], state: LiveState) -> list[str]:
        final = {p.id: p.tag for p in state.projects.values()}
        final.update({c.key: c.after for c in self.plan.changes if c.kind == "project_tag"})
        problems = []
        for change in todo:
            if change.kind == "billing_tag" and change.after == "inactive":
                users = sorted(state.projects[p].label for p, tag in final.items() if tag == change.key)
                if users:
                    problems.append(
                        f"billing tag {change.key!r} is still used by {len(users)} project(s) "
                        f"({', '.join(users[:5])}{'…' if len(users) > 5 else ''}): retiring it needs "
                        "--allow-retire-in-use"
                    )
        return problems

    def attempt(self, change: Change, identity: Identity) -> bool:
        """Writes one change until a re-read shows it applied; False (and logged) when it cannot be."""
        for round_ in range(1, MAX_ROUNDS + 1):
            row = LogRow(
                self.plan.hash,
                self.result.apply_id,
                change.id,
                round_,
                identity.user_id,
                identity.user_name,
                change.kind,
                change.key,
                change.name,
                change.action,
                change.before,
                change.after,
                change.method,
                change.path,
            )
            self.log.sent(row)
            outcome = self._send(change)
            self.log.answered(row, Answer(outcome.status, outcome.request_id, outcome.outcome, outcome.error))
            if outcome.outcome == "applied":
                return True
            if outcome.outcome == "failed":
                self.result.problems.append(f"{change.name}: {outcome.error}")
                return False
            self.sleep(self.write.settings.backoff_initial_seconds * 2 ** (round_ - 1))
        self.result.problems.append(
            f"{change.name}: not applied after {MAX_ROUNDS} attempts: {outcome.error}"
        )
        return False

    def _send(self, change: Change) -> _Attempt:
        status: int | None
        try:
            response = self.write.send(change.method, change.path, json=change.body, idempotent=False)
            status, request_id, error = response.status, _request_id(response.payload), None
        except DominoApiError as exc:
            status, request_id, error = exc.status, exc.request_id, str(exc)
            if status in (401, 403):  # the credential may not do this: nothing changed, nothing to retry
                return _Attempt(status, request_id, error, "failed", None)
        now = read_one(self.read, change.kind, change.key)
        if now == change.after:
            return _Attempt(status, request_id, error, "applied", now)
        if error is None:
            mismatch = f"Domino answered {status} but the object now reads {now!r}, not {change.after!r}"
            return _Attempt(status, request_id, mismatch, "failed", now)
        if now != change.before:
            return _Attempt(status, request_id, f"{error}; the object now reads {now!r}", "failed", now)
        if status in DEFINITE_STATUSES:
            return _Attempt(status, request_id, error, "failed", now)
        return _Attempt(status, request_id, error, "not_applied", now)

    def verify(self, changes: list[Change]) -> None:
        for change in changes:
            now = read_one(self.read, change.kind, change.key)
            self.result.verified[change.id] = now == change.after
            if now != change.after:
                self.result.problems.append(
                    f"verification failed for {change.name}: expected {change.after!r}, Domino reads {now!r}"
                )
        self.log.mark_verified(
            self.result.apply_id,
            {c: ok for c, ok in self.result.verified.items() if c in self.result.applied},
        )


def apply_plan(
    plan: Plan,
    *,
    read_client: DominoClient,
    write_client: DominoClient,
    credential: str,
    log: WritebackLog,
    guards: Guards,
    yes: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> ApplyResult:
    """Apply `plan` (a dry run unless `yes`); never raises for Domino's answers, reports them instead."""
    applier = _Applier(plan, read_client, write_client, log, sleep)
    result = applier.result
    if plan.host.rstrip("/") != read_client.settings.base_url.rstrip("/"):
        return applier.refuse([f"plan {plan.hash[:12]} was made against {plan.host}, not this Domino"])
    try:
        result.identity = identify(write_client, credential)
        state = read_state(read_client, [c.key for c in plan.changes if c.kind == "billing_tag"])
    except DominoApiError as exc:
        result.outcome = Outcome.FAILED
        result.problems.append(str(exc))
        return result
    todo, drift = applier.classify(state)
    result.pending = [c.id for c in todo]
    if drift:
        return applier.refuse(["Domino changed since the plan was made (drift); plan again:", *drift])
    if not todo:
        return result
    if len(todo) > guards.max_changes:
        return applier.refuse([f"{len(todo)} changes exceed the limit of {guards.max_changes} per apply"])
    if not guards.allow_retire_in_use and (busy := applier.in_use(todo, state)):
        return applier.refuse(busy)
    if not yes:
        result.outcome = Outcome.DRY_RUN
        return result
    log.ensure()
    try:
        for change in todo:
            if not applier.attempt(change, result.identity):
                result.outcome = Outcome.FAILED
                break
            result.applied.append(change.id)
            result.pending.remove(change.id)
        applier.verify([c for c in plan.changes if c.id in result.applied or c.id in result.already])
    except DominoApiError as exc:  # a re-read failed: report it, the log holds what was sent
        result.outcome = Outcome.FAILED
        result.problems.append(str(exc))
        return result
    if result.outcome != Outcome.FAILED:
        result.outcome = Outcome.APPLIED if all(result.verified.values()) else Outcome.FAILED
    return result
