"""procurement's published language: purchase orders and what arrives
against them. Keyed by the purchase order."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from jxc.contracts import topics
from jxc.contracts.base import Currency, Event, Money, Part, PositiveQuantity, Quantity, Rate


class ProcurementEvent(Event):
    service: ClassVar[str] = "procurement"
    topic: ClassVar[str] = topics.PROCUREMENT_EVENTS
    key: ClassVar[str] = "order_id"
    abstract: ClassVar[bool] = True


class PurchaseLine(Part):
    product_id: uuid.UUID
    quantity: PositiveQuantity
    unit_price: Money
    tax_rate: Rate


class ReceiptLine(Part):
    product_id: uuid.UUID
    quantity: PositiveQuantity
    """Accepted: what goes into stock."""
    unit_cost: Money
    """Net of VAT: what the goods cost the company."""
    tax_rate: Rate
    lot: str | None = None
    expiry: date | None = None
    rejected_quantity: Quantity = Field(default=Decimal(0), ge=0)
    """Delivered but refused at inspection (not stocked; the quality rate)."""
    rejection_reason: str | None = None


class ReturnLine(Part):
    product_id: uuid.UUID
    quantity: PositiveQuantity
    unit_cost: Money
    tax_rate: Rate
    reason: str


class PurchaseOrderApproved(ProcurementEvent):
    order_id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    branch_id: uuid.UUID | None = None
    currency: Currency
    lines: tuple[PurchaseLine, ...] = Field(min_length=1)
    net: Money
    tax: Money
    total: Money
    approved_at: datetime
    expected_at: datetime | None = None
    """When the supplier promised the goods."""
    revision: int = Field(default=1, ge=1)
    """Raised by each re-approval after a change; the lines replace the
    previous revision's."""


class PurchaseOrderCancelled(ProcurementEvent):
    order_id: uuid.UUID
    number: str
    reason: str


class PurchaseOrderClosed(ProcurementEvent):
    order_id: uuid.UUID
    number: str


class GoodsReceived(ProcurementEvent):
    """Goods arrived against a purchase order: inventory stocks them in at
    ``unit_cost``, finance posts Inventory / GRNI, the supplier's scorecard
    counts the delivery."""

    receipt_id: uuid.UUID
    order_id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    branch_id: uuid.UUID | None = None
    currency: Currency
    lines: tuple[ReceiptLine, ...] = Field(min_length=1)
    received_at: datetime
    due_at: datetime | None = None
    """When the order promised the goods (on-time delivery rate)."""


class GoodsReturned(ProcurementEvent):
    """Goods went back to the supplier: inventory issues them, finance
    reverses GRNI or raises a debit note."""

    return_id: uuid.UUID
    order_id: uuid.UUID
    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    branch_id: uuid.UUID | None = None
    currency: Currency
    lines: tuple[ReturnLine, ...] = Field(min_length=1)
    returned_at: datetime
