"""Purchase requisitions (请购单): what a warehouse needs bought, raised by a
person or by inventory's low-stock alert, and turned into draft purchase
orders — one per (supplier, warehouse).

A requisition is ``open`` until it is ``converted`` (its lines went into
purchase orders) or ``cancelled``; neither end can be left.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

Status = Literal["open", "converted", "cancelled"]
Source = Literal["manual", "auto"]
OPEN: Status = "open"
CONVERTED: Status = "converted"
CANCELLED: Status = "cancelled"


class RequisitionClosed(Exception):
    """The requisition is converted or cancelled: it can no longer change."""

    def __init__(self, number: str, status: str):
        super().__init__(f"requisition {number} is {status}, not open")
        self.number = number
        self.status = status


class SupplierMissing(Exception):
    """Lines without a supplier cannot become purchase order lines."""

    def __init__(self, lines: Iterable[RequisitionLine]):
        self.lines = tuple(lines)
        super().__init__("requisition lines without a supplier: " + ", ".join(
            f"{line.number} line {line.line_no}" for line in self.lines))


def ensure_open(number: str, status: str) -> None:
    if status != OPEN:
        raise RequisitionClosed(number, status)


@dataclass(frozen=True)
class RequisitionLine:
    requisition_id: uuid.UUID
    number: str
    line_no: int
    warehouse_id: uuid.UUID
    product_id: uuid.UUID
    quantity: Decimal
    supplier_id: uuid.UUID | None
    needed_by: date | None = None


@dataclass(frozen=True)
class OrderLine:
    """One purchase order line: a product's quantities summed over the
    requisition lines it came from."""

    product_id: uuid.UUID
    quantity: Decimal
    sources: tuple[RequisitionLine, ...]


@dataclass(frozen=True)
class DraftOrder:
    """What one draft purchase order holds: one supplier, one warehouse."""

    supplier_id: uuid.UUID
    warehouse_id: uuid.UUID
    lines: tuple[OrderLine, ...]

    @property
    def requisition_ids(self) -> tuple[uuid.UUID, ...]:
        seen = dict.fromkeys(src.requisition_id for line in self.lines for src in line.sources)
        return tuple(seen)


def group_for_orders(lines: Iterable[RequisitionLine]) -> tuple[DraftOrder, ...]:
    """One draft order per (supplier, warehouse), one line per product (the
    quantities of the same product added up, so a price break for the total
    applies); orders and lines in a stable order (supplier, warehouse, then
    first appearance of the product). Every line needs a supplier."""
    lines = tuple(lines)
    wanting = [line for line in lines if line.supplier_id is None]
    if wanting:
        raise SupplierMissing(wanting)
    groups: dict[tuple[uuid.UUID, uuid.UUID], dict[uuid.UUID, list[RequisitionLine]]] = {}
    for line in lines:
        assert line.supplier_id is not None
        products = groups.setdefault((line.supplier_id, line.warehouse_id), {})
        products.setdefault(line.product_id, []).append(line)
    return tuple(
        DraftOrder(supplier_id=supplier_id, warehouse_id=warehouse_id, lines=tuple(
            OrderLine(product_id=product_id, quantity=sum((s.quantity for s in sources),
                                                          Decimal(0)),
                      sources=tuple(sources))
            for product_id, sources in products.items()))
        for (supplier_id, warehouse_id), products in sorted(
            groups.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))))
