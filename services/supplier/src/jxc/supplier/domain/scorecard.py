"""A supplier's scorecard: sums of delivery facts per month and the rates
people read from them.

- **On-time delivery rate**: deliveries received on or before the promised
  day (the receipt's ``due_at``, else the order's ``expected_at``), compared
  as UTC dates, over the deliveries that had a promise. A delivery without a
  promise is neither on time nor late: it is left out of the rate.
- **Fill rate**: of each finished (closed, not cancelled) order, the accepted
  quantity up to the ordered quantity, per product of the order's latest
  revision, over the ordered quantity.
- **Quality acceptance rate**: accepted over delivered (accepted + rejected at
  inspection). Returns after acceptance are counted apart.
- **Price variance**: what the orders paid over the supplier's best valid
  price-list price on the approval day, weighted by value:
  (Σ paid − Σ list) / Σ list. Positive: dearer than the list.
- **Average lead time**: days from the order's first approval to each receipt.

Every rate is a percentage with two places, None when nothing counts yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
SECONDS_PER_DAY = Decimal(86400)
ZERO = Decimal(0)


def on_time(received_at: datetime, promised_at: datetime | None) -> bool | None:
    """Whether a delivery kept its promise; None when nothing was promised."""
    if promised_at is None:
        return None
    return received_at.date() <= promised_at.date()


def lead_time_days(approved_at: datetime, received_at: datetime) -> Decimal:
    """Days (two places) from approval to receipt; never negative."""
    seconds = Decimal(str((received_at - approved_at).total_seconds()))
    return max(ZERO, (seconds / SECONDS_PER_DAY).quantize(CENT, ROUND_HALF_UP))


def filled(ordered: Mapping[uuid.UUID, Decimal], accepted: Mapping[uuid.UUID, Decimal]) -> Decimal:
    """The accepted quantity that fills the order: per product at most what
    was ordered (an over-delivery does not make up for a missing product)."""
    return sum((min(quantity, accepted.get(product, ZERO))
                for product, quantity in ordered.items()), ZERO)


def month_of(moment: datetime | date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * HUNDRED / whole).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Rates:
    on_time_rate: Decimal | None
    fill_rate: Decimal | None
    quality_acceptance_rate: Decimal | None
    price_variance: Decimal | None
    average_lead_time_days: Decimal | None


@dataclass(frozen=True)
class ScoreSums:
    """What one period's facts add up to; periods add up too."""

    deliveries: int = 0
    promised_deliveries: int = 0
    on_time_deliveries: int = 0
    ordered_quantity: Decimal = ZERO
    """Of the orders finished in the period."""
    filled_quantity: Decimal = ZERO
    accepted_quantity: Decimal = ZERO
    rejected_quantity: Decimal = ZERO
    returned_quantity: Decimal = ZERO
    paid_value: Decimal = ZERO
    """Ordered value of the lines that had a price-list price on the approval day."""
    list_value: Decimal = ZERO
    """The same lines at that price-list price."""
    lead_time_days_total: Decimal = ZERO
    lead_time_count: int = 0

    def __add__(self, other: ScoreSums) -> ScoreSums:
        return ScoreSums(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                            for f in fields(self)})

    def rates(self) -> Rates:
        average = None
        if self.lead_time_count:
            average = (self.lead_time_days_total / self.lead_time_count).quantize(
                CENT, ROUND_HALF_UP)
        variance = None
        if self.list_value:
            variance = _percent(self.paid_value - self.list_value, self.list_value)
        return Rates(
            on_time_rate=_percent(Decimal(self.on_time_deliveries),
                                  Decimal(self.promised_deliveries)),
            fill_rate=_percent(self.filled_quantity, self.ordered_quantity),
            quality_acceptance_rate=_percent(
                self.accepted_quantity, self.accepted_quantity + self.rejected_quantity),
            price_variance=variance,
            average_lead_time_days=average,
        )
