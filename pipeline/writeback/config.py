"""The desired-state file (`config/billing.yaml`, version 1) as pydantic models.

The schema does the checking (unknown keys, wrong types, bad modes, tag names Domino would reject,
negative budgets); `load_config` turns every schema error into `file:line: where: what`. Checks that need
Domino's live state (a rule matching nothing, a project matched by two rules, unknown names) happen when
the plan resolves the file, with the same file:line messages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from pipeline.writeback.source import ConfigError, Located, load_located

DEFAULT_CONFIG = Path("config/billing.yaml")
MODES = ("Required", "Optional", "Disabled")
BUDGET_LABELS = ("BillingTag", "Organization", "Project")
TAG_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")
"""A billing tag becomes the pod label `dominodatalab.com/billing-tag`, so it must be a valid Kubernetes
label value: 1-63 characters, letters, digits, `-`, `_`, `.`, starting and ending alphanumeric."""
TABLE_RE = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _tag(value: str) -> str:
    if not TAG_RE.match(value):
        raise ValueError(
            f"billing tag {value!r} would be rejected: use 1-63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit (it becomes a Kubernetes label value)"
        )
    return value


def _mode(value: object) -> object:
    if isinstance(value, str):
        for mode in MODES:
            if value.strip().lower() == mode.lower():
                return mode
    raise ValueError(f"mode must be one of {', '.join(MODES)} (any casing), got {value!r}")


def _not_negative(value: float) -> float:
    if value < 0:
        raise ValueError(f"a budget limit must not be negative, got {value}")
    return value


def _table(value: str) -> str:
    if not TABLE_RE.match(value):
        raise ValueError(f"in_table must name a table as schema.table (lower case), got {value!r}")
    return value


def _email(value: str) -> str:
    if not EMAIL_RE.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


TagName = Annotated[str, AfterValidator(_tag)]
Mode = Annotated[str, BeforeValidator(_mode)]
Limit = Annotated[float, AfterValidator(_not_negative)]
TableName = Annotated[str, AfterValidator(_table)]
Email = Annotated[str, AfterValidator(_email)]
BudgetLabel = Literal["BillingTag", "Organization", "Project"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _unique(values: list[str], what: str) -> None:
    seen = {v for v in values if values.count(v) > 1}
    if seen:
        raise ValueError(f"{what} listed twice: {sorted(seen)}")


class BillingTags(Strict):
    ensure: list[TagName] = []
    """Tags that must exist and be active (created or reactivated)."""
    retire: list[TagName] = []
    """Tags to deactivate (Domino archives them: they stay readable, inactive)."""

    @model_validator(mode="after")
    def _disjoint(self) -> BillingTags:
        _unique(self.ensure, "billing tags to ensure")
        _unique(self.retire, "billing tags to retire")
        both = sorted(set(self.ensure) & set(self.retire))
        if both:
            raise ValueError(f"billing tags both ensured and retired: {both}")
        return self


class Settings(Strict):
    mode: Mode | None = None
    notifications: bool | None = None


class Assignment(Strict):
    project: str = Field(min_length=1)
    """A project id, `owner/name`, or a name that only one project has."""
    tag: TagName | None
    """The tag the project must carry; null removes its tag."""


class Match(Strict):
    """Every given criterion must hold."""

    organization: str | None = None
    owner: str | None = None
    name_pattern: str | None = None
    """A shell-style pattern on the project name (`llm-*`)."""
    in_table: TableName | None = None
    """A DuckDB table with a `project_id` column, e.g. `reporting.untagged_spend`."""

    @model_validator(mode="after")
    def _some(self) -> Match:
        if not any((self.organization, self.owner, self.name_pattern, self.in_table)):
            raise ValueError("a match needs at least one of organization, owner, name_pattern, in_table")
        return self


class Rule(Strict):
    name: str = Field(min_length=1)
    match: Match
    tag: TagName | None = None
    organization_default: bool = False
    """Tag each matched project with its organization's tag from `organization_default_tags`."""
    overwrite: bool = False
    """False leaves matched projects that already carry another tag alone."""

    @model_validator(mode="after")
    def _one_target(self) -> Rule:
        if (self.tag is None) == (not self.organization_default):
            raise ValueError("a rule needs exactly one of `tag` or `organization_default: true`")
        return self


