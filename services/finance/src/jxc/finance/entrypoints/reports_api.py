"""Party statements (往来对账单), cash management (资金管理), gross margins (成本核算),
inventory against the ledger."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, PlainSerializer

from jxc.finance.entrypoints.schemas import Cents
from jxc.finance.service_layer import cash, margins, party_statements, reconciliation
from jxc.platform.api import SessionDep
from jxc.platform.auth import require

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])
READ = [require("finance:read")]
From = Annotated[date, Query(alias="from")]
To = Annotated[date, Query(alias="to")]


class StatementLineOut(BaseModel):
    on: date
    kind: str
    document_id: uuid.UUID
    number: str | None
    charged: Cents
    settled: Cents
    balance: Cents


class StatementOut(BaseModel):
    party_id: uuid.UUID
    date_from: date
    date_to: date
    opening_balance: Cents
    charged: Cents
    settled: Cents
    closing_balance: Cents
    lines: list[StatementLineOut]


def _out(s: party_statements.Statement) -> StatementOut:
    return StatementOut(
        party_id=s.party_id, date_from=s.date_from, date_to=s.date_to,
        opening_balance=s.opening, charged=s.charged, settled=s.settled,
        closing_balance=s.closing,
        lines=[StatementLineOut(on=x.on, kind=x.kind, document_id=x.document_id,
                                number=x.number, charged=x.charged, settled=x.settled,
                                balance=x.balance) for x in s.lines])


@router.get("/customers/{customer_id}/statement", dependencies=READ,
            summary="A customer's statement: opening, invoices, credit notes, receipts, closing")
async def customer_statement(customer_id: uuid.UUID, session: SessionDep, date_from: From,
                             date_to: To) -> StatementOut:
    return _out(await party_statements.statement(session, "customer", customer_id, date_from,
                                                 date_to))


@router.get("/suppliers/{supplier_id}/statement", dependencies=READ,
            summary="A supplier's statement: opening, bills, debit notes, payments, closing")
async def supplier_statement(supplier_id: uuid.UUID, session: SessionDep, date_from: From,
                             date_to: To) -> StatementOut:
    return _out(await party_statements.statement(session, "supplier", supplier_id, date_from,
                                                 date_to))


# -- cash management -----------------------------------------------------------------
class PointOut(BaseModel):
    start: date
    end: date
    debit: Cents
    credit: Cents
    balance: Cents


class AccountSeriesOut(BaseModel):
    account_code: str
    name: str
    opening_balance: Cents
    points: list[PointOut]


class CashBalancesOut(BaseModel):
    date_from: date
    date_to: date
    interval: str
    accounts: list[AccountSeriesOut]
    total: list[PointOut]


def _point(p: cash.Point) -> PointOut:
    return PointOut(start=p.start, end=p.end, debit=p.debit, credit=p.credit, balance=p.balance)


@router.get("/cash/balances", dependencies=READ,
            summary="Balance over time per cash and bank account (1001, 1002, sub-accounts)")
async def cash_balances(session: SessionDep, date_from: From, date_to: To,
                        interval: str = "day") -> CashBalancesOut:
    series, total = await cash.balances(session, date_from, date_to, interval)
    return CashBalancesOut(
        date_from=date_from, date_to=date_to, interval=interval,
        accounts=[AccountSeriesOut(account_code=s.account_code, name=s.name,
                                   opening_balance=s.opening,
                                   points=[_point(p) for p in s.points]) for s in series],
        total=[_point(p) for p in total])


class ForecastLineOut(BaseModel):
    kind: str
    document_id: uuid.UUID
    number: str
    party_id: uuid.UUID
    due_on: date
    amount: Cents
    overdue: bool


class WeekOut(BaseModel):
    start: date
    end: date
    receipts: Cents
    payments: Cents
    net: Cents
    closing_cash: Cents
    lines: list[ForecastLineOut]


class ForecastOut(BaseModel):
    as_of: date
    days: int
    opening_cash: Cents
    closing_cash: Cents
    weeks: list[WeekOut]


@router.get("/cash/forecast", dependencies=READ,
            summary="Cash today + open receivables − open payables by due date, per week")
async def cash_forecast(session: SessionDep, days: int = 90,
                        as_of: date | None = None) -> ForecastOut:
    today = as_of or datetime.now(UTC).date()
    opening, weeks = await cash.forecast(session, today, days)
    return ForecastOut(
        as_of=today, days=days, opening_cash=opening,
        closing_cash=weeks[-1].closing if weeks else opening,
        weeks=[WeekOut(start=w.start, end=w.end, receipts=w.receipts, payments=w.payments,
                       net=w.net, closing_cash=w.closing,
                       lines=[ForecastLineOut(kind=x.kind, document_id=x.document_id,
                                              number=x.number, party_id=x.party_id,
                                              due_on=x.due_on, amount=x.amount,
                                              overdue=x.overdue) for x in w.lines])
               for w in weeks])


# -- cost accounting -----------------------------------------------------------------
class MarginOut(BaseModel):
    key: str | None
    """The product, customer or order id, or the period (YYYY-MM); null: not attributable."""
    revenue: Cents
    cost_of_sales: Cents
    gross_margin: Cents
    margin_pct: Decimal | None


class MarginsOut(BaseModel):
    group_by: str
    date_from: date | None
    date_to: date | None
    items: list[MarginOut]
    total: MarginOut


@router.get("/margins", dependencies=READ,
            summary="Gross margin (revenue − cost of sales) by product, customer, order or period")
async def gross_margins(session: SessionDep, group_by: str = "product",
                        date_from: Annotated[date | None, Query(alias="from")] = None,
                        date_to: Annotated[date | None, Query(alias="to")] = None) -> MarginsOut:
    rows = await margins.margins(session, group_by, date_from, date_to)
    total = margins.Margin(None, sum((m.revenue for m in rows), Decimal(0)),
                           sum((m.cost_of_sales for m in rows), Decimal(0)))

    def out(m: margins.Margin) -> MarginOut:
        return MarginOut(key=m.key, revenue=m.revenue, cost_of_sales=m.cost_of_sales,
                         gross_margin=m.gross_margin, margin_pct=m.margin_pct)
    return MarginsOut(group_by=group_by, date_from=date_from, date_to=date_to,
                      items=[out(m) for m in rows], total=out(total))


# -- inventory reconciliation ----------------------------------------------------------
Value = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.4f}", return_type=str,
                                           when_used="json")]


class CauseOut(BaseModel):
    cause: str
    source_type: str | None
    amount: Value


class ProjectionOut(BaseModel):
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    value: Value
    moves: int


class InventoryReconciliationOut(BaseModel):
    account_code: str
    ledger_balance: Value
    projected_value: Value
    difference: Value
    causes: list[CauseOut]
    projection: list[ProjectionOut]


@router.get("/reconciliation/inventory", dependencies=READ,
            summary="Goods in stock (1405) against the value of inventory's stock events")
async def inventory_reconciliation(session: SessionDep) -> InventoryReconciliationOut:
    r = await reconciliation.reconcile(session)
    rows = await reconciliation.projection(session)
    return InventoryReconciliationOut(
        account_code="1405", ledger_balance=r.ledger, projected_value=r.projected,
        difference=r.difference,
        causes=[CauseOut(cause=c.cause, source_type=c.source_type, amount=c.amount)
                for c in r.causes],
        projection=[ProjectionOut(product_id=p, warehouse_id=w, value=v, moves=n)
                    for p, w, v, n in rows])
