"""Every API area of the simulator, and the machine-readable route table they make up."""

from __future__ import annotations

from pipeline.simulator.http.routes import (
    ai_gateway,
    apps,
    audit,
    budgets,
    cost,
    data_sources,
    datasets,
    deployment_targets,
    environments,
    hardware_tiers,
    jobs,
    model_apis,
    model_deployments,
    organizations,
    projects,
    registered_models,
    runs,
    service_accounts,
    users,
)
from pipeline.simulator.http.routing import Area, RouteSpec

AREAS: tuple[Area, ...] = (
    projects.area,
    jobs.area,
    runs.area,
    datasets.area,
    environments.area,
    model_apis.area,
    model_deployments.area,
    registered_models.area,
    apps.area,
    hardware_tiers.area,
    data_sources.area,
    ai_gateway.area,
    users.area,
    organizations.area,
    service_accounts.area,
    cost.area,
    budgets.area,
    deployment_targets.area,
    audit.area,
)


def all_routes() -> list[RouteSpec]:
    return [spec for area in AREAS for spec in area.routes]


def route_table() -> list[dict]:
    """`[{"area", "method", "path", "admin"}]`: what the simulator serves, for tests and docs."""
    return [
        {"area": area.name, "method": spec.method, "path": spec.path, "admin": spec.admin}
        for area in AREAS
        for spec in area.routes
    ]
