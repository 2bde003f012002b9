"""Login (password, one-time code, lockout), token refresh, API-key
exchange, logout, the published key set and key rotation."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.identity.adapters.lockout_store import LockoutStore
from jxc.identity.adapters.tables import (
    ApiKeyRow,
    RefreshTokenRow,
    RoleRow,
    SigningKeyRow,
    UserRoleRow,
    UserRow,
)
from jxc.identity.domain import api_keys, totp
from jxc.identity.domain.passwords import hash_password, needs_rehash, verify_password
from jxc.identity.domain.tokens import (
    AccessClaims,
    SigningKey,
    hash_refresh_token,
    new_refresh_token,
    sign_access_token,
)
from jxc.identity.service_layer import audit, roles, scope
from jxc.identity.service_layer.context import Caller
from jxc.identity.service_layer.problems import AccountLocked
from jxc.identity.settings import IdentitySettings
from jxc.platform.db import Database
from jxc.platform.envelope import new_id
from jxc.platform.errors import Unauthorized

BOOTSTRAP_LOCK = 0x1D3E  # advisory lock: one replica bootstraps (or rotates) at a time


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int
    refresh_token: str | None = None
    password_change_required: bool = False


# -- keys ---------------------------------------------------------------------------

async def bootstrap(db: Database, settings: IdentitySettings) -> None:
    """First start: a signing key and the admin account (with the admin role)."""
    async with db.transaction() as session:
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": BOOTSTRAP_LOCK})
        if await session.scalar(select(func.count()).select_from(SigningKeyRow).where(
                SigningKeyRow.active, SigningKeyRow.retire_after.is_(None))) == 0:  # type: ignore[union-attr]
            key = SigningKey.generate()
            session.add(SigningKeyRow(kid=key.kid, private_pem=key.private_pem,
                                      public_jwk=key.public_jwk))
        if await session.scalar(select(func.count()).select_from(UserRow)) == 0:
            password_hash = await asyncio.to_thread(
                hash_password, settings.admin_password, settings.hash_parameters())
            admin = UserRow(id=new_id(), username=settings.admin_username,
                            display_name="Administrator", password_hash=password_hash,
                            version=1)
            session.add(admin)
            await session.flush()
            role_id = await session.scalar(select(RoleRow.id).where(RoleRow.name == "admin"))
            if role_id is not None:
                session.add(UserRoleRow(user_id=admin.id, role_id=role_id))


def _published(now: datetime) -> Any:
    return (SigningKeyRow.active & or_(SigningKeyRow.retire_after.is_(None),  # type: ignore[union-attr, operator]
                                       SigningKeyRow.retire_after > now))  # type: ignore[operator]


async def jwks(session: AsyncSession) -> dict[str, Any]:
    rows = (await session.execute(select(SigningKeyRow).where(_published(datetime.now(UTC)))
                                  .order_by(SigningKeyRow.created_at.desc()))).scalars()  # type: ignore[attr-defined]
    return {"keys": [row.public_jwk for row in rows]}


async def _signing_key(session: AsyncSession) -> SigningKey:
    row = (await session.execute(
        select(SigningKeyRow).where(SigningKeyRow.active, SigningKeyRow.retire_after.is_(None))  # type: ignore[union-attr]
        .order_by(SigningKeyRow.created_at.desc()).limit(1))  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if row is None:
        raise Unauthorized("identity has no signing key yet; retry shortly")
    return SigningKey(row.kid, row.private_pem, row.public_jwk)


async def rotate_keys(session: AsyncSession, settings: IdentitySettings,
                      caller: Caller) -> dict[str, Any]:
    """A new key signs from now on; the keys it replaces stay published until
    every token they signed has expired, and are retired after that."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": BOOTSTRAP_LOCK})
    now = datetime.now(UTC)
    retire_after = now + timedelta(seconds=settings.access_token_seconds
                                   + settings.key_retire_margin_seconds)
    await session.execute(update(SigningKeyRow).where(
        SigningKeyRow.active, SigningKeyRow.retire_after <= now)  # type: ignore[arg-type, operator]
        .values(active=False))
    retiring = list((await session.execute(update(SigningKeyRow).where(
        SigningKeyRow.active, SigningKeyRow.retire_after.is_(None))  # type: ignore[arg-type, union-attr]
        .values(retire_after=retire_after).returning(SigningKeyRow.kid))).scalars())
    key = SigningKey.generate()
    session.add(SigningKeyRow(kid=key.kid, private_pem=key.private_pem,
                              public_jwk=key.public_jwk, created_at=now))
    await audit.record(session, caller, "keys.rotated", resource=f"signing_key:{key.kid}",
                       detail={"kid": key.kid, "retiring": retiring,
                               "retire_after": retire_after.isoformat()})
    await session.commit()
    return {"kid": key.kid, "retiring": [{"kid": kid, "retire_after": retire_after}
                                         for kid in retiring]}


