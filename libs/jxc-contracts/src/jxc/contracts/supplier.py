"""supplier's published language (interim: SupplierUpserted for the walking skeleton)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from jxc.contracts import topics
from jxc.contracts.base import Event, register


@register
class SupplierUpserted(Event):
    type_name: ClassVar[str] = "jxc.supplier.SupplierUpserted.v1"
    source: ClassVar[str] = "/jxc/supplier"
    topic: ClassVar[str] = topics.SUPPLIER_EVENTS

    supplier_id: uuid.UUID
    code: str
    name: str
    payment_terms_days: int = 30
    category: str | None = None
    active: bool = True
    version: int

    def partition_key(self) -> str:
        return str(self.supplier_id)
