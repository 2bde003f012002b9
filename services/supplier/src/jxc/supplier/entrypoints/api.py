"""supplier's HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel, ConfigDict, Field

from jxc.platform.api import CursorQuery, IfMatchHeader, LimitQuery, Page, SessionDep, etag
from jxc.platform.auth import require
from jxc.supplier.adapters.tables import SupplierRow
from jxc.supplier.service_layer import suppliers

router = APIRouter(prefix="/api/v1/supplier", tags=["supplier"])
RequestId = Annotated[str | None, Header(alias="X-Request-ID", include_in_schema=False)]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]
Email = Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class SupplierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: str = Field(min_length=1, max_length=200)
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    contact: str | None = Field(default=None, max_length=100)
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    category: str | None = Field(default=None, max_length=50)


class SupplierPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    contact: str | None = Field(default=None, max_length=100)
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    category: str | None = Field(default=None, max_length=50)
    active: bool | None = None


class SupplierOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    email: str | None
    phone: str | None
    contact: str | None
    payment_terms_days: int
    category: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: SupplierRow) -> SupplierOut:
        return cls.model_validate(row, from_attributes=True)


@router.post("/suppliers", status_code=status.HTTP_201_CREATED,
             dependencies=[require("supplier:write")])
async def create_supplier(body: SupplierIn, session: SessionDep, response: Response,
                          request_id: RequestId = None) -> SupplierOut:
    row = await suppliers.create_supplier(session, body.model_dump(), request_id)
    response.headers["ETag"] = etag(row.version)
    response.headers["Location"] = f"/api/v1/supplier/suppliers/{row.id}"
    return SupplierOut.of(row)


@router.get("/suppliers", dependencies=[require("supplier:read")])
async def list_suppliers(session: SessionDep, limit: LimitQuery = 50,
                         cursor: CursorQuery = None) -> Page[SupplierOut]:
    rows, next_cursor = await suppliers.list_suppliers(session, limit, cursor)
    return Page(items=[SupplierOut.of(r) for r in rows], next_cursor=next_cursor)


@router.get("/suppliers/{supplier_id}", dependencies=[require("supplier:read")])
async def get_supplier(supplier_id: uuid.UUID, session: SessionDep,
                       response: Response) -> SupplierOut:
    row = await suppliers.get_supplier(session, supplier_id)
    response.headers["ETag"] = etag(row.version)
    return SupplierOut.of(row)


@router.patch("/suppliers/{supplier_id}", dependencies=[require("supplier:write")])
async def update_supplier(supplier_id: uuid.UUID, body: SupplierPatch, session: SessionDep,
                          response: Response, if_match: IfMatchHeader = None,
                          request_id: RequestId = None) -> SupplierOut:
    row = await suppliers.update_supplier(session, supplier_id,
                                          body.model_dump(exclude_unset=True), if_match,
                                          request_id)
    response.headers["ETag"] = etag(row.version)
    return SupplierOut.of(row)
