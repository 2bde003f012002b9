"""Reorder rules: when a product in a warehouse is too low or too high."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ReorderRule:
    min_qty: Decimal
    max_qty: Decimal

    def __post_init__(self) -> None:
        if self.min_qty < 0:
            raise ValueError("min_qty must not be negative")
        if self.max_qty < self.min_qty:
            raise ValueError("max_qty must be at least min_qty")


@dataclass(frozen=True)
class StockLevel:
    on_hand: Decimal
    reserved: Decimal
    incoming: Decimal
    """On approved purchase orders and transfers in transit, not yet received."""

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def projected(self) -> Decimal:
        return self.on_hand - self.reserved + self.incoming


@dataclass(frozen=True)
class Verdict:
    low: bool
    high: bool
    suggested_qty: Decimal
    """How much to order to reach ``max_qty`` (0 unless low)."""


def assess(rule: ReorderRule, level: StockLevel) -> Verdict:
    """Low when the projected quantity falls below the minimum (what is
    already on order counts); high when on-hand exceeds the maximum."""
    low = level.projected < rule.min_qty
    return Verdict(low=low, high=level.on_hand > rule.max_qty,
                   suggested_qty=rule.max_qty - level.projected if low else Decimal(0))
