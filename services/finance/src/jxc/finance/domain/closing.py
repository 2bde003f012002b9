"""Year-end close (年结), pure: the entries that carry a year's profit from
the revenue and expense accounts into 4103 本年利润 and on to 4104 利润分配.

During the year the statements work without closing entries (the balance
sheet shows the current profit under equity). Closing the year zeroes every
revenue and expense account as of its last day, so the next year starts from
nothing, and the year's result is kept in 4104."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jxc.finance.domain import accounts as acc
from jxc.finance.domain.accounts import PROFIT_AND_LOSS
from jxc.finance.domain.journal import ZERO, JournalEntry, Line
from jxc.finance.domain.statements import AccountBalance

SOURCE = "finance.YearClose"


@dataclass(frozen=True)
class YearClose:
    year: int
    profit: Decimal
    """The year's net profit (negative: a loss)."""
    entries: tuple[JournalEntry, ...]
    """Profit and loss into 4103, then 4103 into 4104; empty for a year
    without results."""


def year_end(year: int) -> date:
    return date(year, 12, 31)


def close_year(year: int, balances: Iterable[AccountBalance],
               current_profit_balance: Decimal = ZERO) -> YearClose:
    """``balances``: every account's debits and credits over the year;
    ``current_profit_balance``: debits − credits of 4103 over the year before
    closing (manual monthly transfers, if any, also move on to 4104)."""
    day = year_end(year)
    to_profit: list[Line] = []
    profit = ZERO
    for row in balances:
        if row.type not in PROFIT_AND_LOSS or not row.net:
            continue
        # A debit balance (an expense) is credited away, a credit balance debited.
        to_profit.append(Line(row.code, credit=row.net) if row.net > 0
                         else Line(row.code, debit=-row.net))
        profit -= row.net
    entries: list[JournalEntry] = []
    if to_profit:
        to_profit.append(_side(acc.CURRENT_PROFIT, -profit))
        entries.append(JournalEntry(day, SOURCE, f"{year}/profit", tuple(to_profit),
                                    f"{year} 结转本年利润 profit and loss to 4103"))
    carried = current_profit_balance - profit  # 4103 after the first entry, debit − credit
    if carried:
        entries.append(JournalEntry(day, SOURCE, f"{year}/distribution", (
            _side(acc.CURRENT_PROFIT, -carried), _side(acc.PROFIT_DISTRIBUTION, carried)),
            f"{year} 本年利润转入利润分配 4103 to 4104"))
    return YearClose(year, profit, tuple(entries))


def _side(code: str, net: Decimal) -> Line:
    """A line moving ``net`` (debit − credit) on ``code``."""
    return Line(code, debit=net) if net > 0 else Line(code, credit=-net)
