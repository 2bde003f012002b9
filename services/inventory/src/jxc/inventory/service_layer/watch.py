"""Time-driven alerts, checked periodically by the worker: lots near or past
expiry, transfers overdue in transit."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.stock_tables import alerts, lots
from jxc.inventory.service_layer.moves import mark_overdue_transfers
from jxc.platform.app import Runtime

log = logging.getLogger("jxc.inventory.watch")


async def expiry_alerts(session: AsyncSession, warning_days: int) -> int:
    """Raise an ``expiry`` alert per lot in stock that expires within
    ``warning_days``; clear the alerts of lots no longer in stock."""
    horizon = datetime.now(UTC).date() + timedelta(days=warning_days)
    expiring = (await session.execute(select(lots).where(
        lots.c.on_hand > 0, lots.c.expires_on.is_not(None), lots.c.expires_on <= horizon))).all()
    for lot in expiring:
        await session.execute(insert(alerts).values(
            id=uuid.uuid4(), kind="expiry", product_id=lot.product_id,
            warehouse_id=lot.warehouse_id, subject=lot.lot,
            detail={"expires_on": lot.expires_on.isoformat(), "on_hand": str(lot.on_hand)},
        ).on_conflict_do_nothing())
    gone = select(lots.c.lot).where(and_(
        lots.c.product_id == alerts.c.product_id, lots.c.warehouse_id == alerts.c.warehouse_id,
        lots.c.lot == alerts.c.subject, lots.c.on_hand > 0)).exists()
    await session.execute(update(alerts).where(
        alerts.c.kind == "expiry", alerts.c.cleared_at.is_(None), ~gone
    ).values(cleared_at=func.now()))
    return len(expiring)


async def watch(runtime: Runtime, every: float, warning_days: int) -> None:
    if runtime.role == "api":
        return
    while True:
        try:
            async with runtime.db.transaction() as session:
                await expiry_alerts(session, warning_days)
                await mark_overdue_transfers(session)
        except Exception:
            log.exception("stock watch failed; retrying in %s s", every)
        await asyncio.sleep(every)
