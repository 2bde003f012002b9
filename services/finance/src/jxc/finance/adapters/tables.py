"""finance's tables, in finance's own SQLModel registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class FinanceModel(SQLModel, registry=registry()):
    pass


class CustomerCredit(FinanceModel, table=True):
    """Each customer's credit limit, kept from crm's CustomerUpserted; the
    credit check of the sales saga reads it."""

    __tablename__ = "customer_credit"

    customer_id: uuid.UUID = Field(primary_key=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    credit_limit: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 4)))
    currency: str = Field(max_length=3)
    payment_terms_days: int | None = None
    """Days from invoice to due date; None: the default terms."""
    active: bool
    version: int
    synced_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                 server_default=func.now(),
                                                 onupdate=func.now()))


metadata = FinanceModel.metadata


# -- the general ledger (SQLAlchemy Core: postings are a hot path) ----------------
def _money(name: str, **kw: Any) -> Column[Decimal]:
    return Column(name, Numeric(18, 2), nullable=False, server_default=text("0"), **kw)


def _created() -> Column[datetime]:
    return Column("created_at", DateTime(timezone=True), nullable=False,
                  server_default=func.now())


account = Table(
    "account", metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("type", String(16), nullable=False),
    Column("parent_code", String(16), ForeignKey("account.code"), nullable=True),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("version", Integer, nullable=False, server_default=text("1")),
    _created(),
)

fiscal_period = Table(
    "fiscal_period", metadata,
    Column("period", String(7), primary_key=True),
    Column("status", String(8), nullable=False, server_default=text("'open'")),
    Column("next_number", Integer, nullable=False, server_default=text("1")),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)
"""One row per month: its state and the counter that numbers its entries
without gaps (locked FOR UPDATE by each posting)."""

journal_entry = Table(
    "journal_entry", metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(24), nullable=False, unique=True),
    Column("period", String(7), ForeignKey("fiscal_period.period"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("posted_on", Date, nullable=False, index=True),
    Column("source_type", String(64), nullable=False),
    Column("source_id", String(100), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("memo", String(500), nullable=True),
    Column("reverses", Uuid, ForeignKey("journal_entry.id"), nullable=True),
    _created(),
    UniqueConstraint("source_type", "source_id", name="uq_journal_entry_source"),
    UniqueConstraint("period", "seq", name="uq_journal_entry_period_seq"),
)
"""Append-only (a trigger refuses UPDATE and DELETE): reverse, never edit."""

journal_line = Table(
    "journal_line", metadata,
    Column("entry_id", Uuid, ForeignKey("journal_entry.id"), primary_key=True),
    Column("line_no", SmallInteger, primary_key=True),
    Column("account_code", String(16), ForeignKey("account.code"), nullable=False, index=True),
    _money("debit"),
    _money("credit"),
    Column("memo", String(500), nullable=True),
    Column("product_id", Uuid, nullable=True, index=True),
    Column("order_id", Uuid, nullable=True),
    CheckConstraint("debit >= 0 AND credit >= 0", name="ck_journal_line_positive"),
)
"""Append-only, like its entry. Stock postings carry the product (and, for
a sale, the sales order) since migration 0005; older lines have none."""

# -- receivables and payables ----------------------------------------------------
invoice = Table(
    "invoice", metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("order_id", Uuid, nullable=True),
    Column("shipment_id", Uuid, nullable=True),
    Column("source_key", String(100), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    _money("net"), _money("tax"), _money("total"), _money("allocated"),
    Column("due_on", Date, nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("entry_id", Uuid, nullable=True),
    _created(),
)
"""AR invoices; a credit note has negative amounts."""

invoice_line = Table(
    "invoice_line", metadata,
    Column("invoice_id", Uuid, ForeignKey("invoice.id"), primary_key=True),
    Column("line_no", SmallInteger, primary_key=True),
    Column("product_id", Uuid, nullable=False, index=True),
    Column("quantity", Numeric(18, 4), nullable=False),
    _money("net"),
)
"""The products of an invoice from a shipment (or credit note from a
return), net in cents summing to the invoice's net: revenue per product."""

