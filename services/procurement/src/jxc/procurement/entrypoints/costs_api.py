"""Purchase cost control (采购成本控制): price history per product, an order's
prices against the best list prices, and the savings report."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from jxc.contracts.base import Money, Quantity
from jxc.platform.api import CursorQuery, LimitQuery, SessionDep
from jxc.platform.auth import Principal, require
from jxc.procurement.domain.costs import SAVINGS_DEFINITION
from jxc.procurement.service_layer import costs

router = APIRouter(prefix="/api/v1/procurement", tags=["procurement: costs"])
Reader = Annotated[Principal, require("procurement:read")]


class PricePaidOut(BaseModel):
    order_id: uuid.UUID
    order_number: str
    line_no: int
    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Quantity
    unit_price: Money
    currency: str
    priced_on: date
    recorded_at: datetime


class SupplierPricesOut(BaseModel):
    supplier_id: uuid.UUID
    currency: str
    purchases: int
    quantity: Quantity
    last_price: Money
    last_on: date
    average_price: Money
    best_price: Money


class ProductPricesOut(BaseModel):
    product_id: uuid.UUID
    suppliers: list[SupplierPricesOut]
    history: list[PricePaidOut]
    next_cursor: str | None = None


class BestListPriceOut(BaseModel):
    price_id: uuid.UUID
    supplier_id: uuid.UUID
    unit_price: Money
    min_quantity: Quantity
    lead_time_days: int


class LineVarianceOut(BaseModel):
    product_id: uuid.UUID
    quantity: Quantity
    unit_price: Money
    best_list_price: BestListPriceOut | None
    difference: Money | None
    difference_pct: Decimal | None
    line_excess: Money | None


class OrderVarianceOut(BaseModel):
    order_id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    currency: str
    priced_on: date
    lines: list[LineVarianceOut]


class SavingsOut(BaseModel):
    product_id: uuid.UUID
    supplier_id: uuid.UUID
    currency: str
    quantity: Quantity
    paid: Money
    at_best_list_price: Money
    at_average_price: Money
    average_price: Money
    savings: Money
    list_premium: Money
    unlisted_quantity: Quantity


class SavingsReportOut(BaseModel):
    start: date
    end: date
    definition: str
    rows: list[SavingsOut]


@router.get("/products/{product_id}/prices",
            summary="What was paid for a product: history and per-supplier figures")
async def product_prices(product_id: uuid.UUID, session: SessionDep, principal: Reader,
                         supplier_id: uuid.UUID | None = None, limit: LimitQuery = 100,
                         cursor: CursorQuery = None) -> ProductPricesOut:
    """History newest first (paginated); per supplier the last, the
    quantity-weighted average and the best (lowest) price paid, over the
    whole history."""
    found = await costs.product_prices(session, principal, product_id,
                                       supplier_id=supplier_id, limit=limit, cursor=cursor)
    return ProductPricesOut(
        product_id=product_id,
        suppliers=[SupplierPricesOut.model_validate(s, from_attributes=True)
                   for s in found.suppliers],
        history=[PricePaidOut.model_validate(dict(r._mapping)) for r in found.history],
        next_cursor=found.next_cursor)


@router.get("/purchase-orders/{order_id}/price-variance",
            summary="An order's prices against the best valid list prices")
async def price_variance(order_id: uuid.UUID, session: SessionDep,
                         principal: Reader) -> OrderVarianceOut:
    """Each line against the lowest list price (any supplier, the order's
    currency) that applies to its quantity today: difference = unit price −
    best list price, difference_pct relative to the best list price,
    line_excess = difference × quantity."""
    found = await costs.price_variance(session, principal, order_id)
    return OrderVarianceOut(
        order_id=found.order.id, number=found.order.number, supplier_id=found.order.supplier_id,
        currency=found.order.currency, priced_on=found.day, lines=[
            LineVarianceOut(
                product_id=v.product_id, quantity=v.quantity, unit_price=v.unit_price,
                best_list_price=None if v.best is None else BestListPriceOut(
                    price_id=v.best.price_id, supplier_id=v.best.supplier_id,
                    unit_price=v.best.unit_price, min_quantity=v.best.min_quantity,
                    lead_time_days=v.best.lead_time_days),
                difference=v.difference, difference_pct=v.difference_pct,
                line_excess=v.line_excess)
            for v in found.lines])


@router.get("/reports/savings", summary="Purchase savings per product and supplier")
async def savings_report(session: SessionDep, principal: Reader,
                         start: Annotated[date, Query(alias="from")],
                         end: Annotated[date, Query(alias="to")]) -> SavingsReportOut:
    rows = await costs.savings_report(session, principal, start, end)
    return SavingsReportOut(
        start=start, end=end, definition=SAVINGS_DEFINITION,
        rows=[SavingsOut.model_validate(r, from_attributes=True) for r in rows])


class OfferOut(BaseModel):
    price_id: uuid.UUID
    supplier_id: uuid.UUID
    unit_price: Money
    currency: str
    min_quantity: Quantity
    lead_time_days: int
    valid_from: date
    valid_to: date | None


class ProductOffersOut(BaseModel):
    product_id: uuid.UUID
    preferred_supplier_id: uuid.UUID | None
    offers: list[OfferOut]
    """Active price-list lines, cheapest first."""


@router.get("/products/{product_id}/offers", summary="Who sells the product at what price: "
            "the preferred supplier and the price lists as procurement knows them")
async def product_offers(product_id: uuid.UUID, session: SessionDep,
                         principal: Reader) -> ProductOffersOut:
    found = sorted(await costs.offers(session, [product_id]),
                   key=lambda o: (o.currency, o.unit_price, o.lead_time_days))
    return ProductOffersOut(
        product_id=product_id, preferred_supplier_id=await costs.preferred_supplier(
            session, product_id),
        offers=[OfferOut(price_id=o.price_id, supplier_id=o.supplier_id,
                         unit_price=o.unit_price, currency=o.currency,
                         min_quantity=o.min_quantity, lead_time_days=o.lead_time_days,
                         valid_from=o.valid_from, valid_to=o.valid_to) for o in found])
