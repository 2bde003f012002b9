"""Opening stock (期初) from a CSV or .xlsx sheet: one row per product,
warehouse (and lot) with its quantity and unit cost. Every row is checked
first and all errors are reported at once; otherwise each warehouse gets one
``receipt`` move with reason ``opening``, all in one transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.stock_tables import WarehouseRow
from jxc.inventory.adapters.tables import ProductRow
from jxc.inventory.domain.moves import MoveLine, MoveType
from jxc.inventory.service_layer import moves
from jxc.inventory.service_layer.ledger import PostedMove
from jxc.inventory.service_layer.sheets import file_error, read_sheet
from jxc.platform.errors import InvalidInput

COLUMNS = ("sku", "warehouse_code", "quantity", "unit_cost", "lot", "expires_on")
REQUIRED = ("sku", "warehouse_code", "quantity", "unit_cost")
PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class OpeningResult:
    moves: list[PostedMove]

    @property
    def lines(self) -> int:
        return sum(len(move.lines) for move in self.moves)

    @property
    def value(self) -> Decimal:
        return sum((line.total_cost for move in self.moves for line in move.lines), Decimal(0))


def _amount(text: str, *, positive: bool) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError("not a number") from exc
    if not value.is_finite() or value != value.quantize(PLACES):
        raise ValueError("a number with at most 4 decimal places")
    if value < 0 or (positive and value == 0):
        raise ValueError("must be greater than zero" if positive else "must not be negative")
    return value


async def import_opening_stock(session: AsyncSession, data: bytes, filename: str | None,
                               content_type: str | None, created_by: str) -> OpeningResult:
    rows = read_sheet(data, filename, content_type, columns=COLUMNS, required=REQUIRED)
    if not rows:
        raise file_error("the file has a header but no rows")
    skus = {row.cells.get("sku", "") for row in rows}
    codes = {row.cells.get("warehouse_code", "") for row in rows}
    products = dict((await session.execute(
        select(ProductRow.sku, ProductRow.id).where(ProductRow.sku.in_(skus)))).all())
    warehouses = dict((await session.execute(
        select(WarehouseRow.code, WarehouseRow.id).where(WarehouseRow.code.in_(codes)))).all())
    errors: list[dict[str, Any]] = []
    by_warehouse: dict[Any, list[MoveLine]] = defaultdict(list)
    for row in rows:
        cells = row.cells

        def error(column: str, message: str, number: int = row.number) -> None:
            errors.append({"row": number, "field": column, "message": message})
        product_id = products.get(cells.get("sku", ""))
        if product_id is None:
            error("sku", f"no product with SKU {cells.get('sku', '')!r}")
        warehouse_id = warehouses.get(cells.get("warehouse_code", ""))
        if warehouse_id is None:
            error("warehouse_code", f"no warehouse {cells.get('warehouse_code', '')!r}")
        values: dict[str, Any] = {}
        for column, positive in (("quantity", True), ("unit_cost", False)):
            try:
                values[column] = _amount(cells.get(column, ""), positive=positive)
            except ValueError as exc:
                error(column, str(exc))
        expires_on = None
        if cells.get("expires_on"):
            try:
                expires_on = date.fromisoformat(cells["expires_on"][:10])
            except ValueError:
                error("expires_on", "a date as YYYY-MM-DD")
        if product_id and warehouse_id and len(values) == 2:
            by_warehouse[warehouse_id].append(MoveLine(
                product_id=product_id, quantity=values["quantity"],
                unit_cost=values["unit_cost"], lot=cells.get("lot") or None,
                expires_on=expires_on))
    if errors:
        raise InvalidInput(f"{len(errors)} error(s) in the sheet; nothing was imported",
                           code="import_rejected", errors=errors)
    posted = [await moves.post_move(session, move_type=MoveType.RECEIPT,
                                    warehouse_id=warehouse_id, lines=lines, reason="opening",
                                    reference="opening stock", created_by=created_by)
              for warehouse_id, lines in sorted(by_warehouse.items())]
    return OpeningResult(posted)
