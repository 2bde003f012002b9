"""Login, token refresh and the published key set."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.identity.adapters.tables import RefreshTokenRow, SigningKeyRow, UserRow
from jxc.identity.domain.passwords import hash_password, verify_password
from jxc.identity.domain.tokens import (
    AccessClaims,
    SigningKey,
    hash_refresh_token,
    new_refresh_token,
    sign_access_token,
)
from jxc.identity.settings import IdentitySettings
from jxc.platform.db import Database
from jxc.platform.envelope import new_id
from jxc.platform.errors import Unauthorized

BOOTSTRAP_LOCK = 0x1D3E  # advisory lock: one replica bootstraps at a time


async def bootstrap(db: Database, settings: IdentitySettings) -> None:
    """First start: create a signing key and the admin account."""
    async with db.transaction() as session:
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": BOOTSTRAP_LOCK})
        if await session.scalar(select(func.count()).select_from(SigningKeyRow)) == 0:
            key = SigningKey.generate()
            session.add(SigningKeyRow(kid=key.kid, private_pem=key.private_pem,
                                      public_jwk=key.public_jwk))
        if await session.scalar(select(func.count()).select_from(UserRow)) == 0:
            session.add(UserRow(id=new_id(), username=settings.admin_username,
                                display_name="Administrator",
                                password_hash=hash_password(settings.admin_password),
                                permissions=["*"]))


async def jwks(session: AsyncSession) -> dict[str, Any]:
    rows = (await session.execute(select(SigningKeyRow).where(SigningKeyRow.active)
                                  .order_by(SigningKeyRow.created_at.desc()))).scalars()
    return {"keys": [row.public_jwk for row in rows]}


async def _signing_key(session: AsyncSession) -> SigningKey:
    row = (await session.execute(select(SigningKeyRow).where(SigningKeyRow.active)
                                 .order_by(SigningKeyRow.created_at.desc()).limit(1))
           ).scalar_one_or_none()
    if row is None:
        raise Unauthorized("identity has no signing key yet; retry shortly")
    return SigningKey(row.kid, row.private_pem, row.public_jwk)


async def _issue(session: AsyncSession, settings: IdentitySettings, user: UserRow,
                 family_id: uuid.UUID) -> dict[str, Any]:
    key = await _signing_key(session)
    access = sign_access_token(
        key, AccessClaims(str(user.id), user.username, list(user.permissions), user.branches,
                          user.warehouses),
        settings.jwt_issuer, settings.jwt_audience, settings.access_token_seconds)
    refresh, refresh_hash = new_refresh_token()
    session.add(RefreshTokenRow(
        token_hash=refresh_hash, user_id=user.id, family_id=family_id,
        expires_at=datetime.now(UTC) + timedelta(days=settings.refresh_token_days)))
    await session.commit()
    return {"access_token": access, "refresh_token": refresh, "token_type": "bearer",
            "expires_in": settings.access_token_seconds}


async def password_grant(session: AsyncSession, settings: IdentitySettings, username: str,
                         password: str) -> dict[str, Any]:
    user = (await session.execute(select(UserRow).where(UserRow.username == username))
            ).scalar_one_or_none()
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        raise Unauthorized("wrong username or password", reason="invalid_grant")
    return await _issue(session, settings, user, new_id())


async def refresh_grant(session: AsyncSession, settings: IdentitySettings,
                        token: str) -> dict[str, Any]:
    row = (await session.execute(select(RefreshTokenRow).where(
        RefreshTokenRow.token_hash == hash_refresh_token(token)).with_for_update())
           ).scalar_one_or_none()
    if row is None or row.revoked or row.expires_at < datetime.now(UTC):
        raise Unauthorized("refresh token is not valid", reason="invalid_grant")
    if row.used_at is not None:
        await session.execute(update(RefreshTokenRow).where(
            RefreshTokenRow.family_id == row.family_id).values(revoked=True))
        await session.commit()
        raise Unauthorized("refresh token was already used; its sessions are revoked",
                           reason="invalid_grant")
    row.used_at = datetime.now(UTC)
    user = await session.get(UserRow, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("account is disabled", reason="invalid_grant")
    return await _issue(session, settings, user, row.family_id)


async def get_user(session: AsyncSession, user_id: str) -> UserRow:
    user = await session.get(UserRow, uuid.UUID(user_id))
    if user is None or not user.active:
        raise Unauthorized("account no longer exists")
    return user
