"""Facts from procurement's events and the scorecards read from them.

Each fact is written once: an order keeps its latest revision (an older or
equal revision changes nothing), a receipt or return is unique by its id, an
order is closed or cancelled once. A re-sent event — one the inbox does not
catch because it carries a new message id — therefore changes nothing."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.procurement import GoodsReceived, GoodsReturned, PurchaseOrderApproved
from jxc.supplier.adapters.tables import (
    purchase_order_fact,
    purchase_order_line_fact,
    receipt_fact,
    receipt_line_fact,
    return_fact,
)
from jxc.supplier.domain.scorecard import ScoreSums, filled, lead_time_days, month_of, on_time
from jxc.supplier.service_layer.prices import best_list_price

ZERO = Decimal(0)


async def order_approved(session: AsyncSession, event: PurchaseOrderApproved) -> None:
    values = {"supplier_id": event.supplier_id, "number": event.number,
              "revision": event.revision, "currency": event.currency, "total": event.total,
              "approved_at": event.approved_at, "expected_at": event.expected_at}
    stmt = insert(purchase_order_fact).values(order_id=event.order_id,
                                              first_approved_at=event.approved_at, **values)
    upsert = stmt.on_conflict_do_update(
        index_elements=["order_id"], set_={name: stmt.excluded[name] for name in values},
        where=purchase_order_fact.c.revision < stmt.excluded.revision,
    ).returning(purchase_order_fact.c.order_id)
    if (await session.execute(upsert)).first() is None:
        return
    await session.execute(delete(purchase_order_line_fact).where(
        purchase_order_line_fact.c.order_id == event.order_id))
    day = event.approved_at.astimezone(UTC).date()
    lines = []
    for line_no, line in enumerate(event.lines, start=1):
        list_price = await best_list_price(session, event.supplier_id, line.product_id,
                                           event.currency, day, line.quantity)
        lines.append({"order_id": event.order_id, "line_no": line_no,
                      "product_id": line.product_id, "quantity": line.quantity,
                      "unit_price": line.unit_price, "list_price": list_price})
    await session.execute(insert(purchase_order_line_fact).values(lines))


async def order_ended(session: AsyncSession, order_id: uuid.UUID, at: datetime, *,
                      cancelled: bool) -> None:
    column = purchase_order_fact.c.cancelled_at if cancelled else purchase_order_fact.c.closed_at
    await session.execute(update(purchase_order_fact)
                          .where(purchase_order_fact.c.order_id == order_id, column.is_(None))
                          .values({column.key: at}))


async def goods_received(session: AsyncSession, event: GoodsReceived) -> None:
    order = (await session.execute(
        select(purchase_order_fact.c.first_approved_at, purchase_order_fact.c.expected_at)
        .where(purchase_order_fact.c.order_id == event.order_id))).first()
    promised_at = event.due_at or (order.expected_at if order else None)
    accepted = sum((line.quantity for line in event.lines), ZERO)
    rejected = sum((line.rejected_quantity for line in event.lines), ZERO)
    inserted = (await session.execute(insert(receipt_fact).values(
        receipt_id=event.receipt_id, order_id=event.order_id, supplier_id=event.supplier_id,
        received_at=event.received_at, promised_at=promised_at,
        on_time=on_time(event.received_at, promised_at),
        accepted_quantity=accepted, rejected_quantity=rejected,
        lead_time_days=lead_time_days(order.first_approved_at, event.received_at)
        if order else None,
    ).on_conflict_do_nothing().returning(receipt_fact.c.receipt_id))).first()
    if inserted is None:
        return
    await session.execute(insert(receipt_line_fact).values([
        {"receipt_id": event.receipt_id, "line_no": line_no, "order_id": event.order_id,
         "product_id": line.product_id, "accepted_quantity": line.quantity,
         "rejected_quantity": line.rejected_quantity}
        for line_no, line in enumerate(event.lines, start=1)]))


async def goods_returned(session: AsyncSession, event: GoodsReturned) -> None:
    await session.execute(insert(return_fact).values(
        return_id=event.return_id, order_id=event.order_id, supplier_id=event.supplier_id,
        returned_at=event.returned_at,
        quantity=sum((line.quantity for line in event.lines), ZERO),
    ).on_conflict_do_nothing())


# -- reading -------------------------------------------------------------------------
def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in UTC."""
    return (datetime.combine(start, time.min, UTC),
            datetime.combine(end, time.min, UTC) + timedelta(days=1))


