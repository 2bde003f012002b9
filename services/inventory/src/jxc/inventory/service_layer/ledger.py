"""The stock ledger engine: values postings with the costing domain and writes
the move, its append-only ledger lines, the balances, lot balances and the
stock events in the caller's transaction.

Balances of every (product, warehouse) a move touches are locked in one
``SELECT … FOR UPDATE`` in key order, so concurrent moves serialise per SKU
and never deadlock. Everything is SQLAlchemy Core: this is the hot path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from jxc.contracts.base import Message
from jxc.contracts.inventory import StockAdjusted, StockIssued, StockReceived
from jxc.inventory.adapters.keys import among, key_rows
from jxc.inventory.adapters.stock_tables import (
    WarehouseRow,
    balances,
    ledger,
    lots,
    moves,
)
from jxc.inventory.adapters.tables import ProductRow
from jxc.inventory.domain import costing
from jxc.inventory.domain.costing import CostLayer, StockValue
from jxc.inventory.domain.moves import InsufficientStock, MoveType, Shortage, fefo
from jxc.inventory.domain.products import CostingMethod
from jxc.inventory.service_layer import alerts
from jxc.platform.errors import InvalidInput, NotFound
from jxc.platform.outbox import emit_many

Mode = Literal["receive", "issue", "adjust", "reverse_issue", "reverse_receipt", "receive_taken"]
products_table = ProductRow.__table__
warehouses_table = WarehouseRow.__table__
CURRENCY = "CNY"


@dataclass(frozen=True)
class Posting:
    """One ledger line to write and how to value it."""

    mode: Mode
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Decimal
    """Always positive; ``mode`` (and for ``adjust`` the sign of ``delta``) says the direction."""
    unit_cost: Decimal | None = None
    lot: str | None = None
    expires_on: date | None = None
    delta_sign: int = 1
    taken: tuple[CostLayer, ...] = ()
    total_cost: Decimal | None = None
    source: str | None = None
    line_no: int = 0

    @property
    def inbound(self) -> bool:
        return self.mode in ("receive", "reverse_issue", "receive_taken") or (
            self.mode == "adjust" and self.delta_sign > 0)


@dataclass
class PostedLine:
    seq: int
    line_no: int
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    lot: str | None
    quantity: Decimal
    """Signed: + in, − out."""
    unit_cost: Decimal
    total_cost: Decimal
    """Signed like ``quantity``."""
    on_hand_after: Decimal
    taken: tuple[CostLayer, ...] = ()


@dataclass
class PostedMove:
    id: uuid.UUID
    number: str
    type: str
    reason: str
    warehouse_id: uuid.UUID
    to_warehouse_id: uuid.UUID | None
    reference: str | None
    reverses_id: uuid.UUID | None
    created_at: datetime
    lines: list[PostedLine] = field(default_factory=list)


@dataclass(frozen=True)
class MoveHeader:
    type: MoveType
    reason: str
    warehouse_id: uuid.UUID
    to_warehouse_id: uuid.UUID | None = None
    reference: str | None = None
    reverses_id: uuid.UUID | None = None
    reverses_reason: str | None = None
    transfer_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None
    created_by: str = ""
    announce: bool = True


def layers_to_json(layers: Iterable[CostLayer]) -> list[dict[str, str]]:
    return [{"source": layer.source, "quantity": str(layer.quantity),
             "unit_cost": str(layer.unit_cost), "value": str(layer.value)} for layer in layers]


def layers_from_json(raw: Iterable[dict[str, str]] | None) -> tuple[CostLayer, ...]:
    return tuple(CostLayer(source=item["source"], quantity=Decimal(item["quantity"]),
                           unit_cost=Decimal(item["unit_cost"]), value=Decimal(item["value"]))
                 for item in raw or ())


async def numbered_now(session: AsyncSession, prefix: str) -> tuple[str, datetime]:
    """The next document number for ``prefix`` and the transaction's time, in one trip."""
    sequence = f"doc_seq_{prefix.lower()}"
    value, now = (await session.execute(text(f"SELECT nextval('{sequence}'), now()"))).one()
    return f"{prefix}-{now.year}-{value:06d}", now


