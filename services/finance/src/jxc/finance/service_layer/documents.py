"""Receivables and payables: invoices, supplier bills, receipts and payments
with allocation, each posted to the ledger in the same transaction; later
applications of advances, prepayments, credit notes and debit notes.

Sign convention: ``allocated`` runs from 0 toward a document's ``total`` and
its open amount is ``total - allocated``. An invoice or bill is positive; a
credit note (debit note) is negative, its ``allocated`` goes down as it is
applied, and its open amount stays between its total and 0 (negative: credit
left to apply)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Row, Table, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.finance import Allocation, BillRecorded, InvoiceIssued, PaymentMade
from jxc.contracts.finance import PaymentReceived as ReceiptEvent
from jxc.finance.adapters.tables import (
    CustomerCredit,
    allocation,
    application,
    bill,
    grni_document,
    invoice,
    invoice_line,
    open_order,
    settlement,
    supplier_terms,
)
from jxc.finance.domain import ageing, rules
from jxc.finance.domain.journal import is_cents, to_cents
from jxc.finance.service_layer import ledger
from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.platform.outbox import emit

DEFAULT_TERMS_DAYS = 30
"""Days to pay when the customer's or supplier's terms are unknown."""


class OverAllocation(Conflict):
    code, title = "over_allocation", "The allocation is more than is open"


class BillOnHold(Conflict):
    code, title = "bill_on_hold", "The bill has open match exceptions"


def _cents(field: str, amount: Decimal) -> Decimal:
    if not is_cents(amount):
        raise InvalidInput(f"{field} has more than two decimals", errors=[
            {"field": field, "in": "body", "message": "at most two decimals (分)"}])
    return amount


def _check_currency(currency: str) -> None:
    if currency != ledger.CURRENCY:
        raise ledger.CurrencyMismatch(f"the ledger keeps {ledger.CURRENCY}, not {currency}",
                                      errors=[{"field": "currency", "in": "body",
                                               "message": f"must be {ledger.CURRENCY}"}])


@dataclass(frozen=True)
class NewInvoice:
    customer_id: uuid.UUID
    source_key: str
    net: Decimal
    tax: Decimal
    issued_on: date
    due_on: date | None = None
    order_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None
    currency: str = "CNY"
    lines: tuple[tuple[uuid.UUID, Decimal, Decimal], ...] = ()
    """(product, quantity, net) per line, for revenue per product."""
    releases: tuple[tuple[uuid.UUID, Decimal], ...] = ()
    """(order, amount) taken off the open orders of the credit check, for an
    invoice covering several orders; by default its total off its order."""


async def _terms_days(session: AsyncSession, days: Column[Any], key: Column[Any],
                      party_id: uuid.UUID) -> int:
    found = (await session.execute(select(days).where(key == party_id))).scalar_one_or_none()
    return DEFAULT_TERMS_DAYS if found is None else int(found)


async def customer_terms(session: AsyncSession, customer_id: uuid.UUID) -> int:
    """The customer's payment terms from crm's replica, else the default."""
    table = CustomerCredit.__table__  # type: ignore[attr-defined]
    return await _terms_days(session, table.c.payment_terms_days, table.c.customer_id,
                             customer_id)


async def supplier_terms_days(session: AsyncSession, supplier_id: uuid.UUID) -> int:
    """The supplier's payment terms from supplier's replica, else the default."""
    return await _terms_days(session, supplier_terms.c.payment_terms_days,
                             supplier_terms.c.supplier_id, supplier_id)


def split_lines(net: Decimal, lines: Sequence[tuple[uuid.UUID, Decimal, Decimal]]
                ) -> list[tuple[uuid.UUID, Decimal, Decimal]]:
    """Each line's net in cents, the rounding difference to the invoice's
    (rounded) net put on the largest line, so the lines sum to the invoice."""
    if not lines:
        return []
    parts = [(p, q, to_cents(n)) for p, q, n in lines]
    rest = net - sum((n for _, _, n in parts), Decimal(0))
    if rest:
        i = max(range(len(parts)), key=lambda k: abs(parts[k][2]))
        p, q, n = parts[i]
        parts[i] = (p, q, n + rest)
    return parts


async def issue_invoice(session: AsyncSession, new: NewInvoice,
                        causation_id: str | None = None) -> uuid.UUID | None:
    """An AR invoice (or, with negative amounts, a credit note) once per
    ``source_key``: posts Dr 1122 / Cr 6001 + output VAT and announces it."""
    _check_currency(new.currency)
    if (await session.execute(select(invoice.c.id).where(
            invoice.c.source_key == new.source_key))).first():
        return None
    net, tax, total = rules.split(new.net, new.tax)
    invoice_id = uuid.uuid4()
    issued_on = await ledger.open_day(session, new.issued_on)
    due_on = new.due_on or issued_on + timedelta(
        days=await customer_terms(session, new.customer_id))
    number = f"{'AR' if total >= 0 else 'CN'}-{issued_on:%Y%m}-{invoice_id.hex[:8].upper()}"
    posted = await ledger.post_once(session, rules.invoice(
        issued_on, "finance.Invoice", str(invoice_id), net, tax, memo=number),
        causation_id=causation_id)
    await session.execute(invoice.insert().values(
        id=invoice_id, number=number, customer_id=new.customer_id, order_id=new.order_id,
        shipment_id=new.shipment_id, source_key=new.source_key, currency=new.currency,
        net=net, tax=tax, total=total, allocated=0, due_on=due_on, issued_on=issued_on,
        entry_id=posted.id if posted else None))
    parts = split_lines(net, new.lines)
    if parts:
        await session.execute(invoice_line.insert(), [
            {"invoice_id": invoice_id, "line_no": n, "product_id": p, "quantity": q, "net": v}
            for n, (p, q, v) in enumerate(parts, start=1)])
    releases = new.releases or (
        ((new.order_id, total),) if new.order_id is not None and total > 0 else ())
    for order_id, amount in releases:
        await session.execute(update(open_order).where(open_order.c.order_id == order_id)
                              .values(open_amount=open_order.c.open_amount - amount))
    await emit(session, InvoiceIssued(
        invoice_id=invoice_id, number=number, customer_id=new.customer_id,
        order_id=new.order_id, shipment_id=new.shipment_id, currency=new.currency, net=net,
        tax=tax, total=total, due_on=due_on,
        issued_at=(await session.execute(select(invoice.c.created_at).where(
            invoice.c.id == invoice_id))).scalar_one()), causation_id=causation_id)
    return invoice_id


@dataclass(frozen=True)
class NewBill:
    supplier_id: uuid.UUID
    number: str
    net: Decimal
    tax: Decimal
    billed_on: date
    due_on: date | None = None
    received_value: Decimal | None = None
    order_id: uuid.UUID | None = None
    currency: str = "CNY"


async def record_bill(session: AsyncSession, new: NewBill) -> uuid.UUID:
    """A supplier bill: Dr GRNI (at the value received) + input VAT, the price
    variance to goods, Cr payables."""
    _check_currency(new.currency)
    net = _cents("net", new.net)
    tax = _cents("tax", new.tax)
    if net <= 0 or tax < 0:
        raise InvalidInput("a bill has a positive net and a non-negative tax")
    if new.received_value is not None:
        received = _cents("received_value", new.received_value)
    else:
        received = await _grni_to_clear(session, new.order_id, net)
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                          {"key": f"bill:{new.supplier_id}:{new.number}"})
    if (await session.execute(select(bill.c.id).where(
            bill.c.supplier_id == new.supplier_id, bill.c.number == new.number))).first():
        raise Conflict(f"bill {new.number} of this supplier is already recorded",
                       code="duplicate_bill")
    bill_id = uuid.uuid4()
    due_on = new.due_on or new.billed_on + timedelta(
        days=await supplier_terms_days(session, new.supplier_id))
    entry = rules.bill(new.billed_on, str(bill_id), net, tax, received, memo=new.number)
    assert entry is not None  # net > 0
    posted = await ledger.post(session, entry)
    await session.execute(bill.insert().values(
        id=bill_id, number=new.number, supplier_id=new.supplier_id, order_id=new.order_id,
        currency=new.currency, net=net, tax=tax, total=net + tax, received_value=received,
        allocated=0, due_on=due_on, billed_on=new.billed_on, entry_id=posted.id))
    await emit(session, BillRecorded(
        bill_id=bill_id, number=new.number, supplier_id=new.supplier_id,
        order_id=new.order_id, currency=new.currency, net=net, tax=tax, total=net + tax,
        due_on=due_on))
    return bill_id


async def record_goods(session: AsyncSession, document_id: uuid.UUID, order_id: uuid.UUID,
                       supplier_id: uuid.UUID, value: Decimal, occurred_at: datetime) -> bool:
    """Procurement received (positive value) or returned (negative) goods of
    an order, at cost; once per receipt or return (False: seen before)."""
    inserted = await session.execute(insert(grni_document).values(
        document_id=document_id, order_id=order_id, supplier_id=supplier_id,
        value=to_cents(value), occurred_at=occurred_at
    ).on_conflict_do_nothing(index_elements=["document_id"]).returning(
        grni_document.c.document_id))
    return inserted.first() is not None


async def debit_note_for_return(session: AsyncSession, return_id: uuid.UUID,
                                order_id: uuid.UUID, supplier_id: uuid.UUID, value: Decimal,
                                tax: Decimal, day: date) -> uuid.UUID | None:
    """Goods went back after the supplier billed them: what bills cleared
    beyond what is now received is owed back — a debit note (a bill with
    negative amounts): Dr 2202 / Cr GRNI / Cr input VAT. Returns of goods not
    yet billed only reduce what the next bill clears."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                          {"key": f"grni:{order_id}"})
    received = (await session.execute(select(func.coalesce(func.sum(grni_document.c.value), 0))
                                      .where(grni_document.c.order_id == order_id))
                ).scalar_one()
    cleared = (await session.execute(select(func.coalesce(func.sum(bill.c.received_value), 0))
                                     .where(bill.c.order_id == order_id))).scalar_one()
    value = to_cents(value)
    excess = min(Decimal(cleared) - Decimal(received), value)
    if excess <= 0:
        return None
    tax = to_cents(tax * excess / value)
    note_id = uuid.uuid4()
    number = f"DN-{return_id.hex[:12].upper()}"
    day = await ledger.open_day(session, day)
    entry = rules.bill(day, str(note_id), -excess, -tax, -excess, memo=number)
    assert entry is not None
    posted = await ledger.post(session, entry)
    await session.execute(bill.insert().values(
        id=note_id, number=number, supplier_id=supplier_id, order_id=order_id,
        currency=ledger.CURRENCY, net=-excess, tax=-tax, total=-excess - tax,
        received_value=-excess, allocated=0, due_on=day, billed_on=day, entry_id=posted.id))
    await emit(session, BillRecorded(
        bill_id=note_id, number=number, supplier_id=supplier_id, order_id=order_id,
        currency=ledger.CURRENCY, net=-excess, tax=-tax, total=-excess - tax, due_on=day))
    return note_id


