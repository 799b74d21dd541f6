"""Apps, their versions and the running instances of each version."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, child_of, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "apps",
        "apps",
        "/api/apps/beta/apps",
        list_keys=("items", "apps"),
        table=table(
            "apps",
            ID,
            col("name", "name"),
            col("description", "description"),
            col("url", "url"),
            col("project_id", "project.id", "str", "projectId"),
            col("project_name", "project.name"),
            col("publisher_id", "publisher.id"),
            col("visibility", "visibility"),
            col("status", "currentVersion.currentInstance.status", "str", "status"),
            col("hardware_tier_id", "currentVersion.hardwareTierId", "str", "hardwareTierId"),
            col("environment_id", "currentVersion.environmentId", "str", "environmentId"),
            col("current_version_id", "currentVersion.id"),
            col("views", "views", "int"),
            col("updated_at", "updatedAt", "timestamp_ms"),
        ),
    ),
    Endpoint(
        "app_versions",
        "apps",
        "/api/apps/beta/apps/{appId}/versions",
        list_keys=("items", "versions"),
        missing_ok=True,
        parent=child_of("apps", "app_id", "id", path_param="appId"),
        table=table(
            "app_versions",
            ID,
            col("environment_id", "environmentId"),
            col("environment_revision_id", "environmentRevisionId"),
            col("hardware_tier_id", "hardwareTierId"),
            col("created_at", "createdAt", "timestamp"),
            col("updated_at", "updatedAt", "timestamp_ms"),
            col("publisher_id", "publisher.id"),
            key=("app_id", "id"),
            parent_columns=("app_id",),
        ),
    ),
    Endpoint(
        "app_instances",
        "apps",
        "/api/apps/beta/apps/{appId}/versions/{versionId}/instances",
        list_keys=("items", "instances"),
        missing_ok=True,
        parent=child_of(
            "app_versions", "version_id", "id", path_param="versionId", inherited={"appId": "app_id"}
        ),
        table=table(
            "app_instances",
            ID,
            col("status", "status"),
            col("created_at", "createdAt", "timestamp_ms"),
            col("started_by_id", "startedBy.id", "str", "startedById"),
            key=("app_id", "version_id", "id"),
            parent_columns=("app_id", "version_id"),
        ),
    ),
)
