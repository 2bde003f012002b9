"""Suppliers by spend (ABC) over a rolling window of approved purchase orders."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.supplier.adapters.tables import SupplierRow, purchase_order_fact
from jxc.supplier.domain.classification import Classified, classify, months_before


async def by_spend(session: AsyncSession, months: int, today: date, category: str | None
                   ) -> tuple[date, list[tuple[Classified, SupplierRow]]]:
    """Every supplier (of ``category``, if given) with its spend since the
    returned day: the totals of its orders' latest revisions approved in the
    last ``months`` months, cancelled orders left out. Amounts are summed as
    they are (no currency conversion)."""
    since = months_before(today, months)
    spend_query = (select(purchase_order_fact.c.supplier_id,
                          func.sum(purchase_order_fact.c.total))
                   .where(purchase_order_fact.c.cancelled_at.is_(None),
                          purchase_order_fact.c.approved_at
                          >= datetime.combine(since, time.min, UTC))
                   .group_by(purchase_order_fact.c.supplier_id))
    spend = {supplier_id: total for supplier_id, total in await session.execute(spend_query)}
    supplier_query = select(SupplierRow)
    if category is not None:
        supplier_query = supplier_query.where(SupplierRow.category == category)
    suppliers = {row.id: row for row in (await session.execute(supplier_query)).scalars()}
    ranked = classify({supplier_id: spend.get(supplier_id, Decimal(0))
                       for supplier_id in suppliers})
    return since, [(item, suppliers[item.supplier_id]) for item in ranked]
