"""Purchase cost control (采购成本控制): which price-list line applies, what
was paid on average, how an order's prices compare with the best list price,
and how much buying saved.

Prices in different currencies are never compared: every comparison is within
one currency.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

BASE_CURRENCY = "CNY"
"""The company's currency: choosing among suppliers compares prices in it."""
MONEY_PLACES = Decimal("0.0001")
PERCENT_PLACES = Decimal("0.01")
ZERO = Decimal(0)


def money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PriceOffer:
    """A line of a supplier's price list."""

    price_id: uuid.UUID
    supplier_id: uuid.UUID
    product_id: uuid.UUID
    unit_price: Decimal
    currency: str
    min_quantity: Decimal
    valid_from: date
    valid_to: date | None
    """Inclusive; None: open-ended."""
    lead_time_days: int = 0
    active: bool = True

    def valid_on(self, day: date) -> bool:
        return self.active and self.valid_from <= day and (self.valid_to is None
                                                          or day <= self.valid_to)

    def applies(self, quantity: Decimal, day: date) -> bool:
        """Valid on ``day`` and its minimum quantity reached by ``quantity``."""
        return self.valid_on(day) and self.min_quantity <= quantity


def best_offer(offers: Iterable[PriceOffer], quantity: Decimal, day: date, *,
               currency: str | None = None) -> PriceOffer | None:
    """The lowest-priced offer that applies to ``quantity`` on ``day`` (in
    ``currency`` when given); ties go to the shorter lead time, then to the
    supplier and price ids, so the choice is stable."""
    applicable = [o for o in offers if o.applies(quantity, day)
                  and (currency is None or o.currency == currency)]
    return min(applicable, default=None, key=lambda o: (
        o.unit_price, o.lead_time_days, str(o.supplier_id), str(o.price_id)))


@dataclass(frozen=True)
class Purchase:
    """An approved purchase order line: a fact of the price history."""

    product_id: uuid.UUID
    supplier_id: uuid.UUID
    quantity: Decimal
    unit_price: Decimal
    currency: str
    priced_on: date


def weighted_average(purchases: Iterable[Purchase]) -> Decimal | None:
    """Σ quantity × price / Σ quantity, to 4 places; None without purchases."""
    quantity = paid = ZERO
    for p in purchases:
        quantity += p.quantity
        paid += p.quantity * p.unit_price
    return money(paid / quantity) if quantity else None


@dataclass(frozen=True)
class SupplierPrices:
    """What one supplier charged for one product, in one currency."""

    supplier_id: uuid.UUID
    currency: str
    purchases: int
    quantity: Decimal
    last_price: Decimal
    last_on: date
    average_price: Decimal
    """Quantity-weighted."""
    best_price: Decimal
    """The lowest price paid."""


def by_supplier(purchases: Iterable[Purchase]) -> tuple[SupplierPrices, ...]:
    """Summaries per (supplier, currency), in that order. ``purchases`` come in
    the order they were made: of several on the last day, the later one is the
    last price."""
    groups: dict[tuple[uuid.UUID, str], list[Purchase]] = {}
    for p in purchases:
        groups.setdefault((p.supplier_id, p.currency), []).append(p)
    summaries = []
    for (supplier_id, currency), made in sorted(groups.items(),
                                                key=lambda g: (str(g[0][0]), g[0][1])):
        last = max(reversed(made), key=lambda p: p.priced_on)
        average = weighted_average(made) or ZERO
        summaries.append(SupplierPrices(
            supplier_id=supplier_id, currency=currency, purchases=len(made),
            quantity=sum((p.quantity for p in made), ZERO), last_price=last.unit_price,
            last_on=last.priced_on, average_price=average,
            best_price=min(p.unit_price for p in made)))
    return tuple(summaries)


@dataclass(frozen=True)
class Variance:
    """An order line's price against the best list price for its quantity."""

    product_id: uuid.UUID
    quantity: Decimal
    unit_price: Decimal
    best: PriceOffer | None
    difference: Decimal | None
    """unit price − best list price: positive means dearer than the list."""
    difference_pct: Decimal | None
    """difference / best list price × 100, to 2 places; None when the best
    list price is zero or there is none."""
    line_excess: Decimal | None
    """difference × quantity."""


