"""supplier's HTTP API: the supplier master, blocking, listing with filters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from jxc.contracts.base import Currency
from jxc.platform.api import (
    Code,
    CursorQuery,
    Email,
    IfMatchHeader,
    LimitQuery,
    Page,
    SessionDep,
    etag,
)
from jxc.platform.auth import Principal, require
from jxc.platform.record_routes import RequestId, add_record_routes
from jxc.supplier.adapters.tables import SupplierRow
from jxc.supplier.service_layer.suppliers import set_status, suppliers

router = APIRouter(prefix="/api/v1/supplier", tags=["supplier"])
Reader = Annotated[Principal, require("supplier:read")]
Writer = Annotated[Principal, require("supplier:write")]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text
    phone: str | None = Field(default=None, max_length=40)
    email: Email | None = None
    role: str | None = Field(default=None, max_length=100)


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["office", "billing", "shipping", "warehouse", "other"] = "office"
    street: Text
    city: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str = Field(default="CN", pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class BankDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bank_name: Text
    account_name: Text
    account_number: str = Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z \-]+$")
    branch: str | None = Field(default=None, max_length=200)


TaxId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z\-]+$",
                             description="统一社会信用代码 or another tax number")]


class SupplierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: Text
    tax_id: TaxId | None = None
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    contact: str | None = Field(default=None, max_length=100)
    contacts: list[Contact] = Field(default_factory=list, max_length=50)
    addresses: list[Address] = Field(default_factory=list, max_length=20)
    bank: BankDetails | None = None
    currency: Currency = "CNY"
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    category: str | None = Field(default=None, max_length=50)


def refuse_nulls(body: BaseModel, nullable: set[str]) -> None:
    """A PATCH may clear only the optional fields; null for any other is refused."""
    for name in body.model_fields_set - nullable:
        if getattr(body, name) is None:
            raise ValueError(f"{name} cannot be null")


class SupplierPatch(BaseModel):
    """Status changes go through ``/block`` and ``/unblock``."""

    model_config = ConfigDict(extra="forbid")
    name: Text | None = None
    tax_id: TaxId | None = None
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    contact: str | None = Field(default=None, max_length=100)
    contacts: list[Contact] | None = Field(default=None, max_length=50)
    addresses: list[Address] | None = Field(default=None, max_length=20)
    bank: BankDetails | None = None
    currency: Currency | None = None
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    category: str | None = Field(default=None, max_length=50)
    active: bool | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> SupplierPatch:
        refuse_nulls(self, {"tax_id", "email", "phone", "contact", "bank", "category"})
        return self


class SupplierOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    tax_id: str | None
    email: str | None
    phone: str | None
    contact: str | None
    contacts: list[Contact]
    addresses: list[Address]
    bank: BankDetails | None
    currency: str
    payment_terms_days: int
    category: str | None
    status: Literal["approved", "blocked"]
    status_reason: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class BlockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class UnblockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=500)


add_record_routes(router, "/suppliers", suppliers, create_body=SupplierIn,
                  patch_body=SupplierPatch, out=SupplierOut,
                  read="supplier:read", write="supplier:write", listing=False)


def _render(row: SupplierRow, response: Response) -> SupplierOut:
    response.headers["ETag"] = etag(row.version)
    return SupplierOut.model_validate(row, from_attributes=True)


@router.get("/suppliers", summary="Suppliers by code, filtered by category, status or activity")
async def list_suppliers(session: SessionDep, principal: Reader, limit: LimitQuery = 50,
                         cursor: CursorQuery = None,
                         category: Annotated[str | None, Query(max_length=50)] = None,
                         status: Literal["approved", "blocked"] | None = None,
                         active: bool | None = None) -> Page[SupplierOut]:
    where = []
    if category is not None:
        where.append(SupplierRow.category == category)
    if status is not None:
        where.append(SupplierRow.status == status)
    if active is not None:
        where.append(SupplierRow.active == active)
    rows, next_cursor = await suppliers.page(session, limit, cursor, principal,
                                             where)  # type: ignore[arg-type]
    return Page[SupplierOut](items=[SupplierOut.model_validate(r, from_attributes=True)
                                    for r in rows], next_cursor=next_cursor)


@router.post("/suppliers/{supplier_id}/block",
             summary="Block a supplier: no new orders, no longer anyone's preferred supplier")
async def block(supplier_id: uuid.UUID, body: BlockIn, session: SessionDep, response: Response,
                principal: Writer, if_match: IfMatchHeader = None,
                request_id: RequestId = None) -> SupplierOut:
    row = await set_status(session, supplier_id, blocked=True, reason=body.reason,
                           if_match=if_match, correlation_id=request_id)
    return _render(row, response)


@router.post("/suppliers/{supplier_id}/unblock", summary="Approve a blocked supplier again")
async def unblock(supplier_id: uuid.UUID, session: SessionDep, response: Response,
                  principal: Writer, body: UnblockIn | None = None,
                  if_match: IfMatchHeader = None, request_id: RequestId = None) -> SupplierOut:
    row = await set_status(session, supplier_id, blocked=False,
                           reason=body.reason if body else None, if_match=if_match,
                           correlation_id=request_id)
    return _render(row, response)
