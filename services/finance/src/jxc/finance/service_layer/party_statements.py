"""Customer and supplier statements (往来对账单): opening balance, each
document and settlement in the period, closing balance.

A customer's balance is what they owe: invoices (credit notes negative)
minus receipts. A supplier's balance is what we owe: bills (debit notes
negative) minus payments. Unallocated receipts and payments (advances,
prepayments) count too, so a statement's balance is the party's net
position."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, literal, select, union_all
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.finance.adapters.tables import bill, invoice, settlement
from jxc.platform.errors import InvalidInput


@dataclass(frozen=True)
class StatementLine:
    on: date
    kind: str
    """``invoice``, ``credit_note``, ``receipt`` (customers); ``bill``,
    ``debit_note``, ``payment`` (suppliers)."""
    document_id: uuid.UUID
    number: str | None
    charged: Decimal
    """What the line adds to the balance (a credit or debit note: negative)."""
    settled: Decimal
    """What the line takes off it (a receipt or payment)."""
    balance: Decimal
    """The running balance after the line."""


@dataclass(frozen=True)
class Statement:
    party_id: uuid.UUID
    date_from: date
    date_to: date
    opening: Decimal
    charged: Decimal
    settled: Decimal
    closing: Decimal
    lines: list[StatementLine]


async def statement(session: AsyncSession, party: str, party_id: uuid.UUID,
                    date_from: date, date_to: date) -> Statement:
    """``party`` is ``customer`` or ``supplier``."""
    if date_to < date_from:
        raise InvalidInput("to is before from", errors=[
            {"field": "to", "in": "query", "message": "must not be before from"}])
    if party == "customer":
        docs, party_col, on_col = invoice, invoice.c.customer_id, invoice.c.issued_on
        kinds, settle_kind = ("invoice", "credit_note"), "receipt"
    else:
        docs, party_col, on_col = bill, bill.c.supplier_id, bill.c.billed_on
        kinds, settle_kind = ("bill", "debit_note"), "payment"
    zero = literal(Decimal(0))
    documents = select(
        on_col.label("on"), docs.c.created_at.label("created_at"),
        docs.c.id.label("document_id"), docs.c.number.label("number"),
        docs.c.total.label("charged"), zero.label("settled"),
    ).where(party_col == party_id)
    settlements = select(
        settlement.c.settled_on.label("on"), settlement.c.created_at.label("created_at"),
        settlement.c.id.label("document_id"), literal(None).label("number"),
        zero.label("charged"), settlement.c.amount.label("settled"),
    ).where(settlement.c.kind == settle_kind, settlement.c.party_id == party_id)
    moves = union_all(documents, settlements).subquery()
    opening_row = (await session.execute(
        select(func.coalesce(func.sum(moves.c.charged - moves.c.settled), 0))
        .where(moves.c.on < date_from))).scalar_one()
    rows = (await session.execute(
        select(moves).where(moves.c.on >= date_from, moves.c.on <= date_to)
        .order_by(moves.c.on, moves.c.created_at, moves.c.document_id))).all()
    opening = Decimal(opening_row)
    balance = opening
    lines: list[StatementLine] = []
    charged = settled = Decimal(0)
    for r in rows:
        c, s = Decimal(r.charged), Decimal(r.settled)
        balance += c - s
        charged += c
        settled += s
        kind = settle_kind if s else (kinds[0] if c >= 0 else kinds[1])
        lines.append(StatementLine(on=r.on, kind=kind, document_id=r.document_id,
                                   number=r.number, charged=c, settled=s, balance=balance))
    return Statement(party_id=party_id, date_from=date_from, date_to=date_to, opening=opening,
                     charged=charged, settled=settled, closing=opening + charged - settled,
                     lines=lines)
