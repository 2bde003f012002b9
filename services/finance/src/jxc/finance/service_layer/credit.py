"""The sales saga's credit check: does the customer's limit cover open
receivables, confirmed orders not yet invoiced, and this order?"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.finance import CheckCredit, CreditApproved, CreditRejected, CreditReply
from jxc.contracts.sales import SalesOrderCancelled, SalesOrderConfirmed
from jxc.finance.adapters.tables import CustomerCredit, credit_decision, invoice, open_order


async def exposure(session: AsyncSession, customer_id: uuid.UUID,
                   except_order: uuid.UUID | None = None) -> Decimal:
    receivable = (await session.execute(select(
        func.coalesce(func.sum(invoice.c.total - invoice.c.allocated), 0))
        .where(invoice.c.customer_id == customer_id))).scalar_one()
    orders = select(func.coalesce(func.sum(open_order.c.open_amount), 0)).where(
        open_order.c.customer_id == customer_id, open_order.c.open_amount > 0)
    if except_order is not None:
        orders = orders.where(open_order.c.order_id != except_order)
    return Decimal(receivable) + Decimal((await session.execute(orders)).scalar_one())


async def check(session: AsyncSession, command: CheckCredit) -> CreditReply:
    """Decide once per order; a retried command gets the first answer."""
    earlier = (await session.execute(select(credit_decision).where(
        credit_decision.c.order_id == command.order_id))).first()
    if earlier is not None:
        common = {"order_id": earlier.order_id, "customer_id": earlier.customer_id,
                  "amount": earlier.amount, "currency": earlier.currency,
                  "available_credit": earlier.available_credit}
        if earlier.approved:
            return CreditApproved(**common)
        return CreditRejected(**common, reason=earlier.reason)
    reply = await _decide(session, command)
    await session.execute(insert(credit_decision).values(
        order_id=command.order_id, customer_id=command.customer_id, amount=command.amount,
        currency=command.currency, approved=isinstance(reply, CreditApproved),
        reason=getattr(reply, "reason", None), available_credit=reply.available_credit)
        .on_conflict_do_nothing(index_elements=["order_id"]))
    return reply


async def _decide(session: AsyncSession, command: CheckCredit) -> CreditReply:
    common = {"order_id": command.order_id, "customer_id": command.customer_id,
              "amount": command.amount, "currency": command.currency}
    customer = await session.get(CustomerCredit, command.customer_id)
    if customer is None:
        return CreditRejected(**common, available_credit=None, reason="customer_unknown")
    if not customer.active:
        return CreditRejected(**common, available_credit=None, reason="customer_blocked")
    if customer.currency != command.currency:
        return CreditRejected(**common, available_credit=None, reason="currency_mismatch")
    if customer.credit_limit is None:
        return CreditApproved(**common, available_credit=None)
    available = customer.credit_limit - await exposure(session, command.customer_id,
                                                       except_order=command.order_id)
    if command.amount <= available:
        return CreditApproved(**common, available_credit=available)
    return CreditRejected(**common, available_credit=available)


async def order_confirmed(session: AsyncSession, event: SalesOrderConfirmed) -> None:
    await session.execute(insert(open_order).values(
        order_id=event.order_id, customer_id=event.customer_id, currency=event.currency,
        open_amount=event.total).on_conflict_do_nothing(index_elements=["order_id"]))


async def order_closed(session: AsyncSession, event: SalesOrderCancelled) -> None:
    await session.execute(open_order.delete().where(open_order.c.order_id == event.order_id))