def variance(product_id: uuid.UUID, quantity: Decimal, unit_price: Decimal,
             best: PriceOffer | None) -> Variance:
    if best is None:
        return Variance(product_id, quantity, unit_price, None, None, None, None)
    difference = unit_price - best.unit_price
    pct = ((difference * 100 / best.unit_price).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)
           if best.unit_price else None)
    return Variance(product_id, quantity, unit_price, best, money(difference), pct,
                    money(difference * quantity))


SAVINGS_DEFINITION = (
    "Per product, supplier and currency, over the purchase orders approved in the period. "
    "paid: sum of quantity x price paid. "
    "at_best_list_price: sum of quantity x the lowest list price (any supplier, same currency) "
    "that applied to that quantity on the day of the order; a purchase no list price applied "
    "to counts at what was paid (unlisted_quantity says how much). "
    "at_average_price: sum of quantity x the product's historical average price, the "
    "quantity-weighted average of its purchases (every supplier, same currency) before the "
    "period, or, for a product first bought in the period, of the period's own purchases. "
    "savings = at_average_price - paid: positive when the buying beat the historical average. "
    "list_premium = paid - at_best_list_price: positive when more was paid than the best "
    "price on the lists.")


@dataclass(frozen=True)
class Savings:
    """One row of the savings report; see :data:`SAVINGS_DEFINITION`."""

    product_id: uuid.UUID
    supplier_id: uuid.UUID
    currency: str
    quantity: Decimal
    paid: Decimal
    at_best_list_price: Decimal
    at_average_price: Decimal
    average_price: Decimal
    savings: Decimal
    list_premium: Decimal
    unlisted_quantity: Decimal


def savings(period: Iterable[Purchase], earlier: Iterable[Purchase],
            offers: Iterable[PriceOffer]) -> tuple[Savings, ...]:
    """The savings report (see :data:`SAVINGS_DEFINITION`), sorted by product, supplier
    and currency. ``earlier``: the purchases before the period, the baseline
    of the historical average; ``offers``: the price lists."""
    period = tuple(period)
    offers_of: dict[uuid.UUID, list[PriceOffer]] = {}
    for offer in offers:
        offers_of.setdefault(offer.product_id, []).append(offer)
    before: dict[tuple[uuid.UUID, str], list[Purchase]] = {}
    for p in earlier:
        before.setdefault((p.product_id, p.currency), []).append(p)
    during: dict[tuple[uuid.UUID, str], list[Purchase]] = {}
    for p in period:
        during.setdefault((p.product_id, p.currency), []).append(p)
    averages = {key: weighted_average(before.get(key) or made) or ZERO
                for key, made in during.items()}

    groups: dict[tuple[uuid.UUID, uuid.UUID, str], list[Purchase]] = {}
    for p in period:
        groups.setdefault((p.product_id, p.supplier_id, p.currency), []).append(p)
    rows = []
    for (product_id, supplier_id, currency), made in sorted(
            groups.items(), key=lambda g: (str(g[0][0]), str(g[0][1]), g[0][2])):
        average = averages[(product_id, currency)]
        paid = at_list = unlisted = quantity = ZERO
        for p in made:
            quantity += p.quantity
            paid += p.quantity * p.unit_price
            best = best_offer(offers_of.get(product_id, ()), p.quantity, p.priced_on,
                              currency=currency)
            if best is None:
                unlisted += p.quantity
                at_list += p.quantity * p.unit_price
            else:
                at_list += p.quantity * best.unit_price
        at_average = quantity * average
        rows.append(Savings(
            product_id=product_id, supplier_id=supplier_id, currency=currency,
            quantity=quantity, paid=money(paid), at_best_list_price=money(at_list),
            at_average_price=money(at_average), average_price=average,
            savings=money(at_average - paid), list_premium=money(paid - at_list),
            unlisted_quantity=unlisted))
    return tuple(rows)
