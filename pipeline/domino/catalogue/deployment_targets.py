"""Deployment targets, their types and resource configurations."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, child_of, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "deployment_target_types",
        "deployment_targets",
        "/api/admin/v1/deploymentTargetTypes",
        list_keys=("deploymentTargetTypes", "items", "data"),
        admin_only=True,
        table=table("deployment_target_types", ID, col("name", "name"), col("description", "description")),
    ),
    Endpoint(
        "deployment_targets",
        "deployment_targets",
        "/api/admin/v1/deploymentTargets",
        list_keys=("deploymentTargets", "items", "data"),
        admin_only=True,
        table=table(
            "deployment_targets",
            ID,
            col("name", "name"),
            col("type_id", "deploymentTargetTypeId", "str", "type.id", "typeId"),
            col("is_active", "isActive", "bool"),
            col("configuration", "configuration", "json"),
            transform="strip_secrets",
        ),
    ),
    Endpoint(
        "resource_configurations",
        "deployment_targets",
        "/api/admin/v1/deploymentTargets/{targetId}/resourceConfigurations",
        list_keys=("resourceConfigurations", "items", "data"),
        admin_only=True,
        missing_ok=True,
        parent=child_of("deployment_targets", "deployment_target_id", "id", path_param="targetId"),
        table=table(
            "resource_configurations",
            ID,
            col("name", "name"),
            col("cpu", "cpu", "float", "resources.cpu"),
            col("memory", "memory", "str", "resources.memory"),
            col("gpu_count", "gpuCount", "int", "resources.gpu"),
            col("is_default", "isDefault", "bool"),
            key=("deployment_target_id", "id"),
            parent_columns=("deployment_target_id",),
        ),
    ),
)
