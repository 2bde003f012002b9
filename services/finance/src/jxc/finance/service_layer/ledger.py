"""Posting to the general ledger: numbering without gaps per period, closed
periods refused, each source posted once, reversals instead of edits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.finance import JournalEntryPosted, JournalLine
from jxc.finance.adapters.tables import (
    account,
    fiscal_period,
    journal_entry,
    journal_line,
    ledger_lock,
)
from jxc.finance.domain.journal import PERIOD, JournalEntry, Line, period_of, reversal_lines
from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.platform.outbox import emit

CURRENCY = "CNY"
"""The ledger's functional currency; entries in any other are refused."""


class PeriodClosed(Conflict):
    code, title = "period_closed", "The accounting period is closed"


class DateLocked(Conflict):
    code, title = "date_locked", "The date is on or before the ledger's lock date"


class DuplicateSource(Conflict):
    code, title = "duplicate_source", "This source was already posted"


class AlreadyReversed(Conflict):
    code, title = "already_reversed", "The entry was already reversed"


class CurrencyMismatch(InvalidInput):
    code, title = "currency_mismatch", "The currency is not the ledger's"


@dataclass(frozen=True)
class Posted:
    id: uuid.UUID
    number: str
    period: str
    entry: JournalEntry


async def _lock_period(session: AsyncSession, period: str) -> tuple[str, int]:
    await session.execute(insert(fiscal_period).values(period=period)
                          .on_conflict_do_nothing(index_elements=["period"]))
    row = (await session.execute(select(fiscal_period.c.status, fiscal_period.c.next_number)
                                 .where(fiscal_period.c.period == period)
                                 .with_for_update())).one()
    return row.status, row.next_number


async def period_is_open(session: AsyncSession, period: str) -> bool:
    status = (await session.execute(select(fiscal_period.c.status).where(
        fiscal_period.c.period == period))).scalar_one_or_none()
    return status != "closed"


async def lock_date(session: AsyncSession, *, share: bool = False) -> date | None:
    """The lock date; ``share`` holds it (FOR SHARE) until the transaction
    ends, so it cannot move under a posting."""
    query = select(ledger_lock.c.lock_date)
    if share:
        query = query.with_for_update(read=True)
    return (await session.execute(query)).scalar_one_or_none()


async def open_day(session: AsyncSession, day: date) -> date:
    """``day``, or the first day after the lock date when it is locked, or
    the first day of the next open month when its period is closed: a late
    fact is booked in the first period still open."""
    locked = await lock_date(session)
    if locked is not None and day <= locked:
        day = locked + timedelta(days=1)
    while not await period_is_open(session, period_of(day)):
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day


async def _check_accounts(session: AsyncSession, lines: tuple[Line, ...]) -> None:
    codes = {line.account_code for line in lines}
    known = set((await session.execute(select(account.c.code).where(
        account.c.code.in_(codes), account.c.active))).scalars())
    missing = sorted(codes - known)
    if missing:
        raise InvalidInput(f"unknown or inactive accounts: {', '.join(missing)}", errors=[
            {"field": "lines", "in": "body", "message": f"unknown account {code}"}
            for code in missing], code="unknown_account")


async def post(session: AsyncSession, entry: JournalEntry, *, entry_id: uuid.UUID | None = None,
               causation_id: str | None = None, year_end_close: bool = False) -> Posted:
    """Post a balanced entry in the caller's transaction and announce it.
    Only the year-end close posts into its (closed, locked) last month."""
    if entry.currency != CURRENCY:
        raise CurrencyMismatch(f"the ledger keeps {CURRENCY}, not {entry.currency}")
    await _check_accounts(session, entry.lines)
    taken = (await session.execute(select(journal_entry.c.number).where(
        journal_entry.c.source_type == entry.source_type,
        journal_entry.c.source_id == entry.source_id))).scalar_one_or_none()
    if taken is not None:
        raise DuplicateSource(f"{entry.source_type} {entry.source_id} is posted as {taken}",
                              entry_number=taken)
    locked = await lock_date(session, share=True)
    if locked is not None and entry.posted_on <= locked and not year_end_close:
        raise DateLocked(f"{entry.posted_on} is on or before the lock date {locked}",
                         lock_date=locked.isoformat())
    period = entry.period
    status, seq = await _lock_period(session, period)
    if status == "closed" and not year_end_close:
        raise PeriodClosed(f"period {period} is closed; post into an open period",
                           period=period)
    entry_id = entry_id or uuid.uuid4()
    number = f"JE-{period}-{seq:06d}"
    await session.execute(update(fiscal_period).where(fiscal_period.c.period == period)
                          .values(next_number=seq + 1))
    await session.execute(journal_entry.insert().values(
        id=entry_id, number=number, period=period, seq=seq, posted_on=entry.posted_on,
        source_type=entry.source_type, source_id=entry.source_id, currency=entry.currency,
        memo=entry.memo, reverses=uuid.UUID(entry.reverses) if entry.reverses else None))
    await session.execute(journal_line.insert(), [
        {"entry_id": entry_id, "line_no": n, "account_code": line.account_code,
         "debit": line.debit, "credit": line.credit, "memo": line.memo,
         "product_id": line.product_id, "order_id": line.order_id}
        for n, line in enumerate(entry.lines, start=1)])
    await emit(session, JournalEntryPosted(
        entry_id=entry_id, number=number, posted_on=entry.posted_on,
        source_type=entry.source_type, source_id=entry.source_id, currency=entry.currency,
        lines=tuple(JournalLine(account_code=line.account_code, debit=line.debit,
                                credit=line.credit, memo=line.memo) for line in entry.lines),
        reverses=uuid.UUID(entry.reverses) if entry.reverses else None),
        causation_id=causation_id)
    return Posted(entry_id, number, period, entry)


