"""identity on a migrated database: the bootstrap admin, password and
refresh-token grants (rotation, reuse detection), the key set and /me."""

from __future__ import annotations

import httpx

from jxc.identity.bootstrap import MIGRATIONS, build
from jxc.identity.settings import IdentitySettings
from jxc.platform.app import create_app
from jxc.platform.testing import Infrastructure, eventually, migrated_database, serving, unique


async def test_tokens_refresh_and_me(infra: Infrastructure) -> None:
    url = await migrated_database(infra, MIGRATIONS, "identity")
    settings = IdentitySettings(database_url=url, kafka_bootstrap=infra.kafka_bootstrap,
                                redis_url=infra.redis_url, admin_password="first-admin-pass",
                                lockout_key_prefix=unique("jxc:identity"))
    async with serving(create_app(build(settings), role="api")) as base, \
            httpx.AsyncClient(base_url=base) as client:
        async def keys() -> list[dict[str, str]]:
            return (await client.get("/.well-known/jwks.json")).json()["keys"]  # type: ignore[no-any-return]
        published = await eventually(keys, what="a signing key after bootstrap")
        assert published[0]["alg"] == "EdDSA" and "d" not in published[0]

        token_url = "/api/v1/identity/token"
        wrong = await client.post(token_url, data={"username": "admin", "password": "nope"})
        assert wrong.status_code == 401
        assert wrong.json()["reason"] == "invalid_grant"
        unknown = await client.post(token_url, data={"username": "ghost", "password": "x"})
        assert unknown.status_code == 401
        incomplete = await client.post(token_url, data={"username": "admin"})
        assert incomplete.status_code == 422
        assert incomplete.json()["errors"][0]["field"] == "password"

        granted = await client.post(token_url, data={"username": "admin",
                                                     "password": "first-admin-pass"})
        assert granted.status_code == 200, granted.text
        assert granted.headers["cache-control"] == "no-store"
        tokens = granted.json()
        assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900

        me = await client.get("/api/v1/identity/me",
                              headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 200
        assert me.json()["username"] == "admin"
        assert me.json()["permissions"] == ["*"]

        refreshed = await client.post(token_url, data={
            "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200
        rotated = refreshed.json()["refresh_token"]
        assert rotated != tokens["refresh_token"]

        replayed = await client.post(token_url, data={
            "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
        assert replayed.status_code == 401
        # Reuse of a spent token revokes the whole family, the rotated one included.
        after_replay = await client.post(token_url, data={
            "grant_type": "refresh_token", "refresh_token": rotated})
        assert after_replay.status_code == 401

        anonymous = await client.get("/api/v1/identity/me")
        assert anonymous.status_code == 401
