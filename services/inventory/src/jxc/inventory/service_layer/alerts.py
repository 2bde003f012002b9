"""Reorder alerts: after every change of stock, reservations, incoming supply
or a rule, compare each touched (product, warehouse) with its min/max rule,
raise ``StockLevelLow`` / ``StockLevelHigh`` once, and ``StockLevelNormal``
when it recovers. Open alerts are rows of ``stock_alert`` (GET /alerts)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.base import Message
from jxc.contracts.inventory import StockLevelHigh, StockLevelLow, StockLevelNormal
from jxc.inventory.adapters.keys import among
from jxc.inventory.adapters.stock_tables import alerts, balances, incoming, rules
from jxc.inventory.domain.reorder import ReorderRule, StockLevel, assess
from jxc.platform.outbox import emit_many

Key = tuple[uuid.UUID, uuid.UUID]


async def evaluate(session: AsyncSession, keys: Sequence[Key]) -> None:
    if not keys:
        return
    key_list = sorted(set(keys))
    ruled = (await session.execute(
        select(rules.c.product_id, rules.c.warehouse_id, rules.c.min_qty, rules.c.max_qty,
               func.coalesce(balances.c.on_hand, 0).label("on_hand"),
               func.coalesce(balances.c.reserved, 0).label("reserved"),
               func.coalesce(balances.c.in_transit, 0).label("in_transit"))
        .select_from(rules.outerjoin(balances, and_(
            balances.c.product_id == rules.c.product_id,
            balances.c.warehouse_id == rules.c.warehouse_id)))
        .where(among(rules.c.product_id, rules.c.warehouse_id, key_list)))).all()
    if not ruled:
        return
    supply = dict(((row.product_id, row.warehouse_id), row.quantity) for row in (
        await session.execute(
            select(incoming.c.product_id, incoming.c.warehouse_id,
                   func.sum(incoming.c.quantity).label("quantity"))
            .where(among(incoming.c.product_id, incoming.c.warehouse_id, key_list))
            .group_by(incoming.c.product_id, incoming.c.warehouse_id))).all())
    open_alerts = {(row.kind, row.product_id, row.warehouse_id) for row in (
        await session.execute(select(alerts.c.kind, alerts.c.product_id, alerts.c.warehouse_id)
                              .where(alerts.c.cleared_at.is_(None))
                              .where(alerts.c.kind.in_(("low", "high")))
                              .where(among(alerts.c.product_id, alerts.c.warehouse_id,
                                           key_list)))).all()}
    events: list[Message] = []
    for row in ruled:
        key = (row.product_id, row.warehouse_id)
        level = StockLevel(on_hand=row.on_hand, reserved=row.reserved,
                           incoming=supply.get(key, Decimal(0)) + row.in_transit)
        verdict = assess(ReorderRule(row.min_qty, row.max_qty), level)
        for kind, wanted in (("low", verdict.low), ("high", verdict.high)):
            is_open = (kind, *key) in open_alerts
            if wanted and not is_open:
                detail = {"available": str(level.available), "projected": str(level.projected),
                          "min_qty": str(row.min_qty), "max_qty": str(row.max_qty)}
                await session.execute(insert(alerts).values(
                    id=uuid.uuid4(), kind=kind, product_id=row.product_id,
                    warehouse_id=row.warehouse_id, subject="", detail=detail
                ).on_conflict_do_nothing())
                if kind == "low":
                    events.append(StockLevelLow(
                        product_id=row.product_id, warehouse_id=row.warehouse_id,
                        available=level.available, min_qty=row.min_qty, max_qty=row.max_qty,
                        suggested_qty=verdict.suggested_qty))
                else:
                    events.append(StockLevelHigh(
                        product_id=row.product_id, warehouse_id=row.warehouse_id,
                        on_hand=level.on_hand, max_qty=row.max_qty))
            elif is_open and not wanted:
                await session.execute(update(alerts).where(
                    alerts.c.kind == kind, alerts.c.product_id == row.product_id,
                    alerts.c.warehouse_id == row.warehouse_id,
                    alerts.c.cleared_at.is_(None)).values(cleared_at=func.now()))
                events.append(StockLevelNormal(product_id=row.product_id,
                                               warehouse_id=row.warehouse_id,
                                               available=level.available))
    await emit_many(session, events)
