"""Reorder rules (min/max per product and warehouse) and the open alerts."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.stock_tables import StockAlertRow, alerts, rules
from jxc.inventory.service_layer import alerts as alert_checks
from jxc.inventory.service_layer.ledger import product_facts, warehouse_facts
from jxc.inventory.service_layer.warehouses import in_scope
from jxc.platform.api import decode_cursor, encode_cursor
from jxc.platform.auth import Principal


async def upsert(session: AsyncSession, product_id: uuid.UUID, warehouse_id: uuid.UUID,
                 min_qty: Decimal, max_qty: Decimal) -> Any:
    await product_facts(session, [product_id])
    await warehouse_facts(session, [warehouse_id])
    statement = insert(rules).values(product_id=product_id, warehouse_id=warehouse_id,
                                     min_qty=min_qty, max_qty=max_qty, version=1)
    row = (await session.execute(statement.on_conflict_do_update(
        index_elements=[rules.c.product_id, rules.c.warehouse_id],
        set_={"min_qty": min_qty, "max_qty": max_qty, "version": rules.c.version + 1},
    ).returning(rules))).one()
    await alert_checks.evaluate(session, [(product_id, warehouse_id)])
    return row


async def page(session: AsyncSession, principal: Principal, warehouse_id: uuid.UUID | None,
               product_id: uuid.UUID | None, limit: int, cursor: str | None
               ) -> tuple[list[Any], str | None]:
    query = select(rules).where(in_scope(principal, rules.c.warehouse_id))
    if warehouse_id:
        query = query.where(rules.c.warehouse_id == warehouse_id)
    if product_id:
        query = query.where(rules.c.product_id == product_id)
    after = decode_cursor(cursor)
    if after:
        query = query.where(tuple_(rules.c.product_id, rules.c.warehouse_id)
                            > (uuid.UUID(after["p"]), uuid.UUID(after["w"])))
    rows = (await session.execute(query.order_by(rules.c.product_id, rules.c.warehouse_id)
                                  .limit(limit + 1))).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor({"p": str(last.product_id), "w": str(last.warehouse_id)})
    return list(rows[:limit]), next_cursor


async def open_alerts(session: AsyncSession, principal: Principal, kind: str | None,
                      warehouse_id: uuid.UUID | None, limit: int, cursor: str | None
                      ) -> tuple[list[StockAlertRow], str | None]:
    query = (select(StockAlertRow).where(StockAlertRow.cleared_at.is_(None))  # type: ignore[union-attr]
             .where(in_scope(principal, alerts.c.warehouse_id)))
    if kind:
        query = query.where(StockAlertRow.kind == kind)
    if warehouse_id:
        query = query.where(StockAlertRow.warehouse_id == warehouse_id)
    after = decode_cursor(cursor)
    if after:
        query = query.where(StockAlertRow.id > uuid.UUID(after["after"]))
    rows = list((await session.execute(query.order_by(StockAlertRow.id).limit(limit + 1)))
                .scalars())
    if len(rows) > limit:
        return rows[:limit], encode_cursor({"after": str(rows[limit - 1].id)})
    return rows, None
