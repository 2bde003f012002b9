"""The supplier master; each change is announced as SupplierUpserted.
Blocking a supplier also withdraws it as any product's preferred supplier."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.supplier import SupplierUpserted
from jxc.platform.records import RecordStore, load_for_update
from jxc.supplier.adapters.tables import SupplierRow
from jxc.supplier.service_layer import preferred


def _announce(row: SupplierRow) -> SupplierUpserted:
    return SupplierUpserted(supplier_id=row.id, code=row.code, name=row.name,
                            payment_terms_days=row.payment_terms_days, category=row.category,
                            active=row.active, version=row.version, status=row.status,
                            currency=row.currency, email=row.email)


suppliers = RecordStore(SupplierRow, _announce, what="supplier", sort_key=SupplierRow.code)


async def set_status(session: AsyncSession, supplier_id: uuid.UUID, *, blocked: bool,
                     reason: str | None, if_match: str | None,
                     correlation_id: str | None = None) -> SupplierRow:
    """Block (with a reason) or approve again; a supplier already in that
    status is returned unchanged (no new version, no event)."""
    status = "blocked" if blocked else "approved"
    row = await load_for_update(session, SupplierRow, supplier_id, if_match, "supplier")
    if row.status == status:
        return row
    if blocked:
        await preferred.withdraw_supplier(session, supplier_id, correlation_id)
    return await suppliers.update(session, supplier_id, {"status": status,
                                                         "status_reason": reason},
                                  None, correlation_id)

