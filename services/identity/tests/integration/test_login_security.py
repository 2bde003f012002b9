"""Lockout in Redis (423 with Retry-After), TOTP MFA (mfa_required,
mfa_invalid, amr), logout, expired and forged tokens, key rotation."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jxc.identity.domain import totp
from jxc.identity.domain.tokens import AccessClaims, SigningKey, sign_access_token
from jxc.platform.auth import JwksVerifier
from jxc.platform.errors import Unauthorized
from jxc.platform.testing import Infrastructure, unique

from .conftest import PASSWORD, Identity, bearer, claims_of, running_identity

TOKEN = "/api/v1/identity/token"
ME = "/api/v1/identity/me"


async def test_lockout_after_consecutive_failures(infra: Infrastructure) -> None:
    async with running_identity(infra, lockout_threshold=3, lockout_minutes=2) as identity:
        user = await identity.user()
        name = user["username"]
        for _ in range(2):
            wrong = await identity.client.post(TOKEN, data={"username": name, "password": "x"})
            assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_grant"
        # a success in between starts the count again
        await identity.login(name, PASSWORD)
        for _ in range(2):
            await identity.login(name, "wrong", expect=401)
        locking = await identity.client.post(TOKEN, data={"username": name, "password": "x"})
        assert locking.status_code == 423
        assert locking.headers["content-type"] == "application/problem+json"
        assert locking.json()["code"] == "account_locked"
        assert 110 <= int(locking.headers["retry-after"]) <= 120
        # locked: even the right password is refused until the lock expires
        right = await identity.client.post(TOKEN, data={"username": name, "password": PASSWORD})
        assert right.status_code == 423 and int(right.headers["retry-after"]) <= 120
        # unknown usernames lock the same way (no account enumeration)
        ghost = unique("ghost")
        for _ in range(3):
            last = await identity.client.post(TOKEN, data={"username": ghost, "password": "x"})
        assert last.status_code == 423
        # an admin's password reset lifts the lock
        reset = await identity.client.post(
            f"/api/v1/identity/users/{user['id']}/reset-password", headers=identity.admin,
            json={"password": "Reset-by-admin-9"})
        assert reset.status_code == 200
        assert (await identity.login(name, "Reset-by-admin-9"))["password_change_required"]
        failed = await identity.audited("login.failed", lambda r: r["actor_name"] == name
                                        and r["outcome"] == "failed")
        assert failed["detail"]["reason"] == "wrong_password" and failed["status_code"] == 423
        assert failed["actor_id"] == user["id"] and failed["source_service"] == "identity"
        refused = await identity.audited("login.failed", lambda r: r["actor_name"] == name
                                         and r["outcome"] == "denied")
        assert refused["detail"] == {"reason": "locked"}
        locked = await identity.audited("account.locked", lambda r: r["actor_name"] == name)
        assert locked["status_code"] == 423


async def test_mfa_enrolment_and_login(identity: Identity) -> None:
    client = identity.client
    user = await identity.user(roles=["sales_rep"])
    name = user["username"]
    tokens = await identity.login(name, PASSWORD)
    auth = bearer(tokens["access_token"])
    confirm_first = await client.post(f"{ME}/mfa/confirm", headers=auth, json={"code": "123456"})
    assert confirm_first.status_code == 409 and confirm_first.json()["code"] == "mfa_not_enrolling"

    enrol = await client.post(f"{ME}/mfa/enrol", headers=auth)
    assert enrol.status_code == 200 and enrol.headers["cache-control"] == "no-store"
    secret = enrol.json()["secret"]
    assert enrol.json()["otpauth_uri"].startswith("otpauth://totp/JXC:")
    wrong = await client.post(f"{ME}/mfa/confirm", headers=auth, json={"code": "000000"})
    if totp.matching_step(secret, "000000") is None:
        assert wrong.status_code == 422 and wrong.json()["code"] == "mfa_invalid"
    code = totp.code_at(secret, time.time())
    confirmed = await client.post(f"{ME}/mfa/confirm", headers=auth, json={"code": code})
    assert confirmed.status_code == 204, confirmed.text
    assert (await client.get(ME, headers=auth)).json()["mfa_enabled"] is True
    again = await client.post(f"{ME}/mfa/enrol", headers=auth)
    assert again.status_code == 409 and again.json()["code"] == "mfa_already_enabled"

    missing = await client.post(TOKEN, data={"username": name, "password": PASSWORD})
    assert missing.status_code == 401 and missing.json()["code"] == "mfa_required"
    bad = await client.post(TOKEN, data={"username": name, "password": PASSWORD,
                                         "otp": "12345x"})
    assert bad.status_code == 401 and bad.json()["code"] == "mfa_invalid"
    # the code that confirmed enrolment is spent; wait for the next step's code
    next_code = totp.code_at(secret, time.time() + 30)
    good = await identity.login(name, PASSWORD, otp=next_code)
    assert claims_of(good["access_token"])["amr"] == ["pwd", "otp"]
    replay = await client.post(TOKEN, data={"username": name, "password": PASSWORD,
                                            "otp": next_code})
    assert replay.status_code == 401 and replay.json()["code"] == "mfa_invalid"
    refreshed = await client.post(TOKEN, data={"grant_type": "refresh_token",
                                               "refresh_token": good["refresh_token"]})
    assert claims_of(refreshed.json()["access_token"])["amr"] == ["pwd", "otp"]
    await identity.audited("mfa.enrolled", lambda r: r["actor_name"] == name)
    await identity.audited("mfa.failed", lambda r: r["actor_name"] == name)

    reset = await client.post(f"/api/v1/identity/users/{user['id']}/reset-mfa",
                              headers=identity.admin)
    assert reset.status_code == 200 and reset.json()["mfa_enabled"] is False
    assert claims_of((await identity.login(name, PASSWORD))["access_token"])["amr"] == ["pwd"]


async def test_wrong_codes_count_towards_the_lockout(infra: Infrastructure) -> None:
    async with running_identity(infra, lockout_threshold=2) as identity:
        user = await identity.user()
        auth = await identity.headers_for(user["username"])
        secret = (await identity.client.post(f"{ME}/mfa/enrol", headers=auth)).json()["secret"]
        await identity.client.post(f"{ME}/mfa/confirm", headers=auth,
                                   json={"code": totp.code_at(secret, time.time())})
        form = {"username": user["username"], "password": PASSWORD, "otp": "99999x"}
        assert (await identity.client.post(TOKEN, data=form)).status_code == 401
        locked = await identity.client.post(TOKEN, data=form)
        assert locked.status_code == 423 and locked.json()["code"] == "account_locked"


async def test_logout_revokes_the_refresh_token_family(identity: Identity) -> None:
    user = await identity.user()
    first = await identity.login(user["username"], PASSWORD)
    rotated = (await identity.client.post(TOKEN, data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"]})).json()
    other_session = await identity.login(user["username"], PASSWORD)
    out = await identity.client.post("/api/v1/identity/logout",
                                     json={"refresh_token": first["refresh_token"]})
    assert out.status_code == 204
    for token in (first["refresh_token"], rotated["refresh_token"]):
        after = await identity.client.post(TOKEN, data={"grant_type": "refresh_token",
                                                        "refresh_token": token})
        assert after.status_code == 401
    # another login's session is another family and lives on
    alive = await identity.client.post(TOKEN, data={
        "grant_type": "refresh_token", "refresh_token": other_session["refresh_token"]})
    assert alive.status_code == 200
    form = await identity.client.post("/api/v1/identity/logout",
                                      data={"refresh_token": alive.json()["refresh_token"]})
    assert form.status_code == 204
    unknown = await identity.client.post("/api/v1/identity/logout",
                                         data={"refresh_token": "never-issued"})
    assert unknown.status_code == 204
    missing = await identity.client.post("/api/v1/identity/logout", json={})
    assert missing.status_code == 422
    await identity.audited("logout", lambda r: r["actor_id"] == user["id"])


async def test_expired_forged_and_malformed_tokens(identity: Identity) -> None:
    rows = await identity.sql("SELECT kid, private_pem, public_jwk FROM signing_key")
    key = SigningKey(rows[0].kid, rows[0].private_pem, rows[0].public_jwk)
    me = (await identity.client.get(ME, headers=identity.admin)).json()
    claims = AccessClaims(me["id"], "admin", ["*"], None, None)
    expired = sign_access_token(key, claims, "jxc", "jxc", 900, now=time.time() - 1000)
    response = await identity.client.get(ME, headers=bearer(expired))
    assert response.status_code == 401 and response.json()["reason"] == "token_expired"
    fresh = sign_access_token(key, claims, "jxc", "jxc", 900)
    assert (await identity.client.get(ME, headers=bearer(fresh))).status_code == 200

    forged = jwt.encode({"sub": me["id"], "iss": "jxc", "aud": "jxc", "typ": "access",
                         "iat": int(time.time()), "exp": int(time.time()) + 900,
                         "perms": ["*"]}, Ed25519PrivateKey.generate(), algorithm="EdDSA",
                        headers={"kid": key.kid})
    assert (await identity.client.get(ME, headers=bearer(forged))).status_code == 401
    for header in ("Bearer", "Bearer a.b.c", "Basic YWRtaW46YWRtaW4=", "Bearer ' OR 1=1 --"):
        response = await identity.client.get(ME, headers={"Authorization": header})
        assert response.status_code == 401, header


async def test_key_rotation_keeps_old_tokens_valid_until_retired(identity: Identity) -> None:
    client = identity.client
    before = (await client.get("/.well-known/jwks.json")).json()["keys"]
    old_kid = before[0]["kid"]
    old_token = identity.admin["Authorization"].removeprefix("Bearer ")

    user = await identity.user(roles=["auditor"])
    as_user = await identity.headers_for(user["username"])
    assert (await client.post("/api/v1/identity/keys/rotate", headers=as_user)).status_code == 403
    rotated = await client.post("/api/v1/identity/keys/rotate", headers=identity.admin)
    assert rotated.status_code == 200, rotated.text
    new_kid = rotated.json()["kid"]
    assert new_kid != old_kid
    assert [k["kid"] for k in rotated.json()["retiring"]] == [old_kid]

    published = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
    assert published == {old_kid, new_kid}
    # a token signed before the rotation still verifies, here and for other services
    assert (await client.get(ME, headers=bearer(old_token))).status_code == 200

    async def fetch() -> dict[str, object]:
        return (await client.get("/.well-known/jwks.json")).json()  # type: ignore[no-any-return]
    verifier = JwksVerifier(fetch, "jxc", "jxc")
    assert (await verifier.verify(old_token))["sub"]
    new_token = (await identity.login("admin", "first-admin-pass"))["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    assert (await verifier.verify(new_token))["sub"]

    # once its tokens have expired the old key is retired from the key set
    await identity.sql("UPDATE signing_key SET retire_after = now() - interval '1 second' "
                       "WHERE kid = :kid", kid=old_kid)
    published = {k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]}
    assert published == {new_kid}
    with pytest.raises(Unauthorized):
        await JwksVerifier(fetch, "jxc", "jxc").verify(old_token)
    await identity.audited("keys.rotated")
