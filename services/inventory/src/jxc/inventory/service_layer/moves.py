"""Stock move use cases: post a receipt, issue, adjustment or transfer,
receive a transfer, reverse (红冲) any posted move. One transaction each."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.inventory import StockTransferred, TransferLine
from jxc.inventory.adapters.stock_tables import TransferRow, WarehouseRow, alerts, ledger, moves
from jxc.inventory.domain.moves import (
    ISSUE_REASONS,
    RECEIPT_REASONS,
    MoveLine,
    MoveRuleBroken,
    MoveType,
    check_lines,
)
from jxc.inventory.service_layer.ledger import (
    CURRENCY,
    MoveHeader,
    PostedLine,
    PostedMove,
    Posting,
    layers_from_json,
    layers_to_json,
    next_number,
    post,
)
from jxc.platform.errors import Conflict, InvalidInput, NotFound
from jxc.platform.outbox import emit

DEFAULT_REASON = {MoveType.RECEIPT: "purchase", MoveType.ISSUE: "sale",
                  MoveType.ADJUSTMENT: "adjustment", MoveType.TRANSFER: "transfer"}


def _rule_broken(exc: MoveRuleBroken) -> InvalidInput:
    return InvalidInput(str(exc), errors=[{"field": exc.field, "in": "body",
                                           "message": str(exc)}])


async def post_move(session: AsyncSession, *, move_type: MoveType, warehouse_id: uuid.UUID,
                    lines: list[MoveLine], to_warehouse_id: uuid.UUID | None = None,
                    reason: str | None = None, reference: str | None = None,
                    created_by: str = "", order_id: uuid.UUID | None = None
                    ) -> PostedMove:
    """Post a move as a user asked for it (the caller commits)."""
    try:
        check_lines(move_type, lines)
    except MoveRuleBroken as exc:
        raise _rule_broken(exc) from exc
    reason = reason or DEFAULT_REASON.get(move_type, move_type.value)
    allowed = {MoveType.RECEIPT: RECEIPT_REASONS, MoveType.ISSUE: ISSUE_REASONS}.get(move_type)
    if allowed is not None and reason not in allowed:
        raise InvalidInput(f"reason must be one of {', '.join(sorted(allowed))}", errors=[{
            "field": "reason", "in": "body", "message": f"one of {', '.join(sorted(allowed))}"}])
    if move_type is MoveType.TRANSFER:
        return await dispatch_transfer(session, warehouse_id, to_warehouse_id, lines,
                                       reference=reference, created_by=created_by)
    if to_warehouse_id is not None:
        raise InvalidInput("to_warehouse_id belongs to transfers", errors=[{
            "field": "to_warehouse_id", "in": "body", "message": "only for type transfer"}])
    header = MoveHeader(type=move_type, reason=reason, warehouse_id=warehouse_id,
                        reference=reference, created_by=created_by, order_id=order_id)
    postings = [_posting(move_type, warehouse_id, line, number)
                for number, line in enumerate(lines)]
    return await post(session, header, postings)


def _posting(move_type: MoveType, warehouse_id: uuid.UUID, line: MoveLine,
             number: int) -> Posting:
    common: dict[str, Any] = {"product_id": line.product_id, "warehouse_id": warehouse_id,
                              "lot": line.lot, "expires_on": line.expires_on,
                              "line_no": number}
    if move_type is MoveType.RECEIPT:
        return Posting("receive", quantity=line.quantity, unit_cost=line.unit_cost, **common)
    if move_type is MoveType.ADJUSTMENT:
        return Posting("adjust", quantity=abs(line.quantity),
                       delta_sign=1 if line.quantity > 0 else -1, **common)
    return Posting("issue", quantity=line.quantity, **common)


async def dispatch_transfer(session: AsyncSession, from_warehouse_id: uuid.UUID,
                            to_warehouse_id: uuid.UUID | None, lines: list[MoveLine], *,
                            reference: str | None, created_by: str) -> PostedMove:
    """Step one of a transfer: goods leave at their cost and are in transit."""
    if to_warehouse_id is None:
        raise InvalidInput("a transfer needs to_warehouse_id", errors=[{
            "field": "to_warehouse_id", "in": "body", "message": "required for a transfer"}])
    if to_warehouse_id == from_warehouse_id:
        raise InvalidInput("a transfer goes to another warehouse", errors=[{
            "field": "to_warehouse_id", "in": "body", "message": "same as warehouse_id"}])
    transfer_id = uuid.uuid4()
    in_transit: dict[tuple[uuid.UUID, uuid.UUID], Decimal] = defaultdict(Decimal)
    for line in lines:
        in_transit[(line.product_id, to_warehouse_id)] += line.quantity
    header = MoveHeader(type=MoveType.TRANSFER, reason="transfer",
                        warehouse_id=from_warehouse_id, to_warehouse_id=to_warehouse_id,
                        reference=reference, transfer_id=transfer_id, created_by=created_by)
    postings = [Posting("issue", product_id=line.product_id, warehouse_id=from_warehouse_id,
                        quantity=line.quantity, lot=line.lot, line_no=number)
                for number, line in enumerate(lines)]
    move = await post(session, header, postings, in_transit_changes=dict(in_transit))
    destination = await session.get(WarehouseRow, to_warehouse_id)
    assert destination is not None  # the ledger checked it exists
    due_at = move.created_at + timedelta(days=destination.transfer_days)
    transfer_lines = [{"product_id": str(line.product_id), "quantity": str(-line.quantity),
                       "unit_cost": str(line.unit_cost), "lot": line.lot or "",
                       "total_cost": str(-line.total_cost),
                       "taken": layers_to_json(line.taken)} for line in move.lines]
    session.add(TransferRow(id=transfer_id, number=await next_number(session, "TR"),
                            from_warehouse_id=from_warehouse_id, to_warehouse_id=to_warehouse_id,
                            status="dispatched", lines=transfer_lines,
                            dispatch_move_id=move.id, due_at=due_at))
    await session.flush()
    await emit(session, _transfer_event(transfer_id, from_warehouse_id, to_warehouse_id,
                                        "dispatched", transfer_lines))
    return move


def _transfer_event(transfer_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID, status: str,
                    lines: list[dict[str, Any]]) -> StockTransferred:
    merged: dict[uuid.UUID, tuple[Decimal, Decimal]] = {}
    for line in lines:
        product_id = uuid.UUID(line["product_id"])
        qty, value = merged.get(product_id, (Decimal(0), Decimal(0)))
        merged[product_id] = (qty + Decimal(line["quantity"]),
                              value + Decimal(line["total_cost"]))
    return StockTransferred(
        transfer_id=transfer_id, from_warehouse_id=from_id, to_warehouse_id=to_id,
        status=status, currency=CURRENCY, occurred_at=datetime.now(UTC),
        lines=tuple(TransferLine(product_id=pid, quantity=qty,
                                 unit_cost=(value / qty).quantize(Decimal("0.0001")))
                    for pid, (qty, value) in merged.items()))


async def receive_transfer(session: AsyncSession, transfer_id: uuid.UUID,
                           created_by: str = "") -> PostedMove:
    """Step two: the goods arrive at the cost they left at."""
    transfer = (await session.execute(select(TransferRow).where(TransferRow.id == transfer_id)
                                      .with_for_update())).scalar_one_or_none()
    if transfer is None:
        raise NotFound(f"no transfer {transfer_id}")
    if transfer.status not in ("dispatched", "overdue"):
        raise Conflict(f"transfer {transfer.number} is {transfer.status}", code="invalid_state")
    in_transit: dict[tuple[uuid.UUID, uuid.UUID], Decimal] = defaultdict(Decimal)
    postings = []
    for number, line in enumerate(transfer.lines):
        product_id = uuid.UUID(line["product_id"])
        quantity = Decimal(line["quantity"])
        in_transit[(product_id, transfer.to_warehouse_id)] -= quantity
        postings.append(Posting("receive_taken", product_id=product_id,
                                warehouse_id=transfer.to_warehouse_id, quantity=quantity,
                                lot=line["lot"] or None, taken=layers_from_json(line["taken"]),
                                line_no=number))
    header = MoveHeader(type=MoveType.TRANSFER_IN, reason="transfer",
                        warehouse_id=transfer.to_warehouse_id, reference=transfer.number,
                        transfer_id=transfer.id, created_by=created_by)
    move = await post(session, header, postings, in_transit_changes=dict(in_transit))
    await session.execute(update(alerts).where(
        alerts.c.kind == "transfer", alerts.c.subject == str(transfer.id),
        alerts.c.cleared_at.is_(None)).values(cleared_at=func.now()))
    transfer.status = "received"
    transfer.receipt_move_id = move.id
    transfer.received_at = move.created_at
    session.add(transfer)
    await emit(session, _transfer_event(transfer.id, transfer.from_warehouse_id,
                                        transfer.to_warehouse_id, "received", transfer.lines))
    return move


async def reverse_move(session: AsyncSession, move_id: uuid.UUID,
                       created_by: str = "") -> PostedMove:
    """红冲: post the exact opposite of a move, at the cost it was posted at."""
    original = (await session.execute(select(moves).where(moves.c.id == move_id)
                                      .with_for_update())).one_or_none()
    if original is None:
        raise NotFound(f"no stock move {move_id}")
    if original.type == MoveType.REVERSAL:
        raise Conflict("a reversal cannot be reversed; post a new move", code="invalid_state")
    if original.type in (MoveType.TRANSFER, MoveType.TRANSFER_IN):
        raise Conflict("transfers are undone by a transfer back", code="invalid_state")
    already = (await session.execute(select(moves.c.number).where(moves.c.reverses_id == move_id))
               ).scalar_one_or_none()
    if already is not None:
        raise Conflict(f"already reversed by {already}", code="already_reversed")
    lines = (await session.execute(select(ledger).where(ledger.c.move_id == move_id)
                                   .order_by(ledger.c.seq))).all()
    postings = []
    for number, line in enumerate(lines):
        quantity = abs(line.quantity)
        common: dict[str, Any] = {"product_id": line.product_id,
                                  "warehouse_id": line.warehouse_id, "quantity": quantity,
                                  "lot": line.lot, "total_cost": abs(line.value),
                                  "line_no": number}
        if line.quantity > 0:
            postings.append(Posting("reverse_receipt", source=f"{move_id}:{line.line_no}",
                                    **common))
        else:
            postings.append(Posting("reverse_issue", taken=layers_from_json(line.taken),
                                    **common))
    header = MoveHeader(type=MoveType.REVERSAL, reason="reversal",
                        warehouse_id=original.warehouse_id, reference=original.number,
                        reverses_id=move_id, reverses_reason=original.reason,
                        created_by=created_by)
    return await post(session, header, postings)


async def mark_overdue_transfers(session: AsyncSession) -> int:
    """Transfers still in transit after their due time: alert once each."""
    overdue = (await session.execute(
        update(TransferRow.__table__)
        .where(TransferRow.__table__.c.status == "dispatched",
               TransferRow.__table__.c.due_at < datetime.now(UTC))
        .values(status="overdue").returning(TransferRow.__table__))).all()
    for transfer in overdue:
        await session.execute(insert(alerts).values(
            id=uuid.uuid4(), kind="transfer", warehouse_id=transfer.to_warehouse_id,
            subject=str(transfer.id), detail={"number": transfer.number,
                                              "due_at": transfer.due_at.isoformat()}
        ).on_conflict_do_nothing())
        await emit(session, _transfer_event(transfer.id, transfer.from_warehouse_id,
                                            transfer.to_warehouse_id, "overdue", transfer.lines))
    return len(overdue)


async def get_move(session: AsyncSession, move_id: uuid.UUID) -> PostedMove:
    header = (await session.execute(select(moves).where(moves.c.id == move_id))).one_or_none()
    if header is None:
        raise NotFound(f"no stock move {move_id}")
    move = PostedMove(id=header.id, number=header.number, type=header.type,
                      reason=header.reason, warehouse_id=header.warehouse_id,
                      to_warehouse_id=header.to_warehouse_id, reference=header.reference,
                      reverses_id=header.reverses_id, created_at=header.created_at)
    lines = (await session.execute(select(ledger).where(ledger.c.move_id == move_id)
                                   .order_by(ledger.c.seq))).all()
    move.lines = [PostedLine(seq=r.seq, line_no=r.line_no, product_id=r.product_id,
                             warehouse_id=r.warehouse_id, lot=r.lot, quantity=r.quantity,
                             unit_cost=r.unit_cost, total_cost=r.value,
                             on_hand_after=r.on_hand_after) for r in lines]
    return move
