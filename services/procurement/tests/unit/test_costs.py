"""Purchase cost control: which list price applies, averages, variance and
savings — pure computations."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from jxc.procurement.domain.costs import (
    PriceOffer,
    Purchase,
    best_offer,
    by_supplier,
    savings,
    variance,
    weighted_average,
)

S1, S2, S3 = sorted((uuid.uuid4(), uuid.uuid4(), uuid.uuid4()), key=str)
P1, P2 = uuid.uuid4(), uuid.uuid4()
D = Decimal
JAN1, JUN1, DEC31 = date(2026, 1, 1), date(2026, 6, 1), date(2026, 12, 31)


def offer(supplier: uuid.UUID, price: str, min_quantity: str = "1", *,
          product: uuid.UUID = P1, valid_from: date = JAN1, valid_to: date | None = None,
          currency: str = "CNY", lead: int = 5, active: bool = True) -> PriceOffer:
    return PriceOffer(price_id=uuid.uuid4(), supplier_id=supplier, product_id=product,
                      unit_price=D(price), currency=currency, min_quantity=D(min_quantity),
                      valid_from=valid_from, valid_to=valid_to, lead_time_days=lead,
                      active=active)


def bought(supplier: uuid.UUID, quantity: str, price: str, on: date = JUN1, *,
           product: uuid.UUID = P1, currency: str = "CNY") -> Purchase:
    return Purchase(product_id=product, supplier_id=supplier, quantity=D(quantity),
                    unit_price=D(price), currency=currency, priced_on=on)


# -- best price ------------------------------------------------------------------------
def test_the_minimum_quantity_must_be_reached() -> None:
    base, bulk = offer(S1, "10", "1"), offer(S1, "8", "100")
    assert best_offer([base, bulk], D(99), JUN1) is base
    assert best_offer([base, bulk], D(100), JUN1) is bulk
    assert best_offer([bulk], D("99.9999"), JUN1) is None


def test_validity_is_inclusive_and_open_ended_when_no_end() -> None:
    spring = offer(S1, "5", valid_from=date(2026, 3, 1), valid_to=date(2026, 5, 31))
    always = offer(S2, "7")
    assert best_offer([spring, always], D(1), date(2026, 3, 1)) is spring
    assert best_offer([spring, always], D(1), date(2026, 5, 31)) is spring
    assert best_offer([spring, always], D(1), date(2026, 6, 1)) is always
    assert best_offer([spring, always], D(1), date(2026, 2, 28)) is always
    assert best_offer([offer(S1, "5", valid_from=JUN1)], D(1), date(2026, 5, 31)) is None


def test_withdrawn_prices_never_apply() -> None:
    best = best_offer([offer(S1, "1", active=False), offer(S2, "2")], D(1), JUN1)
    assert best is not None and best.supplier_id == S2


def test_the_lowest_price_wins_then_the_shortest_lead_time() -> None:
    slow, fast = offer(S1, "9", lead=10), offer(S2, "9", lead=2)
    assert best_offer([slow, offer(S3, "9.5", lead=0), fast], D(1), JUN1) is fast


def test_prices_are_compared_within_a_currency() -> None:
    usd, cny = offer(S1, "1", currency="USD"), offer(S2, "7")
    assert best_offer([usd, cny], D(1), JUN1, currency="CNY") is cny
    assert best_offer([usd, cny], D(1), JUN1, currency="USD") is usd
    assert best_offer([usd], D(1), JUN1, currency="CNY") is None


# -- averages and history ------------------------------------------------------------
def test_the_average_is_weighted_by_quantity() -> None:
    assert weighted_average([bought(S1, "10", "5"), bought(S1, "30", "9")]) == D("8.0000")
    assert weighted_average([bought(S1, "3", "1"), bought(S1, "3", "2"),
                             bought(S1, "3", "2")]) == D("1.6667")
    assert weighted_average([]) is None


def test_per_supplier_last_average_and_best() -> None:
    s1, s2 = by_supplier([
        bought(S1, "10", "5.00", date(2026, 2, 1)),
        bought(S2, "4", "6.00", date(2026, 3, 1)),
        bought(S1, "30", "4.00", date(2026, 4, 1)),
        bought(S1, "10", "6.00", date(2026, 4, 1)),
        bought(S1, "1", "3.00", date(2026, 3, 15)),
    ])
    assert s1.supplier_id == S1 and s1.purchases == 4 and s1.quantity == D(51)
    assert (s1.last_price, s1.last_on) == (D("6.00"), date(2026, 4, 1))
    assert s1.average_price == D("4.5686")  # (50 + 120 + 60 + 3) / 51
    assert s1.best_price == D("3.00")
    assert (s2.supplier_id, s2.last_price, s2.average_price, s2.best_price) == (
        S2, D("6.00"), D("6.0000"), D("6.00"))


# -- variance --------------------------------------------------------------------------
def test_variance_against_the_best_list_price() -> None:
    best = offer(S2, "8")
    v = variance(P1, D(5), D(10), best)
    assert (v.difference, v.difference_pct, v.line_excess) == (D("2.0000"), D("25.00"),
                                                               D("10.0000"))
    cheaper = variance(P1, D(3), D("7.2"), best)
    assert (cheaper.difference, cheaper.difference_pct, cheaper.line_excess) == (
        D("-0.8000"), D("-10.00"), D("-2.4000"))


def test_variance_without_a_list_price_or_against_a_free_one() -> None:
    none = variance(P1, D(1), D(3), None)
    assert (none.best, none.difference, none.difference_pct, none.line_excess) == (
        None, None, None, None)
    free = variance(P1, D(2), D(3), offer(S1, "0"))
    assert (free.difference, free.difference_pct, free.line_excess) == (
        D("3.0000"), None, D("6.0000"))


# -- savings ---------------------------------------------------------------------------
def test_savings_against_the_earlier_average_and_the_best_list_price() -> None:
    earlier = [bought(S1, "10", "10", date(2025, 12, 1)),
               bought(S2, "30", "12", date(2025, 11, 1))]  # average 11.5
    period = [bought(S1, "20", "10.50"), bought(S1, "10", "11", date(2026, 7, 1)),
              bought(S2, "5", "12")]
    lists = [offer(S3, "10", "15", valid_to=date(2026, 6, 30)),  # ≥15, until June
             offer(S1, "10.80")]
    s1, s2 = savings(period, earlier, lists)
    assert (s1.supplier_id, s1.quantity, s1.paid) == (S1, D(30), D("320.0000"))
    # June: 20 at the 10.00 bulk price; July: the bulk price has ended, 10 at 10.80
    assert s1.at_best_list_price == D("308.0000")
    assert s1.list_premium == D("12.0000")
    assert (s1.average_price, s1.at_average_price) == (D("11.5000"), D("345.0000"))
    assert s1.savings == D("25.0000")
    assert s1.unlisted_quantity == 0
    # 5 is under the bulk minimum: 10.80 applies
    assert (s2.paid, s2.at_best_list_price, s2.at_average_price, s2.savings) == (
        D("60.0000"), D("54.0000"), D("57.5000"), D("-2.5000"))


def test_a_product_first_bought_in_the_period_is_its_own_baseline() -> None:
    period = [bought(S1, "10", "4", product=P2), bought(S2, "30", "8", product=P2)]
    rows = savings(period, [], [])
    assert [r.average_price for r in rows] == [D("7.0000"), D("7.0000")]
    assert [r.savings for r in rows] == [D("30.0000"), D("-30.0000")]
    assert sum(r.savings for r in rows) == 0
    # no list price applies: they count at what was paid
    assert all(r.at_best_list_price == r.paid and r.list_premium == 0 for r in rows)
    assert [r.unlisted_quantity for r in rows] == [D(10), D(30)]


def test_savings_keep_currencies_apart() -> None:
    period = [bought(S1, "1", "10"), bought(S1, "1", "2", currency="USD")]
    earlier = [bought(S1, "1", "12", date(2025, 1, 1))]
    cny, usd = sorted(savings(period, earlier, [offer(S1, "1", currency="USD")]),
                      key=lambda r: r.currency)
    assert (cny.currency, cny.average_price, cny.savings, cny.unlisted_quantity) == (
        "CNY", D("12.0000"), D("2.0000"), D(1))
    assert (usd.currency, usd.average_price, usd.at_best_list_price, usd.list_premium) == (
        "USD", D("2.0000"), D("1.0000"), D("1.0000"))
