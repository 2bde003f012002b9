"""Inventory's catalogue API: products (barcodes, units, categories, bulk
import) and the category tree. Routes only translate HTTP to use cases."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from jxc.contracts.base import Money, Rate
from jxc.contracts.inventory import UnitFactor
from jxc.inventory.adapters.tables import CategoryRow
from jxc.inventory.domain.products import MAX_BARCODES, MAX_SHELF_LIFE_DAYS, CostingMethod
from jxc.inventory.service_layer import categories, product_import, products, sheets
from jxc.inventory.service_layer.products import ProductView, Scan
from jxc.platform.api import Code, CursorQuery, IfMatchHeader, LimitQuery, Page, SessionDep, etag
from jxc.platform.auth import require

router = APIRouter(prefix="/api/v1/inventory", tags=["inventory"])
RequestId = Annotated[str | None, Header(alias="X-Request-ID", include_in_schema=False)]
UnitName = Annotated[str, Field(min_length=1, max_length=20)]


# -- products ---------------------------------------------------------------------
class BarcodeIn(BaseModel):
    """A barcode and, when one scan is not one base unit, the unit it counts."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64)
    unit: UnitName | None = None


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: UnitName
    factor: Decimal = Field(gt=0, max_digits=18, decimal_places=6,
                            description="base units in one of this unit (箱 = 12 个: 12)")


BarcodeItem = Annotated[str, Field(min_length=1, max_length=64)] | BarcodeIn


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    unit: UnitName
    barcode: str | None = Field(default=None, max_length=64,
                                description="the primary barcode (put first of barcodes)")
    barcodes: list[BarcodeItem] = Field(default_factory=list, max_length=MAX_BARCODES)
    units: list[UnitIn] = Field(default_factory=list, max_length=50)
    category_id: uuid.UUID | None = None
    costing_method: CostingMethod = CostingMethod.AVERAGE
    sale_price: Decimal = Field(default=Decimal("0"), ge=0, max_digits=18, decimal_places=4)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    tax_rate: Decimal = Field(default=Decimal("0.13"), ge=0, lt=1, decimal_places=4)
    lot_tracked: bool = False
    shelf_life_days: int | None = Field(default=None, gt=0, le=MAX_SHELF_LIFE_DAYS)
    active: bool = True


