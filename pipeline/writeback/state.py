"""The live state write-back plans against, read from Domino itself (never from a possibly stale table)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pipeline.domino import CATALOGUE, DominoApiError, DominoClient
from pipeline.writeback import objects
from pipeline.writeback.objects import BUDGETS, SETTINGS, TAGS


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    owner_id: str
    owner_username: str
    tag: str | None

    @property
    def label(self) -> str:
        return f"{self.owner_username}/{self.name}"


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    member_ids: frozenset[str]


@dataclass
class LiveState:
    """Everything a plan compares against, as `objects` values."""

    tags: dict[str, str | None]
    """Tag name → "active"/"inactive"/None, for active tags and every tag the config names."""
    tag_ids: dict[str, str]
    settings: dict
    projects: dict[str, Project]
    organizations: dict[str, Organization]
    budget_defaults: dict[str, float | None]
    budget_overrides: dict[str, dict]
    alerts: dict
    host: str = ""
    notes: list[str] = field(default_factory=list)

    def value(self, kind: str, key: str) -> Any:
        """The live value of one object, as `objects.read_one` would return it."""
        if kind == "billing_tag":
            return self.tags.get(key)
        if kind == "settings":
            return self.settings
        if kind == "project_tag":
            return self.projects[key].tag
        if kind == "budget_default":
            return self.budget_defaults.get(key)
        if kind == "budget_override":
            return self.budget_overrides.get(key)
        if kind == "alerts":
            return self.alerts
        raise ValueError(f"unknown object kind {kind!r}")

    def organizations_of(self, project: Project) -> list[Organization]:
        """The organization owning the project, else those its owner belongs to."""
        owning = self.organizations.get(project.owner_id)
        if owning is not None:
            return [owning]
        return [o for o in self.organizations.values() if project.owner_id in o.member_ids]


def _records(client: DominoClient, name: str) -> Iterable[dict]:
    for page in client.iter_pages(CATALOGUE[name]):
        yield from page.records


def read_state(client: DominoClient, named_tags: Iterable[str] = ()) -> LiveState:
    """One consistent read of everything write-back manages (a few requests plus one per named tag)."""
    active = client.get_json(TAGS).get("billingTags") or []
    tags: dict[str, str | None] = {t["tag"]: "active" for t in active if isinstance(t, dict) and t.get("tag")}
    tag_ids: dict[str, str] = {}
    for name in sorted(set(named_tags) | set(tags)):
        try:
            body = client.get_json(f"{TAGS}/{quote(name, safe='')}")
        except DominoApiError as exc:
            if exc.status != 404:
                raise
            tags[name] = None
            continue
        tags[name] = objects.tag_value(body)
        tag_id = (body.get("billingTag") or {}).get("tagId")
        if tag_id:
            tag_ids[name] = tag_id
    projects = {
        r["id"]: Project(
            r["id"],
            r.get("name", ""),
            r.get("ownerId", ""),
            r.get("ownerUsername") or r.get("ownerId", ""),
            (r.get("billingTag") or {}).get("tag") or None,
        )
        for r in _records(client, "projects")
    }
    organizations = {
        r["id"]: Organization(
            r["id"], r.get("name", ""), frozenset(m.get("userId") for m in r.get("members") or [])
        )
        for r in _records(client, "organizations")
    }
    defaults = objects.budget_default_limits(client.get_json(f"{BUDGETS}/defaults"))
    overrides = {o["labelId"]: objects.override_value(o) for o in client.get_json(f"{BUDGETS}/overrides")}
    return LiveState(
        tags=tags,
        tag_ids=tag_ids,
        settings=objects.settings_value(client.get_json(SETTINGS)),
        projects=projects,
        organizations=organizations,
        budget_defaults=defaults,
        budget_overrides=overrides,  # type: ignore[arg-type]
        alerts=objects.alerts_value(client.get_json(f"{BUDGETS}/global/alertsSettings")),
        host=client.settings.base_url,
    )