async def next_number(session: AsyncSession, prefix: str) -> str:
    return (await numbered_now(session, prefix))[0]


@dataclass
class _Position:
    """A locked balance row while a move is being valued."""

    stock: StockValue
    on_hand: Decimal
    reserved: Decimal
    in_transit: Decimal
    allow_negative: bool
    touched: bool = False


async def product_facts(session: AsyncSession, product_ids: Iterable[uuid.UUID]
                        ) -> dict[uuid.UUID, Any]:
    ids = sorted(set(product_ids))
    rows = (await session.execute(select(
        products_table.c.id, products_table.c.costing_method, products_table.c.active,
        products_table.c.lot_tracked, products_table.c.shelf_life_days,
    ).where(products_table.c.id.in_(ids)))).all()
    found = {row.id: row for row in rows}
    missing = [str(pid) for pid in ids if pid not in found]
    if missing:
        raise NotFound(f"no product {', '.join(missing)}", code="unknown_product")
    return found


async def warehouse_facts(session: AsyncSession, warehouse_ids: Iterable[uuid.UUID]
                          ) -> dict[uuid.UUID, Any]:
    ids = sorted(set(warehouse_ids))
    rows = (await session.execute(select(
        warehouses_table.c.id, warehouses_table.c.allow_negative_stock,
        warehouses_table.c.active, warehouses_table.c.transfer_days,
    ).where(warehouses_table.c.id.in_(ids)))).all()
    found = {row.id: row for row in rows}
    missing = [str(wid) for wid in ids if wid not in found]
    if missing:
        raise NotFound(f"no warehouse {', '.join(missing)}", code="unknown_warehouse")
    inactive = [str(wid) for wid in ids if not found[wid].active]
    if inactive:
        raise InvalidInput(f"warehouse {', '.join(inactive)} is inactive",
                           code="inactive_warehouse")
    return found


async def lock_balances(session: AsyncSession, keys: Iterable[tuple[uuid.UUID, uuid.UUID]],
                        products: dict[uuid.UUID, Any], warehouses: dict[uuid.UUID, Any]
                        ) -> dict[tuple[uuid.UUID, uuid.UUID], _Position]:
    """Lock the balance rows of ``keys`` in key order, creating missing ones."""
    wanted = set(keys)

    async def locked(subset: set[tuple[uuid.UUID, uuid.UUID]]) -> list[Any]:
        return list((await session.execute(
            select(balances).where(among(balances.c.product_id, balances.c.warehouse_id, subset))
            .order_by(balances.c.product_id, balances.c.warehouse_id).with_for_update())).all())

    rows = await locked(wanted)
    missing = wanted - {(row.product_id, row.warehouse_id) for row in rows}
    if missing:
        new = key_rows(missing)
        await session.execute(insert(balances).from_select(
            ["product_id", "warehouse_id", "costing_method"],
            select(new.c.product_id, new.c.warehouse_id, products_table.c.costing_method)
            .join(products_table, products_table.c.id == new.c.product_id)
            .order_by(new.c.product_id, new.c.warehouse_id)).on_conflict_do_nothing())
        rows += await locked(missing)
    positions = {}
    for row in rows:
        stock = StockValue(method=CostingMethod(row.costing_method), quantity=row.on_hand,
                           value=row.value, last_unit_cost=row.last_unit_cost,
                           layers=layers_from_json(row.layers))
        positions[(row.product_id, row.warehouse_id)] = _Position(
            stock=stock, on_hand=row.on_hand, reserved=row.reserved, in_transit=row.in_transit,
            allow_negative=warehouses[row.warehouse_id].allow_negative_stock)
    return positions


