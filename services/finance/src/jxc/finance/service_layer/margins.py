"""Cost accounting (成本核算): gross margin = revenue (6001) − cost of sales
(6401) from the posted entries, grouped by product, customer, order or
period.

Revenue lines come from invoice entries (``finance.Invoice``): the invoice
gives customer and order, its ``invoice_line`` rows the split by product.
Cost lines carry product and (for a sale) sales order themselves; the
customer of a cost is the customer invoiced for its order. What cannot be
attributed (manual entries, lines posted before migration 0005, a return's
cost with no order) is grouped under ``null``. Year-end closing entries are
left out: they move the result, they do not earn it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.finance.adapters.tables import invoice, invoice_line, journal_entry, journal_line
from jxc.finance.domain import accounts as acc
from jxc.finance.domain import closing
from jxc.platform.errors import InvalidInput

GROUPS = ("product", "customer", "order", "period")


@dataclass
class Margin:
    key: str | None
    revenue: Decimal = Decimal(0)
    cost_of_sales: Decimal = Decimal(0)

    @property
    def gross_margin(self) -> Decimal:
        return self.revenue - self.cost_of_sales

    @property
    def margin_pct(self) -> Decimal | None:
        if not self.revenue:
            return None
        return (self.gross_margin * 100 / self.revenue).quantize(Decimal("0.01"))


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


async def margins(session: AsyncSession, group_by: str, date_from: date | None,
                  date_to: date | None) -> list[Margin]:
    if group_by not in GROUPS:
        raise InvalidInput(f"group_by must be one of {', '.join(GROUPS)}", errors=[
            {"field": "group_by", "in": "query", "message": "product, customer, order or period"}])
    joined = journal_line.join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
    query = select(journal_line.c.account_code, journal_line.c.debit, journal_line.c.credit,
                   journal_line.c.product_id, journal_line.c.order_id,
                   journal_entry.c.posted_on, journal_entry.c.source_type,
                   journal_entry.c.source_id).select_from(joined).where(
        journal_line.c.account_code.startswith(acc.REVENUE)
        | journal_line.c.account_code.startswith(acc.COST_OF_SALES),
        journal_entry.c.source_type != closing.SOURCE)
    if date_from is not None:
        query = query.where(journal_entry.c.posted_on >= date_from)
    if date_to is not None:
        query = query.where(journal_entry.c.posted_on <= date_to)
    rows = (await session.execute(query)).all()

    invoice_ids = {i for r in rows if r.source_type == "finance.Invoice"
                   and (i := _uuid(r.source_id)) is not None}
    invoices = {r.id: r for r in (await session.execute(
        select(invoice.c.id, invoice.c.customer_id, invoice.c.order_id, invoice.c.net)
        .where(invoice.c.id.in_(invoice_ids)))).all()} if invoice_ids else {}
    products: dict[uuid.UUID, list[tuple[uuid.UUID, Decimal]]] = defaultdict(list)
    if group_by == "product" and invoice_ids:
        for r in (await session.execute(select(invoice_line).where(
                invoice_line.c.invoice_id.in_(invoice_ids)))).all():
            products[r.invoice_id].append((r.product_id, Decimal(r.net)))
    customers: dict[uuid.UUID, uuid.UUID] = {}
    if group_by == "customer":
        orders = {r.order_id for r in rows if r.order_id is not None}
        if orders:
            customers = {r.order_id: r.customer_id for r in (await session.execute(
                select(invoice.c.order_id, invoice.c.customer_id).distinct()
                .where(invoice.c.order_id.in_(orders)))).all()}

    out: dict[str | None, Margin] = {}

    def add(key: object, revenue: Decimal = Decimal(0), cost: Decimal = Decimal(0)) -> None:
        k = None if key is None else str(key)
        m = out.setdefault(k, Margin(k))
        m.revenue += revenue
        m.cost_of_sales += cost

    for r in rows:
        amount = Decimal(r.debit) - Decimal(r.credit)
        period = f"{r.posted_on:%Y-%m}"
        if r.account_code.startswith(acc.REVENUE):
            revenue = -amount
            source = _uuid(r.source_id) if r.source_type == "finance.Invoice" else None
            doc = invoices.get(source) if source else None
            if group_by == "period":
                add(period, revenue=revenue)
            elif group_by == "customer":
                add(doc.customer_id if doc else None, revenue=revenue)
            elif group_by == "order":
                add(doc.order_id if doc else None, revenue=revenue)
            else:
                split = products.get(doc.id) if doc else None
                if split and sum(n for _, n in split) == revenue:
                    for product_id, net in split:
                        add(product_id, revenue=net)
                else:
                    add(None, revenue=revenue)
        else:
            if group_by == "period":
                add(period, cost=amount)
            elif group_by == "product":
                add(r.product_id, cost=amount)
            elif group_by == "order":
                add(r.order_id, cost=amount)
            else:
                add(customers.get(r.order_id) if r.order_id else None, cost=amount)
    return sorted(out.values(), key=lambda m: (m.key is None, m.key or ""))
