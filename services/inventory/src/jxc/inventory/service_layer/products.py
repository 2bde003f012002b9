"""Product master use cases: one transaction each, the change and its
``ProductUpserted`` event committed together through the outbox.

A product's barcodes (``product_barcode``) and unit conversions
(``product_unit``) are rewritten with the product in the same transaction;
a barcode belongs to one product only (409 otherwise).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import String, any_, delete, func, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.inventory import ProductUpserted
from jxc.contracts.inventory import UnitConversion as UnitConversionPart
from jxc.inventory.adapters.stock_tables import balances
from jxc.inventory.adapters.tables import (
    CategoryRow,
    ProductBarcodeRow,
    ProductRow,
    ProductUnitRow,
)
from jxc.inventory.domain import barcodes as gtin
from jxc.inventory.domain.products import CostingMethod, Product, ProductRuleBroken
from jxc.inventory.domain.units import UnitConversion, UnitRuleBroken
from jxc.inventory.service_layer.categories import subtree
from jxc.platform.api import keyset_page
from jxc.platform.envelope import new_id
from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.platform.outbox import emit
from jxc.platform.records import load_for_update

BARCODES = ProductBarcodeRow.__table__
UNITS = ProductUnitRow.__table__
DUPLICATE = "a product with this SKU already exists"


@dataclass(frozen=True)
class ProductView:
    """A product as stored: its row, its barcodes (code, unit) primary first and
    its unit conversions (unit, factor)."""

    row: ProductRow
    barcodes: tuple[tuple[str, str], ...] = ()
    units: tuple[tuple[str, Decimal], ...] = ()

    @property
    def barcode(self) -> str | None:
        return self.barcodes[0][0] if self.barcodes else None

    def factor(self, unit: str) -> Decimal:
        if unit == self.row.unit:
            return Decimal(1)
        return dict(self.units)[unit]


def invalid(exc: ProductRuleBroken, where: str = "body") -> InvalidInput:
    return InvalidInput(str(exc), errors=[{"field": exc.field, "in": where,
                                           "message": str(exc)}])


def any_of(column: Any, values: Sequence[str]) -> Any:
    """``column = ANY(:values)``: one array parameter however many values."""
    return column == any_(literal(list(values), type_=ARRAY(String())))


# -- between rows and the domain ---------------------------------------------------
def domain_of(view: ProductView, *, valid_barcodes_only: bool = False) -> Product:
    row = view.row
    codes = [code for code, _ in view.barcodes
             if not valid_barcodes_only or gtin.is_valid(code)]
    return Product(
        sku=row.sku, name=row.name, unit=row.unit,
        costing_method=CostingMethod(row.costing_method), sale_price=row.sale_price,
        currency=row.currency, tax_rate=row.tax_rate, barcodes=tuple(codes),
        barcode_units=tuple((code, unit) for code, unit in view.barcodes
                            if unit != row.unit and code in codes),
        units=tuple(UnitConversion(unit, factor) for unit, factor in view.units),
        category_id=row.category_id, lot_tracked=row.lot_tracked,
        shelf_life_days=row.shelf_life_days, active=row.active, version=row.version)


def apply_to_row(row: ProductRow, product: Product) -> ProductRow:
    row.sku, row.name, row.unit = product.sku, product.name, product.unit
    row.costing_method = product.costing_method.value
    row.sale_price, row.currency, row.tax_rate = (product.sale_price, product.currency,
                                                  product.tax_rate)
    row.category_id = product.category_id
    row.lot_tracked, row.shelf_life_days = product.lot_tracked, product.shelf_life_days
    row.active, row.version = product.active, product.version
    return row


def row_values(product: Product) -> dict[str, Any]:
    """The product's columns, for SQLAlchemy Core inserts and updates."""
    return {"sku": product.sku, "name": product.name, "unit": product.unit,
            "costing_method": product.costing_method.value, "sale_price": product.sale_price,
            "currency": product.currency, "tax_rate": product.tax_rate,
            "category_id": product.category_id, "lot_tracked": product.lot_tracked,
            "shelf_life_days": product.shelf_life_days, "active": product.active,
            "version": product.version}


