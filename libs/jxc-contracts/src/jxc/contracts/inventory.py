"""Inventory's published language (interim: ProductUpserted for the walking skeleton)."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from jxc.contracts import topics
from jxc.contracts.base import Event, Money, Rate, register


@register
class ProductUpserted(Event):
    type_name: ClassVar[str] = "jxc.inventory.ProductUpserted.v1"
    source: ClassVar[str] = "/jxc/inventory"
    topic: ClassVar[str] = topics.INVENTORY_EVENTS

    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    barcode: str | None = None
    costing_method: Literal["average", "fifo"]
    sale_price: Money
    currency: str
    tax_rate: Rate
    active: bool
    version: int

    def partition_key(self) -> str:
        return str(self.product_id)
