"""Service accounts: list (50 a page), create, and tokens (token values are simulated, shown once)."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.simulator.http.errors import conflict
from pipeline.simulator.http.routes._common import (
    children,
    collection,
    ensure_unique,
    entity,
    fake_secret,
    iso_now,
    lookup,
    record,
    required_str,
)
from pipeline.simulator.http.routes._crud import Resource, list_handler, respond_list
from pipeline.simulator.http.routing import Area, Ctx

area = Area("service_accounts")

ACCOUNTS = Resource(
    "service_accounts",
    "serviceAccount",
    "serviceAccount",
    "serviceAccounts",
    50,
    name_field="username",
    param="serviceAccountId",
)
BASE = "/api/serviceAccounts/v1/serviceAccounts"
TOKENS = BASE + "/{serviceAccountId}/tokens"

area.add("GET", BASE, list_handler(ACCOUNTS))


@area.route("POST", BASE, admin=True)
async def create_account(ctx: Ctx) -> Response:
    body = await ctx.body()
    username = required_str(body, "username")
    ensure_unique(ctx, "service_accounts", "username", username, "service account")
    account_id = ctx.world.new_id("serviceAccount")
    account = {
        "id": account_id,
        "username": username,
        "idpId": f"idp-{account_id}",
        "email": body.get("email") or f"{username}@service.example.com",
    }
    collection(ctx, "service_accounts")[account_id] = account
    record(ctx, "Create Service Account", entity("serviceAccount", account_id, username))
    return ctx.env.single("serviceAccount", account, 201)


def _account(ctx: Ctx) -> dict:
    """The path key may be the account's id or its idpId (the spec names the key `serviceAccountIdpId`)."""
    key = ctx.params["serviceAccountId"]
    accounts = collection(ctx, "service_accounts")
    match = next((a for a in accounts.values() if a.get("idpId") == key), None)
    return match or lookup(ctx, "service_accounts", key, "service account")


@area.route("GET", TOKENS)
async def list_tokens(ctx: Ctx) -> Response:
    account = _account(ctx)
    return respond_list(
        ctx, "paged", "tokens", list(children(ctx, "service_account_tokens", account["id"])), 50
    )


@area.route("POST", TOKENS, admin=True)
async def create_token(ctx: Ctx) -> Response:
    account = _account(ctx)
    name = required_str(await ctx.body(), "name")
    tokens = children(ctx, "service_account_tokens", account["id"])
    if any(t["name"] == name for t in tokens):
        raise conflict(f"service account {account['username']!r} already has a token named {name!r}")
    now = iso_now(ctx)
    token = {"name": name, "createdAt": now, "expiresAt": None, "isValid": True}
    tokens.append(token)
    record(
        ctx,
        "Create Service Account Token",
        entity("serviceAccount", account["id"], account["username"]),
        metadata={"tokenName": name},
    )
    return ctx.env.single("token", {**token, "token": fake_secret(ctx, "service-account-token")}, 201)
