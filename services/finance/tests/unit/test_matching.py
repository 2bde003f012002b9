"""Three-way match of bill lines, pure: quantities per product against what
is left to bill, prices per line against the order, within tolerances."""

from __future__ import annotations

import uuid
from decimal import Decimal

from jxc.finance.domain.matching import (
    NOT_ON_ORDER,
    NOT_RECEIVED,
    PRICE_OVER_ORDER,
    QUANTITY_OVER_RECEIVED,
    BillLine,
    Mismatch,
    Tolerances,
    lines_total,
    match,
)

D = Decimal
A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
DEFAULT = Tolerances(quantity_pct=D(0), price_pct=D(2))


def line(n: int, product: uuid.UUID, quantity: str, price: str) -> BillLine:
    return BillLine(n, product, D(quantity), D(price))


def test_a_line_net_is_rounded_half_up_to_cents() -> None:
    assert line(1, A, "3", "0.335").net == D("1.01")  # 1.005
    assert line(1, A, "1.5", "0.003").net == D("0.00")  # 0.0045
    assert lines_total([line(1, A, "3", "0.335"), line(2, B, "2", "10")]) == D("21.01")


def test_within_received_quantity_and_order_price_is_matched() -> None:
    assert match([line(1, A, "10", "100"), line(2, B, "5", "20")], {A: D(100), B: D(20)},
                 {A: D(10), B: D(8)}, {}, DEFAULT) == []


def test_a_price_within_tolerance_or_below_the_order_is_matched() -> None:
    assert match([line(1, A, "1", "102"), line(2, B, "1", "5")], {A: D(100), B: D(20)},
                 {A: D(1), B: D(1)}, {}, DEFAULT) == []


def test_a_price_above_tolerance_is_an_exception() -> None:
    found = match([line(1, A, "1", "102.01")], {A: D(100)}, {A: D(1)}, {}, DEFAULT)
    assert found == [Mismatch(PRICE_OVER_ORDER, 1, A, D(100), D("102.01"), D(2))]
    assert found[0].difference == D("2.01")


def test_quantity_counts_what_earlier_bills_billed_and_returns() -> None:
    # received 10, 2 returned, 5 billed before: 3 left to bill.
    assert match([line(1, A, "3", "100")], {A: D(100)}, {A: D(8)}, {A: D(5)}, DEFAULT) == []
    found = match([line(1, A, "4", "100")], {A: D(100)}, {A: D(8)}, {A: D(5)}, DEFAULT)
    assert found == [Mismatch(QUANTITY_OVER_RECEIVED, 1, A, D(3), D(4), D(0))]
    assert found[0].difference == D(1)


def test_quantity_is_compared_per_product_over_all_its_lines() -> None:
    found = match([line(1, A, "6", "100"), line(2, B, "1", "20"), line(3, A, "5", "100")],
                  {A: D(100), B: D(20)}, {A: D(10), B: D(1)}, {}, DEFAULT)
    assert found == [Mismatch(QUANTITY_OVER_RECEIVED, 1, A, D(10), D(11), D(0))]


def test_the_quantity_tolerance_is_a_share_of_what_was_received() -> None:
    five = Tolerances(quantity_pct=D(5), price_pct=D(2))
    assert match([line(1, A, "10.5", "100")], {A: D(100)}, {A: D(10)}, {}, five) == []
    assert [m.kind for m in match([line(1, A, "10.51", "100")], {A: D(100)}, {A: D(10)}, {},
                                  five)] == [QUANTITY_OVER_RECEIVED]


def test_a_product_not_on_the_order_or_not_received() -> None:
    found = match([line(1, A, "1", "100"), line(2, C, "2", "7")], {A: D(100)}, {}, {},
                  DEFAULT)
    assert found == [Mismatch(NOT_RECEIVED, 1, A, D(0), D(1), None),
                     Mismatch(NOT_ON_ORDER, 2, C, D(0), D(2), None)]


def test_a_line_can_break_quantity_and_price_at_once() -> None:
    found = match([line(1, A, "12", "110")], {A: D(100)}, {A: D(10)}, {}, DEFAULT)
    assert [(m.kind, m.expected, m.actual) for m in found] == [
        (PRICE_OVER_ORDER, D(100), D(110)), (QUANTITY_OVER_RECEIVED, D(10), D(12))]


def test_a_price_is_checked_even_before_the_goods_arrive() -> None:
    found = match([line(1, A, "1", "150")], {A: D(100)}, {}, {}, DEFAULT)
    assert [m.kind for m in found] == [NOT_RECEIVED, PRICE_OVER_ORDER]
