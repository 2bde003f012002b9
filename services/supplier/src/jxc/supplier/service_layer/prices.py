"""Suppliers' price lists. A line is versioned and announced as
SupplierPriceUpserted; withdrawing one announces it inactive. Two active
lines for one supplier, product and minimum quantity never cover the same
day: the database's exclusion constraint refuses the second (409
``price_overlap``), so concurrent writers cannot both get in."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.supplier import SupplierPriceUpserted
from jxc.platform.api import keyset_page
from jxc.platform.envelope import new_id
from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.platform.outbox import emit
from jxc.platform.records import load_for_update
from jxc.supplier.adapters.suppliers import require_product, supplier_for_share
from jxc.supplier.adapters.tables import SupplierPrice, SupplierRow

EXCLUSION_VIOLATION = "23P01"


class PriceOverlap(Conflict):
    code, title = "price_overlap", "The price overlaps another"


def _announce(row: SupplierPrice) -> SupplierPriceUpserted:
    return SupplierPriceUpserted(
        price_id=row.id, supplier_id=row.supplier_id, product_id=row.product_id,
        unit_price=row.unit_price, currency=row.currency, min_quantity=row.min_quantity,
        lead_time_days=row.lead_time_days, valid_from=row.valid_from, valid_to=row.valid_to,
        active=row.active, version=row.version)


async def _save(session: AsyncSession, row: SupplierPrice, correlation_id: str | None
                ) -> SupplierPrice:
    if row.valid_to is not None and row.valid_to < row.valid_from:
        raise InvalidInput("valid_to is before valid_from", errors=[
            {"field": "valid_to", "in": "body", "message": "must not be before valid_from"}])
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        if getattr(exc.orig, "sqlstate", None) == EXCLUSION_VIOLATION:
            raise PriceOverlap(
                "the supplier already has an active price for this product and minimum "
                "quantity on some of these days; end it first or change the validity") from exc
        raise
    await emit(session, _announce(row), correlation_id=correlation_id)
    await session.commit()
    await session.refresh(row)
    return row


async def create(session: AsyncSession, supplier_id: uuid.UUID, fields: dict[str, Any],
                 correlation_id: str | None = None) -> SupplierPrice:
    await supplier_for_share(session, supplier_id)
    await require_product(session, fields["product_id"], in_path=False)
    row = SupplierPrice(id=new_id(), supplier_id=supplier_id, version=1, active=True, **fields)
    return await _save(session, row, correlation_id)


async def _load(session: AsyncSession, supplier_id: uuid.UUID, price_id: uuid.UUID,
                if_match: str | None) -> SupplierPrice:
    row = await load_for_update(session, SupplierPrice, price_id, if_match, "price",
                                SupplierPrice.supplier_id == supplier_id)  # type: ignore[arg-type]
    if not row.active:
        raise Conflict("this price was withdrawn; add a new one", code="price_withdrawn")
    return row


async def update(session: AsyncSession, supplier_id: uuid.UUID, price_id: uuid.UUID,
                 changes: dict[str, Any], if_match: str | None,
                 correlation_id: str | None = None) -> SupplierPrice:
    row = await _load(session, supplier_id, price_id, if_match)
    for name, value in changes.items():
        setattr(row, name, value)
    row.version += 1
    return await _save(session, row, correlation_id)


async def withdraw(session: AsyncSession, supplier_id: uuid.UUID, price_id: uuid.UUID,
                   if_match: str | None, correlation_id: str | None = None) -> SupplierPrice:
    row = await _load(session, supplier_id, price_id, if_match)
    row.active = False
    row.version += 1
    return await _save(session, row, correlation_id)


async def get(session: AsyncSession, supplier_id: uuid.UUID, price_id: uuid.UUID
              ) -> SupplierPrice:
    row = await session.get(SupplierPrice, price_id)
    if row is None or row.supplier_id != supplier_id:
        raise NotFound(f"no price {price_id} of supplier {supplier_id}")
    return row


def _valid_on(day: date) -> ColumnElement[bool]:
    return and_(SupplierPrice.valid_from <= day,  # type: ignore[arg-type]
                or_(SupplierPrice.valid_to.is_(None),  # type: ignore[union-attr]
                    SupplierPrice.valid_to >= day))  # type: ignore[operator]


async def page(session: AsyncSession, supplier_id: uuid.UUID, limit: int, cursor: str | None,
               *, product_id: uuid.UUID | None, on: date | None, include_withdrawn: bool
               ) -> tuple[list[SupplierPrice], str | None]:
    await supplier_for_share(session, supplier_id)
    query = select(SupplierPrice).where(SupplierPrice.supplier_id == supplier_id)
    if product_id is not None:
        query = query.where(SupplierPrice.product_id == product_id)
    if on is not None:
        query = query.where(_valid_on(on))
    if not include_withdrawn:
        query = query.where(SupplierPrice.active)
    return await keyset_page(session, query, SupplierPrice.id, limit, cursor)


async def for_product(session: AsyncSession, product_id: uuid.UUID, on: date,
                      quantity: Decimal | None) -> list[tuple[SupplierPrice, SupplierRow]]:
    """Every approved supplier's active prices for the product valid on
    ``on`` (and, given a quantity, whose minimum it reaches), best first:
    cheapest, then shortest lead time, then lowest minimum."""
    query = (select(SupplierPrice, SupplierRow)
             .join(SupplierRow, SupplierRow.id == SupplierPrice.supplier_id)
             .where(SupplierPrice.product_id == product_id, SupplierPrice.active,
                    SupplierRow.status == "approved", SupplierRow.active, _valid_on(on))
             .order_by(SupplierPrice.unit_price, SupplierPrice.lead_time_days,
                       SupplierPrice.min_quantity, SupplierRow.code))
    if quantity is not None:
        query = query.where(SupplierPrice.min_quantity <= quantity)
    return [(price, supplier) for price, supplier in (await session.execute(query)).all()]


async def best_list_price(session: AsyncSession, supplier_id: uuid.UUID, product_id: uuid.UUID,
                          currency: str, on: date, quantity: Decimal) -> Decimal | None:
    """The supplier's lowest active price for the product, currency and
    quantity on ``on``, or None."""
    query = (select(SupplierPrice.unit_price)
             .where(SupplierPrice.supplier_id == supplier_id,
                    SupplierPrice.product_id == product_id, SupplierPrice.currency == currency,
                    SupplierPrice.active, SupplierPrice.min_quantity <= quantity, _valid_on(on))
             .order_by(SupplierPrice.unit_price).limit(1))
    return (await session.execute(query)).scalar_one_or_none()
