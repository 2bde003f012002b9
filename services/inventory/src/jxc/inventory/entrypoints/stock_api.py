"""Inventory's stock API: warehouses, moves, stock, ledger, reservations,
reorder rules and alerts, valuation. Routes translate HTTP to use cases."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from jxc.contracts.base import Money, Quantity
from jxc.inventory.adapters.stock_tables import TransferRow
from jxc.inventory.domain.moves import InsufficientStock, MoveLine, MoveType
from jxc.inventory.entrypoints.problems import insufficient_stock
from jxc.inventory.service_layer import (
    bins,
    moves,
    opening_stock,
    queries,
    reorder_rules,
    reservations,
    sheets,
    units,
)
from jxc.inventory.service_layer import warehouses as scope
from jxc.inventory.service_layer.ledger import PostedMove
from jxc.inventory.service_layer.warehouses import warehouses
from jxc.platform.api import Code, CursorQuery, LimitQuery, Page, SessionDep
from jxc.platform.auth import Principal, require
from jxc.platform.errors import Forbidden, InvalidInput, NotFound
from jxc.platform.record_routes import add_record_routes

router = APIRouter(prefix="/api/v1/inventory", tags=["inventory"])
QuantityIn = Annotated[Decimal, Field(max_digits=18, decimal_places=4)]
PositiveQuantityIn = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=4)]
MoneyIn = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
Reader = Annotated[Principal, require("inventory:read")]


# -- warehouses -------------------------------------------------------------------
class WarehouseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: str = Field(min_length=1, max_length=200)
    branch_id: uuid.UUID | None = None
    allow_negative_stock: bool = False
    transfer_days: int = Field(default=3, ge=0, le=365)


class WarehousePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    branch_id: uuid.UUID | None = None
    allow_negative_stock: bool | None = None
    transfer_days: int | None = Field(default=None, ge=0, le=365)
    active: bool | None = None


class WarehouseOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    branch_id: uuid.UUID | None
    allow_negative_stock: bool
    transfer_days: int
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


add_record_routes(router, "/warehouses", warehouses, create_body=WarehouseIn,
                  patch_body=WarehousePatch, out=WarehouseOut, read="inventory:read",
                  write="inventory:manage")


# -- moves --------------------------------------------------------------------------
class MoveLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    quantity: QuantityIn
    unit: str | None = Field(default=None, max_length=20,
                             description="one of the product's units; default its base unit")
    unit_cost: MoneyIn | None = Field(default=None, description="per `unit`; receipts only")
    lot: str | None = Field(default=None, min_length=1, max_length=64)
    expires_on: date | None = None


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["receipt", "issue", "adjustment", "transfer"]
    warehouse_id: uuid.UUID
    to_warehouse_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=30)
    reference: str | None = Field(default=None, max_length=100)
    lines: list[MoveLineIn] = Field(min_length=1, max_length=10_000)


class MoveLineOut(BaseModel):
    seq: int
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    lot: str | None
    quantity: Quantity
    unit_cost: Money
    total_cost: Money
    on_hand_after: Quantity


class MoveOut(BaseModel):
    id: uuid.UUID
    number: str
    type: str
    reason: str
    warehouse_id: uuid.UUID
    to_warehouse_id: uuid.UUID | None
    reference: str | None
    reverses_id: uuid.UUID | None
    transfer_id: uuid.UUID | None = None
    created_at: datetime
    lines: list[MoveLineOut]

    @classmethod
    def of(cls, move: PostedMove, transfer_id: uuid.UUID | None = None) -> MoveOut:
        return cls(id=move.id, number=move.number, type=move.type, reason=move.reason,
                   warehouse_id=move.warehouse_id, to_warehouse_id=move.to_warehouse_id,
                   reference=move.reference, reverses_id=move.reverses_id,
                   transfer_id=transfer_id, created_at=move.created_at,
                   lines=[MoveLineOut(seq=line.seq, product_id=line.product_id,
                                      warehouse_id=line.warehouse_id, lot=line.lot,
                                      quantity=line.quantity, unit_cost=line.unit_cost,
                                      total_cost=line.total_cost,
                                      on_hand_after=line.on_hand_after)
                          for line in move.lines])


MOVE_PERMISSION = {"receipt": "inventory:post", "issue": "inventory:post",
                   "adjustment": "inventory:adjust", "transfer": "inventory:transfer"}


@router.post("/moves", status_code=status.HTTP_201_CREATED, response_model=MoveOut,
             responses={409: {"description": "insufficient_stock: nothing was posted"}})
async def post_move(body: MoveIn, session: SessionDep, response: Response,
                    principal: Annotated[Principal, require()]) -> MoveOut:
    needed = MOVE_PERMISSION[body.type]
    if not principal.can(needed):
        raise Forbidden(f"{needed} is required to post a {body.type}", missing=[needed])
    await scope.authorise(session, principal, body.warehouse_id, body.to_warehouse_id)
    lines = await units.in_base_units(session, [
        (MoveLine(product_id=line.product_id, quantity=line.quantity, unit_cost=line.unit_cost,
                  lot=line.lot, expires_on=line.expires_on), line.unit)
        for line in body.lines])
    try:
        move = await moves.post_move(
            session, move_type=MoveType(body.type), warehouse_id=body.warehouse_id,
            to_warehouse_id=body.to_warehouse_id, lines=lines, reason=body.reason,
            reference=body.reference, created_by=principal.username)
    except InsufficientStock as exc:
        await session.rollback()
        raise insufficient_stock(exc) from exc
    transfer_id = await _transfer_of(session, move)
    await session.commit()
    response.headers["Location"] = f"/api/v1/inventory/moves/{move.id}"
    return MoveOut.of(move, transfer_id)


async def _transfer_of(session: SessionDep, move: PostedMove) -> uuid.UUID | None:
    if move.type != MoveType.TRANSFER:
        return None
    return (await session.execute(select(TransferRow.id).where(
        TransferRow.dispatch_move_id == move.id))).scalar_one()


@router.get("/moves/{move_id}", response_model=MoveOut)
async def get_move(move_id: uuid.UUID, session: SessionDep, principal: Reader) -> MoveOut:
    header = await moves.get_move(session, move_id)
    await scope.authorise(session, principal, header.warehouse_id)
    return MoveOut.of(header)


@router.post("/moves/{move_id}/reverse", status_code=status.HTTP_201_CREATED,
             response_model=MoveOut)
async def reverse_move(move_id: uuid.UUID, session: SessionDep,
                       principal: Annotated[Principal, require("inventory:adjust")]) -> MoveOut:
    try:
        move = await moves.reverse_move(session, move_id, created_by=principal.username)
    except InsufficientStock as exc:
        await session.rollback()
        raise insufficient_stock(exc) from exc
    await scope.authorise(session, principal, move.warehouse_id)
    await session.commit()
    return MoveOut.of(move)


class OpeningOut(BaseModel):
    moves: list[MoveOut]
    lines: int
    value: Money


@router.post("/opening-stock/import", status_code=status.HTTP_201_CREATED,
             response_model=OpeningOut)
async def import_opening_stock(
        session: SessionDep, principal: Annotated[Principal, require("inventory:adjust")],
        file: Annotated[UploadFile, File(description="CSV (UTF-8) or .xlsx: sku, "
                                         "warehouse_code, quantity, unit_cost, lot, expires_on")],
) -> OpeningOut:
    """期初: opening balances from a sheet; all rows or none."""
    data = await file.read(sheets.MAX_BYTES + 1)
    result = await opening_stock.import_opening_stock(session, data, file.filename,
                                                      file.content_type, principal.username)
    await scope.authorise(session, principal, *(move.warehouse_id for move in result.moves))
    await session.commit()
    return OpeningOut(moves=[MoveOut.of(move) for move in result.moves], lines=result.lines,
                      value=result.value)


# -- transfers ------------------------------------------------------------------------
class TransferOut(BaseModel):
    id: uuid.UUID
    number: str
    from_warehouse_id: uuid.UUID
    to_warehouse_id: uuid.UUID
    status: str
    lines: list[dict[str, Any]]
    dispatch_move_id: uuid.UUID
    receipt_move_id: uuid.UUID | None
    due_at: datetime
    created_at: datetime
    received_at: datetime | None


@router.get("/transfers/{transfer_id}", response_model=TransferOut)
async def get_transfer(transfer_id: uuid.UUID, session: SessionDep,
                       principal: Reader) -> TransferOut:
    row = await session.get(TransferRow, transfer_id)
    if row is None:
        raise NotFound(f"no transfer {transfer_id}")
    await scope.authorise(session, principal, row.from_warehouse_id)
    return TransferOut.model_validate(row, from_attributes=True)


@router.post("/transfers/{transfer_id}/receive", response_model=MoveOut,
             status_code=status.HTTP_201_CREATED)
async def receive_transfer(transfer_id: uuid.UUID, session: SessionDep,
                           principal: Annotated[Principal, require("inventory:transfer")]
                           ) -> MoveOut:
    move = await moves.receive_transfer(session, transfer_id, created_by=principal.username)
    await scope.authorise(session, principal, move.warehouse_id)
    await session.commit()
    return MoveOut.of(move)


# -- stock and ledger -------------------------------------------------------------------
class StockOut(BaseModel):
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    costing_method: str
    on_hand: Quantity
    reserved: Quantity
    available: Quantity
    in_transit: Quantity
    incoming: Quantity
    projected: Quantity
    unit_cost: Money
    value: Money
    updated_at: datetime


@router.get("/stock", response_model=Page[StockOut])
async def stock(session: SessionDep, principal: Reader, product_id: uuid.UUID | None = None,
                warehouse_id: uuid.UUID | None = None, limit: LimitQuery = 100,
                cursor: CursorQuery = None) -> dict[str, Any]:
    items, next_cursor = await queries.stock(session, principal, product_id=product_id,
                                             warehouse_id=warehouse_id, limit=limit,
                                             cursor=cursor)
    return {"items": items, "next_cursor": next_cursor}


class LotOut(BaseModel):
    lot: str
    on_hand: Quantity
    expires_on: date | None


@router.get("/stock/lots", response_model=list[LotOut])
async def lots(product_id: uuid.UUID, warehouse_id: uuid.UUID, session: SessionDep,
               principal: Reader) -> list[dict[str, Any]]:
    await scope.authorise(session, principal, warehouse_id)
    return await queries.lot_stock(session, product_id, warehouse_id)


class FefoLine(BaseModel):
    lot: str
    quantity: Quantity


class FefoOut(BaseModel):
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Quantity
    lines: list[FefoLine]
    shortage: Quantity


@router.get("/stock/fefo", response_model=FefoOut)
async def fefo(product_id: uuid.UUID, warehouse_id: uuid.UUID,
               quantity: Annotated[Decimal, Query(gt=0, max_digits=18, decimal_places=4)],
               session: SessionDep, principal: Reader) -> dict[str, Any]:
    """Which lots to pick, first expiry first (expired lots are never suggested)."""
    await scope.authorise(session, principal, warehouse_id)
    return await queries.fefo_suggestion(session, product_id, warehouse_id, quantity,
                                         datetime.now(UTC).date())


class LedgerOut(BaseModel):
    seq: int
    move_id: uuid.UUID
    move_number: str
    type: str
    reason: str
    reference: str | None
    reverses_id: uuid.UUID | None
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    lot: str | None
    quantity: Quantity
    unit_cost: Money
    value: Money
    on_hand_after: Quantity
    created_at: datetime


@router.get("/ledger", response_model=Page[LedgerOut])
async def ledger(session: SessionDep, principal: Reader, product_id: uuid.UUID | None = None,
                 warehouse_id: uuid.UUID | None = None, move_id: uuid.UUID | None = None,
                 limit: LimitQuery = 100, cursor: CursorQuery = None) -> dict[str, Any]:
    """The ledger, oldest first."""
    items, next_cursor = await queries.ledger_lines(
        session, principal, product_id=product_id, warehouse_id=warehouse_id, move_id=move_id,
        limit=limit, cursor=cursor)
    return {"items": items, "next_cursor": next_cursor}


# -- reservations -------------------------------------------------------------------------
class ReservationLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: PositiveQuantityIn


class ReservationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: uuid.UUID
    lines: list[ReservationLineIn] = Field(min_length=1, max_length=1000)


class ReservationLineOut(BaseModel):
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: Quantity


class ReservationOut(BaseModel):
    order_id: uuid.UUID
    lines: list[ReservationLineOut]


@router.post("/reservations", status_code=status.HTTP_201_CREATED,
             response_model=ReservationOut)
async def reserve(body: ReservationIn, session: SessionDep,
                  principal: Annotated[Principal, require("inventory:reserve")]
                  ) -> dict[str, Any]:
    """Reserve every line or none; repeating it for the order returns what it holds."""
    await scope.authorise(session, principal, *(line.warehouse_id for line in body.lines))
    try:
        held = await reservations.reserve(session, body.order_id, [
            reservations.Line(line.product_id, line.warehouse_id, line.quantity)
            for line in body.lines])
    except InsufficientStock as exc:
        await session.rollback()
        raise insufficient_stock(exc) from exc
    await session.commit()
    return {"order_id": body.order_id, "lines": [vars(line) for line in held]}


@router.get("/reservations/{order_id}", response_model=ReservationOut)
async def get_reservation(order_id: uuid.UUID, session: SessionDep,
                          principal: Reader) -> dict[str, Any]:
    held = await reservations.held_by(session, order_id)
    if not held:
        raise NotFound(f"order {order_id} has no reservation")
    return {"order_id": order_id, "lines": [vars(line) for line in held]}


@router.post("/reservations/{order_id}/release", response_model=ReservationOut)
async def release(order_id: uuid.UUID, session: SessionDep,
                  principal: Annotated[Principal, require("inventory:reserve")]
                  ) -> dict[str, Any]:
    released = await reservations.release(session, order_id)
    await session.commit()
    return {"order_id": order_id, "lines": [vars(line) for line in released]}


# -- reorder rules and alerts ------------------------------------------------------------
class ReorderRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    min_qty: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
    max_qty: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]

    @model_validator(mode="after")
    def _range(self) -> ReorderRuleIn:
        if self.max_qty < self.min_qty:
            raise ValueError("max_qty must be at least min_qty")
        return self


class ReorderRuleOut(BaseModel):
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    min_qty: Quantity
    max_qty: Quantity
    version: int


@router.post("/reorder-rules", status_code=status.HTTP_201_CREATED,
             response_model=ReorderRuleOut)
async def put_rule(body: ReorderRuleIn, session: SessionDep,
                   principal: Annotated[Principal, require("inventory:manage")]) -> Any:
    """Create or replace the rule of a product in a warehouse."""
    await scope.authorise(session, principal, body.warehouse_id)
    row = await reorder_rules.upsert(session, body.product_id, body.warehouse_id,
                                     body.min_qty, body.max_qty)
    await session.commit()
    return row


@router.get("/reorder-rules", response_model=Page[ReorderRuleOut])
async def list_rules(session: SessionDep, principal: Reader,
                     warehouse_id: uuid.UUID | None = None,
                     product_id: uuid.UUID | None = None, limit: LimitQuery = 100,
                     cursor: CursorQuery = None) -> dict[str, Any]:
    items, next_cursor = await reorder_rules.page(session, principal, warehouse_id,
                                                  product_id, limit, cursor)
    return {"items": items, "next_cursor": next_cursor}


class AlertOut(BaseModel):
    id: uuid.UUID
    kind: str
    product_id: uuid.UUID | None
    warehouse_id: uuid.UUID
    subject: str
    detail: dict[str, str]
    raised_at: datetime


@router.get("/alerts", response_model=Page[AlertOut])
async def list_alerts(session: SessionDep, principal: Reader,
                      kind: Literal["low", "high", "expiry", "transfer"] | None = None,
                      warehouse_id: uuid.UUID | None = None,
                      limit: LimitQuery = 100, cursor: CursorQuery = None) -> dict[str, Any]:
    """Open alerts: low / over stock, lots near expiry, overdue transfers."""
    items, next_cursor = await reorder_rules.open_alerts(session, principal, kind,
                                                         warehouse_id, limit, cursor)
    return {"items": items, "next_cursor": next_cursor}


# -- valuation, turnover, consistency --------------------------------------------------------
GroupByQuery = Annotated[Literal["warehouse", "category"], Query()]


@router.get("/valuation")
async def valuation(session: SessionDep, principal: Reader,
                    group_by: GroupByQuery = "warehouse") -> dict[str, Any]:
    items = await queries.valuation(session, principal, group_by)
    return {"group_by": group_by, "currency": "CNY",
            "items": [{k: str(v) if isinstance(v, Decimal) else v for k, v in item.items()}
                      for item in items]}


@router.get("/turnover")
async def turnover(session: SessionDep, principal: Reader, start: date, end: date,
                   group_by: GroupByQuery = "warehouse") -> dict[str, Any]:
    if end < start:
        raise InvalidInput("end is before start", errors=[
            {"field": "end", "in": "query", "message": "must not be before start"}])
    items = await queries.turnover(session, principal, group_by, queries.Period(start, end))
    return {"group_by": group_by, "start": start, "end": end, "items": [
        {k: str(v) if isinstance(v, Decimal) else v for k, v in item.items()} for item in items]}


@router.get("/check")
async def check(session: SessionDep,
                principal: Annotated[Principal, require("inventory:manage")]) -> Any:
    """Stock vs ledger: the balances equal the sum of the ledger everywhere."""
    result = await queries.check_consistency(session)
    return _stringify(result)


def _stringify(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    return value


# -- bin locations ----------------------------------------------------------------------
class BinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: str = Field(default="", max_length=200)


class BinOut(BaseModel):
    id: uuid.UUID
    warehouse_id: uuid.UUID
    code: str
    name: str


@router.post("/warehouses/{warehouse_id}/bins", status_code=status.HTTP_201_CREATED,
             response_model=BinOut)
async def create_bin(warehouse_id: uuid.UUID, body: BinIn, session: SessionDep,
                     principal: Annotated[Principal, require("inventory:manage")]) -> Any:
    """A bin location (库位) inside a warehouse; codes are unique per warehouse."""
    await scope.authorise(session, principal, warehouse_id)
    row = await bins.create(session, warehouse_id, body.code, body.name)
    await session.commit()
    return row


@router.get("/warehouses/{warehouse_id}/bins", response_model=list[BinOut])
async def list_bins(warehouse_id: uuid.UUID, session: SessionDep, principal: Reader) -> Any:
    await scope.authorise(session, principal, warehouse_id)
    return await bins.of_warehouse(session, warehouse_id)