async def post_once(session: AsyncSession, entry: JournalEntry | None,
                    causation_id: str | None = None) -> Posted | None:
    """:func:`post` for facts from other services: a source already posted is
    skipped (a re-sent event under a new message id); a closed period moves
    the entry to the first open one."""
    if entry is None:
        return None
    exists = (await session.execute(select(journal_entry.c.id).where(
        journal_entry.c.source_type == entry.source_type,
        journal_entry.c.source_id == entry.source_id))).first()
    if exists:
        return None
    day = await open_day(session, entry.posted_on)
    if day != entry.posted_on:
        entry = JournalEntry(day, entry.source_type, entry.source_id, entry.lines, entry.memo,
                             entry.currency)
    return await post(session, entry, causation_id=causation_id)


async def load_lines(session: AsyncSession, entry_id: uuid.UUID) -> list[Line]:
    rows = (await session.execute(select(journal_line).where(
        journal_line.c.entry_id == entry_id).order_by(journal_line.c.line_no))).all()
    return [Line(r.account_code, debit=r.debit, credit=r.credit, memo=r.memo,
                 product_id=r.product_id, order_id=r.order_id) for r in rows]


async def reverse(session: AsyncSession, entry_id: uuid.UUID, on: date,
                  memo: str | None = None) -> Posted:
    """红冲: a new entry with the sides swapped, dated ``on`` (an open period)."""
    original = (await session.execute(select(journal_entry).where(
        journal_entry.c.id == entry_id).with_for_update())).one_or_none()  # one reversal
    if original is None:
        raise NotFound(f"no journal entry {entry_id}")
    if original.reverses is not None:
        raise Conflict("a reversal is not reversed again; post a new entry",
                       code="reversal_of_reversal")
    done = (await session.execute(select(journal_entry.c.number).where(
        journal_entry.c.reverses == entry_id))).scalar_one_or_none()
    if done is not None:
        raise AlreadyReversed(f"{original.number} was reversed by {done}", reversed_by=done)
    lines = reversal_lines(await load_lines(session, entry_id))
    return await post(session, JournalEntry(
        on, "finance.Reversal", str(entry_id), lines,
        memo or f"红冲 reversal of {original.number}", original.currency,
        reverses=str(entry_id)))


async def close_period(session: AsyncSession, period: str) -> datetime:
    if not PERIOD.match(period):
        raise InvalidInput(f"{period!r} is not a period (YYYY-MM)")
    status, _ = await _lock_period(session, period)
    if status == "closed":
        raise PeriodClosed(f"period {period} is already closed", period=period)
    closed_at = (await session.execute(update(fiscal_period)
                                       .where(fiscal_period.c.period == period)
                                       .values(status="closed", closed_at=func.now())
                                       .returning(fiscal_period.c.closed_at))).scalar_one()
    return closed_at  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Totals:
    code: str
    name: str
    type: str
    debit: Decimal
    credit: Decimal


async def account_totals(session: AsyncSession, *, to: date | None = None,
                         since: date | None = None,
                         leave_out_source: str | None = None) -> list[Totals]:
    """Debits and credits per account over entries posted in [since, to]
    (without the entries of ``leave_out_source``)."""
    joined = journal_line.join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
    sums = select(journal_line.c.account_code,
                  func.sum(journal_line.c.debit).label("debit"),
                  func.sum(journal_line.c.credit).label("credit")).select_from(joined)
    if leave_out_source is not None:
        sums = sums.where(journal_entry.c.source_type != leave_out_source)
    if to is not None:
        sums = sums.where(journal_entry.c.posted_on <= to)
    if since is not None:
        sums = sums.where(journal_entry.c.posted_on >= since)
    sub = sums.group_by(journal_line.c.account_code).subquery()
    rows = (await session.execute(
        select(account.c.code, account.c.name, account.c.type, sub.c.debit, sub.c.credit)
        .join(sub, sub.c.account_code == account.c.code).order_by(account.c.code))).all()
    return [Totals(r.code, r.name, r.type, r.debit, r.credit) for r in rows]


CASH_ACCOUNTS = ("1001", "1002")
"""Cash and bank (their sub-accounts count too)."""


def _is_cash() -> ColumnElement[bool]:
    return or_(*(journal_line.c.account_code.startswith(code) for code in CASH_ACCOUNTS))


async def cash_movements(session: AsyncSession, since: date | None,
                         to: date | None) -> tuple[Decimal, dict[str, Decimal]]:
    """Cash before ``since`` and the net cash movement per kind of source in
    [since, to]."""
    joined = journal_line.join(journal_entry, journal_entry.c.id == journal_line.c.entry_id)
    net = func.coalesce(func.sum(journal_line.c.debit - journal_line.c.credit), 0)
    opening = Decimal(0)
    if since is not None:
        opening = Decimal((await session.execute(select(net).select_from(joined).where(
            _is_cash(), journal_entry.c.posted_on < since))).scalar_one())
    query = select(journal_entry.c.source_type, net.label("net")).select_from(joined).where(
        _is_cash())
    if since is not None:
        query = query.where(journal_entry.c.posted_on >= since)
    if to is not None:
        query = query.where(journal_entry.c.posted_on <= to)
    rows = (await session.execute(query.group_by(journal_entry.c.source_type))).all()
    return opening, {r.source_type: Decimal(r.net) for r in rows}