# -- issuing --------------------------------------------------------------------------

async def _issue(session: AsyncSession, settings: IdentitySettings, user: UserRow,
                 family_id: uuid.UUID, amr: tuple[str, ...]) -> Tokens:
    key = await _signing_key(session)
    if user.must_change_password:
        # only /me and POST /me/password work with this token; no refresh
        access = sign_access_token(
            key, AccessClaims(str(user.id), user.username, [], [], [], amr=amr,
                              password_change_required=True),
            settings.jwt_issuer, settings.jwt_audience, settings.access_token_seconds)
        await session.commit()
        return Tokens(access, settings.access_token_seconds, None, True)
    _, permissions = await roles.permissions_of(session, user.id)
    token_scope = await scope.for_token(session, user.branches, user.warehouses)
    access = sign_access_token(
        key, AccessClaims(str(user.id), user.username, permissions, token_scope.branches,
                          token_scope.warehouses, amr=amr),
        settings.jwt_issuer, settings.jwt_audience, settings.access_token_seconds)
    refresh, refresh_hash = new_refresh_token()
    session.add(RefreshTokenRow(
        token_hash=refresh_hash, user_id=user.id, family_id=family_id, amr=list(amr),
        expires_at=datetime.now(UTC) + timedelta(days=settings.refresh_token_days)))
    await session.commit()
    return Tokens(access, settings.access_token_seconds, refresh)


async def _refuse(session: AsyncSession, lockout: LockoutStore, caller: Caller, username: str,
                  action: str, reason: str, code: str, message: str) -> None:
    """Count a failed attempt, audit it (and a lock it causes), then refuse."""
    failure = await lockout.failed(username)
    status = 423 if failure.locked_for else 401
    await audit.record(session, caller, action, resource=f"user:{caller.actor_id or username}",
                       outcome="failed", status_code=status, detail={
                           "reason": reason, "consecutive_failures": failure.consecutive})
    if failure.locked_for:
        await audit.record(session, caller, "account.locked",
                           resource=f"user:{caller.actor_id or username}", outcome="denied",
                           status_code=423, detail={"seconds": failure.locked_for})
    await session.commit()
    if failure.locked_for:
        raise AccountLocked(failure.locked_for)
    raise Unauthorized(message, code=code, reason="invalid_grant")


async def password_grant(session: AsyncSession, settings: IdentitySettings,
                         lockout: LockoutStore, caller: Caller, username: str, password: str,
                         otp: str | None) -> Tokens:
    caller = caller.as_actor("", username)
    locked_for = await lockout.locked_for(username)
    if locked_for:
        await audit.record(session, caller, "login.failed", resource=f"user:{username}",
                           outcome="denied", status_code=423, detail={"reason": "locked"})
        await session.commit()
        raise AccountLocked(locked_for)
    user = (await session.execute(select(UserRow).where(UserRow.username == username)
                                  .with_for_update())).scalar_one_or_none()
    params = settings.hash_parameters()
    valid = await asyncio.to_thread(verify_password, user.password_hash if user else None,
                                    password, params)
    if user is not None:
        caller = caller.as_actor(str(user.id), user.username)
    if user is None or not valid or not user.active:
        reason = ("unknown_user" if user is None else "wrong_password" if not valid
                  else "disabled")
        await _refuse(session, lockout, caller, username, "login.failed", reason,
                      "invalid_grant", "wrong username or password")
    assert user is not None
    amr: tuple[str, ...] = ("pwd",)
    if user.mfa_enabled and user.mfa_secret:
        if not otp:
            raise Unauthorized("this account needs a one-time code: send it as 'otp'",
                               code="mfa_required", reason="mfa_required")
        step = totp.matching_step(user.mfa_secret, otp, last_used_step=user.mfa_last_step)
        if step is None:
            await _refuse(session, lockout, caller, username, "mfa.failed", "wrong_code",
                          "mfa_invalid", "the one-time code is wrong or was already used")
        user.mfa_last_step = step
        amr = ("pwd", "otp")
    await lockout.succeeded(username)
    if needs_rehash(user.password_hash, params):
        user.password_hash = await asyncio.to_thread(hash_password, password, params)
    session.add(user)
    await audit.record(session, caller, "login.succeeded", resource=f"user:{user.id}",
                       status_code=200, detail={"amr": list(amr)})
    return await _issue(session, settings, user, new_id(), amr)


