"""supplier's tables, in supplier's own SQLModel registry."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class SupplierModel(SQLModel, registry=registry()):
    pass


class SupplierRow(SupplierModel, table=True):
    __tablename__ = "supplier"

    id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    contact: str | None = Field(default=None, max_length=100)
    payment_terms_days: int = 30
    category: str | None = Field(default=None, max_length=50)
    active: bool = True
    version: int = 1
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now()))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now(), onupdate=func.now()))


metadata = SupplierModel.metadata
