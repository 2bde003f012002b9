"""The warehouse master; each change is announced as WarehouseUpserted.

A user scoped to branches sees the warehouses of those branches; one scoped
to warehouses sees those; a user with both sees either."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.inventory import WarehouseUpserted
from jxc.inventory.adapters.stock_tables import WarehouseRow
from jxc.platform.auth import Principal
from jxc.platform.errors import Forbidden
from jxc.platform.records import RecordStore

table = WarehouseRow.__table__


def _announce(row: WarehouseRow) -> WarehouseUpserted:
    return WarehouseUpserted(warehouse_id=row.id, code=row.code, name=row.name,
                             branch_id=row.branch_id,
                             allow_negative_stock=row.allow_negative_stock, active=row.active,
                             version=row.version)


class WarehouseScope:
    def visible(self, principal: Principal) -> ColumnElement[bool]:
        if principal.branches is None and principal.warehouses is None:
            return true()
        conditions: list[ColumnElement[bool]] = []
        if principal.warehouses is not None:
            conditions.append(principal.warehouse_filter(table.c.id))
        if principal.branches is not None:
            conditions.append(principal.branch_filter(table.c.branch_id))
        return or_(false(), *conditions)

    def may_hold(self, principal: Principal, fields: dict[str, Any]) -> bool:
        branch_id = fields.get("branch_id")
        warehouse_id: uuid.UUID | None = fields.get("id")
        if principal.branches is None and principal.warehouses is None:
            return True
        in_branch = principal.branches is not None and principal.sees_branch(branch_id)
        listed = principal.warehouses is not None and principal.sees_warehouse(warehouse_id)
        return in_branch or listed


warehouses = RecordStore(WarehouseRow, _announce, what="warehouse", sort_key=WarehouseRow.code,
                         scope=WarehouseScope())


def in_scope(principal: Principal, warehouse_column: Any) -> ColumnElement[bool]:
    """SQL condition: ``warehouse_column`` is a warehouse the principal may see."""
    if principal.branches is None and principal.warehouses is None:
        return true()
    return warehouse_column.in_(  # type: ignore[no-any-return]
        select(table.c.id).where(WarehouseScope().visible(principal)))


async def authorise(session: AsyncSession, principal: Principal,
                    *warehouse_ids: uuid.UUID | None) -> None:
    """403 unless every given warehouse is in the principal's scope."""
    wanted = {w for w in warehouse_ids if w is not None}
    if not wanted or (principal.branches is None and principal.warehouses is None):
        return
    seen = set((await session.execute(select(table.c.id).where(
        table.c.id.in_(wanted), WarehouseScope().visible(principal)))).scalars())
    outside = sorted(str(w) for w in wanted - seen)
    if outside:
        raise Forbidden(f"warehouse {', '.join(outside)} is outside your data scope")