async def _split_lots(session: AsyncSession, postings: list[Posting],
                      products: dict[uuid.UUID, Any]) -> tuple[list[Posting], list[Shortage]]:
    """Lot rules: lot-tracked receipts name a lot (expiry defaults from the
    shelf life); outgoing lines without a lot are split by FEFO; an outgoing
    line never takes more than its lot holds."""
    today = datetime.now(UTC).date()
    outgoing_lot_keys = sorted({(p.product_id, p.warehouse_id) for p in postings
                                if not p.inbound and products[p.product_id].lot_tracked})
    on_hand: dict[tuple[uuid.UUID, uuid.UUID, str], tuple[Decimal, date | None]] = {}
    if outgoing_lot_keys:
        rows = (await session.execute(
            select(lots).where(among(lots.c.product_id, lots.c.warehouse_id, outgoing_lot_keys))
            .order_by(lots.c.product_id, lots.c.warehouse_id, lots.c.lot).with_for_update())).all()
        on_hand = {(r.product_id, r.warehouse_id, r.lot): (r.on_hand, r.expires_on) for r in rows}
    result: list[Posting] = []
    shortages: list[Shortage] = []
    for posting in postings:
        facts = products[posting.product_id]
        if not facts.lot_tracked:
            result.append(replace(posting, lot=None, expires_on=None))
            continue
        if posting.inbound:
            if posting.lot is None:
                raise InvalidInput("a lot-tracked product needs the lot", errors=[{
                    "field": f"lines[{posting.line_no}].lot", "in": "body",
                    "message": "required: the product is lot-tracked"}])
            expires_on = posting.expires_on
            if expires_on is None and facts.shelf_life_days:
                expires_on = today + timedelta(days=facts.shelf_life_days)
            result.append(replace(posting, expires_on=expires_on))
            continue
        if posting.lot is not None:
            held = on_hand.get((posting.product_id, posting.warehouse_id, posting.lot),
                               (Decimal(0), None))
            if held[0] < posting.quantity:
                shortages.append(Shortage(posting.product_id, posting.warehouse_id,
                                          posting.quantity, max(held[0], Decimal(0)),
                                          posting.lot))
                continue
            on_hand[(posting.product_id, posting.warehouse_id, posting.lot)] = (
                held[0] - posting.quantity, held[1])
            result.append(posting)
            continue
        candidates = [(lot, qty, exp) for (p, w, lot), (qty, exp) in on_hand.items()
                      if p == posting.product_id and w == posting.warehouse_id]
        picks = fefo(candidates, posting.quantity, today)
        found = sum((qty for _, qty in picks), Decimal(0))
        if found < posting.quantity:
            shortages.append(Shortage(posting.product_id, posting.warehouse_id,
                                      posting.quantity, found))
            continue
        for lot, qty in picks:
            held = on_hand[(posting.product_id, posting.warehouse_id, lot)]
            on_hand[(posting.product_id, posting.warehouse_id, lot)] = (held[0] - qty, held[1])
            result.append(replace(posting, lot=lot, quantity=qty))
    return result, shortages


def _value(position: _Position, posting: Posting, source: str
           ) -> tuple[StockValue, costing.Valuation]:
    stock = position.stock
    allow = position.allow_negative
    if posting.mode == "receive":
        assert posting.unit_cost is not None
        return stock.receive(posting.quantity, posting.unit_cost, source)
    if posting.mode == "issue":
        return stock.issue(posting.quantity, allow_negative=allow)
    if posting.mode == "adjust":
        return stock.adjust(posting.quantity * posting.delta_sign, source, allow_negative=allow)
    if posting.mode == "reverse_issue":
        assert posting.total_cost is not None
        return stock.reverse_issue(posting.taken, posting.quantity, posting.total_cost)
    if posting.mode == "reverse_receipt":
        assert posting.total_cost is not None and posting.source is not None
        return stock.reverse_receipt(posting.source, posting.quantity, posting.total_cost)
    return stock.receive_taken(posting.taken, source)


