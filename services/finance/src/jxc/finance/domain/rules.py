"""Posting rules: what each business fact does to the ledger. Pure functions
from amounts to balanced entries; the service layer feeds them from events
and documents and gives each a unique source key so it posts once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jxc.finance.domain import accounts as acc
from jxc.finance.domain.journal import (
    JournalEntry,
    entry,
    nonzero_credit,
    nonzero_debit,
    to_cents,
)

STOCK_RECEIVED = {  # reason -> the account credited against goods
    "purchase": acc.GRNI,
    "sales_return": acc.COST_OF_SALES,
    "adjustment": acc.PENDING_LOSSES,
    "opening": acc.PROFIT_DISTRIBUTION,
}
STOCK_ISSUED = {  # reason -> the account debited against goods
    "sale": acc.COST_OF_SALES,
    "purchase_return": acc.GRNI,
    "adjustment": acc.PENDING_LOSSES,
    "scrap": acc.PENDING_LOSSES,
}
"""Transfers move value between warehouses of one company: no entry."""


def stock_received(day: date, source: str, reason: str, total_cost: Decimal,
                   memo: str | None = None) -> JournalEntry | None:
    other = STOCK_RECEIVED.get(reason)
    if other is None:
        return None
    return entry(day, "inventory.StockReceived", source, [
        nonzero_debit(acc.GOODS, total_cost, memo), nonzero_credit(other, total_cost, memo)])


def stock_issued(day: date, source: str, reason: str, total_cost: Decimal,
                 memo: str | None = None) -> JournalEntry | None:
    other = STOCK_ISSUED.get(reason)
    if other is None:
        return None
    return entry(day, "inventory.StockIssued", source, [
        nonzero_debit(other, total_cost, memo), nonzero_credit(acc.GOODS, total_cost, memo)])


def stock_adjusted(day: date, source: str, total_cost: Decimal, memo: str | None = None,
                   reverses_reason: str | None = None) -> JournalEntry | None:
    """A positive value is a surplus (Dr goods), a negative one a loss. The
    reversal of a receipt or an issue goes back against the account the
    original went to: a reversed purchase receipt Dr GRNI / Cr goods, a
    reversed sale Dr goods / Cr cost of sales."""
    other = acc.PENDING_LOSSES
    if reverses_reason is not None:
        reversed_rule = STOCK_RECEIVED if total_cost < 0 else STOCK_ISSUED
        other = reversed_rule.get(reverses_reason) or other
    return entry(day, "inventory.StockAdjusted", source, [
        nonzero_debit(acc.GOODS, total_cost, memo), nonzero_credit(other, total_cost, memo)])


def split(net: Decimal, tax: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Net and tax in cents and their total (never rounded on its own)."""
    net, tax = to_cents(net), to_cents(tax)
    return net, tax, net + tax


def invoice(day: date, source_type: str, source: str, net: Decimal, tax: Decimal,
            memo: str | None = None) -> JournalEntry | None:
    """Receivable invoice (negative amounts: a credit note)."""
    net, tax, total = split(net, tax)
    return entry(day, source_type, source, [
        nonzero_debit(acc.RECEIVABLES, total, memo), nonzero_credit(acc.REVENUE, net, memo),
        nonzero_credit(acc.OUTPUT_VAT, tax, memo)])


def bill(day: date, source: str, net: Decimal, tax: Decimal, received_value: Decimal,
         memo: str | None = None) -> JournalEntry | None:
    """Supplier bill: clear GRNI at the value the goods came in at; the price
    difference goes to goods in stock."""
    net, tax, total = split(net, tax)
    received = to_cents(received_value)
    return entry(day, "finance.Bill", source, [
        nonzero_debit(acc.GRNI, received, memo), nonzero_debit(acc.GOODS, net - received, memo),
        nonzero_debit(acc.INPUT_VAT, tax, memo), nonzero_credit(acc.PAYABLES, total, memo)])


def receipt(day: date, source: str, amount: Decimal, memo: str | None = None,
            unallocated: Decimal = Decimal(0)) -> JournalEntry | None:
    """Money in: clears receivables; what is not allocated to an invoice is an
    advance from the customer (预收)."""
    amount, unallocated = to_cents(amount), to_cents(unallocated)
    return entry(day, "finance.Receipt", source, [
        nonzero_debit(acc.BANK, amount, memo),
        nonzero_credit(acc.RECEIVABLES, amount - unallocated, memo),
        nonzero_credit(acc.ADVANCES_FROM_CUSTOMERS, unallocated, memo)])


def payment(day: date, source: str, amount: Decimal, memo: str | None = None,
            unallocated: Decimal = Decimal(0)) -> JournalEntry | None:
    """Money out: clears payables; what is not allocated is a prepayment."""
    amount, unallocated = to_cents(amount), to_cents(unallocated)
    return entry(day, "finance.Payment", source, [
        nonzero_debit(acc.PAYABLES, amount - unallocated, memo),
        nonzero_debit(acc.PREPAYMENTS, unallocated, memo),
        nonzero_credit(acc.BANK, amount, memo)])


APPLICATIONS = {  # kind -> (debited, credited)
    "advance": (acc.ADVANCES_FROM_CUSTOMERS, acc.RECEIVABLES),
    "prepayment": (acc.PAYABLES, acc.PREPAYMENTS),
}
"""Credit and debit notes sit in the same account as the documents they
settle (1122, 2202): applying them posts nothing."""


def write_off(day: date, source: str, amount: Decimal, memo: str | None = None
              ) -> JournalEntry | None:
    """A receivable that will not be paid (坏账): under the small-enterprise
    standard the loss is booked when it is certain, Dr 6711 / Cr 1122."""
    amount = to_cents(amount)
    return entry(day, "finance.WriteOff", source, [
        nonzero_debit(acc.NON_OPERATING_EXPENSES, amount, memo),
        nonzero_credit(acc.RECEIVABLES, amount, memo)])


def application(day: date, source: str, kind: str, amount: Decimal,
                memo: str | None = None) -> JournalEntry | None:
    """An earlier receipt's advance settles invoices (Dr 2203 / Cr 1122), or
    an earlier payment's prepayment settles bills (Dr 2202 / Cr 1123)."""
    debited, credited = APPLICATIONS[kind]
    amount = to_cents(amount)
    return entry(day, "finance.Application", source, [
        nonzero_debit(debited, amount, memo), nonzero_credit(credited, amount, memo)])
