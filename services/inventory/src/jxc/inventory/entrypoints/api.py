"""Inventory's HTTP API: translate requests to service-layer calls."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel, ConfigDict, Field

from jxc.contracts.base import Money, Rate
from jxc.inventory.adapters.tables import ProductRow
from jxc.inventory.domain.products import CostingMethod
from jxc.inventory.service_layer import products
from jxc.platform.api import CursorQuery, IfMatchHeader, LimitQuery, Page, SessionDep, etag
from jxc.platform.auth import require

router = APIRouter(prefix="/api/v1/inventory", tags=["inventory"])
RequestId = Annotated[str | None, Header(alias="X-Request-ID", include_in_schema=False)]


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=20)
    barcode: str | None = Field(default=None, max_length=64)
    costing_method: CostingMethod = CostingMethod.AVERAGE
    sale_price: Decimal = Field(default=Decimal("0"), ge=0, max_digits=18, decimal_places=4)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    tax_rate: Decimal = Field(default=Decimal("0.13"), ge=0, lt=1, decimal_places=4)


class ProductPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit: str | None = Field(default=None, min_length=1, max_length=20)
    barcode: str | None = Field(default=None, max_length=64)
    costing_method: CostingMethod | None = None
    sale_price: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=4)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    tax_rate: Decimal | None = Field(default=None, ge=0, lt=1, decimal_places=4)
    active: bool | None = None


class ProductOut(BaseModel):
    id: uuid.UUID
    sku: str
    name: str
    unit: str
    barcode: str | None
    costing_method: CostingMethod
    sale_price: Money
    currency: str
    tax_rate: Rate
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: ProductRow) -> ProductOut:
        return cls.model_validate(row, from_attributes=True)


@router.post("/products", status_code=status.HTTP_201_CREATED,
             dependencies=[require("inventory:manage")])
async def create_product(body: ProductIn, session: SessionDep, response: Response,
                         request_id: RequestId = None) -> ProductOut:
    row = await products.create_product(session, body.model_dump(), request_id)
    response.headers["ETag"] = etag(row.version)
    response.headers["Location"] = f"/api/v1/inventory/products/{row.id}"
    return ProductOut.of(row)


@router.get("/products", dependencies=[require("inventory:read")])
async def list_products(session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None,
                        sku: str | None = None) -> Page[ProductOut]:
    rows, next_cursor = await products.list_products(session, limit, cursor, sku)
    return Page(items=[ProductOut.of(r) for r in rows], next_cursor=next_cursor)


@router.get("/products/{product_id}", dependencies=[require("inventory:read")])
async def get_product(product_id: uuid.UUID, session: SessionDep,
                      response: Response) -> ProductOut:
    row = await products.get_product(session, product_id)
    response.headers["ETag"] = etag(row.version)
    return ProductOut.of(row)


@router.patch("/products/{product_id}", dependencies=[require("inventory:manage")])
async def update_product(product_id: uuid.UUID, body: ProductPatch, session: SessionDep,
                         response: Response, if_match: IfMatchHeader = None,
                         request_id: RequestId = None) -> ProductOut:
    row = await products.update_product(session, product_id, body.model_dump(exclude_unset=True),
                                        if_match, request_id)
    response.headers["ETag"] = etag(row.version)
    return ProductOut.of(row)