def view_of(row: ProductRow, product: Product) -> ProductView:
    return ProductView(row, tuple((code, product.barcode_unit(code)) for code in product.barcodes),
                       tuple((c.unit, c.factor) for c in product.units))


def product_event(product_id: uuid.UUID, product: Product) -> ProductUpserted:
    return ProductUpserted(
        product_id=product_id, sku=product.sku, name=product.name, unit=product.unit,
        barcode=product.barcode, costing_method=product.costing_method.value,
        sale_price=product.sale_price, currency=product.currency, tax_rate=product.tax_rate,
        active=product.active, version=product.version, barcodes=product.barcodes,
        category_id=product.category_id, lot_tracked=product.lot_tracked,
        shelf_life_days=product.shelf_life_days,
        units=tuple(UnitConversionPart(unit=c.unit, factor=c.factor) for c in product.units))


def unchanged(before: Product, after: Product) -> bool:
    return replace(after, version=before.version) == before


# -- input shapes -------------------------------------------------------------------
def _normal(code: str, field: str) -> str:
    try:
        return gtin.normalise(code)
    except gtin.BarcodeInvalid as exc:
        raise ProductRuleBroken(field, str(exc)) from exc


def domain_changes(fields: Mapping[str, Any], known_units: Mapping[str, str]) -> dict[str, Any]:
    """Request fields in the domain's terms. ``barcodes`` items are codes or
    ``{"code", "unit"}``; a bare code keeps the unit it already means on this
    product (``known_units``), else means the base unit. ``units`` items are
    ``{"unit", "factor"}``."""
    changes = dict(fields)
    if changes.get("barcode") is not None:
        _normal(changes["barcode"], "barcode")
    if "barcodes" in changes:
        codes: list[str] = []
        meanings: list[tuple[str, str]] = []
        for item in changes.pop("barcodes") or ():
            code, unit = (item, None) if isinstance(item, str) else (item["code"],
                                                                    item.get("unit"))
            normal = _normal(code, "barcodes")
            codes.append(normal)
            unit = unit if unit is not None else known_units.get(normal)
            if unit is not None:
                meanings.append((normal, unit))
        changes["barcodes"], changes["barcode_units"] = tuple(codes), tuple(meanings)
    if "units" in changes:
        try:
            changes["units"] = tuple(UnitConversion(u["unit"], Decimal(u["factor"]))
                                     for u in changes["units"] or ())
        except UnitRuleBroken as exc:
            raise ProductRuleBroken("units", str(exc)) from exc
    return changes


def new_product(fields: Mapping[str, Any]) -> Product:
    changes = domain_changes(fields, {})
    primary = changes.pop("barcode", None)
    if primary is not None:
        changes["barcodes"] = (_normal(primary, "barcode"), *changes.get("barcodes", ()))
    return Product(**changes)


# -- reading ------------------------------------------------------------------------
async def views(session: AsyncSession, rows: Sequence[ProductRow]) -> list[ProductView]:
    ids = [row.id for row in rows]
    if not ids:
        return []
    codes: dict[uuid.UUID, list[tuple[str, str]]] = {i: [] for i in ids}
    for code in await session.execute(
            select(BARCODES.c.product_id, BARCODES.c.barcode, BARCODES.c.unit)
            .where(BARCODES.c.product_id.in_(ids))
            .order_by(BARCODES.c.product_id, BARCODES.c.position)):
        codes[code.product_id].append((code.barcode, code.unit))
    units: dict[uuid.UUID, list[tuple[str, Decimal]]] = {i: [] for i in ids}
    for unit in await session.execute(
            select(UNITS.c.product_id, UNITS.c.unit, UNITS.c.factor)
            .where(UNITS.c.product_id.in_(ids))
            .order_by(UNITS.c.product_id, UNITS.c.factor, UNITS.c.unit)):
        units[unit.product_id].append((unit.unit, unit.factor))
    return [ProductView(row, tuple(codes[row.id]), tuple(units[row.id])) for row in rows]


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> ProductView:
    row = await session.get(ProductRow, product_id)
    if row is None:
        raise NotFound(f"no product {product_id}")
    return (await views(session, [row]))[0]