bill = Table(
    "bill", metadata,
    Column("id", Uuid, primary_key=True),
    Column("number", String(32), nullable=False),
    Column("supplier_id", Uuid, nullable=False, index=True),
    Column("order_id", Uuid, nullable=True),
    Column("currency", String(3), nullable=False),
    _money("net"), _money("tax"), _money("total"), _money("received_value"),
    _money("allocated"),
    Column("due_on", Date, nullable=False),
    Column("billed_on", Date, nullable=False),
    Column("entry_id", Uuid, nullable=True),
    _created(),
    Column("match_status", String(16), nullable=False, server_default=text("'not_matched'")),
    UniqueConstraint("supplier_id", "number", name="uq_bill_supplier_number"),
)
"""Supplier bills; a debit note has negative amounts. ``match_status``:
``not_matched`` (no lines to match), ``matched``, ``exception`` (open
exceptions: on hold for payment) or ``approved`` (exceptions reviewed)."""

settlement = Table(
    "settlement", metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("party_id", Uuid, nullable=False, index=True),
    _money("amount"),
    Column("currency", String(3), nullable=False),
    Column("settled_on", Date, nullable=False),
    Column("entry_id", Uuid, nullable=True),
    _created(),
    _money("applied"),
)
"""Receipts from customers (kind ``receipt``) and payments to suppliers
(``payment``); ``applied`` is how much of the amount is allocated to
documents so far — the rest is an advance (2203) or a prepayment (1123)."""

allocation = Table(
    "allocation", metadata,
    Column("settlement_id", Uuid, ForeignKey("settlement.id"), primary_key=True),
    Column("document_id", Uuid, primary_key=True),
    _money("amount"),
)

# -- the credit check -------------------------------------------------------------
open_order = Table(
    "open_order", metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("open_amount", Numeric(18, 4), nullable=False),
)
"""Confirmed sales orders not yet invoiced: part of a customer's exposure."""

