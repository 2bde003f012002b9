"""supplier's published language: the supplier master."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from jxc.contracts import topics
from jxc.contracts.base import Event


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
