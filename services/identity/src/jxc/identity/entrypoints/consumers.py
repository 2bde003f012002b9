"""Identity's consumer group: the warehouse directory that users' data scopes
are assigned from, kept from inventory's events."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts import topics
from jxc.contracts.inventory import WarehouseUpserted
from jxc.identity.adapters.tables import WarehouseEntry
from jxc.platform.bus import EventConsumer
from jxc.platform.envelope import Envelope
from jxc.platform.replica import upsert_newer

directory = EventConsumer("identity.directory", [topics.INVENTORY_EVENTS])


@directory.on(WarehouseUpserted)
async def keep_warehouse(event: WarehouseUpserted, envelope: Envelope,
                         session: AsyncSession) -> None:
    await upsert_newer(session, WarehouseEntry.__table__, {"warehouse_id": event.warehouse_id}, {
        "code": event.code, "name": event.name, "branch_id": event.branch_id,
        "active": event.active, "version": event.version})
