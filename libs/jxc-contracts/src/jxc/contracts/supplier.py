"""supplier's published language: the supplier master."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from jxc.contracts import topics
from jxc.contracts.base import Currency, Event, NonNegativeMoney, PositiveQuantity


class SupplierEvent(Event):
    service: ClassVar[str] = "supplier"
    topic: ClassVar[str] = topics.SUPPLIER_EVENTS
    abstract: ClassVar[bool] = True


class SupplierUpserted(SupplierEvent):
    """A supplier was created or changed; replicas keep the highest version."""

    key: ClassVar[str] = "supplier_id"
    supplier_id: uuid.UUID
    code: str
    name: str
    payment_terms_days: int = Field(default=30, ge=0)
    category: str | None = None
    active: bool = True
    version: int = Field(ge=1)
    status: Literal["approved", "blocked"] = "approved"
    """A blocked supplier gets no new purchase orders."""
    currency: Currency = "CNY"
    email: str | None = None
    """Where purchase orders are sent."""


class SupplierPriceUpserted(SupplierEvent):
    """A line of a supplier's price list was created or changed (or, with
    ``active`` false, withdrawn); replicas keep the highest version."""

    key: ClassVar[str] = "product_id"
    price_id: uuid.UUID
    supplier_id: uuid.UUID
    product_id: uuid.UUID
    unit_price: NonNegativeMoney
    currency: Currency = "CNY"
    min_quantity: PositiveQuantity
    lead_time_days: int = Field(ge=0)
    valid_from: date
    valid_to: date | None = None
    """Inclusive; None: open-ended."""
    active: bool = True
    version: int = Field(ge=1)


class PreferredSupplierSet(SupplierEvent):
    """The supplier a requisition for the product goes to by default
    (``supplier_id`` None: no preference any more)."""

    key: ClassVar[str] = "product_id"
    product_id: uuid.UUID
    supplier_id: uuid.UUID | None
    version: int = Field(ge=1)
