"""The chart of accounts, journal entries, periods and statements."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, update

from jxc.contracts.finance import PeriodClosed as PeriodClosedEvent
from jxc.finance.adapters.tables import account, fiscal_period, journal_entry, journal_line
from jxc.finance.domain import closing, statements
from jxc.finance.domain.accounts import AccountType
from jxc.finance.domain.journal import (
    ZERO,
    InvalidLine,
    JournalEntry,
    Line,
    UnbalancedEntry,
)
from jxc.finance.entrypoints.schemas import Cents
from jxc.finance.service_layer import ledger
from jxc.platform.api import (
    CursorQuery,
    IfMatchHeader,
    LimitQuery,
    Page,
    SessionDep,
    check_if_match,
    decode_cursor,
    encode_cursor,
    etag,
)
from jxc.platform.auth import require
from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.platform.outbox import emit

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])
READ = [require("finance:read")]

AccountCode = Annotated[str, Field(pattern=r"^\d{4,16}$", description="e.g. 1002 or 222101")]


# -- accounts ------------------------------------------------------------------------
class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: AccountCode
    name: str = Field(min_length=1, max_length=200)
    type: AccountType
    parent_code: AccountCode | None = None


class AccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None
    type: AccountType | None = None


class AccountOut(BaseModel):
    code: str
    name: str
    type: AccountType
    parent_code: str | None
    active: bool
    version: int


async def _account(session: SessionDep, code: str) -> Any:
    row = (await session.execute(select(account).where(account.c.code == code))).first()
    if row is None:
        raise NotFound(f"no account {code}")
    return row


@router.get("/accounts", dependencies=READ, summary="The chart of accounts")
async def list_accounts(session: SessionDep, type: AccountType | None = None,
                        include_inactive: bool = False) -> Page[AccountOut]:
    query = select(account).order_by(account.c.code)
    if type is not None:
        query = query.where(account.c.type == type.value)
    if not include_inactive:
        query = query.where(account.c.active)
    rows = (await session.execute(query)).all()
    return Page(items=[AccountOut.model_validate(r, from_attributes=True) for r in rows])


@router.get("/accounts/{code}", dependencies=READ)
async def get_account(code: str, session: SessionDep, response: Response) -> AccountOut:
    row = await _account(session, code)
    response.headers["ETag"] = etag(row.version)
    return AccountOut.model_validate(row, from_attributes=True)


@router.post("/accounts", status_code=201, dependencies=[require("finance:manage")],
             summary="Add an account (a sub-account shares its parent's type)")
async def create_account(body: AccountIn, session: SessionDep, response: Response) -> AccountOut:
    if body.parent_code is not None:
        parent = await _account(session, body.parent_code)
        if parent.type != body.type.value:
            raise InvalidInput(f"a sub-account of {parent.code} must be of type {parent.type}",
                               errors=[{"field": "type", "in": "body",
                                        "message": f"must be {parent.type}"}])
    if (await session.execute(select(account.c.code).where(
            account.c.code == body.code))).first():
        raise Conflict(f"account {body.code} exists", code="duplicate_account")
    await session.execute(account.insert().values(**body.model_dump(mode="json")))
    await session.commit()
    response.headers["Location"] = f"/api/v1/finance/accounts/{body.code}"
    return await get_account(body.code, session, response)


@router.patch("/accounts/{code}", dependencies=[require("finance:manage")],
              summary="Rename, (de)activate or retype an account (retype only while unused)")
async def patch_account(code: str, body: AccountPatch, session: SessionDep, response: Response,
                        if_match: IfMatchHeader = None) -> AccountOut:
    row = await _account(session, code)
    check_if_match(if_match, row.version)
    changes = body.model_dump(exclude_unset=True, mode="json")
    if "type" in changes and changes["type"] != row.type:
        used = (await session.execute(select(journal_line.c.entry_id).where(
            journal_line.c.account_code == code).limit(1))).first()
        if used:
            raise Conflict(f"account {code} has postings; its type cannot change",
                           code="account_in_use")
    if changes:
        await session.execute(update(account).where(account.c.code == code)
                              .values(**changes, version=account.c.version + 1))
        await session.commit()
    return await get_account(code, session, response)


# -- journal entries -------------------------------------------------------------------
class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_code: AccountCode
    debit: Cents = ZERO
    credit: Cents = ZERO
    memo: str | None = Field(default=None, max_length=500)


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    posted_on: date
    memo: str | None = Field(default=None, max_length=500)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    lines: list[LineIn] = Field(min_length=2, max_length=500)


class LineOut(BaseModel):
    line_no: int
    account_code: str
    debit: Cents
    credit: Cents
    memo: str | None


class EntryOut(BaseModel):
    id: uuid.UUID
    number: str
    period: str
    posted_on: date
    source_type: str
    source_id: str
    currency: str
    memo: str | None
    reverses: uuid.UUID | None
    reversed_by: uuid.UUID | None = None
    created_at: datetime
    lines: list[LineOut]


class ReverseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    posted_on: date | None = None
    """Defaults to today (UTC); must fall in an open period."""
    memo: str | None = Field(default=None, max_length=500)


async def _entries(session: SessionDep, rows: list[Any]) -> list[EntryOut]:
    ids = [r.id for r in rows]
    lines: dict[uuid.UUID, list[LineOut]] = {i: [] for i in ids}
    for line in (await session.execute(select(journal_line).where(
            journal_line.c.entry_id.in_(ids)).order_by(journal_line.c.entry_id,
                                                       journal_line.c.line_no))).all():
        lines[line.entry_id].append(LineOut.model_validate(line, from_attributes=True))
    reversed_by = dict((await session.execute(select(journal_entry.c.reverses, journal_entry.c.id)
                                              .where(journal_entry.c.reverses.in_(ids)))).all())
    return [EntryOut(**r._asdict(), lines=lines[r.id], reversed_by=reversed_by.get(r.id))
            for r in rows]


async def _entry(session: SessionDep, entry_id: uuid.UUID) -> EntryOut:
    row = (await session.execute(select(journal_entry).where(
        journal_entry.c.id == entry_id))).first()
    if row is None:
        raise NotFound(f"no journal entry {entry_id}")
    return (await _entries(session, [row]))[0]


@router.post("/journal-entries", status_code=201, dependencies=[require("finance:post")],
             summary="Post a manual entry (must balance; amounts in cents)")
async def post_entry(body: EntryIn, session: SessionDep, response: Response) -> EntryOut:
    entry_id = uuid.uuid4()
    try:
        entry = JournalEntry(body.posted_on, "finance.Manual", str(entry_id), tuple(
            Line(line.account_code, line.debit, line.credit, line.memo) for line in body.lines),
            body.memo, body.currency)
    except UnbalancedEntry as exc:
        debits = sum((line.debit for line in body.lines), ZERO)
        credits = sum((line.credit for line in body.lines), ZERO)
        raise InvalidInput(f"the entry does not balance: {exc}", code="unbalanced_entry",
                           debit=f"{debits:.2f}", credit=f"{credits:.2f}",
                           difference=f"{debits - credits:.2f}") from exc
    except InvalidLine as exc:
        raise InvalidInput(str(exc), code="invalid_line", errors=[
            {"field": "lines", "in": "body", "message": str(exc)}]) from exc
    await ledger.post(session, entry, entry_id=entry_id)
    await session.commit()
    response.headers["Location"] = f"/api/v1/finance/journal-entries/{entry_id}"
    return await _entry(session, entry_id)


@router.get("/journal-entries", dependencies=READ, summary="Posted entries, in number order")
async def list_entries(session: SessionDep, limit: LimitQuery = 100,
                       cursor: CursorQuery = None, period: str | None = None,
                       source_type: str | None = None, source_id: str | None = None,
                       account_code: str | None = None) -> Page[EntryOut]:
    query = select(journal_entry)
    if period:
        query = query.where(journal_entry.c.period == period)
    if source_type:
        query = query.where(journal_entry.c.source_type == source_type)
    if source_id:
        query = query.where(journal_entry.c.source_id == source_id)
    if account_code:
        query = query.where(journal_entry.c.id.in_(select(journal_line.c.entry_id).where(
            journal_line.c.account_code == account_code)))
    after = decode_cursor(cursor)
    if after:
        query = query.where(journal_entry.c.number > str(after.get("after")))
    rows = list((await session.execute(query.order_by(journal_entry.c.number)
                                       .limit(limit + 1))).all())
    next_cursor = encode_cursor({"after": rows[limit - 1].number}) if len(rows) > limit else None
    return Page(items=await _entries(session, rows[:limit]), next_cursor=next_cursor)


@router.get("/journal-entries/{entry_id}", dependencies=READ)
async def get_entry(entry_id: uuid.UUID, session: SessionDep) -> EntryOut:
    return await _entry(session, entry_id)


@router.post("/journal-entries/{entry_id}/reverse", status_code=201,
             dependencies=[require("finance:post")],
             summary="红冲: post the reversing entry (posted entries are never edited)")
async def reverse_entry(entry_id: uuid.UUID, session: SessionDep, response: Response,
                        body: ReverseIn | None = None) -> EntryOut:
    body = body or ReverseIn()
    posted = await ledger.reverse(session, entry_id, body.posted_on or datetime.now(UTC).date(),
                                  body.memo)
    await session.commit()
    response.headers["Location"] = f"/api/v1/finance/journal-entries/{posted.id}"
    return await _entry(session, posted.id)


# -- periods -----------------------------------------------------------------------
class PeriodOut(BaseModel):
    period: str
    status: str
    entries: int
    closed_at: datetime | None


@router.get("/periods", dependencies=READ, summary="Periods that have entries or are closed")
async def list_periods(session: SessionDep) -> Page[PeriodOut]:
    rows = (await session.execute(select(fiscal_period).order_by(fiscal_period.c.period))).all()
    return Page(items=[PeriodOut(period=r.period, status=r.status, entries=r.next_number - 1,
                                 closed_at=r.closed_at) for r in rows])


@router.post("/periods/{period}/close", dependencies=[require("finance:close")],
             summary="Close a period: nothing more posts into it")
async def close_period(period: str, session: SessionDep) -> PeriodOut:
    closed_at = await ledger.close_period(session, period)
    await emit(session, PeriodClosedEvent(period=period, closed_at=closed_at))
    count = (await session.execute(select(func.count()).select_from(journal_entry).where(
        journal_entry.c.period == period))).scalar_one()
    await session.commit()
    return PeriodOut(period=period, status="closed", entries=count, closed_at=closed_at)


# -- statements ----------------------------------------------------------------------
class TrialBalanceItem(BaseModel):
    account_code: str
    name: str
    type: str
    debit: Cents
    credit: Cents
    balance: Cents
    """Debits minus credits."""


class TrialBalance(BaseModel):
    as_of: date | None
    items: list[TrialBalanceItem]
    total_debit: Cents
    total_credit: Cents
    balanced: bool


def _rows(totals: list[ledger.Totals]) -> list[statements.AccountBalance]:
    return [statements.AccountBalance(t.code, t.name, AccountType(t.type), t.debit, t.credit)
            for t in totals]


@router.get("/trial-balance", dependencies=READ, summary="Totals per account up to a date")
async def trial_balance(session: SessionDep, as_of: date | None = None,
                        since: Annotated[date | None, Query(alias="from")] = None
                        ) -> TrialBalance:
    totals = await ledger.account_totals(session, to=as_of, since=since)
    debit = sum((t.debit for t in totals), ZERO)
    credit = sum((t.credit for t in totals), ZERO)
    return TrialBalance(as_of=as_of, items=[TrialBalanceItem(
        account_code=t.code, name=t.name, type=t.type, debit=t.debit, credit=t.credit,
        balance=t.debit - t.credit) for t in totals], total_debit=debit, total_credit=credit,
        balanced=debit == credit)


class IncomeStatementOut(BaseModel):
    date_from: date | None = Field(serialization_alias="from")
    date_to: date | None = Field(serialization_alias="to")
    revenue: Cents
    cost_of_sales: Cents
    gross_profit: Cents
    other_revenue: Cents
    expenses: dict[str, Cents]
    net_profit: Cents


class BalanceSheetOut(BaseModel):
    as_of: date | None
    assets: dict[str, Cents]
    liabilities: dict[str, Cents]
    equity: dict[str, Cents]
    current_profit: Cents
    total_assets: Cents
    total_liabilities: Cents
    total_equity: Cents
    total_liabilities_and_equity: Cents
    balanced: bool


@router.get("/reports/income-statement", dependencies=READ, response_model_by_alias=True,
            summary="利润表 for entries posted in [from, to]")
async def income_statement(session: SessionDep,
                           date_from: Annotated[date | None, Query(alias="from")] = None,
                           date_to: Annotated[date | None, Query(alias="to")] = None
                           ) -> IncomeStatementOut:
    report = statements.income_statement(_rows(await ledger.account_totals(
        session, to=date_to, since=date_from, leave_out_source=closing.SOURCE)))
    return IncomeStatementOut(date_from=date_from, date_to=date_to, revenue=report.revenue,
                              cost_of_sales=report.cost_of_sales,
                              gross_profit=report.gross_profit,
                              other_revenue=report.other_revenue, expenses=report.expenses,
                              net_profit=report.net_profit)


@router.get("/reports/balance-sheet", dependencies=READ,
            summary="资产负债表 as of a date, current profit under equity")
async def balance_sheet(session: SessionDep, as_of: date | None = None) -> BalanceSheetOut:
    sheet = statements.balance_sheet(_rows(await ledger.account_totals(session, to=as_of)))
    return BalanceSheetOut(as_of=as_of, assets=sheet.assets, liabilities=sheet.liabilities,
                           equity=sheet.equity, current_profit=sheet.current_profit,
                           total_assets=sheet.total_assets,
                           total_liabilities=sheet.total_liabilities,
                           total_equity=sheet.total_equity,
                           total_liabilities_and_equity=sheet.total_liabilities
                           + sheet.total_equity, balanced=sheet.balances)


class CashFlowOut(BaseModel):
    date_from: date | None = Field(serialization_alias="from")
    date_to: date | None = Field(serialization_alias="to")
    opening_cash: Cents
    receipts_from_customers: Cents
    payments_to_suppliers: Cents
    other: Cents
    net_change: Cents
    closing_cash: Cents


CASH_FLOW_LINES = {"finance.Receipt": "receipts_from_customers",
                   "finance.Payment": "payments_to_suppliers"}


@router.get("/reports/cash-flow", dependencies=READ,
            summary="现金流量表 (direct method, operating only): cash and bank movements")
async def cash_flow(session: SessionDep,
                    date_from: Annotated[date | None, Query(alias="from")] = None,
                    date_to: Annotated[date | None, Query(alias="to")] = None) -> CashFlowOut:
    opening, moves = await ledger.cash_movements(session, date_from, date_to)
    parts = {"receipts_from_customers": ZERO, "payments_to_suppliers": ZERO, "other": ZERO}
    for source_type, amount in moves.items():
        parts[CASH_FLOW_LINES.get(source_type, "other")] += amount
    change = sum(parts.values(), ZERO)
    return CashFlowOut(date_from=date_from, date_to=date_to, opening_cash=opening, **parts,
                       net_change=change, closing_cash=opening + change)
