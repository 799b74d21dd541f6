"""A plan: the ordered changes that turn Domino's live state into the desired one, saved by content hash.

The file holds exactly what apply will send (method, path, body) and what each object must read before
(`before`) and after (`after`). Its name is the SHA-256 of its canonical JSON, so a plan cannot be edited
without changing its name; apply checks both.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.writeback.objects import request_for
from pipeline.writeback.resolve import Desired
from pipeline.writeback.state import LiveState

PLAN_FORMAT = 1
ORDER = (
    "billing_tag+",
    "project_tag",
    "budget_default",
    "budget_override",
    "alerts",
    "settings",
    "billing_tag-",
)
"""Create tags before projects use them; retire tags last, after projects moved off them."""


class PlanError(ValueError):
    """A plan file that is missing, ambiguous or altered."""


@dataclass(frozen=True)
class Change:
    id: str
    kind: str
    key: str
    name: str
    action: str
    before: Any
    after: Any
    reason: str
    method: str
    path: str
    body: Any = None
    in_use: tuple[str, ...] = ()
    """For a tag to retire: the projects that will still carry it after this plan."""


@dataclass(frozen=True)
class Plan:
    host: str
    config_file: str
    config_sha256: str
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()
    format: int = PLAN_FORMAT
    hash: str = field(default="", compare=False)

    def content(self) -> dict:
        data = asdict(self)
        data.pop("hash")
        return data

    def canonical(self) -> bytes:
        return orjson.dumps(self.content(), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)

    def sealed(self) -> Plan:
        digest = hashlib.sha256(self.canonical()).hexdigest()
        return Plan(
            self.host, self.config_file, self.config_sha256, self.changes, self.notes, self.format, digest
        )


def _action(kind: str, before: Any, after: Any) -> str:
    if kind == "billing_tag":
        if after == "active":
            return "create" if before is None else "reactivate"
        return "retire"
    if kind == "project_tag":
        return "tag" if before is None else ("untag" if after is None else "retag")
    if kind == "budget_override":
        return "create" if before is None else ("delete" if after is None else "update")
    return "set" if kind == "budget_default" else "update"


def _rank(kind: str, after: Any) -> int:
    if kind == "billing_tag":
        return ORDER.index("billing_tag+" if after == "active" else "billing_tag-")
    return ORDER.index(kind)


def make_plan(desired: Desired, state: LiveState, config_file: str, config_bytes: bytes) -> Plan:
    """Every object whose desired value differs from its live value becomes one change, in apply order."""
    changes = []
    for (kind, key), after in desired.values.items():
        before = state.value(kind, key)
        if before == after:
            continue
        method, path, body = request_for(kind, key, before, after)
        changes.append(
            Change(
                id=f"{kind}:{key}",
                kind=kind,
                key=key,
                name=desired.names[(kind, key)],
                action=_action(kind, before, after),
                before=before,
                after=after,
                reason=desired.reasons[(kind, key)],
                method=method,
                path=path,
                body=body,
            )
        )
    changes.sort(key=lambda c: (_rank(c.kind, c.after), c.kind, c.name, c.key))
    changes = [_with_usage(c, desired, state) for c in changes]
    return Plan(
        host=state.host,
        config_file=config_file,
        config_sha256=hashlib.sha256(config_bytes).hexdigest(),
        changes=tuple(changes),
        notes=tuple(desired.notes),
    ).sealed()


def projects_keeping(tag: str, desired: Desired, state: LiveState) -> list[str]:
    """Projects that carry `tag` once the desired project tags are in place."""
    keep = []
    for project in state.projects.values():
        final = desired.values.get(("project_tag", project.id), project.tag)
        if final == tag:
            keep.append(project.label)
    return sorted(keep)


def _with_usage(change: Change, desired: Desired, state: LiveState) -> Change:
    if change.kind != "billing_tag" or change.after != "inactive":
        return change
    users = tuple(projects_keeping(change.key, desired, state))
    return Change(**{**asdict(change), "in_use": users}) if users else change


# --- files ---------------------------------------------------------------------------------------------
def save_plan(plan: Plan, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{plan.hash}.json"
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(plan.canonical())
        tmp.replace(target)
    return target


def _from_content(data: dict, digest: str) -> Plan:
    changes = tuple(Change(**{**c, "in_use": tuple(c.get("in_use") or ())}) for c in data["changes"])
    return Plan(
        data["host"],
        data["config_file"],
        data["config_sha256"],
        changes,
        tuple(data.get("notes") or ()),
        data.get("format", PLAN_FORMAT),
        digest,
    )


def load_plan(reference: str, directory: Path) -> Plan:
    """The saved plan whose hash is (or starts with, at least 8 characters) `reference`."""
    ref = reference.strip().lower()
    if len(ref) < 8 or not all(ch in "0123456789abcdef" for ch in ref):
        raise PlanError(f"a plan is named by its hash (at least 8 hex characters), got {reference!r}")
    found = sorted(directory.glob(f"{ref}*.json")) if directory.is_dir() else []
    if not found:
        raise PlanError(f"no saved plan {reference!r} in {directory}")
    if len(found) > 1:
        raise PlanError(f"plan prefix {reference!r} is ambiguous: {[p.stem for p in found]}")
    raw = found[0].read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != found[0].stem:
        raise PlanError(f"plan file {found[0].name} was altered after it was saved (its hash is {digest})")
    data = orjson.loads(raw)
    if data.get("format") != PLAN_FORMAT:
        raise PlanError(f"plan {found[0].stem} has format {data.get('format')!r}; expected {PLAN_FORMAT}")
    return _from_content(data, digest)
