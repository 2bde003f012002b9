"""finance's published language: the credit check of the sales saga and the
accounting facts others (reporting, crm) read."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from jxc.contracts import topics
from jxc.contracts.base import Command, Currency, Event, Money, NonNegativeMoney, Part, Reply


class FinanceEvent(Event):
    service: ClassVar[str] = "finance"
    topic: ClassVar[str] = topics.FINANCE_EVENTS
    abstract: ClassVar[bool] = True


class CheckCredit(Command):
    """Does the customer's limit cover open receivables, open orders and this one?"""

    service: ClassVar[str] = "finance"
    topic: ClassVar[str] = topics.FINANCE_COMMANDS
    key: ClassVar[str] = "order_id"
    order_id: uuid.UUID
    customer_id: uuid.UUID
    amount: NonNegativeMoney
    currency: Currency


class CreditReply(Reply):
    service: ClassVar[str] = "finance"
    topic: ClassVar[str] = topics.FINANCE_REPLIES
    key: ClassVar[str] = "order_id"
    abstract: ClassVar[bool] = True
    order_id: uuid.UUID
    customer_id: uuid.UUID
    amount: Money
    currency: Currency
    available_credit: Money | None
    """None: the customer has no limit."""


class CreditApproved(CreditReply):
    pass


class CreditRejected(CreditReply):
    reason: Literal["credit_limit_exceeded", "customer_unknown", "customer_blocked",
                    "currency_mismatch"] = "credit_limit_exceeded"


class JournalLine(Part):
    account_code: str
    debit: NonNegativeMoney
    credit: NonNegativeMoney
    memo: str | None = None


class JournalEntryPosted(FinanceEvent):
    """A balanced entry was posted (or a reversal of one)."""

    key: ClassVar[str] = "entry_id"
    entry_id: uuid.UUID
    number: str
    posted_on: date
    source_type: str
    source_id: str
    currency: Currency
    lines: tuple[JournalLine, ...] = Field(min_length=2)
    reverses: uuid.UUID | None = None

    @model_validator(mode="after")
    def _balances(self) -> JournalEntryPosted:
        debit = sum((line.debit for line in self.lines), Decimal(0))
        credit = sum((line.credit for line in self.lines), Decimal(0))
        if debit != credit:
            raise ValueError(f"entry does not balance: debit {debit} != credit {credit}")
        return self


class InvoiceIssued(FinanceEvent):
    """A receivable invoice (or a credit note, with negative amounts)."""

    key: ClassVar[str] = "customer_id"
    invoice_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    order_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None
    branch_id: uuid.UUID | None = None
    currency: Currency
    net: Money
    tax: Money
    total: Money
    due_on: date
    issued_at: datetime


class BillRecorded(FinanceEvent):
    """A supplier's bill, matched three ways (PO, receipt, bill)."""

    key: ClassVar[str] = "supplier_id"
    bill_id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    order_id: uuid.UUID | None = None
    currency: Currency
    net: Money
    tax: Money
    total: Money
    due_on: date


class Allocation(Part):
    document_id: uuid.UUID
    amount: NonNegativeMoney


class PaymentReceived(FinanceEvent):
    key: ClassVar[str] = "customer_id"
    receipt_id: uuid.UUID
    customer_id: uuid.UUID
    amount: NonNegativeMoney
    currency: Currency
    allocations: tuple[Allocation, ...] = ()
    received_on: date


class PaymentMade(FinanceEvent):
    key: ClassVar[str] = "supplier_id"
    payment_id: uuid.UUID
    supplier_id: uuid.UUID
    amount: NonNegativeMoney
    currency: Currency
    allocations: tuple[Allocation, ...] = ()
    paid_on: date


class PeriodClosed(FinanceEvent):
    key: ClassVar[str] = "period"
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    closed_at: datetime
