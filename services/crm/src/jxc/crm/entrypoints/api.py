"""crm's HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from jxc.contracts.base import Money
from jxc.crm.service_layer.customers import customers
from jxc.platform.api import Code, Email
from jxc.platform.record_routes import add_record_routes

router = APIRouter(prefix="/api/v1/crm", tags=["crm"])
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
TermsDays = Annotated[int, Field(ge=0, le=3650)]
"""Days from invoice to due date (finance's default when not given)."""


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: str = Field(min_length=1, max_length=200)
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    credit_limit: Amount | None = None
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    payment_terms_days: TermsDays | None = None
    category: str | None = Field(default=None, max_length=50)


class CustomerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    credit_limit: Amount | None = None
    payment_terms_days: TermsDays | None = None
    category: str | None = Field(default=None, max_length=50)
    active: bool | None = None


class CustomerOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    email: str | None
    phone: str | None
    credit_limit: Money | None
    currency: str
    payment_terms_days: int | None
    category: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


add_record_routes(router, "/customers", customers, create_body=CustomerIn,
                  patch_body=CustomerPatch, out=CustomerOut, read="crm:read", write="crm:write")
