"""Goods received against a purchase order, and goods sent back to its
supplier. Each is one transaction that updates the order's lines and emits
the event inventory and finance act on."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.procurement import GoodsReceived, GoodsReturned, ReceiptLine, ReturnLine
from jxc.platform.errors import InvalidInput
from jxc.platform.outbox import emit
from jxc.procurement.adapters.tables import (
    goods_receipt,
    goods_receipt_line,
    supplier_return,
    supplier_return_line,
)
from jxc.procurement.domain.orders import (
    Action,
    Arrival,
    Return,
    check_action,
    receive,
    return_goods,
    status_after_receipt,
)
from jxc.procurement.service_layer.orders import Order, enforced, now, save_progress


@dataclass(frozen=True)
class Delivered:
    """A receipt line as the clerk enters it: the order line by number or by
    product, what was accepted and what was rejected at inspection."""

    quantity: Decimal
    line_no: int | None = None
    product_id: uuid.UUID | None = None
    rejected_quantity: Decimal = Decimal(0)
    rejection_reason: str | None = None
    lot: str | None = None
    expiry: date | None = None


def _line_numbers(order: Order, delivered: Sequence[Delivered]) -> list[int]:
    by_product = {line.product_id: line.line_no for line in order.lines}
    numbers, errors = [], []
    for n, item in enumerate(delivered):
        if item.line_no is not None:
            numbers.append(item.line_no)
        elif item.product_id is not None and item.product_id in by_product:
            numbers.append(by_product[item.product_id])
        else:
            numbers.append(-1)
            errors.append({"field": f"lines.{n}", "in": "body", "message":
                           "give the line_no or the product_id of a line of this order"})
    if errors:
        raise InvalidInput("the receipt lines are not valid", errors=errors)
    return numbers


async def receive_goods(session: AsyncSession, order: Order, delivered: Sequence[Delivered], *,
                        received_at: datetime | None, received_by: str,
                        default_tolerance_pct: Decimal) -> uuid.UUID:
    """Accept ``delivered`` into the order (partial receipts welcome; accepting
    beyond the ordered quantity plus the tolerance is 409 ``over_receipt``)
    and emit GoodsReceived."""
    with enforced():
        check_action(order.status, Action.RECEIVE)
    numbers = _line_numbers(order, delivered)
    tolerance = order.row["over_receipt_tolerance_pct"]
    with enforced():
        receive(order.lines, [Arrival(no, item.quantity, item.rejected_quantity,
                                      item.rejection_reason)
                              for no, item in zip(numbers, delivered, strict=True)],
                default_tolerance_pct if tolerance is None else tolerance)
    by_no = {line.line_no: line for line in order.lines}
    receipt_id = uuid.uuid4()
    at = received_at or now()
    await session.execute(insert(goods_receipt).values(
        id=receipt_id, order_id=order.id, received_at=at, received_by=received_by))
    await session.execute(insert(goods_receipt_line), [
        {"receipt_id": receipt_id, "line_no": no, "product_id": by_no[no].product_id,
         "quantity": item.quantity, "rejected_quantity": item.rejected_quantity,
         "rejection_reason": item.rejection_reason, "lot": item.lot, "expiry": item.expiry}
        for no, item in zip(numbers, delivered, strict=True)])
    await save_progress(session, order, status=status_after_receipt(order.lines))
    row = order.row
    await _emit(session, GoodsReceived(
        receipt_id=receipt_id, order_id=order.id, number=row["number"],
        supplier_id=row["supplier_id"], warehouse_id=row["warehouse_id"],
        branch_id=row["branch_id"],
        currency=row["currency"], received_at=at, due_at=row["expected_at"], lines=tuple(
            ReceiptLine(product_id=by_no[no].product_id, quantity=item.quantity,
                        unit_cost=by_no[no].unit_price,
                        tax_rate=by_no[no].tax_rate, lot=item.lot,
                        expiry=item.expiry, rejected_quantity=item.rejected_quantity,
                        rejection_reason=item.rejection_reason)
            for no, item in zip(numbers, delivered, strict=True))))
    return receipt_id


async def _emit(session: AsyncSession, event: GoodsReceived | GoodsReturned) -> None:
    await emit(session, event, branch=None if event.branch_id is None else str(event.branch_id))


async def return_to_supplier(session: AsyncSession, order: Order, items: Sequence[Return], *,
                             returned_by: str, returned_at: datetime | None) -> uuid.UUID:
    """Send accepted goods back (at most what was accepted less earlier
    returns, else 409 ``over_return``) and emit GoodsReturned."""
    with enforced():
        check_action(order.status, Action.RETURN)
        matched = return_goods(order.lines, items)
    return_id = uuid.uuid4()
    at = returned_at or now()
    await session.execute(insert(supplier_return).values(
        id=return_id, order_id=order.id, returned_at=at, returned_by=returned_by))
    await session.execute(insert(supplier_return_line), [
        {"return_id": return_id, "line_no": line.line_no, "product_id": line.product_id,
         "quantity": item.quantity, "reason": item.reason} for line, item in matched])
    await save_progress(session, order)
    row = order.row
    await _emit(session, GoodsReturned(
        return_id=return_id, order_id=order.id, supplier_id=row["supplier_id"],
        warehouse_id=row["warehouse_id"], branch_id=row["branch_id"], currency=row["currency"],
        returned_at=at, lines=tuple(
            ReturnLine(product_id=line.product_id, quantity=item.quantity,
                       unit_cost=line.unit_price, tax_rate=line.tax_rate, reason=item.reason)
            for line, item in matched)))
    return return_id
