"""The journal's rules, pure: entries balance in cents, reversals mirror."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jxc.finance.domain import accounts as acc
from jxc.finance.domain import rules
from jxc.finance.domain.journal import (
    InvalidLine,
    JournalEntry,
    Line,
    UnbalancedEntry,
    reversal_lines,
    to_cents,
)

DAY = date(2026, 3, 15)


def d(value: str) -> Decimal:
    return Decimal(value)


def test_an_unbalanced_entry_is_refused() -> None:
    with pytest.raises(UnbalancedEntry, match=r"100.00 do not equal credits 99.99"):
        JournalEntry(DAY, "t", "1", (Line("1002", debit=d("100.00")),
                                     Line("6001", credit=d("99.99"))))


@pytest.mark.parametrize("line", [
    {"debit": d("1.001")}, {"debit": d("-5")}, {}, {"debit": d(1), "credit": d(1)}])
def test_bad_lines_are_refused(line: dict[str, Decimal]) -> None:
    with pytest.raises(InvalidLine):
        Line("1002", **line)


def test_rounding_is_half_up_to_cents() -> None:
    assert to_cents(d("0.005")) == d("0.01")
    assert to_cents(d("140.4000")) == d("140.40")
    assert to_cents(d("-0.005")) == d("-0.01")


def test_invoice_total_is_built_from_rounded_parts() -> None:
    entry = rules.invoice(DAY, "t", "1", d("33.3333"), d("4.3333"))
    assert entry is not None
    by = {line.account_code: line for line in entry.lines}
    assert by[acc.RECEIVABLES].debit == d("37.66")
    assert (by[acc.REVENUE].credit, by[acc.OUTPUT_VAT].credit) == (d("33.33"), d("4.33"))


def test_a_credit_note_reverses_the_sides() -> None:
    entry = rules.invoice(DAY, "t", "1", d("-100"), d("-13"))
    assert entry is not None
    by = {line.account_code: line for line in entry.lines}
    assert by[acc.RECEIVABLES].credit == d("113.00")
    assert by[acc.REVENUE].debit == d("100.00")


def test_stock_rules() -> None:
    purchase = rules.stock_received(DAY, "m", "purchase", d("1000.0000"))
    assert purchase is not None
    assert [(x.account_code, x.debit, x.credit) for x in purchase.lines] == [
        (acc.GOODS, d("1000.00"), d(0)), (acc.GRNI, d(0), d("1000.00"))]
    assert rules.stock_received(DAY, "m", "transfer", d(5)) is None
    assert rules.stock_issued(DAY, "m", "transfer", d(5)) is None
    assert rules.stock_issued(DAY, "m", "sale", d(0)) is None
    loss = rules.stock_adjusted(DAY, "m", d("-12.5"))
    assert loss is not None
    assert [(x.account_code, x.debit, x.credit) for x in loss.lines] == [
        (acc.GOODS, d(0), d("12.50")), (acc.PENDING_LOSSES, d("12.50"), d(0))]
    reversed_receipt = rules.stock_adjusted(DAY, "m", d("-1000"), reverses_reason="purchase")
    assert reversed_receipt is not None
    assert [(x.account_code, x.debit, x.credit) for x in reversed_receipt.lines] == [
        (acc.GOODS, d(0), d("1000.00")), (acc.GRNI, d("1000.00"), d(0))]
    reversed_sale = rules.stock_adjusted(DAY, "m", d("500"), reverses_reason="sale")
    assert reversed_sale is not None
    assert [(x.account_code, x.debit, x.credit) for x in reversed_sale.lines] == [
        (acc.GOODS, d("500.00"), d(0)), (acc.COST_OF_SALES, d(0), d("500.00"))]
    reversed_count = rules.stock_adjusted(DAY, "m", d("-3"), reverses_reason="count")
    assert reversed_count is not None
    assert reversed_count.lines[1].account_code == acc.PENDING_LOSSES


def test_bill_price_variance_goes_to_goods() -> None:
    entry = rules.bill(DAY, "b", d("1050"), d("136.50"), d("1000"))
    assert entry is not None
    assert {x.account_code: x.amount for x in entry.lines} == {
        acc.GRNI: d("1000.00"), acc.GOODS: d("50.00"), acc.INPUT_VAT: d("136.50"),
        acc.PAYABLES: d("-1186.50")}


def test_reversal_mirrors_every_line() -> None:
    lines = (Line("1002", debit=d(5)), Line("6001", credit=d(5)))
    assert reversal_lines(lines) == (Line("1002", credit=d(5)), Line("6001", debit=d(5)))
