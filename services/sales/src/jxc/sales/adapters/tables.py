"""Sales' tables, in sales' own SQLModel registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Numeric, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class SalesModel(SQLModel, registry=registry()):
    pass


class ProductReplica(SalesModel, table=True):
    """What sales needs of inventory's products, kept from ProductUpserted."""

    __tablename__ = "product_replica"

    product_id: uuid.UUID = Field(primary_key=True)
    sku: str = Field(max_length=64, index=True)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=20)
    sale_price: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    currency: str = Field(max_length=3)
    tax_rate: Decimal = Field(sa_column=Column(Numeric(6, 4), nullable=False))
    active: bool
    version: int
    synced_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now(),
                                                 onupdate=func.now()))


metadata = SalesModel.metadata