async def post(session: AsyncSession, header: MoveHeader, postings: Sequence[Posting],
               *, in_transit_changes: dict[tuple[uuid.UUID, uuid.UUID], Decimal] | None = None,
               reserved_changes: dict[tuple[uuid.UUID, uuid.UUID], Decimal] | None = None,
               ) -> PostedMove:
    """Value and write ``postings`` as one move. Raises
    :class:`InsufficientStock` (nothing written) when an outgoing line would
    take more than is available; the caller's transaction must then roll back."""
    postings = [replace(p, line_no=p.line_no or number) for number, p in enumerate(postings)]
    products = await product_facts(session, (p.product_id for p in postings))
    extra_keys = set(in_transit_changes or {}) | set(reserved_changes or {})
    warehouses = await warehouse_facts(session, {p.warehouse_id for p in postings}
                                       | {w for _, w in extra_keys} | {header.warehouse_id}
                                       | ({header.to_warehouse_id} if header.to_warehouse_id
                                          else set()))
    postings, shortages = await _split_lots(session, postings, products)
    keys = {(p.product_id, p.warehouse_id) for p in postings} | extra_keys
    positions = await lock_balances(session, keys, products, warehouses) if keys else {}
    for key, delta in (reserved_changes or {}).items():
        positions[key].reserved += delta
        positions[key].touched = True

    move_id = uuid.uuid4()
    valued: list[tuple[Posting, costing.Valuation, Decimal]] = []
    for posting in postings:
        position = positions[(posting.product_id, posting.warehouse_id)]
        if not posting.inbound and not position.allow_negative:
            # A count records what is physically there, reserved or not.
            available = position.on_hand - (
                position.reserved if header.type is not MoveType.COUNT else Decimal(0))
            if posting.quantity > available:
                shortages.append(Shortage(posting.product_id, posting.warehouse_id,
                                          posting.quantity, max(available, Decimal(0)),
                                          posting.lot))
                continue
        try:
            stock, valuation = _value(position, posting, f"{move_id}:{posting.line_no}")
        except costing.InsufficientStock as exc:
            shortages.append(Shortage(posting.product_id, posting.warehouse_id,
                                      posting.quantity, max(exc.available, Decimal(0)),
                                      posting.lot))
            continue
        except costing.CannotReverse as exc:
            raise InvalidInput(str(exc), code="cannot_reverse") from exc
        signed = posting.quantity if posting.inbound else -posting.quantity
        position.stock = stock
        position.on_hand += signed
        position.touched = True
        valued.append((posting, valuation, position.on_hand))
    if shortages:
        raise InsufficientStock(shortages)
    for key, delta in (in_transit_changes or {}).items():
        positions[key].in_transit += delta
        positions[key].touched = True

    number, created_at = await numbered_now(session, "MV")
    await session.execute(moves.insert().values(
        id=move_id, number=number, type=header.type.value, reason=header.reason,
        warehouse_id=header.warehouse_id, to_warehouse_id=header.to_warehouse_id,
        reference=header.reference, reverses_id=header.reverses_id,
        transfer_id=header.transfer_id, order_id=header.order_id,
        shipment_id=header.shipment_id, created_by=header.created_by,
        created_at=created_at))
    posted = PostedMove(id=move_id, number=number, type=header.type.value, reason=header.reason,
                        warehouse_id=header.warehouse_id, to_warehouse_id=header.to_warehouse_id,
                        reference=header.reference, reverses_id=header.reverses_id,
                        created_at=created_at)
    if valued:
        rows = [{
            "move_id": move_id, "line_no": posting.line_no, "product_id": posting.product_id,
            "warehouse_id": posting.warehouse_id, "lot": posting.lot,
            "quantity": posting.quantity if posting.inbound else -posting.quantity,
            "unit_cost": valuation.unit_cost,
            "value": valuation.total_cost if posting.inbound else -valuation.total_cost,
            "on_hand_after": on_hand_after,
            "taken": layers_to_json(valuation.taken) if valuation.taken else None,
            "created_at": created_at,
        } for posting, valuation, on_hand_after in valued]
        inserted = ledger.insert().returning(ledger.c.seq, sort_by_parameter_order=True)
        seqs = (await session.execute(inserted, rows)).scalars().all()
        for seq, row, (_, valuation, _) in zip(seqs, rows, valued, strict=True):
            posted.lines.append(PostedLine(
                seq=seq, line_no=row["line_no"], product_id=row["product_id"],
                warehouse_id=row["warehouse_id"], lot=row["lot"], quantity=row["quantity"],
                unit_cost=row["unit_cost"], total_cost=row["value"],
                on_hand_after=row["on_hand_after"], taken=valuation.taken))
        await _write_lots(session, valued, created_at)
    last_seq = max((line.seq for line in posted.lines), default=0)
    await write_balances(session, positions, last_seq)
    if header.announce:
        await emit_many(session, [_event(header, posted, line) for line in posted.lines])
    await alerts.evaluate(session, [key for key, pos in positions.items() if pos.touched])
    return posted


