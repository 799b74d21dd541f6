"""The endpoint catalogue: one declarative entry per Domino list endpoint that lands as a raw table.

Entries live in one module per API area (`projects.py`, `cost.py`, `audit.py`, ...), each exposing
`ENDPOINTS`; this registry collects them in `AREA_MODULES` order. Adding an endpoint means adding an
`Endpoint` to its area's module (a new area: a new module, listed here); the client, fan-out, windows,
tables, assets and checks follow from it. Column paths follow domino-api-shapes.md (real Domino 6.x);
`alternatives` cover the seed's shapes.

Not catalogued on purpose (not worth a table): single-object GETs that repeat list rows (project, job,
dataset, environment, hardware tier, organization, model API, deployment, app, app version/instance,
snapshot, data source, AI gateway endpoint, deployment target (type), resource configuration, billing tag
by name, service-account token by name, registered model by name/version); logs (job logs, model API build
and instance logs, model deployment logs, app instance logs); file content; app thumbnails; model
deployment credentials (secrets only); free-form `/api/cost/v1/cloudCost`, `costActivationStatus`; the
`/api/cost/v2` family and `/v4` internals (except python-domino's budget reads); every write endpoint
(POST/PUT/PATCH/DELETE).
"""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType

from pipeline.domino.catalogue import (
    ai_gateway,
    apps,
    audit,
    cost,
    data_sources,
    datasets,
    deployment_targets,
    environments,
    hardware_tiers,
    jobs,
    model_serving,
    organizations,
    projects,
    registered_models,
    runs,
    service_accounts,
    users,
)
from pipeline.domino.catalogue.base import (
    COST_AGGREGATE_LABELS,
    ID,
    Endpoint,
    FanOut,
    Pagination,
    WindowKind,
    child_of,
    col,
    cost_columns,
    lookup,
    table,
)
from pipeline.tables import TableSpec

__all__ = [
    "AREAS",
    "CATALOGUE",
    "COST_AGGREGATE_LABELS",
    "ENDPOINTS",
    "ID",
    "Endpoint",
    "FanOut",
    "Pagination",
    "WindowKind",
    "child_of",
    "children_of",
    "col",
    "cost_columns",
    "endpoint",
    "fan_out_order",
    "lookup",
    "table",
]

AREA_MODULES: tuple[ModuleType, ...] = (
    projects,
    users,
    organizations,
    hardware_tiers,
    environments,
    datasets,
    jobs,
    runs,
    model_serving,
    registered_models,
    apps,
    data_sources,
    ai_gateway,
    service_accounts,
    deployment_targets,
    cost,
    audit,
)
"""One module per API area; their order is the order of `ENDPOINTS` (and of generated assets)."""


def area_of(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]


AREAS: tuple[str, ...] = tuple(area_of(m) for m in AREA_MODULES)


def _documented(entry: Endpoint) -> Endpoint:
    """Every table's COMMENT names the endpoint it mirrors, after any comment of its own."""
    source = f"GET {entry.path}" + (" (one request per parent)" if entry.parent else "")
    comment = f"{entry.table.comment}; {source}" if entry.table.comment else source
    return replace(entry, table=replace(entry.table, comment=comment))


def _partitioned(entry: Endpoint) -> Endpoint:
    """Tables of a daily-partitioned endpoint (its own and its child tables) carry `_partition_date` and
    know their own time column (`window_column`, where the table has it)."""
    if not entry.partitioned:
        return entry

    def mark(spec: TableSpec) -> TableSpec:
        time_column = entry.window_column if entry.window_column in spec.column_names else None
        return replace(spec, partitioned=True, time_column=time_column)

    return replace(entry, table=mark(entry.table), child_tables=tuple(mark(c) for c in entry.child_tables))


def collect(modules: tuple[ModuleType, ...]) -> tuple[Endpoint, ...]:
    """Every area's entries in order, each checked to sit in its own area's module, names unique."""
    collected: list[Endpoint] = []
    for module in modules:
        area = area_of(module)
        for entry in module.ENDPOINTS:
            if entry.area != area:
                raise ValueError(f"{entry.name}: area {entry.area!r} but declared in catalogue/{area}.py")
            collected.append(_partitioned(_documented(entry)))
    names = [e.name for e in collected]
    if len(set(names)) != len(names):
        raise ValueError(f"catalogue names used twice: {sorted({n for n in names if names.count(n) > 1})}")
    return tuple(collected)


ENDPOINTS: tuple[Endpoint, ...] = collect(AREA_MODULES)
CATALOGUE: dict[str, Endpoint] = {e.name: e for e in ENDPOINTS}


def endpoint(name: str) -> Endpoint:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"no endpoint {name!r} in the catalogue; known: {sorted(CATALOGUE)}") from None


def children_of(name: str) -> list[Endpoint]:
    return [e for e in ENDPOINTS if e.parent is not None and e.parent.parent == name]


def fan_out_order() -> list[Endpoint]:
    """Endpoints with every parent before its children (stable within a level)."""
    ordered: list[Endpoint] = []
    seen: set[str] = set()

    def visit(ep: Endpoint) -> None:
        if ep.name in seen:
            return
        if ep.parent is not None:
            visit(endpoint(ep.parent.parent))
        seen.add(ep.name)
        ordered.append(ep)

    for ep in ENDPOINTS:
        visit(ep)
    return ordered
