"""Identity's tables, in identity's own SQLModel registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class IdentityModel(SQLModel, registry=registry()):
    pass


class UserRow(IdentityModel, table=True):
    __tablename__ = "app_user"

    id: uuid.UUID = Field(primary_key=True)
    username: str = Field(max_length=100, unique=True, index=True)
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=500)
    permissions: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    branches: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    warehouses: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    active: bool = True
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now()))


class SigningKeyRow(IdentityModel, table=True):
    """Ed25519 keys that sign access tokens. The newest active key signs; all
    active keys are published so tokens survive a rotation."""

    __tablename__ = "signing_key"

    kid: str = Field(primary_key=True, max_length=64)
    private_pem: str
    public_jwk: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    active: bool = True
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now()))


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



class WarehouseEntry(IdentityModel, table=True):
    """Warehouses as inventory announces them, to assign users' data scopes from."""

    __tablename__ = "warehouse_directory"

    warehouse_id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    branch_id: uuid.UUID | None = None
    active: bool
    version: int


metadata = IdentityModel.metadata
