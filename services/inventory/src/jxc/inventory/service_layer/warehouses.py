"""The warehouse master; each change is announced as WarehouseUpserted."""

from __future__ import annotations

from jxc.contracts.inventory import WarehouseUpserted
from jxc.inventory.adapters.stock_tables import WarehouseRow
from jxc.platform.records import RecordStore


def _announce(row: WarehouseRow) -> WarehouseUpserted:
    return WarehouseUpserted(warehouse_id=row.id, code=row.code, name=row.name,
                             branch_id=row.branch_id,
                             allow_negative_stock=row.allow_negative_stock, active=row.active,
                             version=row.version)


warehouses = RecordStore(WarehouseRow, _announce, what="warehouse", sort_key=WarehouseRow.code)
