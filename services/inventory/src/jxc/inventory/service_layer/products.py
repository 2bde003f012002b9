"""Product master use cases: one transaction each, the change and its
``ProductUpserted`` event committed together through the outbox."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.inventory import ProductUpserted
from jxc.inventory.adapters.tables import ProductRow
from jxc.inventory.domain.products import CostingMethod, Product, ProductRuleBroken
from jxc.platform.api import keyset_page
from jxc.platform.envelope import new_id
from jxc.platform.errors import InvalidInput, NotFound
from jxc.platform.records import load_for_update, save_and_announce


def _invalid(exc: ProductRuleBroken) -> InvalidInput:
    return InvalidInput(str(exc), errors=[{"field": exc.field, "in": "body",
                                           "message": str(exc)}])


def _domain(row: ProductRow) -> Product:
    return Product(sku=row.sku, name=row.name, unit=row.unit,
                   costing_method=CostingMethod(row.costing_method),
                   sale_price=row.sale_price, currency=row.currency, tax_rate=row.tax_rate,
                   barcode=row.barcode, active=row.active, version=row.version)


def _event(product_id: uuid.UUID, product: Product) -> ProductUpserted:
    return ProductUpserted(
        product_id=product_id, sku=product.sku, name=product.name, unit=product.unit,
        barcode=product.barcode, costing_method=product.costing_method.value,
        sale_price=product.sale_price, currency=product.currency, tax_rate=product.tax_rate,
        active=product.active, version=product.version)


async def _save(session: AsyncSession, row: ProductRow, product: Product,
                correlation_id: str | None) -> ProductRow:
    for name, value in asdict(product).items():
        setattr(row, name, value.value if isinstance(value, CostingMethod) else value)
    return await save_and_announce(
        session, row, lambda saved: _event(saved.id, product), correlation_id=correlation_id,
        duplicate="a product with this SKU or barcode already exists")


async def create_product(session: AsyncSession, fields: dict[str, Any],
                         correlation_id: str | None = None) -> ProductRow:
    try:
        product = Product(**fields)
    except ProductRuleBroken as exc:
        raise _invalid(exc) from exc
    return await _save(session, ProductRow(id=new_id()), product, correlation_id)


async def update_product(session: AsyncSession, product_id: uuid.UUID, changes: dict[str, Any],
                         if_match: str | None, correlation_id: str | None = None) -> ProductRow:
    row = await load_for_update(session, ProductRow, product_id, if_match, "product")
    try:
        product = _domain(row).changed(**changes)
    except ProductRuleBroken as exc:
        raise _invalid(exc) from exc
    return await _save(session, row, product, correlation_id)


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> ProductRow:
    row = await session.get(ProductRow, product_id)
    if row is None:
        raise NotFound(f"no product {product_id}")
    return row


async def list_products(session: AsyncSession, limit: int, cursor: str | None,
                        sku: str | None = None) -> tuple[list[ProductRow], str | None]:
    query = select(ProductRow)
    if sku:
        query = query.where(ProductRow.sku == sku)
    return await keyset_page(session, query, ProductRow.sku, limit, cursor)