async def list_products(session: AsyncSession, limit: int, cursor: str | None, *,
                        sku: str | None = None, barcode: str | None = None,
                        category_id: uuid.UUID | None = None, active: bool | None = None,
                        q: str | None = None) -> tuple[list[ProductView], str | None]:
    """A page of products by SKU. ``category_id`` includes its subcategories;
    ``q`` is part of the name (any case)."""
    query = select(ProductRow)
    if sku:
        query = query.where(ProductRow.sku == sku)
    if barcode:
        try:
            normal = gtin.normalise(barcode)
        except gtin.BarcodeInvalid as exc:
            raise invalid(ProductRuleBroken("barcode", str(exc)), "query") from exc
        query = query.where(ProductRow.id.in_(  # type: ignore[attr-defined]
            select(BARCODES.c.product_id).where(BARCODES.c.barcode == normal)))
    if category_id is not None:
        query = query.where(ProductRow.category_id.in_(subtree(category_id)))  # type: ignore[union-attr]
    if active is not None:
        query = query.where(ProductRow.active == active)
    if q:
        pattern = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(ProductRow.name.ilike(f"%{pattern}%", escape="\\"))  # type: ignore[attr-defined]
    rows, next_cursor = await keyset_page(session, query, ProductRow.sku, limit, cursor)
    return await views(session, rows), next_cursor


@dataclass(frozen=True)
class Scan:
    """What one scan of a barcode is: which product, in which unit."""

    barcode: str
    unit: str
    factor: Decimal
    product: ProductView


async def find_by_barcode(session: AsyncSession, code: str) -> Scan:
    try:
        normal = gtin.normalise(code)
    except gtin.BarcodeInvalid as exc:
        raise invalid(ProductRuleBroken("code", str(exc)), "path") from exc
    found = (await session.execute(select(BARCODES.c.product_id, BARCODES.c.unit)
                                   .where(BARCODES.c.barcode == normal))).first()
    if found is None:
        raise NotFound(f"no product has barcode {code}")
    view = await get_product(session, found.product_id)
    return Scan(normal, found.unit, view.factor(found.unit), view)


