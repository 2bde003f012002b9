"""Controls over what may still be posted: the lock date (关账日期), separate
from closing months, and the year-end close (年结) into 4103 / 4104."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import extract, func, select, text, update
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.finance.adapters.tables import fiscal_period, fiscal_year, journal_entry, ledger_lock
from jxc.finance.domain import accounts as acc
from jxc.finance.domain import closing
from jxc.finance.domain.accounts import AccountType
from jxc.finance.domain.journal import ZERO
from jxc.finance.domain.statements import AccountBalance
from jxc.finance.service_layer import ledger
from jxc.platform.errors import Conflict, InvalidInput


class YearClosed(Conflict):
    code, title = "year_closed", "The fiscal year is closed"


@dataclass(frozen=True)
class Lock:
    lock_date: date | None
    updated_at: datetime


async def get_lock(session: AsyncSession) -> Lock:
    row = (await session.execute(select(ledger_lock))).one()
    return Lock(row.lock_date, row.updated_at)


async def last_closed_year(session: AsyncSession) -> int | None:
    return (await session.execute(select(func.max(fiscal_year.c.year)))).scalar_one_or_none()


async def set_lock_date(session: AsyncSession, new: date | None) -> Lock:
    """Nothing dated on or before ``new`` posts from now on; ``None`` lifts
    the lock. It may move back (to correct a mistake) but never into a
    closed year, and never past today."""
    await session.execute(select(ledger_lock.c.id).with_for_update())
    if new is not None and new > datetime.now(UTC).date():
        raise InvalidInput("the lock date cannot be in the future", errors=[
            {"field": "lock_date", "in": "body", "message": "today or earlier"}])
    closed = await last_closed_year(session)
    if closed is not None and (new is None or new < closing.year_end(closed)):
        raise YearClosed(f"{closed} is closed: the lock date stays on or after "
                         f"{closing.year_end(closed)}", year=closed)
    row = (await session.execute(update(ledger_lock).values(
        lock_date=new, updated_at=func.now()).returning(ledger_lock))).one()
    return Lock(row.lock_date, row.updated_at)


@dataclass(frozen=True)
class ClosedYear:
    year: int
    profit: Decimal
    entries: tuple[str, ...]
    closed_at: datetime


async def close_year(session: AsyncSession, year: int) -> ClosedYear:
    """Post the closing entries dated 31 December and lock the year: every
    month of it closed first, every earlier year with entries closed first."""
    if not 1900 <= year <= 9999:
        raise InvalidInput(f"{year} is not a year")
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('finance:year-close'))"))
    if (await session.execute(select(fiscal_year.c.year).where(
            fiscal_year.c.year == year))).first():
        raise YearClosed(f"{year} is already closed", year=year)
    closed_months = set((await session.execute(select(fiscal_period.c.period).where(
        fiscal_period.c.period.like(f"{year:04d}-%"),
        fiscal_period.c.status == "closed"))).scalars())
    open_months = [p for p in (f"{year:04d}-{m:02d}" for m in range(1, 13))
                   if p not in closed_months]
    if open_months:
        raise Conflict(f"close every month of {year} first: {', '.join(open_months)} "
                       "still open", code="periods_open", periods=open_months)
    entry_year = extract("year", journal_entry.c.posted_on)
    earlier = sorted(int(y) for y in (await session.execute(
        select(entry_year).distinct().where(journal_entry.c.posted_on < date(year, 1, 1))
        .except_(select(fiscal_year.c.year)))).scalars())
    if earlier:
        raise Conflict(f"close {earlier[0]} before {year}", code="earlier_year_open",
                       years=earlier)
    totals = await ledger.account_totals(session, since=date(year, 1, 1),
                                         to=closing.year_end(year))
    rows = [AccountBalance(t.code, t.name, AccountType(t.type), t.debit, t.credit)
            for t in totals]
    current = sum((r.net for r in rows if r.code == acc.CURRENT_PROFIT), ZERO)
    result = closing.close_year(year, rows, current)
    numbers = []
    for entry in result.entries:
        numbers.append((await ledger.post(session, entry, year_end_close=True)).number)
    closed_at = (await session.execute(fiscal_year.insert().values(
        year=year, profit=result.profit).returning(fiscal_year.c.closed_at))).scalar_one()
    lock = await get_lock(session)
    if lock.lock_date is None or lock.lock_date < closing.year_end(year):
        await session.execute(update(ledger_lock).values(lock_date=closing.year_end(year),
                                                         updated_at=func.now()))
    return ClosedYear(year, result.profit, tuple(numbers), closed_at)


async def closed_years(session: AsyncSession) -> list[ClosedYear]:
    rows = (await session.execute(select(fiscal_year).order_by(fiscal_year.c.year))).all()
    numbers: dict[int, list[str]] = {}
    for source_id, number in (await session.execute(
            select(journal_entry.c.source_id, journal_entry.c.number)
            .where(journal_entry.c.source_type == closing.SOURCE)
            .order_by(journal_entry.c.number))).all():
        numbers.setdefault(int(source_id.split("/")[0]), []).append(number)
    return [ClosedYear(r.year, r.profit, tuple(numbers.get(r.year, [])), r.closed_at)
            for r in rows]
