"""reporting's consumer group: projections of inventory's events."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts import topics
from jxc.contracts.inventory import ProductUpserted
from jxc.platform.bus import EventConsumer
from jxc.platform.envelope import Envelope
from jxc.platform.replica import upsert_newer
from jxc.reporting.adapters.tables import ProductDimension

projections = EventConsumer("reporting.projections", [topics.INVENTORY_EVENTS])


@projections.on(ProductUpserted)
async def product_dimension(event: ProductUpserted, envelope: Envelope,
                            session: AsyncSession) -> None:
    await upsert_newer(session, ProductDimension.__table__, {"product_id": event.product_id}, {
        "sku": event.sku, "name": event.name, "unit": event.unit, "active": event.active,
        "version": event.version})
