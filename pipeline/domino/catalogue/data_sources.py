"""Data sources and their access audit (daily partitions)."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "data_sources",
        "data_sources",
        "/api/datasource/v1/datasources",
        list_keys=("dataSources",),
        table=table(
            "data_sources",
            ID,
            col("name", "name"),
            col("display_name", "displayName"),
            col("data_source_type", "dataSourceType"),
            col("auth_type", "authType"),
            col("credential_type", "credentialType"),
            col("owner_id", "ownerId"),
            col("owner_username", "ownerUsername"),
            col("last_updated", "lastUpdated", "timestamp"),
            col("config", "config", "json"),
            col("permissions", "permissions", "json"),
            transform="strip_secrets",
        ),
    ),
    Endpoint(
        "data_source_audit",
        "data_sources",
        "/api/datasource/v1/audit",
        list_keys=("events", "items"),
        pagination="none",
        partitioned="daily",
        window="iso_range",
        window_column="timestamp",
        clip_to_window=True,
        admin_only=True,
        table=table(
            "data_source_audit",
            col("data_source_id", "dataSourceId"),
            col("data_source_name", "dataSourceName"),
            col("data_source_type", "dataSourceType"),
            col("event_kind", "eventKind"),
            col("performed_by", "performedBy"),
            col("timestamp", "timestamp", "timestamp", required=True),
            col("metadata", "metadata", "json"),
            key=("data_source_id", "event_kind", "performed_by", "timestamp"),
            comment="bare JSON array; no natural id",
        ),
    ),
)