class ProductPatch(BaseModel):
    """Fields to change. ``null`` clears ``category_id``, ``shelf_life_days``,
    ``barcode`` (the primary), ``barcodes`` and ``units``; a bare code in
    ``barcodes`` keeps the unit it already counts."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit: UnitName | None = None
    barcode: str | None = Field(default=None, max_length=64)
    barcodes: list[BarcodeItem] | None = Field(default=None, max_length=MAX_BARCODES)
    units: list[UnitIn] | None = Field(default=None, max_length=50)
    category_id: uuid.UUID | None = None
    costing_method: CostingMethod | None = None
    sale_price: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=4)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    tax_rate: Decimal | None = Field(default=None, ge=0, lt=1, decimal_places=4)
    lot_tracked: bool | None = None
    shelf_life_days: int | None = Field(default=None, gt=0, le=MAX_SHELF_LIFE_DAYS)
    active: bool | None = None


class BarcodeOut(BaseModel):
    code: str
    unit: str


class UnitOut(BaseModel):
    unit: str
    factor: UnitFactor


class ProductOut(BaseModel):
    id: uuid.UUID
    sku: str
    name: str
    unit: str
    barcode: str | None
    barcodes: list[BarcodeOut]
    units: list[UnitOut]
    category_id: uuid.UUID | None
    costing_method: CostingMethod
    sale_price: Money
    currency: str
    tax_rate: Rate
    lot_tracked: bool
    shelf_life_days: int | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: ProductView) -> ProductOut:
        row = view.row
        return cls(
            id=row.id, sku=row.sku, name=row.name, unit=row.unit, barcode=view.barcode,
            barcodes=[BarcodeOut(code=code, unit=unit) for code, unit in view.barcodes],
            units=[UnitOut(unit=unit, factor=factor) for unit, factor in view.units],
            category_id=row.category_id, costing_method=CostingMethod(row.costing_method),
            sale_price=row.sale_price, currency=row.currency, tax_rate=row.tax_rate,
            lot_tracked=row.lot_tracked, shelf_life_days=row.shelf_life_days, active=row.active,
            version=row.version, created_at=row.created_at, updated_at=row.updated_at)


class ScanOut(BaseModel):
    """One scan of ``barcode``: ``factor`` base units of ``product``, counted as ``unit``."""

    barcode: str
    unit: str
    factor: UnitFactor
    product: ProductOut

    @classmethod
    def of(cls, scan: Scan) -> ScanOut:
        return cls(barcode=scan.barcode, unit=scan.unit, factor=scan.factor,
                   product=ProductOut.of(scan.product))


class ImportOut(BaseModel):
    created: int
    updated: int
    unchanged: int


@router.post("/products", status_code=status.HTTP_201_CREATED,
             dependencies=[require("inventory:manage")])
async def create_product(body: ProductIn, session: SessionDep, response: Response,
                         request_id: RequestId = None) -> ProductOut:
    view = await products.create_product(session, body.model_dump(), request_id)
    response.headers["ETag"] = etag(view.row.version)
    response.headers["Location"] = f"/api/v1/inventory/products/{view.row.id}"
    return ProductOut.of(view)


@router.get("/products", dependencies=[require("inventory:read")])
async def list_products(
    session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None,
    sku: str | None = None,
    barcode: Annotated[str | None, Query(description="any GTIN form (UPC-A, EAN-13…)")] = None,
    category_id: Annotated[uuid.UUID | None, Query(
        description="the category or any of its subcategories")] = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="part of the name")] = None,
) -> Page[ProductOut]:
    views, next_cursor = await products.list_products(
        session, limit, cursor, sku=sku, barcode=barcode, category_id=category_id,
        active=active, q=q)
    return Page(items=[ProductOut.of(v) for v in views], next_cursor=next_cursor)


@router.get("/products/by-barcode/{code}", dependencies=[require("inventory:read")])
async def product_by_barcode(code: str, session: SessionDep) -> ScanOut:
    return ScanOut.of(await products.find_by_barcode(session, code))


@router.post("/products/import", dependencies=[require("inventory:manage")])
async def import_products(session: SessionDep,
                          file: Annotated[UploadFile, File(description="CSV (UTF-8) or .xlsx")],
                          request_id: RequestId = None) -> ImportOut:
    data = await file.read(sheets.MAX_BYTES + 1)
    result = await product_import.import_products(session, data, file.filename,
                                                  file.content_type, request_id)
    return ImportOut(created=result.created, updated=result.updated,
                     unchanged=result.unchanged)


@router.get("/products/{product_id}", dependencies=[require("inventory:read")])
async def get_product(product_id: uuid.UUID, session: SessionDep,
                      response: Response) -> ProductOut:
    view = await products.get_product(session, product_id)
    response.headers["ETag"] = etag(view.row.version)
    return ProductOut.of(view)


@router.patch("/products/{product_id}", dependencies=[require("inventory:manage")])
async def update_product(product_id: uuid.UUID, body: ProductPatch, session: SessionDep,
                         response: Response, if_match: IfMatchHeader = None,
                         request_id: RequestId = None) -> ProductOut:
    view = await products.update_product(session, product_id,
                                         body.model_dump(exclude_unset=True), if_match,
                                         request_id)
    response.headers["ETag"] = etag(view.row.version)
    return ProductOut.of(view)


# -- categories -------------------------------------------------------------------
class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: str = Field(min_length=1, max_length=200)
    parent_id: uuid.UUID | None = None


class CategoryPatch(BaseModel):
    """``parent_id: null`` makes the category a root."""

    model_config = ConfigDict(extra="forbid")
    code: Code | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    parent_id: uuid.UUID | None = None


class CategoryOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    parent_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: CategoryRow) -> CategoryOut:
        return cls.model_validate(row, from_attributes=True)


@router.post("/categories", status_code=status.HTTP_201_CREATED,
             dependencies=[require("inventory:manage")])
async def create_category(body: CategoryIn, session: SessionDep,
                          response: Response) -> CategoryOut:
    row = await categories.create_category(session, body.model_dump())
    response.headers["ETag"] = etag(row.version)
    response.headers["Location"] = f"/api/v1/inventory/categories/{row.id}"
    return CategoryOut.of(row)


@router.get("/categories", dependencies=[require("inventory:read")])
async def list_categories(
    session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None,
    parent_id: Annotated[uuid.UUID | None, Query(description="children of this one")] = None,
    roots: Annotated[bool, Query(description="only categories without a parent")] = False,
    code: str | None = None,
) -> Page[CategoryOut]:
    rows, next_cursor = await categories.list_categories(session, limit, cursor,
                                                         parent_id=parent_id, roots=roots,
                                                         code=code)
    return Page(items=[CategoryOut.of(r) for r in rows], next_cursor=next_cursor)


@router.get("/categories/{category_id}", dependencies=[require("inventory:read")])
async def get_category(category_id: uuid.UUID, session: SessionDep,
                       response: Response) -> CategoryOut:
    row = await categories.get_category(session, category_id)
    response.headers["ETag"] = etag(row.version)
    return CategoryOut.of(row)


@router.patch("/categories/{category_id}", dependencies=[require("inventory:manage")])
async def update_category(category_id: uuid.UUID, body: CategoryPatch, session: SessionDep,
                          response: Response, if_match: IfMatchHeader = None) -> CategoryOut:
    row = await categories.update_category(session, category_id,
                                           body.model_dump(exclude_unset=True), if_match)
    response.headers["ETag"] = etag(row.version)
    return CategoryOut.of(row)