async def _write_lots(session: AsyncSession,
                      valued: list[tuple[Posting, costing.Valuation, Decimal]],
                      received_at: datetime) -> None:
    deltas: dict[tuple[uuid.UUID, uuid.UUID, str], tuple[Decimal, date | None]] = {}
    for posting, _, _ in valued:
        if posting.lot is None:
            continue
        key = (posting.product_id, posting.warehouse_id, posting.lot)
        qty, expires = deltas.get(key, (Decimal(0), None))
        signed = posting.quantity if posting.inbound else -posting.quantity
        deltas[key] = (qty + signed, posting.expires_on or expires)
    if not deltas:
        return
    statement = insert(lots)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[lots.c.product_id, lots.c.warehouse_id, lots.c.lot],
        set_={"on_hand": lots.c.on_hand + statement.excluded.on_hand,
              "expires_on": func.coalesce(lots.c.expires_on, statement.excluded.expires_on)}),
        [{"product_id": p, "warehouse_id": w, "lot": lot, "on_hand": qty, "expires_on": exp,
          "received_at": received_at} for (p, w, lot), (qty, exp) in sorted(deltas.items())])


async def write_balances(session: AsyncSession,
                          positions: dict[tuple[uuid.UUID, uuid.UUID], _Position],
                          last_seq: int) -> None:
    changed = [(key, pos) for key, pos in sorted(positions.items()) if pos.touched]
    if not changed:
        return
    statement = (update(balances)
                 .where(balances.c.product_id == bindparam("k_product"))
                 .where(balances.c.warehouse_id == bindparam("k_warehouse"))
                 .values(on_hand=bindparam("on_hand"), reserved=bindparam("reserved"),
                         in_transit=bindparam("in_transit"), value=bindparam("value"),
                         last_unit_cost=bindparam("last_unit_cost"),
                         layers=bindparam("layers"),
                         last_seq=func.greatest(balances.c.last_seq, bindparam("last_seq")),
                         updated_at=func.now()))
    await session.execute(statement, [{
        "k_product": product_id, "k_warehouse": warehouse_id, "on_hand": pos.on_hand,
        "reserved": pos.reserved, "in_transit": pos.in_transit, "value": pos.stock.value,
        "last_unit_cost": pos.stock.last_unit_cost,
        "layers": layers_to_json(pos.stock.layers), "last_seq": last_seq,
    } for (product_id, warehouse_id), pos in changed])


ISSUE_REASON = {MoveType.ISSUE: None, MoveType.TRANSFER: "transfer"}
RECEIPT_REASON = {MoveType.RECEIPT: None, MoveType.TRANSFER_IN: "transfer"}


def _event(header: MoveHeader, move: PostedMove, line: PostedLine) -> Message:
    common: dict[str, Any] = {
        "warehouse_id": line.warehouse_id, "product_id": line.product_id, "move_id": move.id,
        "unit_cost": line.unit_cost, "currency": CURRENCY, "on_hand_after": line.on_hand_after,
        "occurred_at": move.created_at}
    if header.type in RECEIPT_REASON and line.quantity > 0:
        return StockReceived(**common, quantity=line.quantity, total_cost=line.total_cost,
                             lot=line.lot, reason=RECEIPT_REASON[header.type] or header.reason,
                             reference=header.reference, source_id=header.transfer_id)
    if header.type in ISSUE_REASON and line.quantity < 0:
        return StockIssued(**common, quantity=-line.quantity, total_cost=-line.total_cost,
                           lot=line.lot, reason=ISSUE_REASON[header.type] or header.reason,
                           reference=header.reference, order_id=header.order_id,
                           shipment_id=header.shipment_id)
    return StockAdjusted(**common, quantity_delta=line.quantity, total_cost=line.total_cost,
                         reason=header.reason if header.type is not MoveType.REVERSAL
                         else f"reversal of {header.reference}",
                         reverses_reason=header.reverses_reason)
