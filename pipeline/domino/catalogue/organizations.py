"""Organizations and their members."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "organizations",
        "organizations",
        "/api/organizations/v1/organizations",
        list_keys=("orgs", "organizations"),
        table=table(
            "organizations",
            ID,
            col("name", "name"),
            col("members", "members", "json"),
            col("default_environment_id", "defaultEnvironmentId"),
        ),
    ),
)
