"""Reading the supplier master and the product replica from the other parts
of the service."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.supplier.adapters.tables import SupplierRow, product_replica


class SupplierBlocked(Conflict):
    code, title = "supplier_blocked", "The supplier is blocked"


async def supplier_for_share(session: AsyncSession, supplier_id: uuid.UUID, *,
                             approved: bool = False) -> SupplierRow:
    """The supplier, held against a concurrent change until this transaction
    ends; 404 if unknown, 409 ``supplier_blocked`` if ``approved`` is wanted."""
    query = select(SupplierRow).where(SupplierRow.id == supplier_id).with_for_update(read=True)
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no supplier {supplier_id}")
    if approved and row.status == "blocked":
        raise SupplierBlocked(f"supplier {row.code} is blocked: {row.status_reason or 'no reason'}",
                              supplier_id=str(row.id))
    return row


class ProductInactive(Conflict):
    code, title = "product_inactive", "The product is no longer active"


async def require_product(session: AsyncSession, product_id: uuid.UUID, *, in_path: bool
                          ) -> None:
    """The product must be one of inventory's and active. Unknown: 404 when
    the path names it, else 422 on ``product_id`` (a product created a moment
    ago may not have reached this replica yet: retry)."""
    active = (await session.execute(select(product_replica.c.active).where(
        product_replica.c.product_id == product_id))).scalar_one_or_none()
    if active is None:
        detail = f"no product {product_id} (inventory's catalogue, as supplier knows it)"
        if in_path:
            raise NotFound(detail, code="unknown_product")
        raise InvalidInput(detail, code="unknown_product", errors=[
            {"field": "product_id", "in": "body", "message": "unknown product"}])
    if not active:
        raise ProductInactive(f"product {product_id} is inactive")