async def refresh_grant(session: AsyncSession, settings: IdentitySettings, caller: Caller,
                        token: str) -> Tokens:
    row = (await session.execute(select(RefreshTokenRow).where(
        RefreshTokenRow.token_hash == hash_refresh_token(token)).with_for_update())
           ).scalar_one_or_none()
    if row is None or row.revoked or row.expires_at < datetime.now(UTC):
        raise Unauthorized("refresh token is not valid", code="invalid_grant",
                           reason="invalid_grant")
    if row.used_at is not None:
        await session.execute(update(RefreshTokenRow).where(
            RefreshTokenRow.family_id == row.family_id).values(revoked=True))  # type: ignore[arg-type]
        await audit.record(session, caller.as_actor(str(row.user_id), ""),
                           "refresh_token.reused", resource=f"user:{row.user_id}",
                           outcome="denied", status_code=401,
                           detail={"family_id": str(row.family_id)})
        await session.commit()
        raise Unauthorized("refresh token was already used; its sessions are revoked",
                           code="invalid_grant", reason="invalid_grant")
    row.used_at = datetime.now(UTC)
    user = await session.get(UserRow, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("account is disabled", code="invalid_grant", reason="invalid_grant")
    return await _issue(session, settings, user, row.family_id, tuple(row.amr or ("pwd",)))


async def api_key_grant(session: AsyncSession, settings: IdentitySettings, caller: Caller,
                        key: str) -> Tokens:
    """A partner's API key for a short-lived access token (no refresh token):
    kind ``api_key``, the key's permissions and scope, its rate tier."""
    prefix = api_keys.prefix_of(key)
    row = None if prefix is None else (await session.execute(
        select(ApiKeyRow).where(ApiKeyRow.prefix == prefix).with_for_update())
    ).scalar_one_or_none()
    now = datetime.now(UTC)
    if row is None or not api_keys.matches(key, row.key_hash):
        raise Unauthorized("API key is not valid", code="invalid_api_key")
    caller = caller.as_actor(f"apikey:{row.id}", row.name, "api_key")
    if not api_keys.usable(row.revoked_at, row.expires_at, now):
        await audit.record(session, caller, "api_key.used", resource=f"api_key:{row.id}",
                           outcome="denied", status_code=401, detail={
                               "reason": "revoked" if row.revoked_at else "expired"})
        await session.commit()
        raise Unauthorized("API key is revoked or expired", code="invalid_api_key")
    lifetime = settings.access_token_seconds
    if row.expires_at is not None:
        lifetime = max(1, min(lifetime, int((row.expires_at - now).total_seconds())))
    token_scope = await scope.for_token(session, row.branches, row.warehouses)
    access = sign_access_token(
        await _signing_key(session),
        AccessClaims(f"apikey:{row.id}", row.name, list(row.permissions), token_scope.branches,
                     token_scope.warehouses, kind="api_key", rate_tier=row.rate_tier),
        settings.jwt_issuer, settings.jwt_audience, lifetime)
    row.last_used_at = now
    session.add(row)
    await audit.record(session, caller, "api_key.used", resource=f"api_key:{row.id}",
                       status_code=200, detail={"prefix": row.prefix})
    await session.commit()
    return Tokens(access, lifetime)


async def logout(session: AsyncSession, caller: Caller, token: str) -> None:
    """Revoke the family of ``token``; quiet about tokens it does not know
    (RFC 7009), so it tells nothing to someone guessing."""
    row = (await session.execute(select(RefreshTokenRow).where(
        RefreshTokenRow.token_hash == hash_refresh_token(token)))).scalar_one_or_none()
    if row is None:
        return
    await session.execute(update(RefreshTokenRow).where(
        RefreshTokenRow.family_id == row.family_id).values(revoked=True))  # type: ignore[arg-type]
    await audit.record(session, caller.as_actor(str(row.user_id), caller.actor_name),
                       "logout", resource=f"user:{row.user_id}", status_code=204,
                       detail={"family_id": str(row.family_id)})
    await session.commit()


async def revoke_all(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Revoke every refresh token of a user (in the caller's transaction)."""
    result = await session.execute(update(RefreshTokenRow).where(
        RefreshTokenRow.user_id == user_id, RefreshTokenRow.revoked.is_(False))  # type: ignore[arg-type, attr-defined]
        .values(revoked=True))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def get_user(session: AsyncSession, user_id: str) -> UserRow:
    try:
        key = uuid.UUID(user_id)
    except ValueError as exc:
        raise Unauthorized("this token does not name a user") from exc
    user = await session.get(UserRow, key)
    if user is None or not user.active:
        raise Unauthorized("account no longer exists")
    return user

