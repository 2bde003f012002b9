"""finance's consumer group: customers' credit limits from crm."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts import topics
from jxc.contracts.crm import CustomerUpserted
from jxc.finance.adapters.tables import CustomerCredit
from jxc.platform.bus import EventConsumer
from jxc.platform.envelope import Envelope
from jxc.platform.replica import upsert_newer

credit = EventConsumer("finance.credit", [topics.CRM_EVENTS])


@credit.on(CustomerUpserted)
async def keep_credit_limit(event: CustomerUpserted, envelope: Envelope,
                            session: AsyncSession) -> None:
    await upsert_newer(session, CustomerCredit.__table__, {"customer_id": event.customer_id}, {
        "code": event.code, "name": event.name, "credit_limit": event.credit_limit,
        "currency": event.currency, "active": event.active, "version": event.version})
