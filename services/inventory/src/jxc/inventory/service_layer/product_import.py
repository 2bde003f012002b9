"""Bulk product import from a CSV (UTF-8, header row) or an .xlsx workbook
(first sheet, header row).

Columns (only ``sku`` is required in the header; the order is free):
``sku, name, unit, barcodes, category_code, costing_method, sale_price,
tax_rate, lot_tracked, shelf_life_days, units, currency, active``.
``barcodes`` are separated by ``|``, each optionally with the unit one scan
counts (``6901234567892|16901234567899=箱``); ``units`` are ``unit=factor``
separated by ``|`` (``箱=12|打=12``); ``tax_rate`` is ``0.13`` or ``13%``.

A row whose SKU exists updates that product; otherwise it creates one (then
``name`` and ``unit`` are needed). A blank cell leaves the field as it is (or
at its default for a new product); a non-blank ``barcodes`` or ``units`` cell
replaces the product's list.

Every row is checked before anything is written; if any row is wrong the
answer lists every error (``{row, field, message}``, rows numbered as in the
sheet, the header being row 1) and nothing is imported. Otherwise all rows are
written in one transaction with a ``ProductUpserted`` for each product that
was created or changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.tables import ProductRow
from jxc.inventory.domain import barcodes as gtin
from jxc.inventory.domain.products import (
    SKU_PATTERN,
    CostingMethod,
    Product,
    ProductRuleBroken,
)
from jxc.inventory.domain.units import UnitRuleBroken, check_unit_name, parse_conversions
from jxc.inventory.service_layer import sheets
from jxc.inventory.service_layer.categories import ids_by_code
from jxc.inventory.service_layer.products import (
    any_of,
    barcode_owners,
    domain_of,
    product_event,
    replace_children,
    row_values,
    unchanged,
    views,
)
from jxc.inventory.service_layer.sheets import (
    SheetRow,
    file_error,
)
from jxc.platform.envelope import new_id
from jxc.platform.errors import Conflict, InvalidInput
from jxc.platform.outbox import emit

COLUMNS = ("sku", "name", "unit", "barcodes", "category_code", "costing_method", "sale_price",
           "tax_rate", "lot_tracked", "shelf_life_days", "units", "currency", "active")
TRUE = {"true", "1", "yes", "y", "t", "是", "x"}
FALSE = {"false", "0", "no", "n", "f", "否"}
# Where the domain's field names differ from the sheet's columns.
COLUMN_OF = {"category_id": "category_code", "barcode": "barcodes", "barcode_units": "barcodes",
             "quantity": "units"}


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass
class ParsedRow:
    number: int
    sku: str
    fields: dict[str, Any] = field(default_factory=dict)
    category_code: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append({"row": self.number, "field": column, "message": message})


def read_sheet(data: bytes, filename: str | None = None,
               content_type: str | None = None) -> list[SheetRow]:
    return sheets.read_sheet(data, filename, content_type, columns=COLUMNS, required=("sku",))


# -- one row -----------------------------------------------------------------------
def parse_row(sheet_row: SheetRow) -> ParsedRow:
    """The row's non-blank cells in the domain's terms, and what is wrong with them."""
    cells = sheet_row.cells
    row = ParsedRow(sheet_row.number, cells.get("sku", ""))
    if "\x00extra" in cells:
        row.error("row", "the row has more cells than the header has columns")
    if not row.sku:
        row.error("sku", "required")
    elif not SKU_PATTERN.match(row.sku):
        row.error("sku", "letters, digits and . _ - / only, at most 64")
    for column in COLUMNS[1:]:
        text = cells.get(column, "")
        if not text:
            continue
        try:
            _parse_cell(row, column, text)
        except (ProductRuleBroken, UnitRuleBroken, gtin.BarcodeInvalid) as exc:
            row.error(column, str(exc))
    return row


def _parse_cell(row: ParsedRow, column: str, text: str) -> None:
    if column == "name":
        row.fields["name"] = text
    elif column == "unit":
        row.fields["unit"] = check_unit_name(text)
    elif column == "barcodes":
        codes, meanings = [], []
        for entry in text.split("|"):
            code, _, unit = entry.partition("=")
            if not code.strip():
                continue
            try:
                normal = gtin.normalise(code)
            except gtin.BarcodeInvalid as exc:
                row.error("barcodes", str(exc))
                continue
            codes.append(normal)
            if unit.strip():
                meanings.append((normal, check_unit_name(unit, "barcodes")))
        row.fields["barcodes"], row.fields["barcode_units"] = tuple(codes), tuple(meanings)
    elif column == "category_code":
        row.category_code = text
    elif column == "costing_method":
        try:
            row.fields["costing_method"] = CostingMethod(text.lower())
        except ValueError as exc:
            raise ProductRuleBroken(column, "average or fifo") from exc
    elif column == "sale_price":
        price = _decimal(column, text)
        if price < 0:
            raise ProductRuleBroken(column, "must not be negative")
        row.fields[column] = price
    elif column == "tax_rate":
        percent = text.endswith("%")
        rate = _decimal(column, text[:-1] if percent else text)
        rate = rate / 100 if percent else rate
        if not 0 <= rate < 1:
            raise ProductRuleBroken(column, "a fraction between 0 and 1 (0.13) or a "
                                            "percentage (13%)")
        row.fields[column] = rate
    elif column in ("lot_tracked", "active"):
        if text.lower() not in TRUE | FALSE:
            raise ProductRuleBroken(column, "true or false")
        row.fields[column] = text.lower() in TRUE
    elif column == "shelf_life_days":
        if not text.isascii() or not text.isdigit():
            raise ProductRuleBroken(column, "a whole number of days, e.g. 365")
        row.fields[column] = int(text)
    elif column == "units":
        row.fields["units"] = parse_conversions(text)
    elif column == "currency":
        row.fields["currency"] = text.upper()


def _decimal(column: str, text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation as exc:
        raise ProductRuleBroken(column, f"{text!r} is not a number") from exc
    if not value.is_finite():
        raise ProductRuleBroken(column, f"{text!r} is not a number")
    return value


# -- the whole file -----------------------------------------------------------------
async def import_products(session: AsyncSession, data: bytes, filename: str | None = None,
                          content_type: str | None = None,
                          correlation_id: str | None = None) -> ImportResult:
    """Check every row, then write them all in one transaction, or nothing."""
    parsed = [parse_row(row) for row in read_sheet(data, filename, content_type)]
    if not parsed:
        raise file_error("the file has a header but no rows")
    skus = sorted({row.sku for row in parsed if row.sku})
    locked = list((await session.execute(
        select(ProductRow).where(any_of(ProductRow.sku, skus))
        .order_by(ProductRow.sku).with_for_update())).scalars())
    existing = {view.row.sku: view for view in await views(session, locked)}
    categories = await ids_by_code(session, sorted({r.category_code for r in parsed
                                                    if r.category_code}))
    first_row: dict[str, int] = {}
    results: list[tuple[ParsedRow, Product]] = []
    for row in parsed:
        if row.sku in first_row:
            row.error("sku", f"SKU {row.sku} is also on row {first_row[row.sku]}")
        elif row.sku:
            first_row[row.sku] = row.number
        if row.category_code is not None:
            if row.category_code in categories:
                row.fields["category_id"] = categories[row.category_code]
            else:
                row.error("category_code", f"no category with code {row.category_code}")
        if row.errors:
            continue
        product = _product(row, existing.get(row.sku))
        if product is not None:
            results.append((row, product))
    await _check_barcodes(session, results, existing)
    errors = sorted((e for row in parsed for e in row.errors),
                    key=lambda e: (e["row"], _column_order(e["field"])))
    if errors:
        bad_rows = len({e["row"] for e in errors})
        raise InvalidInput(f"{bad_rows} of {len(parsed)} rows have errors; nothing was "
                           "imported", code="import_rejected", errors=errors)
    return await _write(session, results, existing, correlation_id)


def _column_order(name: str) -> int:
    return COLUMNS.index(name) if name in COLUMNS else len(COLUMNS)


def _product(row: ParsedRow, current_view: Any) -> Product | None:
    try:
        if current_view is None:
            for column in ("name", "unit"):
                if column not in row.fields:
                    row.error(column, "required for a new product")
            return None if row.errors else Product(sku=row.sku, **row.fields)
        try:
            current = domain_of(current_view)
        except ProductRuleBroken:
            if "barcodes" not in row.fields:
                raise
            current = domain_of(current_view, valid_barcodes_only=True)
        fields = dict(row.fields)
        if "barcodes" in fields:
            # A code written without a unit keeps the unit it already means.
            meaning = {**dict(current_view.barcodes), **dict(fields["barcode_units"])}
            fields["barcode_units"] = tuple((code, meaning[code]) for code in fields["barcodes"]
                                            if code in meaning)
        return current.changed(**fields)
    except (ProductRuleBroken, UnitRuleBroken) as exc:
        row.error(COLUMN_OF.get(exc.field, exc.field), str(exc))
        return None


async def _check_barcodes(session: AsyncSession, results: list[tuple[ParsedRow, Product]],
                          existing: dict[str, Any]) -> None:
    """A barcode may be on one row only, and may not belong to a product that
    this import does not rewrite."""
    on_row: dict[str, tuple[int, str]] = {}
    for row, product in results:
        for code in product.barcodes:
            if code in on_row and on_row[code][1] != row.sku:
                row.error("barcodes", f"barcode {code} is also on row {on_row[code][0]}")
            on_row.setdefault(code, (row.number, row.sku))
    by_number = {row.number: row for row, _ in results}
    rewritten = {existing[row.sku].row.id for row, _ in results if row.sku in existing}
    owners = await barcode_owners(session, on_row)
    for code, (owner_id, owner_sku) in sorted(owners.items()):
        number, sku = on_row[code]
        if owner_sku != sku and owner_id not in rewritten:
            by_number[number].error("barcodes", f"barcode {code} belongs to product {owner_sku}")


async def _write(session: AsyncSession, results: list[tuple[ParsedRow, Product]],
                 existing: dict[str, Any], correlation_id: str | None) -> ImportResult:
    created: list[tuple[uuid.UUID, Product]] = []
    updated: list[tuple[uuid.UUID, Product]] = []
    for row, product in results:
        view = existing.get(row.sku)
        if view is None:
            created.append((new_id(), product))
        elif not unchanged(domain_of(view, valid_barcodes_only=True), product) or \
                len(view.barcodes) != len(product.barcodes):
            updated.append((view.row.id, product))
    table = ProductRow.__table__
    try:
        if created:
            await session.execute(insert(table), [{"id": product_id, **row_values(product)}
                                                  for product_id, product in created])
        if updated:
            await session.execute(
                update(table).where(table.c.id == bindparam("product_id")),
                [{"product_id": product_id, **row_values(product)}
                 for product_id, product in updated])
        await replace_children(session, [*updated, *created])
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("another change to these products or barcodes happened during the "
                       "import; nothing was imported, retry it", code="duplicate") from exc
    for product_id, product in [*created, *updated]:
        await emit(session, product_event(product_id, product), correlation_id=correlation_id)
    await session.commit()
    return ImportResult(len(created), len(updated), len(results) - len(created) - len(updated))
