"""Inventory's consumer groups.

``inventory.commands`` carries out the sales saga's stock steps and answers
on inventory's replies topic; ``inventory.supply`` stocks in what procurement
received and sales took back, and keeps the incoming quantities of approved
purchase orders (projected stock). Each message is applied once (inbox) in
the transaction that writes its effects and its reply."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts import topics
from jxc.contracts.base import Message
from jxc.contracts.inventory import (
    IssuedLine,
    IssueReservedStock,
    ReleaseReservation,
    ReservationLine,
    ReservationReleased,
    ReservedStockIssued,
    ReservedStockIssueFailed,
    ReserveStock,
    Shortage,
    StockReservationFailed,
    StockReserved,
)
from jxc.contracts.procurement import (
    GoodsReceived,
    GoodsReturned,
    PurchaseOrderApproved,
    PurchaseOrderCancelled,
    PurchaseOrderClosed,
)
from jxc.contracts.sales import SalesReturnReceived
from jxc.inventory.adapters.stock_tables import incoming, ledger, moves
from jxc.inventory.domain.moves import InsufficientStock, MoveType
from jxc.inventory.service_layer import alerts, reservations
from jxc.inventory.service_layer.ledger import MoveHeader, Posting, post
from jxc.platform.bus import EventConsumer
from jxc.platform.envelope import Envelope
from jxc.platform.errors import NotFound
from jxc.platform.outbox import emit

commands = EventConsumer("inventory.commands", [topics.INVENTORY_COMMANDS])
supply = EventConsumer("inventory.supply", [topics.PROCUREMENT_EVENTS, topics.SALES_EVENTS])


def _shortages(exc: InsufficientStock) -> tuple[Shortage, ...]:
    return tuple(Shortage(product_id=s.product_id, warehouse_id=s.warehouse_id,
                          requested=s.requested, available=s.available)
                 for s in exc.shortages)


async def _reply(session: AsyncSession, envelope: Envelope, message: Message) -> None:
    await emit(session, message, correlation_id=envelope.correlation_id, causation_id=envelope.id)


@commands.on(ReserveStock)
async def reserve_stock(command: ReserveStock, envelope: Envelope,
                        session: AsyncSession) -> None:
    lines = [reservations.Line(line.product_id, line.warehouse_id, line.quantity)
             for line in command.lines]
    try:
        async with session.begin_nested():
            held = await reservations.reserve(session, command.order_id, lines)
    except InsufficientStock as exc:
        await _reply(session, envelope, StockReservationFailed(
            order_id=command.order_id, shortages=_shortages(exc)))
        return
    except NotFound:
        # An unknown product or warehouse has no stock: the order cannot be served.
        await _reply(session, envelope, StockReservationFailed(
            order_id=command.order_id, shortages=tuple(
                Shortage(product_id=line.product_id, warehouse_id=line.warehouse_id,
                         requested=line.quantity, available=Decimal(0))
                for line in command.lines)))
        return
    await _reply(session, envelope, StockReserved(order_id=command.order_id, lines=tuple(
        ReservationLine(product_id=line.product_id, warehouse_id=line.warehouse_id,
                        quantity=line.quantity) for line in held)))


@commands.on(ReleaseReservation)
async def release_reservation(command: ReleaseReservation, envelope: Envelope,
                              session: AsyncSession) -> None:
    await reservations.release(session, command.order_id)
    await _reply(session, envelope, ReservationReleased(order_id=command.order_id))


@commands.on(IssueReservedStock)
async def issue_reserved_stock(command: IssueReservedStock, envelope: Envelope,
                               session: AsyncSession) -> None:
    lines = [reservations.Line(line.product_id, line.warehouse_id, line.quantity)
             for line in command.lines]
    try:
        async with session.begin_nested():
            issued = await reservations.issue_reserved(session, command.order_id,
                                                       command.shipment_id, lines)
    except InsufficientStock as exc:
        await _reply(session, envelope, ReservedStockIssueFailed(
            order_id=command.order_id, shipment_id=command.shipment_id,
            shortages=_shortages(exc)))
        return
    await _reply(session, envelope, ReservedStockIssued(
        order_id=command.order_id, shipment_id=command.shipment_id, currency="CNY",
        lines=tuple(IssuedLine(product_id=line.product_id, warehouse_id=line.warehouse_id,
                               quantity=-line.quantity, unit_cost=line.unit_cost,
                               total_cost=-line.total_cost) for line in issued)))


@supply.on(PurchaseOrderApproved)
async def expect_supply(event: PurchaseOrderApproved, envelope: Envelope,
                        session: AsyncSession) -> None:
    """Each approval (a re-approved revision too) replaces what the order is
    expected to bring: its lines less what was already received against it."""
    quantities: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for line in event.lines:
        quantities[line.product_id] += line.quantity
    received = dict((await session.execute(
        select(ledger.c.product_id, func.sum(ledger.c.quantity))
        .join(moves, moves.c.id == ledger.c.move_id)
        .where(moves.c.order_id == event.order_id, moves.c.type == MoveType.RECEIPT.value,
               moves.c.reason == "purchase", ledger.c.warehouse_id == event.warehouse_id)
        .group_by(ledger.c.product_id))).all())
    removed = (await session.execute(delete(incoming).where(
        incoming.c.purchase_order_id == event.order_id
    ).returning(incoming.c.product_id, incoming.c.warehouse_id))).all()
    rows = [{"purchase_order_id": event.order_id, "product_id": product_id,
             "warehouse_id": event.warehouse_id,
             "quantity": quantity - received.get(product_id, Decimal(0))}
            for product_id, quantity in quantities.items()]
    rows = [row for row in rows if row["quantity"] > 0]
    if rows:
        await session.execute(insert(incoming), rows)
    await alerts.evaluate(session, sorted({*((r.product_id, r.warehouse_id) for r in removed),
                                           *((p, event.warehouse_id) for p in quantities)}))


@supply.on(PurchaseOrderCancelled, PurchaseOrderClosed)
async def forget_supply(event: PurchaseOrderCancelled | PurchaseOrderClosed,
                        envelope: Envelope, session: AsyncSession) -> None:
    removed = (await session.execute(delete(incoming).where(
        incoming.c.purchase_order_id == event.order_id
    ).returning(incoming.c.product_id, incoming.c.warehouse_id))).all()
    await alerts.evaluate(session, [(r.product_id, r.warehouse_id) for r in removed])


@supply.on(GoodsReceived)
async def stock_in_receipt(event: GoodsReceived, envelope: Envelope,
                           session: AsyncSession) -> None:
    header = MoveHeader(type=MoveType.RECEIPT, reason="purchase",
                        warehouse_id=event.warehouse_id, reference=event.number,
                        order_id=event.order_id)
    await post(session, header, [
        Posting("receive", product_id=line.product_id, warehouse_id=event.warehouse_id,
                quantity=line.quantity, unit_cost=line.unit_cost, lot=line.lot,
                expires_on=line.expiry, line_no=number)
        for number, line in enumerate(event.lines)])
    for line in event.lines:
        await session.execute(update(incoming).where(
            incoming.c.purchase_order_id == event.order_id,
            incoming.c.product_id == line.product_id,
            incoming.c.warehouse_id == event.warehouse_id,
        ).values(quantity=incoming.c.quantity - line.quantity))
    await session.execute(delete(incoming).where(incoming.c.purchase_order_id == event.order_id,
                                                 incoming.c.quantity <= 0))
    await alerts.evaluate(session, [(line.product_id, event.warehouse_id)
                                    for line in event.lines])


@supply.on(GoodsReturned)
async def stock_out_supplier_return(event: GoodsReturned, envelope: Envelope,
                                    session: AsyncSession) -> None:
    """Procurement already checked the goods are there; if the ledger
    disagrees the message is retried and then dead-lettered for a person."""
    header = MoveHeader(type=MoveType.ISSUE, reason="purchase_return",
                        warehouse_id=event.warehouse_id, reference=str(event.return_id),
                        order_id=event.order_id)
    await post(session, header, [
        Posting("issue", product_id=line.product_id, warehouse_id=event.warehouse_id,
                quantity=line.quantity, line_no=number)
        for number, line in enumerate(event.lines)])


@supply.on(SalesReturnReceived)
async def stock_in_customer_return(event: SalesReturnReceived, envelope: Envelope,
                                   session: AsyncSession) -> None:
    header = MoveHeader(type=MoveType.RECEIPT, reason="sales_return",
                        warehouse_id=event.warehouse_id, reference=str(event.return_id),
                        order_id=event.order_id)
    await post(session, header, [
        Posting("receive", product_id=line.product_id, warehouse_id=event.warehouse_id,
                quantity=line.quantity, unit_cost=line.unit_cost, line_no=number)
        for number, line in enumerate(event.lines)])
