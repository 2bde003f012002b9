"""finance's tables, in finance's own SQLModel registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Numeric, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class FinanceModel(SQLModel, registry=registry()):
    pass


class CustomerCredit(FinanceModel, table=True):
    """Each customer's credit limit, kept from crm's CustomerUpserted; the
    credit check of the sales saga reads it."""

    __tablename__ = "customer_credit"

    customer_id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    credit_limit: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 4)))
    currency: str = Field(max_length=3)
    active: bool
    version: int
    synced_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now(),
                                                 onupdate=func.now()))


metadata = FinanceModel.metadata
