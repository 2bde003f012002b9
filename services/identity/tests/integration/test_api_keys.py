"""API keys: created with at most the creator's permissions, shown once,
exchanged for an access token (kind api_key), revoked or expired → 401."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .conftest import Identity, bearer, claims_of

KEYS = "/api/v1/identity/api-keys"
TOKEN = "/api/v1/identity/token"


async def test_api_key_life_cycle(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    branch = await identity.branch()
    created = await client.post(KEYS, headers=admin, json={
        "name": "淘宝店铺 ERP", "permissions": ["inventory:read", "identity:read"],
        "branches": [branch], "rate_tier": "premium",
        "expires_at": (datetime.now(UTC) + timedelta(days=30)).isoformat()})
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    key = body["key"]
    assert key.startswith(f"jxc_{body['prefix']}_")
    stored = await identity.sql("SELECT key_hash FROM api_key WHERE id = :id", id=body["id"])
    assert stored[0].key_hash != key and key not in str(stored)

    listing = await client.get(KEYS, headers=admin)
    assert listing.status_code == 200
    assert [k["id"] for k in listing.json()["items"]] == [body["id"]]
    assert "key" not in listing.json()["items"][0] and key not in listing.text
    assert listing.json()["items"][0]["last_used_at"] is None

    exchanged = await client.post(TOKEN, data={"grant_type": "api_key", "api_key": key})
    assert exchanged.status_code == 200, exchanged.text
    tokens = exchanged.json()
    assert "refresh_token" not in tokens and tokens["token_type"] == "bearer"
    claims = claims_of(tokens["access_token"])
    assert claims["kind"] == "api_key" and claims["sub"] == f"apikey:{body['id']}"
    assert claims["perms"] == ["identity:read", "inventory:read"]
    assert claims["branches"] == [branch] and claims["warehouses"] == []
    assert claims["rate_tier"] == "premium" and "amr" not in claims
    as_key = bearer(tokens["access_token"])
    assert (await client.get(KEYS, headers=as_key)).status_code == 200
    assert (await client.post(KEYS, headers=as_key, json={
        "name": "x", "permissions": ["inventory:read"]})).status_code == 403
    me = await client.get("/api/v1/identity/me", headers=as_key)
    assert me.status_code == 403 and me.json()["code"] == "not_a_user"
    one = await client.get(f"{KEYS}/{body['id']}", headers=admin)
    assert one.json()["last_used_at"] is not None
    await identity.audited("api_key.used", lambda r: r["actor_id"] == f"apikey:{body['id']}")
    await identity.audited("api_key.created", lambda r: r["resource"] == f"api_key:{body['id']}")

    revoked = await client.post(f"{KEYS}/{body['id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = await client.post(TOKEN, data={"grant_type": "api_key", "api_key": key})
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_api_key"
    active = await client.get(KEYS, headers=admin, params={"include_revoked": "false"})
    assert active.json()["items"] == []


async def test_unknown_expired_and_overreaching_keys(identity: Identity) -> None:
    client, admin = identity.client, identity.admin
    for bad in ("", "jxc_000000000000_" + "a" * 43, "nonsense", "' OR '1'='1",
                "jxc_<script>alert(1)</script>"):
        response = await client.post(TOKEN, data={"grant_type": "api_key", "api_key": bad})
        assert response.status_code in (401, 422), bad
        if response.status_code == 401:
            assert response.json()["code"] == "invalid_api_key"
    created = await client.post(KEYS, headers=admin, json={
        "name": "shop", "permissions": ["sales:*"]})
    key, key_id = created.json()["key"], created.json()["id"]
    assert created.json()["rate_tier"] == "standard"
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    response = await client.post(TOKEN, data={"grant_type": "api_key", "api_key": tampered})
    assert response.status_code == 401
    await identity.sql("UPDATE api_key SET expires_at = now() - interval '1 minute' "
                       "WHERE id = :id", id=key_id)
    expired = await client.post(TOKEN, data={"grant_type": "api_key", "api_key": key})
    assert expired.status_code == 401 and expired.json()["code"] == "invalid_api_key"

    past = await client.post(KEYS, headers=admin, json={
        "name": "x", "permissions": ["sales:read"], "expires_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422
    naive = await client.post(KEYS, headers=admin, json={
        "name": "x", "permissions": ["sales:read"], "expires_at": "2999-01-01T00:00:00"})
    assert naive.status_code == 422
    tier = await client.post(KEYS, headers=admin, json={
        "name": "x", "permissions": ["sales:read"], "rate_tier": "unlimited"})
    assert tier.status_code == 422
    empty = await client.post(KEYS, headers=admin, json={"name": "x", "permissions": []})
    assert empty.status_code == 422

    clerk = await identity.user(roles=["warehouse_clerk"])
    role = await client.post("/api/v1/identity/roles", headers=admin, json={
        "name": "integrator", "permissions": ["identity:manage", "inventory:read"]})
    assert role.status_code == 201
    await client.patch(f"/api/v1/identity/users/{clerk['id']}", headers=admin,
                       json={"roles": ["integrator"]})
    as_integrator = await identity.headers_for(clerk["username"])
    more = await client.post(KEYS, headers=as_integrator, json={
        "name": "x", "permissions": ["inventory:read", "finance:pay"]})
    assert more.status_code == 403 and more.json()["code"] == "cannot_grant"
    assert more.json()["missing"] == ["finance:pay"]
    unknown = await client.post(KEYS, headers=as_integrator, json={
        "name": "x", "permissions": ["inventory:levitate"]})
    assert unknown.status_code == 422
    fine = await client.post(KEYS, headers=as_integrator, json={
        "name": "x", "permissions": ["inventory:read"]})
    assert fine.status_code == 201 and fine.json()["created_by"] == clerk["id"]
