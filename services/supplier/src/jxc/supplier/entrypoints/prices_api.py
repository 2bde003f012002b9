"""supplier's HTTP API for price lists and preferred suppliers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from jxc.contracts.base import Currency, Money, Quantity
from jxc.platform.api import CursorQuery, IfMatchHeader, LimitQuery, Page, SessionDep, etag
from jxc.platform.auth import Principal, require
from jxc.platform.record_routes import RequestId
from jxc.supplier.adapters.tables import PreferredSupplier, SupplierPrice
from jxc.supplier.entrypoints.api import refuse_nulls
from jxc.supplier.service_layer import preferred, prices

router = APIRouter(prefix="/api/v1/supplier", tags=["supplier prices"])
Reader = Annotated[Principal, require("supplier:read")]
Writer = Annotated[Principal, require("supplier:write")]
UnitPrice = Annotated[Money, Field(ge=0, max_digits=18, decimal_places=4)]
MinQuantity = Annotated[Quantity, Field(gt=0, max_digits=18, decimal_places=4)]
LeadTime = Annotated[int, Field(ge=0, le=3650)]


class PriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    unit_price: UnitPrice
    currency: Currency = "CNY"
    min_quantity: MinQuantity = Decimal(1)
    lead_time_days: LeadTime = 0
    valid_from: date
    valid_to: date | None = Field(default=None, description="inclusive; null: open-ended")

    @model_validator(mode="after")
    def _validity(self) -> PriceIn:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to must not be before valid_from")
        return self


class PricePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_price: UnitPrice | None = None
    currency: Currency | None = None
    min_quantity: MinQuantity | None = None
    lead_time_days: LeadTime | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> PricePatch:
        refuse_nulls(self, {"valid_to"})
        return self


class PriceOut(BaseModel):
    id: uuid.UUID
    supplier_id: uuid.UUID
    product_id: uuid.UUID
    unit_price: Money
    currency: str
    min_quantity: Quantity
    lead_time_days: int
    valid_from: date
    valid_to: date | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class SupplierPriceOut(PriceOut):
    supplier_code: str
    supplier_name: str


class PreferredIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier_id: uuid.UUID | None


class PreferredOut(BaseModel):
    product_id: uuid.UUID
    supplier_id: uuid.UUID | None
    version: int


def _render(row: SupplierPrice, response: Response) -> PriceOut:
    response.headers["ETag"] = etag(row.version)
    return PriceOut.model_validate(row, from_attributes=True)


@router.post("/suppliers/{supplier_id}/prices", status_code=status.HTTP_201_CREATED,
             summary="Add a price-list line (409 price_overlap if it overlaps an active one)")
async def create_price(supplier_id: uuid.UUID, body: PriceIn, session: SessionDep,
                       response: Response, principal: Writer,
                       request_id: RequestId = None) -> PriceOut:
    row = await prices.create(session, supplier_id, body.model_dump(), request_id)
    response.headers["Location"] = f"{router.prefix}/suppliers/{supplier_id}/prices/{row.id}"
    return _render(row, response)


@router.get("/suppliers/{supplier_id}/prices", summary="A supplier's price list")
async def list_prices(supplier_id: uuid.UUID, session: SessionDep, principal: Reader,
                      limit: LimitQuery = 50, cursor: CursorQuery = None,
                      product_id: uuid.UUID | None = None,
                      on: Annotated[date | None, Query(description="valid on this day")] = None,
                      include_withdrawn: bool = False) -> Page[PriceOut]:
    rows, next_cursor = await prices.page(session, supplier_id, limit, cursor,
                                          product_id=product_id, on=on,
                                          include_withdrawn=include_withdrawn)
    return Page[PriceOut](items=[PriceOut.model_validate(r, from_attributes=True) for r in rows],
                          next_cursor=next_cursor)


@router.get("/suppliers/{supplier_id}/prices/{price_id}", summary="One price-list line")
async def get_price(supplier_id: uuid.UUID, price_id: uuid.UUID, session: SessionDep,
                    response: Response, principal: Reader) -> PriceOut:
    return _render(await prices.get(session, supplier_id, price_id), response)


@router.patch("/suppliers/{supplier_id}/prices/{price_id}",
              summary="Change a price-list line (If-Match; 409 price_overlap)")
async def update_price(supplier_id: uuid.UUID, price_id: uuid.UUID, body: PricePatch,
                       session: SessionDep, response: Response, principal: Writer,
                       if_match: IfMatchHeader = None, request_id: RequestId = None
                       ) -> PriceOut:
    row = await prices.update(session, supplier_id, price_id, body.model_dump(exclude_unset=True),
                              if_match, request_id)
    return _render(row, response)


@router.delete("/suppliers/{supplier_id}/prices/{price_id}",
               summary="Withdraw a price-list line (kept, announced inactive)")
async def withdraw_price(supplier_id: uuid.UUID, price_id: uuid.UUID, session: SessionDep,
                         response: Response, principal: Writer, if_match: IfMatchHeader = None,
                         request_id: RequestId = None) -> PriceOut:
    row = await prices.withdraw(session, supplier_id, price_id, if_match, request_id)
    return _render(row, response)


@router.get("/products/{product_id}/prices",
            summary="Every approved supplier's valid prices for a product, best first")
async def product_prices(product_id: uuid.UUID, session: SessionDep, principal: Reader,
                         on: Annotated[date | None, Query(description="default: today")] = None,
                         quantity: Annotated[MinQuantity | None, Query(
                             description="only prices whose minimum this reaches")] = None,
                         ) -> list[SupplierPriceOut]:
    found = await prices.for_product(session, product_id, on or datetime.now(UTC).date(),
                                     quantity)
    return [SupplierPriceOut(**PriceOut.model_validate(price, from_attributes=True).model_dump(),
                             supplier_code=supplier.code, supplier_name=supplier.name)
            for price, supplier in found]


@router.get("/products/{product_id}/preferred-supplier", summary="A product's preferred supplier")
async def get_preferred(product_id: uuid.UUID, session: SessionDep, principal: Reader
                        ) -> PreferredOut:
    return _preferred_out(await preferred.get_preferred(session, product_id))


@router.put("/products/{product_id}/preferred-supplier",
            summary="Set (or with null clear) a product's preferred supplier; "
                    "a blocked supplier is refused (409 supplier_blocked)")
async def put_preferred(product_id: uuid.UUID, body: PreferredIn, session: SessionDep,
                        principal: Writer, request_id: RequestId = None) -> PreferredOut:
    return _preferred_out(await preferred.set_preferred(session, product_id, body.supplier_id,
                                                        request_id))


def _preferred_out(row: PreferredSupplier) -> PreferredOut:
    return PreferredOut(product_id=row.product_id, supplier_id=row.supplier_id,
                        version=row.version)
