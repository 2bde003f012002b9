"""supplier's tables, in supplier's own SQLModel registry: the master, price
lists, preferred suppliers and interactions (SQLModel), and the facts the
scorecard and the spend classification read from procurement's events
(SQLAlchemy Core)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, DateTime, Numeric, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

SUPPLIER_STATUSES = ("approved", "blocked")
INTERACTION_KINDS = ("note", "call", "email", "visit")
INTERACTION_STATUSES = ("recorded", "sending", "sent", "failed")


class SupplierModel(SQLModel, registry=registry()):
    pass


def _created() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                  server_default=func.now()))


def _updated() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                  server_default=func.now(), onupdate=func.now()))


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSONB, nullable=False,
                                                       server_default=sa.text("'[]'::jsonb")))


class SupplierRow(SupplierModel, table=True):
    __tablename__ = "supplier"

    id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    tax_id: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    contact: str | None = Field(default=None, max_length=100)
    contacts: list[dict[str, Any]] = _json_list()
    addresses: list[dict[str, Any]] = _json_list()
    bank: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    currency: str = Field(default="CNY", max_length=3)
    payment_terms_days: int = 30
    category: str | None = Field(default=None, max_length=50, index=True)
    status: str = Field(default="approved", max_length=10)
    status_reason: str | None = Field(default=None, max_length=500)
    active: bool = True
    version: int = 1
    created_at: datetime = _created()
    updated_at: datetime = _updated()


class SupplierPrice(SupplierModel, table=True):
    """A line of a supplier's price list. Two active lines of one supplier,
    product and minimum quantity never cover the same day (an exclusion
    constraint, migration 0003)."""

    __tablename__ = "supplier_price"

    id: uuid.UUID = Field(primary_key=True)
    supplier_id: uuid.UUID = Field(foreign_key="supplier.id", index=True)
    product_id: uuid.UUID = Field(index=True)
    unit_price: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    currency: str = Field(max_length=3)
    min_quantity: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    lead_time_days: int
    valid_from: date
    valid_to: date | None = None
    active: bool = True
    version: int = 1
    created_at: datetime = _created()
    updated_at: datetime = _updated()


class PreferredSupplier(SupplierModel, table=True):
    __tablename__ = "preferred_supplier"

    product_id: uuid.UUID = Field(primary_key=True)
    supplier_id: uuid.UUID | None = Field(default=None, foreign_key="supplier.id", index=True)
    version: int = 1
    updated_at: datetime = _updated()


class Interaction(SupplierModel, table=True):
    """A note, call, visit or email with a supplier. An email is ``sending``
    until the mail server took it (``sent``, with its Message-ID) or refused
    it (``failed``, with the reason; it can be resent)."""

    __tablename__ = "supplier_interaction"

    id: uuid.UUID = Field(primary_key=True)
    supplier_id: uuid.UUID = Field(foreign_key="supplier.id", index=True)
    kind: str = Field(max_length=10)
    subject: str = Field(max_length=200)
    body: str = Field(default="", max_length=20000)
    recipients: list[str] = _json_list()
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    status: str = Field(max_length=10)
    message_id: str | None = Field(default=None, max_length=300)
    error: str | None = Field(default=None, max_length=1000)
    attempts: int = 0
    created_by: str = Field(max_length=200)
    created_at: datetime = _created()
    updated_at: datetime = _updated()


product_replica = sa.Table(
    "product_replica", SupplierModel.metadata,
    sa.Column("product_id", sa.Uuid(), primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("unit", sa.String(20), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False,
              server_default=func.now(), onupdate=func.now()),
)
"""What price lists need of inventory's products, kept from ProductUpserted."""

metadata = SupplierModel.metadata


# -- facts from procurement's events (scorecard, classification) -------------------
def _quantity(name: str, nullable: bool = False) -> sa.Column[Decimal]:
    return sa.Column(name, sa.Numeric(18, 4), nullable=nullable)


purchase_order_fact = sa.Table(
    "purchase_order_fact", metadata,
    sa.Column("order_id", sa.Uuid(), primary_key=True),
    sa.Column("supplier_id", sa.Uuid(), nullable=False),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("revision", sa.Integer(), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("total", sa.Numeric(18, 4), nullable=False),
    sa.Column("first_approved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expected_at", sa.DateTime(timezone=True)),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("cancelled_at", sa.DateTime(timezone=True)),
    sa.Index("ix_purchase_order_fact_supplier", "supplier_id", "approved_at"),
)
"""An approved purchase order at its latest revision."""

purchase_order_line_fact = sa.Table(
    "purchase_order_line_fact", metadata,
    sa.Column("order_id", sa.Uuid(), sa.ForeignKey("purchase_order_fact.order_id",
                                                   ondelete="CASCADE"), primary_key=True),
    sa.Column("line_no", sa.Integer(), primary_key=True),
    sa.Column("product_id", sa.Uuid(), nullable=False),
    _quantity("quantity"),
    sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
    sa.Column("list_price", sa.Numeric(18, 4)),
)
"""``list_price``: the supplier's best valid price-list price for the product
and quantity on the approval day, in the order's currency (None: none)."""

receipt_fact = sa.Table(
    "receipt_fact", metadata,
    sa.Column("receipt_id", sa.Uuid(), primary_key=True),
    sa.Column("order_id", sa.Uuid(), nullable=False, index=True),
    sa.Column("supplier_id", sa.Uuid(), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("promised_at", sa.DateTime(timezone=True)),
    sa.Column("on_time", sa.Boolean()),
    _quantity("accepted_quantity"),
    _quantity("rejected_quantity"),
    sa.Column("lead_time_days", sa.Numeric(10, 2)),
    sa.Index("ix_receipt_fact_supplier", "supplier_id", "received_at"),
)

receipt_line_fact = sa.Table(
    "receipt_line_fact", metadata,
    sa.Column("receipt_id", sa.Uuid(), sa.ForeignKey("receipt_fact.receipt_id",
                                                     ondelete="CASCADE"), primary_key=True),
    sa.Column("line_no", sa.Integer(), primary_key=True),
    sa.Column("order_id", sa.Uuid(), nullable=False, index=True),
    sa.Column("product_id", sa.Uuid(), nullable=False),
    _quantity("accepted_quantity"),
    _quantity("rejected_quantity"),
)

return_fact = sa.Table(
    "return_fact", metadata,
    sa.Column("return_id", sa.Uuid(), primary_key=True),
    sa.Column("order_id", sa.Uuid(), nullable=False),
    sa.Column("supplier_id", sa.Uuid(), nullable=False),
    sa.Column("returned_at", sa.DateTime(timezone=True), nullable=False),
    _quantity("quantity"),
    sa.Index("ix_return_fact_supplier", "supplier_id", "returned_at"),
)
