"""What a stock move is before it is posted: its kind, its lines and the rules
a request must meet. Pure data; the ledger (service layer) values and posts it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class MoveType(StrEnum):
    RECEIPT = "receipt"
    ISSUE = "issue"
    ADJUSTMENT = "adjustment"
    TRANSFER = "transfer"
    TRANSFER_IN = "transfer_in"
    COUNT = "count"
    REVERSAL = "reversal"


RECEIPT_REASONS = frozenset({"purchase", "sales_return", "adjustment", "opening", "transfer"})
ISSUE_REASONS = frozenset({"sale", "purchase_return", "adjustment", "scrap", "transfer"})


class MoveRuleBroken(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MoveLine:
    product_id: uuid.UUID
    quantity: Decimal
    """Positive, except on adjustments where the sign is the direction."""
    unit_cost: Decimal | None = None
    lot: str | None = None
    expires_on: date | None = None


@dataclass(frozen=True)
class Shortage:
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    requested: Decimal
    available: Decimal
    lot: str | None = None

    @property
    def missing(self) -> Decimal:
        return self.requested - self.available


class InsufficientStock(Exception):
    def __init__(self, shortages: list[Shortage]):
        super().__init__(f"{len(shortages)} line(s) beyond available stock")
        self.shortages = shortages


def check_lines(move_type: MoveType, lines: list[MoveLine]) -> None:
    """The rules a move's lines meet before anything is looked up."""
    if not lines:
        raise MoveRuleBroken("lines", "a move needs at least one line")
    for number, line in enumerate(lines):
        where = f"lines[{number}]"
        if move_type is MoveType.ADJUSTMENT:
            if line.quantity == 0:
                raise MoveRuleBroken(f"{where}.quantity", "an adjustment must not be zero")
        elif line.quantity <= 0:
            raise MoveRuleBroken(f"{where}.quantity", "must be greater than zero")
        if move_type is MoveType.RECEIPT and line.unit_cost is None:
            raise MoveRuleBroken(f"{where}.unit_cost", "a receipt needs the unit cost")
        if line.unit_cost is not None and line.unit_cost < 0:
            raise MoveRuleBroken(f"{where}.unit_cost", "must not be negative")
        if line.expires_on is not None and line.lot is None:
            raise MoveRuleBroken(f"{where}.expires_on", "an expiry date belongs to a lot")


def fefo(lots: list[tuple[str, Decimal, date | None]], quantity: Decimal,
         today: date) -> list[tuple[str, Decimal]]:
    """First-expired-first-out: which lots to take ``quantity`` from.

    ``lots`` are (lot, on_hand, expires_on); expired lots are never suggested,
    lots without an expiry go last. Returns what it could find, possibly less
    than asked for."""
    usable = [(lot, qty, exp) for lot, qty, exp in lots
              if qty > 0 and (exp is None or exp >= today)]
    usable.sort(key=lambda item: (item[2] is None, item[2] or today, item[0]))
    picks: list[tuple[str, Decimal]] = []
    remaining = quantity
    for lot, qty, _ in usable:
        if remaining <= 0:
            break
        take = min(qty, remaining)
        picks.append((lot, take))
        remaining -= take
    return picks
