"""Service accounts and their token metadata."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, child_of, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "service_accounts",
        "service_accounts",
        "/api/serviceAccounts/v1/serviceAccounts",
        list_keys=("serviceAccounts",),
        params={"includeDeactivated": "true"},
        admin_only=True,
        table=table(
            "service_accounts",
            ID,
            col("username", "username", "str", "userName"),
            col("idp_id", "idpId"),
            col("email", "email"),
            col("is_active", "isActive", "bool", "active"),
        ),
    ),
    Endpoint(
        "service_account_tokens",
        "service_accounts",
        "/api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokens",
        list_keys=("tokens", "items"),
        admin_only=True,
        missing_ok=True,
        pagination="none",
        parent=child_of(
            "service_accounts", "service_account_idp_id", "idpId", "id", path_param="serviceAccountIdpId"
        ),
        table=table(
            "service_account_tokens",
            col("name", "name", "str", "tokenName", required=True),
            col("created_at", "creationTime", "str", "createdAt", "created"),
            col("expires_at", "expiryTime", "str", "expiresAt", "expiry"),
            col("is_active", "isActive", "bool", "active"),
            key=("service_account_idp_id", "name"),
            parent_columns=("service_account_idp_id",),
            transform="strip_secrets",
            comment="token metadata only; token values are stripped",
        ),
    ),
)
