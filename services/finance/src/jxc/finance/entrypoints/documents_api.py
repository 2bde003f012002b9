"""Receivables and payables: invoices, supplier bills, receipts, payments and
their ageing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Table, select

from jxc.contracts.base import Money, Quantity
from jxc.finance.adapters.tables import (
    allocation,
    application,
    bill,
    invoice,
    settlement,
)
from jxc.finance.domain.journal import is_cents
from jxc.finance.domain.matching import BillLine, Tolerances
from jxc.finance.entrypoints.schemas import Cents
from jxc.finance.service_layer import documents, invoicing, matching
from jxc.finance.settings import FinanceSettings
from jxc.platform.api import (
    CursorQuery,
    LimitQuery,
    Page,
    RuntimeDep,
    SessionDep,
    keyset_page,
)
from jxc.platform.auth import require
from jxc.platform.errors import InvalidInput

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])
READ = [require("finance:read")]
Currency = Field(default="CNY", pattern=r"^[A-Z]{3}$")


def _today() -> date:
    return datetime.now(UTC).date()


class DocumentOut(BaseModel):
    id: uuid.UUID
    number: str
    currency: str
    net: Cents
    tax: Cents
    total: Cents
    allocated: Cents
    open_amount: Cents
    due_on: date
    entry_id: uuid.UUID | None


class InvoiceOut(DocumentOut):
    customer_id: uuid.UUID
    order_id: uuid.UUID | None
    shipment_id: uuid.UUID | None
    issued_on: date


class BillLineOut(BaseModel):
    line_no: int
    product_id: uuid.UUID
    quantity: Quantity
    unit_price: Money
    net: Cents


class BillOut(DocumentOut):
    supplier_id: uuid.UUID
    order_id: uuid.UUID | None
    received_value: Cents
    billed_on: date
    match_status: str
    """``not_matched`` (no lines or no order), ``matched``, ``exception`` (on
    hold for payment) or ``approved``."""
    lines: list[BillLineOut] = []


def _out(model: type[DocumentOut], row: Any) -> Any:
    return model(**row._asdict(), open_amount=row.total - row.allocated)


async def _page(session: SessionDep, table: Table, model: type[DocumentOut], party: str,
                party_id: uuid.UUID | None, open_only: bool, limit: int,
                cursor: str | None) -> Page[Any]:
    query = select(table)
    if party_id is not None:
        query = query.where(table.c[party] == party_id)
    if open_only:
        query = query.where(table.c.total != table.c.allocated)
    rows, next_cursor = await keyset_page(session, query.with_only_columns(table.c.id),
                                          table.c.id, limit, cursor)
    full = {r.id: r for r in (await session.execute(
        select(table).where(table.c.id.in_(rows)))).all()}
    return Page(items=[_out(model, full[i]) for i in rows], next_cursor=next_cursor)


# -- receivables -------------------------------------------------------------------
class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: uuid.UUID
    net: Cents
    tax: Cents = Decimal(0)
    currency: str = Currency
    issued_on: date | None = None
    due_on: date | None = None
    order_id: uuid.UUID | None = None


@router.post("/invoices", status_code=201, dependencies=[require("finance:invoice")],
             summary="Issue an AR invoice by hand (shipments are invoiced automatically)")
async def create_invoice(body: InvoiceIn, session: SessionDep, response: Response) -> InvoiceOut:
    for field, value in (("net", body.net), ("tax", body.tax)):
        if not is_cents(value):
            raise InvalidInput(f"{field} has more than two decimals", errors=[
                {"field": field, "in": "body", "message": "at most two decimals (分)"}])
    if body.net == 0 or body.net * body.tax < 0:
        raise InvalidInput("an invoice has a non-zero net and a tax of the same sign "
                           "(negative: a credit note)")
    invoice_id = await documents.issue_invoice(session, documents.NewInvoice(
        customer_id=body.customer_id, source_key=f"manual:{uuid.uuid4()}", net=body.net,
        tax=body.tax, issued_on=body.issued_on or _today(), due_on=body.due_on,
        order_id=body.order_id, currency=body.currency))
    assert invoice_id is not None
    await session.commit()
    response.headers["Location"] = f"/api/v1/finance/invoices/{invoice_id}"
    return await get_invoice(invoice_id, session)


@router.get("/invoices", dependencies=READ, summary="AR invoices and credit notes")
async def list_invoices(session: SessionDep, customer_id: uuid.UUID | None = None,
                        open: bool = False, limit: LimitQuery = 100,
                        cursor: CursorQuery = None) -> Page[InvoiceOut]:
    return await _page(session, invoice, InvoiceOut, "customer_id", customer_id, open, limit,
                       cursor)


@router.get("/invoices/{invoice_id}", dependencies=READ)
async def get_invoice(invoice_id: uuid.UUID, session: SessionDep) -> InvoiceOut:
    return _out(InvoiceOut, await documents.get(session, invoice, invoice_id))  # type: ignore[no-any-return]


# -- payables ----------------------------------------------------------------------
class BillLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    quantity: Decimal = Field(gt=0, max_digits=18, decimal_places=4)
    unit_price: Decimal = Field(ge=0, max_digits=18, decimal_places=4)


class BillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier_id: uuid.UUID
    number: str = Field(min_length=1, max_length=32)
    net: Cents
    tax: Cents = Decimal(0)
    currency: str = Currency
    received_value: Cents | None = None
    """What the goods came in at (cleared from GRNI); defaults to ``net``. The
    difference is a price variance posted to goods in stock."""
    billed_on: date | None = None
    due_on: date | None = None
    order_id: uuid.UUID | None = None
    lines: list[BillLineIn] = Field(default=[], max_length=500)
    """Matched against the order's prices and receipts when ``order_id`` is
    given; their nets must add up to ``net``."""


def _tolerances(runtime: RuntimeDep) -> Tolerances:
    settings = runtime.settings
    assert isinstance(settings, FinanceSettings)
    return settings.bill_tolerances()


@router.post("/bills", status_code=201, dependencies=[require("finance:invoice")],
             summary="Record a supplier's bill")
async def create_bill(body: BillIn, session: SessionDep, response: Response,
                      tolerances: Annotated[Tolerances, Depends(_tolerances)]) -> BillOut:
    bill_id = await matching.record_bill(session, documents.NewBill(
        supplier_id=body.supplier_id, number=body.number, net=body.net, tax=body.tax,
        billed_on=body.billed_on or _today(), due_on=body.due_on,
        received_value=body.received_value, order_id=body.order_id, currency=body.currency),
        [BillLine(n, x.product_id, x.quantity, x.unit_price)
         for n, x in enumerate(body.lines, start=1)], tolerances)
    await session.commit()
    response.headers["Location"] = f"/api/v1/finance/bills/{bill_id}"
    return await get_bill(bill_id, session)


@router.get("/bills", dependencies=READ, summary="Supplier bills")
async def list_bills(session: SessionDep, supplier_id: uuid.UUID | None = None,
                     open: bool = False, limit: LimitQuery = 100,
                     cursor: CursorQuery = None) -> Page[BillOut]:
    page = await _page(session, bill, BillOut, "supplier_id", supplier_id, open, limit, cursor)
    return Page(items=await _with_lines(session, page.items), next_cursor=page.next_cursor)


@router.get("/bills/{bill_id}", dependencies=READ)
async def get_bill(bill_id: uuid.UUID, session: SessionDep) -> BillOut:
    return (await _with_lines(session, [_out(BillOut, await documents.get(session, bill,
                                                                          bill_id))]))[0]


async def _with_lines(session: SessionDep, bills: list[BillOut]) -> list[BillOut]:
    lines = await matching.lines_of(session, [b.id for b in bills])
    return [b.model_copy(update={"lines": [BillLineOut(**x._asdict()) for x in lines[b.id]]})
            for b in bills]


# -- receipts and payments ---------------------------------------------------------
class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Cents


class InvoiceAllocation(AllocationIn):
    invoice_id: uuid.UUID


class BillAllocation(AllocationIn):
    bill_id: uuid.UUID


class ReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: uuid.UUID
    amount: Cents
    currency: str = Currency
    received_on: date | None = None
    allocations: list[InvoiceAllocation] = []


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplier_id: uuid.UUID
    amount: Cents
    currency: str = Currency
    paid_on: date | None = None
    allocations: list[BillAllocation] = []


class AllocationOut(BaseModel):
    document_id: uuid.UUID
    amount: Cents


class ApplicationOut(BaseModel):
    id: uuid.UUID
    kind: str
    """``advance``, ``prepayment``, ``credit_note`` or ``debit_note``."""
    source_id: uuid.UUID
    document_id: uuid.UUID
    amount: Cents
    applied_on: date
    entry_id: uuid.UUID | None


class SettlementOut(BaseModel):
    id: uuid.UUID
    kind: str
    party_id: uuid.UUID
    amount: Cents
    currency: str
    settled_on: date
    entry_id: uuid.UUID | None
    allocations: list[AllocationOut]
    """Allocated when the money came in or went out."""
    applied: Cents
    """Allocations plus later applications."""
    unapplied: Cents
    """The advance (2203) or prepayment (1123) still to apply."""
    applications: list[ApplicationOut]


async def _applications(session: SessionDep, source_id: uuid.UUID | None,
                        document_id: uuid.UUID | None = None) -> list[ApplicationOut]:
    query = select(application).order_by(application.c.created_at, application.c.document_id)
    if source_id is not None:
        query = query.where(application.c.source_id == source_id)
    if document_id is not None:
        query = query.where(application.c.document_id == document_id)
    return [ApplicationOut(**r._asdict()) for r in (await session.execute(query)).all()]


async def _settlement(session: SessionDep, settlement_id: uuid.UUID) -> SettlementOut:
    row: Any = await documents.get(session, settlement, settlement_id)
    allocs = (await session.execute(select(allocation).where(
        allocation.c.settlement_id == settlement_id))).all()
    return SettlementOut(**row._asdict(), unapplied=row.amount - row.applied,
                         applications=await _applications(session, settlement_id),
                         allocations=[AllocationOut(document_id=a.document_id, amount=a.amount)
                                      for a in allocs])


@router.post("/receipts", status_code=201, dependencies=[require("finance:pay")],
             summary="Money from a customer, allocated to invoices (the rest is an advance)")
async def create_receipt(body: ReceiptIn, session: SessionDep) -> SettlementOut:
    settlement_id = await documents.settle(
        session, "receipt", body.customer_id, body.amount, body.currency,
        body.received_on or _today(), [(a.invoice_id, a.amount) for a in body.allocations])
    await session.commit()
    return await _settlement(session, settlement_id)


@router.post("/payments", status_code=201, dependencies=[require("finance:pay")],
             summary="Money to a supplier, allocated to bills (the rest is a prepayment)")
async def create_payment(body: PaymentIn, session: SessionDep) -> SettlementOut:
    settlement_id = await documents.settle(
        session, "payment", body.supplier_id, body.amount, body.currency,
        body.paid_on or _today(), [(a.bill_id, a.amount) for a in body.allocations])
    await session.commit()
    return await _settlement(session, settlement_id)


@router.get("/receipts/{settlement_id}", dependencies=READ)
async def get_receipt(settlement_id: uuid.UUID, session: SessionDep) -> SettlementOut:
    return await _settlement(session, settlement_id)


@router.get("/payments/{settlement_id}", dependencies=READ)
async def get_payment(settlement_id: uuid.UUID, session: SessionDep) -> SettlementOut:
    return await _settlement(session, settlement_id)


# -- applying advances, prepayments, credit notes and debit notes -------------------
class InvoiceApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    allocations: list[InvoiceAllocation] = Field(min_length=1, max_length=500)
    applied_on: date | None = None


class BillApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    allocations: list[BillAllocation] = Field(min_length=1, max_length=500)
    applied_on: date | None = None


@router.post("/receipts/{settlement_id}/allocations", status_code=201,
             dependencies=[require("finance:pay")],
             summary="Apply a receipt's advance (预收) to invoices of its customer")
async def apply_advance(settlement_id: uuid.UUID, body: InvoiceApplicationIn,
                        session: SessionDep) -> SettlementOut:
    await documents.apply_settlement(session, "receipt", settlement_id,
                                     body.applied_on or _today(),
                                     [(a.invoice_id, a.amount) for a in body.allocations])
    await session.commit()
    return await _settlement(session, settlement_id)


@router.post("/payments/{settlement_id}/allocations", status_code=201,
             dependencies=[require("finance:pay")],
             summary="Apply a payment's prepayment (预付) to bills of its supplier")
async def apply_prepayment(settlement_id: uuid.UUID, body: BillApplicationIn,
                           session: SessionDep) -> SettlementOut:
    await documents.apply_settlement(session, "payment", settlement_id,
                                     body.applied_on or _today(),
                                     [(a.bill_id, a.amount) for a in body.allocations])
    await session.commit()
    return await _settlement(session, settlement_id)


@router.post("/invoices/{note_id}/apply", status_code=201,
             dependencies=[require("finance:pay")],
             summary="Apply a credit note to open invoices of its customer")
async def apply_credit_note(note_id: uuid.UUID, body: InvoiceApplicationIn,
                            session: SessionDep) -> InvoiceOut:
    await documents.apply_note(session, invoice, note_id, body.applied_on or _today(),
                               [(a.invoice_id, a.amount) for a in body.allocations])
    await session.commit()
    return await get_invoice(note_id, session)


@router.post("/bills/{note_id}/apply", status_code=201,
             dependencies=[require("finance:pay")],
             summary="Apply a debit note to open bills of its supplier")
async def apply_debit_note(note_id: uuid.UUID, body: BillApplicationIn,
                           session: SessionDep) -> BillOut:
    await documents.apply_note(session, bill, note_id, body.applied_on or _today(),
                               [(a.bill_id, a.amount) for a in body.allocations])
    await session.commit()
    return await get_bill(note_id, session)


class WriteOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Money = Field(gt=0)
    reason: str = Field(min_length=1, max_length=300)
    written_off_on: date | None = None


@router.post("/invoices/{invoice_id}/write-off", status_code=201,
             dependencies=[require("finance:post")],
             summary="Write off what a customer will not pay (Dr 6711 / Cr 1122)")
async def write_off_invoice(invoice_id: uuid.UUID, body: WriteOffIn,
                            session: SessionDep) -> InvoiceOut:
    await documents.write_off(session, invoice_id, body.amount,
                              body.written_off_on or _today(), body.reason)
    await session.commit()
    return await get_invoice(invoice_id, session)


@router.get("/applications", dependencies=READ,
            summary="What an advance, prepayment, credit note, debit note or write-off "
                    "settled, by source or by document")
async def list_applications(session: SessionDep, source_id: uuid.UUID | None = None,
                            document_id: uuid.UUID | None = None) -> Page[ApplicationOut]:
    if source_id is None and document_id is None:
        raise InvalidInput("give source_id or document_id", errors=[
            {"field": "source_id", "in": "query", "message": "source_id or document_id"}])
    return Page(items=await _applications(session, source_id, document_id))


# -- invoicing shipments on demand ---------------------------------------------------
class ShipmentOut(BaseModel):
    shipment_id: uuid.UUID
    order_id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    net: Money
    tax: Money
    shipped_on: date


class FromShipmentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: uuid.UUID
    shipment_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=500)
    """None: every uninvoiced shipment of the customer."""
    issued_on: date | None = None


@router.get("/shipments/uninvoiced", dependencies=READ,
            summary="Shipments waiting for an invoice (on-demand invoicing)")
async def uninvoiced_shipments(session: SessionDep,
                               customer_id: uuid.UUID | None = None) -> list[ShipmentOut]:
    return [ShipmentOut(**r._asdict()) for r in await invoicing.waiting(session, customer_id)]


@router.post("/invoices/from-shipments", status_code=201,
             dependencies=[require("finance:invoice")],
             summary="One invoice for uninvoiced shipments of a customer")
async def invoice_from_shipments(body: FromShipmentsIn, session: SessionDep,
                                 response: Response) -> InvoiceOut:
    invoice_id = await invoicing.invoice_shipments(session, invoicing.Selection(
        customer_id=body.customer_id,
        shipment_ids=tuple(body.shipment_ids) if body.shipment_ids is not None else None,
        issued_on=body.issued_on or _today()))
    await session.commit()
    response.headers["Location"] = f"/api/v1/finance/invoices/{invoice_id}"
    return await get_invoice(invoice_id, session)


# -- ageing ------------------------------------------------------------------------
class Ageing(BaseModel):
    as_of: date
    buckets: dict[str, Cents]
    total: Cents


async def _aged(session: SessionDep, table: Table, as_of: date | None) -> Ageing:
    as_of = as_of or _today()
    buckets = await documents.aged(session, table, as_of)
    return Ageing(as_of=as_of, buckets=buckets, total=sum(buckets.values(), Decimal(0)))


@router.get("/reports/ar-aging", dependencies=READ, summary="Open receivables by days overdue")
async def ar_aging(session: SessionDep, as_of: date | None = None) -> Ageing:
    return await _aged(session, invoice, as_of)


@router.get("/reports/ap-aging", dependencies=READ, summary="Open payables by days overdue")
async def ap_aging(session: SessionDep, as_of: date | None = None) -> Ageing:
    return await _aged(session, bill, as_of)
