"""Inventory's tables. Its own SQLModel registry keeps its metadata apart from
other services' when several load in one process (tests)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, ForeignKey, Numeric, SmallInteger, Uuid, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class InventoryModel(SQLModel, registry=registry()):
    pass


class CategoryRow(InventoryModel, table=True):
    """A node of the category tree; ``parent_id`` None is a root."""

    __tablename__ = "category"

    id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    parent_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid(), ForeignKey("category.id"), index=True))
    version: int = 1
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now()))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now(), onupdate=func.now()))


class ProductRow(InventoryModel, table=True):
    __tablename__ = "product"

    id: uuid.UUID = Field(primary_key=True)
    sku: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=20)
    costing_method: str = Field(max_length=10)
    sale_price: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    currency: str = Field(max_length=3)
    tax_rate: Decimal = Field(sa_column=Column(Numeric(6, 4), nullable=False))
    category_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid(), ForeignKey("category.id"), index=True))
    lot_tracked: bool = False
    shelf_life_days: int | None = None
    active: bool = True
    version: int = 1
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now()))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now(), onupdate=func.now()))


class ProductBarcodeRow(InventoryModel, table=True):
    """A barcode, normalised (domain/barcodes.py), and the unit one scan counts;
    the primary key makes a barcode belong to one product only."""

    __tablename__ = "product_barcode"

    barcode: str = Field(primary_key=True, max_length=64)
    product_id: uuid.UUID = Field(sa_column=Column(
        Uuid(), ForeignKey("product.id", ondelete="CASCADE"), nullable=False, index=True))
    unit: str = Field(max_length=20)
    position: int = Field(sa_column=Column(SmallInteger(), nullable=False))
    """0 for the primary barcode, then in the order given."""


class ProductUnitRow(InventoryModel, table=True):
    """One ``unit`` of a product holds ``factor`` of its base unit."""

    __tablename__ = "product_unit"

    product_id: uuid.UUID = Field(sa_column=Column(
        Uuid(), ForeignKey("product.id", ondelete="CASCADE"), primary_key=True))
    unit: str = Field(primary_key=True, max_length=20)
    factor: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))


metadata = InventoryModel.metadata
