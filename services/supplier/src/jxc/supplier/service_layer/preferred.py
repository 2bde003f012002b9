"""Each product's preferred supplier, announced as PreferredSupplierSet with a
version per product. Only an approved supplier can be preferred, and only
for a known, active product; a preference can always be cleared."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.supplier import PreferredSupplierSet
from jxc.platform.outbox import emit
from jxc.supplier.adapters.suppliers import require_product, supplier_for_share
from jxc.supplier.adapters.tables import PreferredSupplier


def _announce(row: PreferredSupplier) -> PreferredSupplierSet:
    return PreferredSupplierSet(product_id=row.product_id, supplier_id=row.supplier_id,
                                version=row.version)


async def set_preferred(session: AsyncSession, product_id: uuid.UUID,
                        supplier_id: uuid.UUID | None,
                        correlation_id: str | None = None) -> PreferredSupplier:
    """Prefer ``supplier_id`` (None: no preference); the same choice again
    changes nothing and announces nothing."""
    if supplier_id is not None:
        await require_product(session, product_id, in_path=True)
        await supplier_for_share(session, supplier_id, approved=True)
    table = PreferredSupplier.__table__  # type: ignore[attr-defined]
    await session.execute(insert(table).values(product_id=product_id, supplier_id=None,
                                               version=0).on_conflict_do_nothing())
    query = select(PreferredSupplier).where(PreferredSupplier.product_id == product_id)
    row = (await session.execute(query.with_for_update())).scalar_one()
    if row.supplier_id == supplier_id:
        return row
    row.supplier_id = supplier_id
    row.version += 1
    session.add(row)
    await session.flush()
    await emit(session, _announce(row), correlation_id=correlation_id)
    await session.commit()
    await session.refresh(row)
    return row


async def get_preferred(session: AsyncSession, product_id: uuid.UUID) -> PreferredSupplier:
    row = await session.get(PreferredSupplier, product_id)
    return row or PreferredSupplier(product_id=product_id, supplier_id=None, version=0)


async def withdraw_supplier(session: AsyncSession, supplier_id: uuid.UUID,
                            correlation_id: str | None) -> None:
    """No product prefers ``supplier_id`` any more (it is being blocked); the
    caller commits."""
    query = select(PreferredSupplier).where(PreferredSupplier.supplier_id == supplier_id)
    for row in (await session.execute(query.with_for_update())).scalars():
        row.supplier_id = None
        row.version += 1
        session.add(row)
        await emit(session, _announce(row), correlation_id=correlation_id)
    await session.flush()
