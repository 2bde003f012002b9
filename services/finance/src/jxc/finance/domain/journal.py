"""Double-entry journal entries, pure: no I/O.

Money in the ledger has two decimal places (分). Rounding rule: amounts that
arrive with more places (events carry 4) are rounded half-up to 0.01 *per
line component* before an entry is built (``to_cents``); an entry built from
rounded parts is balanced by construction because the rules derive the total
from the rounded net and tax, never round the total separately. Manual entries
must already be in cents: more places are refused, never silently rounded.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class UnbalancedEntry(ValueError):
    pass


class InvalidLine(ValueError):
    pass


def to_cents(amount: Decimal) -> Decimal:
    """Round half-up to 0.01 (the ledger's only rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def is_cents(amount: Decimal) -> bool:
    return amount == amount.quantize(CENT)


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class Line:
    account_code: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    memo: str | None = None
    product_id: uuid.UUID | None = None
    """The product a stock posting is for (cost accounting); None elsewhere."""
    order_id: uuid.UUID | None = None
    """The sales order a cost-of-sales posting belongs to, when known."""

    def __post_init__(self) -> None:
        for side in (self.debit, self.credit):
            if not side.is_finite() or side < 0:
                raise InvalidLine(f"{self.account_code}: amounts must be zero or positive")
            if not is_cents(side):
                raise InvalidLine(f"{self.account_code}: {side} has more than two decimals")
        if (self.debit > 0) == (self.credit > 0):
            raise InvalidLine(f"{self.account_code}: a line is either a debit or a credit, "
                              "and not zero")

    @property
    def amount(self) -> Decimal:
        return self.debit - self.credit


def debit(account_code: str, amount: Decimal, memo: str | None = None) -> Line:
    return Line(account_code, debit=to_cents(amount), memo=memo)


def credit(account_code: str, amount: Decimal, memo: str | None = None) -> Line:
    return Line(account_code, credit=to_cents(amount), memo=memo)


@dataclass(frozen=True)
class JournalEntry:
    """A balanced entry waiting to be posted."""

    posted_on: date
    source_type: str
    source_id: str
    lines: tuple[Line, ...]
    memo: str | None = None
    currency: str = "CNY"
    reverses: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.lines) < 2:
            raise UnbalancedEntry("an entry needs at least two lines")
        debits, credits = self.totals
        if debits != credits:
            raise UnbalancedEntry(f"debits {debits} do not equal credits {credits}")

    @property
    def totals(self) -> tuple[Decimal, Decimal]:
        return (sum((line.debit for line in self.lines), ZERO),
                sum((line.credit for line in self.lines), ZERO))

    @property
    def period(self) -> str:
        return period_of(self.posted_on)


def entry(posted_on: date, source_type: str, source_id: str, lines: Iterable[Line | None],
          memo: str | None = None, currency: str = "CNY") -> JournalEntry | None:
    """An entry from rule output, dropping zero lines; None when nothing is left."""
    kept = tuple(line for line in lines if line is not None)
    if not kept:
        return None
    return JournalEntry(posted_on, source_type, source_id, kept, memo, currency)


def nonzero_debit(code: str, amount: Decimal, memo: str | None = None) -> Line | None:
    amount = to_cents(amount)
    if amount == 0:
        return None
    return debit(code, amount, memo) if amount > 0 else credit(code, -amount, memo)


def nonzero_credit(code: str, amount: Decimal, memo: str | None = None) -> Line | None:
    amount = to_cents(amount)
    if amount == 0:
        return None
    return credit(code, amount, memo) if amount > 0 else debit(code, -amount, memo)


def reversal_lines(lines: Sequence[Line]) -> tuple[Line, ...]:
    """红冲: the same accounts with debit and credit swapped."""
    return tuple(Line(line.account_code, debit=line.credit, credit=line.debit, memo=line.memo,
                      product_id=line.product_id, order_id=line.order_id)
                 for line in lines)


def tagged(entry: JournalEntry | None, product_id: uuid.UUID | None,
           order_id: uuid.UUID | None = None) -> JournalEntry | None:
    """The entry with every line tagged with the product (and sales order)."""
    if entry is None:
        return None
    lines = tuple(Line(x.account_code, x.debit, x.credit, x.memo, product_id, order_id)
                  for x in entry.lines)
    return JournalEntry(entry.posted_on, entry.source_type, entry.source_id, lines, entry.memo,
                        entry.currency, entry.reverses, entry.extra)