class Projects(Strict):
    organization_default_tags: dict[str, TagName] = {}
    assign: list[Assignment] = []
    """Explicit assignments; they win over rules."""
    rules: list[Rule] = []

    @model_validator(mode="after")
    def _consistent(self) -> Projects:
        _unique([r.name for r in self.rules], "rule names")
        _unique([a.project for a in self.assign], "projects in `assign`")
        if any(r.organization_default for r in self.rules) and not self.organization_default_tags:
            raise ValueError("a rule uses organization_default but organization_default_tags is empty")
        return self


class Defaults(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=False)

    billing_tag: Limit | None = Field(None, alias="BillingTag")
    organization: Limit | None = Field(None, alias="Organization")
    project: Limit | None = Field(None, alias="Project")

    def limits(self) -> dict[str, float]:
        values = {"BillingTag": self.billing_tag, "Organization": self.organization, "Project": self.project}
        return {label: limit for label, limit in values.items() if limit is not None}


class Override(Strict):
    """A budget for one project, organization or billing tag (by name or id)."""

    project: str | None = None
    organization: str | None = None
    billing_tag: TagName | None = None
    limit: Limit | None = None
    remove: bool = False

    @model_validator(mode="after")
    def _one_subject(self) -> Override:
        subjects = [s for s in (self.project, self.organization, self.billing_tag) if s is not None]
        if len(subjects) != 1:
            raise ValueError("an override names exactly one of project, organization, billing_tag")
        if (self.limit is None) != self.remove:
            raise ValueError("an override needs either `limit` or `remove: true`")
        return self

    @property
    def label(self) -> str:
        if self.project is not None:
            return "Project"
        return "Organization" if self.organization is not None else "BillingTag"

    @property
    def subject(self) -> str:
        return self.project or self.organization or self.billing_tag or ""


class Alerts(Strict):
    enabled: bool | None = None
    notify_org_owner: bool | None = None
    targets: dict[BudgetLabel, list[Email]] = {}
    """Email recipients per label; labels not named keep their current recipients."""


class Budgets(Strict):
    defaults: Defaults = Defaults()
    overrides: list[Override] = []
    alerts: Alerts = Alerts()

    @model_validator(mode="after")
    def _unique_subjects(self) -> Budgets:
        _unique([f"{o.label} {o.subject}" for o in self.overrides], "budget overrides")
        return self


class DesiredState(Strict):
    """The whole file. `version` is required so a future format can be told apart."""

    version: Literal[1]
    billing_tags: BillingTags = BillingTags()
    settings: Settings = Settings()
    projects: Projects = Projects()
    budgets: Budgets = Budgets()

    @model_validator(mode="after")
    def _no_retired_targets(self) -> DesiredState:
        retired = set(self.billing_tags.retire)
        used = [a.tag for a in self.projects.assign] + [r.tag for r in self.projects.rules]
        used += list(self.projects.organization_default_tags.values())
        clash = sorted({t for t in used if t in retired})
        if clash:
            raise ValueError(f"tags assigned to projects are also retired: {clash}")
        return self


def _describe(error: dict) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"unknown key {error['loc'][-1]!r}"
    if error["type"] == "missing":
        return f"required key {error['loc'][-1]!r} is missing"
    return message


def _dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def validate(located: Located) -> DesiredState:
    """The file's data as a `DesiredState`, or a `ConfigError` listing every problem with its line."""
    if not isinstance(located.data, dict):
        raise ConfigError([f"{located.where(())}: the file must be a mapping with `version: 1` at the top"])
    try:
        return DesiredState.model_validate(located.data)
    except ValidationError as exc:
        problems = [
            f"{located.where(e['loc'])}: {_dotted(e['loc'])}: {_describe(e)}"
            for e in exc.errors(include_url=False)
        ]
        raise ConfigError(problems) from None


def load_config(path: str | Path = DEFAULT_CONFIG) -> tuple[DesiredState, Located]:
    """Parse and validate a desired-state file; nothing is called on Domino."""
    located = load_located(path)
    return validate(located), located
