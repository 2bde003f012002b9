"""Cash management (资金管理): balances over time per cash and bank account
(1001, 1002 and their sub-accounts) from the journal, and a forecast from
open receivables and payables by due date.

A transfer between bank and cash (提现 / 存现) is an ordinary manual journal
entry (Dr 1001 / Cr 1002, or the other way round): it moves money between
the accounts and leaves the total unchanged."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.finance.adapters.tables import account, bill, invoice, journal_entry, journal_line
from jxc.finance.service_layer.ledger import CASH_ACCOUNTS
from jxc.platform.errors import InvalidInput

INTERVALS = ("day", "week", "month")
MAX_BUCKETS = 1000


def _start(day: date, interval: str) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _next(start: date, interval: str) -> date:
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def buckets(date_from: date, date_to: date, interval: str) -> list[tuple[date, date]]:
    """[start, end] per interval, clipped to [date_from, date_to]; weeks start
    on Monday."""
    if interval not in INTERVALS:
        raise InvalidInput(f"interval must be one of {', '.join(INTERVALS)}", errors=[
            {"field": "interval", "in": "query", "message": "day, week or month"}])
    if date_to < date_from:
        raise InvalidInput("to is before from", errors=[
            {"field": "to", "in": "query", "message": "must not be before from"}])
    out: list[tuple[date, date]] = []
    start = _start(date_from, interval)
    while start <= date_to:
        following = _next(start, interval)
        out.append((max(start, date_from), min(following - timedelta(days=1), date_to)))
        if len(out) > MAX_BUCKETS:
            raise InvalidInput(f"more than {MAX_BUCKETS} intervals: choose a longer interval")
        start = following
    return out


@dataclass
class Point:
    start: date
    end: date
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    balance: Decimal = Decimal(0)


@dataclass
class AccountSeries:
    account_code: str
    name: str
    opening: Decimal
    points: list[Point] = field(default_factory=list)


def _is_cash_code(column: object) -> object:
    return or_(*(column.startswith(code) for code in CASH_ACCOUNTS))  # type: ignore[attr-defined]


async def balances(session: AsyncSession, date_from: date, date_to: date,
                   interval: str) -> tuple[list[AccountSeries], list[Point]]:
    """Per cash/bank account: the balance before ``date_from`` and, per
    interval, debits, credits and the closing balance; and the same summed
    over all of them."""
    spans = buckets(date_from, date_to, interval)
    accounts = (await session.execute(
        select(account.c.code, account.c.name).where(_is_cash_code(account.c.code))  # type: ignore[arg-type]
        .order_by(account.c.code))).all()
    joined = journal_line.join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
    cash = _is_cash_code(journal_line.c.account_code)
    opening = {r.account_code: Decimal(r.net) for r in (await session.execute(
        select(journal_line.c.account_code,
               func.sum(journal_line.c.debit - journal_line.c.credit).label("net"))
        .select_from(joined).where(cash, journal_entry.c.posted_on < date_from)  # type: ignore[arg-type]
        .group_by(journal_line.c.account_code))).all()}
    moves: dict[str, list[tuple[date, Decimal, Decimal]]] = defaultdict(list)
    for r in (await session.execute(
            select(journal_line.c.account_code, journal_entry.c.posted_on,
                   func.sum(journal_line.c.debit).label("debit"),
                   func.sum(journal_line.c.credit).label("credit"))
            .select_from(joined)
            .where(cash, journal_entry.c.posted_on >= date_from,  # type: ignore[arg-type]
                   journal_entry.c.posted_on <= date_to)
            .group_by(journal_line.c.account_code, journal_entry.c.posted_on)
            .order_by(journal_entry.c.posted_on))).all():
        moves[r.account_code].append((r.posted_on, Decimal(r.debit), Decimal(r.credit)))
    series: list[AccountSeries] = []
    totals = [Point(s, e) for s, e in spans]
    for a in accounts:
        s = AccountSeries(a.code, a.name, opening.get(a.code, Decimal(0)))
        balance = s.opening
        days = moves.get(a.code, [])
        i = 0
        for n, (start, end) in enumerate(spans):
            p = Point(start, end)
            while i < len(days) and days[i][0] <= end:
                p.debit += days[i][1]
                p.credit += days[i][2]
                i += 1
            balance += p.debit - p.credit
            p.balance = balance
            s.points.append(p)
            totals[n].debit += p.debit
            totals[n].credit += p.credit
            totals[n].balance += p.balance
        series.append(s)
    return series, totals


async def cash_on(session: AsyncSession, day: date) -> Decimal:
    joined = journal_line.join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
    return Decimal((await session.execute(
        select(func.coalesce(func.sum(journal_line.c.debit - journal_line.c.credit), 0))
        .select_from(joined).where(_is_cash_code(journal_line.c.account_code),  # type: ignore[arg-type]
                                   journal_entry.c.posted_on <= day))).scalar_one())


@dataclass(frozen=True)
class ForecastLine:
    kind: str
    """``receipt`` (an open invoice; a credit note negative) or ``payment``
    (an open bill; a debit note negative)."""
    document_id: uuid.UUID
    number: str
    party_id: uuid.UUID
    due_on: date
    amount: Decimal
    overdue: bool


@dataclass
class Week:
    start: date
    end: date
    receipts: Decimal = Decimal(0)
    payments: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    closing: Decimal = Decimal(0)
    lines: list[ForecastLine] = field(default_factory=list)


async def forecast(session: AsyncSession, today: date,
                   days: int) -> tuple[Decimal, list[Week]]:
    """Cash on ``today`` plus what open invoices should bring in and open
    bills take out, by due date, per week of seven days from ``today``.
    Documents already overdue fall in the first week (flagged)."""
    if not 1 <= days <= 730:
        raise InvalidInput("days must be between 1 and 730", errors=[
            {"field": "days", "in": "query", "message": "1..730"}])
    horizon = today + timedelta(days=days - 1)
    weeks = [Week(today + timedelta(days=d), min(today + timedelta(days=d + 6), horizon))
             for d in range(0, days, 7)]
    opening = await cash_on(session, today)
    for kind, table, party in (("receipt", invoice, invoice.c.customer_id),
                               ("payment", bill, bill.c.supplier_id)):
        rows = (await session.execute(
            select(table.c.id, table.c.number, party.label("party_id"), table.c.due_on,
                   (table.c.total - table.c.allocated).label("open"))
            .where(table.c.total != table.c.allocated, table.c.due_on <= horizon)
            .order_by(table.c.due_on, table.c.number))).all()
        for r in rows:
            index = max(0, (r.due_on - today).days) // 7
            line = ForecastLine(kind, r.id, r.number, r.party_id, r.due_on, Decimal(r.open),
                                r.due_on < today)
            week = weeks[index]
            week.lines.append(line)
            if kind == "receipt":
                week.receipts += line.amount
            else:
                week.payments += line.amount
    balance = opening
    for w in weeks:
        w.net = w.receipts - w.payments
        balance += w.net
        w.closing = balance
        w.lines.sort(key=lambda x: (x.due_on, x.kind, x.number))
    return opening, weeks
