"""crm's tables, in crm's own SQLModel registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Numeric, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class CrmModel(SQLModel, registry=registry()):
    pass


class CustomerRow(CrmModel, table=True):
    __tablename__ = "customer"

    id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    credit_limit: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 4)))
    currency: str = Field(max_length=3)
    payment_terms_days: int | None = None
    """Days from invoice to due date; None: finance's default terms."""
    category: str | None = Field(default=None, max_length=50)
    active: bool = True
    version: int = 1
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now()))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now(), onupdate=func.now()))


metadata = CrmModel.metadata
