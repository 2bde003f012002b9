"""The purchase order: its life cycle, its money and what may arrive against it.

draft → submitted → approved → partially_received → received → closed, with
cancelled (before any receipt) and rejected (by an approver). A change to an
approved order's lines or date raises its revision and sends it back to
submitted for a new approval. Pure rules: no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
LIMIT = Decimal(10) ** 14
"""Amounts and quantities stay below this (18 digits, 4 after the point)."""


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class Action(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    DECIDE = "approve or reject"
    CANCEL = "cancel"
    CLOSE = "close"
    RECEIVE = "receive against"
    RETURN = "return goods of"
    EMAIL = "email"


ALLOWED: dict[Action, frozenset[Status]] = {
    Action.EDIT: frozenset({Status.DRAFT, Status.APPROVED, Status.PARTIALLY_RECEIVED}),
    Action.SUBMIT: frozenset({Status.DRAFT}),
    Action.DECIDE: frozenset({Status.SUBMITTED}),
    Action.CANCEL: frozenset({Status.DRAFT, Status.SUBMITTED, Status.APPROVED}),
    Action.CLOSE: frozenset({Status.PARTIALLY_RECEIVED, Status.RECEIVED}),
    Action.RECEIVE: frozenset({Status.APPROVED, Status.PARTIALLY_RECEIVED}),
    Action.RETURN: frozenset({Status.PARTIALLY_RECEIVED, Status.RECEIVED, Status.CLOSED}),
    Action.EMAIL: frozenset({Status.APPROVED, Status.PARTIALLY_RECEIVED, Status.RECEIVED}),
}


class OrderRuleBroken(Exception):
    """A rule of the purchase order refused a command; ``code`` is stable,
    ``status`` the HTTP status it maps to, ``extra`` the details a client needs."""

    def __init__(self, detail: str, *, code: str, status: int = 409, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.status = status
        self.extra = extra


def check_action(status: Status, action: Action, *, received: Decimal = ZERO) -> None:
    """Refuse ``action`` on an order in ``status`` (409 ``invalid_state``)."""
    if status not in ALLOWED[action]:
        raise OrderRuleBroken(f"cannot {action} a purchase order that is {status}",
                              code="invalid_state", order_status=str(status))
    if action is Action.CANCEL and received > 0:
        raise OrderRuleBroken("goods were already received against this order: close it "
                              "instead of cancelling it", code="invalid_state",
                              order_status=str(status))


@dataclass(frozen=True)
class NewLine:
    """A line as a buyer (or a converted requisition) orders it; ``tax_rate``
    None takes the product's."""

    product_id: uuid.UUID
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal | None = None


@dataclass
class Line:
    line_no: int
    product_id: uuid.UUID
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    received: Decimal = ZERO
    rejected: Decimal = ZERO
    returned: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return to_cents(self.quantity * self.unit_price)

    @property
    def tax(self) -> Decimal:
        return to_cents(self.quantity * self.unit_price * self.tax_rate)

    @property
    def backorder(self) -> Decimal:
        """Still to come: ordered less accepted so far (never negative)."""
        return max(self.quantity - self.received, ZERO)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    total: Decimal


def totals(lines: Iterable[Line]) -> Totals:
    """Net and tax summed unrounded over the lines, then half-up to cents."""
    lines = list(lines)
    net = to_cents(sum((line.quantity * line.unit_price for line in lines), ZERO))
    tax = to_cents(sum((line.quantity * line.unit_price * line.tax_rate for line in lines), ZERO))
    return Totals(net, tax, net + tax)


def build_lines(new: Sequence[NewLine], product_tax_rates: Mapping[uuid.UUID, Decimal],
                previous: Sequence[Line] = ()) -> list[Line]:
    """Number and check the lines of a draft or a revision. A revision keeps
    each remaining product's line number and what it already received,
    rejected and returned (new products are numbered after the last line); it
    may not drop a product that was received nor order less of it than was
    received."""
    if not new:
        raise OrderRuleBroken("a purchase order needs at least one line", code="no_lines",
                              status=422)
    errors: list[dict[str, str]] = []
    seen: set[uuid.UUID] = set()
    for n, line in enumerate(new):
        where = f"lines.{n}"
        if line.product_id in seen:
            errors.append({"field": f"{where}.product_id", "message":
                           "the product is already on another line; change its quantity"})
        seen.add(line.product_id)
        if line.product_id not in product_tax_rates:
            errors.append({"field": f"{where}.product_id", "message": "unknown product"})
        if line.quantity <= 0:
            errors.append({"field": f"{where}.quantity", "message": "must be more than 0"})
        if line.unit_price < 0:
            errors.append({"field": f"{where}.unit_price", "message": "must not be negative"})
        if line.tax_rate is not None and not ZERO <= line.tax_rate < 1:
            errors.append({"field": f"{where}.tax_rate", "message": "must be in [0, 1)"})
    before = {line.product_id: line for line in previous}
    for product_id, old in before.items():
        kept = next((n for n, line in enumerate(new) if line.product_id == product_id), None)
        if old.received > 0 and kept is None:
            errors.append({"field": "lines", "message":
                           f"product {product_id} was received and cannot be removed"})
        elif kept is not None and new[kept].quantity < old.received:
            errors.append({"field": f"lines.{kept}.quantity", "message":
                           f"{old.received} were already received"})
    if errors:
        raise OrderRuleBroken("the order lines are not valid", code="validation_error",
                              status=422, errors=errors)
    lines = []
    next_no = max((line.line_no for line in previous), default=0) + 1
    for line in new:
        kept_line = before.get(line.product_id)
        rate = line.tax_rate if line.tax_rate is not None else product_tax_rates[line.product_id]
        if kept_line is None:
            lines.append(Line(next_no, line.product_id, line.quantity, line.unit_price, rate))
            next_no += 1
        else:
            lines.append(Line(kept_line.line_no, line.product_id, line.quantity,
                              line.unit_price, rate, kept_line.received, kept_line.rejected,
                              kept_line.returned))
    if totals(lines).total >= LIMIT:
        raise OrderRuleBroken(f"the order's total must stay below {LIMIT:,}",
                              code="amount_too_large", status=422)
    return sorted(lines, key=lambda x: x.line_no)


