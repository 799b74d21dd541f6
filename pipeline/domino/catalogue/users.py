"""Users, the identity the ETL runs as, and each user's git credential metadata."""

from __future__ import annotations

from pipeline.domino.catalogue.base import ID, Endpoint, child_of, col, table

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "users",
        "users",
        "/api/users/v1/users",
        list_keys=("users",),
        table=table(
            "users",
            ID,
            col("user_name", "userName", "str", "username"),
            col("first_name", "firstName"),
            col("last_name", "lastName"),
            col("full_name", "fullName"),
            col("email", "email"),
            col("roles", "roles", "json"),
        ),
    ),
    Endpoint(
        "self",
        "users",
        "/api/users/v1/self",
        list_keys=("user",),
        pagination="single",
        table=table(
            "self_user",
            ID,
            col("user_name", "userName", "str", "username"),
            col("full_name", "fullName"),
            col("email", "email"),
            col("roles", "roles", "json"),
            comment="the identity the ETL runs as",
        ),
    ),
    Endpoint(
        "user_credentials",
        "users",
        "/api/users/beta/credentials/{userId}",
        list_keys=("credentials", "items", "data"),
        admin_only=True,
        missing_ok=True,
        parent=child_of("users", "user_id", "id", path_param="userId"),
        table=table(
            "user_credentials",
            ID,
            col("name", "name"),
            col("credential_type", "credentialType", "str", "type"),
            col("domain", "domain"),
            col("created_at", "created", "str", "createdAt"),
            col("expires_at", "expiry", "str", "expiresAt"),
            key=("user_id", "id"),
            transform="strip_secrets",
            parent_columns=("user_id",),
            comment="git credential metadata; secret values are stripped before landing",
        ),
    ),
)
