"""Identity's consumer groups: the warehouse directory that users' data
scopes are assigned from, kept from inventory's events; and the audit trail,
every service's ``AuditRecorded`` (identity's own included) appended to the
hash chain exactly once."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts import topics
from jxc.contracts.audit import AuditRecorded
from jxc.contracts.inventory import WarehouseUpserted
from jxc.identity.adapters.tables import WarehouseEntry
from jxc.identity.service_layer import audit as audit_trail
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


async def keep_audit_record(event: AuditRecorded, envelope: Envelope,
                            session: AsyncSession) -> None:
    await audit_trail.append(session, event)


def audit_consumer(name: str = "identity.audit") -> EventConsumer:
    """The audit trail's consumer group (tests run one under a name of their own)."""
    consumer = EventConsumer(name, [topics.AUDIT_EVENTS])
    consumer.on(AuditRecorded)(keep_audit_record)
    return consumer


audit = audit_consumer()
