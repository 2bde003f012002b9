"""Reservations for orders: reserve every line or none, release, and issue
what was reserved. Never oversells: the balance rows are locked in key order
and ``available = on_hand − reserved`` is checked under the lock.

Each use case is idempotent by the order (and shipment): repeating it returns
the first outcome and changes nothing."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.inventory.adapters.stock_tables import moves, reservations
from jxc.inventory.domain.moves import InsufficientStock, MoveType, Shortage
from jxc.inventory.service_layer import alerts
from jxc.inventory.service_layer.ledger import (
    MoveHeader,
    PostedLine,
    Posting,
    lock_balances,
    post,
    product_facts,
    warehouse_facts,
    write_balances,
)
from jxc.inventory.service_layer.moves import get_move

Key = tuple[uuid.UUID, uuid.UUID]


@dataclass(frozen=True)
class Line:
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Decimal


def _by_key(lines: list[Line]) -> dict[Key, Decimal]:
    wanted: dict[Key, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.quantity <= 0:
            raise ValueError("reservation quantities are positive")
        wanted[(line.product_id, line.warehouse_id)] += line.quantity
    return dict(sorted(wanted.items()))


async def held_by(session: AsyncSession, order_id: uuid.UUID) -> list[Line]:
    rows = (await session.execute(
        select(reservations).where(reservations.c.order_id == order_id)
        .order_by(reservations.c.product_id, reservations.c.warehouse_id))).all()
    return [Line(r.product_id, r.warehouse_id, r.quantity) for r in rows]


async def reserve(session: AsyncSession, order_id: uuid.UUID, lines: list[Line]) -> list[Line]:
    """Reserve all ``lines`` for the order, or raise :class:`InsufficientStock`
    with every shortage and reserve nothing. A repeat returns what is held."""
    wanted = _by_key(lines)
    products = await product_facts(session, (p for p, _ in wanted))
    warehouses = await warehouse_facts(session, (w for _, w in wanted))
    positions = await lock_balances(session, wanted, products, warehouses)
    # Read under the balance locks: a concurrent duplicate has committed by now.
    existing = await held_by(session, order_id)
    if existing:
        return existing
    shortages = []
    for key, quantity in wanted.items():
        position = positions[key]
        available = position.on_hand - position.reserved
        if quantity > available and not position.allow_negative:
            shortages.append(Shortage(key[0], key[1], quantity, max(available, Decimal(0))))
        position.reserved += quantity
        position.touched = True
    if shortages:
        raise InsufficientStock(shortages)
    await session.execute(insert(reservations), [
        {"order_id": order_id, "product_id": p, "warehouse_id": w, "quantity": q}
        for (p, w), q in wanted.items()])
    await write_balances(session, positions, 0)
    await alerts.evaluate(session, list(wanted))
    return [Line(p, w, q) for (p, w), q in wanted.items()]


async def release(session: AsyncSession, order_id: uuid.UUID) -> list[Line]:
    """Give back what the order still holds; repeating releases nothing more."""
    held = (await session.execute(
        select(reservations).where(reservations.c.order_id == order_id,
                                   reservations.c.quantity > 0)
        .order_by(reservations.c.product_id, reservations.c.warehouse_id)
        .with_for_update())).all()
    if not held:
        return []
    keys = {(r.product_id, r.warehouse_id): r.quantity for r in held}
    products = await product_facts(session, (p for p, _ in keys))
    warehouses = await warehouse_facts(session, (w for _, w in keys))
    positions = await lock_balances(session, keys, products, warehouses)
    for key, quantity in keys.items():
        positions[key].reserved -= quantity
        positions[key].touched = True
    await session.execute(update(reservations).where(
        reservations.c.order_id == order_id, reservations.c.quantity > 0
    ).values(quantity=0, status="released"))
    await write_balances(session, positions, 0)
    await alerts.evaluate(session, list(keys))
    return [Line(p, w, q) for (p, w), q in keys.items()]


async def issue_reserved(session: AsyncSession, order_id: uuid.UUID, shipment_id: uuid.UUID,
                         lines: list[Line]) -> list[PostedLine]:
    """Ship ``lines`` of the order: what it reserved is used first, the rest
    must be available. A repeat for the same shipment returns the first issue."""
    done = (await session.execute(select(moves.c.id).where(moves.c.shipment_id == shipment_id))
            ).scalar_one_or_none()
    if done is not None:
        return (await get_move(session, done)).lines
    wanted = _by_key(lines)
    held = {(r.product_id, r.warehouse_id): r.quantity for r in (await session.execute(
        select(reservations).where(reservations.c.order_id == order_id)
        .with_for_update())).all()}
    from_reservation = {key: min(quantity, held.get(key, Decimal(0)))
                        for key, quantity in wanted.items()}
    warehouse_id = next(iter(wanted))[1]
    header = MoveHeader(type=MoveType.ISSUE, reason="sale", warehouse_id=warehouse_id,
                        reference=str(shipment_id), order_id=order_id, shipment_id=shipment_id)
    postings = [Posting("issue", product_id=p, warehouse_id=w, quantity=q, line_no=number)
                for number, ((p, w), q) in enumerate(wanted.items())]
    move = await post(session, header, postings, reserved_changes={
        key: -quantity for key, quantity in from_reservation.items() if quantity > 0})
    for (product_id, warehouse_id_), quantity in from_reservation.items():
        if quantity > 0:
            await session.execute(update(reservations).where(
                reservations.c.order_id == order_id, reservations.c.product_id == product_id,
                reservations.c.warehouse_id == warehouse_id_,
            ).values(quantity=reservations.c.quantity - quantity,
                     issued=reservations.c.issued + quantity))
    return move.lines