async def _grni_to_clear(session: AsyncSession, order_id: uuid.UUID | None,
                         net: Decimal) -> Decimal:
    """Three-way match: a bill for an order clears what was received of it
    and not yet billed, up to the bill's net; a bill above that carries the
    price difference to goods. Without an order or known receipts the bill
    clears its whole net (a bill ahead of the goods leaves GRNI in debit
    until they arrive)."""
    if order_id is None:
        return net
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                          {"key": f"grni:{order_id}"})
    received = (await session.execute(select(func.sum(grni_document.c.value)).where(
        grni_document.c.order_id == order_id))).scalar_one()
    if received is None:
        return net
    billed = (await session.execute(select(func.coalesce(func.sum(bill.c.received_value), 0))
                                    .where(bill.c.order_id == order_id))).scalar_one()
    outstanding = Decimal(received) - Decimal(billed)
    return min(net, outstanding) if outstanding > 0 else net


async def _lock(session: AsyncSession, documents: Table,
                ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Row[Any]]:
    """The documents FOR UPDATE in id order: concurrent allocations and
    applications touching the same documents queue up instead of deadlocking
    or allocating more than is open."""
    return {r.id: r for r in (await session.execute(
        select(documents).where(documents.c.id.in_(sorted(set(ids)))).order_by(documents.c.id)
        .with_for_update())).all()}


