"""Projects and what hangs off each project: repositories, goals, shared datasets."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, child_of, col, table
from pipeline.domino.enums import PROJECT_VISIBILITIES

PROJECT_CHILD = child_of("projects", "project_id", "id", path_param="projectId")
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "projects",
        "projects",
        "/api/projects/beta/projects",
        list_keys=("projects",),
        item_wrapper="project",
        table=table(
            "projects",
            ID,
            col("name", "name"),
            col("description", "description"),
            col("owner_id", "ownerId", "str", "owner.id"),
            col("owner_username", "ownerUsername", "str", "owner.userName", "owner.username"),
            col("visibility", "visibility", enum=PROJECT_VISIBILITIES),
            col("is_restricted", "isRestricted", "bool"),
            col("billing_tag", "billingTag.tag"),
            col("collaborators", "collaborators", "json"),
            col("main_repository", "mainRepository", "json"),
            col("internal_tags", "internalTags", "json"),
        ),
    ),
    Endpoint(
        "project_repositories",
        "projects",
        "/api/projects/v1/projects/{projectId}/repositories",
        list_keys=("repositories",),
        parent=PROJECT_CHILD,
        missing_ok=True,
        table=table(
            "project_repositories",
            ID,
            col("name", "name"),
            col("uri", "uri", "str", "url"),
            col("service_provider", "serviceProvider"),
            col("default_ref_type", "defaultRef.refType"),
            col("default_ref_value", "defaultRef.value"),
            key=("project_id", "id"),
            parent_columns=("project_id",),
        ),
    ),
    Endpoint(
        "project_goals",
        "projects",
        "/api/projects/v1/projects/{projectId}/goals",
        list_keys=("goals",),
        parent=PROJECT_CHILD,
        missing_ok=True,
        table=table(
            "project_goals",
            ID,
            col("title", "title", "str", "name"),
            col("description", "description"),
            col("is_complete", "isComplete", "bool", "completed"),
            key=("project_id", "id"),
            parent_columns=("project_id",),
        ),
    ),
    Endpoint(
        "project_shared_datasets",
        "projects",
        "/api/projects/v1/projects/{projectId}/shared-datasets",
        list_keys=("sharedDatasets", "datasets"),
        item_wrapper="dataset",
        parent=PROJECT_CHILD,
        missing_ok=True,
        table=table(
            "project_shared_datasets",
            col("dataset_id", "datasetId", "str", "id", required=True),
            col("name", "name", "str", "datasetName"),
            col("owner_project_id", "projectId"),
            key=("project_id", "dataset_id"),
            parent_columns=("project_id",),
        ),
    ),
)
