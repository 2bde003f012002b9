"""Supplier master use cases; each change is announced as SupplierUpserted."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.supplier import SupplierUpserted
from jxc.platform.api import keyset_page
from jxc.platform.envelope import new_id
from jxc.platform.errors import NotFound
from jxc.platform.records import load_for_update, save_and_announce
from jxc.supplier.adapters.tables import SupplierRow

DUPLICATE = "a supplier with this code already exists"


def _announce(row: SupplierRow) -> SupplierUpserted:
    return SupplierUpserted(supplier_id=row.id, code=row.code, name=row.name,
                            payment_terms_days=row.payment_terms_days,
                            category=row.category, active=row.active, version=row.version)


async def create_supplier(session: AsyncSession, fields: dict[str, Any],
                          correlation_id: str | None = None) -> SupplierRow:
    row = SupplierRow(id=new_id(), version=1, **fields)
    return await save_and_announce(session, row, _announce, duplicate=DUPLICATE,
                                   correlation_id=correlation_id)


async def update_supplier(session: AsyncSession, supplier_id: uuid.UUID,
                          changes: dict[str, Any], if_match: str | None,
                          correlation_id: str | None = None) -> SupplierRow:
    row = await load_for_update(session, SupplierRow, supplier_id, if_match, "supplier")
    for name, value in changes.items():
        setattr(row, name, value)
    row.version += 1
    return await save_and_announce(session, row, _announce, duplicate=DUPLICATE,
                                   correlation_id=correlation_id)


async def get_supplier(session: AsyncSession, supplier_id: uuid.UUID) -> SupplierRow:
    row = await session.get(SupplierRow, supplier_id)
    if row is None:
        raise NotFound(f"no supplier {supplier_id}")
    return row


async def list_suppliers(session: AsyncSession, limit: int,
                         cursor: str | None) -> tuple[list[SupplierRow], str | None]:
    return await keyset_page(session, select(SupplierRow), SupplierRow.code, limit, cursor)