credit_decision = Table(
    "credit_decision", metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("amount", Numeric(18, 4), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("approved", Boolean, nullable=False),
    Column("reason", String(32), nullable=True),
    Column("available_credit", Numeric(18, 4), nullable=True),
    _created(),
)
"""The first answer for each order, repeated to a retrying saga."""

grni_document = Table(
    "grni_document", metadata,
    Column("document_id", Uuid, primary_key=True),
    Column("order_id", Uuid, nullable=False, index=True),
    Column("supplier_id", Uuid, nullable=False),
    Column("value", Numeric(18, 2), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
)
"""Procurement's receipts (positive) and returns (negative) per purchase
order, at cost: what a supplier's bill for the order clears from GRNI."""

inventory_value = Table(
    "inventory_value", metadata,
    Column("product_id", Uuid, primary_key=True),
    Column("warehouse_id", Uuid, primary_key=True),
    Column("value", Numeric(18, 4), nullable=False, server_default=text("0")),
    Column("value_cents", Numeric(18, 2), nullable=False, server_default=text("0")),
    Column("moves", Integer, nullable=False, server_default=text("0")),
)
"""The value of stock per product and warehouse from inventory's stock events
(received +, issued −, adjusted ±, transfers included): ``value`` at the
events' four places, ``value_cents`` as the ledger rounded each event."""


# -- controls: lock date and year-end close ----------------------------------------
ledger_lock = Table(
    "ledger_lock", metadata,
    Column("id", Boolean, primary_key=True, server_default=text("true")),
    Column("lock_date", Date, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id", name="ck_ledger_lock_single_row"),
)
"""One row: nothing dated on or before ``lock_date`` is posted, whatever the
state of its month."""

fiscal_year = Table(
    "fiscal_year", metadata,
    Column("year", Integer, primary_key=True),
    Column("status", String(8), nullable=False, server_default=text("'closed'")),
    Column("profit", Numeric(18, 2), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Years closed into 4103 / 4104 and the closing entry."""

# -- three-way match per line ------------------------------------------------------
purchase_order = Table(
    "purchase_order", metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("number", String(32), nullable=False),
    Column("supplier_id", Uuid, nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False, server_default=text("'open'")),
    Column("revision", Integer, nullable=False, server_default=text("1")),
)
"""Approved purchase orders from procurement's events, at their latest
approved revision."""

purchase_order_line = Table(
    "purchase_order_line", metadata,
    Column("order_id", Uuid, ForeignKey("purchase_order.order_id"), primary_key=True),
    Column("line_no", SmallInteger, primary_key=True),
    Column("product_id", Uuid, nullable=False),
    Column("quantity", Numeric(18, 4), nullable=False),
    Column("unit_price", Numeric(18, 4), nullable=False),
    Column("tax_rate", Numeric(7, 4), nullable=False),
)

grni_line = Table(
    "grni_line", metadata,
    Column("document_id", Uuid, ForeignKey("grni_document.document_id"), primary_key=True),
    Column("line_no", SmallInteger, primary_key=True),
    Column("order_id", Uuid, nullable=False, index=True),
    Column("product_id", Uuid, nullable=False),
    Column("quantity", Numeric(18, 4), nullable=False),
    Column("unit_cost", Numeric(18, 4), nullable=False),
)
"""The lines of each receipt (positive quantity) and return (negative)."""

bill_line = Table(
    "bill_line", metadata,
    Column("bill_id", Uuid, ForeignKey("bill.id"), primary_key=True),
    Column("line_no", SmallInteger, primary_key=True),
    Column("product_id", Uuid, nullable=False, index=True),
    Column("quantity", Numeric(18, 4), nullable=False),
    Column("unit_price", Numeric(18, 4), nullable=False),
    _money("net"),
)

match_exception = Table(
    "match_exception", metadata,
    Column("id", Uuid, primary_key=True),
    Column("bill_id", Uuid, ForeignKey("bill.id"), nullable=False, index=True),
    Column("line_no", SmallInteger, nullable=True),
    Column("product_id", Uuid, nullable=True),
    Column("kind", String(32), nullable=False),
    Column("expected", Numeric(18, 4), nullable=True),
    Column("actual", Numeric(18, 4), nullable=True),
    Column("tolerance", Numeric(18, 4), nullable=True),
    Column("status", String(16), nullable=False, server_default=text("'open'")),
    Column("resolved_by", String(100), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("resolution_note", String(500), nullable=True),
    _created(),
    Index("ix_match_exception_open", "status", "created_at"),
)
"""A bill line outside the quantity or price tolerance, for review."""

# -- applying advances, prepayments, credit and debit notes ------------------------
application = Table(
    "application", metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("source_id", Uuid, nullable=False, index=True),
    Column("document_id", Uuid, nullable=False, index=True),
    _money("amount"),
    Column("applied_on", Date, nullable=False),
    Column("entry_id", Uuid, nullable=True),
    _created(),
)
"""Later settlement of a document from an earlier receipt's advance, a
payment's prepayment, a credit note or a debit note (``source_id``)."""

# -- payment terms and invoicing on demand -----------------------------------------
supplier_terms = Table(
    "supplier_terms", metadata,
    Column("supplier_id", Uuid, primary_key=True),
    Column("code", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
)
"""Suppliers' payment terms, kept from supplier's SupplierUpserted."""

uninvoiced_shipment = Table(
    "uninvoiced_shipment", metadata,
    Column("shipment_id", Uuid, primary_key=True),
    Column("order_id", Uuid, nullable=False),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("net", Numeric(18, 4), nullable=False),
    Column("tax", Numeric(18, 4), nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("shipped_on", Date, nullable=False),
    Column("invoice_id", Uuid, nullable=True),
)
"""Shipments waiting for an invoice when invoicing is on demand."""