def _amounts(allocations: Sequence[tuple[uuid.UUID, Decimal]]) -> list[tuple[uuid.UUID, Decimal]]:
    """Allocations in cents, each positive, no document twice."""
    allocs = [(d, _cents("allocations.amount", a)) for d, a in allocations]
    if any(a <= 0 for _, a in allocs):
        raise InvalidInput("each allocation must be positive")
    if len({d for d, _ in allocs}) != len(allocs):
        raise InvalidInput("a document is allocated twice", code="duplicate_allocation")
    return allocs


async def _allocate(session: AsyncSession, documents: Table, party_column: str,
                    party_id: uuid.UUID, allocations: Sequence[tuple[uuid.UUID, Decimal]],
                    locked: dict[uuid.UUID, Row[Any]] | None = None) -> None:
    """Add each amount to its document's ``allocated``, never beyond what is
    open. The documents are locked here unless the caller locked them already
    (with the note it applies, in one ordered lock)."""
    rows = locked if locked is not None else await _lock(
        session, documents, (d for d, _ in allocations))
    for document_id, amount in allocations:
        row = rows.get(document_id)
        if row is None or getattr(row, party_column) != party_id:
            raise InvalidInput(f"document {document_id} is not open for this party",
                               code="unknown_document", errors=[
                                   {"field": "allocations", "in": "body",
                                    "message": f"unknown document {document_id}"}])
        if row._mapping.get("match_status") == "exception":
            raise BillOnHold(f"{row.number} is on hold until its match exceptions are "
                             "approved", document_id=str(document_id))
        open_amount = row.total - row.allocated
        if amount > open_amount:
            raise OverAllocation(f"{row.number}: {amount} allocated but only {open_amount} is "
                                 "open", document_id=str(document_id),
                                 open_amount=f"{open_amount:.2f}")
        await session.execute(update(documents).where(documents.c.id == document_id)
                              .values(allocated=documents.c.allocated + amount))


