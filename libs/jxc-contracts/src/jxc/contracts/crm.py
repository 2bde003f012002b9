"""crm's published language: the customer master (finance keeps credit
limits from it, sales its customers)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from jxc.contracts import topics
from jxc.contracts.base import Currency, Event, NonNegativeMoney


class CrmEvent(Event):
    service: ClassVar[str] = "crm"
    topic: ClassVar[str] = topics.CRM_EVENTS
    abstract: ClassVar[bool] = True


class CustomerUpserted(CrmEvent):
    """A customer was created or changed; replicas keep the highest version."""

    key: ClassVar[str] = "customer_id"
    customer_id: uuid.UUID
    code: str
    name: str
    credit_limit: NonNegativeMoney | None = None
    """None: no limit."""
    currency: Currency = "CNY"
    payment_terms_days: int | None = Field(default=None, ge=0, le=3650)
    """Days from invoice to due date; None: the receiving side's default."""
    category: str | None = None
    branch_id: uuid.UUID | None = None
    active: bool = True
    version: int = Field(ge=1)
