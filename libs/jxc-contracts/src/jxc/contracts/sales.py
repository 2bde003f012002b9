"""sales' published language: what happened to sales orders. Keyed by the
order."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from jxc.contracts import topics
from jxc.contracts.base import Currency, Event, Money, Part, PositiveQuantity, Rate
from jxc.contracts.inventory import Shortage


class SalesEvent(Event):
    service: ClassVar[str] = "sales"
    topic: ClassVar[str] = topics.SALES_EVENTS
    key: ClassVar[str] = "order_id"
    abstract: ClassVar[bool] = True


class SalesLine(Part):
    product_id: uuid.UUID
    quantity: PositiveQuantity
    unit_price: Money
    tax_rate: Rate
    discount: Money = Field(default=Decimal(0), ge=0)
    """Amount off the line, before tax."""


class ReturnedLine(SalesLine):
    unit_cost: Money
    """The cost the goods left at, so they come back in at it."""


class SalesOrderConfirmed(SalesEvent):
    order_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    warehouse_id: uuid.UUID
    branch_id: uuid.UUID | None = None
    currency: Currency
    lines: tuple[SalesLine, ...] = Field(min_length=1)
    net: Money
    tax: Money
    total: Money
    confirmed_at: datetime


class SalesOrderRejected(SalesEvent):
    order_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    reason: Literal["insufficient_stock", "credit_limit_exceeded", "timeout"]
    shortages: tuple[Shortage, ...] = ()


class SalesOrderShipped(SalesEvent):
    """A shipment left: finance issues the receivable invoice for it."""

    order_id: uuid.UUID
    number: str
    shipment_id: uuid.UUID
    customer_id: uuid.UUID
    warehouse_id: uuid.UUID
    branch_id: uuid.UUID | None = None
    currency: Currency
    lines: tuple[SalesLine, ...] = Field(min_length=1)
    net: Money
    tax: Money
    total: Money
    complete: bool
    """True when nothing of the order is left to ship."""
    shipped_at: datetime


class SalesOrderCancelled(SalesEvent):
    order_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    reason: str


class SalesReturnReceived(SalesEvent):
    """A customer returned goods: inventory takes them back at their cost,
    finance issues a credit note."""

    return_id: uuid.UUID
    order_id: uuid.UUID
    customer_id: uuid.UUID
    warehouse_id: uuid.UUID
    branch_id: uuid.UUID | None = None
    currency: Currency
    lines: tuple[ReturnedLine, ...] = Field(min_length=1)
    net: Money
    tax: Money
    total: Money
    received_at: datetime
