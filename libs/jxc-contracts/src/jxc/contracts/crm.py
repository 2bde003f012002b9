"""crm's published language (interim: CustomerUpserted for the walking skeleton)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from jxc.contracts import topics
from jxc.contracts.base import Event, Money, register


@register
class CustomerUpserted(Event):
    type_name: ClassVar[str] = "jxc.crm.CustomerUpserted.v1"
    source: ClassVar[str] = "/jxc/crm"
    topic: ClassVar[str] = topics.CRM_EVENTS

    customer_id: uuid.UUID
    code: str
    name: str
    credit_limit: Money | None = None
    currency: str = "CNY"
    category: str | None = None
    active: bool = True
    version: int

    def partition_key(self) -> str:
        return str(self.customer_id)
