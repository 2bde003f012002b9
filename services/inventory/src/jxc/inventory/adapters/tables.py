"""Inventory's tables. Its own SQLModel registry keeps its metadata apart from
other services' when several load in one process (tests)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Numeric, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class InventoryModel(SQLModel, registry=registry()):
    pass


class ProductRow(InventoryModel, table=True):
    __tablename__ = "product"

    id: uuid.UUID = Field(primary_key=True)
    sku: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=20)
    barcode: str | None = Field(default=None, max_length=64, unique=True)
    costing_method: str = Field(max_length=10)
    sale_price: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    currency: str = Field(max_length=3)
    tax_rate: Decimal = Field(sa_column=Column(Numeric(6, 4), nullable=False))
    active: bool = True
    version: int = 1
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now()))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now(), onupdate=func.now()))


metadata = InventoryModel.metadata
