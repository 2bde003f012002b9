"""Procurement' consumer group: keeps the product replica from inventory's events."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts import topics
from jxc.contracts.inventory import ProductUpserted
from jxc.platform.bus import EventConsumer
from jxc.platform.envelope import Envelope
from jxc.platform.replica import upsert_newer
from jxc.procurement.adapters.tables import ProductReplica

catalogue = EventConsumer("procurement.catalogue", [topics.INVENTORY_EVENTS])


@catalogue.on(ProductUpserted)
async def keep_product(event: ProductUpserted, envelope: Envelope,
                       session: AsyncSession) -> None:
    await upsert_newer(session, ProductReplica.__table__, {"product_id": event.product_id}, {
        "sku": event.sku, "name": event.name, "unit": event.unit,
        "barcode": event.barcode, "tax_rate": event.tax_rate, "active": event.active,
        "version": event.version})
