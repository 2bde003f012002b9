"""Identity's tables, in identity's own SQLModel registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, ForeignKey, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class IdentityModel(SQLModel, registry=registry()):
    pass


def _timestamp(nullable: bool = False, server_default: bool = False) -> Any:
    return Column(DateTime(timezone=True), nullable=nullable,
                  server_default=func.now() if server_default else None)


class UserRow(IdentityModel, table=True):
    __tablename__ = "app_user"

    id: uuid.UUID = Field(primary_key=True)
    username: str = Field(max_length=100, unique=True, index=True)
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=500)
    branches: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    """Branch ids the user is limited to (and the branches below); None: all."""
    warehouses: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    """Warehouse ids the user may see besides their branches'; None: no limit."""
    active: bool = True
    must_change_password: bool = False
    password_changed_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    mfa_enabled: bool = False
    mfa_secret: str | None = Field(default=None, max_length=64)
    mfa_pending_secret: str | None = Field(default=None, max_length=64)
    """Enrolled but not yet confirmed with a code."""
    mfa_last_step: int | None = Field(default=None, sa_column=Column(BigInteger))
    """The TOTP time step last accepted: a code is never accepted twice."""
    version: int = 1
    created_at: datetime = Field(sa_column=_timestamp(server_default=True))
    updated_at: datetime = Field(sa_column=_timestamp(server_default=True))


class RoleRow(IdentityModel, table=True):
    """A named bundle of ``module:action`` permissions."""

    __tablename__ = "role"

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=64, unique=True, index=True)
    description: str = Field(default="", max_length=500)
    permissions: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    builtin: bool = False
    version: int = 1
    created_at: datetime = Field(sa_column=_timestamp(server_default=True))
    updated_at: datetime = Field(sa_column=_timestamp(server_default=True))


class UserRoleRow(IdentityModel, table=True):
    """Which roles a user holds; a role in use cannot be deleted."""

    __tablename__ = "user_role"

    user_id: uuid.UUID = Field(sa_column=Column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True))
    role_id: uuid.UUID = Field(sa_column=Column(
        ForeignKey("role.id", ondelete="RESTRICT"), primary_key=True, index=True))


class BranchRow(IdentityModel, table=True):
    """A branch (分公司/门店) in the organisation tree."""

    __tablename__ = "branch"

    id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="branch.id", index=True)
    active: bool = True
    version: int = 1
    created_at: datetime = Field(sa_column=_timestamp(server_default=True))
    updated_at: datetime = Field(sa_column=_timestamp(server_default=True))


class SigningKeyRow(IdentityModel, table=True):
    """Ed25519 keys that sign access tokens. The newest active key that is
    not retiring signs; every active key not yet past ``retire_after`` is
    published, so tokens signed before a rotation still verify."""

    __tablename__ = "signing_key"

    kid: str = Field(primary_key=True, max_length=64)
    private_pem: str
    public_jwk: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    active: bool = True
    created_at: datetime = Field(sa_column=_timestamp(server_default=True))
    retire_after: datetime | None = Field(default=None, sa_column=_timestamp(True))
    """Set when a newer key replaces this one: the last token it signed has
    expired by then."""


class RefreshTokenRow(IdentityModel, table=True):
    """Rotating refresh tokens, stored hashed. Reusing a spent token revokes
    its whole family (it was stolen or replayed)."""

    __tablename__ = "refresh_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = Field(index=True)
    family_id: uuid.UUID = Field(index=True)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    revoked: bool = False
    amr: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    """How the family's login authenticated; refreshed tokens keep it."""


class ApiKeyRow(IdentityModel, table=True):
    """A partner system's key; only its SHA-256 is kept."""

    __tablename__ = "api_key"

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16, unique=True, index=True)
    key_hash: str = Field(max_length=64)
    permissions: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    branches: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    warehouses: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    rate_tier: str = Field(max_length=16)
    expires_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_column=_timestamp(server_default=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    last_used_at: datetime | None = Field(default=None, sa_column=_timestamp(True))


class WarehouseEntry(IdentityModel, table=True):
    """Warehouses as inventory announces them, to assign users' data scopes from."""

    __tablename__ = "warehouse_directory"

    warehouse_id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    branch_id: uuid.UUID | None = None
    active: bool
    version: int


class AuditRow(IdentityModel, table=True):
    """The audit trail: append-only (a trigger refuses UPDATE, DELETE and
    TRUNCATE) and hash-chained in ``seq`` order."""

    __tablename__ = "audit_record"

    seq: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                           autoincrement=True))
    record_id: uuid.UUID = Field(unique=True)
    source_service: str = Field(sa_column=Column(Text, nullable=False))
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                   index=True))
    recorded_at: datetime = Field(sa_column=_timestamp(server_default=True))
    actor_id: str = Field(sa_column=Column(Text, nullable=False, index=True))
    actor_name: str = Field(sa_column=Column(Text, nullable=False))
    actor_kind: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(sa_column=Column(Text, nullable=False))
    resource: str = Field(sa_column=Column(Text, nullable=False))
    outcome: str = Field(sa_column=Column(Text, nullable=False))
    status_code: int | None = None
    ip: str = Field(sa_column=Column(Text, nullable=False))
    user_agent: str = Field(sa_column=Column(Text, nullable=False))
    request_id: str = Field(sa_column=Column(Text, nullable=False))
    trace_id: str = Field(sa_column=Column(Text, nullable=False))
    detail: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    """Kept as the exact JSON text (``json``, not ``jsonb``), so the hash of a
    record read back equals the hash computed when it was written."""
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


metadata = IdentityModel.metadata
