"""The supplier and warehouse replicas purchase orders are checked against;
a redelivered or older version never moves a replica backwards."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.inventory import WarehouseUpserted
from jxc.contracts.supplier import SupplierUpserted
from jxc.platform.replica import upsert_newer
from jxc.procurement.adapters.tables import supplier_replica, warehouse_replica


async def keep_supplier(session: AsyncSession, event: SupplierUpserted) -> None:
    await upsert_newer(session, supplier_replica, {"supplier_id": event.supplier_id}, {
        "code": event.code, "name": event.name, "status": event.status,
        "currency": event.currency, "email": event.email,
        "payment_terms_days": event.payment_terms_days, "active": event.active,
        "version": event.version})


async def keep_warehouse(session: AsyncSession, event: WarehouseUpserted) -> None:
    await upsert_newer(session, warehouse_replica, {"warehouse_id": event.warehouse_id}, {
        "code": event.code, "name": event.name, "branch_id": event.branch_id,
        "active": event.active, "version": event.version})
