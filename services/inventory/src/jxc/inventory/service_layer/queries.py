"""Read side of the ledger: stock, the ledger itself, valuation, turnover and
the stock-vs-ledger check. Plain SQL over the balance and ledger tables."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Select, and_, case, func, literal, or_, select, tuple_
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.stock_tables import (
    balances,
    incoming,
    ledger,
    lots,
    moves,
)
from jxc.inventory.domain.costing import round_money
from jxc.inventory.domain.moves import fefo
from jxc.inventory.service_layer.ledger import products_table
from jxc.inventory.service_layer.warehouses import in_scope
from jxc.platform.api import decode_cursor, encode_cursor
from jxc.platform.auth import Principal

ZERO = Decimal(0)


def _after(cursor: str | None, *names: str) -> list[Any] | None:
    after = decode_cursor(cursor)
    if after is None:
        return None
    try:
        return [after[name] for name in names]
    except KeyError:
        return None


async def stock(session: AsyncSession, principal: Principal, *, product_id: uuid.UUID | None,
                warehouse_id: uuid.UUID | None, limit: int, cursor: str | None
                ) -> tuple[list[dict[str, Any]], str | None]:
    supply = (select(incoming.c.product_id, incoming.c.warehouse_id,
                     func.sum(incoming.c.quantity).label("quantity"))
              .group_by(incoming.c.product_id, incoming.c.warehouse_id).subquery())
    query = (select(balances, func.coalesce(supply.c.quantity, 0).label("incoming"))
             .select_from(balances.outerjoin(supply, and_(
                 supply.c.product_id == balances.c.product_id,
                 supply.c.warehouse_id == balances.c.warehouse_id)))
             .where(in_scope(principal, balances.c.warehouse_id)))
    if product_id:
        query = query.where(balances.c.product_id == product_id)
    if warehouse_id:
        query = query.where(balances.c.warehouse_id == warehouse_id)
    after = _after(cursor, "p", "w")
    if after:
        query = query.where(tuple_(balances.c.product_id, balances.c.warehouse_id)
                            > tuple_(literal(uuid.UUID(after[0])), literal(uuid.UUID(after[1]))))
    rows = (await session.execute(query.order_by(balances.c.product_id, balances.c.warehouse_id)
                                  .limit(limit + 1))).all()
    items = [_stock_item(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor({"p": str(last.product_id), "w": str(last.warehouse_id)})
    return items, next_cursor


def _stock_item(row: Any) -> dict[str, Any]:
    unit_cost = round_money(row.value / row.on_hand) if row.on_hand > 0 else row.last_unit_cost
    return {
        "product_id": row.product_id, "warehouse_id": row.warehouse_id,
        "costing_method": row.costing_method, "on_hand": row.on_hand,
        "reserved": row.reserved, "available": row.on_hand - row.reserved,
        "in_transit": row.in_transit, "incoming": row.incoming,
        "projected": row.on_hand - row.reserved + row.incoming + row.in_transit,
        "unit_cost": unit_cost, "value": row.value, "updated_at": row.updated_at,
    }


async def lot_stock(session: AsyncSession, product_id: uuid.UUID,
                    warehouse_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = (await session.execute(
        select(lots).where(lots.c.product_id == product_id, lots.c.warehouse_id == warehouse_id,
                           lots.c.on_hand != 0)
        .order_by(lots.c.expires_on.asc().nulls_last(), lots.c.lot))).all()
    return [{"lot": r.lot, "on_hand": r.on_hand, "expires_on": r.expires_on} for r in rows]


async def fefo_suggestion(session: AsyncSession, product_id: uuid.UUID, warehouse_id: uuid.UUID,
                          quantity: Decimal, today: date) -> dict[str, Any]:
    held = await lot_stock(session, product_id, warehouse_id)
    picks = fefo([(h["lot"], h["on_hand"], h["expires_on"]) for h in held], quantity, today)
    found = sum((qty for _, qty in picks), ZERO)
    return {"product_id": product_id, "warehouse_id": warehouse_id, "quantity": quantity,
            "lines": [{"lot": lot, "quantity": qty} for lot, qty in picks],
            "shortage": max(quantity - found, ZERO)}


async def ledger_lines(session: AsyncSession, principal: Principal, *,
                       product_id: uuid.UUID | None, warehouse_id: uuid.UUID | None,
                       move_id: uuid.UUID | None, limit: int, cursor: str | None
                       ) -> tuple[list[dict[str, Any]], str | None]:
    query: Select[Any] = (
        select(ledger, moves.c.number, moves.c.type, moves.c.reason, moves.c.reference,
               moves.c.reverses_id)
        .join(moves, moves.c.id == ledger.c.move_id)
        .where(in_scope(principal, ledger.c.warehouse_id)))
    if product_id:
        query = query.where(ledger.c.product_id == product_id)
    if warehouse_id:
        query = query.where(ledger.c.warehouse_id == warehouse_id)
    if move_id:
        query = query.where(ledger.c.move_id == move_id)
    after = _after(cursor, "seq")
    if after:
        query = query.where(ledger.c.seq > int(after[0]))
    rows = (await session.execute(query.order_by(ledger.c.seq).limit(limit + 1))).all()
    items = [{
        "seq": r.seq, "move_id": r.move_id, "move_number": r.number, "type": r.type,
        "reason": r.reason, "reference": r.reference, "reverses_id": r.reverses_id,
        "product_id": r.product_id, "warehouse_id": r.warehouse_id, "lot": r.lot,
        "quantity": r.quantity, "unit_cost": r.unit_cost, "value": r.value,
        "on_hand_after": r.on_hand_after, "created_at": r.created_at,
    } for r in rows[:limit]]
    next_cursor = encode_cursor({"seq": rows[limit - 1].seq}) if len(rows) > limit else None
    return items, next_cursor


async def move_lines(session: AsyncSession, move_id: uuid.UUID) -> list[Any]:
    return list((await session.execute(select(ledger).where(ledger.c.move_id == move_id)
                                       .order_by(ledger.c.seq))).all())


GroupBy = Literal["warehouse", "category"]


def _group_column(group_by: GroupBy) -> Any:
    if group_by == "warehouse":
        return balances.c.warehouse_id
    return products_table.c.category_id


async def valuation(session: AsyncSession, principal: Principal,
                    group_by: GroupBy) -> list[dict[str, Any]]:
    column = _group_column(group_by)
    rows = (await session.execute(
        select(column.label("group_id"), func.count().label("positions"),
               func.sum(balances.c.on_hand).label("quantity"),
               func.sum(balances.c.value).label("value"))
        .select_from(balances.join(products_table,
                                   products_table.c.id == balances.c.product_id))
        .where(in_scope(principal, balances.c.warehouse_id))
        .where(or_(balances.c.on_hand != 0, balances.c.value != 0))
        .group_by(column).order_by(column))).all()
    return [{group_by + "_id": r.group_id, "positions": r.positions, "quantity": r.quantity,
             "value": r.value} for r in rows]


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time.min, UTC),
                datetime.combine(self.end + timedelta(days=1), time.min, UTC))


async def turnover(session: AsyncSession, principal: Principal, group_by: GroupBy,
                   period: Period) -> list[dict[str, Any]]:
    """Cost of goods sold over the average of opening and closing stock value,
    and the days of stock that implies."""
    start, end = period.bounds()
    group = (ledger.c.warehouse_id if group_by == "warehouse"
             else products_table.c.category_id)
    sold = case((and_(moves.c.reason == "sale", ledger.c.created_at >= start,
                      ledger.c.created_at < end), -ledger.c.value), else_=0)
    rows = (await session.execute(
        select(group.label("group_id"),
               func.sum(case((ledger.c.created_at < start, ledger.c.value), else_=0))
               .label("opening"),
               func.sum(case((ledger.c.created_at < end, ledger.c.value), else_=0))
               .label("closing"),
               func.sum(sold).label("cogs"))
        .select_from(ledger.join(moves, moves.c.id == ledger.c.move_id)
                     .join(products_table, products_table.c.id == ledger.c.product_id))
        .where(in_scope(principal, ledger.c.warehouse_id))
        .group_by(group).order_by(group))).all()
    items = []
    for r in rows:
        average = (r.opening + r.closing) / 2
        ratio = round_money(r.cogs / average) if average > 0 else None
        items.append({
            group_by + "_id": r.group_id, "opening_value": r.opening, "closing_value": r.closing,
            "cogs": r.cogs, "average_value": round_money(average), "turnover": ratio,
            "days_of_stock": (round_money(Decimal(period.days) / ratio)
                              if ratio else None)})
    return items


async def check_consistency(session: AsyncSession) -> dict[str, Any]:
    """Balances equal the ledger for every product and warehouse, and lots
    add up to the balance for lot-tracked products."""
    totals = (select(ledger.c.product_id, ledger.c.warehouse_id,
                     func.sum(ledger.c.quantity).label("quantity"),
                     func.sum(ledger.c.value).label("value"))
              .group_by(ledger.c.product_id, ledger.c.warehouse_id).subquery())
    lot_totals = (select(lots.c.product_id, lots.c.warehouse_id,
                         func.sum(lots.c.on_hand).label("quantity"))
                  .group_by(lots.c.product_id, lots.c.warehouse_id).subquery())
    rows = (await session.execute(
        select(balances.c.product_id, balances.c.warehouse_id, balances.c.on_hand,
               balances.c.value, func.coalesce(totals.c.quantity, 0).label("ledger_quantity"),
               func.coalesce(totals.c.value, 0).label("ledger_value"),
               lot_totals.c.quantity.label("lot_quantity"), products_table.c.lot_tracked)
        .select_from(balances
                     .join(products_table, products_table.c.id == balances.c.product_id)
                     .outerjoin(totals, and_(totals.c.product_id == balances.c.product_id,
                                             totals.c.warehouse_id == balances.c.warehouse_id))
                     .outerjoin(lot_totals, and_(
                         lot_totals.c.product_id == balances.c.product_id,
                         lot_totals.c.warehouse_id == balances.c.warehouse_id))))).all()
    mismatches = []
    for r in rows:
        lots_off = r.lot_tracked and (r.lot_quantity or ZERO) != r.on_hand
        if r.on_hand != r.ledger_quantity or r.value != r.ledger_value or lots_off:
            mismatches.append({
                "product_id": r.product_id, "warehouse_id": r.warehouse_id,
                "on_hand": r.on_hand, "ledger_quantity": r.ledger_quantity,
                "value": r.value, "ledger_value": r.ledger_value,
                "lot_quantity": r.lot_quantity})
    orphans = (await session.execute(
        select(func.count()).select_from(totals.outerjoin(balances, and_(
            balances.c.product_id == totals.c.product_id,
            balances.c.warehouse_id == totals.c.warehouse_id)))
        .where(balances.c.product_id.is_(None)))).scalar_one()
    return {"checked": len(rows), "consistent": not mismatches and not orphans,
            "mismatches": mismatches, "ledger_positions_without_balance": orphans}
