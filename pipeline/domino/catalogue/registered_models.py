"""Registered models (the model registry) and their versions."""

from __future__ import annotations

from pipeline.domino.catalogue.base import Endpoint, child_of, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "registered_models",
        "registered_models",
        "/api/registeredmodels/v2",
        list_keys=("items", "registeredModels", "models"),
        table=table(
            "registered_models",
            col("name", "name", required=True),
            col("description", "description"),
            col("project_id", "project.id", "str", "projectId"),
            col("project_name", "project.name"),
            col("owner_username", "ownerUsername", "str", "owner.userName"),
            col("latest_version", "latestVersion", "int"),
            col("created_at", "createdAt", "str", "creationTime"),
            key=("name",),
        ),
    ),
    Endpoint(
        "registered_model_versions",
        "registered_models",
        "/api/registeredmodels/v1/{modelName}/versions",
        list_keys=("items", "versions", "modelVersions"),
        missing_ok=True,
        parent=child_of("registered_models", "model_name", "name", path_param="modelName"),
        table=table(
            "registered_model_versions",
            col("version", "modelVersion", "int", "version", required=True),
            col("description", "description", "str", "modelVersionDescription"),
            col("experiment_run_id", "experimentRunId", "str", "source.runId"),
            col("created_at", "createdAt", "str", "creationTime"),
            key=("model_name", "version"),
            parent_columns=("model_name",),
        ),
    ),
)