async def settle(session: AsyncSession, kind: str, party_id: uuid.UUID, amount: Decimal,
                 currency: str, on: date,
                 allocations: Sequence[tuple[uuid.UUID, Decimal]]) -> uuid.UUID:
    """A receipt (kind ``receipt``) or payment (``payment``) with its allocations."""
    _check_currency(currency)
    amount = _cents("amount", amount)
    if amount <= 0:
        raise InvalidInput("the amount must be positive")
    allocs = _amounts(allocations)
    allocated = sum((a for _, a in allocs), Decimal(0))
    if allocated > amount:
        raise OverAllocation(f"{allocated} allocated out of {amount}")
    settlement_id = uuid.uuid4()
    await session.execute(settlement.insert().values(
        id=settlement_id, kind=kind, party_id=party_id, amount=amount, currency=currency,
        settled_on=on, applied=allocated))
    documents, party_column, _ = SETTLEMENTS[kind]
    await _allocate(session, documents, party_column, party_id, allocs)
    if allocs:
        await session.execute(allocation.insert(), [
            {"settlement_id": settlement_id, "document_id": d, "amount": a} for d, a in allocs])
    if kind == "receipt":
        entry = rules.receipt(on, str(settlement_id), amount, unallocated=amount - allocated)
    else:
        entry = rules.payment(on, str(settlement_id), amount, unallocated=amount - allocated)
    assert entry is not None
    posted = await ledger.post(session, entry)
    await session.execute(update(settlement).where(settlement.c.id == settlement_id)
                          .values(entry_id=posted.id))
    parts = tuple(Allocation(document_id=d, amount=a) for d, a in allocs)
    if kind == "receipt":
        await emit(session, ReceiptEvent(receipt_id=settlement_id, customer_id=party_id,
                                         amount=amount, currency=currency, allocations=parts,
                                         received_on=on))
    else:
        await emit(session, PaymentMade(payment_id=settlement_id, supplier_id=party_id,
                                        amount=amount, currency=currency, allocations=parts,
                                        paid_on=on))
    return settlement_id


SETTLEMENTS = {"receipt": (invoice, "customer_id", "advance"),
               "payment": (bill, "supplier_id", "prepayment")}
"""kind -> the documents it settles, their party, and what its unapplied rest is."""
NOTES = {"invoice": (invoice, "customer_id", "credit_note"),
         "bill": (bill, "supplier_id", "debit_note")}
"""table -> the documents a negative one of it settles, their party, the kind."""


async def _record_applications(session: AsyncSession, kind: str, source_id: uuid.UUID,
                               allocs: Sequence[tuple[uuid.UUID, Decimal]], on: date,
                               entry_id: uuid.UUID | None) -> None:
    await session.execute(application.insert(), [
        {"id": uuid.uuid4(), "kind": kind, "source_id": source_id, "document_id": d,
         "amount": a, "applied_on": on, "entry_id": entry_id} for d, a in allocs])


def _nothing_to_apply(allocs: Sequence[tuple[uuid.UUID, Decimal]]) -> None:
    if not allocs:
        raise InvalidInput("nothing to apply", errors=[
            {"field": "allocations", "in": "body", "message": "at least one allocation"}])


