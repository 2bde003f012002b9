"""crm's HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel, ConfigDict, Field

from jxc.contracts.base import Money
from jxc.crm.adapters.tables import CustomerRow
from jxc.crm.service_layer import customers
from jxc.platform.api import CursorQuery, IfMatchHeader, LimitQuery, Page, SessionDep, etag
from jxc.platform.auth import require

router = APIRouter(prefix="/api/v1/crm", tags=["crm"])
RequestId = Annotated[str | None, Header(alias="X-Request-ID", include_in_schema=False)]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]
Email = Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: str = Field(min_length=1, max_length=200)
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    credit_limit: Amount | None = None
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    category: str | None = Field(default=None, max_length=50)


class CustomerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    credit_limit: Amount | None = None
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
    category: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: CustomerRow) -> CustomerOut:
        return cls.model_validate(row, from_attributes=True)


@router.post("/customers", status_code=status.HTTP_201_CREATED,
             dependencies=[require("crm:write")])
async def create_customer(body: CustomerIn, session: SessionDep, response: Response,
                          request_id: RequestId = None) -> CustomerOut:
    row = await customers.create_customer(session, body.model_dump(), request_id)
    response.headers["ETag"] = etag(row.version)
    response.headers["Location"] = f"/api/v1/crm/customers/{row.id}"
    return CustomerOut.of(row)


@router.get("/customers", dependencies=[require("crm:read")])
async def list_customers(session: SessionDep, limit: LimitQuery = 50,
                         cursor: CursorQuery = None) -> Page[CustomerOut]:
    rows, next_cursor = await customers.list_customers(session, limit, cursor)
    return Page(items=[CustomerOut.of(r) for r in rows], next_cursor=next_cursor)


@router.get("/customers/{customer_id}", dependencies=[require("crm:read")])
async def get_customer(customer_id: uuid.UUID, session: SessionDep,
                       response: Response) -> CustomerOut:
    row = await customers.get_customer(session, customer_id)
    response.headers["ETag"] = etag(row.version)
    return CustomerOut.of(row)


@router.patch("/customers/{customer_id}", dependencies=[require("crm:write")])
async def update_customer(customer_id: uuid.UUID, body: CustomerPatch, session: SessionDep,
                          response: Response, if_match: IfMatchHeader = None,
                          request_id: RequestId = None) -> CustomerOut:
    row = await customers.update_customer(session, customer_id,
                                          body.model_dump(exclude_unset=True), if_match,
                                          request_id)
    response.headers["ETag"] = etag(row.version)
    return CustomerOut.of(row)