async def monthly(session: AsyncSession, supplier_id: uuid.UUID, start: date, end: date
                  ) -> dict[str, ScoreSums]:
    """The supplier's sums per month (``YYYY-MM``) between two days, inclusive:
    deliveries and lead times by receipt day, returns by return day, price
    variance by approval day, fill rate by the day the order closed."""
    low, high = _bounds(start, end)
    months: dict[str, ScoreSums] = defaultdict(ScoreSums)

    receipts = await session.execute(
        select(receipt_fact).where(receipt_fact.c.supplier_id == supplier_id,
                                   receipt_fact.c.received_at >= low,
                                   receipt_fact.c.received_at < high))
    for r in receipts:
        months[month_of(r.received_at)] += ScoreSums(
            deliveries=1, promised_deliveries=int(r.on_time is not None),
            on_time_deliveries=int(bool(r.on_time)),
            accepted_quantity=r.accepted_quantity, rejected_quantity=r.rejected_quantity,
            lead_time_days_total=r.lead_time_days if r.lead_time_days is not None else ZERO,
            lead_time_count=int(r.lead_time_days is not None))

    returns = await session.execute(
        select(return_fact.c.returned_at, return_fact.c.quantity)
        .where(return_fact.c.supplier_id == supplier_id, return_fact.c.returned_at >= low,
               return_fact.c.returned_at < high))
    for returned_at, quantity in returns:
        months[month_of(returned_at)] += ScoreSums(returned_quantity=quantity)

    priced = await session.execute(
        select(purchase_order_fact.c.approved_at,
               func.sum(purchase_order_line_fact.c.quantity
                        * purchase_order_line_fact.c.unit_price),
               func.sum(purchase_order_line_fact.c.quantity
                        * purchase_order_line_fact.c.list_price))
        .join(purchase_order_line_fact,
              purchase_order_line_fact.c.order_id == purchase_order_fact.c.order_id)
        .where(purchase_order_fact.c.supplier_id == supplier_id,
               purchase_order_fact.c.cancelled_at.is_(None),
               purchase_order_line_fact.c.list_price.is_not(None),
               purchase_order_fact.c.approved_at >= low, purchase_order_fact.c.approved_at < high)
        .group_by(purchase_order_fact.c.order_id))
    for approved_at, paid, listed in priced:
        months[month_of(approved_at)] += ScoreSums(paid_value=paid, list_value=listed)

    for closed_at, ordered, accepted in await _finished_orders(session, supplier_id, low, high):
        months[month_of(closed_at)] += ScoreSums(ordered_quantity=sum(ordered.values(), ZERO),
                                                 filled_quantity=filled(ordered, accepted))
    return dict(sorted(months.items()))


async def _finished_orders(session: AsyncSession, supplier_id: uuid.UUID, low: datetime,
                           high: datetime
                           ) -> list[tuple[datetime, dict[uuid.UUID, Decimal],
                                           dict[uuid.UUID, Decimal]]]:
    """Closed, not cancelled orders: (closed at, ordered and accepted per product)."""
    orders = purchase_order_fact
    finished = and_(orders.c.supplier_id == supplier_id, orders.c.cancelled_at.is_(None),
                    orders.c.closed_at >= low, orders.c.closed_at < high)
    ordered: dict[uuid.UUID, dict[uuid.UUID, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    closed: dict[uuid.UUID, datetime] = {}
    for order_id, closed_at, product_id, quantity in await session.execute(
            select(orders.c.order_id, orders.c.closed_at, purchase_order_line_fact.c.product_id,
                   purchase_order_line_fact.c.quantity)
            .join(purchase_order_line_fact,
                  purchase_order_line_fact.c.order_id == orders.c.order_id).where(finished)):
        closed[order_id] = closed_at
        ordered[order_id][product_id] += quantity
    accepted: dict[uuid.UUID, dict[uuid.UUID, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for order_id, product_id, quantity in await session.execute(
            select(receipt_line_fact.c.order_id, receipt_line_fact.c.product_id,
                   receipt_line_fact.c.accepted_quantity)
            .join(orders, orders.c.order_id == receipt_line_fact.c.order_id).where(finished)):
        accepted[order_id][product_id] += quantity
    return [(closed[order_id], dict(ordered[order_id]), dict(accepted[order_id]))
            for order_id in closed]
