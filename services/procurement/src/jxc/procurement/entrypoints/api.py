"""Procurement' HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from jxc.contracts.base import Rate
from jxc.platform.api import CursorQuery, LimitQuery, Page, SessionDep, keyset_page
from jxc.platform.auth import require
from jxc.platform.errors import NotFound
from jxc.procurement.adapters.tables import ProductReplica

router = APIRouter(prefix="/api/v1/procurement", tags=["procurement"])


class PurchasableProduct(BaseModel):
    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    barcode: str | None
    tax_rate: Rate
    active: bool
    version: int
    synced_at: datetime


@router.get("/products", dependencies=[require("procurement:read")],
            summary="Products as procurement knows them (replica of inventory's)")
async def list_products(session: SessionDep, limit: LimitQuery = 50,
                        cursor: CursorQuery = None) -> Page[PurchasableProduct]:
    rows, next_cursor = await keyset_page(session, select(ProductReplica),
                                          ProductReplica.sku, limit, cursor)
    return Page(items=[PurchasableProduct.model_validate(r, from_attributes=True) for r in rows],
                next_cursor=next_cursor)


@router.get("/products/{product_id}", dependencies=[require("procurement:read")])
async def get_product(product_id: uuid.UUID, session: SessionDep) -> PurchasableProduct:
    row = await session.get(ProductReplica, product_id)
    if row is None:
        raise NotFound(f"procurement knows no product {product_id}")
    return PurchasableProduct.model_validate(row, from_attributes=True)
