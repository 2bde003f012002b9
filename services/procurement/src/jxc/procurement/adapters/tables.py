"""Procurement' tables, in procurement' own SQLModel registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Column, DateTime, Numeric, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class ProcurementModel(SQLModel, registry=registry()):
    pass


class ProductReplica(ProcurementModel, table=True):
    """What buyers need of inventory's products, kept from ProductUpserted."""

    __tablename__ = "product_replica"

    product_id: uuid.UUID = Field(primary_key=True)
    sku: str = Field(max_length=64, index=True)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=20)
    barcode: str | None = Field(default=None, max_length=64)
    tax_rate: Decimal = Field(sa_column=Column(Numeric(6, 4), nullable=False))
    active: bool
    version: int
    synced_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now(),
                                                 onupdate=func.now()))


metadata = ProcurementModel.metadata


# -- requisitions and purchase cost control (SQLAlchemy Core) ---------------------
def _quantity(name: str) -> sa.Column[Decimal]:
    return sa.Column(name, sa.Numeric(18, 4), nullable=False)


def _synced() -> sa.Column[datetime]:
    return sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False,
                     server_default=func.now())


purchase_requisition = sa.Table(
    "purchase_requisition", metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("warehouse_id", sa.Uuid(), nullable=False, index=True),
    sa.Column("branch_id", sa.Uuid(), index=True),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("auto_product_id", sa.Uuid()),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("note", sa.String(500)),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
              server_default=func.now()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
              server_default=func.now()),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("source IN ('manual', 'auto')", name="ck_purchase_requisition_source"),
    sa.CheckConstraint("status IN ('open', 'converted', 'cancelled')",
                       name="ck_purchase_requisition_status"),
    sa.CheckConstraint("(source = 'auto') = (auto_product_id IS NOT NULL)",
                       name="ck_purchase_requisition_auto_product"),
    sa.Index("ix_purchase_requisition_status", "status", "created_at"),
    sa.Index("uq_purchase_requisition_open_auto", "warehouse_id", "auto_product_id",
             unique=True,
             postgresql_where=sa.text("status = 'open' AND auto_product_id IS NOT NULL")),
)
"""``auto_product_id``: the product a stock alert raised the requisition for
(source 'auto'); one open automatic requisition per (warehouse, product), a
repeated alert updates it."""

