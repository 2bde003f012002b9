"""A partner's API key through the gateway against the real identity service:
created by an admin, exchanged at identity's token endpoint, refused once
revoked (by a gateway that has not cached it) with identity's own 401."""

from __future__ import annotations

import httpx

from jxc.gateway.app import create_gateway
from jxc.gateway.settings import GatewaySettings
from jxc.identity.bootstrap import MIGRATIONS, build
from jxc.identity.settings import IdentitySettings
from jxc.platform.app import create_app
from jxc.platform.testing import Infrastructure, eventually, migrated_database, serving

ADMIN_PASSWORD = "gateway-admin-pass"


async def test_api_key_exchanged_at_identity(infra: Infrastructure) -> None:
    database = await migrated_database(infra, MIGRATIONS, "identity")
    identity = IdentitySettings(database_url=database, kafka_bootstrap=infra.kafka_bootstrap,
                                redis_url=infra.redis_url, admin_password=ADMIN_PASSWORD)
    async with serving(create_app(build(identity), role="api")) as identity_url:
        settings = GatewaySettings(upstreams={"identity": identity_url},
                                   jwks_url=f"{identity_url}/.well-known/jwks.json",
                                   redis_url=infra.redis_url)
        async with serving(create_gateway(settings)) as url, \
                httpx.AsyncClient(base_url=url, timeout=30) as client:
            async def admin() -> dict[str, str] | None:
                response = await client.post("/api/v1/identity/token", data={
                    "username": "admin", "password": ADMIN_PASSWORD})
                if response.status_code != 200:
                    return None
                return {"Authorization": f"Bearer {response.json()['access_token']}"}
            auth = await eventually(admin, what="the bootstrap admin's token")
            created = await client.post("/api/v1/identity/api-keys", headers=auth, json={
                "name": "partner", "permissions": ["identity:read"], "rate_tier": "premium"})
            assert created.status_code == 201, created.text
            key = {"Authorization": f"ApiKey {created.json()['key']}"}

            listed = await client.get("/api/v1/identity/api-keys", headers=key)
            assert listed.status_code == 200, listed.text
            assert created.json()["id"] in [k["id"] for k in listed.json()["items"]]

            revoked = await client.post(
                f"/api/v1/identity/api-keys/{created.json()['id']}/revoke", headers=auth)
            assert revoked.status_code == 200, revoked.text

        async with serving(create_gateway(settings)) as url, \
                httpx.AsyncClient(base_url=url, timeout=30) as client:
            refused = await client.get("/api/v1/identity/api-keys", headers=key)
            assert refused.status_code == 401
            assert refused.headers["content-type"] == "application/problem+json"
