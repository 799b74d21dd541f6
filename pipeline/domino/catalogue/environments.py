"""Compute environments and their revisions."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "environments",
        "environments",
        "/api/environments/beta/environments",
        list_keys=("environments",),
        table=table(
            "environments",
            ID,
            col("name", "name"),
            col("archived", "archived", "bool", "isArchived"),
            col("visibility", "visibility"),
            col("owner_id", "owner.id", "str", "ownerId"),
            col("owner_username", "owner.username"),
            col("latest_revision_id", "latestRevision.id"),
            col("latest_revision_number", "latestRevision.number", "int"),
            col("latest_revision_status", "latestRevision.status"),
            col("selected_revision_id", "selectedRevision.id"),
        ),
    ),
)