purchase_requisition_line = sa.Table(
    "purchase_requisition_line", metadata,
    sa.Column("requisition_id", sa.Uuid(),
              sa.ForeignKey("purchase_requisition.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("line_no", sa.Integer(), primary_key=True),
    sa.Column("product_id", sa.Uuid(), nullable=False, index=True),
    _quantity("quantity"),
    sa.Column("supplier_id", sa.Uuid(), index=True),
    sa.Column("needed_by", sa.Date()),
    sa.Column("order_id", sa.Uuid(), index=True),
    sa.CheckConstraint("quantity > 0", name="ck_purchase_requisition_line_quantity"),
)
"""``order_id``: the draft purchase order the line was converted into."""

supplier_price_replica = sa.Table(
    "supplier_price_replica", metadata,
    sa.Column("price_id", sa.Uuid(), primary_key=True),
    sa.Column("supplier_id", sa.Uuid(), nullable=False, index=True),
    sa.Column("product_id", sa.Uuid(), nullable=False),
    sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    _quantity("min_quantity"),
    sa.Column("lead_time_days", sa.Integer(), nullable=False),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("valid_to", sa.Date()),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    _synced(),
    sa.Index("ix_supplier_price_replica_product", "product_id", "supplier_id"),
)
"""Suppliers' price-list lines, kept from SupplierPriceUpserted."""

preferred_supplier_replica = sa.Table(
    "preferred_supplier_replica", metadata,
    sa.Column("product_id", sa.Uuid(), primary_key=True),
    sa.Column("supplier_id", sa.Uuid()),
    sa.Column("version", sa.Integer(), nullable=False),
    _synced(),
)
"""Each product's preferred supplier, kept from PreferredSupplierSet."""

purchase_price_history = sa.Table(
    "purchase_price_history", metadata,
    sa.Column("order_id", sa.Uuid(), primary_key=True),
    sa.Column("line_no", sa.Integer(), primary_key=True),
    sa.Column("order_number", sa.String(32), nullable=False),
    sa.Column("product_id", sa.Uuid(), nullable=False),
    sa.Column("supplier_id", sa.Uuid(), nullable=False),
    sa.Column("warehouse_id", sa.Uuid(), nullable=False),
    sa.Column("branch_id", sa.Uuid()),
    _quantity("quantity"),
    sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("priced_on", sa.Date(), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False,
              server_default=func.now()),
    sa.CheckConstraint("quantity > 0", name="ck_purchase_price_history_quantity"),
    sa.Index("ix_purchase_price_history_product", "product_id", "supplier_id", "priced_on"),
    sa.Index("ix_purchase_price_history_priced_on", "priced_on"),
)
"""Every approved purchase order line's price: one row per line of the order's
latest approval (a re-approval replaces the order's rows)."""


# -- purchase orders, approvals, receipts and returns (SQLAlchemy Core) -----------
def _money(name: str) -> sa.Column[Decimal]:
    return sa.Column(name, sa.Numeric(18, 4), nullable=False)


def _created(name: str = "created_at") -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=func.now())


supplier_replica = sa.Table(
    "supplier_replica", metadata,
    sa.Column("supplier_id", sa.Uuid(), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("email", sa.String(200)),
    sa.Column("payment_terms_days", sa.Integer(), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    _synced(),
)
"""Suppliers as procurement needs them, kept from SupplierUpserted."""

warehouse_replica = sa.Table(
    "warehouse_replica", metadata,
    sa.Column("warehouse_id", sa.Uuid(), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("branch_id", sa.Uuid(), index=True),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    _synced(),
)
"""Warehouses and their branch, kept from inventory's WarehouseUpserted."""

approval_rule = sa.Table(
    "approval_rule", metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("branch_id", sa.Uuid()),
    sa.Column("level", sa.Integer(), nullable=False),
    _money("min_amount"),
    sa.Column("permission", sa.String(100), nullable=False),
    sa.Column("allow_self_approval", sa.Boolean(), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    _created(),
    sa.CheckConstraint("level >= 1", name="ck_approval_rule_level"),
    sa.CheckConstraint("min_amount >= 0", name="ck_approval_rule_min_amount"),
    sa.Index("uq_approval_rule_branch_level",
             sa.text("COALESCE(branch_id, '00000000-0000-0000-0000-000000000000')"), "level",
             unique=True),
)
"""One rule per (branch or all branches, level); ``branch_id`` NULL: every
branch without a rule of its own for that level."""

po_number_counter = sa.Table(
    "po_number_counter", metadata,
    sa.Column("month", sa.String(6), primary_key=True),
    sa.Column("last", sa.Integer(), nullable=False),
)
"""The last PO number handed out per month, taken in the creating transaction."""

purchase_order = sa.Table(
    "purchase_order", metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("supplier_id", sa.Uuid(), nullable=False, index=True),
    sa.Column("warehouse_id", sa.Uuid(), nullable=False, index=True),
    sa.Column("branch_id", sa.Uuid(), index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("expected_at", sa.DateTime(timezone=True)),
    sa.Column("note", sa.String(1000)),
    _money("net"),
    _money("tax"),
    _money("total"),
    sa.Column("revision", sa.Integer(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("over_receipt_tolerance_pct", sa.Numeric(7, 4)),
    sa.Column("requisition_ids", JSONB(), nullable=False, server_default="[]"),
    sa.Column("created_by", sa.String(200), nullable=False),
    _created(),
    _created("updated_at"),
    sa.Column("submitted_at", sa.DateTime(timezone=True)),
    sa.Column("approved_at", sa.DateTime(timezone=True)),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("end_reason", sa.String(500)),
    sa.Column("emailed_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'partially_received', "
                       "'received', 'closed', 'cancelled', 'rejected')",
                       name="ck_purchase_order_status"),
    sa.CheckConstraint("revision >= 1", name="ck_purchase_order_revision"),
    sa.Index("ix_purchase_order_status", "status", "created_at"),
)
"""``approved_at``: set by the first approval and kept (an order that was ever
approved announces its end); ``ended_at``/``end_reason``: when and why it was
cancelled, rejected or closed; ``over_receipt_tolerance_pct`` overrides the
service setting for this order."""

purchase_order_line = sa.Table(
    "purchase_order_line", metadata,
    sa.Column("order_id", sa.Uuid(), sa.ForeignKey("purchase_order.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("line_no", sa.Integer(), primary_key=True),
    sa.Column("product_id", sa.Uuid(), nullable=False, index=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("unit", sa.String(20), nullable=False),
    _quantity("quantity"),
    _money("unit_price"),
    sa.Column("tax_rate", sa.Numeric(6, 4), nullable=False),
    _quantity("received"),
    _quantity("rejected"),
    _quantity("returned"),
    sa.UniqueConstraint("order_id", "product_id", name="uq_purchase_order_line_product"),
    sa.CheckConstraint("quantity > 0", name="ck_purchase_order_line_quantity"),
    sa.CheckConstraint("unit_price >= 0", name="ck_purchase_order_line_price"),
    sa.CheckConstraint("returned <= received", name="ck_purchase_order_line_returned"),
)
"""``received``: accepted into stock; ``rejected``: refused at inspection;
``returned``: sent back to the supplier after acceptance."""

purchase_order_approval = sa.Table(
    "purchase_order_approval", metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("order_id", sa.Uuid(), sa.ForeignKey("purchase_order.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("revision", sa.Integer(), nullable=False),
    sa.Column("level", sa.Integer(), nullable=False),
    sa.Column("permission", sa.String(100), nullable=False),
    sa.Column("allow_self_approval", sa.Boolean(), nullable=False),
    sa.Column("decision", sa.String(10)),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decided_by_name", sa.String(200)),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("comment", sa.String(500)),
    sa.UniqueConstraint("order_id", "revision", "level",
                        name="uq_purchase_order_approval_level"),
    sa.CheckConstraint("decision IN ('approved', 'rejected')",
                       name="ck_purchase_order_approval_decision"),
    sa.Index("ix_purchase_order_approval_pending", "permission",
             postgresql_where=sa.text("decision IS NULL")),
)
"""The steps a revision of an order needs, fixed when it is submitted; a step
without a decision is pending."""

goods_receipt = sa.Table(
    "goods_receipt", metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("order_id", sa.Uuid(), sa.ForeignKey("purchase_order.id"), nullable=False,
              index=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("received_by", sa.String(200), nullable=False),
    _created(),
)

goods_receipt_line = sa.Table(
    "goods_receipt_line", metadata,
    sa.Column("receipt_id", sa.Uuid(), sa.ForeignKey("goods_receipt.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("line_no", sa.Integer(), primary_key=True),
    sa.Column("product_id", sa.Uuid(), nullable=False),
    _quantity("quantity"),
    _quantity("rejected_quantity"),
    sa.Column("rejection_reason", sa.String(500)),
    sa.Column("lot", sa.String(64)),
    sa.Column("expiry", sa.Date()),
)
"""``line_no``: the order line received against."""

supplier_return = sa.Table(
    "supplier_return", metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("order_id", sa.Uuid(), sa.ForeignKey("purchase_order.id"), nullable=False,
              index=True),
    sa.Column("returned_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("returned_by", sa.String(200), nullable=False),
    _created(),
)

supplier_return_line = sa.Table(
    "supplier_return_line", metadata,
    sa.Column("return_id", sa.Uuid(), sa.ForeignKey("supplier_return.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("line_no", sa.Integer(), primary_key=True),
    sa.Column("product_id", sa.Uuid(), nullable=False),
    _quantity("quantity"),
    sa.Column("reason", sa.String(500), nullable=False),
)
