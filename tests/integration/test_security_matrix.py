"""The security matrix, through the gateway, against the real identity and
inventory services: every way in that must fail, with its exact status and
problem code; and what passes only with the right permission and data scope."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pyotp
import pytest

from jxc.gateway.app import create_gateway
from jxc.gateway.settings import GatewaySettings, Rate
from jxc.identity.bootstrap import MIGRATIONS as IDENTITY_MIGRATIONS
from jxc.identity.bootstrap import build as build_identity
from jxc.identity.settings import IdentitySettings
from jxc.inventory.bootstrap import MIGRATIONS as INVENTORY_MIGRATIONS
from jxc.inventory.bootstrap import build as build_inventory
from jxc.inventory.settings import InventorySettings
from jxc.platform.app import create_app
from jxc.platform.testing import Infrastructure, eventually, migrated_database, serving, unique

ADMIN_PASSWORD = "matrix-admin-password"
PLENTY = Rate(per_second=100_000, burst=100_000)
TOKEN = "/api/v1/identity/token"


@dataclass
class Stack:
    client: httpx.AsyncClient
    short_lived_url: str
    """identity again (same database and keys) issuing 1-second tokens"""
    other_audience_url: str
    """identity again, issuing tokens for another audience"""


@pytest.fixture
async def stack(infra: Infrastructure) -> AsyncIterator[Stack]:
    identity_db = await migrated_database(infra, IDENTITY_MIGRATIONS, "identity")
    inventory_db = await migrated_database(infra, INVENTORY_MIGRATIONS, "inventory")
    common = {"database_url": identity_db, "kafka_bootstrap": infra.kafka_bootstrap,
              "redis_url": infra.redis_url, "admin_password": ADMIN_PASSWORD,
              "lockout_key_prefix": unique("matrix"), "lockout_threshold": 3}
    async with AsyncExitStack() as stack:
        identity_url = await stack.enter_async_context(
            serving(create_app(build_identity(IdentitySettings(**common)), role="api")))
        short_url = await stack.enter_async_context(serving(create_app(build_identity(
            IdentitySettings(**common, access_token_seconds=1)), role="api")))
        other_url = await stack.enter_async_context(serving(create_app(build_identity(
            IdentitySettings(**common, jwt_audience="partner-portal")), role="api")))
        jwks_url = f"{identity_url}/.well-known/jwks.json"
        inventory_url = await stack.enter_async_context(serving(create_app(build_inventory(
            InventorySettings(database_url=inventory_db, jwks_url=jwks_url,
                              kafka_bootstrap=infra.kafka_bootstrap,
                              redis_url=infra.redis_url)), role="api")))
        gateway_url = await stack.enter_async_context(serving(create_gateway(GatewaySettings(
            upstreams={"identity": identity_url, "inventory": inventory_url},
            jwks_url=jwks_url, redis_url=infra.redis_url,
            rate_limits={"standard": PLENTY, "premium": PLENTY, "ip": PLENTY,
                         "login": PLENTY}))))
        client = await stack.enter_async_context(
            httpx.AsyncClient(base_url=gateway_url, timeout=30))
        yield Stack(client, short_url, other_url)


async def login(client: httpx.AsyncClient, username: str, password: str,
                **extra: str) -> httpx.Response:
    return await client.post(TOKEN, data={"username": username, "password": password, **extra})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code, response.text


async def test_security_matrix(stack: Stack) -> None:
    client = stack.client

    async def admin_login() -> httpx.Response | None:
        response = await login(client, "admin", ADMIN_PASSWORD)
        return response if response.status_code == 200 else None
    admin = (await eventually(admin_login, what="the bootstrap admin")).json()
    as_admin = bearer(admin["access_token"])
    stock = "/api/v1/inventory/stock"

    # -- tokens ------------------------------------------------------------------
    problem(await client.get(stock), 401, "unauthorized")
    problem(await client.get(stock, headers={"Authorization": "Basic eDp5"}), 401,
            "unauthorized")
    header, payload, signature = admin["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["perms"] = ["*", "inventory:*"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    problem(await client.get(stock, headers=bearer(f"{header}.{forged}.{signature}")), 401,
            "unauthorized")
    assert (await client.get(stock, headers=as_admin)).status_code == 200

    async with httpx.AsyncClient(base_url=stack.short_lived_url) as short_lived:
        short = (await login(short_lived, "admin", ADMIN_PASSWORD)).json()["access_token"]

    async def expired() -> bool:
        return (await client.get(stock, headers=bearer(short))).status_code == 401
    await eventually(expired, timeout=30, what="the 1-second token to expire")
    problem(await client.get(stock, headers=bearer(short)), 401, "unauthorized")

    async with httpx.AsyncClient(base_url=stack.other_audience_url) as other:
        elsewhere = (await login(other, "admin", ADMIN_PASSWORD)).json()["access_token"]
    problem(await client.get(stock, headers=bearer(elsewhere)), 401, "unauthorized")

    # -- refresh token reuse revokes the family ------------------------------------------
    first = admin["refresh_token"]
    rotated = (await client.post(TOKEN, data={"grant_type": "refresh_token",
                                              "refresh_token": first})).json()
    problem(await client.post(TOKEN, data={"grant_type": "refresh_token",
                                           "refresh_token": first}), 401, "invalid_grant")
    problem(await client.post(TOKEN, data={"grant_type": "refresh_token",
                                           "refresh_token": rotated["refresh_token"]}),
            401, "invalid_grant")

    # -- a branch clerk: permissions and data scope ------------------------------------
    branch_a = (await client.post("/api/v1/identity/branches", headers=as_admin,
                                  json={"code": "HZ", "name": "杭州"})).json()["id"]
    branch_b = (await client.post("/api/v1/identity/branches", headers=as_admin,
                                  json={"code": "SH", "name": "上海"})).json()["id"]
    ours = (await client.post("/api/v1/inventory/warehouses", headers=as_admin, json={
        "code": "HZ-1", "name": "Hangzhou", "branch_id": branch_a})).json()["id"]
    theirs = (await client.post("/api/v1/inventory/warehouses", headers=as_admin, json={
        "code": "SH-1", "name": "Shanghai", "branch_id": branch_b})).json()["id"]
    created = await client.post("/api/v1/identity/users", headers=as_admin, json={
        "username": "clerk.hz", "display_name": "Clerk", "password": "Correct-Horse-42",
        "roles": ["warehouse_clerk"], "branches": [branch_a], "must_change_password": False})
    assert created.status_code == 201, created.text
    clerk = bearer((await login(client, "clerk.hz", "Correct-Horse-42")).json()["access_token"])
    listed = (await client.get("/api/v1/inventory/warehouses", headers=clerk)).json()
    assert [w["id"] for w in listed["items"]] == [ours]
    problem(await client.get(f"/api/v1/inventory/warehouses/{theirs}", headers=clerk), 404,
            "not_found")
    problem(await client.post("/api/v1/identity/users", headers=clerk, json={
        "username": "sneaky", "display_name": "x", "password": "Correct-Horse-43"}), 403,
        "forbidden")
    problem(await client.get("/api/v1/identity/audit", headers=clerk), 403, "forbidden")

    # -- lockout --------------------------------------------------------------------------
    for _ in range(2):
        problem(await login(client, "clerk.hz", "wrong-password"), 401, "invalid_grant")
    locked = await login(client, "clerk.hz", "wrong-password")
    problem(locked, 423, "account_locked")
    assert int(locked.headers["retry-after"]) > 0
    problem(await login(client, "clerk.hz", "Correct-Horse-42"), 423, "account_locked")

    # -- MFA ----------------------------------------------------------------------------
    await client.post("/api/v1/identity/users", headers=as_admin, json={
        "username": "buyer.mfa", "display_name": "Buyer", "password": "Another-Horse-42",
        "roles": ["buyer"], "must_change_password": False})
    buyer = bearer((await login(client, "buyer.mfa", "Another-Horse-42")).json()["access_token"])
    enrolment = (await client.post("/api/v1/identity/me/mfa/enrol", headers=buyer)).json()
    code = pyotp.TOTP(enrolment["secret"])
    confirmed = await client.post("/api/v1/identity/me/mfa/confirm", headers=buyer,
                                  json={"code": code.now()})
    assert confirmed.status_code == 204, confirmed.text
    problem(await login(client, "buyer.mfa", "Another-Horse-42"), 401, "mfa_required")
    wrong = str((int(code.now()) + 1) % 1_000_000).zfill(6)
    problem(await login(client, "buyer.mfa", "Another-Horse-42", otp=wrong), 401, "mfa_invalid")

    # -- the audit trail saw it, and is intact --------------------------------------------
    verify = await client.get("/api/v1/identity/audit/verify", headers=as_admin)
    assert verify.status_code == 200, verify.text
    assert verify.json()["valid"] is True
