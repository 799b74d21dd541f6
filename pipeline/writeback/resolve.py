"""Turn the desired-state file into a desired value per Domino object, against the live state.

This is where names become ids and rules become assignments. What only the live state can reveal (an
unknown project, a rule matching nothing, a project matched by two rules) is a `ConfigError` naming the
file and line of the entry at fault, like the schema errors.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.writeback.config import DesiredState, Override, Rule
from pipeline.writeback.objects import alerts_value
from pipeline.writeback.source import ConfigError, Located
from pipeline.writeback.state import LiveState, Project

ObjectKey = tuple[str, str]
TableReader = Callable[[str], set[str]]
"""`read_table("reporting.untagged_spend")` → the distinct `project_id`s of that DuckDB table."""
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


@dataclass
class Desired:
    """The value each managed object must have, with a readable name and why."""

    values: dict[ObjectKey, Any] = field(default_factory=dict)
    names: dict[ObjectKey, str] = field(default_factory=dict)
    reasons: dict[ObjectKey, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def want(self, obj: ObjectKey, value: Any, name: str, reason: str) -> None:
        self.values[obj] = value
        self.names[obj] = name
        self.reasons[obj] = reason


class _Resolver:
    def __init__(self, config: DesiredState, located: Located, state: LiveState, read_table: TableReader):
        self.config, self.located, self.state, self.read_table = config, located, state, read_table
        self.problems: list[str] = []
        self.desired = Desired()

    def fail(self, path: tuple, message: str) -> None:
        self.problems.append(f"{self.located.where(path)}: {message}")

    # --- lookups ---------------------------------------------------------------------------------
    def project(self, ref: str, path: tuple) -> Project | None:
        projects = self.state.projects
        if OBJECT_ID.match(ref) and ref in projects:
            return projects[ref]
        if "/" in ref:
            found = [p for p in projects.values() if p.label == ref]
        else:
            found = [p for p in projects.values() if p.name == ref]
        if len(found) == 1:
            return found[0]
        if not found:
            self.fail(path, f"no project {ref!r} in Domino (use its id, owner/name or a unique name)")
        else:
            self.fail(path, f"project name {ref!r} is ambiguous: use owner/name ({[p.label for p in found]})")
        return None

    def organization_id(self, ref: str, path: tuple) -> str | None:
        for org in self.state.organizations.values():
            if ref in (org.id, org.name):
                return org.id
        self.fail(path, f"no organization {ref!r} in Domino")
        return None

    def usable_tags(self) -> set[str]:
        tags = self.config.billing_tags
        live = {name for name, status in self.state.tags.items() if status == "active"}
        return (live - set(tags.retire)) | set(tags.ensure)

    # --- sections --------------------------------------------------------------------------------
    def billing_tags(self) -> None:
        for name in self.config.billing_tags.ensure:
            self.desired.want(("billing_tag", name), "active", name, "billing_tags.ensure")
        for name in self.config.billing_tags.retire:
            if self.state.tags.get(name) is None:
                self.desired.notes.append(f"billing tag {name!r} to retire does not exist: nothing to do")
                continue
            self.desired.want(("billing_tag", name), "inactive", name, "billing_tags.retire")

    def settings(self) -> None:
        wanted = self.config.settings
        live = self.state.settings
        value = {
            "mode": wanted.mode if wanted.mode is not None else live.get("mode"),
            "notifications": wanted.notifications
            if wanted.notifications is not None
            else live["notifications"],
        }
        self.desired.want(("settings", "billing_tags"), value, "billing-tag settings", "settings")

    def projects(self) -> None:
        section = self.config.projects
        usable = self.usable_tags()
        explicit: set[str] = set()
        for i, item in enumerate(section.assign):
            path = ("projects", "assign", i)
            project = self.project(item.project, (*path, "project"))
            if project is None:
                continue
            if item.tag is not None and item.tag not in usable:
                self.fail(
                    (*path, "tag"), f"billing tag {item.tag!r} is not active and not in billing_tags.ensure"
                )
                continue
            explicit.add(project.id)
            self.desired.want(("project_tag", project.id), item.tag, project.label, f"projects.assign[{i}]")
        matched: dict[str, list[int]] = {}
        for i, rule in enumerate(section.rules):
            for project in self.rule_matches(rule, i):
                matched.setdefault(project.id, []).append(i)
        for project_id, rules in matched.items():
            if project_id in explicit:
                continue
            if len(rules) > 1:
                lines = ", ".join(
                    f"{section.rules[i].name!r} (line {self.located.line(('projects', 'rules', i))})"
                    for i in rules
                )
                label = self.state.projects[project_id].label
                self.fail(
                    ("projects", "rules", rules[1]), f"project {label!r} is matched by two rules: {lines}"
                )
                continue
            self.apply_rule(self.state.projects[project_id], section.rules[rules[0]], rules[0], usable)

    def rule_matches(self, rule: Rule, index: int) -> list[Project]:
        path = ("projects", "rules", index)
        match = rule.match
        projects = list(self.state.projects.values())
        if match.organization is not None:
            org_id = self.organization_id(match.organization, (*path, "match", "organization"))
            projects = [p for p in projects if org_id in {o.id for o in self.state.organizations_of(p)}]
        if match.owner is not None:
            projects = [p for p in projects if match.owner in (p.owner_username, p.owner_id)]
        if match.name_pattern is not None:
            projects = [p for p in projects if fnmatch.fnmatchcase(p.name, match.name_pattern)]
        if match.in_table is not None:
            try:
                listed = self.read_table(match.in_table)
            except Exception as exc:  # a missing table or column is the config's problem, stated plainly
                self.fail((*path, "match", "in_table"), f"cannot read {match.in_table}: {exc}")
                return []
            projects = [p for p in projects if p.id in listed]
        if not projects:
            self.fail(path, f"rule {rule.name!r} matches no project")
        return projects

    def apply_rule(self, project: Project, rule: Rule, index: int, usable: set[str]) -> None:
        path = ("projects", "rules", index)
        target = rule.tag
        if rule.organization_default:
            defaults = self.config.projects.organization_default_tags
            names = [o.name for o in self.state.organizations_of(project) if o.name in defaults]
            if not names:
                self.desired.notes.append(
                    f"rule {rule.name!r}: project {project.label} has no organization with a default tag"
                )
                return
            target = defaults[names[0]]
        if target not in usable:
            self.fail((*path, "tag"), f"billing tag {target!r} is not active and not in billing_tags.ensure")
            return
        if project.tag is not None and project.tag != target and not rule.overwrite:
            return  # already tagged otherwise; the rule only fills gaps unless `overwrite: true`
        self.desired.want(("project_tag", project.id), target, project.label, f"rule {rule.name!r}")

    def budgets(self) -> None:
        section = self.config.budgets
        for label, limit in section.defaults.limits().items():
            self.desired.want(("budget_default", label), limit, f"default {label} budget", "budgets.defaults")
        for i, item in enumerate(section.overrides):
            self.override(item, ("budgets", "overrides", i), i)
        alerts = section.alerts
        live = self.state.alerts
        targets = {t["label"]: t["emails"] for t in live["alertTargets"]}
        targets.update({label: list(emails) for label, emails in alerts.targets.items()})
        value = alerts_value(
            {
                "alertsEnabled": live["alertsEnabled"] if alerts.enabled is None else alerts.enabled,
                "notifyOrgOwner": live["notifyOrgOwner"]
                if alerts.notify_org_owner is None
                else alerts.notify_org_owner,
                "alertTargets": [{"label": k, "emails": v} for k, v in targets.items()],
            }
        )
        self.desired.want(("alerts", "budgets"), value, "budget alert settings", "budgets.alerts")

    def override(self, item: Override, path: tuple, index: int) -> None:
        label_id: str | None
        if item.project is not None:
            project = self.project(item.project, (*path, "project"))
            label_id, name = (project.id, project.label) if project else (None, "")
        elif item.organization is not None:
            label_id = self.organization_id(item.organization, (*path, "organization"))
            name = item.organization
        else:
            name = item.billing_tag or ""
            label_id = self.state.tag_ids.get(name)
            if label_id is None:
                self.fail(
                    (*path, "billing_tag"),
                    f"billing tag {name!r} does not exist in Domino yet: apply its creation first",
                )
        if label_id is None:
            return
        reason = f"budgets.overrides[{index}]"
        title = f"{item.label} budget of {name}"
        if item.remove:
            if label_id in self.state.budget_overrides:
                self.desired.want(("budget_override", label_id), None, title, reason)
            return
        self.desired.want(
            ("budget_override", label_id), {"budgetLabel": item.label, "limit": item.limit}, title, reason
        )


def resolve(config: DesiredState, located: Located, state: LiveState, read_table: TableReader) -> Desired:
    """The desired value of every object the file manages; `ConfigError` lists every problem found."""
    resolver = _Resolver(config, located, state, read_table)
    resolver.billing_tags()
    resolver.settings()
    resolver.projects()
    resolver.budgets()
    if resolver.problems:
        raise ConfigError(resolver.problems)
    return resolver.desired