async def apply_settlement(session: AsyncSession, kind: str, settlement_id: uuid.UUID,
                           on: date, allocations: Sequence[tuple[uuid.UUID, Decimal]]) -> None:
    """Settle documents of the same party from the unapplied rest of an
    earlier receipt (an advance: Dr 2203 / Cr 1122) or payment (a
    prepayment: Dr 2202 / Cr 1123)."""
    documents, party_column, applied_kind = SETTLEMENTS[kind]
    allocs = _amounts(allocations)
    _nothing_to_apply(allocs)
    total = sum((a for _, a in allocs), Decimal(0))
    source = (await session.execute(select(settlement).where(
        settlement.c.id == settlement_id, settlement.c.kind == kind).with_for_update())).first()
    if source is None:
        raise NotFound(f"no {kind} {settlement_id}")
    if on < source.settled_on:
        raise InvalidInput(f"the {kind} came in on {source.settled_on}; it cannot be applied "
                           "before", errors=[{"field": "applied_on", "in": "body",
                                              "message": f"not before {source.settled_on}"}])
    unapplied = source.amount - source.applied
    if total > unapplied:
        raise OverAllocation(f"{total} applied but only {unapplied} of the {kind} is unapplied",
                             unapplied=f"{unapplied:.2f}")
    await _allocate(session, documents, party_column, source.party_id, allocs)
    entry = rules.application(on, str(uuid.uuid4()), applied_kind, total,
                              memo=f"{applied_kind} of {kind} {settlement_id}")
    assert entry is not None  # total > 0
    posted = await ledger.post(session, entry)
    await session.execute(update(settlement).where(settlement.c.id == settlement_id)
                          .values(applied=settlement.c.applied + total))
    await _record_applications(session, applied_kind, settlement_id, allocs, on, posted.id)


async def apply_note(session: AsyncSession, documents: Table, note_id: uuid.UUID, on: date,
                     allocations: Sequence[tuple[uuid.UUID, Decimal]]) -> None:
    """A credit note settles open invoices of its customer, a debit note open
    bills of its supplier. Note and documents sit in the same account (1122,
    2202), so nothing is posted: the note's ``allocated`` goes down (toward
    its negative total) by what the documents' goes up."""
    _, party_column, kind = NOTES[documents.name]
    allocs = _amounts(allocations)
    _nothing_to_apply(allocs)
    if any(d == note_id for d, _ in allocs):
        raise InvalidInput("a note cannot settle itself", code="unknown_document")
    total = sum((a for _, a in allocs), Decimal(0))
    rows = await _lock(session, documents, [note_id, *(d for d, _ in allocs)])
    note = rows.get(note_id)
    if note is None:
        raise NotFound(f"no {documents.name} {note_id}")
    if note.total >= 0:
        raise InvalidInput(f"{note.number} is not a {kind.replace('_', ' ')}",
                           code=f"not_a_{kind}")
    left = note.allocated - note.total
    if total > left:
        raise OverAllocation(f"{total} applied but only {left} of {note.number} is left",
                             document_id=str(note_id), open_amount=f"{-left:.2f}")
    await _allocate(session, documents, party_column, getattr(note, party_column), allocs,
                    locked=rows)
    await session.execute(update(documents).where(documents.c.id == note_id)
                          .values(allocated=documents.c.allocated - total))
    await _record_applications(session, kind, note_id, allocs, on, None)


async def write_off(session: AsyncSession, invoice_id: uuid.UUID, amount: Decimal, on: date,
                    reason: str) -> uuid.UUID:
    """Write off what a customer will not pay of an invoice: the invoice is
    settled by that much (an ``application`` of kind ``write_off``) and the
    loss posted. Returns the write-off's id."""
    allocs = _amounts([(invoice_id, amount)])
    row = (await _lock(session, invoice, [invoice_id])).get(invoice_id)
    if row is None:
        raise NotFound(f"no invoice {invoice_id}")
    if row.total <= 0:
        raise InvalidInput(f"{row.number} is a credit note; only invoices are written off",
                           code="not_an_invoice")
    await _allocate(session, invoice, "customer_id", row.customer_id, allocs, locked={
        invoice_id: row})
    write_off_id = uuid.uuid4()
    entry = rules.write_off(on, str(write_off_id), allocs[0][1],
                            memo=f"坏账 write-off of {row.number}: {reason}")
    assert entry is not None  # the amount is positive
    posted = await ledger.post(session, entry)
    await _record_applications(session, "write_off", write_off_id, allocs, on, posted.id)
    return write_off_id


async def aged(session: AsyncSession, documents: Table, as_of: date) -> dict[str, Decimal]:
    """Open documents by days overdue; open credit notes (debit notes) are
    negative and reduce their bucket, so the total is the balance of 1122
    (2202)."""
    rows = (await session.execute(select(documents.c.due_on,
                                         documents.c.total - documents.c.allocated)
                                  .where(documents.c.total != documents.c.allocated))).all()
    return ageing.age(((r[0], r[1]) for r in rows), as_of)


async def get(session: AsyncSession, documents: Table, document_id: uuid.UUID) -> object:
    row = (await session.execute(select(documents).where(documents.c.id == document_id))).first()
    if row is None:
        raise NotFound(f"no {documents.name} {document_id}")
    return row

