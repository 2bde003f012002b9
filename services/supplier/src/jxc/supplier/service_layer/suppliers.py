"""The supplier master; each change is announced as SupplierUpserted."""

from __future__ import annotations

from jxc.contracts.supplier import SupplierUpserted
from jxc.platform.records import RecordStore
from jxc.supplier.adapters.tables import SupplierRow


def _announce(row: SupplierRow) -> SupplierUpserted:
    return SupplierUpserted(supplier_id=row.id, code=row.code, name=row.name,
                            payment_terms_days=row.payment_terms_days, category=row.category,
                            active=row.active, version=row.version)


suppliers = RecordStore(SupplierRow, _announce, what="supplier", sort_key=SupplierRow.code)
