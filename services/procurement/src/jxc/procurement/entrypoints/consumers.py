"""Procurement' consumer group: keeps the product replica from inventory's events."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts import topics
from jxc.contracts.inventory import ProductUpserted, StockLevelLow, WarehouseUpserted
from jxc.contracts.supplier import PreferredSupplierSet, SupplierPriceUpserted, SupplierUpserted
from jxc.platform.bus import EventConsumer
from jxc.platform.envelope import Envelope
from jxc.platform.replica import upsert_newer
from jxc.procurement.adapters.tables import ProductReplica
from jxc.procurement.service_layer import costs, replicas, requisitions

catalogue = EventConsumer("procurement.catalogue", [topics.INVENTORY_EVENTS])


@catalogue.on(ProductUpserted)
async def keep_product(event: ProductUpserted, envelope: Envelope,
                       session: AsyncSession) -> None:
    await upsert_newer(session, ProductReplica.__table__, {"product_id": event.product_id}, {
        "sku": event.sku, "name": event.name, "unit": event.unit,
        "barcode": event.barcode, "tax_rate": event.tax_rate, "active": event.active,
        "version": event.version})


# -- requisitions and cost control --------------------------------------------------
prices = EventConsumer("procurement.prices", [topics.SUPPLIER_EVENTS])
"""Keeps the price-list and preferred-supplier replicas from supplier's events."""


@prices.on(SupplierPriceUpserted)
async def keep_price(event: SupplierPriceUpserted, envelope: Envelope,
                     session: AsyncSession) -> None:
    await costs.keep_price(session, event)


@prices.on(PreferredSupplierSet)
async def keep_preferred(event: PreferredSupplierSet, envelope: Envelope,
                         session: AsyncSession) -> None:
    await costs.keep_preferred(session, event)


@catalogue.on(StockLevelLow)
async def requisition_low_stock(event: StockLevelLow, envelope: Envelope,
                                session: AsyncSession) -> None:
    """One open automatic requisition per (warehouse, product), kept at the
    quantity inventory suggests."""
    await requisitions.on_stock_low(session, event)


# -- purchase orders' masters ----------------------------------------------------------
masters = EventConsumer("procurement.masters", [topics.SUPPLIER_EVENTS, topics.INVENTORY_EVENTS])
"""Keeps the supplier and warehouse replicas purchase orders are checked against."""


@masters.on(SupplierUpserted)
async def keep_supplier(event: SupplierUpserted, envelope: Envelope,
                        session: AsyncSession) -> None:
    await replicas.keep_supplier(session, event)


@masters.on(WarehouseUpserted)
async def keep_warehouse(event: WarehouseUpserted, envelope: Envelope,
                         session: AsyncSession) -> None:
    await replicas.keep_warehouse(session, event)
