"""AI gateway endpoints, who may call them, and the gateway's audit log."""

from __future__ import annotations

from pipeline.domino.catalogue.base import Endpoint, child_of, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "ai_gateway_endpoints",
        "ai_gateway",
        "/api/aigateway/v1/endpoints",
        list_keys=("endpoints", "items", "data"),
        table=table(
            "ai_gateway_endpoints",
            col("endpoint_name", "endpointName", "str", "name", required=True),
            col("id", "id"),
            col("provider", "endpointType", "str", "provider"),
            col("model_name", "modelName", "str", "model"),
            col("model_provider", "modelProvider"),
            col("created_at", "createdAt", "str", "created"),
            key=("endpoint_name",),
            transform="strip_secrets",
            comment="provider API keys are stripped before landing",
        ),
    ),
    Endpoint(
        "ai_gateway_permissions",
        "ai_gateway",
        "/api/aigateway/v1/endpoints/{endpointName}/permissions",
        pagination="single",
        missing_ok=True,
        parent=child_of(
            "ai_gateway_endpoints", "endpoint_name", "endpointName", "name", path_param="endpointName"
        ),
        table=table(
            "ai_gateway_permissions",
            col("is_everyone_allowed", "isEveryoneAllowed", "bool"),
            col("user_ids", "userIds", "json", "users"),
            col("organization_ids", "organizationIds", "json"),
            key=("endpoint_name",),
            parent_columns=("endpoint_name",),
        ),
    ),
    Endpoint(
        "ai_gateway_audit",
        "ai_gateway",
        "/api/aigateway/v1/audit",
        list_keys=("events", "items", "data", "auditEvents"),
        admin_only=True,
        partitioned="daily",
        window="iso_range",
        window_column="event_time",
        clip_to_window=True,
        table=table(
            "ai_gateway_audit",
            col("id", "id"),
            col("endpoint_name", "endpointName", "str", "endpoint"),
            col("event", "event", "str", "action", "eventType"),
            col("user_id", "userId", "str", "actor.id", "user"),
            col("user_name", "userName"),
            col("timestamp", "timestamp", "str", "createdAt", comment="ISO or epoch; kept as sent"),
            col("event_time", "timestamp", "timestamp", "createdAt", required=True),
            col("details", "details", "json", "metadata"),
            key=(),
            comment="an event log without a documented shape or key: loaded by day like the audit trail",
        ),
    ),
)
