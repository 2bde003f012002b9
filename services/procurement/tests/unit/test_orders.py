"""The purchase order's pure rules: totals, lines, the state machine,
receipts with tolerance and backorders, returns."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from jxc.procurement.domain.orders import (
    ALLOWED,
    Action,
    Arrival,
    Line,
    NewLine,
    OrderRuleBroken,
    Return,
    Status,
    allowed_to_receive,
    build_lines,
    check_action,
    receive,
    return_goods,
    status_after_approval,
    status_after_receipt,
    totals,
)

TEA, CUPS = uuid.uuid4(), uuid.uuid4()
RATES = {TEA: Decimal("0.13"), CUPS: Decimal("0.09")}


def D(value: str | int) -> Decimal:
    return Decimal(str(value))


def line(quantity: str = "10", received: str = "0", no: int = 1,
         product: uuid.UUID = TEA) -> Line:
    return Line(no, product, D(quantity), D("8.5"), D("0.13"), D(received))


def test_totals_round_half_up_once_on_the_sums() -> None:
    lines = build_lines([NewLine(TEA, D(3), D("10.005")),
                         NewLine(CUPS, D(2), D("0.125"), D("0.06"))], RATES)
    assert [(x.line_no, x.tax_rate) for x in lines] == [(1, D("0.13")), (2, D("0.06"))]
    money = totals(lines)
    assert (money.net, money.tax, money.total) == (D("30.27"), D("3.92"), D("34.19"))
    assert totals([line("1")]).total == D("9.61")  # 8.5 + 1.105 -> 1.11


def test_build_lines_reports_every_bad_line() -> None:
    with pytest.raises(OrderRuleBroken) as caught:
        build_lines([NewLine(TEA, D(0), D(1)), NewLine(TEA, D(1), D(-1)),
                     NewLine(uuid.uuid4(), D(1), D(1), D(1))], RATES)
    assert caught.value.status == 422
    fields = [e["field"] for e in caught.value.extra["errors"]]
    assert fields == ["lines.0.quantity", "lines.1.product_id", "lines.1.unit_price",
                      "lines.2.product_id", "lines.2.tax_rate"]
    with pytest.raises(OrderRuleBroken, match="at least one line"):
        build_lines([], RATES)
    with pytest.raises(OrderRuleBroken) as too_large:
        build_lines([NewLine(TEA, D("99999999999999"), D("2"))], RATES)
    assert too_large.value.code == "amount_too_large"


def test_a_revision_keeps_progress_and_cannot_undercut_it() -> None:
    before = [line("10", "4"), line("5", "0", 2, CUPS)]
    revised = build_lines([NewLine(TEA, D(12), D("8.5"))], RATES, before)
    assert (revised[0].received, revised[0].backorder) == (D(4), D(8))
    other = uuid.uuid4()
    renumbered = build_lines([NewLine(other, D(1), D(1), D(0)), NewLine(TEA, D(10), D(9))],
                             {**RATES, other: D(0)}, before)
    assert [(x.line_no, x.product_id) for x in renumbered] == [(1, TEA), (3, other)]
    with pytest.raises(OrderRuleBroken):
        build_lines([NewLine(TEA, D(3), D("8.5"))], RATES, before)
    with pytest.raises(OrderRuleBroken):
        build_lines([NewLine(CUPS, D(5), D("8.5"))], RATES, before)


@pytest.mark.parametrize(("action", "allowed"), [
    (Action.SUBMIT, {Status.DRAFT}),
    (Action.DECIDE, {Status.SUBMITTED}),
    (Action.CANCEL, {Status.DRAFT, Status.SUBMITTED, Status.APPROVED}),
    (Action.CLOSE, {Status.PARTIALLY_RECEIVED, Status.RECEIVED}),
    (Action.RECEIVE, {Status.APPROVED, Status.PARTIALLY_RECEIVED}),
    (Action.RETURN, {Status.PARTIALLY_RECEIVED, Status.RECEIVED, Status.CLOSED}),
])
def test_state_machine(action: Action, allowed: set[Status]) -> None:
    assert ALLOWED[action] == allowed
    for status in Status:
        if status in allowed:
            check_action(status, action)
        else:
            with pytest.raises(OrderRuleBroken) as caught:
                check_action(status, action)
            assert (caught.value.code, caught.value.status) == ("invalid_state", 409)


def test_nothing_is_cancelled_once_goods_arrived() -> None:
    with pytest.raises(OrderRuleBroken, match="close it"):
        check_action(Status.APPROVED, Action.CANCEL, received=D("0.5"))


def test_status_follows_what_was_received() -> None:
    assert status_after_approval([line("10")]) is Status.APPROVED
    assert status_after_approval([line("10", "3")]) is Status.PARTIALLY_RECEIVED
    assert status_after_approval([line("10", "10")]) is Status.RECEIVED
    assert status_after_receipt([line("10", "10"), line("5", "1", 2, CUPS)]) is \
        Status.PARTIALLY_RECEIVED
    assert status_after_receipt([line("10", "11")]) is Status.RECEIVED


def test_receipts_add_up_within_the_tolerance() -> None:
    lines = [line("10"), line("5", "0", 2, CUPS)]
    receive(lines, [Arrival(1, D(6), D(1), "crushed")], D(0))
    assert (lines[0].received, lines[0].rejected, lines[0].backorder) == (D(6), D(1), D(4))
    assert allowed_to_receive(lines[0], D(0)) == D(4)
    assert allowed_to_receive(lines[0], D("2.5")) == D("4.25")
    with pytest.raises(OrderRuleBroken) as caught:
        receive(lines, [Arrival(2, D(1)), Arrival(1, D("4.01"))], D(0))
    assert (caught.value.code, caught.value.extra["allowed"]) == ("over_receipt", "4.0000")
    assert lines[1].received == 0, "a refused receipt changes no line"
    receive(lines, [Arrival(1, D("4.25"))], D("2.5"))
    assert (lines[0].received, lines[0].backorder) == (D("10.25"), D(0))


def test_bad_arrivals_are_reported_together() -> None:
    with pytest.raises(OrderRuleBroken) as caught:
        receive([line()], [Arrival(3, D(1)), Arrival(1, D(0)), Arrival(1, D(1), D(1)),
                           Arrival(1, D(1), D(11), "all broken")], D(0))
    assert [e["field"] for e in caught.value.extra["errors"]] == [
        "lines.0", "lines.1.quantity", "lines.2", "lines.2.rejection_reason", "lines.3",
        "lines.3.rejected_quantity"]


def test_returns_are_limited_to_what_was_accepted_and_not_returned() -> None:
    lines = [line("10", "6")]
    matched = return_goods(lines, [Return(TEA, D(4), "faulty")])
    assert matched[0][0].returned == D(4)
    with pytest.raises(OrderRuleBroken) as caught:
        return_goods(lines, [Return(TEA, D(3), "faulty")])
    assert (caught.value.code, caught.value.extra["allowed"]) == ("over_return", "2.0000")
    with pytest.raises(OrderRuleBroken):
        return_goods(lines, [Return(CUPS, D(1), "x"), Return(TEA, D(1), " ")])
