"""Model APIs, their versions, and model deployments."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, child_of, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "model_apis",
        "model_serving",
        "/api/modelServing/v1/modelApis",
        list_keys=("items", "modelApis"),
        page_size=100,
        table=table(
            "model_apis",
            ID,
            col("name", "name"),
            col("description", "description"),
            col("project_id", "projectId", "str", "activeVersion.projectId"),
            col("environment_id", "environmentId"),
            col("hardware_tier_id", "hardwareTierId"),
            col("replicas", "replicas", "int"),
            col("is_archived", "isArchived", "bool"),
            col("is_async", "isAsync", "bool"),
            col("active_version_id", "activeVersion.id"),
            col("created_at", "metadata.created", "timestamp_ms"),
            col("created_by", "metadata.createdBy"),
            col("last_modified", "metadata.lastModified", "timestamp_ms"),
        ),
    ),
    Endpoint(
        "model_api_versions",
        "model_serving",
        "/api/modelServing/v1/modelApis/{modelApiId}/versions",
        list_keys=("items", "versions"),
        pagination="none",
        missing_ok=True,
        parent=child_of("model_apis", "model_api_id", "id", path_param="modelApiId"),
        table=table(
            "model_api_versions",
            ID,
            col("number", "number", "int"),
            col("project_id", "projectId"),
            col("commit_id", "commitId"),
            col("environment_revision_id", "environmentRevisionId"),
            col("source_type", "source.type"),
            col("deployment_status", "deployment.status"),
            col("created_at", "metadata.created", "timestamp_ms"),
            col("created_by", "metadata.createdBy"),
            key=("model_api_id", "id"),
            parent_columns=("model_api_id",),
        ),
    ),
    Endpoint(
        "model_deployments",
        "model_serving",
        "/api/modelServing/v1/modelDeployments",
        list_keys=("items", "modelDeployments"),
        table=table(
            "model_deployments",
            ID,
            col("name", "name"),
            col("description", "description"),
            col("status", "status", "json"),
            col("version", "version", "json"),
            col("creator_info", "creatorInfo", "json"),
            col("creation_timestamp", "creationTimestamp"),
            col("deployment_target", "deploymentTargetInfo", "json"),
            col("resource_configuration", "resourceConfigurationInfo", "json"),
            col("is_globally_accessible", "isGloballyAccessible", "bool"),
        ),
    ),
)
