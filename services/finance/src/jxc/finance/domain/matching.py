"""Three-way match of a supplier bill's lines against the purchase order and
what was received of it: pure comparison, no storage.

Per product of the bill: the quantity billed (all its lines on this bill)
against what is left to bill — received net of returns, minus what earlier
bills of the order billed — and each line's unit price against the order's.
A price below the order's is never an exception; neither is billing less
than was received (the rest waits for the next bill)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from jxc.finance.domain.journal import to_cents

QUANTITY_OVER_RECEIVED = "quantity_over_received"
PRICE_OVER_ORDER = "price_over_order"
NOT_ON_ORDER = "not_on_order"
NOT_RECEIVED = "not_received"

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class BillLine:
    line_no: int
    product_id: uuid.UUID
    quantity: Decimal
    unit_price: Decimal

    @property
    def net(self) -> Decimal:
        """quantity × unit price, rounded half-up to cents."""
        return to_cents(self.quantity * self.unit_price)


@dataclass(frozen=True)
class Tolerances:
    """How far a bill may go, in percent: above what is left to bill by
    ``quantity_pct`` of the quantity received, above the order's unit price
    by ``price_pct`` of that price."""

    quantity_pct: Decimal
    price_pct: Decimal


@dataclass(frozen=True)
class Mismatch:
    """One exception: ``expected`` and ``actual`` are quantities for
    ``quantity_over_received`` / ``not_received`` / ``not_on_order`` and unit
    prices for ``price_over_order``; ``tolerance`` is the percentage allowed
    (None where no tolerance applies)."""

    kind: str
    line_no: int
    product_id: uuid.UUID
    expected: Decimal
    actual: Decimal
    tolerance: Decimal | None

    @property
    def difference(self) -> Decimal:
        return self.actual - self.expected


def lines_total(lines: Sequence[BillLine]) -> Decimal:
    return sum((line.net for line in lines), Decimal(0))


def match(lines: Sequence[BillLine], order_prices: Mapping[uuid.UUID, Decimal],
          received: Mapping[uuid.UUID, Decimal], billed_before: Mapping[uuid.UUID, Decimal],
          tolerances: Tolerances) -> list[Mismatch]:
    """The exceptions of a bill's ``lines`` (empty: matched).

    ``order_prices``: the order's unit price per product; ``received``: the
    quantity received net of returns per product, a product absent when none
    of it was received yet; ``billed_before``: what earlier bills of the
    order billed per product. Quantities are compared per product (the
    exception on the product's first line); prices per line.
    """
    first_line: dict[uuid.UUID, int] = {}
    billed: dict[uuid.UUID, Decimal] = {}
    for line in lines:
        first_line.setdefault(line.product_id, line.line_no)
        billed[line.product_id] = billed.get(line.product_id, Decimal(0)) + line.quantity
    found: list[Mismatch] = []
    for product, quantity in billed.items():
        line_no = first_line[product]
        if product not in order_prices:
            found.append(Mismatch(NOT_ON_ORDER, line_no, product, Decimal(0), quantity, None))
        elif product not in received:
            found.append(Mismatch(NOT_RECEIVED, line_no, product, Decimal(0), quantity, None))
        else:
            open_quantity = received[product] - billed_before.get(product, Decimal(0))
            allowance = received[product] * tolerances.quantity_pct / HUNDRED
            if quantity > open_quantity + allowance:
                found.append(Mismatch(QUANTITY_OVER_RECEIVED, line_no, product, open_quantity,
                                      quantity, tolerances.quantity_pct))
    for line in lines:
        price = order_prices.get(line.product_id)
        if price is not None and (
                line.unit_price > price + price * tolerances.price_pct / HUNDRED):
            found.append(Mismatch(PRICE_OVER_ORDER, line.line_no, line.product_id, price,
                                  line.unit_price, tolerances.price_pct))
    return sorted(found, key=lambda m: (m.line_no, m.kind))
