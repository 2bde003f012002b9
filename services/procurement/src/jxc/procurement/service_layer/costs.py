"""Purchase cost control: the price-list and preferred-supplier replicas, the
price history of approved purchase orders, and the reports built on them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, cast, delete, false, func, insert, or_, select, true, tuple_
from sqlalchemy.sql import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.supplier import PreferredSupplierSet, SupplierPriceUpserted
from jxc.platform.api import decode_cursor, encode_cursor
from jxc.platform.auth import Principal
from jxc.platform.errors import InvalidInput, NotFound
from jxc.platform.replica import upsert_newer
from jxc.procurement.adapters.tables import (
    preferred_supplier_replica,
    purchase_order,
    purchase_order_line,
    purchase_price_history,
    supplier_price_replica,
)
from jxc.procurement.domain import costs
from jxc.procurement.domain.costs import PriceOffer, Purchase

history = purchase_price_history
prices = supplier_price_replica
CHRONOLOGICAL = (history.c.priced_on, history.c.recorded_at, history.c.order_id,
                 history.c.line_no)
"""The order purchases were made in (the price history's unique sort key)."""


def today() -> date:
    """The business day prices are valid on (UTC)."""
    return datetime.now(UTC).date()


def in_scope(principal: Principal, warehouse_column: Any,
             branch_column: Any) -> ColumnElement[bool]:
    """Rows of a warehouse the principal may see: one of its warehouses, or
    a warehouse of one of its branches."""
    if principal.branches is None and principal.warehouses is None:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if principal.warehouses is not None:
        conditions.append(principal.warehouse_filter(warehouse_column))
    if principal.branches is not None:
        conditions.append(principal.branch_filter(branch_column))
    return or_(false(), *conditions)


# -- replicas ------------------------------------------------------------------------
async def keep_price(session: AsyncSession, event: SupplierPriceUpserted) -> None:
    await upsert_newer(session, prices, {"price_id": event.price_id}, {
        "supplier_id": event.supplier_id, "product_id": event.product_id,
        "unit_price": event.unit_price, "currency": event.currency,
        "min_quantity": event.min_quantity, "lead_time_days": event.lead_time_days,
        "valid_from": event.valid_from, "valid_to": event.valid_to, "active": event.active,
        "version": event.version, "synced_at": func.now()})


async def keep_preferred(session: AsyncSession, event: PreferredSupplierSet) -> None:
    await upsert_newer(session, preferred_supplier_replica, {"product_id": event.product_id}, {
        "supplier_id": event.supplier_id, "version": event.version, "synced_at": func.now()})


async def preferred_supplier(session: AsyncSession, product_id: uuid.UUID) -> uuid.UUID | None:
    return (await session.execute(select(preferred_supplier_replica.c.supplier_id).where(
        preferred_supplier_replica.c.product_id == product_id))).scalar_one_or_none()


def _offer(row: Any) -> PriceOffer:
    return PriceOffer(price_id=row.price_id, supplier_id=row.supplier_id,
                      product_id=row.product_id, unit_price=row.unit_price,
                      currency=row.currency, min_quantity=row.min_quantity,
                      valid_from=row.valid_from, valid_to=row.valid_to,
                      lead_time_days=row.lead_time_days, active=row.active)


async def offers(session: AsyncSession, product_ids: Iterable[uuid.UUID],
                 supplier_id: uuid.UUID | None = None) -> list[PriceOffer]:
    """The active price-list lines for the products (of one supplier when given)."""
    query = select(prices).where(prices.c.product_id.in_(list(product_ids)), prices.c.active)
    if supplier_id is not None:
        query = query.where(prices.c.supplier_id == supplier_id)
    return [_offer(row) for row in await session.execute(query)]


async def last_purchase_price(session: AsyncSession, supplier_id: uuid.UUID,
                              product_id: uuid.UUID) -> Decimal | None:
    """What the supplier's last approved order charged for the product."""
    return (await session.execute(
        select(history.c.unit_price)
        .where(history.c.supplier_id == supplier_id, history.c.product_id == product_id)
        .order_by(*(c.desc() for c in CHRONOLOGICAL))
        .limit(1))).scalar_one_or_none()


# -- price history -------------------------------------------------------------------
async def record_approved_prices(session: AsyncSession, order_id: uuid.UUID) -> None:
    """Record the order's lines as price history, in the approving transaction;
    a re-approval replaces what the order's earlier approval recorded."""
    await session.execute(delete(history).where(history.c.order_id == order_id))
    po, line = purchase_order, purchase_order_line
    await session.execute(insert(history).from_select(
        ["order_id", "line_no", "order_number", "product_id", "supplier_id", "warehouse_id",
         "branch_id", "quantity", "unit_price", "currency", "priced_on"],
        select(po.c.id, line.c.line_no, po.c.number, line.c.product_id, po.c.supplier_id,
               po.c.warehouse_id, po.c.branch_id, line.c.quantity, line.c.unit_price,
               po.c.currency, cast(func.timezone("UTC", func.now()), Date))
        .join(line, line.c.order_id == po.c.id)
        .where(po.c.id == order_id)))


def _purchase(row: Any) -> Purchase:
    return Purchase(product_id=row.product_id, supplier_id=row.supplier_id,
                    quantity=row.quantity, unit_price=row.unit_price, currency=row.currency,
                    priced_on=row.priced_on)


@dataclass(frozen=True)
class ProductPrices:
    history: list[Any]
    """Newest first, one page."""
    next_cursor: str | None
    suppliers: tuple[costs.SupplierPrices, ...]
    """Over the whole history in the caller's scope, not only the page."""


async def product_prices(session: AsyncSession, principal: Principal, product_id: uuid.UUID,
                         *, supplier_id: uuid.UUID | None, limit: int,
                         cursor: str | None) -> ProductPrices:
    where = [history.c.product_id == product_id,
             in_scope(principal, history.c.warehouse_id, history.c.branch_id)]
    if supplier_id is not None:
        where.append(history.c.supplier_id == supplier_id)
    page_query = select(history).where(*where)
    after = decode_cursor(cursor)
    if after is not None:
        try:
            position = (date.fromisoformat(after["priced_on"]),
                        datetime.fromisoformat(after["recorded_at"]),
                        uuid.UUID(after["order_id"]), int(after["line_no"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput("cursor is not valid", errors=[
                {"field": "cursor", "in": "query",
                 "message": "not a cursor from this API"}]) from exc
        page_query = page_query.where(tuple_(*CHRONOLOGICAL) < tuple_(*position))
    newest_first = page_query.order_by(*(c.desc() for c in CHRONOLOGICAL))
    rows = list(await session.execute(newest_first.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor({"priced_on": last.priced_on.isoformat(),
                                     "recorded_at": last.recorded_at.isoformat(),
                                     "order_id": str(last.order_id), "line_no": last.line_no})
    everything = await session.execute(select(history).where(*where).order_by(*CHRONOLOGICAL))
    return ProductPrices(history=rows, next_cursor=next_cursor,
                         suppliers=costs.by_supplier(_purchase(r) for r in everything))


# -- variance and savings ------------------------------------------------------------
@dataclass(frozen=True)
class OrderVariance:
    order: Any
    day: date
    """The day the list prices were valid on."""
    lines: tuple[costs.Variance, ...]


async def price_variance(session: AsyncSession, principal: Principal,
                         order_id: uuid.UUID) -> OrderVariance:
    """Each line of the order against the best price list line that applies to
    its quantity today, in the order's currency (any supplier)."""
    order = (await session.execute(select(purchase_order).where(
        purchase_order.c.id == order_id,
        in_scope(principal, purchase_order.c.warehouse_id, purchase_order.c.branch_id)))).first()
    if order is None:
        raise NotFound(f"no purchase order {order_id}")
    lines = list(await session.execute(select(purchase_order_line).where(
        purchase_order_line.c.order_id == order_id).order_by(purchase_order_line.c.line_no)))
    available = await offers(session, {line.product_id for line in lines})
    day = today()
    return OrderVariance(order=order, day=day, lines=tuple(
        costs.variance(line.product_id, line.quantity, line.unit_price,
                       costs.best_offer(offers_for(available, line.product_id), line.quantity,
                                        day, currency=order.currency))
        for line in lines))


async def savings_report(session: AsyncSession, principal: Principal, start: date,
                         end: date) -> tuple[costs.Savings, ...]:
    """The savings of the purchases approved from ``start`` to ``end``
    (inclusive), in the caller's scope; see :data:`costs.SAVINGS_DEFINITION`."""
    if end < start:
        raise InvalidInput("'to' is before 'from'", errors=[
            {"field": "to", "in": "query", "message": "must not be before 'from'"}])
    scope = in_scope(principal, history.c.warehouse_id, history.c.branch_id)
    period = [_purchase(r) for r in await session.execute(select(history).where(
        scope, history.c.priced_on.between(start, end)).order_by(*CHRONOLOGICAL))]
    products = {p.product_id for p in period}
    earlier = [_purchase(r) for r in await session.execute(select(history).where(
        scope, history.c.priced_on < start, history.c.product_id.in_(products)))]
    listed = [_offer(r) for r in await session.execute(select(prices).where(
        prices.c.product_id.in_(products)))]
    return costs.savings(period, earlier, listed)


def offers_for(all_offers: Sequence[PriceOffer], product_id: uuid.UUID,
               supplier_id: uuid.UUID | None = None) -> list[PriceOffer]:
    return [o for o in all_offers if o.product_id == product_id
            and (supplier_id is None or o.supplier_id == supplier_id)]

