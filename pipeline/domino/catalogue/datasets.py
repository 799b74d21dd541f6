"""Datasets, their snapshots and who may use them."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, child_of, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "datasets",
        "datasets",
        "/api/datasetrw/v2/datasets",
        list_keys=("datasets",),
        item_wrapper="dataset",
        params={"includeProjectInfo": "true"},
        table=table(
            "datasets",
            ID,
            col("name", "name"),
            col("description", "description"),
            col("project_id", "projectId", "str", "projectInfo.projectId"),
            col("project_name", "projectInfo.projectName"),
            col("project_owner_username", "projectInfo.projectOwnerUsername"),
            col("created_at", "createdAt", "timestamp"),
            col("snapshot_ids", "snapshotIds", "json"),
            col("tags", "tags", "json"),
        ),
    ),
    Endpoint(
        "dataset_snapshots",
        "datasets",
        "/api/datasetrw/v1/datasets/{datasetId}/snapshots",
        list_keys=("snapshots",),
        item_wrapper="snapshot",
        missing_ok=True,
        parent=child_of("datasets", "dataset_id", "id", path_param="datasetId"),
        table=table(
            "dataset_snapshots",
            ID,
            col("status", "status", "str", "lifecycleStatus"),
            col("version", "version", "int"),
            col("creator_id", "creatorId"),
            col("created_at", "createdAt", "timestamp", "creationTime"),
            col("storage_size_bytes", "storageSize", "int"),
            key=("dataset_id", "id"),
            parent_columns=("dataset_id",),
        ),
    ),
    Endpoint(
        "dataset_grants",
        "datasets",
        "/api/datasetrw/v1/datasets/{datasetId}/grants",
        list_keys=("grants",),
        missing_ok=True,
        parent=child_of("datasets", "dataset_id", "id", path_param="datasetId"),
        table=table(
            "dataset_grants",
            col("target_id", "targetId", "str", "principalId", required=True),
            col("target_name", "targetName"),
            col("target_role", "targetRole", "str", "role"),
            col("is_organization", "isOrganization", "bool"),
            key=("dataset_id", "target_id"),
            parent_columns=("dataset_id",),
        ),
    ),
)
