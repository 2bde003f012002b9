"""Line-level three-way match: approved purchase orders and the lines of
procurement's receipts and returns (from its events), bill lines matched
against them, the exceptions for review and their approval.

The value match (what a bill clears from GRNI) stays in
:mod:`jxc.finance.service_layer.documents`; this is the control on top: a bill
with open exceptions is on hold for payment until someone approves it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, func, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.finance.adapters.tables import (
    bill,
    bill_line,
    grni_line,
    match_exception,
    purchase_order,
    purchase_order_line,
)
from jxc.finance.domain.matching import BillLine, Mismatch, Tolerances, lines_total, match
from jxc.finance.service_layer import documents
from jxc.platform.api import decode_cursor, encode_cursor
from jxc.platform.errors import Conflict, InvalidInput, NotFound

MATCHED, EXCEPTION, APPROVED = "matched", "exception", "approved"


class NothingToApprove(Conflict):
    code, title = "no_open_exceptions", "The bill has no open match exceptions"


# -- what procurement tells us -----------------------------------------------------
async def remember_order(session: AsyncSession, order_id: uuid.UUID, number: str,
                         supplier_id: uuid.UUID, currency: str,
                         lines: Sequence[tuple[uuid.UUID, Decimal, Decimal, Decimal]],
                         revision: int = 1) -> None:
    """An approved purchase order and its (product, quantity, unit price, tax
    rate) lines. A re-approved revision replaces the lines; a re-sent or
    older approval changes nothing."""
    statement = insert(purchase_order).values(
        order_id=order_id, number=number, supplier_id=supplier_id, currency=currency,
        revision=revision)
    stored = await session.execute(statement.on_conflict_do_update(
        index_elements=["order_id"],
        set_={"number": statement.excluded.number, "revision": statement.excluded.revision},
        where=purchase_order.c.revision < statement.excluded.revision,
    ).returning(purchase_order.c.order_id))
    if stored.first() is not None:
        await session.execute(delete(purchase_order_line).where(
            purchase_order_line.c.order_id == order_id))
        await session.execute(insert(purchase_order_line), [
            {"order_id": order_id, "line_no": n, "product_id": p, "quantity": q,
             "unit_price": price, "tax_rate": rate}
            for n, (p, q, price, rate) in enumerate(lines, start=1)])


async def order_ended(session: AsyncSession, order_id: uuid.UUID, status: str) -> None:
    """The order was cancelled or closed (``status``)."""
    await session.execute(update(purchase_order).where(purchase_order.c.order_id == order_id)
                          .values(status=status))


async def remember_goods_lines(session: AsyncSession, document_id: uuid.UUID,
                               order_id: uuid.UUID,
                               lines: Sequence[tuple[uuid.UUID, Decimal, Decimal]]) -> None:
    """The (product, quantity, unit cost) lines of a receipt, or of a return
    with negative quantities; called once per document, after
    :func:`documents.record_goods` recorded it."""
    await session.execute(insert(grni_line).on_conflict_do_nothing(), [
        {"document_id": document_id, "line_no": n, "order_id": order_id, "product_id": p,
         "quantity": q, "unit_cost": cost}
        for n, (p, q, cost) in enumerate(lines, start=1)])


# -- bills -------------------------------------------------------------------------
async def record_bill(session: AsyncSession, new: documents.NewBill,
                      lines: Sequence[BillLine], tolerances: Tolerances) -> uuid.UUID:
    """A supplier bill (posted as :func:`documents.record_bill` does) with
    its lines; a bill for an order is matched line by line: ``matched``, or
    ``exception`` with the exceptions stored for review. Without lines or an
    order the bill stays ``not_matched``."""
    total = lines_total(lines)
    if lines and total != new.net:
        raise InvalidInput(f"the lines add up to {total:.2f}, the bill's net is {new.net}",
                           errors=[{"field": "lines", "in": "body",
                                    "message": f"the lines' nets sum to {total:.2f}, "
                                               f"not to net {new.net}"}])
    if lines and new.order_id is not None:
        # The order's lock, before the bill number's as documents.record_bill
        # takes them when it works out received_value (with received_value
        # given it takes only the number's): bills of one order are matched
        # one after the other, each seeing those before.
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                              {"key": f"grni:{new.order_id}"})
    bill_id = await documents.record_bill(session, new)
    if not lines:
        return bill_id
    await session.execute(bill_line.insert(), [
        {"bill_id": bill_id, "line_no": x.line_no, "product_id": x.product_id,
         "quantity": x.quantity, "unit_price": x.unit_price, "net": x.net} for x in lines])
    if new.order_id is None:
        return bill_id
    found = await _match(session, bill_id, new.order_id, lines, tolerances)
    if found:
        await session.execute(match_exception.insert(), [
            {"id": uuid.uuid4(), "bill_id": bill_id, "line_no": m.line_no,
             "product_id": m.product_id, "kind": m.kind, "expected": m.expected,
             "actual": m.actual, "tolerance": m.tolerance} for m in found])
    await session.execute(update(bill).where(bill.c.id == bill_id)
                          .values(match_status=EXCEPTION if found else MATCHED))
    return bill_id


async def _match(session: AsyncSession, bill_id: uuid.UUID, order_id: uuid.UUID,
                 lines: Sequence[BillLine], tolerances: Tolerances) -> list[Mismatch]:
    prices = await _per_product(session, select(
        purchase_order_line.c.product_id, func.max(purchase_order_line.c.unit_price))
        .where(purchase_order_line.c.order_id == order_id)
        .group_by(purchase_order_line.c.product_id))
    received = await _per_product(session, select(
        grni_line.c.product_id, func.sum(grni_line.c.quantity))
        .where(grni_line.c.order_id == order_id).group_by(grni_line.c.product_id))
    billed_before = await _per_product(session, select(
        bill_line.c.product_id, func.sum(bill_line.c.quantity))
        .join(bill, bill.c.id == bill_line.c.bill_id)
        .where(bill.c.order_id == order_id, bill.c.id != bill_id)
        .group_by(bill_line.c.product_id))
    return match(lines, prices, received, billed_before, tolerances)


async def _per_product(session: AsyncSession, query: Select[Any]
                       ) -> dict[uuid.UUID, Decimal]:
    return {product: amount for product, amount in (await session.execute(query)).all()}


async def lines_of(session: AsyncSession, bill_ids: Sequence[uuid.UUID]
                   ) -> dict[uuid.UUID, list[Any]]:
    """The stored lines of each bill, in line order."""
    found: dict[uuid.UUID, list[Any]] = {i: [] for i in bill_ids}
    for row in (await session.execute(select(bill_line).where(bill_line.c.bill_id.in_(bill_ids))
                                      .order_by(bill_line.c.bill_id, bill_line.c.line_no))):
        found[row.bill_id].append(row)
    return found


# -- review ------------------------------------------------------------------------
async def exceptions(session: AsyncSession, status: str, supplier_id: uuid.UUID | None,
                     limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
    """One page of exceptions with their bill's number and supplier, oldest
    first (keyset on created_at, id)."""
    query = (select(match_exception, bill.c.number.label("bill_number"), bill.c.supplier_id)
             .join(bill, bill.c.id == match_exception.c.bill_id)
             .where(match_exception.c.status == status))
    if supplier_id is not None:
        query = query.where(bill.c.supplier_id == supplier_id)
    after = decode_cursor(cursor)
    if after is not None:
        try:
            key = (datetime.fromisoformat(after["at"]), uuid.UUID(after["id"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput("cursor is not valid", errors=[
                {"field": "cursor", "in": "query", "message": "not a cursor from this API"}]
            ) from exc
        query = query.where(tuple_(match_exception.c.created_at, match_exception.c.id) > key)
    rows = list((await session.execute(query.order_by(
        match_exception.c.created_at, match_exception.c.id).limit(limit + 1))).all())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor({"at": last.created_at.isoformat(), "id": str(last.id)})


async def approve(session: AsyncSession, bill_id: uuid.UUID, subject: str,
                  note: str | None) -> None:
    """Accept a bill's open (or earlier disputed) exceptions: the bill is
    ``approved`` and can be paid."""
    await _resolve(session, bill_id, subject, note, ("open", "rejected"), "accepted", APPROVED)


async def reject(session: AsyncSession, bill_id: uuid.UUID, subject: str, note: str) -> None:
    """Dispute a bill's open exceptions with the supplier: they are
    ``rejected`` and the bill stays on hold (its status stays ``exception``)
    until the dispute is settled (then approved, or the bill cleared by the
    supplier's credit)."""
    await _resolve(session, bill_id, subject, note, ("open",), "rejected", EXCEPTION)


async def _resolve(session: AsyncSession, bill_id: uuid.UUID, subject: str,
                   note: str | None, pending: tuple[str, ...], outcome: str,
                   match_status: str) -> None:
    row = (await session.execute(select(bill.c.number, bill.c.match_status)
                                 .where(bill.c.id == bill_id).with_for_update())).first()
    if row is None:
        raise NotFound(f"no bill {bill_id}")
    open_count = (await session.execute(select(func.count()).select_from(match_exception).where(
        match_exception.c.bill_id == bill_id, match_exception.c.status.in_(pending)))
    ).scalar_one()
    if row.match_status != EXCEPTION or not open_count:
        raise NothingToApprove(f"bill {row.number} has no open exceptions",
                               match_status=row.match_status)
    await session.execute(
        update(match_exception)
        .where(match_exception.c.bill_id == bill_id, match_exception.c.status.in_(pending))
        .values(status=outcome, resolved_by=subject, resolved_at=func.now(),
                resolution_note=note))
    await session.execute(update(bill).where(bill.c.id == bill_id)
                          .values(match_status=match_status))
