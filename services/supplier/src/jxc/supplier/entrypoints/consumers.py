"""supplier's consumer groups: ``supplier.catalogue`` keeps the product
replica from inventory's ProductUpserted (the highest version wins);
``supplier.scorecard`` turns procurement's orders, receipts and returns into
the facts behind each supplier's scorecard and spend class (see
service_layer/scorecard.py for why a re-sent event changes nothing)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts import topics
from jxc.contracts.inventory import ProductUpserted
from jxc.contracts.procurement import (
    GoodsReceived,
    GoodsReturned,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
)
from jxc.platform.bus import EventConsumer
from jxc.platform.envelope import Envelope
from jxc.platform.replica import upsert_newer
from jxc.supplier.adapters.tables import product_replica
from jxc.supplier.service_layer import scorecard as facts

catalogue = EventConsumer("supplier.catalogue", [topics.INVENTORY_EVENTS])
scorecard = EventConsumer("supplier.scorecard", [topics.PROCUREMENT_EVENTS])


@catalogue.on(ProductUpserted)
async def keep_product(event: ProductUpserted, envelope: Envelope,
                       session: AsyncSession) -> None:
    await upsert_newer(session, product_replica, {"product_id": event.product_id}, {
        "sku": event.sku, "name": event.name, "unit": event.unit, "active": event.active,
        "version": event.version})


@scorecard.on(PurchaseOrderApproved)
async def order_approved(event: PurchaseOrderApproved, envelope: Envelope,
                         session: AsyncSession) -> None:
    await facts.order_approved(session, event)


@scorecard.on(PurchaseOrderClosed, PurchaseOrderCancelled)
async def order_ended(event: PurchaseOrderClosed | PurchaseOrderCancelled, envelope: Envelope,
                      session: AsyncSession) -> None:
    ended_at = datetime.fromisoformat(envelope.time) if envelope.time else datetime.now(UTC)
    await facts.order_ended(session, event.order_id, ended_at,
                            cancelled=isinstance(event, PurchaseOrderCancelled))


@scorecard.on(GoodsReceived)
async def goods_received(event: GoodsReceived, envelope: Envelope,
                         session: AsyncSession) -> None:
    await facts.goods_received(session, event)


@scorecard.on(GoodsReturned)
async def goods_returned(event: GoodsReturned, envelope: Envelope,
                         session: AsyncSession) -> None:
    await facts.goods_returned(session, event)