async def barcode_owners(session: AsyncSession, codes: Iterable[str]) -> dict[str, tuple[
        uuid.UUID, str]]:
    """Which product (id, SKU) holds each of ``codes`` now."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await session.execute(
        select(BARCODES.c.barcode, ProductRow.id, ProductRow.sku)
        .join(ProductRow, ProductRow.id == BARCODES.c.product_id)
        .where(any_of(BARCODES.c.barcode, wanted)))
    return {row.barcode: (row.id, row.sku) for row in rows}


# -- writing ------------------------------------------------------------------------
async def replace_children(session: AsyncSession,
                           products: Sequence[tuple[uuid.UUID, Product]]) -> None:
    """Rewrite the barcodes and unit conversions of ``products`` (deletes first,
    so barcodes may move between the products written together)."""
    if not products:
        return
    ids = [product_id for product_id, _ in products]
    await session.execute(delete(BARCODES).where(BARCODES.c.product_id.in_(ids)))
    await session.execute(delete(UNITS).where(UNITS.c.product_id.in_(ids)))
    codes = [{"barcode": code, "product_id": product_id, "unit": product.barcode_unit(code),
              "position": position}
             for product_id, product in products
             for position, code in enumerate(product.barcodes)]
    units = [{"product_id": product_id, "unit": c.unit, "factor": c.factor}
             for product_id, product in products for c in product.units]
    if codes:
        await session.execute(insert(BARCODES), codes)
    if units:
        await session.execute(insert(UNITS), units)


async def check_category(session: AsyncSession, category_id: uuid.UUID | None) -> None:
    if category_id is not None and await session.get(CategoryRow, category_id) is None:
        raise InvalidInput(f"no category {category_id}", errors=[
            {"field": "category_id", "in": "body", "message": f"no category {category_id}"}])


async def _check_barcodes_free(session: AsyncSession, product_id: uuid.UUID | None,
                               product: Product) -> None:
    taken = {code: sku for code, (owner, sku) in
             (await barcode_owners(session, product.barcodes)).items() if owner != product_id}
    if taken:
        raise Conflict("a barcode already belongs to another product", code="duplicate",
                       errors=[{"field": "barcodes", "in": "body",
                                "message": f"barcode {code} belongs to product {sku}"}
                               for code, sku in sorted(taken.items())])


async def _write(session: AsyncSession, row: ProductRow, product: Product,
                 correlation_id: str | None) -> ProductView:
    await check_category(session, product.category_id)
    await _check_barcodes_free(session, row.id, product)
    session.add(apply_to_row(row, product))
    try:
        await session.flush()
        await replace_children(session, [(row.id, product)])
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("a product with this SKU or one of these barcodes already exists",
                       code="duplicate") from exc
    await emit(session, product_event(row.id, product), correlation_id=correlation_id)
    await session.commit()
    await session.refresh(row)
    return view_of(row, product)


async def create_product(session: AsyncSession, fields: dict[str, Any],
                         correlation_id: str | None = None) -> ProductView:
    try:
        product = new_product(fields)
    except ProductRuleBroken as exc:
        raise invalid(exc) from exc
    clash = (await session.execute(select(ProductRow.id).where(ProductRow.sku == product.sku))
             ).first()
    if clash is not None:
        raise Conflict(DUPLICATE, code="duplicate", errors=[
            {"field": "sku", "in": "body", "message": f"SKU {product.sku} is taken"}])
    return await _write(session, ProductRow(id=new_id()), product, correlation_id)


async def update_product(session: AsyncSession, product_id: uuid.UUID, changes: dict[str, Any],
                         if_match: str | None, correlation_id: str | None = None) -> ProductView:
    row = await load_for_update(session, ProductRow, product_id, if_match, "product")
    view = (await views(session, [row]))[0]
    try:
        try:
            current = domain_of(view)
        except ProductRuleBroken as exc:
            if exc.field != "barcodes" or "barcodes" not in changes:
                raise ProductRuleBroken(exc.field, f"the stored product is not valid: {exc}; "
                                                   f"send {exc.field} to correct it") from exc
            current = domain_of(view, valid_barcodes_only=True)
        product = current.changed(**domain_changes(changes, dict(view.barcodes)))
    except ProductRuleBroken as exc:
        raise invalid(exc) from exc
    if unchanged(current, product) and len(current.barcodes) == len(view.barcodes):
        await session.commit()
        return view
    if product.costing_method != current.costing_method:
        await _switch_costing_method(session, product_id, product.costing_method)
    return await _write(session, row, product, correlation_id)


async def _switch_costing_method(session: AsyncSession, product_id: uuid.UUID,
                                 method: CostingMethod) -> None:
    """Stock is valued by the method it came in under; switching methods would
    revalue it, which the ledger never does (DESIGN.md §7). So the switch is
    only allowed with no stock anywhere, and the empty positions follow it."""
    held = (await session.execute(select(func.count()).select_from(balances).where(
        balances.c.product_id == product_id,
        or_(balances.c.on_hand != 0, balances.c.value != 0, balances.c.reserved != 0,
            balances.c.in_transit != 0)))).scalar_one()
    if held:
        raise Conflict("the costing method cannot change while the product has stock in "
                       f"{held} warehouse(s); issue or count it to zero first",
                       code="product_has_stock")
    await session.execute(update(balances).where(balances.c.product_id == product_id)
                          .values(costing_method=method.value, layers=[]))
