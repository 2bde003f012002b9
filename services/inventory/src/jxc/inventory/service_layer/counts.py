"""Stocktaking (盘点).

Opening a count freezes the warehouse's ledger position. Scanners add
entries in parallel; each entry remembers the ledger position when it was
recorded, so stock that moved while people were counting is accounted for:
a product's expected quantity is the ledger's total up to its latest entry,
and its variance is counted − expected. Posting writes every variance as one
``count`` move at current cost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.stock_tables import StockCountRow, count_entries, ledger
from jxc.inventory.domain.moves import MoveType
from jxc.inventory.service_layer.ledger import (
    MoveHeader,
    PostedMove,
    Posting,
    next_number,
    post,
    products_table,
    warehouse_facts,
)
from jxc.platform.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True)
class Entry:
    product_id: uuid.UUID
    quantity: Decimal
    lot: str | None = None
    scanner: str = ""


@dataclass(frozen=True)
class Variance:
    product_id: uuid.UUID
    lot: str | None
    counted: Decimal
    expected: Decimal

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected


async def ledger_position(session: AsyncSession) -> int:
    return int((await session.execute(select(func.coalesce(func.max(ledger.c.seq), 0))))
               .scalar_one())


async def open_count(session: AsyncSession, warehouse_id: uuid.UUID) -> StockCountRow:
    await warehouse_facts(session, [warehouse_id])
    busy = (await session.execute(select(StockCountRow.number).where(
        StockCountRow.warehouse_id == warehouse_id, StockCountRow.status == "open"))
    ).scalar_one_or_none()
    if busy is not None:
        raise Conflict(f"count {busy} is still open for this warehouse", code="count_open")
    row = StockCountRow(id=uuid.uuid4(), number=await next_number(session, "SC"),
                        warehouse_id=warehouse_id, status="open",
                        snapshot_seq=await ledger_position(session))
    session.add(row)
    await session.flush()
    return row


async def get_count(session: AsyncSession, count_id: uuid.UUID, *,
                    for_update: bool = False) -> StockCountRow:
    query = select(StockCountRow).where(StockCountRow.id == count_id)
    row = (await session.execute(query.with_for_update() if for_update else query)
           ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no stock count {count_id}")
    return row


async def add_entries(session: AsyncSession, count_id: uuid.UUID, entries: list[Entry]) -> int:
    """Record a scanner's batch; every invalid entry is reported at once (422)."""
    count = await get_count(session, count_id)
    if count.status != "open":
        raise Conflict(f"count {count.number} is {count.status}", code="invalid_state")
    if not entries:
        raise InvalidInput("no entries", errors=[{"field": "entries", "in": "body",
                                                 "message": "at least one entry"}])
    ids = {entry.product_id for entry in entries}
    known = {row.id: row for row in (await session.execute(
        select(products_table.c.id, products_table.c.lot_tracked, products_table.c.active)
        .where(products_table.c.id.in_(ids)))).all()}
    errors: list[dict[str, Any]] = []
    for number, entry in enumerate(entries):
        field = f"entries[{number}]"
        facts = known.get(entry.product_id)
        if facts is None:
            errors.append({"field": f"{field}.product_id", "in": "body",
                           "message": f"no product {entry.product_id}"})
        elif facts.lot_tracked and not entry.lot:
            errors.append({"field": f"{field}.lot", "in": "body",
                           "message": "required: the product is lot-tracked"})
        elif not facts.lot_tracked and entry.lot:
            errors.append({"field": f"{field}.lot", "in": "body",
                           "message": "the product is not lot-tracked"})
        if entry.quantity < 0:
            errors.append({"field": f"{field}.quantity", "in": "body",
                           "message": "must not be negative"})
    if errors:
        raise InvalidInput(f"{len(errors)} invalid entr{'y' if len(errors) == 1 else 'ies'}",
                           errors=errors)
    position = await ledger_position(session)
    await session.execute(count_entries.insert(), [
        {"count_id": count_id, "product_id": e.product_id, "lot": e.lot or None,
         "quantity": e.quantity, "ledger_seq": position, "scanner": e.scanner}
        for e in entries])
    return len(entries)


async def variances(session: AsyncSession, count: StockCountRow,
                    full: bool = False) -> list[Variance]:
    """Counted vs expected per product (and lot). With ``full``, products that
    had stock at the snapshot but were not counted count as zero."""
    counted = (select(count_entries.c.product_id, count_entries.c.lot,
                      func.sum(count_entries.c.quantity).label("counted"),
                      func.max(count_entries.c.ledger_seq).label("position"))
               .where(count_entries.c.count_id == count.id)
               .group_by(count_entries.c.product_id, count_entries.c.lot).subquery())
    expected = (select(func.coalesce(func.sum(ledger.c.quantity), 0))
                .where(ledger.c.warehouse_id == count.warehouse_id,
                       ledger.c.product_id == counted.c.product_id,
                       or_(counted.c.lot.is_(None), ledger.c.lot == counted.c.lot),
                       ledger.c.seq <= counted.c.position)
                .scalar_subquery())
    rows = (await session.execute(
        select(counted.c.product_id, counted.c.lot, counted.c.counted,
               expected.label("expected")).order_by(counted.c.product_id, counted.c.lot)
    )).all()
    result = [Variance(r.product_id, r.lot, r.counted, r.expected) for r in rows]
    if full:
        seen = {(v.product_id, v.lot) for v in result}
        uncounted = (await session.execute(
            select(ledger.c.product_id, ledger.c.lot, func.sum(ledger.c.quantity).label("qty"))
            .where(and_(ledger.c.warehouse_id == count.warehouse_id,
                        ledger.c.seq <= count.snapshot_seq))
            .group_by(ledger.c.product_id, ledger.c.lot))).all()
        result += [Variance(r.product_id, r.lot, Decimal(0), r.qty) for r in uncounted
                   if r.qty != 0 and (r.product_id, r.lot) not in seen]
    return result


async def post_count(session: AsyncSession, count_id: uuid.UUID, *, full: bool = False,
                     created_by: str = "") -> tuple[StockCountRow, list[Variance],
                                                     PostedMove | None]:
    count = await get_count(session, count_id, for_update=True)
    if count.status != "open":
        raise Conflict(f"count {count.number} is {count.status}", code="invalid_state")
    found = [v for v in await variances(session, count, full) if v.difference != 0]
    move = None
    if found:
        header = MoveHeader(type=MoveType.COUNT, reason="count", warehouse_id=count.warehouse_id,
                            reference=count.number, created_by=created_by)
        move = await post(session, header, [
            Posting("adjust", product_id=v.product_id, warehouse_id=count.warehouse_id,
                    quantity=abs(v.difference), delta_sign=1 if v.difference > 0 else -1,
                    lot=v.lot, line_no=number)
            for number, v in enumerate(found)])
        count.move_id = move.id
    count.status = "posted"
    count.posted_at = func.now()
    session.add(count)
    await session.flush()
    return count, found, move


async def cancel_count(session: AsyncSession, count_id: uuid.UUID) -> StockCountRow:
    count = await get_count(session, count_id, for_update=True)
    if count.status != "open":
        raise Conflict(f"count {count.number} is {count.status}", code="invalid_state")
    count.status = "cancelled"
    session.add(count)
    await session.flush()
    return count