def status_after_approval(lines: Sequence[Line]) -> Status:
    """An approved revision resumes where receiving stood."""
    if all(line.received >= line.quantity for line in lines):
        return Status.RECEIVED
    if any(line.received > 0 for line in lines):
        return Status.PARTIALLY_RECEIVED
    return Status.APPROVED


def status_after_receipt(lines: Sequence[Line]) -> Status:
    if all(line.received >= line.quantity for line in lines):
        return Status.RECEIVED
    return Status.PARTIALLY_RECEIVED


@dataclass(frozen=True)
class Arrival:
    """What arrived for one order line: ``quantity`` accepted, ``rejected``
    refused at inspection."""

    line_no: int
    quantity: Decimal
    rejected: Decimal = ZERO
    rejection_reason: str | None = None


def receive(lines: Sequence[Line], arrivals: Sequence[Arrival],
            tolerance_pct: Decimal) -> None:
    """Add ``arrivals`` to ``lines``; refuse (409 ``over_receipt``) accepting
    more than ordered plus ``tolerance_pct`` percent of it."""
    by_no = {line.line_no: line for line in lines}
    errors: list[dict[str, str]] = []
    seen: set[int] = set()
    for n, arrival in enumerate(arrivals):
        if arrival.line_no not in by_no:
            errors.append({"field": f"lines.{n}", "message": "not a line of this order"})
        elif arrival.line_no in seen:
            errors.append({"field": f"lines.{n}", "message": "the order line appears twice"})
        seen.add(arrival.line_no)
        if arrival.quantity <= 0:
            errors.append({"field": f"lines.{n}.quantity", "message": "must be more than 0"})
        if arrival.rejected < 0:
            errors.append({"field": f"lines.{n}.rejected_quantity",
                           "message": "must not be negative"})
        if arrival.rejected > 0 and not (arrival.rejection_reason or "").strip():
            errors.append({"field": f"lines.{n}.rejection_reason",
                           "message": "required when goods are rejected"})
        line = by_no.get(arrival.line_no)
        if line is not None and line.rejected + arrival.rejected > line.quantity:
            errors.append({"field": f"lines.{n}.rejected_quantity",
                           "message": "more would be rejected than was ordered"})
    if errors:
        raise OrderRuleBroken("the receipt lines are not valid", code="validation_error",
                              status=422, errors=errors)
    for arrival in arrivals:
        line = by_no[arrival.line_no]
        allowed = allowed_to_receive(line, tolerance_pct)
        if arrival.quantity > allowed:
            raise OrderRuleBroken(
                f"line {line.line_no} may accept at most {allowed} more "
                f"(ordered {line.quantity}, received {line.received})", code="over_receipt",
                line_no=line.line_no, product_id=str(line.product_id), allowed=f"{allowed:.4f}")
    for arrival in arrivals:
        line = by_no[arrival.line_no]
        line.received += arrival.quantity
        line.rejected += arrival.rejected


def allowed_to_receive(line: Line, tolerance_pct: Decimal) -> Decimal:
    """What the line may still accept: the ordered quantity plus the tolerance,
    less what was accepted so far."""
    ceiling = min(line.quantity + line.quantity * tolerance_pct / HUNDRED,
                  LIMIT - Decimal("0.0001"))
    return max(ceiling - line.received, ZERO).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Return:
    product_id: uuid.UUID
    quantity: Decimal
    reason: str


def return_goods(lines: Sequence[Line], returns: Sequence[Return]) -> list[tuple[Line, Return]]:
    """Add ``returns`` to ``lines``; refuse (409 ``over_return``) returning
    more than was accepted less what went back before."""
    by_product = {line.product_id: line for line in lines}
    errors: list[dict[str, str]] = []
    seen: set[uuid.UUID] = set()
    for n, item in enumerate(returns):
        if item.product_id not in by_product:
            errors.append({"field": f"lines.{n}.product_id", "message":
                           "not a product of this order"})
        elif item.product_id in seen:
            errors.append({"field": f"lines.{n}.product_id", "message":
                           "the product appears twice"})
        seen.add(item.product_id)
        if item.quantity <= 0:
            errors.append({"field": f"lines.{n}.quantity", "message": "must be more than 0"})
        if not item.reason.strip():
            errors.append({"field": f"lines.{n}.reason", "message": "required"})
    if errors:
        raise OrderRuleBroken("the return lines are not valid", code="validation_error",
                              status=422, errors=errors)
    matched = []
    for item in returns:
        line = by_product[item.product_id]
        available = line.received - line.returned
        if item.quantity > available:
            raise OrderRuleBroken(
                f"only {available} of line {line.line_no} can be returned", code="over_return",
                line_no=line.line_no, product_id=str(line.product_id),
                allowed=f"{available:.4f}")
        matched.append((line, item))
    for line, item in matched:
        line.returned += item.quantity
    return matched
