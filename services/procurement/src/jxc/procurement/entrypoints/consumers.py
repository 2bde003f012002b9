"""procurement's consumer groups, one per topic it reads.

``procurement.catalogue`` (inventory's events) keeps the product and
warehouse replicas and raises requisitions from low-stock alerts;
``procurement.suppliers`` (supplier's events) keeps the supplier, price-list
and preferred-supplier replicas."""

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
suppliers = EventConsumer("procurement.suppliers", [topics.SUPPLIER_EVENTS])


@catalogue.on(ProductUpserted)
async def keep_product(event: ProductUpserted, envelope: Envelope,
                       session: AsyncSession) -> None:
    await upsert_newer(session, ProductReplica.__table__, {"product_id": event.product_id}, {
        "sku": event.sku, "name": event.name, "unit": event.unit,
        "barcode": event.barcode, "tax_rate": event.tax_rate, "active": event.active,
        "version": event.version})


@catalogue.on(WarehouseUpserted)
async def keep_warehouse(event: WarehouseUpserted, envelope: Envelope,
                         session: AsyncSession) -> None:
    await replicas.keep_warehouse(session, event)


@catalogue.on(StockLevelLow)
async def requisition_low_stock(event: StockLevelLow, envelope: Envelope,
                                session: AsyncSession) -> None:
    """One open automatic requisition per (warehouse, product), kept at the
    quantity inventory suggests."""
    await requisitions.on_stock_low(session, event)


@suppliers.on(SupplierUpserted)
async def keep_supplier(event: SupplierUpserted, envelope: Envelope,
                        session: AsyncSession) -> None:
    await replicas.keep_supplier(session, event)


@suppliers.on(SupplierPriceUpserted)
async def keep_price(event: SupplierPriceUpserted, envelope: Envelope,
                     session: AsyncSession) -> None:
    await costs.keep_price(session, event)


@suppliers.on(PreferredSupplierSet)
async def keep_preferred(event: PreferredSupplierSet, envelope: Envelope,
                         session: AsyncSession) -> None:
    await costs.keep_preferred(session, event)
